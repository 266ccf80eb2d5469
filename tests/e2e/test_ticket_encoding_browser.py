"""The scanner's offline verifier (static/rakor/scanner/ticket.js) refuses the same mutated tickets as the server.

Python and the browser must agree on which strings are tickets: a second spelling of the same
signature (padding, set trailing bits, the standard alphabet) verified in both before issue 19.
"""

import functools
import http.server
import threading
from pathlib import Path

import pytest

from tests.rakor.test_signing import mutated_tickets, python_accepts, signed_ticket_with_both_url_safe_characters

pytestmark = pytest.mark.browser
STATIC = Path(__file__).resolve().parents[2] / "static"


class _Static(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, *args):
        pass


@pytest.fixture
def static_server():
    """The project's static/ folder on 127.0.0.1 (a secure context, so WebCrypto is there), under /static/."""
    root = STATIC.parent
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Static, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


VERIFY_ALL = """
async ([tickets, publicKey]) => {
  const m = await import("/static/rakor/scanner/ticket.js");
  const verifiers = [await m.makeVerifier(publicKey, {engine: "noble"})];
  const native = await m.makeVerifier(publicKey);
  if (native.engine !== "noble") verifiers.push(native);
  const out = {};
  for (const v of verifiers) {
    out[v.engine] = {};
    for (const [name, text] of Object.entries(tickets)) out[v.engine][name] = (await m.verifyTicket(v, text)).ok;
  }
  return out;
}
"""


def test_python_and_the_browser_refuse_the_same_mutated_tickets(browser, static_server):
    ticket, public_key = signed_ticket_with_both_url_safe_characters()
    tickets = {"original": ticket, "whitespace around": f" {ticket}\n", **mutated_tickets(ticket)}
    expected = {name: name in ("original", "whitespace around") for name in tickets}
    assert {name: python_accepts(text, public_key) for name, text in tickets.items()} == expected

    page = browser.new_page()
    try:
        page.goto(f"{static_server}/static/rakor/site.css")
        by_engine = page.evaluate(VERIFY_ALL, [tickets, public_key])
    finally:
        page.close()
    assert "noble" in by_engine
    for engine, results in by_engine.items():
        assert (engine, results) == (engine, expected)
