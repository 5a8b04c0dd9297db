/* The service worker of landbank's survey page: it keeps the page, its script, styles
   and map library, and the surveyor's tasks, so the page opens and works without
   signal. Network first (what the server says now), the cache when there is none.
   Records and photos are not its business: the page queues them in IndexedDB. */
"use strict";
const CACHE = "landbank-survey-1";
const SHELL = [
  "/survey",
  "/static/web/landbank.css",
  "/static/web/survey.css",
  "/static/web/survey.js",
  "/survey/assets/leaflet.js",
  "/survey/assets/leaflet.css",
];
const KEPT = new Set([...SHELL, "/api/v1/tasks"]);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !KEPT.has(url.pathname)) {
    return; // everything else goes to the network as it would without a worker
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(url.pathname).then((found) => found || Response.error())
      )
  );
});
