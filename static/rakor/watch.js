// The live-stream page (templates/attendance/join/watch.html): a heartbeat a minute while it is visible.
(function () {
  var url = document.getElementById("heartbeat").dataset.url;
  function beat() {
    if (document.visibilityState !== "visible") return;
    fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}", credentials: "omit"}).catch(function () {});
  }
  // Jittered (issue 15): a herd that opened the page together does not beat together; the server carries
  // the seconds, so a 54-66 s gap costs no minute.
  function next(delay) {
    setTimeout(function () { beat(); next(60000 * (0.9 + 0.2 * Math.random())); }, delay);
  }
  next(60000 * Math.random());
})();
