// flagdeck's service worker: keeps the app shell — the files of one build — in a Cache so that
// after one visit the app opens and works with the network off.
//
// What is cached is exactly SHELL: the page, the app's js/wasm/css (content-hashed names), the
// sql.js worker script and its wasm, the manifest and the icons. Nothing else is touched:
// databases fetched for `?db=` (or anything else the app or a server adds later) go to the
// network as if there were no service worker, so they are never cached and a 404 stays a 404.
//
// BUILD and SHELL are filled in by tools/stamp-sw.mjs, a Trunk post_build hook: SHELL lists the
// files of the build and BUILD is a hash of their contents. Any change to a shipped file
// therefore changes this script, which is what makes the browser install the new worker; it
// caches the new build under a new name and deletes the old cache when it activates.
const BUILD = '__FLAGDECK_BUILD__';
const SHELL = ['__FLAGDECK_SHELL__'];

const PREFIX = 'flagdeck-shell-';
const CACHE = PREFIX + BUILD;
// The page itself is cached under the scope's root ('./'); '/index.html' and `?db=` addresses
// are the same page.
const ROOT = new URL('./', self.location).href;
const INDEX = new URL('index.html', self.location).href;
const SHELL_URLS = new Set(SHELL.map((u) => new URL(u, self.location).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      if (BUILD.startsWith('__')) {
        // A failed install leaves the app as it is without a service worker: online only.
        throw new Error('sw.js was copied without tools/stamp-sw.mjs filling in BUILD and SHELL');
      }
      // 'no-cache': revalidate with the server instead of trusting the HTTP cache, so that the
      // copy kept offline is the file of this build. Each body streams into the cache as it
      // arrives (holding responses unread until all have come would exhaust the browser's
      // connections per host and stall). Every file must answer 200: otherwise this build's cache
      // is dropped, the install fails and the previous worker (if any) stays in charge.
      const cache = await caches.open(CACHE);
      try {
        await Promise.all(
          SHELL.map(async (u) => {
            const request = new Request(u, { cache: 'no-cache' });
            const response = await fetch(request);
            if (response.status !== 200) throw new Error(`${u} answered ${response.status}`);
            await cache.put(request, response);
          }),
        );
      } catch (e) {
        await caches.delete(CACHE);
        throw e;
      }
      // Take over at once rather than after every tab of the old version has closed: the first
      // visit's page becomes controlled (with clients.claim below) and a new deployment
      // replaces the old cache without waiting.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Only this app's caches: others on the same origin are not ours to delete.
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const bare = url.origin + url.pathname;
  if (request.mode === 'navigate') {
    if (bare === ROOT || bare === INDEX) event.respondWith(page(request));
    return;
  }
  if (SHELL_URLS.has(url.href)) event.respondWith(shellFile(request));
  // Anything else (databases above all) is left to the browser: no respondWith, no cache.
});

/** The page: the network first, so an online visit always gets the deployed version. */
async function page(request) {
  try {
    return await fetch(request);
  } catch (offline) {
    const cached = await caches.match(ROOT, { cacheName: CACHE, ignoreVary: true });
    if (!cached) throw offline;
    // A response that came through a redirect cannot answer a navigation; a copy can.
    return cached.redirected ? copy(cached) : cached;
  }
}

/**
 * A file of the build: from the cache first (the names are fixed per build, and the sql.js files
 * are the ones of this build). A miss (the cache was evicted) goes to the network and refills it.
 */
async function shellFile(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.status === 200 && response.type === 'basic') {
    await cache.put(request, response.clone());
  }
  return response;
}

async function copy(response) {
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
