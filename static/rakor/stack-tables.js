// Wide tables become stacked cards on a phone (site.css, table.stacked): each cell gets its column's name.
// Without JavaScript the tables stay tables inside their scrolling box.
(function () {
  "use strict";
  function label(table) {
    var heads = table.querySelectorAll("thead th");
    if (heads.length < 3 || table.classList.contains("no-stack")) return;
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    var rows = table.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var col = 0;
      for (var c = 0; c < rows[r].cells.length; c++) {
        var cell = rows[r].cells[c];
        if (names[col] && cell.getAttribute("data-label") !== names[col]) cell.setAttribute("data-label", names[col]);
        col += cell.colSpan || 1;
      }
    }
    table.classList.add("stacked");
    if (!table.__rakorStacked && window.MutationObserver) {
      // Live pages (the dashboard) redraw their rows: label the new ones too.
      table.__rakorStacked = true;
      new MutationObserver(function () { label(table); }).observe(table, {childList: true, subtree: true});
    }
  }
  function all(root) {
    var tables = (root || document).querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) label(tables[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { all(); });
  else all();
  window.rakorStackTables = all;  // pages that redraw a table call it again
})();
