/* The hall's screen: the question on screen and the top waiting ones, live (socket, polling fallback). */
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root) return;
  var text = root.querySelector(".pj-text"), asker = root.querySelector(".pj-asker");
  var list = root.querySelector(".pj-list"), count = root.querySelector(".pj-waiting-count");
  function span(cls, value) { var s = document.createElement("span"); s.className = cls; s.textContent = value; return s; }
  function render(data) {
    if (!data || !data.waiting) return;
    var q = data.current;
    text.textContent = q ? q.text : root.getAttribute("data-label-none");
    asker.textContent = q ? q.asker + (q.unit ? " · " + q.unit : "") : "";
    list.textContent = "";
    data.waiting.slice(0, 5).forEach(function (w) {
      var li = document.createElement("li");
      li.appendChild(span("pj-votes", String(w.votes)));
      li.appendChild(span("pj-q", w.text));
      li.appendChild(span("pj-who", w.asker + (w.unit ? " · " + w.unit : "")));
      list.appendChild(li);
    });
    count.textContent = String(data.waiting_count);
    root.setAttribute("data-updated", String(Date.now()));
  }
  window.qaLive(root.getAttribute("data-ws"), root.getAttribute("data-poll"), render, {pollMs: 5000});
})();
