"""Reads of the certificates app: what the portal says about a participant's certificate, and the tasks' names."""

import datetime as dt

import pytest
from django.template import Context, Template

from certificates import services
from certificates.files import delete_certificate_files
from certificates.mail import send_certificate_email
from certificates.models import Certificate, CertificateTemplate
from certificates.selectors import portal_certificate_state
from tests.factories import EventFactory

from .factories_certificates import attended_everything, door_entry, past_event, registration, templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event, _sessions = past_event(slug="rakorwas-uji")
    templates(event)
    return event


def summary(state):
    return {"certificate": state["certificate"].number if state["certificate"] else None,
            "event_ended": state["event_ended"], "can_issue": state["can_issue"],
            "eligible": state["eligibility"].eligible if state["eligibility"] else None,
            "download_path": state["download_path"]}


def test_before_the_event_nothing_is_asked_of_the_database(django_assert_num_queries):
    event = EventFactory(start_date=dt.date.today() + dt.timedelta(days=3), end_date=dt.date.today()
                         + dt.timedelta(days=4))
    reg = registration(event)
    reg = type(reg).objects.select_related("event").get(pk=reg.pk)
    with django_assert_num_queries(0):
        state = portal_certificate_state(reg)
    assert summary(state) == {"certificate": None, "event_ended": False, "can_issue": False, "eligible": None,
                              "download_path": f"{reg.portal_path}sertifikat.pdf"}


def test_after_the_event_eligibility_decides_whether_the_participant_may_issue_it(event):
    CertificateTemplate.objects.filter(event=event).update(self_service=True)
    earned, short = registration(event), registration(event)
    attended_everything(earned)
    door_entry(short, 0)
    assert summary(portal_certificate_state(earned)) == {
        "certificate": None, "event_ended": True, "can_issue": True, "eligible": True,
        "download_path": f"{earned.portal_path}sertifikat.pdf"}
    assert summary(portal_certificate_state(short))["can_issue"] is False
    CertificateTemplate.objects.filter(event=event).update(self_service=False)
    assert summary(portal_certificate_state(earned))["can_issue"] is False


def test_an_issued_certificate_is_shown_and_a_revoked_one_is_not(event):
    reg = registration(event)
    attended_everything(reg)
    services.issue_all(event=event, processes=1)
    certificate = Certificate.objects.get()
    assert summary(portal_certificate_state(reg))["certificate"] == certificate.number
    services.certificate_revoke(certificate=certificate, reason="Salah nama", by=None)
    assert summary(portal_certificate_state(reg))["certificate"] is None


def test_the_template_tag_gives_the_selectors_state(event):
    reg = registration(event)
    attended_everything(reg)
    rendered = Template("{% load certificates %}{% portal_certificate registration as info %}"
                        "{{ info.event_ended }} {{ info.eligibility.eligible }} {{ info.download_path }}").render(
        Context({"registration": reg}))
    assert rendered == f"True True {reg.portal_path}sertifikat.pdf"


def test_the_tasks_keep_the_names_queued_messages_carry():
    assert send_certificate_email.name == "certificates.tasks.send_certificate_email"
    assert delete_certificate_files.name == "certificates.tasks.delete_certificate_files"
