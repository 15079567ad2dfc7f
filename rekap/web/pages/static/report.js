// The field form: checks the C1 as it is typed with the server's own rules (served as data), downscales photos
// on the phone, and queues each report with its photos and Idempotency-Key in IndexedDB until the network takes
// it: queued → sending → accepted (with the receipt) or refused (with the reason). A retry never duplicates.
"use strict";
(function () {
  const root = document.querySelector("[data-report]");
  if (!root) return;
  const texts = JSON.parse(document.getElementById("report-msgs").textContent);
  const ui = texts.ui, ruleText = texts.rules;
  const tps = root.dataset.tps, csrf = root.dataset.csrf, maxSide = parseInt(root.dataset.maxSide, 10) || 2000;
  const fmt = (s, f) => s.replace(/\{(\w+)\}/g, (_, k) => (k in f ? f[k] : ""));
  let data = null;

  // --- the queue in IndexedDB ---------------------------------------------------------------------------
  function db() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("rekap-outbox", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction("outbox", mode);
      const out = fn(tx.objectStore("outbox"));
      tx.oncomplete = () => resolve(out && out.result !== undefined ? out.result : out);
      tx.onerror = () => reject(tx.error);
    });
  }
  const put = (item) => store("readwrite", (s) => s.put(item));
  const all = () => store("readonly", (s) => s.getAll());

  // --- the rules, as the server defines them --------------------------------------------------------------
  function term(name, r, facts) {
    if (name === "votes") return Object.values(r.votes).reduce((a, b) => a + b, 0);
    if (name.startsWith("tps.")) return facts[name.slice(4)];
    return r[name];
  }
  function fieldsOf(field, r) {
    if (field !== "*") return [[field, r[field]]];
    const out = data.rules.fields.map((f) => [f, r[f]]);
    Object.keys(r.votes).sort((a, b) => a - b).forEach((n) => out.push(["votes." + n, r.votes[n]]));
    return out;
  }
  const OPS = { "==": (a, b) => a === b, "<=": (a, b) => a <= b, ">=": (a, b) => a >= b };
  function findings(r, facts) {
    const out = [];
    for (const rule of data.rules.rules) {
      const terms = rule.terms.map((t) => term(t, r, facts));
      if (terms.some((v) => v === null || v === undefined || Number.isNaN(v))) continue; // unknown: not checked
      const expected = terms.reduce((s, v) => s + v, 0);
      for (const [name, got] of fieldsOf(rule.field, r)) {
        if (got === null || Number.isNaN(got)) continue;
        if (!OPS[rule.op](got, expected)) out.push({ rule: rule.id, field: name, expected, got, severity: rule.severity });
      }
    }
    return out;
  }

  // --- reading a form ----------------------------------------------------------------------------------
  function readForm(form) {
    const r = { votes: {} };
    let complete = true;
    form.querySelectorAll("input[type=number]").forEach((input) => {
      const v = input.value.trim() === "" ? null : parseInt(input.value, 10);
      if (v === null) complete = false;
      if (input.dataset.candidate) r.votes[input.dataset.candidate] = v;
      else r[input.name] = v;
    });
    return { r, complete };
  }
  function showFindings(form) {
    const { r } = readForm(form);
    const typed = (name) => {
      const input = form.querySelector(`[name="${name}"]`);
      return input && input.value.trim() !== "";
    };
    const contest = data.contests.find((c) => c.id === form.dataset.contest);
    const found = findings(r, (contest && contest.facts) || {}).filter((f) => typed(f.field));
    form.querySelectorAll("[data-finding-for]").forEach((p) => {
      const mine = found.filter((f) => f.field === p.dataset.findingFor);
      p.hidden = mine.length === 0;
      p.textContent = mine.map((f) => `${f.rule}: ${ruleText[f.rule] || f.rule} — ${fmt(ui.expected, f)}`).join("; ");
      p.classList.toggle("warn", mine.length > 0 && mine.every((f) => f.severity === "warning"));
      const input = form.querySelector(`[name="${p.dataset.findingFor}"]`);
      if (input) input.setAttribute("aria-invalid", mine.length ? "true" : "false");
    });
    return found;
  }

  // --- photos: downscaled in a canvas on the phone --------------------------------------------------------
  async function downscale(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.85));
    const sha = await sha256(await blob.arrayBuffer());
    return { sha, blob };
  }
  async function sha256(buf) {
    const digest = await crypto.subtle.digest("SHA-256", buf);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const photos = new Map(); // form → [{sha, blob}]
  function drawThumbs(form) {
    const ul = form.querySelector("[data-thumbs]");
    ul.textContent = "";
    (photos.get(form) || []).forEach((p, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(p.blob);
      img.alt = fmt(ui.photo_n, { n: i + 1 });
      const rm = document.createElement("button");
      rm.type = "button";
      rm.className = "btn small ghost";
      rm.textContent = ui.remove;
      rm.addEventListener("click", () => {
        photos.get(form).splice(i, 1);
        drawThumbs(form);
      });
      li.append(img, rm);
      ul.append(li);
    });
  }

  // --- review and queue --------------------------------------------------------------------------------
  function formError(form, message) {
    const p = form.querySelector("[data-form-error]");
    p.hidden = !message;
    p.textContent = message || "";
  }
  function review(form) {
    const { r, complete } = readForm(form);
    if (!complete) return formError(form, ui.need_all);
    const reason = form.querySelector("[name=reason]").value.trim();
    const corrects = form.querySelector("[name=corrects]").value;
    if (corrects && !reason) return formError(form, ui.need_reason);
    if (data.photo_required && !(photos.get(form) || []).length) return formError(form, ui.need_photo);
    formError(form, "");
    const rows = form.querySelector("[data-review-rows]");
    rows.textContent = "";
    if (corrects) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = fmt(ui.correcting, { seq: corrects });
      const td = document.createElement("td");
      td.textContent = reason;
      tr.append(th, td);
      rows.append(tr);
    }
    form.querySelectorAll("input[type=number]").forEach((input) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = form.querySelector(`label[for="${input.id}"]`).textContent;
      const td = document.createElement("td");
      td.className = "num";
      td.textContent = input.value;
      tr.append(th, td);
      rows.append(tr);
    });
    form.querySelector("[data-review-box]").hidden = false;
    form.querySelector("[data-review]").hidden = true;
    form.querySelector("[data-review-box]").scrollIntoView({ block: "nearest" });
    return r;
  }
  async function enqueue(form) {
    const r = review(form);
    if (!r) return;
    const corrects = form.querySelector("[name=corrects]").value;
    const body = {
      tps, contest: form.dataset.contest, result: r,
      photos: (photos.get(form) || []).map((p) => p.sha),
      corrects: corrects ? parseInt(corrects, 10) : null,
      reason: form.querySelector("[name=reason]").value.trim() || null,
    };
    const item = {
      key: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2),
      tps, contest: form.dataset.contest, body, photos: photos.get(form) || [], status: "queued", at: Date.now(),
    };
    await put(item);
    form.reset();
    endCorrection(form);
    photos.set(form, []);
    drawThumbs(form);
    form.querySelector("[data-review-box]").hidden = true;
    form.querySelector("[data-review]").hidden = false;
    showFindings(form);
    await drawOutbox();
    flush();
  }

  async function enqueuePhotos(form) {
    const shots = photos.get(form) || [];
    if (!shots.length) return formError(form, ui.need_photo);
    formError(form, "");
    const body = { tps, contest: form.dataset.contest, photos: shots.map((p) => p.sha) };
    const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    await put({ key, kind: "photos", tps, contest: form.dataset.contest, body, photos: shots, status: "queued", at: Date.now() });
    photos.set(form, []);
    drawThumbs(form);
    await drawOutbox();
    flush();
  }

  // --- sending: a result with its photos in one request, each send safe to repeat ------------------------
  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of await all()) {
        if (item.status !== "queued" && item.status !== "sending") continue;
        item.status = "sending";
        await put(item);
        await drawOutbox();
        const outcome = await send(item);
        Object.assign(item, outcome);
        await put(item);
        await drawOutbox();
        if (item.status === "queued") break; // the network is gone: try again when it returns
      }
    } finally {
      flushing = false;
    }
  }
  async function send(item) {
    const headers = { "X-CSRF-Token": csrf };
    try {
      if (item.kind !== "photos" && item.photos.length) {
        const form = new FormData();
        form.append("submission", new Blob([JSON.stringify(item.body)], { type: "application/json" }));
        for (const p of item.photos) form.append("photo", p.blob, "c1.jpg");
        const res = await fetch("/api/v1/submissions", {
          method: "POST", body: form, credentials: "same-origin", headers: { ...headers, "Idempotency-Key": item.key },
        });
        if (res.ok) return { status: "accepted", receipt: await res.json(), photos: [] };
        // 413: a proxy in front takes less at once than rekap does; then each photo alone, and the result after it
        if (res.status !== 413) return refusedOrQueued(res);
      }
      for (const p of item.photos) {
        const res = await fetch(`/api/v1/photos/${p.sha}`, {
          method: "PUT", body: p.blob, headers: { ...headers, "Content-Type": "image/jpeg" }, credentials: "same-origin",
        });
        if (!res.ok) return refusedOrQueued(res);
      }
      const res = await fetch(item.kind === "photos" ? "/api/v1/photo-reports" : "/api/v1/submissions", {
        method: "POST", body: JSON.stringify(item.body), credentials: "same-origin",
        headers: { ...headers, "Content-Type": "application/json", "Idempotency-Key": item.key },
      });
      if (!res.ok) return refusedOrQueued(res);
      return { status: "accepted", receipt: await res.json(), photos: [] };
    } catch (_) {
      return { status: "queued" };
    }
  }
  async function refusedOrQueued(res) {
    if (res.status >= 500 || res.status === 408 || res.status === 429) return { status: "queued" };
    let reason = res.statusText;
    try {
      const p = await res.json();
      reason = p.detail || p.title || reason;
    } catch (_) { /* not problem+json */ }
    return { status: "refused", reason };
  }

  // --- what the officer sees ---------------------------------------------------------------------------
  async function drawOutbox() {
    const ol = root.querySelector("[data-outbox]");
    const items = (await all()).filter((i) => i.tps === tps).sort((a, b) => b.at - a.at);
    ol.textContent = "";
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = ol.dataset.empty || "";
      ol.append(li);
      return;
    }
    for (const item of items) {
      const li = document.createElement("li");
      li.className = "item " + item.status;
      li.dataset.status = item.status;
      const contest = data ? (data.contests.find((c) => c.id === item.contest) || {}).name : item.contest;
      const head = document.createElement("p");
      const st = document.createElement("strong");
      st.textContent = ui[item.status];
      head.append(st, " · " + (contest || item.contest));
      li.append(head);
      if (item.status === "refused") {
        const p = document.createElement("p");
        p.className = "reason";
        p.textContent = item.reason;
        li.append(p);
      }
      if (item.receipt) {
        const p = document.createElement("p");
        p.className = "receipt";
        p.textContent = fmt(ui.receipt, { seq: item.receipt.seq, hash: item.receipt.hash.slice(0, 16) + "…" });
        const qr = document.createElement("img");
        qr.className = "qr";
        qr.alt = p.textContent;
        qr.src = `/report/receipt.svg?seq=${item.receipt.seq}&hash=${item.receipt.hash}`;
        const fix = document.createElement("button");
        fix.type = "button";
        fix.className = "btn small ghost";
        fix.textContent = ui.correct_this;
        fix.addEventListener("click", () => startCorrection(item.contest, item.receipt.seq, item.body.result));
        li.append(p, qr);
        if (item.kind !== "photos") li.append(fix);
      }
      ol.append(li);
    }
  }
  // a correction names the entry it corrects (log seq) and starts from its numbers; the reason is the person's
  function startCorrection(contest, seq, r) {
    const form = root.querySelector(`form[data-contest="${contest}"]`);
    if (!form) return;
    form.querySelector("[name=corrects]").value = String(seq);
    const note = form.querySelector("[data-correcting]");
    note.textContent = fmt(ui.correcting, { seq });
    note.hidden = false;
    form.querySelector("[data-cancel-correction]").hidden = false;
    form.querySelector("[data-correction]").open = true;
    form.querySelectorAll("input[type=number]").forEach((input) => {
      const v = input.dataset.candidate ? r.votes[input.dataset.candidate] : r[input.name];
      input.value = v === undefined || v === null ? "" : String(v);
    });
    showFindings(form);
    form.querySelector("[data-review-box]").hidden = true;
    form.querySelector("[data-review]").hidden = false;
    form.scrollIntoView({ block: "start" });
    form.querySelector("[name=reason]").focus({ preventScroll: true });
  }
  function endCorrection(form) {
    form.querySelector("[name=corrects]").value = "";
    form.querySelector("[name=reason]").value = "";
    form.querySelector("[data-correcting]").hidden = true;
    form.querySelector("[data-cancel-correction]").hidden = true;
    form.querySelector("[data-correction]").open = false;
    formError(form, "");
  }
  function netState() {
    const p = root.querySelector("[data-net]");
    p.textContent = navigator.onLine ? ui.online : ui.offline;
    p.classList.toggle("off", !navigator.onLine);
  }

  // --- start -------------------------------------------------------------------------------------------
  async function start() {
    root.querySelector("[data-outbox]").dataset.empty = root.querySelector("[data-empty]").textContent;
    const res = await fetch(root.dataset.url, { credentials: "same-origin" });
    data = await res.json();
    root.querySelectorAll("form.c1").forEach((form) => {
      photos.set(form, []);
      const contest = data.contests.find((c) => c.id === form.dataset.contest);
      if (contest && contest.locked) formError(form, ui.locked);
      form.addEventListener("input", () => showFindings(form));
      form.querySelector("[data-photos]").addEventListener("change", async (ev) => {
        for (const file of ev.target.files) photos.get(form).push(await downscale(file));
        ev.target.value = "";
        drawThumbs(form);
      });
      form.querySelector("[data-review]").addEventListener("click", () => review(form));
      form.querySelector("[data-edit]").addEventListener("click", () => {
        form.querySelector("[data-review-box]").hidden = true;
        form.querySelector("[data-review]").hidden = false;
      });
      form.querySelector("[data-send]").addEventListener("click", () => enqueue(form));
      const photosOnly = form.querySelector("[data-send-photos]");
      if (photosOnly) photosOnly.addEventListener("click", () => enqueuePhotos(form));
      const counted = form.querySelector("[data-correct-counted]");
      if (counted && contest && contest.counted) {
        counted.addEventListener("click", () => startCorrection(contest.id, contest.counted.seq, contest.counted.result));
      }
      form.querySelector("[data-cancel-correction]").addEventListener("click", () => endCorrection(form));
      form.addEventListener("submit", (ev) => ev.preventDefault());
    });
    netState();
    await drawOutbox();
    flush();
  }
  window.addEventListener("online", () => {
    netState();
    flush();
  });
  window.addEventListener("offline", netState);
  setInterval(flush, 15000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/report/sw.js", { scope: "/report/" });
    // this very page was fetched before the worker existed: put it, its data and its assets in the worker's cache
    const assets = Array.from(document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]"),
      (el) => el.href || el.src);
    caches.open("rekap-report-v1").then((cache) => cache.addAll([location.href, root.dataset.url, ...assets]))
      .catch(() => { /* offline already: the worker fills the cache next time */ });
  }
  start();
})();
