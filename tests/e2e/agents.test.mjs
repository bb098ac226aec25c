// The agent pages: catalog, search as you type (scores of `agent_db.py search-agents`), agent
// pages with their pending flags, catalog fields that are not valid JSON, and the routing check.
//
// Expected values come from the real tool's captured output (../shared/fixtures/expected/), from
// the fixture README's documented facts, and from `cargo xtask search-agents` / `cargo xtask
// routing-errors` (flagdeck's search and plain SQL, run natively on the same file).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  V0,
  V1,
  gateWorkerAnswers,
  heldRounds,
  launchBrowser,
  openApp,
  outDir,
  pickFile,
  skipWithoutFixtures,
  startServers,
  waitForHeldRound,
  waitForSummary,
  xtask,
} from './helpers.mjs';

const EXPECTED = path.join(FIXTURES, 'expected');
/** The pending flags to @backend.api in get-pending-flags order (the fixture README). */
const BACKEND_API_PENDING = [203, 269, 298, 8, 38, 104, 192];
/** How long to wait for a view to show what it should before reporting what it shows. */
const SETTLE_MS = 10_000;

let servers;
let browser;
let out;

before(async () => {
  out = outDir('agents');
  servers = await startServers(out);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await servers?.close();
});

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const sel = (testid, agent) => `[data-testid="${testid}"]${agent === undefined ? '' : `[data-agent="${agent}"]`}`;

/** Opens `file` through the file input and waits for its summary. */
async function openDb(file, flags) {
  const app = await openApp(browser, `${servers.app.url}/`);
  await pickFile(app.page, file);
  await waitForSummary(app.page, { fileName: path.basename(file), flags, alertFails: true });
  return app;
}

/** Clicks a navigation button and waits for `hook` to be visible. */
async function nav(page, button, hook) {
  const b = page.locator(`[data-testid="${button}"]`);
  try {
    await b.waitFor({ state: 'visible', timeout: SETTLE_MS });
  } catch {
    throw new Error(`navigation button [data-testid="${button}"] is not visible once a database is open`);
  }
  await b.click();
  try {
    await page.locator(hook).first().waitFor({ state: 'visible', timeout: SETTLE_MS });
  } catch {
    throw new Error(`after clicking [data-testid="${button}"], ${hook} did not become visible`);
  }
}

const gotoAgents = (page) => nav(page, 'nav-agents', sel('agent-search'));

/** `[data-agent, data-score]` of every search result row, in page order. */
function readResults(page) {
  return page.evaluate((s) =>
    [...document.querySelectorAll(s)].map((r) => [r.getAttribute('data-agent'), r.getAttribute('data-score')]),
  sel('agent-result'));
}

/** The results as [name, number]; a data-score that is not a plain number stays text. */
const asRanking = (rows) => rows.map(([a, s]) => [a, /^\d+$/.test(s ?? '') ? Number(s) : s]);

/** Waits until the result rows equal `expected` ([name, score] in rank order), then asserts. */
async function expectResults(page, expected, what) {
  try {
    await page.waitForFunction(
      ({ s, want }) => {
        const rows = [...document.querySelectorAll(s)].map((r) => [r.getAttribute('data-agent'), Number(r.getAttribute('data-score'))]);
        return JSON.stringify(rows) === JSON.stringify(want);
      },
      { s: sel('agent-result'), want: expected },
      { timeout: SETTLE_MS, polling: 50 },
    );
  } catch {
    // fall through: the assertion below shows what the page has
  }
  const got = asRanking(await readResults(page));
  assert.deepEqual(got, expected, `${what}: [data-testid="agent-result"] rows as [data-agent, data-score] in order`);
}

/** Empties the search box and types `text` one key at a time (no Enter). */
async function typeQuery(page, text, { clear = true } = {}) {
  const input = page.locator(sel('agent-search'));
  if (clear) await input.fill('');
  await input.pressSequentially(text);
}

const native = {
  search: (file, query) =>
    readJsonText(xtask(['search-agents', file, query])).results.map((r) => [r.name, r.score]),
  routing: (file) => readJsonText(xtask(['routing-errors', file])),
};
function readJsonText(text) {
  return JSON.parse(text);
}

function capturedSearches() {
  return readdirSync(EXPECTED)
    .filter((n) => /^search-agents-.*\.json$/.test(n))
    .sort()
    .map((n) => ({ file: n, ...readJson(path.join(EXPECTED, n)) }));
}

/** Waits for the agent page of `agent` (after a click) and returns it. */
async function expectAgentPage(page, agent, how) {
  const loc = page.locator(sel('agent-page', agent));
  try {
    await loc.waitFor({ state: 'visible', timeout: SETTLE_MS });
  } catch {
    const shown = await page.evaluate(
      (s) => [...document.querySelectorAll(s)].map((e) => e.getAttribute('data-agent')),
      sel('agent-page'),
    );
    throw new Error(`${how}: expected [data-testid="agent-page"][data-agent="${agent}"], got agent pages ${JSON.stringify(shown)}`);
  }
  return loc;
}

