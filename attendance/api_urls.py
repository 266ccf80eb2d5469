from django.urls import path

from . import api, api_scanner, api_summary, api_v1

urlpatterns = [
    path("checkins/", api.CheckInView.as_view(), name="api-checkin"),
    path("checkins/batch/", api_scanner.CheckInBatchView.as_view(), name="api-checkin-batch"),
    path("events/<slug:slug>/scanner-bundle/", api_scanner.ScannerBundleView.as_view(), name="api-scanner-bundle"),
    path("events/<slug:slug>/registrations/search/", api_scanner.RegistrationSearchView.as_view(),
         name="api-registration-search"),
    path("events/<slug:slug>/registrations/", api_v1.RegistrationListView.as_view(), name="api-registrations"),
    path("events/<slug:slug>/checkins/", api_v1.CheckInListView.as_view(), name="api-checkins"),
    path("events/<slug:slug>/checkins/today/", api_scanner.TodayCountView.as_view(), name="api-checkins-today"),
    path("events/<slug:slug>/attendance/summary/", api_summary.AttendanceSummaryView.as_view(),
         name="api-attendance-summary"),
]
