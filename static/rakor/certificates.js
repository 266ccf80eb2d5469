// Certificates console (templates/certificates/organiser.html): the bulk run's progress bar.
(function () {
  var box = document.getElementById("run");
  if (!box || box.dataset.status !== "running") return;
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      document.getElementById("run-done").textContent = d.done;
      document.getElementById("run-total").textContent = d.total;
      document.getElementById("run-bar").value = d.percent;
      document.getElementById("run-label").textContent = d.status_label || "";
      document.getElementById("run-error").textContent = d.error || "";
      if (d.status === "running") { setTimeout(poll, 1500); } else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
