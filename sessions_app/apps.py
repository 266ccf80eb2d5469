from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    """Only the old migrations (0001-0004) of the tables that agenda, attendance and minutes now own.

    Its models moved out with their tables (issue 16): Session to agenda; OnlineAttendance,
    MeetingReport and MeetingReportRow to attendance; Minutes, its revisions and autosaves,
    ActionItem and its evidence to minutes. The tables keep their ``sessions_app_`` names
    (``db_table``); migration 0005 hands the models over. It stays installed so that a new
    database is built by the same migrations as an old one. No code lives here.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = "sessions_app (migrasi lama)"
