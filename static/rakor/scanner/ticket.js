// Ticket strings in the browser: the same rules as rakor/signing.py, so a scanner that
// holds only the event's public key can tell a real ticket from a forged one offline.
// Used by the scanner page and by bench/offline_verify.py (one implementation, measured).
// Also the offline admission rule (decideOffline, at the end): it lives here, not in
// scanner.js, so that it loads without the page (the tests call it) and the scanner's
// service worker keeps it with the files it already keeps.

export const TICKET_VERSION = "RK1";
export const MAX_TICKET_LENGTH = 200;
const encoder = new TextEncoder();

// Canonical unpadded base64url only, as rakor/signing.py: no padding, no other alphabet, no set
// trailing bits (which would give the same bytes a second spelling). null for anything else.
export function b64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let bin;
  try { bin = atob(b64); } catch (e) { return null; }
  if (btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") !== text) return null;
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// {eventSlug, publicId, body, signature} or null when the text cannot be a ticket.
export function parseTicket(text) {
  text = (text || "").trim();
  if (!text || text.length > MAX_TICKET_LENGTH) return null;
  const parts = text.split(".");
  if (parts.length !== 4 || parts[0] !== TICKET_VERSION || !parts[1] || !parts[2]) return null;
  const signature = b64urlDecode(parts[3]);
  if (!signature || signature.length !== 64) return null;
  return { text, eventSlug: parts[1], publicId: parts[2], body: parts.slice(0, 3).join("."), signature };
}

let noblePromise = null;
function loadNoble() {
  noblePromise = noblePromise || import(new URL("./vendor/noble-ed25519.js", import.meta.url).href);
  return noblePromise;
}

async function webCryptoKey(raw) {
  if (!globalThis.crypto || !crypto.subtle) return null;
  try {
    return await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    return null; // this browser's WebCrypto has no Ed25519 yet
  }
}

// A verifier for one event's key: {engine: "webcrypto" | "noble", verify(parsed) -> Promise<bool>}.
// options.engine forces one path (the benchmark measures both).
export async function makeVerifier(publicKeyB64, options = {}) {
  const raw = b64urlDecode(publicKeyB64 || "");
  if (!raw || raw.length !== 32) throw new Error("public key");
  if (options.engine !== "noble") {
    const key = await webCryptoKey(raw);
    if (key) {
      return {
        engine: "webcrypto",
        verify: (parsed) => crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, encoder.encode(parsed.body))
          .catch(() => false),
      };
    }
    if (options.engine === "webcrypto") throw new Error("WebCrypto Ed25519 unavailable");
  }
  const ed = await loadNoble();
  return {
    engine: "noble",
    // zip215:false is RFC 8032 / FIPS 186-5 strict, as the server's `cryptography` (OpenSSL) is.
    verify: (parsed) => ed.verifyAsync(parsed.signature, encoder.encode(parsed.body), raw, { zip215: false })
      .catch(() => false),
  };
}

// Parse and check one ticket string: {ok, reason, parsed}. reason: invalid_ticket | wrong_event.
export async function verifyTicket(verifier, text, eventSlug) {
  const parsed = parseTicket(text);
  if (!parsed) return { ok: false, reason: "invalid_ticket", parsed: null };
  if (eventSlug && parsed.eventSlug !== eventSlug) return { ok: false, reason: "wrong_event", parsed };
  const ok = await verifier.verify(parsed);
  return { ok, reason: ok ? null : "invalid_ticket", parsed };
}

// ------------------------------------------------------------------ the offline admission rule

// What a scanner decides offline, on what it holds: the rule of attendance.checkin.admission
// (revoked, not_approved, outside_window for a day that is not an event day, not_in_person,
// outside_window for the door's hours), after the ticket's own checks and before "already in",
// which only this device's memory can tell offline. tests/e2e/test_admission_browser.py runs it
// beside the server's two paths (tests/attendance/test_admission.py) on the same cases.
//   scanner: {bundle, registrations: Map public id -> bundle entry, revoked: Set, verifier}
//   scan: {ticket, registrationId (a desk search, already identified), when: Date of the scan}
//   firstEntry(day, id): Promise of this device's earlier admission that day ({at, gate}) or null
// Answers {result, reg, first, day}; "no_bundle" and "unknown_offline" (a real ticket of this event
// missing from the bundle, which lists in-person registrations only) are the scanner's own.
export async function decideOffline(scanner, { ticket = "", registrationId = "", when }, firstEntry = async () => null) {
  const bundle = scanner.bundle;
  if (!bundle || !scanner.verifier) return { result: "no_bundle" };
  let id = registrationId;
  if (!id) {
    const checked = await verifyTicket(scanner.verifier, ticket, bundle.event.slug);
    if (!checked.ok) return { result: checked.reason };
    id = checked.parsed.publicId;
  }
  const reg = scanner.registrations.get(id);
  if (scanner.revoked.has(id)) return { result: "revoked", reg };
  if (!reg) return { result: "unknown_offline" };
  if (reg.status !== "approved") return { result: "not_approved", reg };
  const { day, seconds } = eventTime(when, bundle.event.time_zone);
  if (!bundle.event.days.includes(day)) return { result: "outside_window", reg, day };
  if (!reg.in_person_days.includes(day)) return { result: "not_in_person", reg, day };
  const window = bundle.windows[day];
  // As the server: opens <= time of day <= closes, to the millisecond (not to the second).
  if (window && (seconds < secondsOf(window[0]) || seconds > secondsOf(window[1]))) {
    return { result: "outside_window", reg, day };
  }
  const first = await firstEntry(day, id);
  if (first) return { result: "already_checked_in", reg, first, day };
  return { result: "ok", reg, day };
}

const zoneFormats = new Map();

// The event's date ("2026-12-03") and time of day in seconds (with milliseconds) of an instant.
export function eventTime(when, timeZone) {
  let fmt = zoneFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit",
                                             hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    zoneFormats.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(when).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`,
           seconds: +p.hour * 3600 + +p.minute * 60 + +p.second + when.getUTCMilliseconds() / 1000 };
}

const secondsOf = (hhmmss) => hhmmss.split(":").reduce((total, part) => total * 60 + +part, 0);
