"""The audit trail (rakor_auditentry) is append-only in the database itself (PostgreSQL).

The trail is rakor's, so its guard is too (it used to be installed by attendance 0003 and
changed by attendance 0006; on a database that ran those, this replaces the function and
the trigger with the same text). Two exceptions: Django's ON DELETE SET NULL when a user
account or an event goes (actor_label still names the person), and erasing a person's data
on request (UU PDP), which rakor.audit.audit_redact does with
`SET LOCAL rakor.audit_redaction = 'on'` and which may change only the before/after values,
the object's label and the reason. SQLite has no such trigger.
"""

from django.db import migrations

AUDIT_FUNCTION = """
CREATE OR REPLACE FUNCTION rakor_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_label = OLD.actor_label
       AND NEW.action = OLD.action AND NEW.model = OLD.model AND NEW.object_id = OLD.object_id
       AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
       AND (NEW.event_id IS NOT DISTINCT FROM OLD.event_id OR NEW.event_id IS NULL)
       AND ((NEW.before IS NOT DISTINCT FROM OLD.before AND NEW.after IS NOT DISTINCT FROM OLD.after
             AND NEW.object_repr = OLD.object_repr AND NEW.reason = OLD.reason)
            OR current_setting('rakor.audit_redaction', true) = 'on')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rakor: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

TRIGGER = """
DROP TRIGGER IF EXISTS rakor_auditentry_append_only ON rakor_auditentry;
CREATE TRIGGER rakor_auditentry_append_only BEFORE UPDATE OR DELETE ON rakor_auditentry
    FOR EACH ROW EXECUTE FUNCTION rakor_audit_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS rakor_auditentry_append_only ON rakor_auditentry;")
        schema_editor.execute("DROP FUNCTION IF EXISTS rakor_audit_append_only();")


class Migration(migrations.Migration):

    dependencies = [
        ('rakor', '0005_event_offline_scan_hours'),
    ]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
    ]
