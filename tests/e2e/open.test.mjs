// Opening databases: the two fixtures through the real file input, drag-and-drop, the demo (a
// hybrid file: its counts against plain SQL on the asset the build ships).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  V0,
  V0_SUMMARY,
  V1,
  V1_SUMMARY,
  assertSummary,
  demoDatabase,
  launchBrowser,
  openApp,
  outDir,
  pickFile,
  skipWithoutFixtures,
  sqlValue,
  startServers,
  waitForSummary,
} from './helpers.mjs';

let servers;
let browser;
let out;

before(async () => {
  out = outDir('open');
  servers = await startServers(out);
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

test('the demo button opens the generated hybrid database: the 1.x flags plus quests', async () => {
  // What the summary must show, read with plain SQL from the file the build ships.
  const demo = demoDatabase(out);
  const count = (table) => String(sqlValue(demo, `SELECT COUNT(*) FROM ${table}`));
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(app.page, { fileName: 'flagdeck-demo.db', generation: 'hybrid', alertFails: true });
    await assertSummary(app.page, {
      generation: 'hybrid',
      flags: count('flags'),
      pending: String(sqlValue(demo, "SELECT COUNT(*) FROM flags WHERE status = 'pending'")),
      quests: count('acolyte_quests'),
      agents: String(sqlValue(demo, 'SELECT COUNT(DISTINCT name) FROM agents_catalog')),
      agentHealth: count('agent_health'),
    });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
