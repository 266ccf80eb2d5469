// A form with data-confirm="question" asks that question before it is sent (instead of an inline
// onsubmit handler, which the Content-Security-Policy does not run).
document.addEventListener("submit", function (e) {
  var form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
});
