from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'attendance'

    def ready(self):
        # The dashboard summary cache listens for saves (signals connected in selectors):
        # every process must connect them, not only those that happened to import the module.
        from . import selectors  # noqa: F401
        from agenda.listeners import register_beat_taker, register_secret_check

        from .online.fastpath import socket_beats_accepted, take_socket_beat
        from .online.selectors import personal_sections, session_socket_check
        from .online.services import sessions_erase_person
        from .personal_data import Holder, register_holder

        # Online attendance and meeting-platform reports hold people's data: "my data" lists it,
        # an erasure erases it (attendance.personal_data).
        register_holder(Holder("sessions", sections=personal_sections, erase=sessions_erase_person))
        # A participant's portal secret opens the agenda's live-status socket (agenda.consumers).
        register_secret_check(session_socket_check)
        # Likewise the caches of scanner devices and door hours, invalidated on every node on a save.
        from . import authentication, checkin  # noqa: F401
        # The heartbeat fast path forgets who joined when a registration's secret or standing changes.
        from .online import beats  # noqa: F401

        # The portal's heartbeats over its session socket (when collected in Redis): the fast path's rule.
        register_beat_taker(take_socket_beat, socket_beats_accepted)
