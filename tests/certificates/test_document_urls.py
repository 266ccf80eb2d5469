"""Certificate templates fetch only our own files (issue 19): refused on save with the URL named, never in a PDF.

The reported attack: a template with ``<a rel="attachment" href="/media//proc/self/environ">``
attached the server's environment to every certificate issued with it.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pypdf import PdfReader

from certificates import design, rendering, services
from certificates.models import Certificate, CertificateTemplate
from tests.factories import organiser
from tests.rakor.test_pdf import PNG, embedded_files

from .factories_certificates import attended_everything, past_event, registration, templates
from .test_demo_admin import _form

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"
ENVIRON = '<a rel="attachment" href="/media//proc/self/environ">lampiran</a>'


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def template():
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    return templates(event)["participant"]


def font_names(resources) -> set[str]:
    """The fonts' names on a page, within its form XObjects too (the fast path draws the design as one)."""
    names = {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in (resources.get("/Font") or {}).values()}
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            names |= font_names(xobject["/Resources"].get_object())
    return names


def problem(template, url, reason):
    return f"Templat sertifikat “{template.name}”: URL tidak diizinkan dalam dokumen: {url} ({reason})"


@pytest.mark.parametrize("field, html, url, reason", [
    ("html", f'<div class="frame">{ENVIRON}</div>', f"{SITE}/media//proc/self/environ",
     "lampiran tidak diizinkan dalam dokumen"),
    ("fields_html", design.DEFAULT_FIELDS_HTML + f"<p>{ENVIRON}</p>", f"{SITE}/media//proc/self/environ",
     "lampiran tidak diizinkan dalam dokumen"),
    ("html", '<link rel="attachment" href="https://example.com/x.pdf"><div class="frame">x</div>',
     "https://example.com/x.pdf", "lampiran tidak diizinkan dalam dokumen"),
    ("html", '<div class="frame"><img src="/media//etc/passwd"></div>', f"{SITE}/media//etc/passwd",
     "jalur mutlak atau garis miring ganda setelah awalan"),
    ("fields_html", design.DEFAULT_FIELDS_HTML + '<img src="/media/%2e%2e/%2e%2e/etc/passwd">',
     f"{SITE}/media/%2e%2e/%2e%2e/etc/passwd", "“.” atau “..” dalam jalur"),
])
def test_a_template_asking_for_what_it_may_not_is_refused_on_save_naming_the_url(template, field, html, url,
                                                                                 reason):
    setattr(template, field, html)
    assert rendering.template_problems(template) == [problem(template, url, reason)]
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert exc.value.message_dict == {"html": [problem(template, url, reason)]}


@pytest.mark.parametrize("html, url, reason", [
    # Before: a 500 (the refusal escaped while the static layer was written), not a form error.
    ('<link rel="attachment" href="https://example.com/x.pdf"><div class="frame">{{ event_name }}</div>',
     "https://example.com/x.pdf", "lampiran tidak diizinkan dalam dokumen"),
    (f'<div class="frame">{ENVIRON}</div>', f"{SITE}/media//proc/self/environ", "lampiran tidak diizinkan dalam dokumen"),
])
def test_the_template_form_shows_the_refusal_as_a_form_error(client, template, html, url, reason):
    client.force_login(organiser())
    response = client.post(f"/admin/certificates/certificatetemplate/{template.pk}/change/", _form(template, html=html))
    assert response.status_code == 200
    assert problem(template, url, reason) in response.content.decode()
    template.refresh_from_db()
    assert template.html == design.DEFAULT_HTML


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "stock-path"])
@pytest.mark.parametrize("field", ["html", "fields_html"])
def test_a_template_saved_before_the_fix_issues_no_pdf_and_leaks_nothing(settings, monkeypatch, template, fast_path,
                                                                        field):
    monkeypatch.setenv("RAKOR_CANARY", "kanari-lingkungan-proses")
    settings.CERTIFICATE_FAST_PATH = fast_path
    event = template.event
    attended_everything(registration(event))
    CertificateTemplate.objects.filter(pk=template.pk).update(**{field: getattr(template, field) + f"<p>{ENVIRON}</p>"})
    with pytest.raises(rendering.CertificateTemplateError) as exc:
        services.issue_all(event=event, processes=1)
    assert str(exc.value) == problem(template, f"{SITE}/media//proc/self/environ", "lampiran tidak diizinkan dalam dokumen")
    assert [c.pdf.name for c in Certificate.objects.all()] == [""]


def test_our_own_static_and_media_files_still_render(template):
    name = default_storage.save("certificates/logos/kop.png", ContentFile(PNG))
    template.html = design.DEFAULT_HTML.replace(
        '<div class="frame">', f'<div class="frame"><img src="/media/{name}" style="width: 10mm">')
    template.css = design.DEFAULT_CSS + (
        '@font-face { font-family: Kop; src: url("/static/rakor/fonts/DejaVuSans-Bold.ttf") } .kop { font-family: Kop }')
    assert rendering.template_problems(template) == []
    template.save()
    attended_everything(registration(template.event))
    services.issue_all(event=template.event, processes=1)
    pdf = default_storage.open(Certificate.objects.get().pdf.name).read()
    reader = PdfReader(io.BytesIO(pdf))
    assert [image.image.size for image in reader.pages[0].images] == [(1, 1)]
    assert "Kop-Bold" in font_names(reader.pages[0]["/Resources"])
    assert embedded_files(pdf) == {}
