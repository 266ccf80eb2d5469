/* Inline NIP check on the registration form. Progressive enhancement only: the
   server checks everything again, and this never blocks submitting the form. */
(function () {
  "use strict";
  var input = document.getElementById("id_id_number");
  var hint = document.getElementById("nip-hint");
  var data = document.getElementById("nip-messages");
  if (!input || !hint || !data) return;
  var M = JSON.parse(data.textContent);

  function fmt(s, p) {
    return s.replace(/%\((\w+)\)[sd]/g, function (_, k) { return p[k]; });
  }
  function realDate(y, m, d) {
    var t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }
  function kind() {
    var c = document.querySelector('input[name="id_kind"]:checked');
    return c ? c.value : "nip";
  }
  // Same rules and sentences as attendance.identity.validate_nip.
  function check(raw) {
    var nip = raw.replace(/[\s.\-]/g, "");
    if (!nip) return [];
    var bad = nip.replace(/[0-9]/g, "");
    if (bad) {
      var seen = {}, chars = [];
      bad.split("").sort().forEach(function (c) { if (!seen[c]) { seen[c] = 1; chars.push("'" + c + "'"); } });
      return [fmt(M.digits, {chars: chars.join(" ")})];
    }
    if (nip.length !== 18) return [fmt(M.length, {n: nip.length})];
    var errs = [], by = +nip.slice(0, 4), bm = +nip.slice(4, 6), bd = +nip.slice(6, 8);
    var birthOk = realDate(by, bm, bd);
    if (!birthOk) errs.push(fmt(M.birth, {part: nip.slice(0, 8)}));
    else if (by < 1940 || by > M.this_year - 15) { errs.push(fmt(M.birth_year, {part: nip.slice(0, 4)})); birthOk = false; }
    var ay = +nip.slice(8, 12), am = +nip.slice(12, 14), appOk = am >= 1 && am <= 12 && ay >= 1950 && ay <= M.this_year + 1;
    if (!appOk) errs.push(fmt(M.appointment, {part: nip.slice(8, 14)}));
    if (birthOk && appOk && (ay * 12 + am) <= (by * 12 + bm)) errs.push(fmt(M.order, {app: nip.slice(8, 14), birth: nip.slice(0, 8)}));
    if ("12".indexOf(nip.charAt(14)) < 0) errs.push(fmt(M.gender, {part: nip.charAt(14)}));
    if (nip.slice(15, 18) === "000") errs.push(M.sequence);
    return errs;
  }
  function show(final) {
    if (kind() !== "nip") { hint.textContent = ""; hint.className = "js-hint"; return; }
    var v = input.value, errs = check(v), digits = v.replace(/[\s.\-]/g, "");
    // While typing, only complain about what is already certain (letters, too long).
    if (!final && errs.length && digits.length < 18 && /^[0-9]*$/.test(digits)) errs = [];
    hint.textContent = errs.length ? errs.join(" ") : (digits.length === 18 ? M.ok : "");
    hint.className = "js-hint" + (errs.length ? " bad" : (digits.length === 18 ? " good" : ""));
    input.setAttribute("aria-invalid", errs.length ? "true" : "false");
  }
  input.addEventListener("input", function () { show(false); });
  input.addEventListener("blur", function () { show(true); });
  document.querySelectorAll('input[name="id_kind"]').forEach(function (r) { r.addEventListener("change", function () { show(true); }); });
})();
