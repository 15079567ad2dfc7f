// The health coordinator's dashboard: reads /api/v1/health/dashboard with the coordinator's session (or a token
// typed in) and reads it again whenever /api/v1/health/events says something changed (an SSE stream read by
// fetch: a token needs a header). A session's writes carry the form token.
(() => {
  "use strict";
  const root = document.querySelector("[data-health]");
  const login = document.querySelector("[data-health-login]");
  if (!root || !login) return;
  const msgs = JSON.parse(document.getElementById("msgs").textContent);
  const m = (k) => msgs["health." + k] || k;
  const $ = (sel) => root.querySelector(sel);
  const session = "session" in root.dataset;
  let token = session ? "" : sessionStorage.getItem("rekap-health-token") || "";
  const auth = () => (session ? { "X-CSRF-Token": root.dataset.csrf } : { Authorization: "Bearer " + token });
  const minutes = (n) => `${Math.floor(n / 60)} ${m("h")} ${n % 60} ${m("min")}`;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // a declaration's risks come as codes ("age,condition:hipertensi,fitness"): said in the coordinator's language
  function riskText(codes) {
    return (codes || "").split(",").filter(Boolean).map((c) => {
      const [code, what] = c.split(":");
      return what ? `${m("risk_" + code)}: ${what}` : m("risk_" + code);
    }).join(", ");
  }

  function phoneLink(phone) {
    const a = el("a", "small", phone);
    a.href = "tel:" + phone;
    return a;
  }

  function show(d) {
    const counts = $("[data-health-counts]");
    counts.replaceChildren(...["open", "acknowledged", "resolved"].map((s) => {
      const b = el("p", "count " + s);
      b.append(el("b", "", String(d.counts[s] || 0)), " " + m("state_" + s));
      return b;
    }));
    const list = $("[data-health-alerts]");
    list.replaceChildren(...d.alerts.map((a) => {
      const li = el("li", "alert " + a.state);
      li.dataset.alert = a.id;
      li.dataset.kind = a.kind;
      li.append(el("b", "", m("kind_" + a.kind)), " · " + (a.name || a.officer_ref) + " · TPS " + a.tps);
      if (a.phone) li.append(" · ", phoneLink(a.phone));
      const detail = a.kind === "risk" ? riskText(a.detail) : a.detail;
      li.append(el("br"), el("span", "small muted", m("state_" + a.state) + (detail ? " · " + detail : "")));
      if (a.lat_e6 !== null && a.lon_e6 !== null) {
        li.append(el("br"), el("span", "small", `${(a.lat_e6 / 1e6).toFixed(6)}, ${(a.lon_e6 / 1e6).toFixed(6)}`));
      }
      for (const action of a.state === "open" ? ["acknowledge", "resolve"] : a.state === "acknowledged" ? ["resolve"] : []) {
        const btn = el("button", "btn small", m(action));
        btn.type = "button";
        btn.addEventListener("click", () => act(a.id, action));
        li.append(" ", btn);
      }
      return li;
    }));
    if (!d.alerts.length) list.append(el("li", "muted", m("no_alerts")));
    $("[data-health-officers]").replaceChildren(...d.officers.map((o) => {
      const tr = el("tr", o.continuous_minutes >= d.limit_minutes ? "over" : "");
      tr.dataset.duty = o.state;
      const who = el("td", "", (o.name || o.officer_ref) + (o.risks.length ? " ⚠" : ""));
      who.append(el("br"), el("span", "small muted", m("duty_" + o.state)));
      if (o.phone) who.append(" · ", phoneLink(o.phone));
      tr.append(who, el("td", "", o.tps),
        el("td", "num", o.on_duty ? minutes(o.continuous_minutes) : "–"), el("td", "num", minutes(o.total_minutes)));
      return tr;
    }));
    $("[data-health-status]").textContent = `${root.dataset.limitLabel}: ${d.limit_minutes / 60} ${m("h")}`;
  }

  async function load() {
    const res = await fetch("/api/v1/health/dashboard", { headers: auth() });
    if (res.status === 401 || res.status === 403) { stopWith(m("denied")); return false; }
    if (res.ok) show(await res.json());
    return res.ok;
  }

  function stopWith(text) {
    sessionStorage.removeItem("rekap-health-token");
    if (session) { // logged in without the health permission: say so, there is no token to try
      $("[data-health-status]").textContent = text;
      return;
    }
    root.hidden = true;
    login.hidden = false;
    const p = login.querySelector(".notice") || login.appendChild(el("p", "notice small"));
    p.textContent = text;
  }

  async function act(id, action) {
    await fetch(`/api/v1/health/alerts/${id}/${action}`, { method: "POST", headers: auth() });
    load();
  }

  async function listen() {
    for (;;) {
      try {
        const res = await fetch("/api/v1/health/events", { headers: auth() });
        if (!res.ok) return;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            if (block.includes("event: change")) load();
          }
        }
      } catch (err) { /* the connection dropped: open it again */ }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  async function start() {
    login.hidden = true;
    root.hidden = false;
    if (await load()) listen();
  }

  login.addEventListener("submit", (e) => {
    e.preventDefault();
    token = login.querySelector("input").value.trim();
    sessionStorage.setItem("rekap-health-token", token);
    start();
  });
  if (session || token) start();
})();
