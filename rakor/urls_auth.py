"""Sign-in for staff users who are not Django staff (coordinators, scanner operators, minute takers).

Include without a namespace: path("akun/", include("rakor.urls_auth")) gives /akun/masuk/ ("login")
and /akun/keluar/ ("logout"); /akun/kunci/ ("signin_locks") is where organisers lift sign-in locks.
"""

from django.urls import path

from rakor.views_signin import LoginView, LogoutView, signin_locks

urlpatterns = [
    path("masuk/", LoginView.as_view(), name="login"),
    path("keluar/", LogoutView.as_view(), name="logout"),
    path("kunci/", signin_locks, name="signin_locks"),
]
