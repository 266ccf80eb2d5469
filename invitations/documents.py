"""The letter of one unit: HTML in the government letter layout, PDF through WeasyPrint, signed (PAdES).

The layout follows the *tata naskah dinas*: the letterhead (*kop surat*), then Nomor, Sifat, Lampiran
and Hal on the left with the place and date on the right, the addressee (*Yth.*), the body, the
paragraph that names what is asked of this unit, the closing, the signature block, the copies
(*tembusan*), and the *lampiran* on its own page listing who is invited from each kind of unit.

The body is the organisers' Markdown through ``minutes.markup.render_markdown`` (nh3: no raw HTML, no
images); the PDF fetches only our own files (``rakor.pdf``). It is signed by the certificates' signer
(``certificates.signing.sign_pdf``) and verifies like a certificate (``validate_signature``).
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from certificates.signing import sign_pdf
from minutes.markup import render_markdown
from rakor.models import Unit
from rakor.pdf import render_pdf

from .models import Invitation
from .selectors import asked_of


def addressee(unit: Unit) -> str:
    """"Kepala Kantor Wilayah …", or "Pimpinan …" for an echelon-I unit (led by a Sekjen, Irjen, Dirjen …)."""
    head = _("Pimpinan") if unit.kind == Unit.Kind.ECHELON_I else _("Kepala")
    return f"{head} {unit.name}"


def letter_context(invitation: Invitation, unit: Unit) -> dict:
    groups = list(invitation.groups.all())
    kinds = dict(Unit.Kind.choices)
    annex = []
    for g in groups:
        if not annex or annex[-1]["kind"] != g.unit_kind:
            annex.append({"kind": g.unit_kind, "label": kinds.get(g.unit_kind, g.unit_kind), "rows": []})
        annex[-1]["rows"].append(g)
    head_lines = [line.strip() for line in invitation.letterhead.splitlines() if line.strip()]
    return {
        "invitation": invitation, "event": invitation.event, "unit": unit, "addressee": addressee(unit),
        "number": invitation.number or _("(draf, belum bernomor)"),
        "letter_date": formats.date_format(invitation.letter_date, "j F Y"),
        "body_html": render_markdown(invitation.body), "asked": asked_of(invitation, unit), "annex": annex,
        "head_lines": head_lines, "copies": [c.strip() for c in invitation.copies_to.splitlines() if c.strip()],
        "draft": not invitation.issued,
    }


LETTER_SIGNATURE_REASON = "Surat undangan ditandatangani secara elektronik oleh penyelenggara"


def letter_pdf(invitation: Invitation, unit: Unit) -> bytes:
    """The unit's letter as a PDF; signed once the invitation is issued (a draft is never signed)."""
    data = render_pdf("invitations/letter.html", letter_context(invitation, unit))
    return sign_pdf(data, reason=LETTER_SIGNATURE_REASON) if invitation.issued else data
