from django.urls import path

from . import checkins, lists, scanner, summary

urlpatterns = [
    path("checkins/", checkins.CheckInView.as_view(), name="api-checkin"),
    path("checkins/batch/", scanner.CheckInBatchView.as_view(), name="api-checkin-batch"),
    path("events/<slug:slug>/scanner-bundle/", scanner.ScannerBundleView.as_view(), name="api-scanner-bundle"),
    path("events/<slug:slug>/registrations/search/", scanner.RegistrationSearchView.as_view(),
         name="api-registration-search"),
    path("events/<slug:slug>/registrations/<str:public_id>/admit-in-person/", scanner.AdmitInPersonView.as_view(),
         name="api-admit-in-person"),
    path("events/<slug:slug>/registrations/", lists.RegistrationListView.as_view(), name="api-registrations"),
    path("events/<slug:slug>/checkins/", lists.CheckInListView.as_view(), name="api-checkins"),
    path("events/<slug:slug>/checkins/today/", scanner.TodayCountView.as_view(), name="api-checkins-today"),
    path("events/<slug:slug>/attendance/summary/", summary.AttendanceSummaryView.as_view(),
         name="api-attendance-summary"),
]
