"""rakor.urls plus /bench/insert/: a bare Django view doing one INSERT (the baseline of the check-in benchmark)."""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bench_insert(request):
    body = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (nonce, payload) VALUES (%s, %s) RETURNING id",
                       [body.get("nonce"), body.get("ticket", "")[:200]])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"result": "ok", "id": row_id})


urlpatterns = [
    path("bench/insert/", bench_insert),
    path("", include("rakor.urls")),
]
