// Sharing the dashboard: a settings link that restores the view once the same file is opened,
// a snapshot link that shows the same figures with no file (and says so when it is damaged or
// cut), agent-name redaction, a standalone report that needs no script, and dashboards saved
// inside the database (checked natively in the exported file).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { V1, exportTo, inspectDb, openApp, openWith, pickFile, scrollToSection, setBudget, skipWithoutFixtures, useSuite, waitForSummary } from './helpers.mjs';

const env = useSuite('share', { before, after });

const figures = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid^="kpi-"]')].map((el) => [el.dataset.testid, el.dataset.value]),
    ),
  );

async function dashboard(page) {
  await page.locator('[data-testid="nav-dashboard"]').click();
  await page.locator('[data-testid="kpi-pending"]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="dashboard-progress"]'));
}

test('a settings link restores the view once the same file is opened', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await dashboard(page);
    await page.locator('[data-testid="filter-tool"]').selectOption('Bash');
    await page.waitForFunction(() => document.querySelector('[data-testid="kpi-tool-calls"]')?.dataset.value === '696');
    await scrollToSection(page, 'capacity');
    await page.locator('[data-testid="growth-300"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="growth-value"]')?.textContent === '300 %');
    await setBudget(page, 'budget-critical', '5');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="budget"][data-name="critical-pending"]')?.dataset.pass === 'true',
    );
    const want = await figures(page);
    const link = await page.locator('[data-testid="share-link"]').inputValue();
    assert.match(link, /#dashboard\/[A-Za-z0-9_-]+$/);

    const other = await openApp(env.browser, link);
    try {
      await pickFile(other.page, V1);
      await other.page.locator('[data-testid="kpi-tool-calls"]').waitFor({ timeout: 30_000 });
      await other.page.waitForFunction(() => document.querySelector('[data-testid="kpi-tool-calls"]')?.dataset.value === '696');
      assert.deepEqual(await figures(other.page), want, 'every figure as shared');
      assert.equal(await other.page.locator('[data-testid="filter-tool"]').inputValue(), 'Bash');
      assert.equal(await other.page.locator('[data-testid="growth-value"]').textContent(), '300 %');
      other.assertHealthy();
    } finally {
      await other.close();
    }
    // A damaged settings link says so and shows the default dashboard.
    const broken = await openApp(env.browser, `${link.split('#')[0]}#dashboard/not-a-state`);
    try {
      await broken.page.locator('[role="alert"]').filter({ hasText: 'dashboard link could not be used' }).waitFor();
    } finally {
      await broken.close();
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a snapshot link shows the same figures without the file; damaged and cut links are explained', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await dashboard(page);
    const want = await figures(page);
    const link = await page.locator('[data-testid="snapshot-link"]').inputValue();
    const length = await page.locator('[data-testid="snapshot-length"]').textContent();
    assert.match(length, new RegExp(`${link.length} characters`));
    assert.ok(link.length < 8 * 1024, `snapshot link of ${link.length} characters`);

    const viewer = await openApp(env.browser, link);
    try {
      const view = viewer.page.locator('[data-testid="snapshot-view"]');
      await view.waitFor({ timeout: 30_000 });
      assert.equal(await view.getAttribute('data-ok'), 'true');
      assert.deepEqual(await figures(viewer.page), want, 'the snapshot shows exactly the live figures');
      assert.equal(await viewer.page.locator('[data-testid="count-flags"]').count(), 0, 'no database is open');
      assert.ok((await viewer.page.textContent('body')).includes('@backend.api'));
      viewer.assertHealthy();
    } finally {
      await viewer.close();
    }

    await page.locator('[data-testid="snapshot-redact"]').check();
    await page.waitForFunction((old) => document.querySelector('[data-testid="snapshot-link"]').value !== old, link);
    const redacted = await page.locator('[data-testid="snapshot-link"]').inputValue();
    const anon = await openApp(env.browser, redacted);
    try {
      await anon.page.locator('[data-testid="snapshot-view"][data-ok="true"]').waitFor({ timeout: 30_000 });
      const text = await anon.page.textContent('body');
      assert.ok(!/@[a-z]+\.[a-z]/.test(text), 'no agent name is left');
      assert.ok(!text.includes('acolytes-v1-small.db'), 'nor the file name');
      assert.ok(text.includes('agent 1'));
    } finally {
      await anon.close();
    }

    const [base, payload] = link.split('#snapshot/');
    const middle = Math.floor(payload.length / 2);
    const flipped = payload.slice(0, middle) + (payload[middle] === 'A' ? 'B' : 'A') + payload.slice(middle + 1);
    for (const [what, bad, words] of [
      ['cut', payload.slice(0, payload.length - 9), /incomplete|damaged/],
      ['changed', flipped, /damaged|changed|could not be read/],
      ['foreign', 'hello', /does not hold a flagdeck snapshot/],
    ]) {
      const p = await openApp(env.browser, `${base}#snapshot/${bad}`);
      try {
        await p.page.locator('[data-testid="snapshot-error"]').waitFor({ timeout: 30_000 });
        assert.match(await p.page.locator('[data-testid="snapshot-error"]').textContent(), words, what);
      } finally {
        await p.close();
      }
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the report is one HTML file that shows the dashboard with scripts off', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await dashboard(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="download-report"]').click(),
    ]);
    const file = path.join(env.out, 'report.html');
    await download.saveAs(file);
    assert.equal(download.suggestedFilename(), 'flagdeck-report-acolytes-v1-small.html');
    const html = readFileSync(file, 'utf8');
    assert.ok(!/<script/i.test(html), 'no script');
    assert.ok(!/<(input|select|button)\b/i.test(html), 'no controls');
    assert.ok(!/(src|href)="(?!#|data:)/i.test(html), 'nothing loaded from elsewhere');
    assert.match(html, /<svg/);
    assert.match(html, /<style>[^<]*\.kpi[^<]*<\/style>/, "the page's stylesheet is inlined");
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    try {
      const report = await context.newPage();
      await report.goto(pathToFileURL(file).href);
      assert.equal(await report.locator('[data-testid="kpi-pending"]').getAttribute('data-value'), '139');
      assert.match(await report.locator('[data-testid="kpi-pending"]').innerText(), /139/);
      assert.ok((await report.locator('svg').count()) >= 5, 'the charts');
      assert.equal(await report.locator('[data-testid="budget"]').count(), 5, 'the budgets');
    } finally {
      await context.close();
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a saved dashboard lives in the exported file, in its own table only', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await dashboard(page);
    await page.locator('[data-testid="range-30-days"]').click();
    await page.locator('[data-testid="dashboard-name"]').fill('Weekly review');
    await page.locator('[data-testid="dashboard-save"]').click();
    await page.locator('[data-testid="saved-dashboard"][data-name="Weekly review"]').waitFor();
    await page.locator('[data-testid="range-all"]').click();
    await page.locator('[data-testid="saved-dashboard-load"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="range-30-days"]')?.classList.contains('active'));

    await page.locator('[data-testid="nav-summary"]').click();
    assert.match(await page.locator('[data-testid="other-changes"]').textContent(), /Weekly review/);
    const exported = path.join(env.out, 'saved-dashboard.db');
    await exportTo(page, exported);
    const got = inspectDb(exported);
    const want = inspectDb(V1);
    assert.equal(got.integrity_check, 'ok');
    assert.equal(got.tables.flagdeck_dashboards.rows, 1);
    const { flagdeck_dashboards: _, ...rest } = got.tables;
    assert.deepEqual(rest, want.tables, 'every other table exactly as it was');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
