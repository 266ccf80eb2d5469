// Day tabs of the agenda fragment. Without JavaScript every day is shown in order.
(function () {
  "use strict";
  document.querySelectorAll("section.agenda").forEach(function (agenda) {
    var tabs = Array.prototype.slice.call(agenda.querySelectorAll(".day-tab"));
    if (!tabs.length) return;
    function show(tab) {
      tabs.forEach(function (t) {
        var panel = document.getElementById(t.getAttribute("aria-controls"));
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        if (panel) { if (on) panel.setAttribute("data-current", ""); else panel.removeAttribute("data-current"); }
      });
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function (e) { e.preventDefault(); show(tab); });
      tab.addEventListener("keydown", function (e) {
        var next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length] : null;
        if (next) { e.preventDefault(); show(next); next.focus(); }
      });
    });
    var current = tabs.filter(function (t) { return t.getAttribute("aria-selected") === "true"; })[0] || tabs[0];
    var fromHash = tabs.filter(function (t) { return t.getAttribute("href") === location.hash; })[0];
    show(fromHash || current);
    agenda.classList.add("tabs-on");
  });
})();
