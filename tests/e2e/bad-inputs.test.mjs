// Bad inputs: each shows a role="alert" that says what is wrong, the summary of the file opened
// before stays on screen, and a good file opens right after. A WAL-mode file opens, with a
// notice that mentions the -wal file.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  HAVE_FIXTURES,
  V0,
  V0_SUMMARY,
  V1,
  V1_SUMMARY,
  WAIT_MS,
  alertText,
  assertSummary,
  launchBrowser,
  openApp,
  outDir,
  pickFile,
  skipWithoutFixtures,
  startServers,
  waitForAlert,
  waitForSummary,
  xtask,
} from './helpers.mjs';

let servers;
let browser;
let out;
const files = {};

before(async () => {
  out = outDir('bad-inputs');
  servers = await startServers(out);
  browser = await launchBrowser();

  files.empty = path.join(out, 'empty.db');
  writeFileSync(files.empty, '');
  files.text = path.join(out, 'notes.txt');
  writeFileSync(files.text, 'These are my notes, not a database.\nSecond line.\n');
  files.otherApp = path.join(out, 'other-app.db');
  xtask([
    'exec-sql',
    '--out',
    files.otherApp,
    "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes(body) VALUES ('hello'), ('world');",
  ]);
  if (HAVE_FIXTURES) {
    const v1 = readFileSync(V1);
    files.truncated = path.join(out, 'truncated.db');
    writeFileSync(files.truncated, v1.subarray(0, 1 << 20));
    files.damaged = path.join(out, 'damaged-header.db');
    const damaged = Buffer.from(v1);
    damaged.writeUInt16BE(1000, 16); // page size 1000: not a power of two
    writeFileSync(files.damaged, damaged);
    files.wal = path.join(out, 'wal-mode.db');
    xtask(['exec-sql', '--from', V1, '--out', files.wal, 'PRAGMA journal_mode=WAL']);
    assert.deepEqual([...readFileSync(files.wal).subarray(18, 20)], [2, 2], 'the WAL copy is in WAL mode');
  }
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

const cases = [
  { name: 'a 0-byte file', key: 'empty', alert: /empty|0 bytes/i },
  { name: 'a text file', key: 'text', alert: /not a SQLite/i },
  { name: 'a truncated copy of the v1 fixture (first 1 MB)', key: 'truncated', alert: /truncated|cut off/i },
  { name: 'a copy with a damaged header (page size 1000)', key: 'damaged', alert: /damaged|page size/i },
  { name: 'a SQLite file of another application', key: 'otherApp', alert: /flags/ },
];

for (const c of cases) {
  test(`${c.name}: clear alert, previous summary kept, next file opens`, async (t) => {
    if (skipWithoutFixtures(t)) return;
    const app = await openApp(browser, `${servers.app.url}/`);
    try {
      const { page } = app;
      await pickFile(page, V1);
      await waitForSummary(page, { fileName: 'acolytes-v1-small.db', flags: '300', alertFails: true });

      await pickFile(page, files[c.key]);
      const alert = await waitForAlert(page, c.alert);
      t.diagnostic(`alert: ${alert}`);
      // The same file again: the alert is said again (a new line), not stacked as a copy.
      const lastId = () =>
        page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('[data-alert-id]')].map((e) => Number(e.dataset.alertId))));
      const first = await lastId();
      await pickFile(page, files[c.key]);
      await page.waitForFunction(
        (first) => [...document.querySelectorAll('[data-alert-id]')].some((e) => Number(e.dataset.alertId) > first),
        first,
        { timeout: WAIT_MS },
      );
      const texts = await page.evaluate(() => [...document.querySelectorAll('[role="alert"]')].map((e) => e.textContent.trim()));
      assert.equal(texts.filter((x) => c.alert.test(x)).length, 1, `one alert for the same file picked twice: ${JSON.stringify(texts)}`);
      // The earlier file's summary is still what the page shows.
      await assertSummary(page, { generation: 'v1', flags: '300' });
      const shownName = await page.locator('[data-testid="file-name"]').textContent();
      assert.ok(
        shownName.includes('acolytes-v1-small.db'),
        `file-name still names the open database, not "${shownName.trim()}"`,
      );

      await pickFile(page, V0);
      await waitForSummary(page, { fileName: 'claudesquad-v0-small.db', flags: '150' });
      await assertSummary(page, V0_SUMMARY);
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}

test('a WAL-mode copy of the v1 fixture opens, with a quiet note (not an alert) about -wal', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, files.wal);
    await waitForSummary(page, { fileName: 'wal-mode.db', flags: '300' });
    await assertSummary(page, V1_SUMMARY);
    const body = await page.evaluate(() => document.body.innerText);
    assert.match(body, /-wal/i, `no alert/notice mentions -wal; alerts: ${JSON.stringify(await alertText(page))}`);
    // Every Acolytes 2.x file is in WAL mode: the note is role="status", never role="alert".
    const note = await page.locator('[role="status"].note').textContent();
    assert.match(note, /wal-mode\.db-wal/);
    assert.equal(await alertText(page), '', 'no role="alert" for a WAL header');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
