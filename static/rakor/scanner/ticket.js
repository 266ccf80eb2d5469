// Ticket strings in the browser: the same rules as rakor/signing.py, so a scanner that
// holds only the event's public key can tell a real ticket from a forged one offline.
// Used by the scanner page and by bench/offline_verify.py (one implementation, measured).

export const TICKET_VERSION = "RK1";
export const MAX_TICKET_LENGTH = 200;
const encoder = new TextEncoder();

export function b64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let bin;
  try { bin = atob(b64); } catch (e) { return null; }
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
