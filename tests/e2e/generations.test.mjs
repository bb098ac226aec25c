// Acolytes 2.x (v2: quests, no flags) and upgraded (hybrid: flags and quests) files in the built
// app: the summary's generation and counts (fixture README facts), no Flags tab on v2 and a
// notice for #flags / #flag/ID, the agent search (the real tool's captured output), an agent's
// quests on its page, the dashboard without flag sections, and the export round trip (checked
// natively with `cargo xtask inspect-db`).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  HYBRID,
  HYBRID_SUMMARY,
  V2,
  V2_SUMMARY,
  assertSameDatabase,
  assertSummary,
  exportTo,
  inspectDb,
  openApp,
  pickFile,
  skipWithoutV2Fixtures,
  useSuite,
  waitForSummary,
  xtask,
} from './helpers.mjs';

const env = useSuite('generations', { before, after });
const SETTLE_MS = 15_000;

/**
 * A new page with `file` opened and its summary showing `generation`. The v2 and hybrid headers
 * say WAL, so the app's notice about a `-wal` companion is expected: alerts do not end the wait.
 */
async function open(file, generation) {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  await pickFile(app.page, file);
  await waitForSummary(app.page, { fileName: path.basename(file), generation });
  return app;
}

/** Waits for `selector` to be visible, saying what was awaited if it never is. */
async function visible(page, selector, what) {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: SETTLE_MS });
  } catch {
    throw new Error(`${what}: ${selector} did not become visible`);
  }
}

const count = (page, selector) => page.evaluate((s) => document.querySelectorAll(s).length, selector);
const query = (file, sql) => JSON.parse(xtask(['query', file, sql])).rows;

