"""Questions' pages: the participant's (under their portal link) and the moderators' (under the event)."""

from django.urls import path

from .views import moderation, portal

app_name = "questions"

urlpatterns = [
    path("t/<str:secret>/tanya/<int:session_id>/", portal.portal_questions, name="portal"),
    path("t/<str:secret>/tanya/<int:session_id>/kirim/", portal.portal_ask, name="portal_ask"),
    path("t/<str:secret>/tanya/<int:session_id>/dukung/<int:question_id>/", portal.portal_vote, name="portal_vote"),
    path("t/<str:secret>/tanya/<int:session_id>/data.json", portal.portal_questions_json, name="portal_json"),
    path("e/<slug:event>/tanya/", moderation.index, name="index"),
    path("e/<slug:event>/tanya/pengaturan/", moderation.event_settings, name="settings"),
    path("e/<slug:event>/tanya/<int:session_id>/moderator/", moderation.moderators, name="moderators"),
    path("e/<slug:event>/tanya/<int:session_id>/moderasi/", moderation.moderate, name="moderate"),
    path("e/<slug:event>/tanya/<int:session_id>/moderasi/daftar/", moderation.moderate_list, name="moderate_list"),
    path("e/<slug:event>/tanya/<int:session_id>/moderasi/<int:question_id>/", moderation.moderate_act,
         name="moderate_act"),
    path("e/<slug:event>/tanya/<int:session_id>/layar/", moderation.projector, name="projector"),
    path("e/<slug:event>/tanya/<int:session_id>/layar.json", moderation.projector_json, name="projector_json"),
]
