"""Sign-in for staff users who are not Django staff (coordinators, scanner operators, minute takers).

Include without a namespace: path("akun/", include("rakor.urls_auth")) gives /akun/masuk/ ("login")
and /akun/keluar/ ("logout").
"""

from django.urls import path

from attendance.views_coordinator import LoginView, LogoutView

urlpatterns = [
    path("masuk/", LoginView.as_view(), name="login"),
    path("keluar/", LogoutView.as_view(), name="logout"),
]
