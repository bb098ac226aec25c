// The dashboard's Quests section on the Acolytes 2.x fixtures (v2 and hybrid): every quest
// figure's data-value against the same dashboard computed natively by `cargo xtask dashboard`
// (rusqlite instead of sql.js) and against the README where it states the figure; the stall
// threshold control; the snapshot link (the quest figures travel in it and show without the
// file) and the HTML report.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  HYBRID,
  V2,
  WAIT_MS,
  openApp,
  pickFile,
  skipWithoutV2Fixtures,
  useSuite,
  waitForSummary,
  xtask,
  dashboardState,
} from './helpers.mjs';

const env = useSuite('quest-kpis', { before, after });

/** Every kpi-* tile of the Quests section, by name, as numbers (null when it shows no data). */
const questFigures = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid^="kpi-quest"]')].map((el) => [
        el.dataset.testid.slice(4),
        el.dataset.value === '' ? null : Number(el.dataset.value),
      ]),
    ),
  );

/** The quest tables: rows as [key, value] pairs. */
const questRows = (page) =>
  page.evaluate(() => {
    const rows = (id, key) =>
      [...document.querySelectorAll(`[data-testid="${id}"]`)].map((el) => [el.dataset[key], Number(el.dataset.value)]);
    return {
      agents: rows('quest-turn-agent', 'agent'),
      stalled: rows('quest-stalled', 'questId'),
      weeks: rows('quest-week', 'week'),
    };
  });

/** Opens `file` (of `generation`), goes to the dashboard and waits for the Quests section's figures. */
async function openDashboard(file, generation) {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  await pickFile(app.page, file);
  // No alertFails: both files say WAL in their header, which the app notes in an alert.
  await waitForSummary(app.page, { fileName: path.basename(file), generation });
  await app.page.locator('[data-testid="nav-dashboard"]').click();
  await app.page.locator('[data-testid="kpi-quests-open"]').waitFor({ timeout: WAIT_MS });
  await settled(app.page);
  return app;
}

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="dashboard-progress"]'));
}

const close = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The figures the page must show for the native dashboard's quest aggregates `q`. */
function expected(q) {
  const want = {
    'quests-open': q.open,
    'quests-completed': q.completed,
    'quest-complete-p50-seconds': q.time_to_complete.p50,
    'quest-complete-p90-seconds': q.time_to_complete.p90,
    'quest-messages-mean': q.messages_mean,
    'quest-messages-median': q.messages_median,
    'quest-broadcast-not-array': q.broadcast_not_array,
    'quest-handoffs-mean': q.handoffs_mean,
    'quest-failed-timeout-share': q.failed_timeout_share,
    'quests-stalled': q.stalled,
  };
  for (const [status, n] of q.open_by_status) want[`quests-open-${status}`] = n;
  return want;
}

function assertSameAsNative(got, rows, q, what) {
  const want = expected(q);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: the quest tiles`);
  for (const [name, value] of Object.entries(want)) {
    if (value === null) assert.equal(got[name], null, `${what} ${name}`);
    else close(got[name], value, `${what} ${name}`);
  }
  assert.deepEqual(rows.agents, q.turn_holding.map((a) => [a.agent, a.seconds]), `${what}: turn holding`);
  assert.deepEqual(rows.stalled, q.stalled_longest.map((s) => [String(s.id), s.held_seconds]), `${what}: stalled`);
  assert.deepEqual(rows.weeks, q.weekly_completed, `${what}: completed per week`);
}

for (const [file, readme] of [
  [V2, { generation: 'v2', p50: 4069, open: 4, stalled: 3, shareOfEnded: 5 / 36, longer: 30 }],
  [HYBRID, { generation: 'hybrid', p50: 4014, open: 2, stalled: 1, shareOfEnded: 2 / 13, longer: 60 }],
]) {
  const name = path.basename(file);
  test(`${name}: the quest KPIs equal the native dashboard and the README`, async (t) => {
    if (skipWithoutV2Fixtures(t)) return;
    const app = await openDashboard(file, readme.generation);
    try {
      const { page } = app;
      const native = JSON.parse(xtask(['dashboard', file]));
      const q = native.aggregates.quests;
      assertSameAsNative(await questFigures(page), await questRows(page), q, name);
      // The README's facts (the native figures are checked against them in tests/quests_dashboard.rs).
      const got = await questFigures(page);
      assert.equal(got['quest-complete-p50-seconds'], readme.p50);
      assert.equal(got['quests-open'], readme.open);
      close(got['quest-failed-timeout-share'], readme.shareOfEnded, 'failed + timeout of ended');
      // With the default threshold (24 h) as of the latest activity.
      assert.equal(got['quests-stalled'], readme.stalled);

      // A longer stall threshold leaves fewer stalled quests, exactly as natively.
      await page.locator('[data-testid="quest-stall-hours"]').fill(String(readme.longer));
      await page.locator('[data-testid="quest-stall-hours"]').press('Enter');
      const longer = JSON.parse(
        xtask(['dashboard', file, '--state', JSON.stringify(dashboardState({ stall_after_hours: readme.longer }))]),
      ).aggregates.quests;
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="kpi-quests-stalled"]')?.dataset.value === String(n),
        longer.stalled,
      );
      await settled(page);
      assertSameAsNative(await questFigures(page), await questRows(page), longer, `${name} at ${readme.longer} h`);
      assert.ok(longer.stalled < q.stalled, 'a longer threshold stalls fewer quests');
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}

test('the snapshot link carries the quest KPIs and the report shows them', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await openDashboard(V2, 'v2');
  try {
    const { page } = app;
    const want = await questFigures(page);
    const rows = await questRows(page);
    const link = await page.locator('[data-testid="snapshot-link"]').inputValue();
    assert.ok(link.length < 8 * 1024, `snapshot link of ${link.length} characters`);

    const viewer = await openApp(env.browser, link);
    try {
      await viewer.page.locator('[data-testid="snapshot-view"][data-ok="true"]').waitFor({ timeout: WAIT_MS });
      await viewer.page.locator('[data-testid="kpi-quests-open"]').waitFor({ timeout: WAIT_MS });
      assert.deepEqual(await questFigures(viewer.page), want, 'the snapshot shows exactly the live quest figures');
      assert.deepEqual(await questRows(viewer.page), rows, 'and the same quest tables');
      viewer.assertHealthy();
    } finally {
      await viewer.close();
    }

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="download-report"]').click(),
    ]);
    const file = path.join(env.out, 'quest-report.html');
    await download.saveAs(file);
    const html = readFileSync(file, 'utf8');
    for (const [name, value] of Object.entries(want)) {
      assert.ok(html.includes(`data-testid="kpi-${name}"`), `the report has kpi-${name}`);
      if (value !== null) assert.ok(html.includes(`data-value="${value}"`), `kpi-${name} = ${value} in the report`);
    }
    assert.ok(html.includes('data-testid="quest-turn-agent"'), 'the turn-holding table is in the report');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
