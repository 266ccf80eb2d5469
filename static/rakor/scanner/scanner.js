// The registration desk's scanner page: camera, keyboard-wedge scanners, desk search,
// and offline scanning with a queue in IndexedDB that is sent when the network returns.
// The server decides every scan (attendance.checkin.checkin_perform); offline, this page
// decides provisionally with the event's public key and the downloaded bundle.

import { decideOffline, makeVerifier, parseTicket } from "./ticket.js";
import { isValidCode, looksLikeCode, normaliseCode } from "./codes.js";

const config = JSON.parse(document.getElementById("scanner-config").textContent);
const M = config.messages;
const slug = config.event;
const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

// ------------------------------------------------------------------ device token

// The organiser's set-up link (/scan/?setup=1#token=<token>) is opened once: keep the token, drop it
// from the address bar. The token travels in the fragment, which browsers never send to the server,
// so it never lands in an access log, a proxy's log or a Referer.
const TOKEN_KEY = `rakor.scanner.device.${slug}`;
const setUpNow = (function takeSetupToken() {
  const url = new URL(location.href);
  const token = new URLSearchParams(url.hash.slice(1)).get("token");
  if (!token) return false;
  localStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete("setup");
  history.replaceState(null, "", url.pathname + url.search);
  return true;
})();
const deviceToken = () => localStorage.getItem(TOKEN_KEY);

function headers(json) {
  const h = { Accept: "application/json" };
  if (json) h["Content-Type"] = "application/json";
  const token = deviceToken();
  if (token) h.Authorization = `Device ${token}`;
  else if (config.csrfToken) h["X-CSRFToken"] = config.csrfToken;
  return h;
}

class HttpError extends Error {
  constructor(status, body) { super(`HTTP ${status}`); this.status = status; this.body = body; }
}

// Network failures (and timeouts) reject with a plain Error; answers from the server with HttpError.
async function api(url, { method = "GET", body, timeout = 6000, extraHeaders = {} } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(url, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...headers(body !== undefined), ...extraHeaders }, credentials: "same-origin",
      signal: controller.signal, cache: "no-store",
    });
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 304) return { notModified: true, response };
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const expired = response.status === 401 && data && data.result === "device_expired";
    if (expired) showSetup(data.detail || M.device_expired_next, false);
    else if (response.status === 401) showSetup(deviceToken() ? M.device_revoked : M.need_login, !deviceToken());
    if (response.status === 403) showSetup((data && data.detail) || M.forbidden, false);
    throw new HttpError(response.status, data);
  }
  return { data, response };
}

function showSetup(text, withLogin) {
  const el = $("setup");
  el.hidden = false;
  el.textContent = text + " ";
  if (withLogin) {
    const a = document.createElement("a");
    a.href = config.loginUrl;
    a.textContent = "→ " + config.loginUrl.split("?")[0];
    el.appendChild(a);
  }
}

// ------------------------------------------------------------------ IndexedDB

const db = await new Promise((resolve, reject) => {
  const open = indexedDB.open("rakor-scanner", 1);
  open.onupgradeneeded = () => {
    const d = open.result;
    d.createObjectStore("bundle");                       // event slug -> {etag, data}
    d.createObjectStore("queue", { keyPath: "nonce" });  // scans not yet answered by the server
    d.createObjectStore("admitted");                     // "slug|day|id" -> {at, gate}
    d.createObjectStore("failed", { keyPath: "nonce" }); // scans the server could not record (kept)
  };
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

function store(name, mode = "readonly") { return db.transaction(name, mode).objectStore(name); }
function req(r) { return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); }); }
const idb = {
  get: (name, key) => req(store(name).get(key)),
  put: (name, value, key) => req(key === undefined ? store(name, "readwrite").put(value) : store(name, "readwrite").put(value, key)),
  del: (name, key) => req(store(name, "readwrite").delete(key)),
  all: (name) => req(store(name).getAll()),
};

// ------------------------------------------------------------------ time in the event's zone

