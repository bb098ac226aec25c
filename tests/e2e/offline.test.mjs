// Offline and install: after one visit the service worker (static/sw.js) holds the app shell
// and the app opens and works with the network switched off (a file, the demo); databases are
// never cached; a new deployment replaces the cache (a broken one does not); the manifest and icons are served; where
// the service worker cannot register, the app works as before.
//
// Every test uses its own browser context (openApp, or newContext here), so it starts with no
// service worker and an empty Cache Storage.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  DIST,
  REPO,
  V1,
  V1_SUMMARY,
  WAIT_MS,
  alertText,
  assertSummary,
  openApp,
  pickFile,
  skipWithoutFixtures,
  useSuite,
  waitForAlert,
  waitForSummary,
} from './helpers.mjs';
import { startServer } from './server.mjs';

const env = useSuite('offline', { before, after });

/** The build named in a stamped sw.js. */
const buildOf = (swSource) => /const BUILD = "([0-9a-f]{16})";/.exec(swSource)?.[1];

/** Cache Storage as seen by the page: { cacheName: [paths] }. */
const cacheContents = (page) =>
  page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const keys = await (await caches.open(name)).keys();
      out[name] = keys.map((r) => new URL(r.url).pathname).sort();
    }
    return out;
  });

/** Polls `probe()` until `done(value)`; fails with the last value after WAIT_MS. */
async function until(what, probe, done) {
  const deadline = Date.now() + WAIT_MS;
  let value;
  for (;;) {
    value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen; last seen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the first visit's page is controlled by an active service worker (clients.claim:
 * no reload needed) and the cache holds the sql.js files; returns the cache contents.
 */
async function waitUntilOfflineReady(page) {
  await page
    .waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', null, { timeout: WAIT_MS })
    .catch((e) => {
      throw new Error(`the page never came under an active service worker (${e.message.split('\n')[0]})`);
    });
  return until(
    'caching the sql.js files',
    () => cacheContents(page),
    (c) => Object.values(c).some((paths) => paths.includes('/worker.sql-wasm.js') && paths.includes('/sql-wasm.wasm')),
  );
}

/** The paths the cache must hold for the build in `dir`: every file but sw.js, the page as '/'. */
function shellPaths(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .filter((f) => f !== 'sw.js')
    .map((f) => (f === 'index.html' ? '/' : `/${f}`))
    .sort();
}

test('after one visit the app opens a file and the demo with the network off; databases are not cached', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const base = env.servers.app.url;
  const fixtureUrl = `${base}/fixtures/acolytes-v1-small.db`;
  const withDb = `${base}/?db=${encodeURIComponent(fixtureUrl)}`;
  const app = await openApp(env.browser, `${base}/`);
  try {
    const build = buildOf(readFileSync(path.join(DIST, 'sw.js'), 'utf8'));
    assert.ok(build, 'dist/sw.js is stamped with a build hash (tools/stamp-sw.mjs ran)');
    const first = await waitUntilOfflineReady(app.page);
    assert.deepEqual(first, { [`flagdeck-shell-${build}`]: shellPaths(DIST) }, 'one cache, exactly the app shell');

    // Online, a database through ?db= in a second (controlled) page: it opens, and is not cached.
    const second = await app.page.context().newPage();
    await second.goto(withDb);
    await waitForSummary(second, { flags: '300', alertFails: true });
    assert.equal(await second.evaluate(() => navigator.serviceWorker.controller !== null), true);
    assert.deepEqual(await cacheContents(app.page), first, 'the ?db= download went into no cache');

    await app.page.context().setOffline(true);
    const served = env.servers.app.requests.length;

    await app.page.reload();
    await app.page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: WAIT_MS });
    assert.equal(await app.page.evaluate(() => navigator.onLine), false, 'the page is offline');
    // The sql.js worker and its wasm come from the cache.
    await pickFile(app.page, V1);
    await waitForSummary(app.page, { fileName: 'acolytes-v1-small.db', flags: '300', alertFails: true });
    await assertSummary(app.page, V1_SUMMARY);
    await app.page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(app.page, { fileName: 'flagdeck-demo.db', generation: 'hybrid', alertFails: true });

    // The page is there offline, the database is not: the download fails in words.
    await second.goto(withDb);
    await second.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: WAIT_MS });
    await waitForAlert(second, /Could not download .*did not answer/);

    // Nothing reached the server while offline: the service worker answered from its cache.
    // Except the browser's own update check of sw.js (on navigation and register()): Chromium
    // makes it from the browser process, which Playwright's offline emulation (applied to pages
    // and workers) does not cover. With the network really off it fails and changes nothing.
    assert.deepEqual(
      env.servers.app.requests.slice(served).filter((r) => r !== 'GET /sw.js'),
      [],
      'requests that reached the server while offline',
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Asks the browser to check for a new service worker — what it does by itself on the next
 * navigation — and returns the state the new worker ends in: 'installed' (it will take over) or
 * 'redundant' (its install failed).
 */
const checkForUpdate = (page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    const outcome = new Promise((resolve) => {
      reg.addEventListener(
        'updatefound',
        () => {
          const worker = reg.installing;
          worker.addEventListener('statechange', () => {
            if (worker.state !== 'installing') resolve(worker.state);
          });
        },
        { once: true },
      );
    });
    await reg.update();
    return outcome;
  });

