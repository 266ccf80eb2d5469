"""The ticket's short code for typing (issue 13, item 6): added empty, filled per row, then (0008) required unique per event.

AddField with a callable default would give every existing row the same code (the default is
evaluated once), so existing registrations get their own codes in a data step.
"""

from django.db import migrations, models

import attendance.codes


def backfill(apps, schema_editor):
    Registration = apps.get_model("attendance", "Registration")
    taken: dict[int, set[str]] = {}
    batch = []
    for registration in Registration.objects.filter(short_code="").only("pk", "event_id").iterator(chunk_size=2000):
        used = taken.setdefault(registration.event_id, set())
        code = attendance.codes.new_short_code()
        while code in used:
            code = attendance.codes.new_short_code()
        used.add(code)
        registration.short_code = code
        batch.append(registration)
        if len(batch) >= 2000:
            Registration.objects.bulk_update(batch, ["short_code"])
            batch = []
    if batch:
        Registration.objects.bulk_update(batch, ["short_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0007_online_attendance_from_sessions_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="short_code",
            field=models.CharField(default="", editable=False, max_length=10, verbose_name="kode tiket"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
