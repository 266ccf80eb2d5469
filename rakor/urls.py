from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rakor import views_audit

urlpatterns = [
    path("admin/", admin.site.urls),
    path("akun/", include("rakor.urls_auth")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("rakor.api_urls")),
    path("e/<slug:event>/audit/", views_audit.audit, name="audit"),
    path("", include("sessions_app.urls_live")),
    path("", include("sessions_app.urls")),
    path("", include("sessions_app.minutes.urls")),
    path("", include("sessions_app.urls_join")),
    path("", include("attendance.urls")),
    path("", include("certificates.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
