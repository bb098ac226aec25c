// The flag list: pending flags in the tool's order, facet filters with counts, a virtual table
// that keeps few rows in the DOM, pages when scrolling (keyset after a loaded page, OFFSET for a
// jump), and the detail with its chain.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  V1,
  exportTo,
  gateWorkerAnswers,
  heldRounds,
  openApp,
  openWith,
  pickFile,
  waitForSummary,
  skipWithoutFixtures,
  useSuite,
  waitForHeldRound,
  xtask,
} from './helpers.mjs';

const env = useSuite('flags', { before, after });

/** Ids of the flag rows in the DOM, top to bottom. */
const rowIds = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="flag-row"]')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((e) => Number(e.dataset.flagId)),
  );

/** [position in the list, id] of each flag row in the DOM, from its offset in the table. */
const rowsByPosition = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="flag-row"]')]
      .map((e) => [Math.round(e.offsetTop / e.offsetHeight), Number(e.dataset.flagId)])
      .sort((a, b) => a[0] - b[0]),
  );

/** Waits until the rendered rows include `id` and no placeholder is left. */
const waitForRow = (page, id) =>
  page.waitForFunction(
    (id) =>
      document.querySelector(`[data-testid="flag-row"][data-flag-id="${id}"]`) &&
      !document.querySelector('[data-testid="flag-placeholder"]'),
    id,
    { timeout: 10_000 },
  );

/** The generation of the count and rows on screen (they change together, in one render). */
const generation = (page) =>
  page.evaluate(() => Number(document.querySelector('[data-testid="flag-total"]')?.dataset.generation ?? 0));

/**
 * Waits for a generation newer than `after` whose count starts with `total`: its rows are the
 * ones in the DOM, never the previous query's.
 */
const waitForTotal = (page, total, after) =>
  page.waitForFunction(
    ([total, after]) => {
      const el = document.querySelector('[data-testid="flag-total"]');
      return el && Number(el.dataset.generation) > after && el.textContent.startsWith(`${total} `);
    },
    [total, after],
    { timeout: 10_000 },
  );

const pageMeasures = (page) => page.evaluate(() => performance.getEntriesByName('flagdeck:page', 'measure').length);

async function openFlags() {
  const app = await openWith(env, V1, '300');
  await app.page.locator('[data-testid="nav-flags"]').click();
  await app.page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
  return app;
}

