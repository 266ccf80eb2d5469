"""The lawful basis of every registration (UU PDP 27/2022 Pasal 20).

Registration.lawful_basis / lawful_basis_at / lawful_basis_notice: consent for a person
registering themselves, the agency's public task (huruf e) for anyone else registering them,
with the time and the version of the notice shown. Self-registrations that recorded consent
get it filled in from their consent fields; other existing registrations stay empty ("not
recorded"): no notice was shown then.
"""

from django.db import migrations, models
from django.db.models import F


def consent_is_a_lawful_basis(apps, schema_editor):
    Registration = apps.get_model("attendance", "Registration")
    Registration.objects.filter(consent_at__isnull=False).update(
        lawful_basis="consent", lawful_basis_at=F("consent_at"), lawful_basis_notice=F("consent_version"))


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0004_checkin_time_results'),
    ]

    operations = [
        migrations.AddField(
            model_name='registration',
            name='lawful_basis',
            field=models.CharField(blank=True, choices=[('consent', 'Persetujuan peserta (UU PDP Pasal 20 ayat (2) huruf a)'), ('public_task', 'Pelaksanaan tugas dan kewenangan instansi (UU PDP Pasal 20 ayat (2) huruf e)')], max_length=20, verbose_name='dasar pemrosesan data pribadi'),
        ),
        migrations.AddField(
            model_name='registration',
            name='lawful_basis_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='dasar pemrosesan dicatat pada'),
        ),
        migrations.AddField(
            model_name='registration',
            name='lawful_basis_notice',
            field=models.CharField(blank=True, max_length=20, verbose_name='versi pemberitahuan'),
        ),
        migrations.RunPython(consent_is_a_lawful_basis, migrations.RunPython.noop),
    ]
