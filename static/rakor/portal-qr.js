// The portal's ticket QR, drawn here from the signed payload (templates/attendance/public/portal.html):
// the server draws nothing for a participant whose browser runs scripts (issue 15, "the online herd").
// The box carries the payload in data-qr-ticket; without scripts the page shows /t/<secret>/qr.svg from
// its <noscript>, which a browser running scripts never fetches.
// Error correction M like rakor/qr.py, byte mode (UTF-8), the encoder's own choice of mask (any mask
// decodes), a quiet zone of 4 modules. tests/e2e/test_portal_qr_browser.py decodes it with the scanner's jsQR.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var QUIET = 4;

  // Where the encoder did not load or failed, the box shows the server's image after all.
  function fallback(box) {
    var img = document.createElement("img");
    img.className = "qr";
    img.src = box.getAttribute("data-qr-src");
    img.alt = box.getAttribute("data-qr-label") || "QR";
    box.appendChild(img);
  }

  function draw(box) {
    var payload = box.getAttribute("data-qr-ticket");
    if (typeof window.qrcode !== "function") throw new Error("qrcode.js did not load");
    window.qrcode.stringToBytes = window.qrcode.stringToBytesFuncs["UTF-8"];
    var code = window.qrcode(0, "M");  // 0: the smallest version that holds the payload
    code.addData(payload, "Byte");
    code.make();
    var n = code.getModuleCount(), size = n + 2 * QUIET, d = [];
    // One path of horizontal runs of dark modules: few nodes, and no seams between neighbours.
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (!code.isDark(r, c)) continue;
        var start = c;
        while (c + 1 < n && code.isDark(r, c + 1)) c++;
        d.push("M" + (start + QUIET) + " " + (r + QUIET) + "h" + (c - start + 1) + "v1h-" + (c - start + 1) + "z");
      }
    }
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "qr");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", box.getAttribute("data-qr-label") || "QR");
    svg.setAttribute("shape-rendering", "crispEdges");
    var back = document.createElementNS(SVG, "rect");
    back.setAttribute("width", size);
    back.setAttribute("height", size);
    back.setAttribute("fill", "#fff");
    var dark = document.createElementNS(SVG, "path");
    dark.setAttribute("d", d.join(""));
    dark.setAttribute("fill", "#000");
    svg.appendChild(back);
    svg.appendChild(dark);
    box.appendChild(svg);
    box.setAttribute("data-qr-drawn", "");
  }

  var boxes = document.querySelectorAll("[data-qr-ticket]");
  for (var i = 0; i < boxes.length; i++) {
    try {
      draw(boxes[i]);
    } catch (e) {
      fallback(boxes[i]);
    }
  }
})();
