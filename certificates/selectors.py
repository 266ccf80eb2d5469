"""Reads of the certificates app that other apps use (the coordinator view, reports, the portal)."""

from __future__ import annotations

from .models import Certificate


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
    from .models import IssueRun

    return IssueRun.objects.filter(event=event).first()


def public_data(certificate: Certificate) -> dict:
    """What anyone holding the code may know (DESIGN: no NIP, no e-mail)."""
    replaced_by = Certificate.objects.filter(replaces=certificate).values_list("code", flat=True).first()
    return {
        "code": certificate.code,
        "number": certificate.number,
        "name": certificate.recipient_name,
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
