"""rakor.security_headers.SecurityHeadersMiddleware: the site's policy is built once, views still change it."""

from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.test import RequestFactory

from rakor.security_headers import SecurityHeadersMiddleware, allow_stream_embed, permissions_policy_update


def headers(view, **request_attrs):
    request = RequestFactory().get("/x/")
    for name, value in request_attrs.items():
        setattr(request, name, value)
    response = SecurityHeadersMiddleware(view)(request)
    return response.headers.get("Content-Security-Policy"), response.headers.get("Permissions-Policy")


def directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in csp.split("; ")}


def test_plain_views_get_the_site_policy_and_decorated_ones_their_change(settings):
    plain_csp, plain_permissions = headers(lambda request: HttpResponse("x"))
    assert directives(plain_csp)["frame-src"] == "'none'"
    assert directives(plain_csp)["style-src"] == "'self'"
    assert plain_permissions == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    framed, _ = headers(allow_stream_embed(lambda request: HttpResponse("x")))
    assert directives(framed)["frame-src"] == "https://www.youtube-nocookie.com"

    def with_nonce(request):
        return HttpResponse(f'<style nonce="{request.csp_nonce}">')
    nonce_csp, _ = headers(csp_update({"style-src": [NONCE]})(with_nonce))
    assert directives(nonce_csp)["style-src"].startswith("'self' 'nonce-")

    assert headers(csp_exempt()(lambda request: HttpResponse("x")))[0] is None

    _, camera = headers(permissions_policy_update({"camera": ["self"]})(lambda request: HttpResponse("x")))
    assert camera == "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

    # The cached site policy follows a settings change.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert headers(lambda request: HttpResponse("x"))[0] == "default-src 'none'"
