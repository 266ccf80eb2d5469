"""The document URL fetcher: our own static files and data: URIs, nothing else."""

import pytest
from weasyprint import HTML

from rakor.pdf import OwnFilesFetcher, RefusedURL


def render(html):
    return HTML(string=html, base_url="http://127.0.0.1:8000/", url_fetcher=OwnFilesFetcher()).write_pdf()


def test_own_static_file_is_served():
    response = OwnFilesFetcher().fetch("http://127.0.0.1:8000/static/rakor/site.css")
    assert response.headers["Content-Type"] == "text/css"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/logo.png",
    "http://127.0.0.1:8000/static/../rakor/settings.py",
    "http://127.0.0.1:8000/admin/",
])
def test_anything_else_stops_the_document_and_names_the_url(url):
    with pytest.raises(RefusedURL) as exc:
        render(f'<img src="{url}">')
    assert str(exc.value) == f"URL not allowed in documents: {url}"


def test_data_uri_works():
    pdf = render('<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">')
    assert pdf.startswith(b"%PDF")