const dayFmt = new Intl.DateTimeFormat("en-CA", { timeZone: config.timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
const shortFmt = new Intl.DateTimeFormat("id-ID", { timeZone: config.timeZone, hour: "2-digit", minute: "2-digit" });
const eventDay = (d) => dayFmt.format(d);
const hhmm = (iso) => (iso ? shortFmt.format(new Date(iso)) : "");

function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ------------------------------------------------------------------ state

const state = { online: navigator.onLine, bundle: null, registrations: new Map(), codes: new Map(), revoked: new Set(), verifier: null, syncing: false };

function setOnline(online) {
  const changed = state.online !== online;
  state.online = online;
  const net = $("net");
  net.dataset.state = online ? "online" : "offline";
  net.textContent = online ? M.online : M.offline;
  document.body.classList.toggle("is-offline", !online);
  if (changed && online) { syncQueue(); refreshBundle(); refreshCount(); }
}

async function useBundle(data) {
  state.bundle = data;
  state.registrations = new Map(data.registrations.map((r) => [r.id, r]));
  state.codes = new Map(data.registrations.filter((r) => r.code).map((r) => [r.code, r.id]));
  state.revoked = new Set(data.revoked);
  state.verifier = await makeVerifier(data.public_key);
  $("bundle-state").textContent = fill(M.bundle_ok, { n: data.registrations.length, time: hhmm(data.generated_at) });
}

async function refreshBundle() {
  const kept = await idb.get("bundle", slug);
  try {
    const extra = kept && kept.etag ? { "If-None-Match": kept.etag } : {};
    const answer = await api(config.urls.bundle, { timeout: 20000, extraHeaders: extra });
    if (answer.notModified) return;
    const entry = { etag: answer.response.headers.get("ETag"), data: answer.data };
    await idb.put("bundle", entry, slug);
    await useBundle(entry.data);
  } catch (e) {
    if (!(e instanceof HttpError)) setOnline(false);
  }
}

// ------------------------------------------------------------------ feedback: colour, sound, vibration

let audio = null;
function beep(pattern) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    let t = audio.currentTime;
    for (const [freq, ms, type] of pattern) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = type || "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.25, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + ms / 1000);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + ms / 1000);
      t += ms / 1000 + 0.06;
    }
  } catch (e) { /* no audio on this device: colour and text still say it */ }
}

const FEEDBACK = {
  ok: { sound: [[880, 140]], vibrate: [90] },
  warn: { sound: [[660, 110], [660, 110]], vibrate: [80, 60, 80] },
  bad: { sound: [[220, 420, "square"]], vibrate: [300, 100, 300] },
};

let answerTimer = null;
// ``next``: what to do next (every refusal has one); ``actions``: buttons [{label, run}] — an answer
// with a button stays until the operator taps (the button, or anywhere else to dismiss).
function showAnswer({ tone, verdict, name = "", unit = "", detail = "", next = "", actions = [] }) {
  const box = $("answer");
  box.className = `answer ${tone}`;
  $("answer-verdict").textContent = verdict;
  $("answer-name").textContent = name;
  $("answer-unit").textContent = unit;
  $("answer-detail").textContent = detail;
  $("answer-next").textContent = next;
  const bar = $("answer-actions");
  bar.replaceChildren(...actions.map(({ label, run }) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", (e) => { e.stopPropagation(); button.disabled = true; run(); });
    return button;
  }));
  bar.hidden = !actions.length;
  box.hidden = false;
  beep(FEEDBACK[tone].sound);
  if (navigator.vibrate) navigator.vibrate(FEEDBACK[tone].vibrate);
  clearTimeout(answerTimer);
  if (!actions.length) answerTimer = setTimeout(() => { box.hidden = true; }, tone === "ok" ? 2500 : 6000);
  if (actions.length) bar.firstChild.focus({ preventScroll: true });
  else refocus();
}
$("answer").addEventListener("click", () => { $("answer").hidden = true; refocus(); });

function toneOf(result) {
  if (result === "ok") return "ok";
  if (result === "already_checked_in") return "warn";
  return "bad";
}

// Every refusal says, in words, what to do next (issue 12, item 5): "<result>_next" in the messages.
function nextStep(result) {
  const text = M[`${result}_next`];
  return text ? fill(text, { hours: config.offlineHours }) : "";
}

