"""The bare floor's one view: one INSERT, then a redirect to the meeting (bench/settings_floor.py)."""

from django.db import connection
from django.http import HttpResponseRedirect
from django.urls import path

MEETING_URL = "https://zoom.us/j/81234567890?pwd=HerdBench"
TABLE = "herd_floor"  # created by bench/herd.py


def floor_join(request, n: int):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (n) VALUES (%s)", [n])
    return HttpResponseRedirect(MEETING_URL)


urlpatterns = [path("floor/<int:n>/", floor_join)]