/** Clicks the centre of `loc`; returns a description of the element that was under it. */
async function clickCentre(page, loc) {
  await loc.scrollIntoViewIfNeeded();
  const box = await loc.boundingBox();
  const hit = await page.evaluate(({ x, y }) => {
    const e = document.elementFromPoint(x, y);
    if (!e) return 'nothing';
    const cls = e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
    return `<${e.tagName.toLowerCase()}${cls}> "${(e.textContent ?? '').trim().slice(0, 50)}"`;
  }, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
  await loc.click();
  return hit;
}

/** Pending flag ids of the agent page, in page order, once `count` rows are there. */
async function pendingIds(page, count) {
  const s = `${sel('agent-page')} ${sel('agent-pending-flag')}`;
  await page
    .waitForFunction(({ s, count }) => document.querySelectorAll(s).length === count, { s, count }, { timeout: SETTLE_MS })
    .catch(() => {});
  return page.evaluate((s) => [...document.querySelectorAll(s)].map((r) => Number(r.getAttribute('data-flag-id'))), s);
}

const hookText = (page, testid) =>
  page.evaluate((s) => document.querySelector(s)?.textContent?.trim() ?? null, sel(testid));

test('navigation: summary, agents and routing buttons appear once a database is open', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const visible = (id) => app.page.locator(`[data-testid="${id}"]`).isVisible();
    for (const id of ['nav-summary', 'nav-agents', 'nav-routing']) {
      assert.equal(await visible(id), false, `[data-testid="${id}"] is not shown before a database is open`);
    }
    await pickFile(app.page, V1);
    await waitForSummary(app.page, { fileName: 'acolytes-v1-small.db', flags: '300', alertFails: true });
    await gotoAgents(app.page);
    await nav(app.page, 'nav-routing', `${sel('routing-error')}, [data-testid="routing-ok"]`);
    await nav(app.page, 'nav-summary', '[data-testid="count-flags"]');
    assert.equal(await hookText(app.page, 'count-flags'), '300', 'the summary is back after nav-summary');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: every captured search-agents output comes back, typed key by key, with the same names, scores and order', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const searches = capturedSearches();
  assert.ok(searches.length >= 5, `only ${searches.length} captured searches in ${EXPECTED}`);
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    for (const s of searches) {
      await typeQuery(app.page, s.query);
      await expectResults(app.page, s.results.map((r) => [r.name, r.score]), `${s.file} (query ${JSON.stringify(s.query)})`);
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: results follow the typing, with no Enter and no submit', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const partial = 'PostgreSQL';
  const rest = ' query performance tuning';
  const whole = readJson(path.join(EXPECTED, 'search-agents-02-postgresql-query-performance-tuning.json'));
  assert.equal(whole.query, partial + rest);
  const partialExpected = native.search(V1, partial);
  const wholeExpected = whole.results.map((r) => [r.name, r.score]);
  assert.notDeepEqual(partialExpected, wholeExpected, 'the partial query must rank differently for this test to mean anything');
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    await typeQuery(app.page, partial);
    await expectResults(app.page, partialExpected, `after typing ${JSON.stringify(partial)}`);
    await typeQuery(app.page, rest, { clear: false });
    assert.equal(await app.page.locator(sel('agent-search')).inputValue(), partial + rest);
    await expectResults(app.page, wholeExpected, `after typing the rest, ${JSON.stringify(rest)}`);
    // deleting characters updates too
    for (let i = 0; i < rest.length; i++) await app.page.keyboard.press('Backspace');
    await expectResults(app.page, partialExpected, `after deleting back to ${JSON.stringify(partial)}`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: an empty query lists the whole catalog; the type filter narrows it and the search', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const listed = readJson(path.join(EXPECTED, 'list-agents.json'));
  const catalog = [
    ...listed.global_agents.map((a) => ({ name: a.name, type: a.type })),
    ...listed.acolytes.map((a) => ({ name: a.name, type: 'acolyte' })),
  ];
  assert.equal(catalog.length, 59);
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    const rows = () =>
      app.page.evaluate((s) => [...document.querySelectorAll(s)].map((r) => r.getAttribute('data-agent')), sel('catalog-row'));
    const waitRows = (n) =>
      app.page
        .waitForFunction(({ s, n }) => document.querySelectorAll(s).length === n, { s: sel('catalog-row'), n }, { timeout: SETTLE_MS })
        .catch(() => {});
    await waitRows(catalog.length);
    assert.deepEqual(
      [...(await rows())].sort(),
      catalog.map((a) => a.name).sort(),
      'with an empty query, [data-testid="catalog-row"] data-agent = every agent of the catalog',
    );
    assert.equal(await app.page.locator(sel('agent-result')).count(), 0, 'no agent-result rows for an empty query');

    const filter = app.page.locator(sel('type-filter'));
    const options = await filter.evaluate((s) => [...s.options].map((o) => o.value));
    const types = [...new Set(catalog.map((a) => a.type))].sort();
    assert.deepEqual([...options].sort(), ['', ...types].sort(), '<select data-testid="type-filter"> option values');
    await filter.selectOption('database');
    const databases = catalog.filter((a) => a.type === 'database').map((a) => a.name).sort();
    await waitRows(databases.length);
    assert.deepEqual([...(await rows())].sort(), databases, 'catalog rows with type-filter = database');

    // the filter applies to search results too: the ranking restricted to that type
    const query = 'PostgreSQL query performance tuning';
    const all = readJson(path.join(EXPECTED, 'search-agents-02-postgresql-query-performance-tuning.json'));
    await typeQuery(app.page, query);
    const got = asRanking(await (async () => {
      await app.page.waitForFunction((s) => document.querySelectorAll(s).length > 0, sel('agent-result'), { timeout: SETTLE_MS }).catch(() => {});
      return readResults(app.page);
    })());
    assert.ok(got.length > 0, 'the filtered search shows results');
    assert.ok(got.every(([name]) => databases.includes(name)), `filtered results are all database agents: ${JSON.stringify(got)}`);
    const databaseHits = all.results.filter((r) => databases.includes(r.name)).map((r) => [r.name, r.score]);
    assert.deepEqual(got.slice(0, databaseHits.length), databaseHits, 'database agents keep their scores and order');

    await filter.selectOption('');
    await expectResults(app.page, all.results.map((r) => [r.name, r.score]), 'type filter back to "" (all)');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: clicking a search result row (anywhere in it, here its centre) opens that agent\'s page', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    await typeQuery(app.page, 'JWT authentication implementation');
    await expectResults(
      app.page,
      readJson(path.join(EXPECTED, 'search-agents-01-jwt-authentication-implementation.json')).results.map((r) => [r.name, r.score]),
      'JWT authentication implementation',
    );
    const hit = await clickCentre(app.page, app.page.locator(sel('agent-result', '@service.auth')));
    await expectAgentPage(app.page, '@service.auth', `clicking the centre of the agent-result row of @service.auth (the click landed on ${hit})`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: clicking a catalog row (anywhere in it, here its centre) opens that agent\'s page', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    const hit = await clickCentre(app.page, app.page.locator(sel('catalog-row', '@backend.api')));
    await expectAgentPage(app.page, '@backend.api', `clicking the centre of the catalog-row of @backend.api (the click landed on ${hit})`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Opens an agent's page from the catalog by clicking the agent's name in its catalog row (the
 * tests above check that the whole row is clickable; the agent page tests below should not
 * depend on that).
 */
async function openAgentFromCatalog(page, agent) {
  const row = page.locator(sel('catalog-row', agent));
  try {
    await row.waitFor({ state: 'visible', timeout: SETTLE_MS });
  } catch {
    throw new Error(`no visible [data-testid="catalog-row"][data-agent="${agent}"] on the agents page with an empty query`);
  }
  await row.getByText(agent, { exact: true }).first().click();
  return expectAgentPage(page, agent, `clicking the name in the catalog-row of ${agent}`);
}

test('v1: the agent page of @backend.api lists its pending flags in get-pending-flags order, workable 6, locked 1', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const documented = BACKEND_API_PENDING;
  const captured = readJson(path.join(EXPECTED, 'get-pending-flags-backend.api.json')).map((f) => f.id);
  assert.deepEqual(captured, documented, 'the fixture README and the captured output agree');
  const app = await openDb(V1, '300');
  try {
    await gotoAgents(app.page);
    await openAgentFromCatalog(app.page, '@backend.api');
    assert.deepEqual(await pendingIds(app.page, documented.length), documented, '[data-testid="agent-pending-flag"] data-flag-id in order');
    assert.equal(await hookText(app.page, 'agent-workable'), '6', '[data-testid="agent-workable"] text');
    assert.equal(await hookText(app.page, 'agent-locked'), '1', '[data-testid="agent-locked"] text');
    // A row's number opens its flag; Back returns to the agent page.
    await app.page.locator(`[data-testid="agent-pending-flag"][data-flag-id="${documented[1]}"] [data-testid="flag-link"]`).click();
    await app.page.locator(`[data-testid="flag-detail"][data-flag-id="${documented[1]}"]`).waitFor({ timeout: SETTLE_MS });
    await app.page.goBack();
    await app.page.locator('[data-testid="agent-page"][data-agent="@backend.api"]').waitFor({ timeout: SETTLE_MS });
    assert.deepEqual(await pendingIds(app.page, documented.length), documented, 'the list again after Back');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Goes to `hash` from the summary and samples every frame until `rows` rows (`row` inside
 * `pageSel`) are drawn: for each frame in which the page is there, its rows drawn and the text
 * of `[data-testid=count]`; and how many answers the page took without asking the layer's
 * worker (from its route's batch, or held: the marks `flagdeck:layer-prefetched` and
 * `flagdeck:layer-held`).
 */
function openByAddressFrames(page, hash, { pageSel, row, count, rows }) {
  return page.evaluate(async ({ hash, pageSel, row, count, rows }) => {
    location.hash = '#summary';
    while (!document.querySelector('[data-testid="count-pending"]') || document.querySelector(pageSel)) await new Promise((r) => requestAnimationFrame(r));
    // Answers taken in the page: asked ahead by the route, or held since the open
    // (agents::hold_first_reads), whichever came first.
    const prefetched = () => ['flagdeck:layer-prefetched', 'flagdeck:layer-held'].reduce((n, m) => n + performance.getEntriesByName(m, 'mark').length, 0);
    const before = prefetched();
    location.hash = hash;
    const frames = [];
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      if (!document.querySelector(pageSel)) continue;
      const drawn = document.querySelectorAll(`${pageSel} [data-testid="${row}"]`).length;
      frames.push({ drawn, [count]: document.querySelector(`[data-testid="${count}"]`)?.textContent ?? null });
      if (drawn >= rows) break;
    }
    return { frames, prefetched: prefetched() - before };
  }, { hash, pageSel, row, count, rows });
}

test('v1: an agent page opened by its address has its counts and first rows in its first frame and its rows whole in the next, from its route\'s reads, and after an edit from the table as it is', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const documented = BACKEND_API_PENDING;
  const app = await openDb(V1, '300');
  try {
    const { page } = app;
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:layer-built', 'measure').length > 0, null, { timeout: SETTLE_MS });
    const hash = `#agent/${encodeURIComponent('@backend.api')}`;
    const agentPage = { pageSel: '[data-testid="agent-page"]', row: 'agent-pending-flag', count: 'agent-workable' };
    const first = await openByAddressFrames(page, hash, { ...agentPage, rows: documented.length });
    // The list stands under the agent's details (below the fold of the test's 1280×720 view):
    // its first frame draws five rows, the next frame the rest (paged.rs, Unplaced::BelowFold).
    assert.deepEqual(first.frames[0], { drawn: 5, 'agent-workable': '6' }, `the first frame of the agent page holds its first rows and counts (frames: ${JSON.stringify(first.frames)})`);
    assert.deepEqual(first.frames[1], { drawn: documented.length, 'agent-workable': '6' }, `the next frame holds every row (frames: ${JSON.stringify(first.frames)})`);
    // Two lock counts, then each list's count and first page.
    assert.equal(first.prefetched, 6, 'the page took the six answers its route asked for, or that were held (flagdeck:layer-prefetched and -held marks)');
    assert.deepEqual(await pendingIds(page, documented.length), documented);

    // Complete the first pending flag, then read the flag list (a question to the layer: the
    // change is taken), so the next route's questions are asked ahead again.
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').waitFor({ timeout: SETTLE_MS });
    await page.locator('[data-testid="complete-by"]').fill('backend.api');
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: SETTLE_MS });
    await page.evaluate(() => (location.hash = '#flags'));
    await page.locator('[data-testid="flag-scroll"]').waitFor({ timeout: SETTLE_MS });
    const after = await openByAddressFrames(page, hash, { ...agentPage, rows: documented.length - 1 });
    assert.equal(after.prefetched, 6, 'the route asked ahead again once the change was taken, or the answers were held again');
    assert.deepEqual(await pendingIds(page, documented.length - 1), documented.slice(1), 'the completed flag left the list');
    assert.equal(await hookText(page, 'agent-pending'), String(documented.length - 1));
    const workable = Number(await hookText(page, 'agent-workable'));
    const locked = Number(await hookText(page, 'agent-locked'));
    assert.equal(workable + locked, documented.length - 1, 'workable and locked add up to the pending flags');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Opens the v1 fixture (or `file`, a copy of it) in `page`, whose workers' answers can be held
 * ([`gateWorkerAnswers`]), and waits for its summary and the flag list's layer.
 */
async function openV1Gated(page, file = V1) {
  await gateWorkerAnswers(page);
  await pickFile(page, file);
  await waitForSummary(page, { fileName: path.basename(file), flags: '300', alertFails: true });
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:layer-built', 'measure').length > 0, null, { timeout: SETTLE_MS });
}

/** Whether the route reads of the page at `hash` were started ahead and are in (the mark `flagdeck:route-read-ahead` names the page). */
const readAhead = (page, hash) =>
  page.evaluate((hash) => performance.getEntriesByName('flagdeck:route-read-ahead', 'mark').some((m) => m.detail === hash), hash);

/**
 * Holds every worker answer from now on and samples the first frame after the next click: the
 * agent page shown, its pending flags drawn, its workable count (`window.firstFrame`).
 */
function holdAnswersAndSampleClick(page) {
  return page.evaluate(() => {
      window.holdWorkerAnswers();
      document.addEventListener('click', () => requestAnimationFrame(() => {
        window.firstFrame = {
          page: document.querySelector('[data-testid="agent-page"]')?.dataset.agent ?? null,
          drawn: [...document.querySelectorAll('[data-testid="agent-pending-flag"]')].map((e) => Number(e.dataset.flagId)),
          workable: document.querySelector('[data-testid="agent-workable"]')?.textContent ?? null,
        };
      }), { capture: true, once: true });
  });
}

test('v1: a catalog row the pointer rests on starts its agent page\'s reads, so the click draws the page in the frame after it with every worker answer held', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const documented = BACKEND_API_PENDING;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const { page } = app;
    // A window so low that the row is below the catalog's rows in view, whose pages' reads
    // start by themselves: its read starts only when the pointer rests on it.
    await page.setViewportSize({ width: 1280, height: 360 });
    await openV1Gated(page);
    await gotoAgents(page);
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:catalog-read-ahead', 'mark').length > 0, null, { timeout: SETTLE_MS });
    const hash = `#agent/${encodeURIComponent('@backend.api')}`;
    assert.equal(await readAhead(page, hash), false, 'the row was out of view: its reads have not started by themselves');
    await page.setViewportSize({ width: 1280, height: 720 });
    const row = page.locator(sel('catalog-row', '@backend.api'));
    await row.hover();
    // The pointer rests on the row: its page's reads start, then are in.
    await page.waitForFunction((hash) => performance.getEntriesByName('flagdeck:route-read-ahead', 'mark').some((m) => m.detail === hash), hash, { timeout: SETTLE_MS });
    // From here no worker answer reaches the page. The first frame after the click is sampled.
    await holdAnswersAndSampleClick(page);
    await row.click();
    await page.waitForFunction(() => window.firstFrame, null, { timeout: SETTLE_MS });
    const first = await page.evaluate(() => window.firstFrame);
    // Five rows in that frame (the list stands below the agent's details: paged.rs,
    // Unplaced::BelowFold), in get-pending-flags order, and the counts.
    assert.deepEqual(first, { page: '@backend.api', drawn: documented.slice(0, 5), workable: '6' },
      'the first frame after the click holds the agent page, its first rows and its counts, with every worker answer held since before the click');
    await page.evaluate(() => window.releaseWorkerAnswers());
    assert.deepEqual(await pendingIds(page, documented.length), documented, 'the whole list once answers flow again');
    assert.equal(await hookText(page, 'agent-locked'), '1');
    // The address follows once the page is painted, as a history entry: Back returns to the catalog.
    await page.waitForFunction(() => location.hash === `#agent/${encodeURIComponent('@backend.api')}`, null, { timeout: SETTLE_MS });
    await page.goBack();
    await page.locator(sel('catalog-row', '@backend.api')).waitFor({ timeout: SETTLE_MS });
    assert.equal(await page.evaluate(() => location.hash), '#agents');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: the catalog starts the reads of the agent pages of its rows in view, so a row pressed as the pointer arrives draws its page in the frame after the click with every worker answer held', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const documented = BACKEND_API_PENDING;
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const { page } = app;
    await openV1Gated(page);
    await page.mouse.move(0, 0);
    await gotoAgents(page);
    // Nothing rests on a row: the catalog's own reads for its rows in view, top first.
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:catalog-read-ahead', 'mark').length > 0, null, { timeout: SETTLE_MS });
    const inView = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('[data-testid="catalog-row"]')]
        .filter((r) => { const b = r.getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; })
        .map((r) => ({ name: r.dataset.agent, pending: Number(r.querySelector('td.num').textContent) }));
      const read = performance.getEntriesByName('flagdeck:route-read-ahead', 'mark').map((m) => m.detail);
      return { rows, read };
    });
    const hashOf = (name) => `#agent/${encodeURIComponent(name)}`;
    const readAheadRows = inView.rows.slice(0, 12);
    assert.ok(readAheadRows.length >= 3, `rows in view: ${JSON.stringify(inView.rows)}`);
    assert.deepEqual(inView.read, readAheadRows.map((r) => hashOf(r.name)), 'the pages read ahead are the rows in view, top first, at most 12');
    // Pressed at once (the pointer arrives and presses in the same moment: no rest to start a
    // read) on the first row with pending flags read ahead before the last: every page's
    // reads are kept, not only the last one's.
    const agent = readAheadRows.slice(0, -1).find((r) => r.pending > 0);
    assert.ok(agent, `a row with pending flags among ${JSON.stringify(readAheadRows)}`);
    await holdAnswersAndSampleClick(page);
    const box = await page.locator(sel('catalog-row', agent.name)).boundingBox();
    await page.mouse.click(box.x + 20, box.y + box.height / 2);
    await page.waitForFunction(() => window.firstFrame, null, { timeout: SETTLE_MS });
    const first = await page.evaluate(() => window.firstFrame);
    await page.evaluate(() => window.releaseWorkerAnswers());
    const whole = await pendingIds(page, agent.pending);
    assert.equal(whole.length, agent.pending, `the whole list once answers flow again: the catalog's pending count of ${agent.name}`);
    assert.deepEqual(first, { page: agent.name, drawn: whole.slice(0, first.drawn.length), workable: first.workable }, 'the first frame holds the page and the head of its list');
    assert.ok(first.drawn.length >= Math.min(5, agent.pending) && first.workable !== null,
      `the first frame after the click holds the agent page, its first rows and its counts, with every worker answer held since before the click: ${JSON.stringify(first)}`);

    // After an edit, the reads started before it are dropped: the page reads the table as it is.
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').waitFor({ timeout: SETTLE_MS });
    await page.locator('[data-testid="complete-by"]').fill('backend.api');
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: SETTLE_MS });
    // A page read ahead before the edit and never opened is read again (its read was dropped;
    // kept, the catalog would find it started and read nothing).
    const unopened = readAheadRows.find((r) => r.name !== agent.name);
    const readsOf = (hash) => page.evaluate((hash) => performance.getEntriesByName('flagdeck:route-read-ahead', 'mark').filter((m) => m.detail === hash).length, hash);
    const readsBefore = await readsOf(hashOf(unopened.name));
    await gotoAgents(page);
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:catalog-read-ahead', 'mark').length > 1, null, { timeout: SETTLE_MS });
    assert.equal(await readsOf(hashOf(unopened.name)), readsBefore + 1, `${unopened.name}'s page, read ahead before the edit, is read again after it`);
    await page.locator(sel('catalog-row', '@backend.api')).click();
    assert.deepEqual(await pendingIds(page, documented.length - 1), documented.slice(1), 'the completed flag left the list');
    assert.equal(await hookText(page, 'agent-workable'), '5');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v0: the agent page of @backend.api lists its 12 pending flags in get-pending-flags order', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const captured = readJson(path.join(EXPECTED, 'v0-get-pending-flags-backend.api.json'));
  assert.equal(captured.length, 12, 'fixture README: 12 pending flags for @backend.api in v0');
  const locked = captured.filter((f) => f.locked).length;
  const app = await openDb(V0, '150');
  try {
    await gotoAgents(app.page);
    await openAgentFromCatalog(app.page, '@backend.api');
    assert.deepEqual(
      await pendingIds(app.page, 12),
      captured.map((f) => f.id),
      '[data-testid="agent-pending-flag"] data-flag-id in the order of v0-get-pending-flags-backend.api.json',
    );
    assert.equal(await hookText(app.page, 'agent-workable'), String(12 - locked), '[data-testid="agent-workable"] text');
    assert.equal(await hookText(app.page, 'agent-locked'), String(locked), '[data-testid="agent-locked"] text');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Has `window.firstAtHashchange`, when set, called at every `hashchange` before the app's own
 * listener (registered before the app starts; listeners run in the order registered).
 */
async function listenFirstToHashchange(page) {
  await page.addInitScript(() =>
    window.addEventListener('hashchange', () => window.firstAtHashchange?.(), { capture: true }));
}

/**
 * From the summary, holds every worker answer and follows `hash` by its address: what the page
 * has drawn when the address's `hashchange` event comes, before the app's listener (`row`'s ids, and the text of
 * `[data-testid=count]`), then lets the answers flow again.
 */
function followHeld(page, hash, { row, count }) {
  return page.evaluate(async ({ hash, row, count }) => {
    location.hash = '#summary';
    while (!document.querySelector('[data-testid="count-pending"]')) await new Promise((r) => requestAnimationFrame(r));
    window.holdWorkerAnswers();
    const drawn = () => ({
      ids: [...document.querySelectorAll(`[data-testid="${row}"]`)].map((e) => Number(e.dataset.flagId)),
      [count]: document.querySelector(`[data-testid="${count}"]`)?.textContent ?? null,
    });
    // Taken by a listener registered before the app's (`listenFirstToHashchange`).
    const atHashchange = new Promise((resolve) => (window.firstAtHashchange = () => resolve(drawn())));
    location.hash = hash;
    const seen = await atHashchange;
    window.firstAtHashchange = null;
    window.releaseWorkerAnswers();
    return seen;
  }, { hash, row, count });
}

test('v1: once every agent page\'s and the routing page\'s first reads are held, each page followed from its address is drawn before the address\'s hashchange with every worker answer held, and after an edit from the table as it is', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const documented = BACKEND_API_PENDING;
  const routing = native.routing(V1).flags.map((f) => f.id);
  assert.ok(routing.length > 0, 'the v1 fixture has unrouted pending flags');
  const app = await openApp(browser, `${servers.app.url}/`);
  try {
    const { page } = app;
    await listenFirstToHashchange(page);
    await openV1Gated(page);
    await waitForHeldRound(page, 0, SETTLE_MS);
    const agentHash = `#agent/${encodeURIComponent('@backend.api')}`;
    const agent = await followHeld(page, agentHash, { row: 'agent-pending-flag', count: 'agent-workable' });
    // The page is followed at the address's popstate, inside the setter of location.hash, and
    // built from what is held: its first rows (five: the list stands below the agent's details,
    // paged.rs Unplaced::BelowFold) and counts are there before the hashchange task, though no
    // worker has answered since the address was set.
    assert.deepEqual(agent, { ids: documented.slice(0, 5), 'agent-workable': '6' }, 'the agent page at its hashchange');
    assert.deepEqual(await pendingIds(page, documented.length), documented, 'the whole list once answers flow again');
    const shown = Math.min(routing.length, 5);
    const route = await followHeld(page, '#routing', { row: 'routing-error', count: 'routing-ok' });
    assert.ok(route.ids.length >= shown, `the routing page's rows at its hashchange: ${route.ids}`);
    // The same rows, in the same order, as once the answers flow again; the ones native finds.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="routing-error"]').length === n, routing.length, { timeout: SETTLE_MS });
    const whole = await page.evaluate(() => [...document.querySelectorAll('[data-testid="routing-error"]')].map((e) => Number(e.dataset.flagId)));
    assert.deepEqual(route.ids, whole.slice(0, route.ids.length), 'the routing page at its hashchange');
    assert.deepEqual([...whole].sort((a, b) => a - b), [...routing].sort((a, b) => a - b), 'the unrouted flags native finds');

    // Complete the agent's first pending flag: the held answers go with the table's move, and
    // are held again for the table as it is.
    const rounds = await heldRounds(page);
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').waitFor({ timeout: SETTLE_MS });
    await page.locator('[data-testid="complete-by"]').fill('backend.api');
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: SETTLE_MS });
    await waitForHeldRound(page, rounds, SETTLE_MS);
    const after = await followHeld(page, agentHash, { row: 'agent-pending-flag', count: 'agent-workable' });
    assert.deepEqual(after, { ids: documented.slice(1, 6), 'agent-workable': '5' }, 'the completed flag left the held first rows and counts');
    assert.equal(await hookText(page, 'agent-pending'), String(documented.length - 1));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v1: the routing page opened by its address has its rows in its first frame, from its route\'s reads', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const expected = native.routing(V1);
  assert.ok(expected.flags.length > 0, 'the v1 fixture has unrouted pending flags');
  const app = await openDb(V1, '300');
  try {
    const { page } = app;
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:layer-built', 'measure').length > 0, null, { timeout: SETTLE_MS });
    const shown = Math.min(expected.flags.length, 5);
    const { frames, prefetched } = await openByAddressFrames(page, '#routing', {
      pageSel: 'section.routing',
      row: 'routing-error',
      count: 'routing-ok',
      rows: shown,
    });
    assert.ok(frames[0].drawn >= shown, `the first frame of the routing page holds its rows (frames: ${JSON.stringify(frames)})`);
    assert.equal(prefetched, 2, 'the page took the list\'s count and first page from its route\'s batch, or held');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

for (const trigger of [false, true]) {
  test(trigger
    ? 'v1 with a trigger of its own naming agents_catalog: the routing page reads the names from the engine, as an edit could change them'
    : 'v1: once the catalog is read, the routing page opened by its address reads no names from the engine: the names a target may carry come with the catalog', async (t) => {
    if (skipWithoutFixtures(t)) return;
    let file = V1;
    if (trigger) {
      file = path.join(out, 'v1-catalog-trigger.db');
      xtask(['exec-sql', '--from', V1, '--out', file,
        'CREATE TRIGGER touch_catalog AFTER UPDATE ON flags BEGIN UPDATE agents_catalog SET name = name WHERE 0; END']);
    }
    const expected = native.routing(file).flags.map((f) => f.id);
    assert.ok(expected.length > 0 && expected.length <= 50, `the unrouted flags fit the first page: ${expected.length}`);
    const app = await openApp(browser, `${servers.app.url}/`);
    try {
      const { page } = app;
      // Gated only to log what is posted to the engine (`window.engineLog`); nothing is held.
      await openV1Gated(page, file);
      await gotoAgents(page);
      await page.locator(sel('catalog-row')).first().waitFor({ timeout: SETTLE_MS });
      await page.evaluate(() => (location.hash = '#summary'));
      await page.locator('[data-testid="count-flags"]').waitFor({ timeout: SETTLE_MS });
      const before = await page.evaluate(() => window.engineLog.length);
      await page.evaluate(() => (location.hash = '#routing'));
      await page.waitForFunction(({ s, n }) => document.querySelectorAll(s).length >= n, { s: sel('routing-error'), n: expected.length }, { timeout: SETTLE_MS });
      const asked = await page.evaluate((from) => window.engineLog.slice(from).filter((e) => e.post).map((e) => e.sql), before);
      const names = asked.filter((sql) => /agents_catalog|agents_dynamic/.test(sql));
      // known_targets' own statement (its first, the catalog's names).
      if (trigger) assert.ok(names.includes('SELECT name FROM agents_catalog'), `the page read the names from the engine (statements posted: ${JSON.stringify(asked)})`);
      else assert.deepEqual(names, [], `the page read no names from the engine (statements posted: ${JSON.stringify(asked)})`);
      const drawn = await page.evaluate((s) => [...document.querySelectorAll(s)].map((r) => Number(r.dataset.flagId)), sel('routing-error'));
      // The page lists them in get-pending-flags order, routing-errors in its own: compared as sets.
      const sorted = (ids) => [...ids].sort((a, b) => a - b);
      assert.deepEqual(sorted(drawn), sorted(expected), 'every unrouted flag, as routing-errors gives them');
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}

test('a catalog field that is not valid JSON shows its raw text with a warning, and search ignores that agent\'s lists', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const broken = path.join(out, 'v1-broken-tags.db');
  xtask([
    'exec-sql',
    '--from',
    V1,
    '--out',
    broken,
    `UPDATE agents_catalog SET tags = '["broken' WHERE name = '@service.auth'`,
  ]);
  const query = 'JWT authentication implementation';
  const expected = native.search(broken, query);
  assert.notEqual(expected[0]?.[0], '@service.auth', 'natively, @service.auth no longer ranks first');
  // its four JSON lists are ignored and it has no module words: it scores 0 and is dropped
  assert.ok(!expected.some(([name]) => name === '@service.auth'), `natively: ${JSON.stringify(expected)}`);
  const app = await openDb(broken, '300');
  try {
    await gotoAgents(app.page);
    const row = app.page.locator(sel('catalog-row', '@service.auth'));
    await row.waitFor({ state: 'visible', timeout: SETTLE_MS });
    assert.ok(
      await row.locator(sel('json-warning')).first().isVisible(),
      'a visible [data-testid="json-warning"] inside the catalog-row of @service.auth',
    );
    const others = await app.page.locator(`${sel('catalog-row')}:not([data-agent="@service.auth"]) ${sel('json-warning')}`).count();
    assert.equal(others, 0, 'no json-warning on the catalog rows of agents whose JSON is valid');

    const agentPage = await openAgentFromCatalog(app.page, '@service.auth');
    assert.ok(await agentPage.locator(sel('json-warning')).first().isVisible(), 'a visible json-warning on the agent page');
    const pageText = await agentPage.textContent();
    assert.ok(pageText.includes('["broken'), `the agent page shows the raw text ["broken; it shows: ${pageText.slice(0, 400)}`);

    await gotoAgents(app.page);
    await typeQuery(app.page, query);
    await expectResults(app.page, expected, `${query} on the copy with broken tags`);
    const first = (await readResults(app.page))[0]?.[0];
    assert.notEqual(first, '@service.auth', '@service.auth must not rank first any more');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

for (const [label, file, flags] of [
  ['v1', V1, '300'],
  ['v0', V0, '150'],
]) {
  test(`${label}: the routing page lists exactly the pending flags without a known target, with the top search result as suggestion`, async (t) => {
    if (skipWithoutFixtures(t)) return;
    const expected = native.routing(file);
    const ids = expected.flags.map((f) => f.id).sort((a, b) => a - b);
    if (label === 'v1') {
      const broadcast = expected.flags.filter((f) => f.target_agent === '').map((f) => f.id);
      assert.equal(broadcast.length, 4, 'fixture README: 4 pending broadcast flags in v1');
    }
    const app = await openDb(file, flags);
    try {
      await nav(app.page, 'nav-routing', `${sel('routing-error')}, [data-testid="routing-ok"]`);
      await app.page
        .waitForFunction(({ s, n }) => document.querySelectorAll(s).length === n, { s: sel('routing-error'), n: ids.length }, { timeout: SETTLE_MS })
        .catch(() => {});
      // Each suggestion is worked out after its row is painted: wait until every cell has one.
      await app.page.waitForFunction(
        ({ s, n }) => document.querySelectorAll(`${s}[data-suggested="true"]`).length === n,
        { s: sel('routing-suggestion'), n: ids.length },
        { timeout: SETTLE_MS },
      );
      const rows = await app.page.evaluate(
        ({ s, sugg }) =>
          [...document.querySelectorAll(s)].map((r) => ({
            id: Number(r.getAttribute('data-flag-id')),
            link: r.querySelector('[data-testid="flag-link"]')?.getAttribute('href'),
            suggestion: r.querySelector(sugg) === null ? null : r.querySelector(sugg).textContent.trim(),
          })),
        { s: sel('routing-error'), sugg: sel('routing-suggestion') },
      );
      assert.deepEqual(
        rows.map((r) => r.id).sort((a, b) => a - b),
        ids,
        `[data-testid="routing-error"] data-flag-id set (expected from: ${expected.sql})`,
      );
      for (const f of expected.flags) {
        const row = rows.find((r) => r.id === f.id);
        assert.equal(row.link, `#flag/${f.id}`, `flag ${f.id}: its number links to its detail`);
        assert.notEqual(row.suggestion, null, `flag ${f.id}: the row has a [data-testid="routing-suggestion"] element`);
        if (f.suggestion === null) {
          assert.equal(row.suggestion, '', `flag ${f.id}: no agent scores for its change_description, so the suggestion is empty`);
        } else {
          assert.ok(
            row.suggestion.includes(f.suggestion.name),
            `flag ${f.id}: routing-suggestion ${JSON.stringify(row.suggestion)} names the top search result ${f.suggestion.name}`,
          );
        }
      }
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}
