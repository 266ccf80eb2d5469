"""The tamper-evident attendance chain: CheckInSeal, and (PostgreSQL) append-only triggers.

On PostgreSQL the database itself refuses UPDATE and DELETE of check-ins and of their
seals: the attendance record is append-only whatever the application does. (The audit
trail's own guard, once installed here too, is rakor's: rakor 0006.) (TRUNCATE,
which the test runner's flush uses, is not a row operation and stays possible for the
database owner.) SQLite has no such triggers; there the chain alone shows tampering.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("attendance_checkin", "attendance_checkinseal")

CREATE = """
CREATE OR REPLACE FUNCTION rakor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rakor: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""
TRIGGER = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION rakor_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"

def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table))
    schema_editor.execute("DROP FUNCTION IF EXISTS rakor_append_only();")


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0002_checkin'),
        ('rakor', '0002_audit_entry'),
    ]

    operations = [
        migrations.CreateModel(
            name='CheckInSeal',
            fields=[
                ('checkin', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='seal', serialize=False, to='attendance.checkin', verbose_name='presensi')),
                ('chain_seq', models.BigIntegerField(verbose_name='nomor urut rantai')),
                ('chain_hash', models.CharField(max_length=64, verbose_name='hash rantai')),
                ('sealed_at', models.DateTimeField(auto_now_add=True, verbose_name='disegel pada')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rakor.event', verbose_name='acara')),
            ],
            options={
                'verbose_name': 'segel presensi',
                'verbose_name_plural': 'segel presensi',
                'ordering': ['event', 'chain_seq'],
                'constraints': [models.UniqueConstraint(fields=('event', 'chain_seq'), name='checkin_seal_seq_once_per_event')],
            },
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