function showServerAnswer(a) {
  const p = a.participant || {};
  let detail = "";
  let next = "";
  let actions = [];
  if (a.result === "already_checked_in" && a.first_checkin_at) {
    detail = fill(M.first_time, { time: hhmm(a.first_checkin_at), gate: a.first_gate || M.gate_unknown });
  } else if (a.code_typo) {
    next = M.code_typo_next;
  } else if (a.result !== "ok") {
    next = nextStep(a.result) || a.message || "";
  }
  if (a.result === "not_in_person" && a.in_person) {
    // Registered online for today and at the door: one tap admits them in person when a seat allows.
    if (a.in_person.seats_ok) {
      detail = M.not_in_person_seat;
      actions = [{ label: M.admit_in_person, run: () => admitInPerson(a.in_person.url) }];
    } else {
      detail = fill(M.not_in_person_full, { detail: a.in_person.detail || "" });
    }
  }
  const verdict = a.result === "ok" ? M.ok : (a.code_typo ? M.code_typo : (M[a.result] || a.message || a.result));
  showAnswer({ tone: toneOf(a.result), verdict, name: p.name || "", unit: p.unit || "", detail, next, actions });
}

async function admitInPerson(url) {
  try {
    const { data } = await api(url, { method: "POST", body: { nonce: newNonce() } });
    showServerAnswer(data);
    if (data.result === "ok") notice(`${(data.participant && data.participant.name) || ""}: ${M.admitted_in_person}`, "ok");
    refreshCount();
  } catch (e) {
    if (e instanceof HttpError && e.body && e.body.detail) {
      showAnswer({ tone: "bad", verdict: M.admit_refused, detail: e.body.detail, next: M.not_in_person_next });
    } else {
      if (!(e instanceof HttpError)) setOnline(false);
      showAnswer({ tone: "bad", verdict: M.admit_refused, next: M.not_in_person_offline });
    }
  }
}

function notice(text, kind = "info") {
  const li = document.createElement("li");
  li.className = `notice ${kind}`;
  li.textContent = `${shortFmt.format(new Date())} · ${text}`;
  const list = $("notices");
  list.prepend(li);
  while (list.children.length > 30) list.lastChild.remove();
}

// ------------------------------------------------------------------ deciding

const admittedKey = (day, id) => `${slug}|${day}|${id}`;

async function rememberAdmitted(id, atIso, gate) {
  if (!id) return;
  const day = eventDay(new Date(atIso));
  const key = admittedKey(day, id);
  if (!(await idb.get("admitted", key))) await idb.put("admitted", { at: atIso, gate }, key);
}

// Offline: the server's admission rule (attendance.checkin.admission) on what this device knows.
// A typed short code is checked by its check character here too, then found in the roster.
async function decideLocally({ ticket, registrationId, when }) {
  let id = registrationId;
  if (!id && looksLikeCode(ticket)) {
    if (!isValidCode(ticket)) return { result: "invalid_ticket", typo: true };
    id = state.codes.get(normaliseCode(ticket));
    if (!id) return { result: "unknown_offline" };
  }
  return decideOffline(state, { ticket, registrationId: id, when }, (day, rid) => idb.get("admitted", admittedKey(day, rid)));
}

function registrationIdOf(ticket) {
  if (looksLikeCode(ticket)) return state.codes.get(normaliseCode(ticket)) || null;
  const parsed = parseTicket(ticket);
  return parsed && parsed.eventSlug === slug ? parsed.publicId : null;
}

let lastCamera = { text: "", at: 0 };
let busy = Promise.resolve();

// Scans are handled one after another, in the order they were made.
function handleScan(input) { busy = busy.then(() => scanOnce(input)).catch((e) => console.error(e)); return busy; }

