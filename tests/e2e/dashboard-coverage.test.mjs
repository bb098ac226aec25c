// The dashboard's coverage in the built app: on the v2 fixture, whose tool_logs were written by
// the real Acolytes hooks (no duration_ms, no agent_name), each coverage entry's data-value equals
// the share plain SQL gives on the same file, and the tool latency collapses to one "not
// recorded" line (no 0 ms tiles, no latency chart, no latency columns). On the v1 fixture
// (generated durations) the latency figures stay.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  V1,
  V2,
  WAIT_MS,
  openApp,
  openWith,
  pickFile,
  skipWithoutFixtures,
  skipWithoutV2Fixtures,
  sqlValue,
  useSuite,
  waitForSummary,
} from './helpers.mjs';

const env = useSuite('dashboard-coverage', { before, after });

/** Every coverage entry: { 'section.field': { value, state, text } }. */
const coverage = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="coverage"]')].map((el) => [
        `${el.dataset.section}.${el.dataset.field}`,
        {
          value: el.dataset.value === '' ? null : Number(el.dataset.value),
          state: el.dataset.state ?? null,
          text: el.textContent.trim(),
        },
      ]),
    ),
  );

const settled = (page) => page.waitForFunction(() => !document.querySelector('[data-testid="dashboard-progress"]'));

const close = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);

test('v2 (real hooks): coverage equals plain SQL and the latency says not recorded', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, V2);
    // No alertFails: the file says WAL in its header, which the app notes in an alert.
    await waitForSummary(page, { fileName: path.basename(V2), generation: 'v2' });
    await page.locator('[data-testid="nav-dashboard"]').click();
    await page.locator('[data-testid="kpi-tool-calls"]').waitFor({ timeout: WAIT_MS });
    await settled(page);
    const got = await coverage(page);

    const calls = sqlValue(V2, 'SELECT count(*) FROM tool_logs');
    assert.equal(calls, 2429);
    const share = (sql) => sqlValue(V2, sql) / calls;
    close(got['tools.duration_ms'].value, share('SELECT count(duration_ms) FROM tool_logs'), 'duration_ms');
    assert.equal(got['tools.duration_ms'].value, 0);
    assert.equal(got['tools.duration_ms'].text, 'duration_ms: 0 of 2,429 calls — these hooks do not record durations');
    close(got['tools.agent_name'].value, share("SELECT count(*) FROM tool_logs WHERE agent_name <> ''"), 'agent_name');
    close(got['tools.file_affected'].value, share("SELECT count(*) FROM tool_logs WHERE file_affected <> ''"), 'file_affected');
    close(got['tools.file_affected'].value, 1194 / 2429, 'file_affected');
    assert.equal(got['tools.file_affected'].text, 'file_affected: 1,194 of 2,429 calls');
    close(got['tools.success'].value, share('SELECT count(success) FROM tool_logs'), 'success');
    const checks = sqlValue(V2, 'SELECT count(*) FROM agent_health');
    close(got['health.drift_score'].value, sqlValue(V2, 'SELECT count(drift_score) FROM agent_health') / checks, 'drift');
    assert.ok(got['quests.created_at'], 'the quests section has its coverage');
    assert.equal(got['flags.created_at'], undefined, 'no flags in a 2.x file, no flag coverage');

    // The latency: one line, not recorded, empty data-value; no 0 ms anywhere.
    const line = page.locator('[data-testid="not-recorded"][data-figure="tool-latency"]');
    assert.equal(await line.count(), 1);
    assert.equal(await line.getAttribute('data-state'), 'not-recorded');
    assert.equal(await line.getAttribute('data-value'), '');
    assert.match(await line.textContent(), /not recorded — these hooks do not record durations/);
    for (const tile of ['tool-p50-ms', 'tool-p95-ms', 'tool-p99-ms']) {
      assert.equal(await page.locator(`[data-testid="kpi-${tile}"]`).count(), 0, `${tile} collapsed`);
    }
    assert.equal(await page.locator('.chart svg[aria-label^="Tool latency"]').count(), 0, 'no latency chart');
    assert.ok((await page.locator('[data-testid="tool-row"]').count()) > 0, 'the tools are still listed by calls');
    assert.doesNotMatch(await page.locator('[data-testid="dashboard-body"]').textContent(), /\b0 ms\b/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1 (generated durations): the latency figures stay and duration_ms is fully covered', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-dashboard"]').click();
    await page.locator('[data-testid="kpi-tool-p95-ms"]').waitFor({ timeout: WAIT_MS });
    await settled(page);
    const got = await coverage(page);
    assert.equal(got['tools.duration_ms'].value, 1);
    const calls = sqlValue(V1, 'SELECT count(*) FROM tool_logs');
    close(got['tools.agent_name'].value, sqlValue(V1, "SELECT count(*) FROM tool_logs WHERE agent_name <> ''") / calls, 'agent_name');
    const completed = sqlValue(V1, "SELECT count(*) FROM flags WHERE status = 'completed'");
    close(
      got['flags.completed_at'].value,
      sqlValue(V1, "SELECT count(*) FROM flags WHERE status = 'completed' AND completed_at IS NOT NULL") / completed,
      'completed_at over completed flags',
    );
    assert.equal(await page.locator('[data-testid="not-recorded"][data-figure="tool-latency"]').count(), 0);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