test('a new deployment replaces the cache of the old one; a broken one leaves it alone', async () => {
  // A copy of the build that can be redeployed in place.
  const site = path.join(env.out, 'deploy');
  rmSync(site, { recursive: true, force: true });
  cpSync(DIST, site, { recursive: true });
  const server = await startServer({ dist: site });
  const app = await openApp(env.browser, `${server.url}/`);
  try {
    const oldBuild = buildOf(readFileSync(path.join(site, 'sw.js'), 'utf8'));
    const oldCache = await waitUntilOfflineReady(app.page);
    assert.deepEqual(Object.keys(oldCache), [`flagdeck-shell-${oldBuild}`]);
    await app.page.evaluate(() => {
      window.controllerChanged = false;
      navigator.serviceWorker.addEventListener('controllerchange', () => (window.controllerChanged = true));
    });

    // Deployment 2: a changed sql.js worker script and a service worker stamped for the new
    // files, as `trunk build` would produce.
    appendFileSync(path.join(site, 'worker.sql-wasm.js'), '\n// deployment 2\n');
    writeFileSync(path.join(site, 'sw.js'), readFileSync(path.join(REPO, 'static', 'sw.js')));
    execFileSync('node', [path.join(REPO, 'tools', 'stamp-sw.mjs'), site]);
    const newBuild = buildOf(readFileSync(path.join(site, 'sw.js'), 'utf8'));
    assert.ok(newBuild && newBuild !== oldBuild, `a new build hash (${oldBuild} → ${newBuild})`);

    // First half-uploaded (a file of the list answers 404): the install fails and the old worker
    // keeps its cache and the page.
    const icon = path.join(site, 'icon.svg');
    const aside = `${icon}.aside`;
    cpSync(icon, aside);
    rmSync(icon);
    assert.equal(await checkForUpdate(app.page), 'redundant', 'the install of a broken deployment fails');
    assert.deepEqual(await cacheContents(app.page), oldCache, 'the old cache is untouched');
    assert.equal(await app.page.evaluate(() => window.controllerChanged), false, 'the page stays with the old worker');

    // Then complete: the new worker installs, deletes the old cache and takes the page over.
    cpSync(aside, icon);
    rmSync(aside);
    assert.equal(await checkForUpdate(app.page), 'installed');
    const names = await until(
      'the new service worker replacing the old cache',
      () => app.page.evaluate(() => caches.keys()),
      (n) => n.length === 1 && n[0] === `flagdeck-shell-${newBuild}`,
    );
    assert.deepEqual(names, [`flagdeck-shell-${newBuild}`]);
    const worker = await app.page.evaluate(async () => (await caches.match('worker.sql-wasm.js'))?.text());
    assert.ok(worker?.endsWith('// deployment 2\n'), 'the cache holds the new worker.sql-wasm.js');
    // skipWaiting + clients.claim: the open page is handed to the new worker without a reload.
    await until(
      'the page coming under the new service worker',
      () => app.page.evaluate(() => window.controllerChanged),
      (changed) => changed === true,
    );
    // The page still works, now served by the new worker.
    await app.page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(app.page, { fileName: 'flagdeck-demo.db', alertFails: true });
    app.assertHealthy();
  } finally {
    await app.close();
    await server.close();
  }
});

