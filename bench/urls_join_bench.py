"""rakor.urls plus /bench/join/<n>/: a bare Django view doing one INSERT and a redirect (the join storm's baseline)."""

import uuid

from django.db import connection
from django.http import HttpResponseRedirect
from django.urls import include, path

MEETING_URL = "https://us02web.zoom.us/j/81234567890?pwd=BenchRapat"


def bench_join(request, n: int):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (nonce, payload) VALUES (%s, %s)", [str(uuid.uuid4()), str(n)])
    return HttpResponseRedirect(MEETING_URL)


urlpatterns = [
    path("bench/join/<int:n>/", bench_join),
    path("", include("rakor.urls")),
]
