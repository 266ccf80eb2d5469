// A button with data-copy="text" copies the text (templates/attendance/coordinator/registrations.html),
// then shows its data-done label; where the clipboard is not available the text is offered to copy by hand.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (!b) return;
  var text = b.getAttribute("data-copy");
  var done = function () { b.textContent = b.getAttribute("data-done"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { window.prompt("", text); });
  } else {
    window.prompt("", text);
  }
});
