"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from rakor.middleware import InlineASGIHandler

# Django's own middleware run in the event loop, without thread hops (rakor.middleware.INLINE_UNDER_ASGI).
django_asgi_app = InlineASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from rakor.routing import websocket_urlpatterns  # noqa: E402
from rakor.uploads import UploadLimitASGIMiddleware  # noqa: E402
from rakor.ws_auth import LazyAuthMiddlewareStack  # noqa: E402
from attendance.online.fastpath import OnlineFastPath  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A body beyond the path's upload limit is never received in full (Django would spool it first).
        # The join link's and the heartbeat's common case is answered before Django (issue 15, the herd).
        "http": OnlineFastPath(UploadLimitASGIMiddleware(django_asgi_app)),
        # The user is read when a consumer's access check asks (rakor/ws_auth.py), not on every connect.
        "websocket": AllowedHostsOriginValidator(LazyAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
