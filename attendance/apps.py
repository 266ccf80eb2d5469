from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'attendance'

    def ready(self):
        # The dashboard summary cache listens for saves (signals connected in selectors):
        # every process must connect them, not only those that happened to import the module.
        from . import selectors  # noqa: F401
