"""The join link's rules hold where it is answered in front of Django (attendance.online.fastpath, issue 15).

test_join.py's tests run again here, every request through the whole ASGI application (rakor/asgi.py):
a recorded join is answered by the fast path, everything else (waiting pages, refusals, unknown
secrets, HEAD, POST) by Django behind it, with the same answers and the same rows.
"""

import pytest

from tests.asgi_client import AsgiClient
from tests.attendance.test_join import *  # noqa: F403  (the same tests, with this module's client)


@pytest.fixture
def client():
    return AsgiClient()


def test_post_is_refused(client, event):  # noqa: F811  (test_join's, through the real stack)
    """Django's test client skips the CSRF check; through the real stack a POST is refused by it first."""
    session = make_session(event, starts_in=-5)  # noqa: F405
    reg = online_registration(event)  # noqa: F405
    assert client.post(join_url(reg, session)).status_code == 403  # noqa: F405
    assert CheckIn.objects.count() == 0  # noqa: F405
