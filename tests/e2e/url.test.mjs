// `?db=<url>`: the app fetches the URL and opens it; a 404 and a CORS refusal each get an alert
// that says so.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  V1_SUMMARY,
  assertSummary,
  launchBrowser,
  openApp,
  outDir,
  readSummary,
  skipWithoutFixtures,
  startServers,
  waitForAlert,
  waitForSummary,
  xtask,
} from './helpers.mjs';

let servers;
let browser;

before(async () => {
  const out = outDir('url');
  // Something to ask the server without CORS headers for (any existing file will do: the
  // browser refuses the response before the app sees a byte).
  xtask(['exec-sql', '--out', path.join(out, 'other-app.db'), 'CREATE TABLE notes(body TEXT)']);
  servers = await startServers(out);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

const withDb = (url) => `${servers.app.url}/?db=${encodeURIComponent(url)}`;

test('?db= with the fixture URL opens it', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, withDb(`${servers.app.url}/fixtures/acolytes-v1-small.db`));
  try {
    await waitForSummary(app.page, { flags: '300', alertFails: true });
    await assertSummary(app.page, V1_SUMMARY);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('?db= with a cross-origin URL that allows CORS opens it', async (t) => {
  if (skipWithoutFixtures(t)) return;
  // localhost and 127.0.0.1 are different origins; this server sends Access-Control-Allow-Origin.
  const app = await openApp(browser, withDb(`http://localhost:${servers.app.port}/fixtures/acolytes-v1-small.db`));
  try {
    await waitForSummary(app.page, { flags: '300', alertFails: true });
    await assertSummary(app.page, V1_SUMMARY);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('?db= with a URL that answers 404 shows an alert saying 404', async () => {
  const app = await openApp(browser, withDb(`${servers.app.url}/out/no-such-file.db`));
  try {
    const alert = await waitForAlert(app.page, /404/);
    assert.doesNotMatch(alert, /CORS/, 'a 404 is not a CORS problem');
    const summary = await readSummary(app.page);
    assert.ok(!summary.flags, `no summary is shown after a 404 (count-flags: ${summary.flags})`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('?db= with a cross-origin URL without CORS headers shows an alert saying CORS', async () => {
  const app = await openApp(browser, withDb(`${servers.foreign.url}/out/other-app.db`));
  try {
    const alert = await waitForAlert(app.page, /CORS/);
    assert.ok(alert.length > 20, `the alert explains itself: "${alert}"`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
