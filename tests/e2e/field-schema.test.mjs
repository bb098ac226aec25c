// Issue 12, items 3 and 6, in the browser (sql.js 1.16: no FTS5). A file whose schema holds
// objects this SQLite cannot use opens: the summary names them and what follows (for the FTS5
// field case: editing flags is off, and why); the flag list, search and dashboard work; a write
// tried anyway is refused in SQLite's words and changes nothing; export equals the input. A
// broken view is listed; a really damaged file is still refused as damaged; a file of 3,000
// tables gives a short alert that says how many more.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  V1,
  V2,
  WAIT_MS,
  alertText,
  assertSameDatabase,
  exportTo,
  inspectDb,
  openApp,
  openWith,
  pickFile,
  skipWithoutFixtures,
  skipWithoutV2Fixtures,
  sqlValue,
  useSuite,
  waitForSummary,
  waitForAlert,
  xtask,
} from './helpers.mjs';

const FIELD = path.resolve(FIXTURES, '..', 'field-cases');
const FTS5 = path.join(FIELD, 'fts5-index-with-sync-triggers.db');
const FIELD_NOTE = 'NOTE: ../shared/field-cases absent';

const env = useSuite('field-schema', { before, after });

function skipWithoutField(t) {
  if (existsSync(FTS5)) return false;
  t.skip(FIELD_NOTE);
  return true;
}

/** The [data-testid="unusable-object"] items of the summary: [kind, name, module]. */
const unusable = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="unusable-object"]')].map((li) => [
      li.dataset.kind,
      li.dataset.name,
      li.dataset.module ?? null,
    ]),
  );

