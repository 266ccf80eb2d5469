/* The moderator page: after each (coalesced) change the socket signals, fetch the lists again.
 * While the moderator is typing an answer note the refresh waits, so no text is lost. */
(function () {
  "use strict";
  var live = document.getElementById("qa-live"), lists = document.getElementById("qa-lists");
  if (!live || !lists) return;
  var pending = false, busy = false;
  function typing() {
    var a = document.activeElement;
    return a && lists.contains(a) && (a.tagName === "TEXTAREA" || a.tagName === "SELECT") ;
  }
  function refresh() {
    if (typing()) { pending = true; return; }
    if (busy) { pending = true; return; }
    busy = true; pending = false;
    fetch(live.getAttribute("data-list"), {credentials: "same-origin", cache: "no-cache"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html != null) lists.innerHTML = html; })
      .catch(function () {})
      .then(function () { busy = false; if (pending) setTimeout(refresh, 250); });
  }
  lists.addEventListener("focusout", function () { if (pending) setTimeout(refresh, 300); });
  var first = true;
  window.qaLive(live.getAttribute("data-ws"), null, function () {
    if (first) { first = false; return; }  // the snapshot on connect: the page is fresh already
    refresh();
  }, {pollMs: 15000});
  setInterval(function () { if (!typing()) refresh(); }, 30000);  // safety net when the socket is blocked
})();
