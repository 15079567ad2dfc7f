// rekap public pages: live values over SSE, C1 photo zoom and pan, search as you type, map modes, wall rotation.
// Every page works without this file; it only makes the pages live and handier.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const msgs = JSON.parse(($("#msgs") || {}).textContent || "{}");
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;

  // ---- live values: the server sends {topic, values: {key: text}}; "key@attr" sets an attribute ----
  let index = new Map(); // topic -> Map(key -> [elements])

  function reindex() {
    index = new Map();
    for (const box of $$("[data-topic]")) {
      const keys = index.get(box.dataset.topic) || new Map();
      for (const el of $$("[data-live]", box)) {
        for (const key of el.dataset.live.split(" ")) {
          if (!keys.has(key)) keys.set(key, []);
          keys.get(key).push(el);
        }
      }
      index.set(box.dataset.topic, keys);
    }
  }

  function flash(el) {
    if (reduceMotion) return;
    el.classList.remove("chg");
    void el.offsetWidth; // restart the animation
    el.classList.add("chg");
  }

  // "key@data-swap" is the fingerprint of a part that changes shape (a recap and its differences): a part whose
  // copy has another one is fetched again, until the page the server gives has caught up with it
  const wanted = new Map(); // element id -> fingerprint

  function patch(topic, values, quiet) {
    const keys = index.get(topic);
    if (!keys) return;
    for (const [key, value] of Object.entries(values)) {
      const at = key.indexOf("@");
      for (const el of keys.get(key) || []) {
        if (at >= 0 && key.slice(at + 1) === "data-swap") {
          if (el.dataset.swap !== value) wanted.set(el.id, value);
        } else if (at >= 0) {
          el.setAttribute(key.slice(at + 1), value);
        } else if (el.textContent !== value) {
          el.textContent = value;
          if (!quiet) flash(el);
        }
      }
    }
    if (wanted.size) catchUp(0).catch(() => {});
  }

  let catching = false;
  async function catchUp(tries) {
    if (catching && !tries) return;
    catching = true;
    try {
      await refresh();
    } finally {
      catching = false;
    }
    for (const [id, value] of wanted) {
      const el = document.getElementById(id);
      if (!el || el.dataset.swap === value) wanted.delete(id);
    }
    // a busy server may answer with a page a second old: ask again a little later
    if (wanted.size && tries < 5) setTimeout(() => catchUp(tries + 1).catch(() => {}), 1000);
  }

  // A TPS page changes shape (new history rows, photos): fetch it again and swap the parts that differ.
  // A part whose data-swap names its content (the photos' hashes) is compared by that, so a zoomed photo stays.
  const differs = (old, fresh) =>
    fresh.dataset.swap ? old.dataset.swap !== fresh.dataset.swap : old.innerHTML !== fresh.innerHTML;

  async function refresh() {
    const res = await fetch(location.href, { cache: "no-cache" });
    if (!res.ok) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    for (const fresh of $$("[data-swap][id]", doc)) {
      const old = document.getElementById(fresh.id);
      if (old && differs(old, fresh)) {
        old.replaceWith(document.adoptNode(fresh));
        flash(fresh);
        $$("[data-viewer]", fresh).forEach(viewer);
      }
    }
    reindex();
  }

  function live() {
    const url = document.body.dataset.events;
    const status = $("[data-live-status]");
    if (!url || !window.EventSource || !status) return;
    const say = (state) => {
      status.hidden = false;
      status.dataset.state = state;
      status.textContent = msgs["live_" + state] || state;
      // numbers shown while the stream is down are no longer live: dimmed until it is back (it then sends all)
      if (state === "lost") document.body.dataset.stale = "";
      else if (state === "on") delete document.body.dataset.stale;
    };
    say("connecting");
    const source = new EventSource(url);
    source.onopen = () => say("on");
    source.onerror = () => {
      say("lost");
      // EventSource retries by itself unless the server refused; then try again a little later
      if (source.readyState === EventSource.CLOSED) setTimeout(() => { source.close(); live(); }, 5000);
    };
    source.addEventListener("patch", (e) => {
      const data = JSON.parse(e.data);
      patch(data.topic, data.values, data.full); // all values after (re)connecting: catch up without flashing
    });
    source.addEventListener("reload", () => refresh().catch(() => say("lost")));
  }

  // ---- C1 photo viewer: buttons, keyboard, Ctrl+wheel / pinch zoom, drag to pan ----
  function viewer(fig) {
    const stage = $(".stage", fig);
    const img = $("img", stage);
    const tools = $(".tools", fig);
    if (!stage || !img || fig.dataset.ready) return;
    fig.dataset.ready = "1";
    if (tools) tools.hidden = false;
    let s = 1, x = 0, y = 0;
    const pointers = new Map();
    let pinch = 0;

    function draw() {
      const mx = (stage.clientWidth * (s - 1)) / 2, my = (stage.clientHeight * (s - 1)) / 2;
      x = Math.max(-mx, Math.min(mx, x));
      y = Math.max(-my, Math.min(my, y));
      img.style.transform = s === 1 ? "" : `translate(${x}px, ${y}px) scale(${s})`;
      stage.classList.toggle("zoomed", s > 1);
      if (s > 1.6 && img.dataset.full) { // sharper pixels only once someone looks closely
        img.removeAttribute("srcset"); // else the browser keeps the srcset's pick over src
        img.src = img.dataset.full;
        delete img.dataset.full;
      }
    }
    // zoom by f keeping the stage point (cx, cy), relative to its centre, where it is
    function zoom(f, cx = 0, cy = 0) {
      const n = Math.max(1, Math.min(8, s * f));
      x = cx - ((cx - x) * n) / s;
      y = cy - ((cy - y) * n) / s;
      s = n;
      draw();
    }
    const centred = (cx, cy) => {
      const r = stage.getBoundingClientRect();
      return [cx - r.left - r.width / 2, cy - r.top - r.height / 2];
    };

    fig.addEventListener("click", (e) => {
      const b = e.target.closest("[data-zoom]");
      if (!b) return;
      if (b.dataset.zoom === "in") zoom(1.5);
      else if (b.dataset.zoom === "out") zoom(1 / 1.5);
      else { s = 1; x = y = 0; draw(); }
    });
    stage.addEventListener("keydown", (e) => {
      const step = 60;
      const keys = {
        "+": () => zoom(1.5), "=": () => zoom(1.5), "-": () => zoom(1 / 1.5), "0": () => { s = 1; x = y = 0; draw(); },
        ArrowLeft: () => { x += step; draw(); }, ArrowRight: () => { x -= step; draw(); },
        ArrowUp: () => { y += step; draw(); }, ArrowDown: () => { y -= step; draw(); },
      };
      if (keys[e.key] && (s > 1 || !e.key.startsWith("Arrow"))) {
        e.preventDefault();
        keys[e.key]();
      }
    });
    stage.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return; // a plain wheel scrolls the page
      e.preventDefault();
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, ...centred(e.clientX, e.clientY));
    }, { passive: false });
    stage.addEventListener("dblclick", (e) => zoom(s > 1 ? 1 / s : 2.5, ...centred(e.clientX, e.clientY)));
    stage.addEventListener("pointerdown", (e) => {
      pointers.set(e.pointerId, [e.clientX, e.clientY]);
      stage.setPointerCapture(e.pointerId);
    });
    stage.addEventListener("pointermove", (e) => {
      const last = pointers.get(e.pointerId);
      if (!last) return;
      pointers.set(e.pointerId, [e.clientX, e.clientY]);
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const d = Math.hypot(a[0] - b[0], a[1] - b[1]);
        if (pinch) zoom(d / pinch, ...centred((a[0] + b[0]) / 2, (a[1] + b[1]) / 2));
        pinch = d;
      } else if (s > 1) {
        x += e.clientX - last[0];
        y += e.clientY - last[1];
        draw();
      }
    });
    const up = (e) => {
      pointers.delete(e.pointerId);
      pinch = 0;
    };
    stage.addEventListener("pointerup", up);
    stage.addEventListener("pointercancel", up);
  }

  // ---- search as you type (the form still works without it: /search?q=) ----
  function search(form) {
    const input = $("input[name=q]", form);
    const list = $(".suggest", form);
    if (!input || !list) return;
    let timer = 0;
    let pending = null;
    const close = () => { list.hidden = true; };
    const link = (item) => {
      const lang = form.dataset.lang !== "id" ? `lang=${form.dataset.lang}` : "";
      if (item.kind === "tps") return `/tps/${item.code}${lang ? "?" + lang : ""}`;
      const contest = form.dataset.contest;
      if (!contest) return `/search?q=${encodeURIComponent(item.code)}${lang ? "&" + lang : ""}`;
      return `/c/${contest}/r/${item.code}${lang ? "?" + lang : ""}`;
    };
    function show(items) {
      list.replaceChildren();
      for (const item of items.slice(0, 8)) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = link(item);
        a.textContent = item.name;
        const kind = document.createElement("small");
        kind.textContent = item.kind === "tps" ? " TPS" : " " + (msgs["level_" + item.level] || "");
        a.append(kind);
        if (item.parent) {  // many kelurahan share a name: say where this one is
          const where = document.createElement("small");
          where.className = "where";
          where.textContent = item.parent;
          a.append(where);
        }
        li.append(a);
        list.append(li);
      }
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "none";
        li.textContent = msgs.no_results || "–";
        list.append(li);
      }
      list.hidden = false;
    }
    async function lookup() {
      const q = input.value.trim();
      if (q.length < 2) return close();
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const res = await fetch(`/api/v1/search?q=${encodeURIComponent(q)}`, { signal: pending.signal });
        if (res.ok && input.value.trim() === q) show(await res.json());
      } catch (err) {
        if (err.name !== "AbortError") close();
      }
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 150); });
    form.addEventListener("keydown", (e) => {
      const links = $$("a", list);
      const at = links.indexOf(document.activeElement);
      if (e.key === "Escape") { close(); input.focus(); }
      else if (e.key === "ArrowDown" && links.length && !list.hidden) { e.preventDefault(); links[Math.min(at + 1, links.length - 1)].focus(); }
      else if (e.key === "ArrowUp" && at >= 0) { e.preventDefault(); (at === 0 ? input : links[at - 1]).focus(); }
    });
    document.addEventListener("click", (e) => { if (!form.contains(e.target)) close(); });
  }

  // ---- map colour modes; links keep working without JS (?map=prog) ----
  function mapModes(fig) {
    for (const button of $$("[data-map-mode]", fig)) {
      button.setAttribute("role", "button");
      button.addEventListener("click", (e) => {
        e.preventDefault();
        fig.dataset.mode = button.dataset.mapMode;
        $$("[data-map-mode]", fig).forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
        const url = new URL(location.href);
        url.searchParams.set("map", button.dataset.mapMode);
        history.replaceState(null, "", url);
      });
    }
  }

  // ---- plenary stream: load the outside player only when asked ----
  function embed(button) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const frame = document.createElement("iframe");
      frame.src = button.dataset.embed;
      frame.title = button.dataset.title;
      frame.allow = "autoplay; encrypted-media; picture-in-picture";
      frame.allowFullscreen = true;
      frame.className = "player";
      button.closest("section").append(frame);
      button.remove();
    });
  }

  // ---- wall: rotate slides, keep a clock; ← → to step, space to pause ----
  function wall(main) {
    const slides = $$(".slide", main);
    const clock = $("[data-clock]", main);
    if (clock) {
      const fmt = new Intl.DateTimeFormat(document.documentElement.lang === "id" ? "id-ID" : "en-GB",
        { timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", second: "2-digit" });
      const tick = () => { clock.textContent = fmt.format(new Date()) + " WIB"; };
      tick();
      setInterval(tick, 1000);
    }
    if (slides.length < 2) return;
    let at = Math.max(0, slides.findIndex((s) => !s.hidden));
    let paused = false;
    const show = (n) => {
      slides[at].hidden = true;
      at = (n + slides.length) % slides.length;
      slides[at].hidden = false;
    };
    setInterval(() => { if (!paused) show(at + 1); }, (Number(main.dataset.every) || 15) * 1000);
    document.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight") show(at + 1);
      else if (e.key === "ArrowLeft") show(at - 1);
      else if (e.key === " ") { e.preventDefault(); paused = !paused; main.classList.toggle("paused", paused); }
    });
  }

  reindex();
  live();
  $$("[data-viewer]").forEach(viewer);
  $$("form.search").forEach(search);
  $$("[data-map]").forEach(mapModes);
  $$("[data-embed]").forEach(embed);
  $$("[data-wall]").forEach(wall);
})();
