from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from rakor import metrics, views_audit, views_ops

urlpatterns = [
    path("healthz", views_ops.healthz, name="healthz"),
    path("readyz", views_ops.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("akun/", include("rakor.urls_auth")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script instead of inline (the site's CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("rakor.api_urls")),
    path("e/<slug:event>/audit/", views_audit.audit, name="audit"),
    path("", include("console.urls")),  # /, /akun/beranda/, /e/<event>/panitia/
    path("", include("agenda.urls_live")),
    # The "sessions" namespace (its name from before the agenda had its own app): the agenda's pages
    # and the participant's calendar, which is a portal page of attendance's.
    path("", include(([path("", include("agenda.urls")), path("", include("attendance.urls_calendar"))], "sessions"))),
    path("", include("minutes.urls")),
    path("", include("questions.urls")),
    path("", include("attendance.urls_join")),
    path("", include("attendance.urls")),
    path("", include("certificates.urls")),
    path("", include("evaluation.urls")),
    path("", include("invitations.urls")),
    path("", include("reports.urls")),  # /e/<event>/panitia/laporan/
]
handler400 = "rakor.views_errors.bad_request"
handler403 = "rakor.views_errors.permission_denied"
# handler404: Django's own page_not_found, which renders templates/404.html
handler500 = "rakor.views_errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