async function scanOnce({ ticket = "", registrationId = "", method }) {
  ticket = ticket.trim();
  if (!ticket && !registrationId) return;
  const when = new Date();
  const scan = { ticket, event: slug, kind: "entry", session: null, nonce: newNonce(),
                 scanned_at: when.toISOString(), method, offline: false };
  if (registrationId && !ticket) scan.registration = registrationId;
  if (state.online && ticket) {
    try {
      const { data } = await api(config.urls.checkin, { method: "POST", body: scan });
      showServerAnswer(data);
      if (data.result === "ok" || data.result === "already_checked_in") {
        await rememberAdmitted(registrationIdOf(ticket), data.first_checkin_at || scan.scanned_at, data.first_gate || "");
      }
      refreshCount();
      return;
    } catch (e) {
      if (e instanceof HttpError) {
        if (e.body && e.body.result) { showServerAnswer(e.body); return; }  // decided and recorded, e.g. device_expired (401)
        if (e.status >= 500) setOnline(false);  // the server is there but failing: keep the scan
        else {
          const detail = e.body ? Object.values(e.body).flat().join(" ") : "";
          showAnswer({ tone: "bad", verdict: fill(M.server_error, { status: e.status }), detail });
          return;
        }
      } else {
        setOnline(false);
      }
    }
  }
  // Offline (or the request failed): decide here, keep the scan, send it later with the same nonce.
  const local = await decideLocally({ ticket, registrationId, when });
  scan.offline = true;
  await idb.put("queue", { ...scan, local_result: local.result, name: local.reg ? local.reg.name : "" });
  if (local.result === "ok") await rememberAdmitted(local.reg.id, scan.scanned_at, M.this_device);
  await updateQueue();
  const reg = local.reg || {};
  let detail = M.offline_note;
  if (local.result === "already_checked_in") detail = fill(M.first_time, { time: hhmm(local.first.at), gate: local.first.gate || M.this_device });
  let next = local.typo ? M.code_typo_next : (local.result === "ok" ? "" : nextStep(local.result));
  if (local.result === "not_in_person") next = `${next} ${M.not_in_person_offline}`;
  showAnswer({ tone: local.result === "ok" ? "ok" : toneOf(local.result),
               verdict: local.result === "ok" ? M.ok_offline : (local.typo ? M.code_typo : (M[local.result] || local.result)),
               name: reg.name || "", unit: reg.unit || "", detail, next });
  if (!state.online) return;
  syncQueue();
}

// ------------------------------------------------------------------ queue and sync

async function updateQueue() {
  const items = await idb.all("queue");
  $("queue").textContent = String(items.length);
  const pendingOk = items.filter((i) => i.local_result === "ok").length;
  $("count-pending").textContent = pendingOk ? fill(M.count_pending, { n: pendingOk }) : "";
  return items;
}

async function syncQueue() {
  if (state.syncing) return;
  state.syncing = true;
  try {
    let items = (await updateQueue()).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
    let sent = 0;
    const stale = [];
    while (items.length) {
      const chunk = items.slice(0, config.batchMax);
      items = items.slice(config.batchMax);
      const scans = chunk.map(({ local_result, name, ...scan }) => scan);
      let data;
      try {
        ({ data } = await api(config.urls.batch, { method: "POST", body: { event: slug, scans }, timeout: 30000 }));
      } catch (e) {
        if (!(e instanceof HttpError) || e.status >= 500) setOnline(false);
        const expired = e instanceof HttpError && e.body && e.body.result === "device_expired";
        notice(expired ? (e.body.detail || M.device_expired_next) : M.sync_failed, "bad");
        if (expired) showAnswer({ tone: "bad", verdict: M.device_expired, detail: nextStep("device_expired") });
        return;
      }
      setOnline(true);
      const byNonce = new Map(chunk.map((i) => [i.nonce, i]));
      for (const r of data.results) {
        const item = byNonce.get(r.nonce) || chunk[r.index];
        if (!item) continue;
        if (r.error) {
          await idb.put("failed", { ...item, error: r.error });
          notice(fill(M.rejected_item, { time: hhmm(item.scanned_at), error: Object.values(r.error).flat().join(" ") }), "bad");
        } else {
          sent += 1;
          const name = (r.participant && r.participant.name) || item.name || "";
          if (r.result === "stale_scan") {
            stale.push(name || "—");
            notice(fill(M.stale_item, { name: name || "—", time: hhmm(item.scanned_at) }), "bad");
            // Not admitted after all: a new scan of this person, even offline, must not say "already".
            const id = item.registration || registrationIdOf(item.ticket);
            if (id) await idb.del("admitted", admittedKey(eventDay(new Date(item.scanned_at)), id));
          } else if (r.result === "already_checked_in" && r.conflict && item.local_result === "ok") {
            notice(fill(M.conflict, { name, gate: r.first_gate || "—", time: hhmm(r.first_checkin_at) }), "conflict");
          } else if (item.local_result === "ok" && r.result !== "ok" && r.result !== "already_checked_in") {
            notice(fill(M.differs, { name, result: r.message || r.result }), "conflict");
          }
          if (r.result === "ok" || r.result === "already_checked_in") {
            const id = item.registration || registrationIdOf(item.ticket);
            await rememberAdmitted(id, r.first_checkin_at || item.scanned_at, r.first_gate || "");
          }
        }
        await idb.del("queue", item.nonce);
      }
    }
    if (sent) notice(fill(M.synced, { n: sent }), "ok");
    // Offline scans the server refused for their time: people the desk thought admitted are not.
    if (stale.length) {
      showAnswer({ tone: "bad", verdict: M.stale_scan,
                   name: stale.slice(0, 3).join(", ") + (stale.length > 3 ? ` +${stale.length - 3}` : ""),
                   detail: nextStep("stale_scan") });
    }
  } finally {
    state.syncing = false;
    await updateQueue();
    if (state.online) refreshCount();
  }
}

