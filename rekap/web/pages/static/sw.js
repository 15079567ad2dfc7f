// The field form's service worker: the form, its TPS and contest data and its assets stay on the phone, so the
// form opens and fills with no network. Reports themselves wait in IndexedDB (report.js), not here.
"use strict";
const CACHE = "rekap-report-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // versioned by content hash: what is cached is right forever
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(req);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok) cache.put(req, res.clone());
      return res;
    }));
    return;
  }
  if (url.pathname.startsWith("/report/") && !url.pathname.endsWith("/sw.js")) {
    // the network first (fresh data when there is some), the copy when there is none
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      try {
        const res = await fetch(req);
        if (res.ok) cache.put(req, res.clone());
        return res;
      } catch (err) {
        const hit = await cache.match(req, { ignoreSearch: false });
        if (hit) return hit;
        throw err;
      }
    }));
  }
});
