"""Short codes (0007) are now filled: new rows get one by default, and one code is never given twice in an event.

A migration of its own: on PostgreSQL, ALTER TABLE in the same transaction as 0007's updates could meet
pending trigger events.
"""

from django.db import migrations, models

import attendance.codes


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0008_registration_short_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="registration",
            name="short_code",
            field=models.CharField(default=attendance.codes.new_short_code, editable=False, max_length=10,
                                   verbose_name="kode tiket"),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(condition=models.Q(("short_code", ""), _negated=True),
                                               fields=("event", "short_code"),
                                               name="registration_short_code_once_per_event"),
        ),
    ]
