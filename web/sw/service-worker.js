// The service worker (built into dist/sw.js by the plugin in vite.config.ts, which fills
// in the build's files): the app opens with no network. The API is never cached here
// (the journal keeps its own copies in IndexedDB, for the signed-in teacher only).
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `school-app-${VERSION}`;
const INDEX = "/index.html";
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([INDEX, ...PRECACHE]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("school-app-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// A page (any client route): the network's index.html when it answers in time, else the
// cached one.
async function navigation(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    if (response.ok && (response.headers.get("content-type") || "").startsWith("text/html")) {
      await cache.put(INDEX, response.clone());
    }
    return response;
  } catch {
    const cached = await cache.match(INDEX);
    if (cached) return cached;
    throw new Error("offline and no cached page");
  }
}

// A file of the build: hashed names never change, so the cache first.
async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
