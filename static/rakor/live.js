/* Live session status on the participant portal and the event page.
 *
 * Works on either markup:
 *  - the agreed one:
 *    <section data-live-agenda data-event="<slug>" [data-secret="<portal secret>"] [data-poll-seconds="20"]
 *             [data-quiet-seconds="60"]
 *             [data-label-scheduled=".." data-label-live=".." data-label-ended=".."]>
 *      <article data-session-id="12" data-status="scheduled" data-join-opens="<ISO>" data-end="<ISO>" [data-joined]>
 *        <span class="session-status">Terjadwal</span>
 *        <a class="join-button is-off" aria-disabled="true" href="/t/<secret>/join/12/">Gabung</a>
 *  - templates/agenda/agenda.html: <section class="agenda" data-ws="/ws/events/<slug>/sessions/">, the
 *    badge [data-status-label], the button a[data-join] (hidden while closed), [data-join-wait], [data-join-ended];
 *    the portal secret is read from the personal join links (/t/<secret>/join/<id>/).
 *
 * Without JavaScript the links still work (the join view shows a waiting page
 * until the session opens). With it, the button turns on the moment the session
 * goes live (WebSocket /ws/events/<slug>/sessions/?t=<secret>), or within 20 s
 * by polling /e/<slug>/sessions/status.json when the socket is blocked.
 * An open socket that has heard nothing for a while is not trusted blindly either
 * (after a Redis restart the server may have lost track of it for a few seconds):
 * the page then polls once, every minute while a session of the page is within
 * 15 minutes of its start or end (when a change is due), every 10 minutes otherwise.
 * While the participant has a joined session open, a heartbeat is POSTed about every
 * 60 s (jittered) to /t/<secret>/heartbeat/<id>/ (stopped on 404 or when the session ends); while the socket is
 * open and its snapshot said "beats", the beat is a message on it instead, {"type":"beat","session":<id>}.
 *
 * Shaping the storm (issue 15): when the page sees a session turn live (push, snapshot or poll), its
 * Join button lights after a random delay of 0..spread seconds, so thousands of portals do not tap in
 * the same second. The spread is the event's (Event.join_spread_seconds): carried by the push and the
 * snapshot ("spread"), else the markup's data-join-spread; 0 lights at once. A page that opens on a
 * session already live shows its button at once (the server rendered it on).
 * A socket that closes reconnects after a random delay ("full jitter"): 0.5 s to data-reconnect-seconds
 * (default 15) on the first failure, doubling per failure up to 60 s, so a node restart's thousands of
 * sockets come back spread over seconds instead of in one burst (10,000 over 15 s: ~670 connects a
 * second). A handshake is given 30 s before it is abandoned (the page polls after 5 s meanwhile).
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-agenda]") || document.querySelector("section.agenda[data-ws]");
  // Once per page: a page that loads the script twice would hold two sockets per phone (and the second
  // copy would light a button the first is still holding back).
  if (!root || root.hasAttribute("data-live-mode-ready")) return;
  root.setAttribute("data-live-mode-ready", "");

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
  // A socket not open after 5 s: poll meanwhile (a proxy may hold upgrades forever), but keep waiting for
  // it until 30 s. Abandoning a slow handshake and retrying is how a reconnect storm feeds itself: the
  // server still does the abandoned work, then the retry's.
  var openTimeoutMs = 5000, openGiveUpMs = 30000;
  var QUIET_NEAR_MS = 60000, QUIET_FAR_MS = 600000, NEAR_MS = 15 * 60000;
  var quietOverride = parseFloat(root.getAttribute("data-quiet-seconds") || "");  // both limits, in seconds
  if (quietOverride > 0) QUIET_NEAR_MS = QUIET_FAR_MS = quietOverride * 1000;
  var HEARTBEAT_MS = 60000;
  var pageSpread = parseFloat(root.getAttribute("data-join-spread") || "0");
  var spreadSeconds = pageSpread > 0 ? pageSpread : 0;  // updated by the socket's messages
  var reconnectMs = Math.max(1, parseFloat(root.getAttribute("data-reconnect-seconds") || "15")) * 1000;
  var RECONNECT_MIN_MS = 500, RECONNECT_MAX_MS = 60000;
  var lightsAt = {};  // session id -> Date.now() at which its Join button may light (jittered go-live)
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
    if (status === "live") return !(lightsAt[el.getAttribute("data-session-id")] > now);
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

  // The page has just seen this session go live: its button waits a random 0..spread seconds.
  function jitterLight(id) {
    var delay = Math.floor(Math.random() * spreadSeconds * 1000);
    if (delay <= 0) { delete lightsAt[id]; return; }
    lightsAt[id] = Date.now() + delay;
    setTimeout(function () {
      if (lightsAt[id] <= Date.now()) delete lightsAt[id];
      var els = items(id);
      for (var i = 0; i < els.length; i++) render(els[i]);
    }, delay);
  }

  function apply(session) {
    if (!session || session.id == null || !session.status) return;
    var els = items(session.id);
    var turnedLive = false;
    for (var i = 0; i < els.length; i++) {
      if (session.status !== els[i].getAttribute("data-status")) {
        if (session.status === "live" && !joinIsOpen(els[i], Date.now())) turnedLive = true;
        els[i].setAttribute("data-status", session.status);
      }
    }
    if (turnedLive) jitterLight(String(session.id));
    else if (session.status !== "live") delete lightsAt[String(session.id)];
    for (var j = 0; j < els.length; j++) render(els[j]);
  }

  function takeSpread(value) {
    var n = parseFloat(value);
    if (!isNaN(n) && n >= 0) spreadSeconds = Math.min(n, 60);
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

  // ------------------------------------------------------------ a quiet socket polls too
  var lastHeard = Date.now();
  var quietFactor = 0.75 + Math.random() / 2;  // spread thousands of portals over time

  function changeDue(now) {
    var els = items();
    for (var i = 0; i < els.length; i++) {
      var status = els[i].getAttribute("data-status");
      var at = Date.parse(els[i].getAttribute(status === "live" ? "data-end" : "data-start") ||
                          els[i].getAttribute("data-join-opens") || "");
      if (status !== "ended" && !isNaN(at) && Math.abs(at - now) <= NEAR_MS) return true;
    }
    return false;
  }

  function quietCheck() {
    if (!socket || socket.readyState !== 1) return;  // polling already covers a closed socket
    var now = Date.now();
    if (now - lastHeard >= (changeDue(now) ? QUIET_NEAR_MS : QUIET_FAR_MS) * quietFactor) {
      lastHeard = now;
      pollOnce();
    }
  }

  // ------------------------------------------------------------ WebSocket
  var socket = null;
  var socketBeats = false;  // the open socket's snapshot offered to carry heartbeats
  var failures = 0;
  var busy = 0;  // 1013s (server busy) in a row
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
    var slow = setTimeout(function () { if (!opened) startPolling(); }, openTimeoutMs);
    var timer = setTimeout(function () {
      if (!opened) { startPolling(); try { ws.close(); } catch (e) { /* closing anyway */ } }
    }, openGiveUpMs);
    ws.onopen = function () {
      opened = true;  // failures are forgotten with the snapshot, not here: a busy server opens, then says 1013
      clearTimeout(timer);
      clearTimeout(slow);
      stopPolling();
      lastHeard = Date.now();
      root.setAttribute("data-live-mode", "socket");
    };
    ws.onmessage = function (ev) {
      lastHeard = Date.now();
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.spread != null) takeSpread(msg.spread);
      if (msg.type === "snapshot") { failures = 0; busy = 0; socketBeats = msg.beats === true; applyAll(msg.sessions); }
      else if (msg.type === "session") apply(msg);
      else if (msg.type === "beat" && msg.stop) stopHeartbeat(String(msg.session));
    };
    ws.onclose = function (ev) {
      clearTimeout(timer);
      clearTimeout(slow);
      if (socket === ws) { socket = null; socketBeats = false; }
      if (ev.code === 4403 || ev.code === 4404 || ev.code === 4429) {
        // Not allowed to listen (e.g. a revoked ticket): the public status is still there to poll.
        refused = true;
        startPolling();
        return;
      }
      if (ev.code === 1013) {
        // The server is up but busy (a reconnect storm): it takes connects at its rate and refuses the rest at
        // once. Come back soon, at a fresh random moment of a short window: a third of the first window, then
        // two thirds, then the first window for as long as the node stays busy (busyDelay). Measured: refused
        // sockets waiting out doubled 30 and 60 s windows left the node idle. Not a failure, and no polling
        // meanwhile (it would add to the busy node's load). 1012 (restart) and network failures double.
        busy++;
        var wait = busyDelay(busy);
        root.setAttribute("data-reconnect-in", String(Math.round(wait)));
        setTimeout(connect, wait);
        return;
      }
      busy = 0;
      failures++;
      if (!opened || failures >= 2) startPolling();
      retry();
    };
  }

  // Full jitter: a node restart closes thousands of sockets in the same second; each comes back at a
  // random moment of a window that doubles per failure, so the servers see a spread, not a wall.
  function reconnectDelay(failureCount) {
    var windowMs = Math.min(RECONNECT_MAX_MS, reconnectMs * Math.pow(2, Math.max(0, Math.min(failureCount, 7) - 1)));
    return RECONNECT_MIN_MS + Math.random() * Math.max(0, windowMs - RECONNECT_MIN_MS);
  }

  // After the n-th 1013 in a row: 0.5 s + random × (window − 0.5 s), the window n thirds of the first, at most
  // the first. A refusal is a whole handshake to the node, so a long storm's refused sockets come back no
  // faster than the first window spreads them; a short one's are back while the node still has time for them.
  function busyDelay(count) {
    var windowMs = Math.min(reconnectMs, reconnectMs * Math.min(count, 3) / 3);
    return RECONNECT_MIN_MS + Math.random() * Math.max(0, windowMs - RECONNECT_MIN_MS);
  }

  function retry() {
    var delay = reconnectDelay(failures);
    root.setAttribute("data-reconnect-in", String(Math.round(delay)));
    setTimeout(connect, delay);
  }

  // ------------------------------------------------------------ heartbeat
  var beats = {};

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function beat(id) {
    if (!secret) return;
    // The open socket carries the beat when the server said it takes them (its snapshot's "beats"): no request
    // of its own (issue 15). Nothing comes back, unless the person did not join that session ("stop").
    if (socketBeats && socket && socket.readyState === 1) {
      try { socket.send(JSON.stringify({type: "beat", session: Number(id)})); return; } catch (e) { /* POST it */ }
    }
    if (!window.fetch) return;
    fetch("/t/" + encodeURIComponent(secret) + "/heartbeat/" + encodeURIComponent(id) + "/", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}
    }).then(function (r) {
      if (r.status === 404 || r.status === 410 || r.status === 403) stopHeartbeat(id);
    }).catch(function () {});
  }

  function startHeartbeat(id) {
    if (!id || beats[id] || !secret) return;
    // Beats go on while the page sits in the background: on a phone the meeting app is in front.
    // Jittered (issue 15): the first at a random moment of the first minute, then every 54-66 s, so a
    // herd that joined in the same second does not beat in the same second ever after. The server
    // counts whole minutes and carries the rest, so the jitter costs no minute.
    var entry = beats[id] = {timer: null};
    function next(delay) {
      entry.timer = setTimeout(function () {
        if (beats[id] !== entry) return;
        beat(id);
        next(HEARTBEAT_MS * (0.9 + 0.2 * Math.random()));
      }, delay);
    }
    next(HEARTBEAT_MS * Math.random());
    try { sessionStorage.setItem("rakor-joined-" + slug, id); } catch (e) { /* private mode */ }
  }

  function stopHeartbeat(id) {
    if (!id || !beats[id]) return;
    clearTimeout(beats[id].timer);
    delete beats[id];
  }

  // ------------------------------------------------------------ start
  renderAll();
  // A join window opens by the clock too (minutes before the start), not only by a status change.
  setInterval(renderAll, 15000);
  setInterval(quietCheck, Math.min(15000, QUIET_NEAR_MS));
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
