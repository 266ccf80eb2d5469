// The unit picker (rakor/widgets.py UnitPicker): a <select data-unit-picker> becomes a search box.
// Without this script the <select> works as it is. The query is normalised with the same
// abbreviation table as the server's rakor/unit_names.py (sent in data-abbreviations), and so is each
// option's search text (its name, data-short, data-code and the province its group names).
(function () {
  "use strict";
  var MAX_RESULTS = 50;

  function normaliser(table) {
    return function (text) {
      var plain = (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
      return plain.split(/[^0-9a-z]+/).filter(Boolean).map(function (w) {
        return Object.prototype.hasOwnProperty.call(table, w) ? table[w] : w;
      }).join(" ");
    };
  }

  // A group is "<kind> · <province>" (rakor/widgets.py unit_groups): only the province is searched, since the
  // kind's label ("Kab/Kota") would make every district office match "kabupaten".
  function province(group) {
    var at = group.lastIndexOf(" · ");
    return at >= 0 ? group.slice(at + 3) : "";
  }

  function enhance(select) {
    var normalise = normaliser(JSON.parse(select.dataset.abbreviations || "{}"));
    var options = [];
    Array.prototype.forEach.call(select.querySelectorAll("option"), function (o) {
      if (!o.value) return;
      var group = o.parentNode.tagName === "OPTGROUP" ? o.parentNode.label : "";
      var short = o.dataset.short || "";
      options.push({ value: o.value, name: o.textContent, short: short, group: group,
                     search: normalise([o.textContent, short, o.dataset.code || "", province(group)].join(" ")) });
    });
    var id = (select.id || "unit") + "-picker";
    var wrap = document.createElement("div");
    wrap.className = "unit-picker";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "unit-picker-input";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("aria-label", select.dataset.label || "");
    input.placeholder = select.dataset.placeholder || "";
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "unit-picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var chosen = document.createElement("p");
    chosen.className = "unit-picker-chosen";
    chosen.setAttribute("aria-live", "polite");
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(chosen);
    select.parentNode.insertBefore(wrap, select);
    // The select stays as it is (what the form sends, and the whole list for whoever prefers to browse it);
    // the box above it finds a unit by any part of its name, short name or code and chooses it there.
    select.classList.add("unit-picker-native");
    select.addEventListener("change", showChosen);

    var active = -1, shown = [];

    function showChosen() {
      var o = select.options[select.selectedIndex];
      if (o && o.value) {
        chosen.textContent = (select.dataset.chosen || "") + " " + o.textContent;
        input.value = o.textContent;
      } else {
        chosen.textContent = "";
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(item) {
      select.value = item.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      showChosen();
      close();
    }

    function highlight(i) {
      var items = list.querySelectorAll('[role="option"]');
      if (!items.length) return;
      active = (i + items.length) % items.length;
      Array.prototype.forEach.call(items, function (el, k) { el.setAttribute("aria-selected", k === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function search() {
      var words = normalise(input.value).split(" ").filter(Boolean);
      list.textContent = "";
      shown = [];
      if (!words.length) { close(); return; }
      var lastGroup = null;
      for (var i = 0; i < options.length && shown.length < MAX_RESULTS; i++) {
        var o = options[i];
        if (!words.every(function (w) { return o.search.indexOf(w) !== -1; })) continue;
        if (o.group !== lastGroup) {
          var head = document.createElement("li");
          head.className = "unit-picker-group";
          head.setAttribute("role", "presentation");
          head.textContent = o.group;
          list.appendChild(head);
          lastGroup = o.group;
        }
        var li = document.createElement("li");
        li.id = id + "-" + o.value;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = String(shown.length);
        li.textContent = o.name;
        if (o.short) {
          var s = document.createElement("small");
          s.textContent = " " + o.short;
          li.appendChild(s);
        }
        list.appendChild(li);
        shown.push(o);
      }
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "unit-picker-none";
        none.setAttribute("role", "presentation");
        none.textContent = select.dataset.empty || "";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    input.addEventListener("input", search);
    input.addEventListener("focus", function () { if (input.value && select.value === "") search(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) search(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter" && !list.hidden) {
        e.preventDefault();
        if (active >= 0 && shown[active]) choose(shown[active]);
        else if (shown.length === 1) choose(shown[0]);
      } else if (e.key === "Escape") { close(); }
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the box
    list.addEventListener("click", function (e) {
      var li = e.target.closest('[role="option"]');
      if (li) choose(shown[Number(li.dataset.index)]);
    });
    input.addEventListener("blur", function () {
      close();
      showChosen();
    });
    showChosen();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-unit-picker]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
