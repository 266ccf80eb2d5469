/* The portal's "Tanya" boxes: shown only while their session is live. The agenda's live status (live.js)
 * sets data-status on each session item; this follows it, so the box appears without a reload. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-qa-session]");
  if (!boxes.length) return;
  function sync() {
    for (var i = 0; i < boxes.length; i++) {
      var id = boxes[i].getAttribute("data-qa-session");
      var item = document.querySelector('[data-session-id="' + id + '"][data-status]');
      if (item) boxes[i].hidden = item.getAttribute("data-status") !== "live";
    }
  }
  var items = document.querySelectorAll("[data-session-id][data-status]");
  if (window.MutationObserver) {
    var observer = new MutationObserver(sync);
    for (var j = 0; j < items.length; j++) observer.observe(items[j], {attributes: true, attributeFilter: ["data-status"]});
  }
})();
