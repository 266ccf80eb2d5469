"""The scanner's offline admission rule answers as the server's (issue 16, step 3).

Each case of tests/attendance/test_admission.py (where the server's two paths are asked) is built
the same way here; the scanner's bundle is fetched by the browser from the real API for that data, and
``decideOffline`` (static/rakor/scanner/ticket.js, what the scanner page calls offline) is run
in headless Chromium with the same ticket and the same instant.
"""

import uuid

import pytest

from attendance.models import ScannerDevice
from tests.attendance.test_admission import CASES, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECIDE = """
async ([bundleUrl, token, ticket, when, admitted]) => {
  const m = await import("/static/rakor/scanner/ticket.js");
  const response = await fetch(bundleUrl, { headers: { Authorization: `Device ${token}` } });
  if (!response.ok) throw new Error(`bundle: HTTP ${response.status}`);
  const bundle = await response.json();
  const scanner = {
    bundle, registrations: new Map(bundle.registrations.map((r) => [r.id, r])), revoked: new Set(bundle.revoked),
    verifier: await m.makeVerifier(bundle.public_key),
  };
  // This device's memory of an earlier admission: the entry the case made before, on its day.
  const firstEntry = async (day, id) =>
    (admitted && admitted.day === day && admitted.id === id ? { at: admitted.at, gate: "" } : null);
  return (await m.decideOffline(scanner, { ticket, when: new Date(when) }, firstEntry)).result;
}
"""

OFFLINE_CASES = [
    pytest.param(case, id=case.name, marks=[pytest.mark.skip(reason=f"server only: {case.server_only}")]
                 if case.server_only else [])
    for case in CASES
]


@pytest.fixture(scope="module")
def rule_page(browser, live_server):
    page = browser.new_page()
    page.goto(f"{live_server.url}/static/rakor/site.css")  # the site's origin: the module and the API
    yield page
    page.close()


@pytest.mark.parametrize("case", OFFLINE_CASES)
def test_the_scanner_decides_offline_as_the_server(case, rule_page):
    data = build(case)
    event, registration, first = data["event"], data["registration"], data["first"]
    token = uuid.uuid4().hex  # a scanner device of the event, as a desk's phone fetches its bundle
    ScannerDevice.objects.create(event=event, name="Meja 1", token_hash=ScannerDevice.hash_token(token),
                                 token_prefix=token[:8])
    admitted = None
    if first is not None:
        local = first.scanned_at.astimezone(event.tz)
        admitted = {"day": local.date().isoformat(), "id": registration.public_id, "at": first.scanned_at.isoformat()}
    bundle_url = f"/api/v1/events/{event.slug}/scanner-bundle/"
    when = data["when"].isoformat(timespec="milliseconds")
    answer = rule_page.evaluate(DECIDE, [bundle_url, token, data["ticket"], when, admitted])
    if case.offline is not None:
        assert case.why, "a case where the scanner differs from the server says why"
        assert answer == case.offline
    else:
        assert answer == case.expected