test('pending flags for @backend.api come in get-pending-flags order, with facet counts', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-total"]')?.textContent.includes('139'));
    const target = page.locator('[data-testid="facet-value"][data-facet="Target"][data-value="@backend.api"]');
    assert.match(await target.textContent(), /7$/, 'the facet shows 7 pending flags for @backend.api');
    await target.locator('input').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-total"]')?.textContent.startsWith('7 '));
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected', 'get-pending-flags-backend.api.json'), 'utf8'));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="flag-row"]').length === n, expected.length);
    assert.deepEqual(await rowIds(page), expected.map((f) => f.id));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a preset and a facet value the pointer rests on are asked ahead: the click draws the new list in the frame after it, with every worker answer held', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const ids = (where) => JSON.parse(xtask(['query', V1, `SELECT id FROM flags ${where} ORDER BY IFNULL(created_at, '') DESC, id DESC`])).rows.map((r) => r[0]);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await gateWorkerAnswers(page);
    await pickFile(page, V1);
    await waitForSummary(page, { fileName: path.basename(V1), flags: '300', alertFails: true });
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
    // The table's rows come from the rows held in the page once they are all there.
    await page.waitForFunction(
      () => ['flagdeck:layer-built', 'flagdeck:mirror-filled'].every((n) => performance.getEntriesByName(n, 'measure').length > 0),
      null,
      { timeout: 10_000 },
    );
    // Rests the pointer on `control` until what its click reads is in, then clicks it with every
    // worker answer held: what the first frame after the click shows.
    const clickAhead = async (control) => {
      const before = await page.evaluate(() => performance.getEntriesByName('flagdeck:flags-ahead', 'mark').length);
      await page.mouse.move(0, 0);
      await control.hover();
      await page.waitForFunction((n) => performance.getEntriesByName('flagdeck:flags-ahead', 'mark').length > n, before, { timeout: 10_000 });
      await page.evaluate(() => {
        performance.clearMeasures('flagdeck:facets');
        window.holdWorkerAnswers();
        window.firstFrame = null;
        document.addEventListener('click', () => requestAnimationFrame(() => {
          window.firstFrame = {
            total: document.querySelector('[data-testid="flag-total"]')?.textContent.trim() ?? null,
            ids: [...document.querySelectorAll('[data-testid="flag-row"]')]
              .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
              .slice(0, 5)
              .map((e) => Number(e.dataset.flagId)),
          };
        }), { capture: true, once: true });
      });
      await control.click();
      await page.waitForFunction(() => window.firstFrame, null, { timeout: 10_000 });
      const first = await page.evaluate(() => window.firstFrame);
      await page.evaluate(() => window.releaseWorkerAnswers());
      // The new list's facet counts drawn: the boxes stay where they are from here.
      await page.waitForFunction(() => performance.getEntriesByName('flagdeck:facets', 'measure').length > 0, null, { timeout: 10_000 });
      return first;
    };
    const all = ids('');
    assert.deepEqual(await clickAhead(page.locator('[data-testid="preset-all"]')), { total: `${all.length} flags`, ids: all.slice(0, 5) },
      'the first frame after a click on "All flags" holds its count and first rows (newest first)');
    const high = ids("WHERE impact_level = 'high'");
    assert.ok(high.length > 5 && high.length < all.length, `${high.length} high-impact flags`);
    const tick = page.locator('[data-testid="facet-value"][data-facet="Impact"][data-value="high"] input');
    assert.deepEqual(await clickAhead(tick), { total: `${high.length} flags`, ids: high.slice(0, 5) },
      'the first frame after ticking Impact = high holds its count and first rows');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('all 300 flags: few rows in the DOM, scrolling loads the rest in order', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    await page.locator('[data-testid="preset-all"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-total"]')?.textContent.startsWith('300 '));
    const first = await rowIds(page);
    assert.ok(first.length > 0 && first.length <= 150, `${first.length} rows in the DOM`);
    // Newest first: the fixture's flags are numbered in creation order.
    assert.equal(first[0], 300);
    await page.locator('.flag-scroll').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="flag-row"]')].some((e) => e.dataset.flagId === '1'),
    );
    const last = await rowIds(page);
    assert.ok(last.length <= 150, `${last.length} rows in the DOM after scrolling`);
    assert.deepEqual(last.slice(-3), [3, 2, 1]);
    // The row elements are reused as the list scrolls: a small scroll up keeps every row still
    // in the window in its element and draws the rows coming in into the elements of the rows
    // that left, creating none.
    await page.evaluate(() => {
      window.rowElements = new Map([...document.querySelectorAll('[data-testid="flag-row"]')].map((e) => [e.dataset.flagId, e]));
      window.allElements = new Set(document.querySelectorAll('.flag-row'));
    });
    const top = await page.evaluate(() => Math.min(...[...document.querySelectorAll('[data-testid="flag-row"]')].map((e) => Number(e.dataset.index))));
    await page.locator('.flag-scroll').evaluate((e) => (e.scrollTop -= 36 * 5));
    await page.waitForFunction(
      (row) => document.querySelector(`[data-testid="flag-row"][data-index="${row}"]`) && !document.querySelector('[data-testid="flag-placeholder"]'),
      top - 1,
    );
    const reuse = await page.evaluate(() => {
      const now = [...document.querySelectorAll('[data-testid="flag-row"]')];
      return {
        kept: now.filter((e) => window.rowElements.get(e.dataset.flagId) === e).length,
        moved: now.filter((e) => window.rowElements.has(e.dataset.flagId) && window.rowElements.get(e.dataset.flagId) !== e).length,
        created: [...document.querySelectorAll('.flag-row')].filter((e) => !window.allElements.has(e)).length,
        rows: now.length,
      };
    });
    assert.deepEqual({ moved: reuse.moved, created: reuse.created }, { moved: 0, created: 0 }, JSON.stringify(reuse));
    assert.ok(reuse.kept >= reuse.rows - 5, `rows kept in their elements: ${JSON.stringify(reuse)}`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the detail shows every field and the chain, and back returns to the list', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    // Flag 203 of the fixture: critical security flag to @backend.api. The database stays
    // open: only the address fragment changes.
    await page.evaluate(() => (location.hash = '#flag/203'));
    const detail = page.locator('[data-testid="flag-detail"][data-flag-id="203"]');
    await detail.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-detail"]')?.textContent.includes('@frontend.mobile'));
    const text = await detail.textContent();
    for (const s of ['security', 'critical', '@backend.api', 'CVE-2025-32761', 'action_required']) {
      assert.ok(text.includes(s), `the detail shows ${s}`);
    }
    // A follow-up flag (3 follows origin 1, as does 4) shows its chain with the origin first.
    await page.evaluate(() => (location.hash = '#flag/3'));
    const chain = page.locator('[data-testid="flag-detail"][data-flag-id="3"] [data-testid="flag-chain"] li');
    await chain.first().waitFor({ timeout: 10_000 });
    const ids = await chain.evaluateAll((items) => items.map((li) => Number(li.dataset.flagId)));
    assert.equal(ids[0], 1, 'the origin comes first');
    assert.ok(ids.includes(3) && ids.includes(4), `chain ${ids}`);
    // Closing the detail keeps the list and its filter.
    await page.locator('[data-testid="flag-detail"] button', { hasText: 'close' }).click();
    await page.locator('[data-testid="flag-detail"]').waitFor({ state: 'detached' });
    assert.ok((await rowIds(page)).length > 0);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('keyboard triage: move, lock, complete, undo, help, search focus', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    const hash = () => page.evaluate(() => location.hash);
    const first = await rowIds(page);
    await page.keyboard.press('j');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, first[0]);
    await page.keyboard.press('j');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, first[1]);
    await page.keyboard.press('k');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, first[0]);
    const detail = page.locator('[data-testid="flag-detail"]');
    await page.keyboard.press('l');
    await detail.locator('[data-testid="flag-unlock"]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('c');
    await detail.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('u');
    await detail.locator('[data-testid="flag-complete"]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('u');
    await detail.locator('[data-testid="flag-lock"]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('?');
    await page.locator('[data-testid="shortcuts-help"]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="shortcuts-help"]').waitFor({ state: 'detached' });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'flag-text');
    const before = await hash();
    await page.keyboard.type('jk');
    assert.equal(await hash(), before, 'typing in the search box is not a shortcut');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('an address edited while a key\'s page waits for its address is followed, the key\'s address not set over it; a link followed just before a key leaves the key\'s page', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    const first = await rowIds(page);
    assert.ok(!first.slice(0, 2).includes(203), `flag 203 is not one of the first two rows (${first.slice(0, 3)})`);
    /** Runs `step` in one task and waits until the address Nav::go waits to set is set or left. */
    const settled = async (step) => {
      await page.evaluate(() => performance.clearMarks('flagdeck:address-settled'));
      await page.evaluate(step);
      await page.waitForFunction(() => performance.getEntriesByName('flagdeck:address-settled', 'mark').length > 0);
    };
    await page.keyboard.press('j');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, first[0]);
    // In one task: the key j shows the next flag (its address would be set after the paint),
    // then the address is edited before that paint; its hashchange comes after the task.
    await settled(() => {
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
      location.hash = '#flag/203';
    });
    await page.locator('[data-testid="flag-detail"][data-flag-id="203"]').waitFor({ timeout: 10_000 });
    // The address is still the edited one and so is the page.
    assert.equal(await page.evaluate(() => location.hash), '#flag/203');
    assert.equal(await page.locator('[data-testid="flag-detail"]').getAttribute('data-flag-id'), '203');
    // Back returns to the flag before the edit.
    await page.goBack();
    await page.locator(`[data-testid="flag-detail"][data-flag-id="${first[0]}"]`).waitFor({ timeout: 10_000 });
    // The other order in one task, as a link followed just before a key: the link's address is
    // followed at once (its popstate comes inside the setter, Nav::at_popstate), so the key
    // moves on from the link's flag to the row after it; the key's page was asked last and
    // stays, and its address comes after the link's.
    await settled(() => {
      location.hash = '#flag/203';
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
    });
    const after203 = await page.evaluate(() => {
      const row = document.querySelector('[data-testid="flag-row"][data-flag-id="203"]');
      const next = row && document.querySelector(`[data-testid="flag-row"][data-index="${Number(row.dataset.index) + 1}"]`);
      return next ? Number(next.dataset.flagId) : null;
    });
    assert.ok(after203 !== null && after203 !== 203, `the row after flag 203 is in the list (${after203})`);
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, after203);
    assert.equal(await page.locator('[data-testid="flag-detail"]').getAttribute('data-flag-id'), String(after203));
    await page.goBack();
    await page.locator('[data-testid="flag-detail"][data-flag-id="203"]').waitFor({ timeout: 10_000 });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a page tab clicked and an address edited in one task: the edited address is shown, and Back shows the tab\'s page', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    await page.evaluate(() => (location.hash = '#summary'));
    await page.locator('[data-testid="flag-row"]').first().waitFor({ state: 'detached', timeout: 10_000 });
    // The tab sets its address in the click and builds its page in a task of its own.
    await page.evaluate(() => {
      document.querySelector('[data-testid="nav-flags"]').click();
      location.hash = '#flag/203';
    });
    await page.locator('[data-testid="flag-detail"][data-flag-id="203"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => location.hash), '#flag/203');
    // Back: the tab's address, and its page (the hashchange of the tab's own address came and
    // went before; this one is followed).
    await page.goBack();
    await page.waitForFunction(() => location.hash === '#flags');
    await page.locator('[data-testid="flag-detail"]').waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('bulk: lock three chosen flags in one step, undo takes all three back', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openFlags();
  try {
    const { page } = app;
    let shown = await generation(page);
    await page.locator('[data-testid="filter-locked"]').selectOption('0');
    await waitForTotal(page, 112, shown);
    const ids = (await rowIds(page)).slice(0, 3);
    for (const id of ids) {
      await page.locator(`[data-testid="flag-row"][data-flag-id="${id}"] [data-testid="flag-select"]`).click();
    }
    assert.equal((await page.locator('[data-testid="bulk-count"]').textContent()).trim(), '3');
    assert.equal(await page.locator('[data-testid="flag-detail"]').count(), 0, 'choosing does not open a flag');
    // The row elements are recycled: at the list's end (its 37 elements showing other rows) no
    // box is ticked, and back at the top the three chosen rows' boxes are, and only theirs.
    const ticked = () =>
      page.$$eval('[data-testid="flag-row"]', (rows) =>
        rows.filter((r) => r.querySelector('[data-testid="flag-select"]').checked).map((r) => Number(r.dataset.flagId)).sort((a, b) => a - b));
    const settledAt = async (index) => {
      await page.waitForFunction((i) => document.querySelector(`[data-testid="flag-row"][data-index="${i}"]`) && !document.querySelector('[data-testid="flag-placeholder"]'), index);
      // The overscan is drawn the frame after the view.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    };
    await page.locator('.flag-scroll').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await settledAt(111);
    assert.deepEqual(await ticked(), [], 'no box ticked at the end of the list');
    await page.locator('.flag-scroll').evaluate((e) => (e.scrollTop = 0));
    await settledAt(0);
    assert.deepEqual(await ticked(), [...ids].sort((a, b) => a - b), 'the chosen rows, and only they, ticked again');
    shown = await generation(page);
    await page.locator('[data-testid="bulk-lock"]').click();
    // The unlocked list loses the three flags.
    await waitForTotal(page, 109, shown);
    await page.locator('[data-testid="bulk-bar"]').waitFor({ state: 'detached' });
    shown = await generation(page);
    await page.locator('[data-testid="undo"]').click();
    await waitForTotal(page, 112, shown);
    assert.deepEqual((await rowIds(page)).slice(0, 3), ids);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('thousands of flags: a jump to the bottom or the middle is served at once, keys cross pages', async () => {
  const db = path.join(env.out, 'generated-4000.db');
  xtask(['gen-demo', '--flags', '4000', '--out', db]);
  // The "All flags" order in plain SQL: newest first, ties by id.
  const order = JSON.parse(
    xtask(['query', db, "SELECT id FROM flags ORDER BY IFNULL(created_at, '') DESC, id DESC"]),
  ).rows.map((r) => r[0]);
  assert.equal(order.length, 4000);
  const app = await openWith(env, db, '4000');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="preset-all"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-total"]')?.textContent.startsWith('4000 '));
    await waitForRow(page, order[0]);
    const scroller = page.locator('.flag-scroll');
    const inPlace = async (what) => {
      const rows = await rowsByPosition(page);
      assert.ok(rows.length > 0 && rows.length <= 150, `${what}: ${rows.length} rows in the DOM`);
      assert.deepEqual(
        rows.map(([, id]) => id),
        rows.map(([i]) => order[i]),
        `${what}: every rendered row is the flag of its position`,
      );
      return rows;
    };

    // One jump to the bottom: the last page comes by OFFSET, not after the 19 pages before it.
    const before = await pageMeasures(page);
    await scroller.evaluate((e) => (e.scrollTop = e.scrollHeight));
    await waitForRow(page, order.at(-1));
    const bottom = await inPlace('bottom');
    assert.deepEqual(bottom.slice(-5).map(([, id]) => id), order.slice(-5));
    assert.equal(bottom.at(-1)[0], order.length - 1);
    const asked = (await pageMeasures(page)) - before;
    // The one or two pages of the view, and at most the two around it read ahead.
    assert.ok(asked >= 1 && asked <= 4, `${asked} pages were read for the jump`);

    // The middle, between two pages nothing has loaded.
    await scroller.evaluate((e) => (e.scrollTop = e.scrollHeight / 2));
    await waitForRow(page, order[2000]);
    await inPlace('middle');

    // Back at the top, j from the last row of the first page selects the first row of the
    // second page, whose page is read then; k comes back.
    await scroller.evaluate((e) => (e.scrollTop = 0));
    await waitForRow(page, order[0]);
    await page.evaluate((id) => (location.hash = `#flag/${id}`), order[199]);
    await page.locator(`[data-testid="flag-detail"][data-flag-id="${order[199]}"]`).waitFor({ timeout: 10_000 });
    await page.keyboard.press('j');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, order[200], { timeout: 10_000 });
    await page.locator(`[data-testid="flag-row"][data-flag-id="${order[200]}"].selected`).waitFor({ timeout: 10_000 });
    await page.keyboard.press('k');
    await page.waitForFunction((id) => location.hash === `#flag/${id}`, order[199], { timeout: 10_000 });
    await inPlace('after the keys');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('200k flags: a jump to the middle shows the rows of its position from the rows held in the page, a lock shows at once, and an edit moves its flag as SQL would', async () => {
  const db = path.join(env.out, 'generated-200k.db');
  xtask(['gen-demo', '--flags', '200000', '--out', db]);
  const total = 200000;
  // "All flags" sorted by status (ascending, ties by id), in plain SQL; `moved` reads as
  // completed, as it will after the edit.
  const order = (from, n, moved = 0) =>
    JSON.parse(
      xtask([
        'query',
        db,
        `SELECT id FROM flags ORDER BY CASE WHEN id = ${moved} THEN 'completed' ELSE IFNULL(status, '') END, id LIMIT ${n} OFFSET ${from}`,
      ]),
    ).rows.map((r) => r[0]);
  const app = await openWith(env, db, '200000');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="preset-all"]').click();
    await page.locator('.flag-head button.th', { hasText: 'Status' }).click();
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="flag-total"]')?.textContent.startsWith(`${n.toLocaleString('en-US')}`) ||
        document.querySelector('[data-testid="flag-total"]')?.textContent.startsWith(`${n} `),
      total,
      { timeout: 60_000 },
    );
    const first = order(0, 1)[0];
    await waitForRow(page, first);
    const count = (name, type = 'measure') => page.evaluate(([n, t]) => performance.getEntriesByName(n, t).length, [name, type]);
    assert.equal(await count('flagdeck:layer-built'), 1, 'the layer was built at open');
    assert.ok((await count('flagdeck:page-ids')) > 0, "the first page's ids came from the layer");
    // Every flag's row is held in the page once it is filled (after the layer, in chunks).
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:mirror-filled', 'measure').length > 0, null, {
      timeout: 120_000,
    });
    // And the list's whole order in the status sort (asked of the layer behind its first page).
    await page.locator('[data-testid="flag-total"][data-order="held"]').waitFor({ timeout: 60_000 });
    const [ids, mirrored] = [await count('flagdeck:page-ids'), await count('flagdeck:page-mirror', 'mark')];
    // The middle of the pending flags (past the middle of the list: nothing is loaded there).
    const scalar = (sql) => JSON.parse(xtask(['query', db, sql])).rows[0][0];
    const start = scalar("SELECT count(*) FROM flags WHERE IFNULL(status, '') < 'pending'");
    const pending = scalar("SELECT count(*) FROM flags WHERE status = 'pending'");
    assert.ok(start > 1000 && pending > 100, `${start} flags before ${pending} pending ones`);
    const target = start + Math.floor(pending / 2);
    // The rows of the position are in the page once the scroll's own frame has run: drawn
    // from memory, nothing asked of the workers. The rest of the window follows a frame later;
    // meanwhile the elements of the window left behind keep their rows where they are: every
    // row named in that frame is the list's row at its position, drawn at its own place.
    const { drawn, named } = await page.locator('[data-testid="flag-scroll"]').evaluate(async (e, row) => {
      e.scrollTop = row * 36;
      await new Promise((r) => requestAnimationFrame(r));
      const named = [...e.querySelectorAll('[data-testid="flag-row"]')].map((r) => [
        Number(r.dataset.index),
        Number(r.dataset.flagId),
        r.offsetTop,
      ]);
      return { drawn: !!e.querySelector(`[data-testid="flag-row"][data-index="${row}"]`), named };
    }, target);
    assert.ok(drawn, 'the row at the top of the view is drawn in the frame of the scroll');
    const [top, here] = [order(0, 40), order(target - 10, 40)];
    const kept = named.filter(([i]) => i < 40);
    assert.ok(kept.length > 0 && named.length > kept.length, `${kept.length} rows kept from the top of ${named.length}`);
    for (const [i, id, y] of named) {
      assert.equal(y, i * 36, `row ${i} is drawn at its own place`);
      assert.equal(id, i < 40 ? top[i] : here[i - (target - 10)], `row ${i} is the list's row there`);
    }
    const want = order(target, 10);
    await waitForRow(page, want[0]);
    const inPlace = async (expected, what) => {
      const rows = new Map(await rowsByPosition(page));
      assert.ok(rows.size > 0 && rows.size <= 150, `${what}: ${rows.size} rows in the DOM`);
      expected.forEach((id, k) => assert.equal(rows.get(target + k), id, `${what}: row ${target + k}`));
    };
    await inPlace(want, 'the jump');
    assert.ok((await count('flagdeck:page-mirror', 'mark')) > mirrored, 'the pages came from the rows held in the page');
    assert.equal(await count('flagdeck:page-ids'), ids, 'no page was asked of the layer for the jump');

    // Lock the flag at row target + 5: it keeps its place (the order is by status), and its
    // row shows the lock at once, though the row held in the page was read before the edit.
    const locked = want[5];
    const statusCell = (id) =>
      page.evaluate((id) => document.querySelector(`[data-testid="flag-row"][data-flag-id="${id}"]`)?.textContent ?? '', id);
    assert.ok(!(await statusCell(locked)).includes('locked'), 'the flag is not locked yet');
    await page.evaluate((id) => (location.hash = `#flag/${id}`), locked);
    await page.locator('[data-testid="flag-lock"]').click();
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="flag-row"][data-flag-id="${id}"]`)?.textContent.includes('· locked'),
      locked,
      { timeout: 20_000 },
    );
    assert.equal(scalar(`SELECT locked FROM flags WHERE id = ${locked}`), 0, 'the file on disk is untouched');
    await inPlace(want, 'after the lock');

    // Complete the flag at row target + 2: it leaves the pending flags for the completed ones,
    // and the rows after it move up by one, as SQL on the edited table orders them.
    const moved = want[2];
    const status = JSON.parse(xtask(['query', db, `SELECT status FROM flags WHERE id = ${moved}`])).rows[0][0];
    assert.equal(status, 'pending', 'the flag in the middle is pending');
    await page.evaluate((id) => (location.hash = `#flag/${id}`), moved);
    await page.locator('[data-testid="flag-complete"]').click();
    const after = order(target, 10, moved);
    assert.notDeepEqual(after, want);
    await page.waitForFunction(
      ([row, id]) => {
        const el = [...document.querySelectorAll('[data-testid="flag-row"]')].find((e) => Math.round(e.offsetTop / 36) === row);
        return el && Number(el.dataset.flagId) === id && !document.querySelector('[data-testid="flag-placeholder"]');
      },
      [target + 2, after[2]],
      { timeout: 20_000 },
    );
    await inPlace(after, 'after the edit');

    // An export counts as a write until the list's next question takes the change log (which
    // finds nothing): the jump right after it reads as before, the next is drawn from memory
    // again, as the order held is still the table's.
    await exportTo(page, path.join(env.out, 'exported-200k.db'));
    const jump = (row) =>
      page.locator('[data-testid="flag-scroll"]').evaluate(async (e, row) => {
        e.scrollTop = row * 36;
        await new Promise((r) => requestAnimationFrame(r));
        return !!e.querySelector(`[data-testid="flag-row"][data-index="${row}"]`);
      }, row);
    await jump(target - 5000);
    await waitForRow(page, order(target - 5000, 1, moved)[0]);
    assert.ok(await jump(target - 20000), 'after an export, a jump is drawn in the frame of the scroll again');
    await waitForRow(page, order(target - 20000, 1, moved)[0]);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * The tables of the list whose rows are `testid` (a table per page of rows, `.flag-parts`):
 * each one's row count and the left edges of its first row's cells.
 */
const tableParts = (page, testid) =>
  page.evaluate((testid) => {
    const rows = (t) => t.querySelectorAll(`[data-testid="${testid}"]`);
    return [...document.querySelector(`[data-testid="${testid}"]`).closest('.flag-parts').querySelectorAll('table')].map((t) => ({
      rows: rows(t).length,
      lefts: [...rows(t)[0].children].map((td) => Math.round(td.getBoundingClientRect().left)),
    }));
  }, testid);

test('200k flags: the agent page and the routing page show their counts and read their lists a page at a time from the derived layer (then from memory), as SQL gives them', async () => {
  const db = path.join(env.out, 'generated-200k.db');
  if (!existsSync(db)) xtask(['gen-demo', '--flags', '200000', '--out', db]);
  const rows = (sql) => JSON.parse(xtask(['query', db, sql])).rows;
  const scalar = (sql) => rows(sql)[0][0];
  // get-pending-flags order (agent_db.py): critical, high, medium, the rest; created_at; id.
  const toolOrder = "CASE impact_level WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END, created_at, id";
  const agent = scalar("SELECT target_agent FROM flags WHERE status = 'pending' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1");
  const to = `status = 'pending' AND target_agent = '${agent}'`;
  const pendingTo = scalar(`SELECT count(*) FROM flags WHERE ${to}`);
  assert.ok(pendingTo > 1000, `${agent} has ${pendingTo} pending flags: more than a page`);
  const unrouted = "status = 'pending' AND (target_agent IS NULL OR target_agent = '' OR target_agent NOT IN (SELECT name FROM agents_catalog))";
  // The rows these pages read at a time (AGENT_LIST_PAGE).
  const n = 50;
  const app = await openWith(env, db, '200000');
  try {
    const { page } = app;
    const fromLayer = () => page.evaluate(() => performance.getEntriesByName('flagdeck:page-ids', 'measure').length);
    const ids = (testid) =>
      page.evaluate((t) => [...document.querySelectorAll(`[data-testid="${t}"]`)].map((e) => Number(e.dataset.flagId)), testid);
    const rowCount = (testid, k) =>
      page.waitForFunction(([t, k]) => document.querySelectorAll(`[data-testid="${t}"]`).length === k, [testid, k], { timeout: 60_000 });
    // The rows `testid` in the page at each frame from now until there are `k` (or until the
    // function it gives is called): started before a step, the function called after it gives
    // the counts seen, each once.
    const watch = async (testid, k = -1) => {
      await page.evaluate(([t, k]) => {
        window.__stopRows = false;
        window.__rowCounts = new Promise((resolve) => {
          const seen = [];
          const frame = () => {
            const n = document.querySelectorAll(`[data-testid="${t}"]`).length;
            if (seen.at(-1) !== n) seen.push(n);
            if (n === k || window.__stopRows) resolve(seen);
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        });
      }, [testid, k]);
      return () => page.evaluate(() => ((window.__stopRows = true), window.__rowCounts));
    };

    await page.evaluate((name) => (location.hash = `#agent/${encodeURIComponent(name)}`), agent);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="agent-pending"]')?.textContent === n,
      pendingTo.toLocaleString('en-US'),
      { timeout: 60_000 },
    );
    await rowCount('agent-pending-flag', n);
    await rowCount('agent-raised-flag', n);
    const before = await fromLayer();
    assert.ok(before >= 2, 'the pages of both lists came from the layer');
    const footer = () =>
      page.evaluate(() => {
        const e = document.querySelector('[data-testid="agent-pending-flag-shown"]');
        return [Number(e.dataset.shown), Number(e.dataset.total)];
      });
    assert.deepEqual(await footer(), [n, pendingTo], 'the footer: rows shown of the count');
    const expectTo = (n) => rows(`SELECT id FROM flags WHERE ${to} ORDER BY ${toolOrder} LIMIT ${n}`).map((r) => r[0]);
    assert.deepEqual(await ids('agent-pending-flag'), expectTo(n), 'the first page, in get-pending-flags order');
    const hook = (t) => page.locator(`[data-testid="${t}"]`).textContent();
    assert.equal(await hook('agent-workable'), scalar(`SELECT count(*) FROM flags WHERE ${to} AND locked = 0`).toLocaleString('en-US'));
    assert.equal(await hook('agent-locked'), scalar(`SELECT count(*) FROM flags WHERE ${to} AND locked = 1`).toLocaleString('en-US'));
    assert.equal(
      await hook('agent-raised'),
      scalar(`SELECT count(*) FROM flags WHERE status = 'pending' AND source_agent = '${agent}'`).toLocaleString('en-US'),
    );
    // Its chains, as chains_of's statement gives them (from the layer: chain_origin_id is held).
    const chains = rows(
      `SELECT COALESCE(chain_origin_id, id) AS origin, COUNT(*) AS flags FROM flags WHERE COALESCE(chain_origin_id, id) IN ` +
        `(SELECT COALESCE(chain_origin_id, id) FROM flags WHERE source_agent = '${agent}' OR target_agent = '${agent}') ` +
        'GROUP BY origin HAVING COUNT(*) > 1 ORDER BY origin',
    ).map((r) => r[0]);
    assert.ok(chains.length > 2 * n, `${agent} takes part in ${chains.length} chains: more than two pages`);
    // Read once their place, below both lists, comes within a window's height of the window:
    // two frames after the lists are drawn (the watch's first report comes in the frame after
    // it starts), nothing yet.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(
      await page.evaluate(() => [performance.getEntriesByName('flagdeck:agent-chains-near', 'mark').length, document.querySelectorAll('[data-testid="agent-chains"]').length]),
      [0, 0],
      'the chains are not read while far below the window',
    );
    await page.locator('h2', { hasText: 'Chains' }).scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (k) => document.querySelector('[data-testid="agent-chains"]')?.dataset.value === String(k),
      chains.length,
      { timeout: 60_000 },
    );
    const origins = () =>
      page.evaluate(() => [...document.querySelectorAll('[data-testid="agent-chain"]')].map((e) => Number(e.dataset.origin)));
    assert.deepEqual(await origins(), chains.slice(0, n), 'the first chains, by origin');
    await page.locator('[data-testid="agent-chains-more"]').click();
    await page.waitForFunction((k) => document.querySelectorAll('[data-testid="agent-chain"]').length === k, 2 * n);
    assert.deepEqual(await origins(), chains.slice(0, 2 * n), 'and the next ones');
    // "Show more" adds rows under the ones shown, which stay the same elements: read from the
    // layer (keyset), or taken from memory once the list's order and its rows are held.
    const fromMemory = () => page.evaluate(() => performance.getEntriesByName('flagdeck:list-mirror', 'mark').length);
    await page.evaluate(() => (document.querySelector('[data-testid="agent-pending-flag"]').dataset.mark = 'first'));
    const [layerBefore, memoryBefore] = [await fromLayer(), await fromMemory()];
    const drawing = await watch('agent-pending-flag', 2 * n);
    await page.locator('[data-testid="agent-pending-flag-more"]').click();
    await rowCount('agent-pending-flag', 2 * n);
    // A page is drawn in parts: the frame that shows it holds the rows that can be in view
    // (the footer, where they appear, is in view after the click), the rest follows.
    const counts = await drawing();
    assert.equal(counts[0], n, `drawn frame by frame: ${counts}`);
    assert.ok(counts[1] > n && counts[1] < 2 * n, `the first frame of the page draws part of it: ${counts}`);
    assert.ok(counts.every((c, i) => i === 0 || c > counts[i - 1]), `and the page only grows: ${counts}`);
    assert.equal(
      await page.evaluate(() => document.querySelector('[data-testid="agent-pending-flag"]').dataset.mark),
      'first',
      'the first row was not drawn again',
    );
    assert.deepEqual(await footer(), [2 * n, pendingTo]);
    assert.deepEqual(await ids('agent-pending-flag'), expectTo(2 * n), 'the next page follows it');
    // Each page of rows is a table of its own (a frame adding rows lays out that table only),
    // whose columns line up with the first's.
    const parts = await tableParts(page, 'agent-pending-flag');
    assert.deepEqual(parts.map((t) => t.rows), [n, n]);
    assert.deepEqual(parts[1].lefts, parts[0].lefts, 'the columns line up');
    assert.ok((await fromLayer()) > layerBefore || (await fromMemory()) > memoryBefore, 'the next page came from the layer or from memory');

    // With every row held and the list's order held (data-order="held"), the next page is taken
    // from memory in the click's task: no page is asked of the layer. After a flag of a later
    // page is completed elsewhere, the list read again (its order too) leaves it out, as SQL.
    // Both lists' orders held: each list's own page reads are over (its order is asked after them).
    const orderHeld = () =>
      page.waitForFunction(
        () => ['agent-pending-flag-shown', 'agent-raised-flag-shown'].every((t) => document.querySelector(`[data-testid="${t}"]`)?.dataset.order === 'held'),
        null,
        { timeout: 120_000 },
      );
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:mirror-filled', 'measure').length > 0, null, { timeout: 120_000 });
    const completed = expectTo(3 * n)[2 * n + 3];
    await page.evaluate((id) => (location.hash = `#flag/${id}`), completed);
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 20_000 });
    await page.evaluate((name) => (location.hash = `#agent/${encodeURIComponent(name)}`), agent);
    await rowCount('agent-pending-flag', n);
    const expectAfter = (k) => expectTo(k + 1).filter((id) => id !== completed).slice(0, k);
    assert.deepEqual(await ids('agent-pending-flag'), expectAfter(n), 'the first page after the edit');
    for (const k of [2, 3]) {
      await orderHeld();
      const [layerPages, memoryPages] = [await fromLayer(), await fromMemory()];
      await page.locator('[data-testid="agent-pending-flag-more"]').click();
      await rowCount('agent-pending-flag', k * n);
      assert.equal(await fromMemory(), memoryPages + 1, `page ${k} was taken from memory`);
      assert.equal(await fromLayer(), layerPages, `no page ${k} was asked of the layer`);
      assert.deepEqual(await ids('agent-pending-flag'), expectAfter(k * n), `page ${k} after the edit, as SQL orders it`);
    }
    // Undo the completion with the agent page open: the lists are read again in place, keeping
    // the three pages shown, and the next page comes from memory again, as SQL orders it.
    // Read again in place, the list is drawn whole at once: the page keeps its height.
    const rereading = await watch('agent-pending-flag');
    const heldBeforeUndo = await heldRounds(page);
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('[data-testid="agent-pending-flag"]')].some((e) => Number(e.dataset.flagId) === id),
      completed,
      { timeout: 60_000 },
    );
    await rowCount('agent-pending-flag', 3 * n);
    assert.deepEqual(await rereading(), [3 * n], 'three pages in the page at every frame of the read again');
    assert.deepEqual(await ids('agent-pending-flag'), expectTo(3 * n), 'the three pages read again in place after the undo');
    await orderHeld();
    const [layerAfterUndo, memoryAfterUndo] = [await fromLayer(), await fromMemory()];
    await page.locator('[data-testid="agent-pending-flag-more"]').click();
    await rowCount('agent-pending-flag', 4 * n);
    assert.equal(await fromMemory(), memoryAfterUndo + 1, 'page 4 was taken from memory');
    assert.equal(await fromLayer(), layerAfterUndo, 'no page 4 was asked of the layer');
    assert.deepEqual(await ids('agent-pending-flag'), expectTo(4 * n), 'page 4 after the undo, as SQL orders it');
    // Rows taken from memory carry no sort key: once memory cannot answer (here after an export,
    // which counts as a write until the layer's next take), the next page is read after them
    // by OFFSET, from the layer, and is still SQL's next page.
    // The first reads held again after the undo (agents::hold_first_reads asks the layer in
    // idle time, and each question takes the change log): none is asked after the export.
    await waitForHeldRound(page, heldBeforeUndo, 60_000);
    await exportTo(page, path.join(env.out, 'agent-page-200k.db'));
    const [layerBeforeOffset, memoryBeforeOffset] = [await fromLayer(), await fromMemory()];
    await page.locator('[data-testid="agent-pending-flag-more"]').click();
    await rowCount('agent-pending-flag', 5 * n);
    assert.equal(await fromMemory(), memoryBeforeOffset, 'page 5 was not taken from memory');
    assert.equal(await fromLayer(), layerBeforeOffset + 1, 'page 5 was asked of the layer');
    assert.deepEqual(await ids('agent-pending-flag'), expectTo(5 * n), 'page 5, by OFFSET after rows from memory, as SQL orders it');
    assert.equal(scalar(`SELECT status FROM flags WHERE id = ${completed}`), 'pending', 'the file on disk is untouched');

    await page.locator('[data-testid="nav-routing"]').click();
    const count = scalar(`SELECT count(*) FROM flags WHERE ${unrouted}`);
    assert.ok(count > 2 * n, `${count} unrouted flags: more than two pages`);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="routing-count"]')?.dataset.value === String(n),
      count,
      { timeout: 60_000 },
    );
    await rowCount('routing-error', n);
    await page.waitForFunction(() => document.querySelector('[data-testid="routing-shown"]')?.dataset.order === 'held', null, { timeout: 120_000 });
    const expectUnrouted = (n) => rows(`SELECT id FROM flags WHERE ${unrouted} ORDER BY ${toolOrder} LIMIT ${n}`).map((r) => r[0]);
    assert.deepEqual(await ids('routing-error'), expectUnrouted(n), 'the unrouted flags, in get-pending-flags order');
    // The first page's suggestions in (each written into its cell once found); its rows marked,
    // to tell whether Show more draws them again.
    const suggested = '[data-testid="routing-error"] [data-testid="routing-suggestion"][data-suggested="true"]';
    await page.waitForFunction(([s, k]) => document.querySelectorAll(s).length === k, [suggested, n], { timeout: 60_000 });
    await page.evaluate(() => document.querySelectorAll('[data-testid="routing-error"]').forEach((r) => (r.flagdeckKept = true)));
    const memoryPages = await fromMemory();
    await page.locator('[data-testid="routing-more"]').click();
    await rowCount('routing-error', 2 * n);
    assert.deepEqual(await ids('routing-error'), expectUnrouted(2 * n), 'and the next page');
    assert.deepEqual(
      await page.evaluate(() => [...document.querySelectorAll('[data-testid="routing-error"]')].map((r) => r.flagdeckKept === true)),
      [...Array(n).fill(true), ...Array(n).fill(false)],
      "Show more adds the next page's rows and leaves the first page's elements as they were (a suggestion being clicked stays)",
    );
    const routingParts = await tableParts(page, 'routing-error');
    assert.deepEqual(routingParts.map((t) => t.rows), [n, n], 'a table per page');
    assert.deepEqual(routingParts[1].lefts, routingParts[0].lefts, 'whose columns line up');
    assert.equal(await fromMemory(), memoryPages + 1, 'taken from memory');
    // Each row's suggestion is worked out after the row is painted, a few per frame.
    await page.waitForFunction(
      (k) => document.querySelectorAll('[data-testid="routing-error"] [data-testid="routing-suggestion"][data-suggested="true"]').length === k,
      2 * n,
      { timeout: 60_000 },
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a change made while the list is closed and an export right after it: the list still orders as SQL', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    // The status order of the file as it is on disk (ties by id).
    const order = JSON.parse(xtask(['query', V1, "SELECT id FROM flags ORDER BY IFNULL(status, ''), id"])).rows.map((r) => r[0]);
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="preset-all"]').click();
    await page.locator('.flag-head button.th', { hasText: 'Status' }).click();
    await waitForRow(page, order[0]);
    // Complete flag 203 (pending): the list, open, learns it from the change log.
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    // With the list closed, undo it, and export at once: sql.js drops the change log to export.
    await page.locator('[data-testid="nav-summary"]').click();
    await page.locator('[data-testid="changes"]').waitFor();
    await page.locator('[data-testid="undo"]').click();
    await page.locator('[data-testid="changes"] li').first().waitFor({ state: 'detached', timeout: 10_000 });
    await exportTo(page, path.join(env.out, 'flags-after-undo.db'));
    // Back on the list: flag 203 is pending again, in its place.
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="preset-all"]').click();
    await page.locator('.flag-head button.th', { hasText: 'Status' }).click();
    await waitForRow(page, order[0]);
    const at = order.indexOf(203);
    await page.locator('[data-testid="flag-scroll"]').evaluate((e, row) => (e.scrollTop = Math.max(0, row - 5) * 36), at);
    await waitForRow(page, 203);
    const rows = new Map(await rowsByPosition(page));
    for (const [i, id] of rows) assert.equal(id, order[i], `row ${i}`);
    assert.equal(rows.get(at), 203, 'flag 203 back among the pending flags');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
