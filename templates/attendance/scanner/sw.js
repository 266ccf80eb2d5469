// The scanner page's service worker (attendance.views.scanner.scanner_worker), one per event,
// its scope that event's /e/<slug>/scan/ page. It keeps the page and its files on the device so
// that a reload without network still opens the scanner; the scans themselves (the queue in
// IndexedDB, the roster bundle) are the page's business and never pass through this cache.
//
// - install: the files the page loads, and the page itself, go into a cache named after a
//   version of those files; the worker takes over at once (a desk tab stays open all day).
// - the page (navigations): network first, the kept copy after a few seconds or a failure;
//   every page that does arrive replaces the kept copy.
// - static files: cache first (the cache's name changes whenever one of them changes).
// - everything else, the scanner API above all (check-ins, the batch, the bundle, counts,
//   search): not touched, straight to the network.
// - activate: this event's caches of other versions are deleted.

const CONFIG = {{ config }};
const PAGE = new URL(CONFIG.page, self.location.href).href;
const STATIC = new URL(CONFIG.staticPrefix, self.location.href).href;

function keepable(response) {
  return response && response.status === 200 && !response.redirected
    && (response.type === "basic" || response.type === "cors");
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CONFIG.cache);
    // "reload": the files from the server, not from the HTTP cache, so this version holds these bytes.
    await cache.addAll(CONFIG.assets.map((url) => new Request(url, { cache: "reload" })));
    try {
      const response = await fetch(new Request(PAGE, { cache: "reload", credentials: "same-origin" }));
      if (keepable(response)) await cache.put(PAGE, response);
    } catch (e) {
      // The page comes into the cache with the next load that reaches the server.
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CONFIG.cachePrefix) && name !== CONFIG.cache) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate") {
    url.search = "";  // ?setup=1 on the set-up link (its token is in the fragment): the same page
    url.hash = "";
    if (url.href === PAGE) event.respondWith(pageFromNetworkOrKept(event));
    return;
  }
  if (request.url.startsWith(STATIC)) event.respondWith(staticFromCache(event));
});

async function pageFromNetworkOrKept(event) {
  const network = fetch(event.request);
  // Registered before anyone reads the answer: the copy is taken while the body is still unread.
  const kept = network.then((response) => {
    if (!keepable(response)) return undefined;
    const copy = response.clone();
    return caches.open(CONFIG.cache).then((cache) => cache.put(PAGE, copy));
  }).catch(() => undefined);
  event.waitUntil(kept);
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, CONFIG.timeout, null); });
  let response = null;
  try {
    response = await Promise.race([network, late]);
    // The server's answer, whatever it says, unless it is failing (5xx): then the page as kept,
    // the same way the page itself treats a failing server as being offline.
    if (response && response.status < 500) return response;
  } catch (e) {
    // No network: the kept copy below.
  } finally {
    clearTimeout(timer);
  }
  const cache = await caches.open(CONFIG.cache);
  const copy = await cache.match(PAGE, { ignoreVary: true });
  // Nothing kept yet: the server's answer after all (a failure is the browser's own error page).
  return copy || response || network;
}

async function staticFromCache(event) {
  const cache = await caches.open(CONFIG.cache);
  const hit = await cache.match(event.request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(event.request);
  if (keepable(response)) event.waitUntil(cache.put(event.request, response.clone()));
  return response;
}
