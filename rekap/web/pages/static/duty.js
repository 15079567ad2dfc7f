// An officer's duty page: sends its forms with fetch (the CSRF token as a header), adds the phone's location to a
// call for help when the phone allows it, counts the hours on duty up between visits, and says plainly when a form
// was not sent, with a button to send it again. A check-in's time is the server's when it arrives, so nothing is
// queued to go out later with a time that is no longer true.
"use strict";
(function () {
  const root = document.querySelector("[data-duty]");
  if (!root) return;
  const msgs = JSON.parse(document.getElementById("msgs").textContent);
  const m = (k, f) => (msgs["duty." + k] || k).replace(/\{(\w+)\}/g, (_, x) => (f && x in f ? f[x] : ""));
  const box = root.querySelector("[data-sendstate]");
  const boxText = root.querySelector("[data-sendstate-text]");
  const retry = root.querySelector("[data-retry]");
  let pending = null; // the form and its fields that did not go out

  // --- hours on duty, counted up from what the server said when the page was made ---------------------------
  const shownAt = Date.now();
  const seconds = { duty: +root.dataset.dutySeconds, continuous: +root.dataset.continuousSeconds };
  function tick() {
    if (root.dataset.state !== "on") return;
    const gone = Math.floor((Date.now() - shownAt) / 1000);
    for (const [k, v] of Object.entries(seconds)) {
      const s = v + gone;
      const el = root.querySelector(`[data-hours="${k}"]`);
      if (el) el.textContent = m("hm", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
    }
  }
  setInterval(tick, 30000);

  // --- sending ---------------------------------------------------------------------------------------------
  function say(text, state) {
    box.hidden = !text;
    boxText.textContent = text || "";
    box.dataset.state = state;
    retry.hidden = state !== "unsent";
  }

  async function send(form, fields) {
    pending = null;
    say(m("sending"), "sending");
    let res;
    try {
      res = await fetch(form.action, {
        method: "POST", body: fields, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": root.dataset.csrf },
      });
    } catch (_) {
      res = null; // no network
    }
    if (res && res.ok) {
      location.replace(location.href); // the page again, as the server now sees the officer's day
      return;
    }
    if (!res || res.status >= 500 || res.status === 408 || res.status === 429) {
      pending = { form, fields };
      say(m("unsent"), "unsent");
      return;
    }
    let reason = res.statusText;
    try {
      reason = (await res.json()).detail || reason;
    } catch (_) { /* not problem+json */ }
    say(m("refused", { reason }), "refused");
  }

  function position() {
    // where the phone is, if it may say; a call for help never waits long for it
    return new Promise((resolve) => {
      if (!("geolocation" in navigator)) return resolve(null);
      navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  root.querySelectorAll("form[data-duty-form]").forEach((form) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const fields = new URLSearchParams(new FormData(form));
      if (ev.submitter && ev.submitter.name) fields.set(ev.submitter.name, ev.submitter.value);
      if (form.dataset.dutyForm === "help") {
        say(m("locating"), "sending");
        const at = await position();
        if (at) {
          fields.set("lat_e6", String(Math.round(at.latitude * 1e6)));
          fields.set("lon_e6", String(Math.round(at.longitude * 1e6)));
        }
      }
      send(form, fields);
    });
  });
  retry.addEventListener("click", () => {
    if (pending) send(pending.form, pending.fields);
  });
})();
