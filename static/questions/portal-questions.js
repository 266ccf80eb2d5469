/* The participant's question page: live list (socket, polling fallback) and upvotes without reloading.
 * Everything from the server goes in with textContent: a question's text is never HTML here. */
(function () {
  "use strict";
  var board = document.getElementById("qa-board");
  if (!board) return;
  var voted = {};
  try { JSON.parse(document.getElementById("qa-voted").textContent).forEach(function (id) { voted[id] = true; }); } catch (e) {}
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var voteOpen = board.getAttribute("data-vote-open") === "1";
  var voteBase = board.getAttribute("data-vote");  // .../dukung/0/

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function item(q) {
    var li = el("li", "qa-item" + (q.on_screen ? " on-screen" : ""));
    li.id = "q-" + q.id;
    li.appendChild(el("p", "qa-text", q.text));
    var who = el("p", "qa-asker", q.asker);
    if (q.unit) { who.appendChild(document.createTextNode(" · ")); who.appendChild(el("span", "qa-unit", q.unit)); }
    li.appendChild(who);
    if (q.answer) {
      var a = el("p", "qa-answer");
      a.appendChild(el("strong", null, board.getAttribute("data-label-answer")));
      a.appendChild(document.createTextNode(" " + q.answer));
      li.appendChild(a);
    }
    var box = el("div", "qa-vote");
    var count = el("span", "qa-count", String(q.votes));
    count.setAttribute("aria-label", board.getAttribute("data-label-votes"));
    box.appendChild(count);
    if (voteOpen && q.status === "approved" && csrf) {
      var b = el("button", "secondary", voted[q.id] ? board.getAttribute("data-label-voted") : board.getAttribute("data-label-vote"));
      b.type = "button";
      b.disabled = !!voted[q.id];
      b.addEventListener("click", function () { vote(q.id, b, count); });
      box.appendChild(b);
    }
    li.appendChild(box);
    return li;
  }
  function fill(name, list) {
    var ul = board.querySelector('[data-list="' + name + '"]');
    if (!ul) return;
    ul.textContent = "";
    list.forEach(function (q) { ul.appendChild(item(q)); });
  }
  function render(data) {
    if (!data || !data.waiting) return;
    if (data.voted) data.voted.forEach(function (id) { voted[id] = true; });
    fill("current", data.current ? [data.current] : []);
    board.querySelector(".qa-current").hidden = !data.current;
    fill("waiting", data.waiting);
    fill("answered", data.answered || []);
    var answeredHeading = board.querySelector('[data-heading="answered"]');
    if (answeredHeading) answeredHeading.hidden = !(data.answered || []).length;
    var empty = board.querySelector('[data-empty="waiting"]');
    if (empty) empty.hidden = data.waiting.length > 0;
  }
  function vote(id, button, count) {
    button.disabled = true;
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf.value);
    fetch(voteBase.replace(/\/0\/$/, "/" + id + "/"), {method: "POST", credentials: "same-origin", body: body,
      headers: {"Accept": "application/json", "X-CSRFToken": csrf.value}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.result === "ok" || data.result === "already_voted") {
          voted[id] = true;
          button.textContent = board.getAttribute("data-label-voted");
          if (data.result === "ok") count.textContent = String(parseInt(count.textContent, 10) + 1);
        } else { button.disabled = false; }
      })
      .catch(function () { button.disabled = false; });
  }
  window.qaLive(board.getAttribute("data-ws") + "?t=" + encodeURIComponent(board.getAttribute("data-secret")),
                board.getAttribute("data-poll"), function (data) {
                  if (data.type === "questions" || data.waiting) render(data);
                });
})();