test('the manifest is linked and parses; every icon is served as an image of its size', async () => {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const found = await app.page.evaluate(async () => {
      const link = document.querySelector('link[rel="manifest"]');
      if (!link) return null;
      const res = await fetch(link.href);
      const text = await res.text();
      const touch = document.querySelector('link[rel="apple-touch-icon"]')?.href ?? null;
      const favicon = document.querySelector('link[rel="icon"]');
      const icon = favicon && { href: favicon.href, sizes: favicon.getAttribute('sizes'), type: favicon.type };
      const theme = [...document.querySelectorAll('meta[name="theme-color"]')].map((m) => m.content);
      return { href: link.href, status: res.status, text, touch, icon, theme };
    });
    assert.ok(found, 'index.html has <link rel="manifest">');
    assert.equal(found.status, 200, `${found.href} is served`);
    const manifest = JSON.parse(found.text);
    assert.equal(manifest.name, 'flagdeck');
    assert.ok(manifest.short_name, 'short_name');
    assert.equal(manifest.start_url, '.');
    assert.equal(manifest.display, 'standalone');
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
    assert.ok(found.theme.length > 0, 'a theme-color meta');
    assert.ok(found.touch, 'an apple-touch-icon');
    // The page's icon is a bitmap (fetched and decoded again at each change of the fragment).
    assert.ok(found.icon, 'a <link rel="icon">');
    assert.equal(found.icon.type, 'image/png', 'the page icon is a PNG');
    const sizes = manifest.icons.flatMap((i) => i.sizes.split(' '));
    for (const size of ['192x192', '512x512']) assert.ok(sizes.includes(size), `an icon of ${size}`);

    const icons = [
      ...manifest.icons.map((i) => ({ url: new URL(i.src, found.href).href, sizes: i.sizes, type: i.type })),
      { url: found.touch, sizes: 'any', type: null },
      { url: found.icon.href, sizes: found.icon.sizes, type: found.icon.type },
    ];
    for (const icon of icons) {
      const seen = await app.page.evaluate(async (url) => {
        const res = await fetch(url);
        const img = new Image();
        img.src = url;
        const decoded = await img.decode().then(
          () => true,
          () => false,
        );
        return { status: res.status, type: res.headers.get('content-type'), decoded, w: img.naturalWidth, h: img.naturalHeight };
      }, icon.url);
      assert.equal(seen.status, 200, `${icon.url} is served`);
      assert.match(seen.type ?? '', /^image\//, `${icon.url} is served as an image`);
      if (icon.type) assert.equal(seen.type, icon.type, `${icon.url} has the type the manifest says`);
      assert.ok(seen.decoded && seen.w > 0, `${icon.url} decodes as an image`);
      if (icon.sizes !== 'any') {
        assert.equal(`${seen.w}x${seen.h}`, icon.sizes, `${icon.url} is ${icon.sizes}`);
      }
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('where the service worker cannot register, the app works and says so only in the console', async () => {
  // The same build without sw.js: registration fails (404), like file:// or blocked storage.
  const site = path.join(env.out, 'no-sw');
  rmSync(site, { recursive: true, force: true });
  cpSync(DIST, site, { recursive: true });
  rmSync(path.join(site, 'sw.js'));
  const server = await startServer({ dist: site });
  const context = await env.browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const noted = page.waitForEvent('console', {
      predicate: (m) => m.type() === 'info' && /offline use is not available/.test(m.text()),
      timeout: WAIT_MS,
    });
    let dialog = null;
    page.on('dialog', (d) => {
      dialog = d.message();
      d.dismiss().catch(() => {});
    });
    await page.goto(`${server.url}/`);
    await noted;
    await page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(page, { fileName: 'flagdeck-demo.db', alertFails: true });
    assert.equal(await alertText(page), '', 'no alert on the page');
    assert.equal(dialog, null, 'no dialog');
    assert.deepEqual(errors, [], 'no uncaught error');
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null);
  } finally {
    await context.close();
    await server.close();
  }
});
