"""Uploads are refused by size before they are read (issue 19, item 9).

A 300 MB anonymous upload to /v/ was read in full before its 10 MB check. Now the declared
length is refused before the body is parsed (Django) or received (ASGI), a body without one is
cut at the limit while it streams, and every upload endpoint has its limit from settings.
"""

import asyncio
import inspect
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from rakor import uploads

MB = 1024 * 1024
BOUNDARY = "----rakor-test-boundary"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def multipart(filename: str, size: int, field="pdf") -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + b"%" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def no_parsing(monkeypatch):
    from django.http.multipartparser import MultiPartParser

    def refuse(self):
        raise AssertionError("the multipart body was parsed: it should have been refused before")

    monkeypatch.setattr(MultiPartParser, "parse", refuse)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/v/", "/v/ABCDEFGH/"])
def test_a_300_mb_upload_to_v_is_refused_from_its_declared_length(client, url, no_parsing):
    body = multipart("sertifikat.pdf", 1024)
    response = client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                              CONTENT_LENGTH=str(300 * MB))
    assert response.status_code == 413
    assert "Berkas yang Anda kirim lebih besar daripada batas halaman ini: 10 MB . Berkas itu tidak dibaca dan tidak " \
           "disimpan." in text(response)


@pytest.mark.django_db
def test_a_file_beyond_the_limit_is_cut_while_it_streams(client, settings, monkeypatch):
    settings.VERIFY_UPLOAD_MAX_BYTES = 64 * 1024
    passed_on = []
    original = uploads.LimitedUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        data = original(self, raw_data, start)
        passed_on.append(len(data))
        return data

    monkeypatch.setattr(uploads.LimitedUploadHandler, "receive_data_chunk", spy)
    response = client.post("/v/", {"pdf": SimpleUploadedFile("besar.pdf", b"%" * (400 * 1024))})
    assert response.status_code == 413
    assert "batas halaman ini: 64 KB" in text(response)
    assert sum(passed_on) <= 64 * 1024  # nothing past the limit reached memory or disk


@pytest.mark.django_db
def test_an_upload_within_the_limit_is_checked_as_before(client):
    response = client.post("/v/", {"pdf": SimpleUploadedFile("lain.pdf", b"%PDF-1.7 bukan sertifikat kami")})
    assert response.status_code == 200
    assert "Tidak asli: berkas ini bukan sertifikat yang kami terbitkan" in text(response)


@pytest.mark.django_db
def test_the_api_answers_json(client):
    response = client.generic("POST", "/api/v1/checkins/", b"{}", content_type="application/json",
                              CONTENT_LENGTH=str(50 * MB))
    assert (response.status_code, response.json()) == (413, {"detail": "Isi permintaan terlalu besar; batasnya 10 MB."})


# ---------------------------------------------------------------- every upload endpoint


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _source(view) -> str:
    view = inspect.unwrap(getattr(view, "__func__", view))
    view = getattr(view, "__func__", view)
    if view.__module__.startswith("django."):
        return ""  # Django's own admin forms: UPLOAD_MAX_BYTES
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


def _reads_files(view) -> bool:
    """The view, or a function of its module that it calls, reads request.FILES."""
    source = _source(view)
    if not source:
        return False
    module = inspect.getmodule(inspect.unwrap(getattr(view, "__func__", view)))
    helpers = [name for name, f in inspect.getmembers(module, inspect.isfunction)
               if f.__module__ == module.__name__ and "request.FILES" in inspect.getsource(f)]
    return "request.FILES" in source or any(f"{name}(" in source for name in helpers)


def test_every_view_of_ours_that_reads_files_has_its_own_limit():
    readers = {route: view for route, view in _patterns() if _reads_files(view)}
    # /v/, /v/<code>/, the participant import, the Zoom report, follow-up evidence
    assert len(readers) >= 5, sorted(readers)
    unmarked = [route for route, view in readers.items()
                if not any(getattr(v, uploads.LIMIT_ATTRIBUTE, None) for v in _chain(view))]
    assert unmarked == []


def _chain(view):
    while view is not None:
        yield view
        yield getattr(view, "__func__", None)
        view = getattr(view, "__wrapped__", None)


