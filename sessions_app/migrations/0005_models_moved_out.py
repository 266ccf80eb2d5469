"""sessions_app's models have moved out (issue 16): Session to agenda; OnlineAttendance, MeetingReport and
MeetingReportRow to attendance; Minutes, MinutesRevision, MinutesAutosave, ActionItem and ActionItemEvidence
to minutes. Their tables stay, with their names and rows (the new models say db_table); here sessions_app
forgets them, and their content types (and so their permissions and admin history) follow them to their
new app. sessions_app keeps only its migrations.
"""

from django.db import migrations


MOVED = {
    "session": "agenda",
    "onlineattendance": "attendance", "meetingreport": "attendance", "meetingreportrow": "attendance",
    "minutes": "minutes", "minutesrevision": "minutes", "minutesautosave": "minutes",
    "actionitem": "minutes", "actionitemevidence": "minutes",
}


def _move_content_types(apps, schema_editor, *, backwards: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model, app in MOVED.items():
        old, new = ("sessions_app", app) if not backwards else (app, "sessions_app")
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def content_types_forwards(apps, schema_editor):
    _move_content_types(apps, schema_editor, backwards=False)


def content_types_backwards(apps, schema_editor):
    _move_content_types(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('minutes', '0001_initial'),
        ('attendance', '0007_online_attendance_from_sessions_app'),
        ('sessions_app', '0004_minutes_attendance_snapshot'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='actionitemevidence',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='actionitemevidence',
                    name='added_by',
                ),
                migrations.RemoveField(
                    model_name='meetingreport',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='meetingreport',
                    name='uploaded_by',
                ),
                migrations.RemoveField(
                    model_name='meetingreportrow',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='meetingreportrow',
                    name='registration',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='finalised_by',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='minute_takers',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='minutesautosave',
                    name='minutes',
                ),
                migrations.RemoveField(
                    model_name='minutesrevision',
                    name='minutes',
                ),
                migrations.RemoveField(
                    model_name='minutesautosave',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='minutesrevision',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='onlineattendance',
                    name='registration',
                ),
                migrations.RemoveField(
                    model_name='onlineattendance',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='session',
                    name='allowed_units',
                ),
                migrations.RemoveField(
                    model_name='session',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='session',
                    name='speakers',
                ),
                migrations.DeleteModel(
                    name='ActionItem',
                ),
                migrations.DeleteModel(
                    name='ActionItemEvidence',
                ),
                migrations.DeleteModel(
                    name='MeetingReport',
                ),
                migrations.DeleteModel(
                    name='MeetingReportRow',
                ),
                migrations.DeleteModel(
                    name='Minutes',
                ),
                migrations.DeleteModel(
                    name='MinutesAutosave',
                ),
                migrations.DeleteModel(
                    name='MinutesRevision',
                ),
                migrations.DeleteModel(
                    name='OnlineAttendance',
                ),
                migrations.DeleteModel(
                    name='Session',
                ),
            ],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