test('v2: the summary names the generation and shows the quest count, no flag tiles', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2, 'v2');
  try {
    await assertSummary(app.page, V2_SUMMARY);
    assert.equal(await count(app.page, '[data-testid="count-locked"]'), 0, 'no flag tile at all');
    // The WAL notice is the only alert; nothing about flags.
    const alerts = await app.page.evaluate(() => [...document.querySelectorAll('[role="alert"]')].map((e) => e.textContent));
    assert.ok(alerts.every((a) => /WAL/.test(a)), JSON.stringify(alerts));
    // The working copy keeps the file as opened, as for any generation.
    await visible(app.page, '[data-testid="working-copy"][data-state="saved"]', 'the working copy of a v2 file');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('hybrid: the summary shows its flags and its quests', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(HYBRID, 'hybrid');
  try {
    await assertSummary(app.page, HYBRID_SUMMARY);
    await visible(app.page, '[data-testid="nav-flags"]', 'a hybrid file has flags');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: no Flags tab; #flags and #flag/ID show the notice, not a broken page', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2, 'v2');
  try {
    const { page } = app;
    await visible(page, '[data-testid="nav-agents"]', 'the tabs are shown');
    assert.equal(await count(page, '[data-testid="nav-flags"]'), 0, 'no Flags tab on a v2 file');
    for (const hash of ['#flags', '#flag/3']) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await visible(page, '[data-testid="no-flags-notice"]', `after ${hash}`);
      const text = await page.locator('[data-testid="no-flags-notice"]').textContent();
      assert.match(text, /Acolytes 2\.x/);
      assert.match(text, /Quests/);
      assert.equal(await page.locator('[data-testid="no-flags-quests-link"]').getAttribute('href'), '#quests');
      assert.equal(await count(page, '[data-testid="flag-total"]'), 0, `${hash}: no flag list`);
      await page.evaluate(() => {
        location.hash = '#summary';
      });
      await visible(page, '[data-testid="count-quests"]', 'back on the summary');
    }
    // The routing check has nothing to route either.
    await page.locator('[data-testid="nav-routing"]').click();
    await visible(page, '[data-testid="routing-no-flags"]', 'routing on a v2 file');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: the agent search gives the captured search-agents output (top 3 and the rest)', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const expected = JSON.parse(
    readFileSync(path.join(FIXTURES, 'expected', 'v2-search-agents-02-postgresql-query-performance-tuning.json'), 'utf8'),
  );
  const want = expected.results.map((r) => [r.name, r.score]);
  const app = await open(V2, 'v2');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-agents"]').click();
    await visible(page, '[data-testid="catalog-row"]', 'the catalog');
    assert.equal(await count(page, '[data-testid="catalog-row"]'), 59, 'README: 59 catalog agents');
    await page.locator('[data-testid="agent-search"]').pressSequentially(expected.query);
    const rows = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="agent-result"]')].map((r) => [r.dataset.agent, Number(r.dataset.score)]),
      );
    await page
      .waitForFunction((n) => document.querySelectorAll('[data-testid="agent-result"]').length === n, want.length, {
        timeout: SETTLE_MS,
      })
      .catch(() => {});
    const got = await rows();
    assert.deepEqual(got.slice(0, 3), want.slice(0, 3), 'the top 3: names, scores, order');
    assert.deepEqual(got, want, 'every result of the captured output');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: an agent page lists its quests, its turn marked, each linking to #quest/ID', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const agent = '@acolyte.auth';
  // The expectation in plain JavaScript over the stored rows.
  const quests = query(V2, 'SELECT quest_id, recruited, current_agent, created_at, updated_at FROM acolyte_quests');
  const mine = quests.filter(([, recruited, current]) => JSON.parse(recruited).includes(agent) || current === agent);
  const turns = mine.filter(([, , current]) => current === agent).map(([id]) => id);
  assert.equal(turns.length, 2, 'README: @acolyte.auth holds the turn of 2 quests');
  const app = await open(V2, 'v2');
  try {
    const { page } = app;
    await page.evaluate((a) => {
      location.hash = `#agent/${encodeURIComponent(a)}`;
    }, agent);
    await visible(page, '[data-testid="agent-quest"]', 'the quests of the agent page');
    // Drawn in parts: every row once the last part is painted.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="agent-quest"]').length === n, mine.length, { timeout: SETTLE_MS });
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="agent-quest"]')].map((r) => ({
        id: Number(r.dataset.questId),
        turn: r.dataset.turn === 'true',
        href: r.querySelector('[data-testid="agent-quest-link"]')?.getAttribute('href'),
      })),
    );
    assert.deepEqual(rows.map((r) => r.id).sort((a, b) => a - b), mine.map(([id]) => id).sort((a, b) => a - b));
    assert.deepEqual(rows.filter((r) => r.turn).map((r) => r.id).sort(), [...turns].sort(), 'its turn, marked');
    assert.ok(rows.slice(0, turns.length).every((r) => r.turn), 'its turn first');
    assert.ok(rows.every((r) => r.href === `#quest/${r.id}`), JSON.stringify(rows));
    assert.equal(await count(page, '[data-testid="agent-pending"]'), 0, 'no flag counts on a v2 agent page');

    // Dates: the one UI format; the stored value on hover, "offset unknown" for zone-less text.
    const [, , , created, updated] = quests.find(([id]) => id === rows[0].id);
    const cell = async (testid) =>
      page.evaluate(
        ({ id, testid }) => {
          const el = document.querySelector(`[data-testid="agent-quest"][data-quest-id="${id}"] [data-testid="${testid}"]`);
          return { text: el?.textContent.trim(), title: el?.getAttribute('title'), stored: el?.dataset.stored };
        },
        { id: rows[0].id, testid },
      );
    const c = await cell('agent-quest-created');
    assert.equal(c.stored, created);
    assert.equal(c.text, created.slice(0, 16), 'zone-less text: shown to the minute, no UTC');
    assert.match(c.title, /offset unknown/);
    const u = await cell('agent-quest-updated');
    assert.equal(u.stored, updated);
    if (/^\d+$/.test(updated)) {
      const iso = new Date(Number(updated) * 1000).toISOString();
      assert.equal(u.text, `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`, 'epoch seconds are UTC');
      assert.doesNotMatch(u.title, /offset unknown/);
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: the dashboard shows tool and health figures and no flag sections', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const native = JSON.parse(xtask(['dashboard', V2]));
  assert.equal(native.aggregates.flags, null, 'natively: no flag figures');
  const app = await open(V2, 'v2');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-dashboard"]').click();
    await visible(page, '[data-testid="kpi-tool-calls"]', 'the tool figures');
    await page.waitForFunction(() => !document.querySelector('[data-testid="dashboard-progress"]'));
    const got = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid^="kpi-"]')].map((el) => [el.dataset.testid.slice(4), el.dataset.value]),
      ),
    );
    assert.equal(Number(got['tool-calls']), 2429, 'README: 2429 tool_logs rows');
    assert.equal(Number(got['tool-calls']), native.aggregates.tools.calls);
    // README: success = 0 on no row, no error_message: failures are not recorded, no 0 % tile.
    assert.equal(got['error-rate'], undefined, 'the error rate is not recorded');
    assert.equal(native.aggregates.tools.error_rate, null);
    assert.equal(Number(got['health-checks']), 21, 'README: 21 agent_health rows');
    assert.equal(Number(got['agents-checked']), native.aggregates.health.latest.length);
    for (const flagFigure of ['pending', 'workable', 'created', 'chains', 'utilisation', 'inflow-per-day']) {
      assert.ok(!(flagFigure in got), `no kpi-${flagFigure} without flags`);
    }
    assert.equal(await count(page, '[data-testid="dashboard-flags"]'), 0);
    assert.equal(await count(page, '[data-testid="filter-type"]'), 0, 'no flag-type filter');
    const gates = await page.evaluate(() => [...document.querySelectorAll('[data-testid="budget"]')].map((b) => b.dataset.name));
    assert.deepEqual(gates, ['tool-p95', 'error-rate'], 'only the tool gates');

    // Shared as a snapshot link, the same figures show with no file open.
    const link = await page.locator('[data-testid="snapshot-link"]').inputValue();
    const viewer = await openApp(env.browser, link);
    try {
      const view = viewer.page.locator('[data-testid="snapshot-view"][data-ok="true"]');
      await view.waitFor({ timeout: SETTLE_MS });
      const shared = await viewer.page.evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-testid^="kpi-"]')].map((el) => [el.dataset.testid.slice(4), el.dataset.value]),
        ),
      );
      assert.deepEqual(shared, got, 'the snapshot shows exactly the live figures');
      assert.equal(await count(viewer.page, '[data-testid="dashboard-flags"]'), 0);
      viewer.assertHealthy();
    } finally {
      await viewer.close();
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: export gives back the same database, WAL header kept', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2, 'v2');
  try {
    const dest = path.join(env.out, 'exported-v2.db');
    const name = await exportTo(app.page, dest);
    assert.equal(name, 'acolytes-v2-small.db');
    const original = inspectDb(V2);
    const exported = inspectDb(dest);
    assert.equal(exported.header.journal_mode, 'wal', 'the header still says WAL');
    assert.deepEqual(
      Object.fromEntries(Object.entries(exported.tables).map(([t, v]) => [t, v.rows])),
      Object.fromEntries(Object.entries(original.tables).map(([t, v]) => [t, v.rows])),
      'the same row counts',
    );
    assertSameDatabase(original, exported);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('hybrid: flag dates show the one format with the stored value on hover', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(HYBRID, 'hybrid');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-flags"]').click();
    await visible(page, '[data-testid="flag-row"] [data-testid="flag-created"]', 'the flag list');
    const first = await page.evaluate(() => {
      const row = document.querySelector('[data-testid="flag-row"]');
      const el = row.querySelector('[data-testid="flag-created"]');
      return { id: Number(row.dataset.flagId), text: el.textContent.trim(), title: el.getAttribute('title'), stored: el.dataset.stored };
    });
    const [[stored]] = query(HYBRID, `SELECT created_at FROM flags WHERE id = ${first.id}`);
    assert.equal(first.stored, stored);
    assert.equal(first.text, stored, 'agent_db.py minutes are already the UI format (no zone: no UTC)');
    assert.match(first.title, new RegExp(`stored: ${stored} \\(YYYY-MM-DD HH:MM\\) · offset unknown`));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
