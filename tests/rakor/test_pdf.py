"""The documents' one URL fetcher: our own static and media files and data: URIs, nothing else, no attachments.

The attack of issue 19: a certificate template with
``<a rel="attachment" href="/media//proc/self/environ">`` attached the server's environment
(SECRET_KEY, DATABASE_URL) to every certificate.
"""

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from pypdf import PdfReader
from weasyprint import HTML

from rakor.pdf import DocumentRefused, OwnFilesFetcher, RefusedURL, layout_document, write_pdf

SITE = "http://127.0.0.1:8000"
OTHER = "hanya berkas statis dan media situs ini yang boleh dipakai"
ABSOLUTE = "jalur mutlak atau garis miring ganda setelah awalan"
DOTS = "“.” atau “..” dalam jalur"
ENCODED = "garis miring terbalik, karakter kendali atau pengodean persen berlapis"
MISSING = "berkas tidak ditemukan"
NO_ATTACHMENTS = "lampiran tidak diizinkan dalam dokumen"
# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201d0b8ee2d0000000049454e44ae426082")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    """Every file a PDF carries: the document's attachments and those of file-attachment annotations."""
    reader = PdfReader(io.BytesIO(pdf))
    files = {name: b"".join(data) for name, data in reader.attachments.items()}
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                spec = annot["/FS"].get_object()
                files[str(spec.get("/F", "annotation"))] = spec["/EF"]["/F"].get_object().get_data()
    return files


def render(html):
    return HTML(string=html, base_url=SITE + "/", url_fetcher=OwnFilesFetcher()).write_pdf()


def refusal(url, reason):
    return f"URL tidak diizinkan dalam dokumen: {url} ({reason})"


def test_own_static_file_is_served():
    response = OwnFilesFetcher().fetch(f"{SITE}/static/rakor/site.css")
    assert response.headers["Content-Type"] == "text/css"
    assert response.read() == open("static/rakor/site.css", "rb").read()


def test_own_media_file_is_read_through_the_storage():
    name = default_storage.save("certificates/backgrounds/kop.png", ContentFile(PNG))
    response = OwnFilesFetcher().fetch(f"{SITE}/media/{name}")
    assert (response.headers["Content-Type"], response.read()) == ("image/png", PNG)


class RemoteStorage(Storage):
    """Like S3 through django-storages: files only through the storage API, no path() on this machine."""

    files: dict[str, bytes] = {}

    def _save(self, name, content):
        self.files[name] = content.read()
        return name

    def _open(self, name, mode="rb"):
        if name not in self.files:
            raise FileNotFoundError(name)
        return ContentFile(self.files[name], name=name)

    def exists(self, name):
        return name in self.files


