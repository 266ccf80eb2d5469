/* Minutes editor: autosave every few seconds, who else is here (WebSocket), notice of others' saves.
   The page works without this file: the form posts as usual. */
(function () {
  "use strict";
  var form = document.getElementById("mn-editor");
  var bar = document.getElementById("mn-presence");
  var status = document.querySelector(".mn-autosave");
  var T = {
    saved: document.documentElement.lang === "en" ? "Autosaved at " : "Tersimpan otomatis pukul ",
    failed: document.documentElement.lang === "en" ? "Autosave failed; your text is still here." : "Simpan otomatis gagal; teks Anda masih di sini.",
    newer: document.documentElement.lang === "en" ? " saved revision " : " menyimpan revisi ",
    merge: document.documentElement.lang === "en" ? ". Saving will show their changes next to yours to merge." : ". Saat Anda menyimpan, perubahan mereka ditampilkan di samping teks Anda untuk digabungkan.",
    nobody: document.documentElement.lang === "en" ? "only you" : "hanya Anda"
  };

  function csrf() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function fields() {
    var out = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || typeof value !== "string") return;
      if (key in out) { out[key] = [].concat(out[key], value); } else { out[key] = value; }
    });
    return out;
  }

  var dirty = false, last = "", socket = null;
  if (form) {
    last = JSON.stringify(fields());
    form.addEventListener("input", function () {
      dirty = true;
      if (socket && socket.readyState === 1) { try { socket.send(JSON.stringify({type: "editing"})); } catch (e) {} }
    });
    form.addEventListener("submit", function () { dirty = false; });
    setInterval(function () {
      if (!dirty) return;
      var body = fields(), text = JSON.stringify(body);
      if (text === last) { dirty = false; return; }
      fetch(form.dataset.autosaveUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({fields: body})
      }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          last = text; dirty = false;
          if (status) status.textContent = T.saved + data.saved_at;
        })
        .catch(function () { if (status) status.textContent = T.failed; });
    }, 5000);
    window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  }

  if (!bar || !("WebSocket" in window)) return;
  var names = bar.querySelector(".names"), notice = bar.querySelector(".saved-elsewhere");
  var me = bar.dataset.me, others = {};
  function render() {
    names.textContent = "";
    var keys = Object.keys(others);
    if (!keys.length) { names.textContent = T.nobody; return; }
    keys.forEach(function (k) {
      var span = document.createElement("span");
      span.className = "who" + (others[k].editing ? " editing" : "");
      span.textContent = others[k].name;   // textContent: a name is never HTML
      names.appendChild(span);
    });
  }
  function connect(delay) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(proto + location.host + bar.dataset.wsPath);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (ev) {
      var msg; try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "welcome") { bar.hidden = false; render(); }
      else if (msg.type === "here" && msg.who) { others[msg.who.channel] = {name: msg.who.name}; render(); }
      else if (msg.type === "gone" && msg.who) { delete others[msg.who.channel]; render(); }
      else if (msg.type === "editing" && msg.who) {
        var o = others[msg.who.channel] || (others[msg.who.channel] = {name: msg.who.name});
        o.editing = true; render();
        clearTimeout(o.timer); o.timer = setTimeout(function () { o.editing = false; render(); }, 8000);
      }
      else if (msg.type === "saved") {
        var base = form ? parseInt((form.querySelector("input[name=base_revision]") || {}).value || "0", 10) : parseInt(bar.dataset.revision, 10);
        if (String(msg.by_id) !== String(me) && msg.revision > base) {
          notice.hidden = false;
          notice.textContent = msg.by + T.newer + msg.revision + (form ? T.merge : ".");
        }
      }
    };
    socket.onclose = function (ev) {
      others = {}; render();
      if (ev.code === 4403) { bar.hidden = true; return; }
      setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    };
  }
  connect(1000);
})();
