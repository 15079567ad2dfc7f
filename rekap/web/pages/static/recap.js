// The operator's recap page: uploads the D-form photo, enters the figures and takes the plenary's steps
// through the JSON API with the operator's token (kept in this tab's sessionStorage only).
(function () {
  "use strict";
  var form = document.getElementById("recap-form");
  if (!form) return;
  var api = form.getAttribute("data-recap-api");
  var box = form.querySelector("[data-recap-message]");
  var token = form.elements.token;
  var msgs = JSON.parse(document.getElementById("msgs").textContent || "{}");
  var KEY = "rekap.operator-token";
  token.value = sessionStorage.getItem(KEY) || "";
  var left = sessionStorage.getItem("rekap.recap-message");
  if (left) { sessionStorage.removeItem("rekap.recap-message"); say(left, false); }

  function say(text, refused) {
    box.textContent = text;
    box.classList.toggle("refused", !!refused);
  }

  function auth(extra) {
    var secret = token.value.trim();
    if (!secret) throw new Error(msgs["recap.need_token"]);
    sessionStorage.setItem(KEY, secret);
    var h = { Authorization: "Bearer " + secret };
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }

  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) throw new Error(msgs["recap.refused"] + ": " + (body.detail || r.status));
      return body;
    });
  }

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function upload(file) {
    say(msgs["recap.uploading"], false);
    return file.arrayBuffer().then(function (buf) {
      return crypto.subtle.digest("SHA-256", buf).then(function (digest) {
        var sha = hex(digest);
        return fetch("/api/v1/photos/" + sha, { method: "PUT", headers: auth({ "Content-Type": file.type || "image/jpeg" }), body: buf })
          .then(answer).then(function () { return sha; });
      });
    });
  }

  function whole(name) { return parseInt(form.elements[name].value, 10); }

  function figures(photos) {
    var votes = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name^='votes.']"), function (el) {
      votes[el.name.slice(6)] = parseInt(el.value, 10);
    });
    var result = { votes: votes };
    ["valid", "invalid", "used", "unused", "damaged", "dpt", "dptb", "dpk", "voters"].forEach(function (f) { result[f] = whole(f); });
    var reason = form.elements.reason.value.trim();
    return { result: result, photos: photos, reason: reason || null };
  }

  function done(body) {
    sessionStorage.setItem("rekap.recap-message", msgs["recap.saved"].replace("{seq}", body.seq));
    location.reload();
  }

  function failed(err) { say(err.message, true); }

  function send(method, path, body) {
    return fetch(api + path, { method: method, headers: auth({ "Content-Type": "application/json" }), body: JSON.stringify(body || {}) })
      .then(answer);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    try {
      var file = form.elements.photo.files[0];
      var kept = (form.getAttribute("data-photos") || "").split(" ").filter(Boolean);
      var photos = file ? upload(file).then(function (sha) { return [sha]; }) : Promise.resolve(kept);
      photos.then(function (list) { return send("PUT", "", figures(list)); }).then(done).catch(failed);
    } catch (err) { failed(err); }
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-recap-step]"), function (button) {
    button.addEventListener("click", function () {
      var step = button.getAttribute("data-recap-step");
      var body = step === "sign-off" ? { explanation: form.elements.explanation.value }
        : step === "reopen" ? { reason: form.elements.reopen_reason.value } : {};
      try { send("POST", "/" + step, body).then(done).catch(failed); } catch (err) { failed(err); }
    });
  });
})();
