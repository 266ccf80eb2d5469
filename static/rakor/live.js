/* Live session status on the participant portal and the event page.
 *
 * Works on either markup:
 *  - the agreed one:
 *    <section data-live-agenda data-event="<slug>" [data-secret="<portal secret>"] [data-poll-seconds="20"]
 *             [data-label-scheduled=".." data-label-live=".." data-label-ended=".."]>
 *      <article data-session-id="12" data-status="scheduled" data-join-opens="<ISO>" data-end="<ISO>" [data-joined]>
 *        <span class="session-status">Terjadwal</span>
 *        <a class="join-button is-off" aria-disabled="true" href="/t/<secret>/join/12/">Gabung</a>
 *  - templates/sessions_app/agenda.html: <section class="agenda" data-ws="/ws/events/<slug>/sessions/">, the
 *    badge [data-status-label], the button a[data-join] (hidden while closed), [data-join-wait], [data-join-ended];
 *    the portal secret is read from the personal join links (/t/<secret>/join/<id>/).
 *
 * Without JavaScript the links still work (the join view shows a waiting page
 * until the session opens). With it, the button turns on the moment the session
 * goes live (WebSocket /ws/events/<slug>/sessions/?t=<secret>), or within 20 s
 * by polling /e/<slug>/sessions/status.json when the socket is blocked.
 * While the participant has a joined session open, a heartbeat is POSTed every
 * 60 s to /t/<secret>/heartbeat/<id>/ (stopped on 404 or when the session ends).
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-agenda]") || document.querySelector("section.agenda[data-ws]");
  if (!root) return;

  var slug = root.getAttribute("data-event") ||
    ((root.getAttribute("data-ws") || "").match(/\/ws\/events\/([^/]+)\/sessions\//) || [])[1];
  if (!slug) return;
  var secret = root.getAttribute("data-secret") || "";
  if (!secret) {
    var link = root.querySelector('a[href*="/join/"]');
    var found = link && (link.getAttribute("href") || "").match(/^\/t\/([^/]+)\/join\//);
    secret = found ? decodeURIComponent(found[1]) : "";
  }
  var BADGE = ".session-status, [data-status-label]";
  var BUTTON = "a.join-button, a[data-join]";
  var pollMs = Math.max(1, parseFloat(root.getAttribute("data-poll-seconds") || "20")) * 1000;
  var openTimeoutMs = 5000;
  var HEARTBEAT_MS = 60000;
  var labels = {
    scheduled: root.getAttribute("data-label-scheduled") || "Terjadwal",
    live: root.getAttribute("data-label-live") || "Sedang berlangsung",
    ended: root.getAttribute("data-label-ended") || "Selesai"
  };

  function items(id) {
    var sel = id == null ? "[data-session-id]" : '[data-session-id="' + String(id).replace(/[^0-9]/g, "") + '"]';
    return root.querySelectorAll(sel);
  }

  function joinIsOpen(el, now) {
    var status = el.getAttribute("data-status");
    if (status === "live") return true;
    if (status === "ended") return false;
    var opens = Date.parse(el.getAttribute("data-join-opens") || "");
    var end = Date.parse(el.getAttribute("data-end") || "");
    return !isNaN(opens) && !isNaN(end) && opens <= now && now < end;
  }

  function render(el) {
    var status = el.getAttribute("data-status");
    var badge = el.querySelector(BADGE);
    if (badge && labels[status] && badge.textContent !== labels[status]) badge.textContent = labels[status];
    el.classList.toggle("is-live", status === "live");
    el.classList.toggle("is-ended", status === "ended");
    ["scheduled", "live", "ended"].forEach(function (s) { el.classList.toggle("status-" + s, s === status); });
    var open = joinIsOpen(el, Date.now());
    var buttons = el.querySelectorAll(BUTTON);
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].classList.toggle("is-off", !open);
      buttons[i].setAttribute("aria-disabled", open ? "false" : "true");
      if (open) buttons[i].removeAttribute("tabindex"); else buttons[i].setAttribute("tabindex", "-1");
      if (buttons[i].hasAttribute("data-join")) buttons[i].hidden = !open;
    }
    var wait = el.querySelector("[data-join-wait]");
    if (wait) wait.hidden = open || status === "ended";
    var ended = el.querySelector("[data-join-ended]");
    if (ended) ended.hidden = status !== "ended";
    if (status === "ended") stopHeartbeat(el.getAttribute("data-session-id"));
  }

  function apply(session) {
    if (!session || session.id == null || !session.status) return;
    var els = items(session.id);
    for (var i = 0; i < els.length; i++) {
      if (session.status !== els[i].getAttribute("data-status")) {
        els[i].setAttribute("data-status", session.status);
      }
      render(els[i]);
    }
  }

  function applyAll(sessions) {
    for (var i = 0; i < (sessions || []).length; i++) apply(sessions[i]);
  }

  function renderAll() {
    var els = items();
    for (var i = 0; i < els.length; i++) render(els[i]);
  }

  // A button that is off does nothing (the link still works without JS).
  root.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest(BUTTON) : null;
    if (!a) return;
    if (a.classList.contains("is-off")) { ev.preventDefault(); return; }
    var item = a.closest("[data-session-id]");
    if (item) startHeartbeat(item.getAttribute("data-session-id"));
  });

  // ------------------------------------------------------------ polling fallback
  var pollTimer = null;

  // "no-cache" revalidates with the ETag (a 304 when nothing changed); the server keeps the answer MAX_AGE seconds.
  function pollOnce() {
    if (!window.fetch) return;
    fetch("/e/" + encodeURIComponent(slug) + "/sessions/status.json", {credentials: "same-origin", cache: "no-cache"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) applyAll(data.sessions); })
      .catch(function () {});
  }

  function startPolling() {
    if (pollTimer) return;
    root.setAttribute("data-live-mode", "polling");
    pollOnce();
    pollTimer = setInterval(pollOnce, pollMs);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  // ------------------------------------------------------------ WebSocket
  var socket = null;
  var failures = 0;
  var refused = false;

  function connect() {
    if (refused || !window.WebSocket) { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + "/ws/events/" + encodeURIComponent(slug) + "/sessions/" +
      (secret ? "?t=" + encodeURIComponent(secret) : "");
    var opened = false;
    var ws;
    try { ws = new WebSocket(url); } catch (e) { failures++; startPolling(); retry(); return; }
    socket = ws;
    var timer = setTimeout(function () {
      if (!opened) { startPolling(); try { ws.close(); } catch (e) { /* closing anyway */ } }
    }, openTimeoutMs);
    ws.onopen = function () {
      opened = true;
      failures = 0;
      clearTimeout(timer);
      stopPolling();
      root.setAttribute("data-live-mode", "socket");
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "snapshot") applyAll(msg.sessions);
      else if (msg.type === "session") apply(msg);
    };
    ws.onclose = function (ev) {
      clearTimeout(timer);
      if (socket === ws) socket = null;
      if (ev.code === 4403 || ev.code === 4404) {
        // Not allowed to listen (e.g. a revoked ticket): the public status is still there to poll.
        refused = true;
        startPolling();
        return;
      }
      failures++;
      if (!opened || failures >= 2) startPolling();
      retry();
    };
  }

  function retry() {
    var delay = Math.min(60000, 1000 * Math.pow(2, Math.min(failures, 6))) * (0.5 + Math.random());
    setTimeout(connect, delay);
  }

  // ------------------------------------------------------------ heartbeat
  var beats = {};

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function beat(id) {
    if (!secret || !window.fetch) return;
    fetch("/t/" + encodeURIComponent(secret) + "/heartbeat/" + encodeURIComponent(id) + "/", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}
    }).then(function (r) {
      if (r.status === 404 || r.status === 410 || r.status === 403) stopHeartbeat(id);
    }).catch(function () {});
  }

  function startHeartbeat(id) {
    if (!id || beats[id] || !secret) return;
    // Beats go on while the page sits in the background: on a phone the meeting app is in front.
    beats[id] = {timer: setInterval(function () { beat(id); }, HEARTBEAT_MS)};
    try { sessionStorage.setItem("rakor-joined-" + slug, id); } catch (e) { /* private mode */ }
  }

  function stopHeartbeat(id) {
    if (!id || !beats[id]) return;
    clearInterval(beats[id].timer);
    delete beats[id];
  }

  // ------------------------------------------------------------ start
  renderAll();
  // A join window opens by the clock too (minutes before the start), not only by a status change.
  setInterval(renderAll, 15000);
  var joined = root.querySelectorAll("[data-session-id][data-joined]");
  for (var j = 0; j < joined.length; j++) {
    if (joined[j].getAttribute("data-status") !== "ended") startHeartbeat(joined[j].getAttribute("data-session-id"));
  }
  try {
    var remembered = sessionStorage.getItem("rakor-joined-" + slug);
    if (remembered && items(remembered).length && items(remembered)[0].getAttribute("data-status") !== "ended") {
      startHeartbeat(remembered);
    }
  } catch (e) { /* private mode */ }
  connect();
})();
