// Opening databases: the two fixtures through the real file input, drag-and-drop, the demo.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  V0,
  V0_SUMMARY,
  V1,
  V1_SUMMARY,
  assertSummary,
  launchBrowser,
  openApp,
  outDir,
  pickFile,
  skipWithoutFixtures,
  startServers,
  waitForSummary,
} from './helpers.mjs';

let servers;
let browser;

before(async () => {
  servers = await startServers(outDir('open'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

test('v1 fixture through the file input: documented counts, file name, timing marks', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await pickFile(app.page, V1);
    await waitForSummary(app.page, { fileName: 'acolytes-v1-small.db', flags: '300', alertFails: true });
    await assertSummary(app.page, V1_SUMMARY);
    // The benchmark relies on these two marks.
    const marks = await app.page.evaluate(() =>
      ['flagdeck:open-start', 'flagdeck:summary-shown'].map(
        (n) => performance.getEntriesByName(n, 'mark').at(-1)?.startTime ?? null,
      ),
    );
    assert.ok(marks[0] !== null, 'performance mark flagdeck:open-start is missing');
    assert.ok(marks[1] !== null, 'performance mark flagdeck:summary-shown is missing');
    assert.ok(marks[1] >= marks[0], `summary-shown (${marks[1]}) comes before open-start (${marks[0]})`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v0 fixture through the file input: documented counts', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await pickFile(app.page, V0);
    await waitForSummary(app.page, { fileName: 'claudesquad-v0-small.db', flags: '150', alertFails: true });
    await assertSummary(app.page, V0_SUMMARY);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('drag-and-drop of the v0 fixture onto the page opens it', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const dropped = await app.page.evaluate(async (url) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const file = new File([bytes], 'claudesquad-v0-small.db', { type: 'application/vnd.sqlite3' });
      const dt = new DataTransfer();
      dt.items.add(file);
      const results = {};
      for (const type of ['dragenter', 'dragover', 'drop']) {
        const ev = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt });
        document.body.dispatchEvent(ev);
        results[type] = ev.defaultPrevented;
      }
      return results;
    }, '/fixtures/claudesquad-v0-small.db');
    // Without preventDefault on dragover/drop a real browser would navigate to the file.
    assert.deepEqual(
      { dragover: dropped.dragover, drop: dropped.drop },
      { dragover: true, drop: true },
      'dragover and drop must be default-prevented',
    );
    await waitForSummary(app.page, { fileName: 'claudesquad-v0-small.db', flags: '150', alertFails: true });
    await assertSummary(app.page, V0_SUMMARY);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the demo button opens a generated v1 database', async () => {
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(app.page, { generation: 'v1', alertFails: true });
    const flags = await app.page.locator('[data-testid="count-flags"]').textContent();
    assert.match(flags.trim(), /^\d+$/, 'count-flags is a plain number');
    assert.ok(Number(flags) > 0, `the demo has ${flags} flags`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
