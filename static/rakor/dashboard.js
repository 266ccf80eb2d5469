/* Organisers' live attendance dashboard (templates/attendance/organiser/dashboard.html).
 *
 * Starts from the snapshot rendered into the page, then listens on the dashboard
 * WebSocket: every accepted door entry bumps the totals, its unit and province, the
 * arrivals chart and the "latest" list. Online counts come with a fresh snapshot
 * every minute. When the socket is down it polls the JSON snapshot every 10 s;
 * a refused socket (4403/4404) stops everything. A page for a fixed past day
 * (?day=) only polls. Text goes in with textContent: names are never HTML.
 */
(function () {
  "use strict";
  var root = document.getElementById("dash");
  if (!root) return;
  var state = JSON.parse(document.getElementById("snapshot").textContent);
  var statusEl = document.getElementById("status");
  var tz = root.dataset.tz;
  var timeFmt = new Intl.DateTimeFormat("id-ID", {hour: "2-digit", minute: "2-digit", timeZone: tz});
  var partsFmt = new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz});
  var numFmt = new Intl.NumberFormat("id-ID");
  var BUCKET = 15;
  var socket = null, pollTimer = null, retry = 1000, stopped = false;
  var fixedDay = root.dataset.fixedDay === "1";
  var SVG = "http://www.w3.org/2000/svg";

  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = numFmt.format(value); }
  function cell(tr, value, cls) { var td = document.createElement("td"); td.textContent = value; if (cls) td.className = cls; tr.appendChild(td); }
  function pct(r) { return r.expected ? Math.round(100 * r.present / r.expected) + "%" : "—"; }
  function fill(id, rows, cols) {
    var body = document.getElementById(id);
    if (!body) return;
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { var tr = document.createElement("tr"); cols(tr, r); if (r._fresh) tr.className = "fresh"; frag.appendChild(tr); });
    body.replaceChildren(frag);
  }
  function svg(tag, attrs, parent) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(el);
    return el;
  }
  function niceMax(v) {
    if (v <= 0) return 1;
    var m = Math.pow(10, String(Math.floor(v)).length - 1), steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (v <= steps[i] * m) return steps[i] * m;
    return 10 * m;
  }
  // The same drawing as rakor.charts.line_chart, for the live updates.
  function drawArrivals() {
    var box = document.getElementById("arrivals-chart");
    if (!box) return;
    var title = box.dataset.title, width = 720, height = 260, left = 48, right = 16, top = 30, bottom = 28;
    var pw = width - left - right, ph = height - top - bottom;
    var values = state.arrivals.map(function (a) { return a.total; });
    var labels = state.arrivals.map(function (a) { return a.t; });
    var peak = niceMax(Math.max.apply(null, values.concat([0])));
    var el = svg("svg", {viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img",
      "aria-label": title, "class": "chart line-chart", "font-family": "DejaVu Sans, Arial, sans-serif", "font-size": "12"});
    svg("title", {}, el).textContent = title;
    var t = svg("text", {x: 0, y: 16, "font-size": 14, "font-weight": "bold", fill: "#1f2933"}, el); t.textContent = title;
    [0, 0.5, 1].forEach(function (f) {
      var y = top + ph * (1 - f);
      svg("line", {x1: left, y1: y, x2: width - right, y2: y, stroke: "#dde1e6"}, el);
      var l = svg("text", {x: left - 6, y: y + 4, "text-anchor": "end", fill: "#5b6470"}, el);
      l.textContent = String(Math.round(peak * f * 10) / 10);
    });
    var n = values.length;
    if (n) {
      var step = n > 1 ? pw / (n - 1) : 0;
      var pts = values.map(function (v, i) { return [left + i * step, top + ph * (1 - v / peak)]; });
      var line = pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" ");
      var base = (top + ph).toFixed(1);
      svg("polygon", {points: pts[0][0].toFixed(1) + "," + base + " " + line + " " + pts[n - 1][0].toFixed(1) + "," + base,
        fill: "#0b5d3b", "fill-opacity": "0.15"}, el);
      svg("polyline", {points: line, fill: "none", stroke: "#0b5d3b", "stroke-width": "2.5"}, el);
      var every = Math.max(1, Math.ceil(n / 8));
      for (var i = 0; i < n; i += every) {
        var x = svg("text", {x: pts[i][0].toFixed(1), y: height - 8, "text-anchor": "middle", fill: "#5b6470"}, el);
        x.textContent = labels[i];
      }
      svg("circle", {cx: pts[n - 1][0].toFixed(1), cy: pts[n - 1][1].toFixed(1), r: 4, fill: "#0b5d3b"}, el);
      var last = svg("text", {x: (pts[n - 1][0] - 6).toFixed(1), y: (pts[n - 1][1] - 8).toFixed(1), "text-anchor": "end",
        "font-weight": "bold", fill: "#1f2933"}, el);
      last.textContent = String(values[n - 1]);
    }
    box.replaceChildren(el);
  }
  function render() {
    text("present", state.totals.present_today);
    text("expected", state.totals.expected_in_person_today);
    text("online-now", state.online ? state.online.now : 0);
    text("online-today", state.online ? state.online.joined_today : 0);
    var p = document.getElementById("present-pct");
    if (p) p.textContent = pct({present: state.totals.present_today, expected: state.totals.expected_in_person_today});
    fill("latest", state.latest, function (tr, c) { cell(tr, timeFmt.format(new Date(c.scanned_at))); cell(tr, c.name); cell(tr, c.unit); cell(tr, c.gate); });
    fill("per-unit", state.per_unit, function (tr, r) { cell(tr, r.unit); cell(tr, r.present, "num"); cell(tr, r.expected, "num"); cell(tr, pct(r), "num"); });
    fill("per-province", state.per_province, function (tr, r) { cell(tr, r.province || "—"); cell(tr, r.present, "num"); cell(tr, r.expected, "num"); cell(tr, pct(r), "num"); });
    drawArrivals();
  }
  function bump(list, match, make) {
    for (var i = 0; i < list.length; i++) if (match(list[i])) { list[i].present += 1; return; }
    var row = make(); row.present = 1; row.expected = 0; list.push(row);
  }
  function slotOf(iso) {
    var parts = partsFmt.formatToParts(new Date(iso)), h = 0, m = 0;
    parts.forEach(function (p) { if (p.type === "hour") h = +p.value; if (p.type === "minute") m = +p.value; });
    return h * 60 + m - (m % BUCKET);
  }
  function label(mins) { function two(n) { return (n < 10 ? "0" : "") + n; } return two(Math.floor(mins / 60)) + ":" + two(mins % 60); }
  function toMinutes(t) { var s = t.split(":"); return +s[0] * 60 + +s[1]; }
  function addArrival(iso) {
    var slot = slotOf(iso), a = state.arrivals;
    if (!a.length) { a.push({t: label(slot), n: 1, total: 1}); return; }
    var last = toMinutes(a[a.length - 1].t);
    if (slot < last) {  // a late-synced offline scan: count it where it belongs
      for (var i = 0; i < a.length; i++) {
        if (toMinutes(a[i].t) === slot) a[i].n += 1;
        if (toMinutes(a[i].t) >= slot) a[i].total += 1;
      }
      return;
    }
    while (last < slot) { last += BUCKET; a.push({t: label(last), n: 0, total: a[a.length - 1].total}); }
    a[a.length - 1].n += 1; a[a.length - 1].total += 1;
  }
  function apply(c) {
    // Only an accepted door entry of the day shown makes someone present.
    if (c.result !== "ok" || c.kind !== "entry" || c.session || c.day !== state.day) return;
    if (state.latest.some(function (x) { return x.id === c.id; })) return;
    state.totals.present_today += 1;
    bump(state.per_unit, function (r) { return r.unit === c.unit && r.province === c.province; }, function () { return {unit: c.unit, province: c.province}; });
    bump(state.per_province, function (r) { return r.province === c.province; }, function () { return {province: c.province}; });
    addArrival(c.scanned_at);
    state.latest.forEach(function (x) { delete x._fresh; });
    c._fresh = true;
    state.latest.unshift(c);
    state.latest.length = Math.min(state.latest.length, 20);
    render();
  }
  function setStatus(value, cls) { statusEl.textContent = value; statusEl.className = cls || ""; }
  function poll() {
    fetch(root.dataset.poll, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (r.status === 403) { stop(); throw new Error("forbidden"); } return r.json(); })
      .then(function (s) { state = s; render(); })
      .catch(function () {});
  }
  function startPolling() {
    if (pollTimer || stopped) return;
    setStatus(root.dataset.polling, "poll");
    poll(); pollTimer = setInterval(poll, 10000);
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }
  function stop() { stopped = true; stopPolling(); setStatus(root.dataset.forbidden, "off"); }
  function connect() {
    if (stopped || fixedDay || !("WebSocket" in window)) { startPolling(); return; }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.ws;
    try { socket = new WebSocket(url); } catch (e) { startPolling(); return; }
    socket.onopen = function () { retry = 1000; };
    socket.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.type === "snapshot") { state = msg; stopPolling(); setStatus(root.dataset.live, ""); render(); }
      else if (msg.type === "checkin") apply(msg);
    };
    socket.onclose = function (e) {
      socket = null;
      if (e.code === 4403 || e.code === 4404) { stop(); return; }
      startPolling();
      setTimeout(connect, retry); retry = Math.min(retry * 2, 60000);
    };
  }
  // A fresh snapshot every minute: online now, registrations that changed, the day that turned.
  setInterval(function () { if (socket && socket.readyState === 1) socket.send(JSON.stringify({type: "snapshot"})); }, 60000);
  window.rakorDashboard = {state: function () { return state; }};
  render();
  connect();
})();
