"""How long the scanner page takes to verify a ticket offline (issue 3: target <= 20 ms).

Runs Debian's Chromium headless (Playwright, never a downloaded browser) on
bench/offline_verify.html, served with the project's static files by a tiny HTTP
server on 127.0.0.1 (a secure context, so WebCrypto is available). The page imports
static/rakor/scanner/ticket.js, the module the scanner page uses, and times
verifyTicket() once per ticket, for WebCrypto Ed25519 and for the vendored
@noble/ed25519 fallback, against two baselines measured in the same run: parsing
the ticket string only, and one WebCrypto SHA-256 digest.

    .venv/bin/python bench/offline_verify.py [--tickets 1000] [--forged 100] [--cpu-slowdown 4]

--cpu-slowdown uses Chrome's CPU throttling (DevTools) to approximate a cheap phone.
Needs no project settings or database: tickets are signed with rakor.signing directly, the
event's private key sealed with a throwaway key as it would be in the database.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(TICKET_KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()], USE_I18N=False)

from rakor.signing import generate_sealed_keypair, sign_ticket  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Handler(http.server.SimpleHTTPRequestHandler):
    """/static/... from static/, /bench/... from bench/; nothing else."""

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        if path.startswith("/static/"):
            return str(ROOT / "static" / path[len("/static/"):])
        if path.startswith("/bench/"):
            return str(ROOT / "bench" / path[len("/bench/"):])
        return str(ROOT / "nonexistent")

    def log_message(self, *args):
        pass


Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}


def make_tickets(n: int, forged: int):
    signing, public = generate_sealed_keypair()
    slug = "rakorwas-bench"
    tickets, expected = [], []
    for i in range(n):
        ticket = sign_ticket(event_slug=slug, public_id=f"BENCH{i:06d}ABCDEFGH", signing_key=signing)
        if i % max(1, n // max(forged, 1)) == 0 and forged:
            # Same length, one signature character changed: must be refused.
            ch = "A" if ticket[-5] != "A" else "B"
            ticket = ticket[:-5] + ch + ticket[-4:]
            expected.append(False)
        else:
            expected.append(True)
        tickets.append(ticket)
    return slug, public, tickets, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--forged", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--cpu-slowdown", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = parser.parse_args()

    slug, public, tickets, expected = make_tickets(args.tickets, args.forged)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench/offline_verify.html"

    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            if args.cpu_slowdown > 1:
                cdp = page.context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu_slowdown})
            page.goto(url)
            page.wait_for_function("() => document.title === 'ready'")
            result = page.evaluate(
                "(a) => window.runBench(a)",
                {"publicKey": public, "slug": slug, "tickets": tickets, "expected": expected, "warmup": args.warmup},
            )
            browser.close()
    finally:
        server.shutdown()

    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Chromium: {result['userAgent']}")
    print(f"{args.tickets} tickets ({sum(not e for e in expected)} forged), CPU slowdown x{args.cpu_slowdown:g}")
    print("(performance.now() is coarsened to 0.1 ms in a page that is not cross-origin isolated)")
    print(f"{'path':<18}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'mean ms':>9}{'>20 ms':>8}  notes")
    failed = False
    for name, r in result["results"].items():
        if "error" in r:
            print(f"{name:<18}  unavailable: {r['error']}")
            continue
        notes = ""
        if "wrong_answers" in r:
            notes = f"setup {r['setup_ms']:.1f} ms, wrong answers {r['wrong_answers']}"
            failed |= r["wrong_answers"] != 0 or r["p95"] > 20
        print(f"{name:<18}{r['median']:>11.3f}{r['p95']:>9.3f}{r['max']:>9.3f}{r['mean']:>9.3f}{r['over_20ms']:>8}  {notes}")
    print("target: p95 <= 20 ms per verification:", "FAILED" if failed else "met")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