def test_media_on_a_storage_without_disk_paths_is_read_the_same_way(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.rakor.test_pdf.RemoteStorage"}}
    name = default_storage.save("kop.png", ContentFile(PNG))
    with pytest.raises(NotImplementedError):
        default_storage.path(name)
    assert OwnFilesFetcher().fetch(f"{SITE}/media/{name}").read() == PNG
    pdf = write_pdf(layout_document(f'<img src="/media/{name}" style="width: 20mm">'))
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert [(image.image.size) for image in images] == [(1, 1)]


@pytest.mark.parametrize("url, reason", [
    # The reported attack and its cousins: a name that is absolute after the prefix.
    (f"{SITE}/media//proc/self/environ", ABSOLUTE),
    (f"{SITE}/media//etc/passwd", ABSOLUTE),
    (f"{SITE}/static//etc/passwd", ABSOLUTE),
    (f"{SITE}/media/%2fetc%2fpasswd", ABSOLUTE),
    (f"{SITE}/media/certificates//x.png", ABSOLUTE),
    # .. in any form.
    (f"{SITE}/static/../rakor/settings.py", DOTS),
    (f"{SITE}/static/rakor/../../rakor/settings.py", DOTS),
    (f"{SITE}/media/%2e%2e/%2e%2e/etc/passwd", DOTS),
    (f"{SITE}/media/%2E%2E/rakor/settings.py", DOTS),
    (f"{SITE}/static/rakor/./site.css", DOTS),
    (f"{SITE}/media/%252e%252e/%252e%252e/etc/passwd", ENCODED),
    (f"{SITE}/media/..%5c..%5cetc%5cpasswd", ENCODED),
    (f"{SITE}/media/x%00.png", ENCODED),
    # Other schemes, hosts and paths.
    ("file:///etc/passwd", OTHER),
    ("file:///proc/self/environ", OTHER),
    ("ftp://127.0.0.1/static/rakor/site.css", OTHER),
    ("http://example.com/logo.png", OTHER),
    ("https://127.0.0.1:8000/static/rakor/site.css", OTHER),
    ("http://127.0.0.1:8000@example.com/static/rakor/site.css", OTHER),
    ("http://127.0.0.1:8001/static/rakor/site.css", OTHER),
    ("//example.com/static/rakor/site.css", OTHER),
    (f"{SITE}/admin/", OTHER),
    (f"{SITE}/e/rakorwas-2022/", OTHER),
    (f"{SITE}/static/rakor/tidak-ada.css", MISSING),
    (f"{SITE}/media/tidak-ada.png", MISSING),
])
def test_every_other_url_is_refused_naming_it_and_why(url, reason):
    with pytest.raises(RefusedURL) as exc:
        OwnFilesFetcher().fetch(url)
    assert str(exc.value) == refusal(url, reason)


@pytest.mark.parametrize("src, url, reason", [
    ("/media//proc/self/environ", f"{SITE}/media//proc/self/environ", ABSOLUTE),
    ("/media/%2e%2e/%2e%2e/etc/passwd", f"{SITE}/media/%2e%2e/%2e%2e/etc/passwd", DOTS),
    ("file:///etc/passwd", "file:///etc/passwd", OTHER),
    ("http://example.com/logo.png", "http://example.com/logo.png", OTHER),
])
def test_a_refused_url_stops_the_document(src, url, reason):
    with pytest.raises(RefusedURL) as exc:
        render(f'<img src="{src}">')
    assert str(exc.value) == refusal(url, reason)
    with pytest.raises(DocumentRefused) as exc:
        layout_document(f'<p style="background: url({src})">x</p>')
    assert str(exc.value) == refusal(url, reason)


def test_a_symlink_out_of_the_static_folder_is_refused(settings, tmp_path):
    static = tmp_path / "static"
    (static / "rakor").mkdir(parents=True)
    (static / "rakor" / "logo.css").write_text("p { color: red }")
    (static / "rakor" / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [str(static)]
    assert OwnFilesFetcher().fetch(f"{SITE}/static/rakor/logo.css").read() == b"p { color: red }"
    with pytest.raises(RefusedURL) as exc:
        OwnFilesFetcher().fetch(f"{SITE}/static/rakor/passwd.css")
    assert str(exc.value) == refusal(f"{SITE}/static/rakor/passwd.css", "tautan simbolik ke luar folder berkas statis")


def test_a_symlink_out_of_the_media_folder_is_refused(settings):
    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    os.symlink("/etc/passwd", os.path.join(settings.MEDIA_ROOT, "passwd.png"))
    with pytest.raises(RefusedURL) as exc:
        OwnFilesFetcher().fetch(f"{SITE}/media/passwd.png")
    assert str(exc.value) == refusal(f"{SITE}/media/passwd.png", "tautan simbolik ke luar folder media")


# ---------------------------------------------------------------- attachments


@pytest.mark.parametrize("html, url", [
    ('<p><a rel="attachment" href="/media//proc/self/environ">lampiran</a></p>', f"{SITE}/media//proc/self/environ"),
    ('<p><a rel="attachment" href="/media/catatan.txt">lampiran</a></p>', f"{SITE}/media/catatan.txt"),
    ('<p><a rel="nofollow ATTACHMENT" href="/static/rakor/site.css">x</a></p>', f"{SITE}/static/rakor/site.css"),
    ('<link rel="attachment" href="https://example.com/x.pdf"><p>x</p>', "https://example.com/x.pdf"),
    ('<link rel="attachment" href="/static/rakor/site.css"><p>x</p>', f"{SITE}/static/rakor/site.css"),
    ('<p><a rel="attachment">tanpa href</a></p>', "<a rel=attachment>"),
])
def test_attachments_of_any_kind_are_refused(html, url):
    default_storage.save("catatan.txt", ContentFile(b"rahasia"))
    with pytest.raises(DocumentRefused) as exc:
        layout_document(html)
    assert str(exc.value) == refusal(url, NO_ATTACHMENTS)


def test_a_design_may_allow_our_own_static_files_as_attachments_and_nothing_else():
    document = layout_document('<p><a rel="attachment" href="/static/rakor/fonts/LICENSE-DejaVu.txt">lisensi</a></p>',
                               allow_static_attachments=True)
    files = embedded_files(write_pdf(document))
    assert list(files.values()) == [open("static/rakor/fonts/LICENSE-DejaVu.txt", "rb").read()]
    default_storage.save("catatan.txt", ContentFile(b"rahasia"))
    for href, url, reason in (
            ("/media/catatan.txt", f"{SITE}/media/catatan.txt", "lampiran hanya boleh berkas statis situs ini"),
            ("/media//etc/passwd", f"{SITE}/media//etc/passwd", ABSOLUTE)):
        with pytest.raises(DocumentRefused) as exc:
            layout_document(f'<p><a rel="attachment" href="{href}">x</a></p>', allow_static_attachments=True)
        assert str(exc.value) == refusal(url, reason)


def test_the_process_environment_never_ends_up_in_a_document(monkeypatch):
    """Before: the attack rendered, and the PDF carried the environment as a file."""
    monkeypatch.setenv("RAKOR_CANARY", "kanari-lingkungan-proses")
    html = '<p><a rel="attachment" href="/media//proc/self/environ">lampiran</a> ' \
           '<img src="/media//proc/self/environ"></p>'
    with pytest.raises(DocumentRefused):
        layout_document(html)
    # Even past our own check (WeasyPrint alone with the fetcher), nothing is read.
    with pytest.raises(RefusedURL):
        render(html)


def test_links_stay_links_and_data_uris_work():
    pdf = render('<p><a href="https://contoh.go.id/">tautan</a></p>'
                 '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">')
    assert pdf.startswith(b"%PDF") and embedded_files(pdf) == {}


def test_our_fonts_load_through_the_fetcher():
    pdf = write_pdf(layout_document(
        '<style>@font-face { font-family: Kop; src: url("/static/rakor/fonts/DejaVuSans-Bold.ttf") } '
        'p { font-family: Kop }</style><p>Sertifikat</p>'))
    fonts = [str(font.get_object()["/BaseFont"]) for font in
             PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()]
    assert [name.split("+")[-1] for name in fonts] == ["Kop-Bold"]  # the static file, not a system font
    assert embedded_files(pdf) == {}


def test_every_weasyprint_document_goes_through_this_module():
    """One fetcher for every document: no other module builds a WeasyPrint HTML or passes its own fetcher."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or relative == "rakor/pdf.py":
            continue
        text = path.read_text(encoding="utf-8")
        if any(marker in text for marker in ("from weasyprint import", "weasyprint.HTML", "url_fetcher",
                                             "weasyprint.urls", ".write_pdf(")):
            offenders.append(relative)
    assert offenders == []
