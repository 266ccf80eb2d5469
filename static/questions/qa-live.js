/* Shared by the questions pages: a WebSocket with a polling fallback.
 * qaLive(wsPath, pollUrl, onData, opts): opens ws(s)://host + wsPath; every message (JSON) goes to onData.
 * When the socket cannot open or drops, polls pollUrl every opts.pollMs (onData again) and retries the socket.
 * A close with 4403/4404 (not allowed / unknown) stops the socket for good; polling still answers what HTTP allows.
 */
(function () {
  "use strict";
  window.qaLive = function (wsPath, pollUrl, onData, opts) {
    opts = opts || {};
    var pollMs = opts.pollMs || 10000, socket = null, pollTimer = null, retry = 1000, stopped = false;
    function poll() {
      if (!pollUrl) return;
      fetch(pollUrl, {credentials: "same-origin", cache: "no-cache", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) onData(data, "poll"); })
        .catch(function () {});
    }
    function startPolling() { if (!pollTimer) { poll(); pollTimer = setInterval(poll, pollMs); } }
    function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }
    function connect() {
      if (stopped || !wsPath || !window.WebSocket) { startPolling(); return; }
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + wsPath;
      try { socket = new WebSocket(url); } catch (e) { startPolling(); return; }
      socket.onopen = function () { retry = 1000; stopPolling(); };
      socket.onmessage = function (ev) {
        try { onData(JSON.parse(ev.data), "socket"); } catch (e) { /* ignore a bad message */ }
      };
      socket.onclose = function (ev) {
        startPolling();
        if (ev.code === 4403 || ev.code === 4404) { stopped = true; return; }
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      };
    }
    connect();
    return {poll: poll};
  };
})();