test('the FTS5 field case opens: flags_fts and its triggers are named, editing flags is off and says why', async (t) => {
  if (skipWithoutField(t)) return;
  const flags = String(sqlValue(FTS5, 'SELECT COUNT(*) FROM flags'));
  const app = await openWith(env, FTS5, flags);
  try {
    const { page } = app;
    assert.equal(await alertText(page), '', 'no alert: the file is not damaged');
    await page.locator('[data-testid="engine-limits"]').waitFor();
    const triggers = xtask([
      'query',
      FTS5,
      "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'flags' AND sql LIKE '%flags_fts%' ORDER BY rowid",
    ]);
    const triggerNames = JSON.parse(triggers).rows.map((r) => r[0]);
    assert.equal(triggerNames.length, 3, 'the field case keeps flags_fts in sync with three triggers');
    assert.deepEqual(await unusable(page), [
      ['virtual table', 'flags_fts', 'fts5'],
      ...triggerNames.map((n) => ['trigger', n, null]),
    ]);
    const note = await page.locator('[data-testid="engine-limits"]').textContent();
    assert.match(note, /not damaged/);
    assert.match(note, /no such module: fts5/, 'SQLite\'s own words');
    const off = await page.locator('[data-testid="edit-off-summary"]').textContent();
    assert.match(off, /Editing flags is off for this file/);
    assert.match(off, /inserting, updating and deleting rows of flags/);
    for (const n of triggerNames) assert.ok(off.includes(n), `${n} is named: ${off}`);
    assert.match(off, /module fts5/);

    // The counts equal plain SQL on the file.
    const pending = String(sqlValue(FTS5, "SELECT COUNT(*) FROM flags WHERE status = 'pending'"));
    assert.equal((await page.locator('[data-testid="count-pending"]').textContent()).trim(), pending);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the FTS5 field case: flag list, search and dashboard work; a write tried anyway changes nothing', async (t) => {
  if (skipWithoutField(t)) return;
  const flags = String(sqlValue(FTS5, 'SELECT COUNT(*) FROM flags'));
  const app = await openWith(env, FTS5, flags);
  try {
    const { page } = app;
    // The flag list and a flag's detail: edit controls are off, with the reason.
    const id = sqlValue(FTS5, "SELECT MIN(id) FROM flags WHERE status = 'pending' AND locked = 0");
    await page.evaluate((id) => (location.hash = `#flag/${id}`), id);
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: WAIT_MS });
    await page.locator('[data-testid="edit-off"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('[data-testid="edit-off"]').textContent(), /Editing flags is off/);
    for (const b of ['flag-lock', 'flag-complete', 'flag-edit', 'new-flag']) {
      assert.ok(await page.locator(`[data-testid="${b}"]`).isDisabled(), `${b} is disabled`);
    }

    // A write tried anyway (the l key toggles the lock of the selected flag).
    await page.locator('body').press('l');
    const alert = await waitForAlert(page, /no such module: fts5/);
    assert.match(alert, new RegExp(`Flag #${id}: The database refused the change: no such module: fts5`));
    assert.match(alert, /Editing flags is off for this file/);
    // The form keys follow the disabled buttons: no form opens, the reason is said.
    for (const key of ['e', 'n']) {
      const before = await page.evaluate(() =>
        Math.max(0, ...[...document.querySelectorAll('[data-alert-id]')].map((e) => Number(e.dataset.alertId))),
      );
      await page.locator('body').press(key);
      await page.waitForFunction(
        (before) =>
          [...document.querySelectorAll('[role="alert"][data-alert-id]')].some(
            (e) => Number(e.dataset.alertId) > before && e.textContent.startsWith('Editing flags is off'),
          ),
        before,
        { timeout: WAIT_MS },
      );
      assert.equal(await page.locator('[data-testid="flag-form"]').count(), 0, `${key}: no form opens`);
    }
    await page.locator('[data-testid="nav-summary"]').click();
    assert.equal(await page.locator('[data-testid="changes"]').count(), 0, 'no change was recorded');

    // Search: the agents page ranks as on the v1 fixture the file was made from.
    const query = 'JWT authentication implementation';
    const expected = JSON.parse(xtask(['search-agents', FTS5, query])).results.map((r) => [r.name, r.score]);
    assert.ok(expected.length > 0, 'the native search finds agents');
    await page.locator('[data-testid="nav-agents"]').click();
    await page.locator('[data-testid="agent-search"]').fill(query);
    await page.waitForFunction(
      (want) =>
        JSON.stringify(
          [...document.querySelectorAll('[data-testid="agent-result"]')].map((r) => [
            r.getAttribute('data-agent'),
            Number(r.getAttribute('data-score')),
          ]),
        ) === JSON.stringify(want),
      expected,
      { timeout: WAIT_MS },
    );

    // Dashboard: the pending KPI equals plain SQL.
    await page.locator('[data-testid="nav-dashboard"]').click();
    await page.locator('[data-testid="kpi-pending"]').waitFor({ timeout: WAIT_MS });
    const pending = sqlValue(FTS5, "SELECT COUNT(*) FROM flags WHERE status = 'pending'");
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid="kpi-pending"]')?.dataset.value === String(want),
      pending,
      { timeout: WAIT_MS },
    );

    // Export: the same database, sqlite_master and every row included.
    const exported = path.join(env.out, 'fts5-export.db');
    await exportTo(page, exported);
    assertSameDatabase(inspectDb(FTS5), inspectDb(exported));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a view naming a dropped table is listed and the file opens; a damaged file is still damaged', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const broken = path.join(env.out, 'broken-view.db');
  xtask([
    'exec-sql',
    '--from',
    V1,
    '--out',
    broken,
    'CREATE TABLE flag_audit (flag_id INTEGER); CREATE VIEW audited AS SELECT flag_id FROM flag_audit; DROP TABLE flag_audit;',
  ]);
  const app = await openWith(env, broken, '300');
  try {
    const { page } = app;
    assert.deepEqual(await unusable(page), [['view', 'audited', null]]);
    assert.match(await page.locator('[data-testid="engine-limits"]').textContent(), /no such table: main\.flag_audit/);
    assert.equal(await page.locator('[data-testid="edit-off-summary"]').count(), 0, 'flag writes work');
    const views = sqlValue(broken, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'view'");
    assert.match(await page.locator('.summary').textContent(), new RegExp(`${views} views\\. 1 of these objects cannot be used here`));

    // Pages of the same file overwritten with noise: still "damaged".
    const damaged = path.join(env.out, 'damaged-pages.db');
    const bytes = Buffer.from(readFileSync(V1));
    let x = 99;
    for (let i = 4096 * 30; i < 4096 * 34; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[i] = (x >>> 16) & 0xff;
    }
    writeFileSync(damaged, bytes);
    await pickFile(page, damaged);
    const alert = await waitForAlert(page, /damaged/);
    assert.match(alert, /The database is damaged: SQLite's integrity check found/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: quest writes firing a trigger on an FTS5 index: the status change is disabled and says why', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  // Built natively (FTS5 compiled in); sql.js has no FTS5, so updating acolyte_quests fails here.
  const indexed = path.join(env.out, 'quests-fts5.db');
  xtask([
    'exec-sql',
    '--from',
    V2,
    '--out',
    indexed,
    'CREATE VIRTUAL TABLE quests_fts USING fts5(mission); ' +
      'CREATE TRIGGER quests_fts_au AFTER UPDATE ON acolyte_quests BEGIN INSERT INTO quests_fts(mission) VALUES (new.mission); END;',
  ]);
  const id = sqlValue(indexed, "SELECT quest_id FROM acolyte_quests WHERE status <> 'completed' ORDER BY quest_id LIMIT 1");
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, indexed);
    await waitForSummary(page, { fileName: 'quests-fts5.db', generation: 'v2', alertFails: true });
    assert.deepEqual(await unusable(page), [
      ['virtual table', 'quests_fts', 'fts5'],
      ['trigger', 'quests_fts_au', null],
    ]);
    await page.evaluate((id) => (location.hash = `#quest/${id}`), id);
    const off = page.locator('[data-testid="quest-page"] [data-testid="edit-off"]');
    await off.waitFor({ timeout: WAIT_MS });
    assert.match(await off.textContent(), /Editing quests is off for this file/);
    assert.match(await off.textContent(), /quests_fts_au/);
    assert.ok(await page.locator('[data-testid="quest-status-apply"]').isDisabled(), 'the Apply button is disabled');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a file of 3,000 tables: the alert names a few and says how many more', async (t) => {
  const many = path.join(env.out, 'three-thousand-tables.db');
  // Three runs of 1,000 tables each (one argument of 3,000 statements is too long for exec).
  for (let run = 0; run < 3; run++) {
    const sql = ['BEGIN;'];
    for (let i = run * 1000 + 1; i <= (run + 1) * 1000; i++) {
      sql.push(`CREATE TABLE series_${String(i).padStart(4, '0')} (id INTEGER PRIMARY KEY, v REAL);`);
    }
    sql.push('COMMIT;');
    xtask(['exec-sql', ...(run > 0 ? ['--from', many] : []), '--out', many, sql.join('\n')]);
  }
  assert.equal(sqlValue(many, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"), 3000);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, many);
    const alert = await waitForAlert(page, /not an Acolytes or ClaudeSquad database/);
    t.diagnostic(`alert: ${alert}`);
    assert.ok(alert.length < 600, `the alert is ${alert.length} characters`);
    assert.match(alert, /Its 3,000 tables: series_0001, series_0002, series_0003, series_0004, series_0005 … and 2,995 more\./);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
