// Export: the downloaded file must be the same database as the one opened (checked natively
// with `cargo xtask inspect-db`: integrity, sqlite_master, per-table row digests, user_version).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  HAVE_FIXTURES,
  V0,
  V1,
  assertSameDatabase,
  demoDatabase,
  exportTo,
  inspectDb,
  launchBrowser,
  openApp,
  outDir,
  pickFile,
  skipWithoutFixtures,
  startServers,
  waitForSummary,
  xtask,
} from './helpers.mjs';

let servers;
let browser;
let out;

before(async () => {
  out = outDir('export');
  servers = await startServers(out);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

async function openAndExport(file, { flags, alertFails = true }) {
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await pickFile(app.page, file);
    await waitForSummary(app.page, { fileName: path.basename(file), flags, alertFails });
    const dest = path.join(out, `exported-${path.basename(file)}`);
    const name = await exportTo(app.page, dest);
    assert.match(name, /\.db$/, `the download's file name "${name}" ends in .db`);
    app.assertHealthy();
    return dest;
  } finally {
    await app.close();
  }
}

test('export of the v1 fixture is the same database', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const dest = await openAndExport(V1, { flags: '300' });
  assertSameDatabase(inspectDb(V1), inspectDb(dest));
});

test('export of the v0 fixture is the same database', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const dest = await openAndExport(V0, { flags: '150' });
  assertSameDatabase(inspectDb(V0), inspectDb(dest));
});

test('export of a WAL-mode copy is the same database, still in WAL mode', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const wal = path.join(out, 'acolytes-v1-wal.db');
  xtask(['exec-sql', '--from', V1, '--out', wal, 'PRAGMA journal_mode=WAL']);
  const header = readFileSync(wal).subarray(18, 20);
  assert.deepEqual([...header], [2, 2], 'the copy is in WAL mode');
  // A WAL file may come with a notice in an alert: that is expected here.
  const dest = await openAndExport(wal, { flags: '300', alertFails: false });
  const original = inspectDb(wal);
  assert.equal(original.header.journal_mode, 'wal');
  assertSameDatabase(original, inspectDb(dest));
});

test('export of the demo database is the shipped hybrid file, flags and quests as shown', async () => {
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-demo"]').click();
    await waitForSummary(app.page, { generation: 'hybrid', alertFails: true });
    const shown = async (id) => (await app.page.locator(`[data-testid="${id}"]`).textContent()).trim();
    const [flags, quests] = [await shown('count-flags'), await shown('count-quests')];
    const dest = path.join(out, 'exported-demo.db');
    const name = await exportTo(app.page, dest);
    assert.match(name, /\.db$/, `the download's file name "${name}" ends in .db`);
    const report = inspectDb(dest);
    assert.equal(report.integrity_check, 'ok');
    assert.equal(String(report.tables.flags?.rows), flags, 'flags in the export = count-flags shown');
    assert.equal(String(report.tables.acolyte_quests?.rows), quests, 'quests in the export = count-quests shown');
    assert.ok(report.tables.agents_catalog?.rows > 0, 'the demo has a catalog');
    // Nothing was changed, so the export is the file the build ships, row for row.
    assertSameDatabase(inspectDb(demoDatabase(out)), report);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

if (!HAVE_FIXTURES) console.log('NOTE: ../shared/fixtures absent: the fixture exports are skipped');
