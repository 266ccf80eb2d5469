"""Reads of the certificates app that other apps use (the coordinator view, reports, the portal)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.personal_data import Section

from .eligibility import registration_eligibility
from .gates import download_wait
from .models import Certificate, IssueRun


def certificates_by_registration(registration_ids) -> dict:
    """{registration_id: the registration's valid (issued, not revoked) Certificate} for the given ids.

    One query. A certificate whose number is given but whose PDF is still being made
    (status ``pending``) is valid too: its PDF is made on first download.
    """
    ids = list(registration_ids)
    if not ids:
        return {}
    rows = (Certificate.objects.filter(registration_id__in=ids).exclude(status=Certificate.Status.REVOKED)
            .select_related("event"))
    return {c.registration_id: c for c in rows}


def certificate_for_code(code: str) -> Certificate | None:
    """The certificate a verification code names (any status), or None."""
    code = (code or "").strip().upper()
    if not code or len(code) > 20 or not code.isalnum():
        return None
    return (Certificate.objects.select_related("event", "replaces").filter(code=code).first())


def certificate_for_sha256(digest: str) -> Certificate | None:
    return Certificate.objects.select_related("event").filter(sha256=digest).first()


def latest_run(event):
    return IssueRun.objects.filter(event=event).first()


def portal_certificate_state(registration) -> dict:
    """What the participant's portal says about their certificate (this registration only).

    ``certificate``: the valid one, if any. When there is none and the event has ended,
    ``eligibility`` says whether attendance earned one and ``can_issue`` whether the participant
    may have it issued now (the template allows self-service). Before the event starts nothing
    can have been earned: no query is made. ``download_path`` is the portal's download link.
    ``wait``: why the portal's download waits (``certificates.gates``, e.g. the evaluation), or None.
    """
    event = registration.event
    today = timezone.localdate(timezone=event.tz)
    ended = today > event.end_date
    state = {"certificate": None, "event_ended": ended, "can_issue": False, "eligibility": None,
             "download_path": f"{registration.portal_path}sertifikat.pdf", "wait": None}
    if today < event.start_date:
        return state
    certificate = (Certificate.objects.filter(registration=registration).exclude(status=Certificate.Status.REVOKED)
                   .select_related("event").first())
    state["certificate"] = certificate
    if certificate is None and ended:
        eligibility = registration_eligibility(registration)
        state["eligibility"] = eligibility
        state["can_issue"] = bool(eligibility.eligible and eligibility.template is not None
                                  and eligibility.template.self_service)
    if certificate is not None or state["can_issue"]:
        state["wait"] = download_wait(registration)
    return state


def portal_certificate_signature(registration) -> str:
    """What the portal's certificate block shows, as a string for the page's ETag (attendance.portal_cache).

    Keeps the state on the registration for the block's template tag, which then reads nothing again.
    """
    state = portal_certificate_state(registration)
    registration.portal_certificate_block = state  # read by the block's template tag
    c, e = state["certificate"], state["eligibility"]
    return repr((
        c and (c.pk, c.number, c.jp, c.code, c.status), state["event_ended"], state["can_issue"],
        e and (e.eligible, e.code, str(e.reason), e.template_id if hasattr(e, "template_id") else
               (e.template.pk if e.template is not None else None)),
    ))


def public_data(certificate: Certificate) -> dict:
    """What anyone holding the code may know (DESIGN: no NIP, no e-mail).

    Once the recipient's data is erased on request, ``name`` says so (in the request's
    language) and ``recipient_erased`` is true; the rest still verifies the certificate.
    """
    replaced_by = Certificate.objects.filter(replaces=certificate).values_list("code", flat=True).first()
    return {
        "code": certificate.code,
        "number": certificate.number,
        "name": certificate.recipient_display,
        "recipient_erased": certificate.recipient_erased_at is not None,
        "event": certificate.event_name,
        "event_slug": certificate.event.slug,
        "start_date": certificate.event_start.isoformat(),
        "end_date": certificate.event_end.isoformat(),
        "role": certificate.role,
        "role_label": str(certificate.get_role_display()),
        "jp": certificate.jp,
        "status": certificate.status,
        "status_label": str(certificate.get_status_display()),
        "issued_at": certificate.issued_at.isoformat(),
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "sha256": certificate.sha256 or None,
        "signed_by": certificate.signed_by or None,
        "replaces": certificate.replaces.code if certificate.replaces_id else None,
        "replaced_by": replaced_by,
    }


def personal_sections(participant, registrations) -> list:
    """The person's certificates (valid, revoked, replaced), for their "my data" (attendance.personal_data)."""
    rows = [
        {"event": c.event_name, "number": c.number, "code": c.code, "verify_url": c.verify_url, "role": c.role,
         "role_display": c.get_role_display(), "jp": c.jp, "minutes": c.minutes, "status": c.status,
         "status_display": c.get_status_display(), "issued_at": c.issued_at, "revoked_at": c.revoked_at,
         "revoked_reason": c.revoked_reason, "sha256": c.sha256}
        for c in Certificate.objects.filter(registration__in=registrations).order_by("issued_at", "pk")
    ]
    return [Section(key="certificates", title=_("Sertifikat"),
                    columns=[("number", _("Nomor")), ("event", _("Acara")), ("role_display", _("Peran")),
                             ("jp", _("JP")), ("status_display", _("Status")), ("issued_at", _("Diterbitkan"))],
                    rows=rows, empty=_("Belum ada sertifikat."))]


def certificate_counts(event) -> dict:
    """{"issued": n, "pending": n, "revoked": n} of an event, for the organisers' console; one query."""
    from django.db.models import Count, Q

    return Certificate.objects.filter(event=event).aggregate(
        issued=Count("pk", filter=Q(status=Certificate.Status.ISSUED)),
        pending=Count("pk", filter=Q(status=Certificate.Status.PENDING)),
        revoked=Count("pk", filter=Q(status=Certificate.Status.REVOKED)))
