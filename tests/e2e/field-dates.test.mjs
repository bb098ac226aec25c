// Placeholder dates (issue 12, item 5) on ../shared/field-cases/placeholder-dates.db: the v1
// fixture with flag 1 created 1970-01-01 00:00, flag 300 created 2099-12-31 23:59 and the first
// tool call at 1970-01-01 00:00:00. The dashboard's window and "as of" are those of the real
// activity; a notice counts the outliers and links to flags 1 and 300; "all time incl. outliers"
// includes them with longer chart slots; the snapshot link stays under 8 KB and the HTML report
// under REPORT_LIMIT.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { FIXTURES, NOTE, WAIT_MS, openWith, sqlValue, useSuite } from './helpers.mjs';

const FIELD = path.resolve(FIXTURES, '..', 'field-cases');
const FILE = path.join(FIELD, 'placeholder-dates.db');
/** The snapshot link's limit (characters) and the report's (bytes) for any range: every chart has 120 slots at most (about 150 KB measured). */
const LINK_LIMIT = 8 * 1024;
const REPORT_LIMIT = 256 * 1024;

const env = useSuite('field-dates', { before, after });

function skipWithoutField(t) {
  if (existsSync(FILE)) return false;
  t.skip(`${NOTE} (field-cases/placeholder-dates.db)`);
  return true;
}

/** The activity bounds by plain SQL, without flags 1 and 300 and the 1970 tool call. */
function realBounds() {
  const firstLog = sqlValue(FILE, 'SELECT id FROM tool_logs ORDER BY timestamp, id LIMIT 1');
  const all = `SELECT created_at AS t FROM flags WHERE id NOT IN (1, 300)
    UNION ALL SELECT completed_at FROM flags WHERE completed_at IS NOT NULL AND id NOT IN (1, 300)
    UNION ALL SELECT substr(timestamp, 1, 16) FROM tool_logs WHERE id <> ${firstLog}
    UNION ALL SELECT checked_at FROM agent_health`;
  return { start: sqlValue(FILE, `SELECT min(t) FROM (${all})`), asOf: sqlValue(FILE, `SELECT max(t) FROM (${all})`) };
}

async function shown(page) {
  await page.locator('[data-testid="kpi-pending"]').waitFor({ timeout: WAIT_MS });
  await page.waitForFunction(() => !document.querySelector('[data-testid="dashboard-progress"]'));
}

const windowOf = (page) => page.locator('[data-testid="dashboard-window"]').evaluate((el) => ({ ...el.dataset }));
const kpi = (page, name) => page.locator(`[data-testid="kpi-${name}"]`).getAttribute('data-value');

async function snapshotLength(page) {
  const link = await page.locator('[data-testid="snapshot-link"]').inputValue();
  assert.match(link, /#snapshot\/s1\./);
  return link.length;
}

async function reportSize(page, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download-report"]').click()]);
  const file = path.join(env.out, name);
  await download.saveAs(file);
  return statSync(file).size;
}

test('the dashboard shows the real activity, names the outliers and includes them on demand', async (t) => {
  if (skipWithoutField(t)) return;
  const want = realBounds();
  const app = await openWith(env, FILE, '300');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-dashboard"]').click();
    await shown(page);
    const w = await windowOf(page);
    assert.equal(w.start, want.start, 'the window starts with the real activity');
    assert.equal(w.asOf, want.asOf, '"as of" is the latest real activity, not 2099');
    assert.equal(w.slot, 'day');
    assert.equal(await kpi(page, 'created'), String(sqlValue(FILE, "SELECT COUNT(*) FROM flags WHERE id NOT IN (1, 300)")));

    // The notice: 3 dates outside the activity, none unreadable, links to flags 1 and 300.
    const notice = page.locator('[data-testid="dashboard-outliers"]');
    assert.equal(await notice.getAttribute('data-outside'), '3');
    assert.equal(await notice.getAttribute('data-unreadable'), '0');
    assert.equal(await notice.getAttribute('data-included'), 'false');
    const ids = await notice.locator('[data-testid="outlier-link"][data-table="flags"]').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(ids, ['1', '300']);
    assert.equal(await notice.locator('[data-testid="outlier-row"][data-table="tool_logs"]').count(), 1);
    assert.match(await notice.textContent(), /interquartile/);
    const reportDefault = await reportSize(page, 'report-default.html');
    const linkDefault = await snapshotLength(page);

    // Each flag link opens that flag.
    for (const id of ['300', '1']) {
      await notice.locator(`[data-testid="outlier-link"][data-id="${id}"]`).click();
      await page.locator(`[data-testid="flag-detail"][data-flag-id="${id}"]`).waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="nav-dashboard"]').click();
      await shown(page);
    }

    // All time including outliers: 1970 → 2099, longer slots, every flag, the same "as of".
    await page.locator('[data-testid="range-everything"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="dashboard-window"]')?.dataset.start === '1970-01-01 00:00');
    await shown(page);
    const all = await windowOf(page);
    assert.equal(all.end, '2099-12-31 23:59');
    assert.equal(all.asOf, want.asOf);
    assert.notEqual(all.slot, 'day');
    assert.match(all.slot, /^(week|month|quarter|year|\d+ years)/);
    assert.equal(await page.locator('[data-testid="dashboard-outliers"]').getAttribute('data-included'), 'true');
    assert.equal(await kpi(page, 'created'), '300');
    const label = await page.locator('[data-testid="dashboard-flags"] svg').first().getAttribute('aria-label');
    const [, per, points] = label.match(/^Flags per (.+?): (\d+) points/);
    assert.equal(per, all.slot);
    assert.ok(Number(points) <= 120, `${points} slots`);

    const linkAll = await snapshotLength(page);
    const reportAll = await reportSize(page, 'report-all-time.html');

    // The widest custom range the date inputs take.
    await page.locator('[data-testid="range-from"]').fill('0001-01-01');
    await page.locator('[data-testid="range-to"]').fill('9999-12-31');
    await page.waitForFunction(() => document.querySelector('[data-testid="dashboard-window"]')?.dataset.start === '0001-01-01 00:00');
    await shown(page);
    const linkWidest = await snapshotLength(page);
    const reportWidest = await reportSize(page, 'report-widest.html');

    console.log(
      `placeholder-dates.db: snapshot link ${linkDefault} / ${linkAll} / ${linkWidest} characters, ` +
        `report ${reportDefault} / ${reportAll} / ${reportWidest} bytes (default / all time / 0001–9999)`,
    );
    for (const [what, n] of [['default', linkDefault], ['all time', linkAll], ['widest', linkWidest]]) {
      assert.ok(n < LINK_LIMIT, `${what}: snapshot link of ${n} characters`);
    }
    for (const [what, n] of [['default', reportDefault], ['all time', reportAll], ['widest', reportWidest]]) {
      assert.ok(n < REPORT_LIMIT, `${what}: report of ${n} bytes`);
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
