"""bench/register_page.py: the project's URLs plus /bench/baseline/: a bare Django view, the floor any page stands on."""

from django.http import HttpResponse
from django.urls import include, path


def baseline(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/baseline/", baseline),
    path("", include("rakor.urls")),
]