async function refreshCount() {
  try {
    const { data } = await api(config.urls.today, { timeout: 5000 });
    $("count").textContent = String(data.count);
    if (!state.online) setOnline(true);
  } catch (e) {
    if (!(e instanceof HttpError)) setOnline(false);
  }
}

// ------------------------------------------------------------------ keyboard wedge

const wedge = $("wedge");
function refocus() {
  const active = document.activeElement;
  if (active && active !== document.body && active !== wedge && active.closest("form, .search, .camera")) return;
  wedge.focus({ preventScroll: true });
}
$("wedge-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = wedge.value;
  wedge.value = "";
  handleScan({ ticket: text, method: "handheld" });
  wedge.focus();
});
// The short code a participant reads out (attendance/codes.py): checked by the server (and here, offline).
$("code-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("code");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  // Anything longer than a code (a pasted QR payload) is checked as the ticket it is.
  handleScan({ ticket: text, method: looksLikeCode(text) ? "manual" : "handheld" });
  input.focus();
});
// A handheld scanner types wherever the focus is: if nothing has it, the wedge takes the burst.
document.addEventListener("keydown", (e) => {
  if (e.target !== document.body || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key.length === 1) { wedge.focus(); wedge.value += e.key; e.preventDefault(); }
  else if (e.key === "Enter" && wedge.value) { e.preventDefault(); $("wedge-form").requestSubmit(); }
});
document.addEventListener("click", (e) => {
  if (!e.target.closest("input, button, a, video, .results")) setTimeout(refocus, 0);
});

// ------------------------------------------------------------------ camera

let stream = null;
let detector = null;

// The browser's own error text is in the browser's language: the page says it in its own.
function cameraError(e) {
  if (!window.isSecureContext || !navigator.mediaDevices) return M.camera_insecure;
  const name = (e && e.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return M.camera_denied;
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return M.camera_missing;
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return M.camera_busy;
  return M.camera_failed;
}
async function startCamera() {
  $("camera-error").hidden = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (e) {
    $("camera-error").textContent = cameraError(e);
    $("camera-error").hidden = false;
    return;
  }
  const video = $("video");
  video.srcObject = stream;
  await video.play();
  document.querySelector(".viewfinder").hidden = false;
  $("camera-toggle").textContent = M.camera_off;
  if ("BarcodeDetector" in window) {
    try {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) detector = new BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) { detector = null; }
  }
  if (!detector && !window.jsQR) {
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = config.urls.jsqr; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  cameraLoop();
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  document.querySelector(".viewfinder").hidden = true;
  $("camera-toggle").textContent = M.camera_on;
  refocus();
}

const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
async function cameraLoop() {
  const video = $("video");
  while (stream) {
    await new Promise((r) => setTimeout(r, 120));
    if (!stream || video.readyState < 2) continue;
    let text = "";
    try {
      if (detector) {
        const codes = await detector.detect(video);
        text = codes.length ? codes[0].rawValue : "";
      } else {
        const scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        text = code ? code.data : "";
      }
    } catch (e) { text = ""; }
    // A code stays in view for several frames: one scan per code every few seconds.
    const now = Date.now();
    if (text && !(text === lastCamera.text && now - lastCamera.at < 4000)) {
      lastCamera = { text, at: now };
      handleScan({ ticket: text, method: "camera" });
    }
  }
}
$("camera-toggle").addEventListener("click", () => (stream ? stopCamera() : startCamera()));

// ------------------------------------------------------------------ desk search

let searchTimer = null;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 300);
});