@pytest.mark.parametrize("path, setting", [
    ("/v/", "VERIFY_UPLOAD_MAX_BYTES"),
    ("/v/ABCDEFGH/", "VERIFY_UPLOAD_MAX_BYTES"),
    ("/admin/attendance/registration/import/", "IMPORT_MAX_BYTES"),
    ("/e/rakor/online/1/laporan/", "MEETING_REPORT_MAX_BYTES"),
    ("/e/rakor/tindak-lanjut/1/", "EVIDENCE_MAX_BYTES"),
    ("/admin/certificates/certificatetemplate/add/", "UPLOAD_MAX_BYTES"),
    ("/e/rakor/register/", "UPLOAD_MAX_BYTES"),
])
def test_each_upload_endpoint_takes_its_limit_from_settings(settings, path, setting):
    setattr(settings, setting, 12345)
    assert uploads.limit_for_path(path) == 12345


@pytest.mark.django_db
def test_an_organiser_upload_beyond_its_limit_is_refused_and_nothing_is_stored(client, settings):
    import datetime as dt

    from agenda.models import Session
    from attendance.models import MeetingReport
    from tests.factories import EventFactory, organiser

    settings.MEETING_REPORT_MAX_BYTES = 10 * 1024
    event = EventFactory()
    start = dt.datetime.combine(event.start_date, dt.time(9), tzinfo=event.tz)
    session = Session.objects.create(event=event, title="Pleno", day=event.start_date, start=start,
                                     end=start + dt.timedelta(hours=1), mode=Session.Mode.ONLINE)
    client.force_login(organiser())
    report = b"Name (Original Name),User Email,Join Time,Leave Time\n" + b"Peserta,,x,y\n" * 2000
    response = client.post(f"/e/{event.slug}/online/{session.pk}/laporan/",
                           {"file": SimpleUploadedFile("zoom.csv", report, "text/csv")})
    assert response.status_code == 413
    assert "batas halaman ini: 10 KB" in text(response)
    assert MeetingReport.objects.count() == 0


# ---------------------------------------------------------------- ASGI: the body is never received


def run_asgi(path: str, *, declared: int | None, chunks: int, chunk_size: int = MB):
    """POST `chunks` chunks to the project's ASGI application; (status, chunks the app pulled)."""
    from rakor.asgi import application

    pulled = 0
    sent = []
    headers = [(b"host", b"127.0.0.1"), (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}

    async def receive():
        nonlocal pulled
        if pulled < chunks:
            pulled += 1
            return {"type": "http.request", "body": b"%" * chunk_size, "more_body": pulled < chunks}
        await asyncio.sleep(3600)  # the client keeps the connection open

    async def send(message):
        sent.append(message)

    async def main():
        await asyncio.wait_for(application(scope, receive, send), timeout=30)

    asyncio.run(main())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], pulled, body.decode()


@pytest.mark.django_db(transaction=True)
def test_asgi_never_receives_a_body_whose_declared_length_is_beyond_the_limit():
    status, pulled, body = run_asgi("/v/", declared=300 * MB, chunks=300)
    assert (status, pulled) == (413, 0)
    assert "batas halaman ini: <strong>10 MB</strong>" in body


@pytest.mark.django_db(transaction=True)
def test_asgi_cuts_a_body_without_a_length_at_the_limit():
    status, pulled, body = run_asgi("/v/", declared=None, chunks=300)
    assert status == 413
    assert pulled == 12  # 10 MB of file and 1 MB of form allowance, then the one chunk that crossed the line


def test_the_upload_middleware_runs_in_the_event_loop_without_thread_hops():
    """Sync and async: under ASGI a sync-only middleware costs every request two thread hops."""
    import asyncio as aio

    async def view(request):
        return None

    middleware = uploads.UploadLimitMiddleware(view)
    assert (uploads.UploadLimitMiddleware.sync_capable, uploads.UploadLimitMiddleware.async_capable) == (True, True)
    assert aio.iscoroutinefunction(middleware.process_view)


@pytest.mark.django_db(transaction=True)
def test_under_asgi_an_upload_beyond_the_limit_is_refused_and_one_within_is_checked(settings):
    from django.test import AsyncClient

    settings.VERIFY_UPLOAD_MAX_BYTES = 64 * 1024

    async def both():
        client = AsyncClient()
        big = await client.post("/v/", {"pdf": SimpleUploadedFile("besar.pdf", b"%" * (400 * 1024))})
        small = await client.post("/v/", {"pdf": SimpleUploadedFile("lain.pdf", b"%PDF-1.7 bukan sertifikat kami")})
        return big, small

    big, small = asyncio.run(both())
    assert big.status_code == 413
    assert "batas halaman ini: 64 KB" in text(big)
    assert small.status_code == 200
    assert "Tidak asli: berkas ini bukan sertifikat yang kami terbitkan" in text(small)
