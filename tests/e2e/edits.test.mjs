// Changing flags: complete and lock from the detail panel, undo, the Changes list, and an
// export that holds exactly the expected change (checked natively: the same change made with
// plain SQL on a copy of the fixture gives identical digests for every table).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  V1,
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
  out = outDir('edits');
  servers = await startServers(out);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

/** The value shown next to a field name in the flag detail. */
const field = (page, name) =>
  page.evaluate((name) => {
    const dt = [...document.querySelectorAll('[data-testid="flag-detail"] dt')].find((d) => d.textContent === name);
    return dt?.nextElementSibling?.textContent ?? null;
  }, name);

test('complete, lock, undo the lock, export: only the completion is in the file', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, V1);
    await waitForSummary(page, { fileName: 'acolytes-v1-small.db', flags: '300', alertFails: true });
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="complete-by"]').fill('backend.api');
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    assert.equal(await field(page, 'status'), 'completed');
    const completedAt = await field(page, 'completed_at');
    assert.match(completedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d$/, 'completed_at in the tool format');
    assert.equal(await field(page, 'completed_by'), 'backend.api', 'no @ added, as complete-flag does');

    await page.locator('[data-testid="flag-lock"]').click();
    await page.locator('[data-testid="flag-unlock"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="undo"]').click();
    await page.locator('[data-testid="flag-lock"]').waitFor({ timeout: 10_000 });

    await page.locator('[data-testid="nav-summary"]').click();
    await page.locator('[data-testid="changes"]').waitFor();
    assert.equal(await page.locator('[data-testid="changes"] li').count(), 1, 'one change remains after the undo');
    assert.equal((await page.locator('[data-testid="count-pending"]').textContent()).trim(), '138');

    const exported = path.join(out, 'edited.db');
    await exportTo(page, exported);
    const expected = path.join(out, 'expected.db');
    xtask([
      'exec-sql',
      '--from',
      V1,
      '--out',
      expected,
      `UPDATE flags SET status = 'completed', completed_at = '${completedAt}', completed_by = 'backend.api' WHERE id = 203`,
    ]);
    const got = inspectDb(exported);
    const want = inspectDb(expected);
    assert.equal(got.integrity_check, 'ok');
    assert.deepEqual(got.tables, want.tables, 'every table holds exactly the expected rows');
    assert.deepEqual(got.master, want.master, 'schema unchanged');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