async function runSearch() {
  const q = $("search").value.trim().replace(/\s+/g, " ");
  const list = $("results");
  list.replaceChildren();
  $("search-note").textContent = "";
  if (q.length < config.searchMin) { if (q) $("search-note").textContent = M.search_short; return; }
  let rows = null;
  if (state.online) {
    try {
      ({ data: { results: rows } } = await api(`${config.urls.search}?q=${encodeURIComponent(q)}`));
    } catch (e) {
      if (e instanceof HttpError) {
        // Too many searches from this device (429), or a query the server refused: say so, in its words.
        const detail = e.body && (e.body.detail || Object.values(e.body).flat().join(" "));
        if (e.status === 429 || detail) $("search-note").textContent = detail || fill(M.server_error, { status: e.status });
        return;
      }
      setOnline(false);
    }
  }
  if (rows === null) {
    $("search-note").textContent = M.search_offline;
    // Folded as the server folds names (attendance/search.py): no diacritics, case or word order.
    const fold = (t) => t.normalize("NFKD").replace(/\p{M}/gu, "").replace(/['’‘`ʼʻʿʾ]/g, "").toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    const needles = fold(q).split(" ").filter(Boolean);
    rows = [...state.registrations.values()].filter((r) => needles.every((n) => fold(r.name).includes(n))).slice(0, 20)
      .map((r) => ({ id: r.id, name: r.name, unit: r.unit, nip_masked: "", ticket: "", checked_in_today: false }));
  }
  if (!rows.length) { $("search-note").textContent = state.online ? M.search_none_rule : M.search_none; return; }
  for (const r of rows) {
    const li = document.createElement("li");
    const who = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = r.name;
    const meta = document.createElement("small");
    meta.textContent = [r.unit, r.nip_masked ? `${M.nip} ${r.nip_masked}` : "", r.status && r.status !== "approved" ? r.status_label : ""]
      .filter(Boolean).join(" · ");
    who.append(name, document.createElement("br"), meta);
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = r.checked_in_today ? M.checked_in : M.check_in;
    button.className = r.checked_in_today ? "secondary" : "";
    button.addEventListener("click", async () => {
      await handleScan({ ticket: r.ticket || "", registrationId: r.id, method: "manual" });
      $("search").value = "";
      list.replaceChildren();
      wedge.focus();
    });
    li.append(who, button);
    list.appendChild(li);
  }
}

// ------------------------------------------------------------------ the page itself, offline

// A service worker (attendance.views_scanner.scanner_worker) keeps this page and its files on the
// device, so a reload or a tab the phone killed opens again without network. Browsers offer it
// only on https:// (and http://localhost); elsewhere the page works as before, online.
async function keepPageOffline() {
  if (!config.offline || !("serviceWorker" in navigator) || !("caches" in window)) return;
  const say = async () => {
    if (!navigator.serviceWorker.controller) return;
    // Said only once the page really is in the worker's cache.
    if (await caches.match(config.offline.page, { ignoreVary: true })) $("offline-state").textContent = M.offline_ready;
  };
  navigator.serviceWorker.addEventListener("controllerchange", say);
  try {
    await navigator.serviceWorker.register(config.offline.worker, { scope: config.offline.page });
  } catch (e) {
    console.warn("scanner: service worker not registered", e);
    return;
  }
  await say();
}

// ------------------------------------------------------------------ start

window.addEventListener("online", () => { refreshCount(); });
window.addEventListener("offline", () => setOnline(false));
setOnline(navigator.onLine);
if (setUpNow) notice(M.device_ready, "ok");
if (!deviceToken() && !config.operator) showSetup(M.need_login, true);
const kept = await idb.get("bundle", slug);
if (kept) await useBundle(kept.data);
else $("bundle-state").textContent = M.bundle_missing;
await updateQueue();
wedge.focus();
document.body.dataset.ready = "1";
keepPageOffline();
refreshBundle();
refreshCount();
setInterval(async () => {
  // Probe and retry: navigator.onLine can say "online" while the server is out of reach.
  const queued = (await idb.all("queue")).length;
  if (!state.online || queued) await refreshCount();
  if (state.online && queued) syncQueue();
}, 10000);
setInterval(() => { if (state.online) { refreshBundle(); refreshCount(); } }, 300000);

// The benchmark and the browser test reach the verifier through this.
window.rakorScanner = { state, decideLocally, syncQueue };
