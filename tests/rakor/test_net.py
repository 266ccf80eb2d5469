"""rakor.net: the one rule for a client's address, and the scheme behind trusted proxies."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from rakor.middleware import TrustedProxyMiddleware
from rakor.net import client_ip, forwarded_client, scope_client_ip


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"]


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert forwarded_client("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert forwarded_client("10.0.0.1", "198.51.100.1") == "10.0.0.1"


def test_a_header_from_an_untrusted_peer_is_ignored(proxies):
    assert forwarded_client("203.0.113.7", "198.51.100.1, 10.0.0.1") == "203.0.113.7"


def test_a_chain_through_two_trusted_proxies_gives_the_right_most_untrusted_address(proxies):
    # client → load balancer (192.0.2.10) → nginx (10.0.0.5) → us; the client put its own lie in front.
    assert forwarded_client("10.0.0.5", "6.6.6.6, 203.0.113.7, 192.0.2.10") == "203.0.113.7"
    assert forwarded_client("10.0.0.5", "203.0.113.7,192.0.2.10") == "203.0.113.7"


def test_odd_chains(proxies):
    # Only trusted hops (a health check from inside): the left-most is where it came from.
    assert forwarded_client("10.0.0.5", "10.0.0.9, 192.0.2.10") == "10.0.0.9"
    # Garbage can only come from the client's side: the last trusted hop is what we know.
    assert forwarded_client("10.0.0.5", "not-an-ip, 192.0.2.10") == "192.0.2.10"
    assert forwarded_client("10.0.0.5", "") == "10.0.0.5"
    # Ports and IPv6 as proxies write them; IPv4-mapped IPv6 is the IPv4 address.
    assert forwarded_client("10.0.0.5", "203.0.113.7:51234") == "203.0.113.7"
    assert forwarded_client("10.0.0.5", "[2001:db8::7]:443") == "2001:db8::7"
    assert forwarded_client("2001:db8:ffff::1", "2001:db8::7") == "2001:db8::7"
    assert forwarded_client("::ffff:10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert forwarded_client("", "203.0.113.7") == "unknown"


def test_requests_and_websocket_scopes_follow_the_same_rule(proxies):
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.10")
    assert (client_ip(spoofed), client_ip(proxied)) == ("203.0.113.7", "198.51.100.1")
    scope = {"client": ["10.0.0.5", 41000], "headers": [(b"x-forwarded-for", b"198.51.100.1, 192.0.2.10")]}
    assert scope_client_ip(scope) == "198.51.100.1"
    assert scope_client_ip({**scope, "client": ["203.0.113.7", 41000]}) == "203.0.113.7"
    assert scope_client_ip({"headers": []}) == "unknown"


def test_forwarded_proto_is_believed_from_trusted_proxies_only(proxies):
    rf = RequestFactory()
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    middleware = TrustedProxyMiddleware(view)
    middleware(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is True
    middleware(rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is False
    middleware(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="gopher"))
    assert seen["secure"] is False


@pytest.mark.django_db
def test_the_whole_stack_sees_the_scheme_a_trusted_proxy_reports(client, proxies):
    """Django builds absolute URLs (e-mails, QR codes, redirects) with the scheme the client used."""
    response = client.get("/akun/masuk/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")
    assert response.wsgi_request.build_absolute_uri("/t/") == "https://testserver/t/"
    spoofed = client.get("/akun/masuk/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")
    assert spoofed.wsgi_request.build_absolute_uri("/t/") == "http://testserver/t/"
