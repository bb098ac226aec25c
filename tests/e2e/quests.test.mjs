// Quests of Acolytes 2.x (v2) and upgraded (hybrid) files in the built app: the board's status
// counts (fixture README facts), filters by agent and text against plain SQL on the fixture
// (`cargo xtask query`), the list's virtual scrolling to the end, a quest's thread against the
// real tool's `quest_conversation.py --raw` output, quest logs (status history and refused
// commands of expected/facts-v2.json), a status change exported and read back with plain SQL,
// undo, a refusal in the tool's words, a malformed broadcast shown raw, drops, and the working
// copy keeping the logs; the built-in demo's quests on the summary and the board.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  HYBRID,
  V1,
  V2,
  WAIT_MS,
  alertText,
  demoDatabase,
  exportTo,
  gateWorkerAnswers,
  openApp,
  pickFile,
  skipWithoutV2Fixtures,
  sqlValue,
  useSuite,
  waitForAlert,
  waitForSummary,
  xtask,
  pageInContext,
} from './helpers.mjs';

const env = useSuite('quests', { before, after });

const FACTS = JSON.parse(readFileSync(path.join(FIXTURES, 'expected', 'facts-v2.json'), 'utf8'));
const V2_LOGS = path.join(FIXTURES, 'acolytes-v2-small.quest-logs');
const STATUSES = ['working', 'waiting', 'reviewing', 'completed', 'failed', 'timeout'];

/** Rows of plain SQL on a copy of `file` (natively, `cargo xtask query`). */
const query = (file, sql) => JSON.parse(xtask(['query', file, sql])).rows;
const sqlText = (s) => `'${s.replaceAll("'", "''")}'`;

/**
 * A new page with `file` opened through the file input and its summary shown. The v2 and hybrid
 * headers say WAL, so the app's notice about a `-wal` companion is expected: alerts do not end
 * the wait.
 */
async function open(file, context) {
  const app = context ? await pageIn(context) : await openApp(env.browser, `${env.servers.app.url}/`);
  await pickFile(app.page, file);
  await waitForSummary(app.page, { fileName: path.basename(file) });
  return app;
}

/** A page in `context` (sharing its storage) with the app loaded and its storage checked. */
async function pageIn(context) {
  const page = await pageInContext(context, `${env.servers.app.url}/`);
  return { page, assertHealthy: page.assertHealthy, close: () => page.close({ runBeforeUnload: false }) };
}

/** The generation of the count and rows on screen. */
const generation = (page) =>
  page.evaluate(() => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation ?? 0));

/** Waits for a generation newer than `after` whose count is `total`. */
async function waitForTotal(page, total, after) {
  await page.waitForFunction(
    ([total, after]) => {
      const el = document.querySelector('[data-testid="quest-total"]');
      return el && Number(el.dataset.generation) > after && el.textContent.trim() === `${total} quests`;
    },
    [total, after],
    { timeout: WAIT_MS },
  );
}

/** Opens the quests page from the nav and waits for its first answer. */
async function showQuests(page) {
  await page.locator('[data-testid="nav-quests"]').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > 0, null, {
    timeout: WAIT_MS,
  });
}

/** The board's column headers: { status: count }. */
const boardCounts = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="quest-status-count"]')].map((e) => [e.dataset.status, Number(e.dataset.value)]),
    ),
  );

/** Keeps the quests whose name has `name` (the text filter) and waits for the board. */
async function findByName(page, name) {
  const before = await generation(page);
  await page.locator('[data-testid="quest-filter-text"]').fill(name);
  await page.locator('[data-testid="quest-filter-text"]').press('Enter');
  await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
    timeout: WAIT_MS,
  });
}

/** Shows quest `id` through the address and waits for its page. */
async function showQuest(page, id) {
  await page.evaluate((id) => (location.hash = `#quest/${id}`), id);
  await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"] [data-testid="quest-status"]`).waitFor({ timeout: WAIT_MS });
}

/** Shows quest `id`, applies `status` with the page's status change, and waits for it to show. */
async function changeStatus(page, id, status) {
  await showQuest(page, id);
  await page.locator('[data-testid="quest-status-select"]').selectOption(status);
  await page.locator('[data-testid="quest-status-apply"]').click();
  await page.waitForFunction((status) => document.querySelector('[data-testid="quest-status"]')?.dataset.status === status, status, {
    timeout: WAIT_MS,
  });
}

const shownStatus = (page) => page.locator('[data-testid="quest-status"]').getAttribute('data-status');

for (const [name, file, key] of [
  ['v2', V2, 'acolytes-v2-small.db'],
  ['hybrid', HYBRID, 'acolytes-hybrid-small.db'],
]) {
  test(`${name}: the board has one column per status with the README's counts, and cards for each`, async (t) => {
    if (skipWithoutV2Fixtures(t)) return;
    const app = await open(file);
    try {
      const { page } = app;
      await showQuests(page);
      const facts = FACTS[key].quests;
      assert.equal(await page.locator('[data-testid="quest-total"]').textContent(), `${facts.total} quests`);
      const counts = await boardCounts(page);
      assert.deepEqual(Object.keys(counts), STATUSES, 'known statuses in life-cycle order');
      assert.deepEqual(counts, facts.by_status);
      // Each column shows its first cards (at most 12), each with its status.
      for (const status of STATUSES) {
        const cards = await page.evaluate(
          (s) => [...document.querySelectorAll(`.quest-column[data-status="${s}"] [data-testid="quest-card"]`)].map((c) => c.dataset.status),
          status,
        );
        assert.equal(cards.length, Math.min(facts.by_status[status], 12), `${status}: cards shown`);
        assert.ok(cards.every((s) => s === status), `${status}: every card has its column's status`);
      }
      // Whose turn each card says is the row's current_agent.
      const turns = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-card"]')].map((c) => [Number(c.dataset.questId), c.dataset.turn]),
      );
      const stored = new Map(query(file, 'SELECT quest_id, IFNULL(current_agent, \'\') FROM acolyte_quests'));
      for (const [id, turn] of turns) assert.equal(turn, stored.get(id), `quest ${id}: data-turn`);
      const measures = await page.evaluate(() => performance.getEntriesByName('flagdeck:quests', 'measure').length);
      assert.ok(measures > 0, 'flagdeck:quests measured');
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}

test('the demo is a hybrid file with quests: the summary and the board count those of plain SQL', async () => {
  // The file "Open demo" fetches, read with plain SQL.
  const demo = demoDatabase(env.out);
  const total = sqlValue(demo, 'SELECT COUNT(*) FROM acolyte_quests');
  const byStatus = Object.fromEntries(query(demo, 'SELECT status, COUNT(*) FROM acolyte_quests GROUP BY status'));
  assert.ok(total > 0, 'the shipped demo has quests');
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await page.locator('[data-testid="open-demo"]').click();
    // The demo is built in rollback mode, so no -wal notice: any alert is a failure.
    await waitForSummary(page, { fileName: 'flagdeck-demo.db', generation: 'hybrid', alertFails: true });
    assert.equal(await page.locator('[data-testid="count-quests"]').textContent(), String(total));
    await showQuests(page);
    assert.equal(await page.evaluate(() => location.hash), '#quests');
    assert.equal(await page.locator('[data-testid="quest-total"]').textContent(), `${total} quests`);
    const counts = await boardCounts(page);
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), total, 'the columns add up to every quest');
    // Known statuses in life-cycle order, each with the count of plain SQL (0 where none).
    assert.deepEqual(Object.keys(counts), STATUSES);
    assert.deepEqual(counts, Object.fromEntries(STATUSES.map((s) => [s, byStatus[s] ?? 0])));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: filters by agent and text give the counts of plain SQL; back and forward follow them', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    const agent = '@acolyte.auth';
    const byAgent = `current_agent = ${sqlText(agent)} OR EXISTS (SELECT 1 FROM json_each(recruited) WHERE value = ${sqlText(agent)})`;
    const [[agentTotal]] = query(V2, `SELECT count(*) FROM acolyte_quests WHERE ${byAgent}`);
    assert.ok(agentTotal > 0 && agentTotal < 40, `${agent} is on ${agentTotal} quests`);
    let before = await generation(page);
    await page.locator('[data-testid="quest-filter-agent"]').fill(agent);
    await page.locator('[data-testid="quest-filter-agent"]').press('Enter');
    await waitForTotal(page, agentTotal, before);
    assert.match(await page.evaluate(() => location.hash), /^#quests\?agent=%40acolyte\.auth$/);
    // The status boxes and the board's columns count under the agent filter.
    const perStatus = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const [s, n] of query(V2, `SELECT status, count(*) FROM acolyte_quests WHERE ${byAgent} GROUP BY status`)) perStatus[s] = n;
    assert.deepEqual(await boardCounts(page), perStatus);
    const boxes = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="quest-filter-status"]')].map((e) => [e.dataset.status, Number(e.dataset.value)]),
      ),
    );
    assert.deepEqual(boxes, perStatus);
    const cards = await page.evaluate(() => [...document.querySelectorAll('[data-testid="quest-card"]')].map((c) => Number(c.dataset.questId)));
    const ids = query(V2, `SELECT quest_id FROM acolyte_quests WHERE ${byAgent}`).map(([id]) => id);
    assert.deepEqual(cards.sort((a, b) => a - b), ids.sort((a, b) => a - b), 'the cards are the SQL rows (all fit the columns)');

    // Text: one word, in the name, the mission or one message (ASCII case-insensitive).
    const word = 'login';
    const [[textTotal]] = query(
      V2,
      `SELECT count(*) FROM acolyte_quests WHERE (${byAgent}) AND (lower(quest_name) LIKE '%${word}%' OR lower(mission) LIKE '%${word}%'
         OR EXISTS (SELECT 1 FROM json_each(broadcast) WHERE lower(json_extract(value, '$.message')) LIKE '%${word}%'))`,
    );
    assert.ok(textTotal > 0 && textTotal < agentTotal, `"${word}" narrows ${agentTotal} to ${textTotal}`);
    before = await generation(page);
    await page.locator('[data-testid="quest-filter-text"]').fill('LogIn');
    await page.locator('[data-testid="quest-filter-text"]').press('Enter');
    await waitForTotal(page, textTotal, before);

    // A status box keeps only that column.
    const [[completedTotal]] = query(
      V2,
      `SELECT count(*) FROM acolyte_quests WHERE (${byAgent}) AND status = 'completed' AND (lower(quest_name) LIKE '%${word}%' OR lower(mission) LIKE '%${word}%'
         OR EXISTS (SELECT 1 FROM json_each(broadcast) WHERE lower(json_extract(value, '$.message')) LIKE '%${word}%'))`,
    );
    before = await generation(page);
    assert.ok(completedTotal > 0 && completedTotal < textTotal, `completed: ${completedTotal} of ${textTotal}`);
    await page.locator('[data-testid="quest-filter-status"][data-status="completed"] input').check();
    await waitForTotal(page, completedTotal, before);
    assert.deepEqual(Object.keys(await boardCounts(page)), ['completed']);

    // Back: the text filter without the status; back again: the agent only; forward: the text.
    before = await generation(page);
    await page.goBack();
    await waitForTotal(page, textTotal, before);
    before = await generation(page);
    await page.goBack();
    await waitForTotal(page, agentTotal, before);
    assert.equal(await page.locator('[data-testid="quest-filter-agent"]').inputValue(), agent);
    assert.equal(await page.locator('[data-testid="quest-filter-text"]').inputValue(), '');
    before = await generation(page);
    await page.goForward();
    await waitForTotal(page, textTotal, before);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('leaving the quests page with the cursor still in a filter box is no error', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    // A slow machine (CPU throttled 6×) makes the page's reads still running as it is taken
    // down: they end with it (before, a read answered after it touched its disposed state).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
    for (let round = 0; round < 3; round++) {
      for (const box of ['quest-filter-text', 'quest-filter-agent']) {
        await page.evaluate(() => (location.hash = '#quests'));
        await page.locator(`[data-testid="${box}"]`).fill('quest');
        // The box still has the focus: taking the page down makes it fire `change`.
        await page.evaluate(() => (location.hash = '#quest/14'));
        await page.locator('[data-testid="quest-page"]').waitFor();
        assert.equal(await page.evaluate(() => location.hash), '#quest/14');
      }
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a filter typed just before the address leaves the quests page is dropped: the new address stays', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    // Typed, then the address changes (a link, Back) before the debounce ends and before the
    // page follows the address: its hashchange is held back here until the typed filter is
    // dropped, or has written its own address.
    await page.evaluate(() => {
      const box = document.querySelector('[data-testid="quest-filter-text"]');
      box.value = 'quest';
      box.dispatchEvent(new Event('input', { bubbles: true }));
      history.pushState(null, '', '#quest/14');
    });
    await page.waitForFunction(
      () => performance.getEntriesByName('flagdeck:quest-filter-dropped').length > 0 || location.hash !== '#quest/14',
      null,
      { timeout: WAIT_MS },
    );
    assert.equal(await page.evaluate(() => location.hash), '#quest/14', 'the filter wrote its address over the new one');
    await page.evaluate(() => window.dispatchEvent(new HashChangeEvent('hashchange')));
    await page.locator('[data-testid="quest-page"]').waitFor();
    // The quests page, shown again, has no text filter.
    await page.locator('[data-testid="nav-quests"]').click();
    await page.waitForFunction(() => location.hash.startsWith('#quests'));
    assert.equal(await page.locator('[data-testid="quest-filter-text"]').inputValue(), '');
    assert.equal(await page.evaluate(() => location.hash), '#quests');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a filter typed just before another #quests address is followed is dropped: that address and its query stay', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await page.locator('[data-testid="quest-filter-status"][data-status="completed"] input').check();
    await page.waitForFunction(() => location.hash === '#quests?status=completed');
    // Typed, then (within the debounce) a link to another quests address: its hashchange is
    // queued before the debounce ends, so the page follows it first.
    await page.evaluate(() => {
      const box = document.querySelector('[data-testid="quest-filter-text"]');
      box.value = 'quest';
      box.dispatchEvent(new Event('input', { bubbles: true }));
      location.hash = '#quests?status=working';
    });
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-filter-dropped').length > 0, null, { timeout: WAIT_MS });
    assert.equal(await page.evaluate(() => location.hash), '#quests?status=working', 'the typed text was applied on top of the followed address');
    assert.equal(await page.locator('[data-testid="quest-filter-text"]').inputValue(), '', 'the box shows the query followed');
    assert.equal(await page.locator('[data-testid="quest-filter-status"][data-status="working"] input').isChecked(), true);
    assert.equal(await page.locator('[data-testid="quest-filter-status"][data-status="completed"] input').isChecked(), false);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * The v2 fixture with 50 more copies of every quest (2040: pages of 200 rows, keyset and OFFSET
 * both needed), written on the first call (the tests only read it), with its ids in the list's
 * default order: newest first by creation (one text format in this file), then id.
 */
let manyQuestsFile = null;
function manyQuests() {
  manyQuestsFile ??= writeManyQuests();
  return manyQuestsFile;
}

/** Writes `name` in the suite's folder: the v2 fixture with its quests copied `times` times more. */
function withQuestsCopied(name, times) {
  const file = path.join(env.out, name);
  const columns = 'quest_name, quest_phase, mission, recruited, current_agent, status, broadcast, context, result, created_at, updated_at';
  xtask([
    'exec-sql', '--from', V2, '--out', file,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${times})
     INSERT INTO acolyte_quests (${columns}) SELECT ${columns} FROM acolyte_quests, n;`,
  ]);
  return file;
}

function writeManyQuests() {
  const many = withQuestsCopied('many-quests.db', 50);
  const [[total]] = query(many, 'SELECT count(*) FROM acolyte_quests');
  assert.equal(total, 2040);
  const order = query(many, 'SELECT quest_id FROM acolyte_quests ORDER BY created_at DESC, quest_id DESC').map(([id]) => id);
  return { many, order };
}

/**
 * The agent of `file` with the most quests in its turn or on its team (JSON lists here): its
 * name, the SQL that selects its quests (`mine`, from `FROM`), and their ids as plain SQL orders
 * them (`want`: its turn first, then newest id first).
 */
function busiestAgent(file) {
  const [[agent]] = query(
    file,
    `SELECT a FROM (SELECT current_agent AS a FROM acolyte_quests UNION ALL
       SELECT r.value FROM acolyte_quests, json_each(recruited) AS r) WHERE a IS NOT NULL GROUP BY a ORDER BY count(*) DESC, a LIMIT 1`,
  );
  const mine = `FROM acolyte_quests q WHERE q.current_agent = '${agent}' OR EXISTS (SELECT 1 FROM json_each(q.recruited) WHERE value = '${agent}')`;
  const want = query(file, `SELECT quest_id ${mine} ORDER BY q.current_agent IS '${agent}' DESC, quest_id DESC`).map(([id]) => id);
  return { agent, mine, want };
}

/** An open quest (working or waiting) among `want`'s second 50, as [id, status]: one to edit. */
function openQuestOnSecondPage(file, want) {
  const [[id, status]] = query(
    file,
    `SELECT quest_id, status FROM acolyte_quests WHERE quest_id IN (${want.slice(50, 100).join(', ')}) AND status IN ('working', 'waiting') LIMIT 1`,
  );
  return [id, status];
}

test("the agent page lists an agent's quests 50 at a time in SQL's order, with their total and its open turns, by its layer built at open", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many } = manyQuests();
  const { agent, mine, want } = busiestAgent(many);
  const [[turns]] = query(many, `SELECT count(*) ${mine} AND q.current_agent = '${agent}' AND q.status NOT IN ('completed', 'failed', 'timeout')`);
  assert.ok(want.length > 100, `${agent} has ${want.length} quests`);
  // An open quest on its second page, changed before the visit and undone during it.
  const [changed, status] = openQuestOnSecondPage(many, want);
  const app = await open(many);
  try {
    const { page } = app;
    // The agent page's layer is built once the file is open, before any agent page is shown.
    const builds = () => page.evaluate(() => performance.getEntriesByName('flagdeck:quest-members').length);
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-members').length > 0, null, { timeout: WAIT_MS });
    await changeStatus(page, changed, 'reviewing');
    await page.evaluate((a) => (location.hash = `#agent/${encodeURIComponent(a)}`), agent);
    const rows = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="agent-quest"]')].map((e) => Number(e.dataset.questId)));
    await page.locator('[data-testid="agent-quest"]').first().waitFor({ timeout: WAIT_MS });
    // Drawn in parts: the first rows in the frame that shows them, the rest after its paint.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="agent-quest"]').length === 50, null, { timeout: WAIT_MS });
    assert.deepEqual(await rows(), want.slice(0, 50), 'the first 50 in SQL order');
    const shown = page.locator('[data-testid="agent-quests-shown"]');
    assert.equal(await shown.getAttribute('data-total'), String(want.length));
    assert.equal(await shown.textContent(), `Showing 50 of ${want.length.toLocaleString('en-US')}.`);
    assert.equal(await page.locator('[data-testid="agent-quest-turns"]').getAttribute('data-value'), String(turns));
    // The reads walk the layer's key (and after the undo below, its triggers have kept it: it
    // is not built again).
    await page.locator('[data-testid="agent-quests-more"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="agent-quest"]').length === 100, null, { timeout: WAIT_MS });
    assert.deepEqual(await rows(), want.slice(0, 100), 'the next 50 follow them');
    // Each 50 rows are a table of their own (a frame adding rows lays out that table only),
    // whose columns line up with the first's.
    const tables = await page.evaluate(() =>
      [...document.querySelectorAll('table.agent-quests')].map((t) => ({
        rows: t.querySelectorAll('[data-testid="agent-quest"]').length,
        lefts: [...t.querySelector('[data-testid="agent-quest"]').children].map((td) => Math.round(td.getBoundingClientRect().left)),
      })),
    );
    assert.deepEqual(tables.map((t) => t.rows), [50, 50]);
    assert.deepEqual(tables[1].lefts, tables[0].lefts, 'the columns line up');
    const statusOf = (id) => page.evaluate((id) => document.querySelector(`[data-testid="agent-quest"][data-quest-id="${id}"]`)?.dataset.status, id);
    assert.equal(await statusOf(changed), 'reviewing');
    // A change to the data reads the page again, with as many quests as were shown.
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(
      ([id, s]) => document.querySelector(`[data-testid="agent-quest"][data-quest-id="${id}"]`)?.dataset.status === s,
      [changed, status],
      { timeout: WAIT_MS },
    );
    assert.deepEqual(await rows(), want.slice(0, 100), 'after the undo, the 100 quests shown are read again');
    assert.equal(await builds(), 1, 'the layer was built once');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("v2: an agent page opened by its address has its first quests in its first frame, from its route's read", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many } = manyQuests();
  const { agent, want } = busiestAgent(many);
  const app = await open(many);
  try {
    const { page } = app;
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-members').length > 0, null, { timeout: WAIT_MS });
    for (const round of [1, 2]) {
      // From the agent catalog, which reads nothing; every frame sampled until 50 rows are drawn.
      const frames = await page.evaluate(async (agent) => {
        location.hash = '#agents';
        while (!document.querySelector('[data-testid="agent-search"]') || document.querySelector('[data-testid="agent-page"]')) {
          await new Promise((r) => requestAnimationFrame(r));
        }
        location.hash = `#agent/${encodeURIComponent(agent)}`;
        const frames = [];
        for (let i = 0; i < 600; i++) {
          await new Promise((r) => requestAnimationFrame(r));
          if (!document.querySelector('[data-testid="agent-page"]')) continue;
          const ids = [...document.querySelectorAll('[data-testid="agent-quest"]')].map((e) => Number(e.dataset.questId));
          frames.push(ids);
          if (ids.length >= 50) break;
        }
        return frames;
      }, agent);
      assert.ok(frames.length > 0, `round ${round}: the agent page is shown`);
      assert.ok(frames[0].length > 0, `round ${round}: the page's first frame holds its first quests (rows per frame: ${frames.map((f) => f.length)})`);
      assert.deepEqual(frames[0], want.slice(0, frames[0].length), `round ${round}: in SQL's order`);
      assert.deepEqual(frames.at(-1), want.slice(0, 50), `round ${round}: then its first 50`);
    }
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("v2: the file's latest activity is read once per change of the data, shared by the quest page and the board", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const [[id]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status = 'waiting' ORDER BY quest_id LIMIT 1");
  // Another quest, whose status can change (not completed) to working.
  const [[other]] = query(V2, `SELECT quest_id FROM acolyte_quests WHERE status NOT IN ('completed', 'working') AND quest_id <> ${id} LIMIT 1`);
  const [[updated]] = query(V2, `SELECT CAST(updated_at AS INTEGER) FROM acolyte_quests WHERE quest_id = ${id}`);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    // Notes the statements sent to the engine (answers are not held here).
    await gateWorkerAnswers(page);
    await pickFile(page, V2);
    await waitForSummary(page, { fileName: path.basename(V2) });
    // The statements of the activity's pass over the quests' creation times (one per step: the
    // fixture's quests fit in one).
    await page.evaluate(() => {
      window.activityReads = () =>
        window.engineLog.filter((e) => e.post && e.sql.includes('substr(m, 1, 10)') && e.sql.includes('FROM acolyte_quests WHERE created_at IS NOT NULL')).length;
    });
    const reads = () => page.evaluate(() => window.activityReads());
    const asOfShown = async () => {
      await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"] [data-testid="quest-as-of"]`).waitFor({ timeout: WAIT_MS });
      return Number(await page.locator('[data-testid="quest-as-of"]').getAttribute('data-as-of-ms'));
    };
    // The board's cards count "updated … ago" to that instant once it is read (the clock before).
    const boardCountsTo = async (asOfMs) => {
      await showQuests(page);
      await page.waitForFunction(
        ([id, want]) => Number(document.querySelector(`[data-testid="quest-card"][data-quest-id="${id}"] time.since`)?.dataset.agoMs) === want,
        [id, asOfMs - updated * 1000],
        { timeout: WAIT_MS },
      );
    };
    const before = await reads();
    await showQuest(page, id);
    const asOf = await asOfShown();
    assert.equal(await reads(), before + 1, 'the quest page read it');
    await boardCountsTo(asOf);
    await showQuest(page, id);
    assert.equal(await asOfShown(), asOf);
    assert.equal(await reads(), before + 1, 'the board and the quest page again: the same read, data unchanged');
    // A change: read again once, for both.
    await changeStatus(page, other, 'working');
    await showQuest(page, id);
    const after = await asOfShown();
    await page.waitForFunction((n) => window.activityReads() === n, before + 2, { timeout: WAIT_MS });
    await boardCountsTo(after);
    assert.equal(await reads(), before + 2, 'after the change: one read for the quest pages and the board');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("a file opened while another's quest page reads its latest activity gets its own", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const ids = (file) => query(file, 'SELECT quest_id FROM acolyte_quests ORDER BY quest_id LIMIT 2').map(([id]) => id);
  const [a1, a2] = ids(V2);
  const [b1] = ids(HYBRID);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await gateWorkerAnswers(page);
    const asOfOf = async (id) => {
      await showQuest(page, id);
      const shown = page.locator(`[data-testid="quest-page"][data-quest-id="${id}"] [data-testid="quest-as-of"]`);
      await shown.waitFor({ timeout: WAIT_MS });
      return Number(await shown.getAttribute('data-as-of-ms'));
    };
    await pickFile(page, V2);
    await waitForSummary(page, { fileName: path.basename(V2) });
    const asOfV2 = await asOfOf(a1);
    // The hybrid file picked, its open held in its worker: the v2 file is still on screen, and
    // another of its quests is shown, whose page reads the latest activity of the v2 file.
    await page.evaluate(() => window.holdWorkerAnswers());
    await pickFile(page, HYBRID);
    await page.evaluate((id) => (location.hash = `#quest/${id}`), a2);
    await page.locator(`[data-testid="quest-page"][data-quest-id="${a2}"]`).waitFor({ timeout: WAIT_MS });
    await page.evaluate(() => window.releaseWorkerAnswers());
    await page.locator(`[data-testid="quest-page"][data-quest-id="${a2}"] [data-testid="quest-as-of"]`).waitFor({ timeout: WAIT_MS });
    await page.evaluate(() => (location.hash = '#summary'));
    await waitForSummary(page, { fileName: path.basename(HYBRID) });
    const asOfHybrid = await asOfOf(b1);
    // The dashboard computes the hybrid file's own.
    await page.locator('[data-testid="nav-dashboard"]').click();
    const windowText = await page.locator('[data-testid="dashboard-window"]').textContent({ timeout: WAIT_MS });
    const dashboard = windowText.match(/as of (\d{4}-\d\d-\d\d \d\d:\d\d)/)[1];
    assert.notEqual(asOfHybrid, asOfV2, 'the two files have different latest activity');
    assert.equal(asOfHybrid, Date.parse(`${dashboard.replace(' ', 'T')}:00Z`) + 59_999, "the hybrid file's, as its dashboard says");
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the summary\'s quest figures and the agent page\'s quest layer, read in steps in the background, let the board\'s reads go first', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  // 10,040 quests: the figures take three keyset steps each way, the layer's build five.
  const file = withQuestsCopied('quests-10k.db', 250);
  const [[total, open, waiting]] = query(
    file,
    "SELECT count(*), sum(IFNULL(status, '') NOT IN ('completed', 'failed', 'timeout')), sum(status = 'waiting') FROM acolyte_quests",
  );
  assert.ok(total > 10_000, `${total} quests`);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    // Every statement posted to an engine worker and every answer, in order; the answers are
    // held from the first statement of a background job (the app names them in the message),
    // so that the board is asked for while the jobs are under way.
    await gateWorkerAnswers(page, { holdAtBackground: true });
    await pickFile(page, file);
    await waitForSummary(page, { fileName: path.basename(file) });
    await page.waitForFunction(() => window.heldOnce === true, null, { timeout: WAIT_MS });
    const clicked = await page.evaluate(() => window.engineLog.length);
    await page.locator('[data-testid="nav-quests"]').click();
    await page.waitForFunction((n) => window.engineLog.slice(n).some((e) => e.post && !e.bg), clicked, { timeout: WAIT_MS });
    await page.evaluate(() => window.releaseWorkerAnswers());
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > 0, null, { timeout: WAIT_MS });
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-members', 'measure').length > 0, null, { timeout: WAIT_MS });
    // The open and waiting figures, read in steps, are SQL's.
    await page.locator('[data-testid="nav-summary"]').click();
    for (const [testid, want] of [['count-quests-open', open], ['count-quests-waiting', waiting]]) {
      await page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() === String(want), [testid, want], { timeout: WAIT_MS });
    }
    const log = await page.evaluate(() => window.engineLog);
    // No background statement was posted while a statement of someone else was unanswered.
    const inFlight = new Set();
    const foreground = new Set();
    let afterBoard = 0;
    let boardAsked = false;
    for (const [i, e] of log.entries()) {
      if (e.answer) {
        inFlight.delete(e.answer);
        continue;
      }
      if (e.bg) {
        const unanswered = [...inFlight].filter((id) => foreground.has(id));
        const sql = (id) => log.find((p) => p.post === id).sql.slice(0, 50);
        assert.deepEqual(unanswered, [], `background ${e.post} (${e.sql.slice(0, 50)}) posted while ${unanswered.map((id) => `${id} (${sql(id)})`)} were unanswered`);
        if (boardAsked) afterBoard += 1;
      } else {
        foreground.add(e.post);
        if (i >= clicked) boardAsked = true;
      }
      inFlight.add(e.post);
    }
    assert.ok(afterBoard > 0, 'the jobs went on after the board was asked for');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * `file` opened in a fresh page whose workers' answers can be held ([`gateWorkerAnswers`]),
 * once the agent page's quest layer, built at open, is there.
 */
async function openGatedWithQuestLayer(file) {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await gateWorkerAnswers(app.page);
    await pickFile(app.page, file);
    await waitForSummary(app.page, { fileName: path.basename(file) });
    await app.page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-members').length > 0, null, { timeout: WAIT_MS });
    return app;
  } catch (e) {
    await app.close();
    throw e;
  }
}

test("the agent page's Show more, answered while its first page is still being drawn, draws on in one loop: at most 25 rows a frame", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many } = manyQuests();
  const { agent, want } = busiestAgent(many);
  assert.ok(want.length > 100, `${agent} has ${want.length} quests`);
  // The page's layer is built at open: Show more is then one read, not behind a build.
  const app = await openGatedWithQuestLayer(many);
  try {
    const { page } = app;
    // The rows in the page at each frame (before its paint), from the address set until 100
    // are drawn. Show more is clicked in the task that first draws rows (5 of the first 50),
    // and the answers are held until that frame, so its page comes while the first is drawn on.
    const counts = await page.evaluate(
      (a) =>
        new Promise((resolve) => {
          const rows = () => document.querySelectorAll('[data-testid="agent-quest"]').length;
          const counts = [];
          let held = false;
          const frame = () => {
            counts.push(rows());
            if (held) {
              held = false;
              window.releaseWorkerAnswers();
            }
            if (rows() >= 100 || counts.length > 600) resolve(counts);
            else requestAnimationFrame(frame);
          };
          const mo = new MutationObserver(() => {
            const more = document.querySelector('[data-testid="agent-quests-more"]');
            if (rows() > 0 && more) {
              mo.disconnect();
              window.holdWorkerAnswers();
              held = true;
              more.click();
              requestAnimationFrame(frame);
            }
          });
          mo.observe(document.body, { childList: true, subtree: true });
          location.hash = `#agent/${encodeURIComponent(a)}`;
        }),
      agent,
    );
    assert.equal(counts.at(-1), 100, `every row drawn: ${counts}`);
    assert.ok(counts[0] < 50, `Show more was clicked while the first page was being drawn: ${counts}`);
    // One loop draws 25 rows after each paint; Show more's page adds those of its rows that can
    // be in view under the list's footer (at most 12 here: the list stands under the agent's
    // details) in its own task, which may come in the same frame as a step of the first page's
    // loop (two loops drawing at once: 50).
    const steps = counts.slice(1).map((n, i) => n - counts[i]);
    assert.ok(Math.max(...steps) <= 25 + 12, `rows added per frame: ${steps} (counts ${counts})`);
    assert.deepEqual(
      await page.evaluate(() => [...document.querySelectorAll('[data-testid="agent-quest"]')].map((e) => Number(e.dataset.questId))),
      want.slice(0, 100),
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("the agent page's Show more draws the page it read ahead in its click's own task; a change to the data reads it again", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many } = manyQuests();
  const { agent, want } = busiestAgent(many);
  assert.ok(want.length > 100, `${agent} has ${want.length} quests`);
  // An open quest on its second page: changed before the visit, so the page read ahead holds the
  // change; undone while it is held.
  const [changed, status] = openQuestOnSecondPage(many, want);
  const app = await openGatedWithQuestLayer(many);
  try {
    const { page } = app;
    await changeStatus(page, changed, 'reviewing');
    await page.evaluate((a) => (location.hash = `#agent/${encodeURIComponent(a)}`), agent);
    const rows = () => page.evaluate(() => [...document.querySelectorAll('[data-testid="agent-quest"]')].map((e) => Number(e.dataset.questId)));
    const statusOf = (id) => page.evaluate((id) => document.querySelector(`[data-testid="agent-quest"][data-quest-id="${id}"]`)?.dataset.status, id);
    const uses = () => page.evaluate(() => performance.getEntriesByName('flagdeck:agent-quests-ahead').length);
    const held = '[data-testid="agent-quests-shown"][data-ahead="held"]';
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="agent-quest"]').length === 50, null, { timeout: WAIT_MS });
    await page.locator(held).waitFor({ state: 'attached', timeout: WAIT_MS });
    // Undone while the page read ahead holds the change: the list is read again (a new list,
    // whose count may reuse the element) and reads its next page again: the count's
    // `data-ahead` goes, then comes back.
    await page.evaluate(() => {
      window.aheadSeen = [];
      const count = (node) => node.nodeType === 1 && (node.matches('[data-testid="agent-quests-shown"]') || node.querySelector('[data-testid="agent-quests-shown"]'));
      new MutationObserver((records) => {
        for (const r of records) {
          // A count drawn anew starts without the page read ahead.
          if (r.type === 'childList' && [...r.addedNodes].some(count)) window.aheadSeen.push(null);
          if (r.type === 'attributes' && r.target.dataset.testid === 'agent-quests-shown') window.aheadSeen.push(r.target.dataset.ahead ?? null);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ahead'] });
    });
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => window.aheadSeen.includes(null) && window.aheadSeen.at(-1) === 'held', null, { timeout: WAIT_MS });
    assert.deepEqual(await rows(), want.slice(0, 50), 'the list read again');
    // No answer of any worker reaches the page until the rows are drawn: they come from the
    // page read ahead.
    const drawn = await page.evaluate(
      () =>
        new Promise((resolve) => {
          window.holdWorkerAnswers();
          const before = window.engineLog.length;
          document.querySelector('[data-testid="agent-quests-more"]').click();
          let frames = 0;
          const frame = () => {
            const n = document.querySelectorAll('[data-testid="agent-quest"]').length;
            if (n > 50 || ++frames > 60) resolve({ n, answers: window.engineLog.slice(before).filter((e) => e.answer).length });
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        }),
    );
    await page.evaluate(() => window.releaseWorkerAnswers());
    assert.ok(drawn.n > 50, `new rows drawn while every answer was held (${drawn.n} rows after 60 frames)`);
    assert.equal(drawn.answers, 0, 'no answer was delivered before the new rows were drawn');
    assert.equal(await uses(), 1, 'Show more took the page read ahead');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="agent-quest"]').length === 100, null, { timeout: WAIT_MS });
    assert.deepEqual(await rows(), want.slice(0, 100), 'the next 50 in SQL order');
    assert.equal(await statusOf(changed), status, 'the quest undone shows its status from before the change, not the page held before the undo');
    // The page after those is read ahead in its turn, and taken by the next Show more.
    await page.locator('[data-testid="agent-quests-shown"][data-shown="100"][data-ahead="held"]').waitFor({ state: 'attached', timeout: WAIT_MS });
    await page.locator('[data-testid="agent-quests-more"]').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="agent-quest"]').length === n, Math.min(150, want.length), { timeout: WAIT_MS });
    assert.equal(await uses(), 2);
    assert.deepEqual(await rows(), want.slice(0, 150), 'the third 50 in SQL order');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the list: few rows in the DOM, scrolling reaches the last of 2040 quests in SQL order', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many, order } = manyQuests();
  const app = await open(many);
  try {
    const { page } = app;
    await showQuests(page);
    const before = await generation(page);
    await page.locator('[data-testid="quest-view-list"]').click();
    await page.locator('[data-testid="quest-row"]').first().waitFor({ timeout: WAIT_MS });
    assert.match(await page.evaluate(() => location.hash), /view=list/);
    assert.ok((await generation(page)) > before);
    const rowIds = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-row"]')]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((e) => Number(e.dataset.questId)),
      );
    const first = await rowIds();
    assert.ok(first.length > 0 && first.length <= 150, `${first.length} rows in the DOM`);
    assert.deepEqual(first, order.slice(0, first.length), 'the first rows in SQL order');
    await page.locator('[data-testid="quest-scroll"]').evaluate((e) => (e.scrollTop = e.scrollHeight));
    const last = order.at(-1);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`[data-testid="quest-row"][data-quest-id="${id}"]`) &&
        !document.querySelector('[data-testid="quest-placeholder"]'),
      last,
      { timeout: WAIT_MS },
    );
    const end = await rowIds();
    assert.ok(end.length <= 150, `${end.length} rows in the DOM after scrolling`);
    assert.deepEqual(end, order.slice(order.length - end.length), 'the last rows in SQL order');
    // Back to the middle: a page reached by OFFSET, then its neighbours by keyset.
    // Its rows: the row at the top of the view is drawn (until then the elements may still show
    // the rows of the end, or wait for their page), and none waits.
    const top = await page.locator('[data-testid="quest-scroll"]').evaluate((e) => ((e.scrollTop = e.scrollHeight / 2), e.scrollTop));
    await page.waitForFunction(
      (i) => document.querySelector(`[data-testid="quest-row"][data-index="${i}"]`) && !document.querySelector('[data-testid="quest-placeholder"]'),
      Math.floor(top / 36),
      { timeout: WAIT_MS },
    );
    const middle = await rowIds();
    const at = order.indexOf(middle[0]);
    assert.deepEqual(middle, order.slice(at, at + middle.length), 'the middle rows in SQL order');
    const pages = await page.evaluate(() => performance.getEntriesByName('flagdeck:quest-page', 'measure').length);
    assert.ok(pages > 0, 'flagdeck:quest-page measured');
    // The page after the view's is read ahead (its pages walk the file's created_at order): a
    // scroll onto its first row draws that position's rows in the frame of the scroll.
    const size = 200;
    const next = Math.floor(Number(await page.evaluate(() => Math.max(...[...document.querySelectorAll('[data-testid="quest-row"]')].map((e) => Number(e.dataset.index))))) / size) + 1;
    await page.waitForFunction(
      (p) => document.querySelector('[data-testid="quest-scroll"]').dataset.pages.split(' ').includes(String(p)),
      next,
      { timeout: WAIT_MS },
    );
    const drawn = await page.locator('[data-testid="quest-scroll"]').evaluate(async (e, row) => {
      e.scrollTop = row * 36;
      await new Promise((r) => requestAnimationFrame(r));
      const el = e.querySelector(`[data-testid="quest-row"][data-index="${row}"]`);
      return el ? Number(el.dataset.questId) : null;
    }, next * size);
    assert.equal(drawn, order[next * size], `row ${next * size} drawn in the frame of the scroll, from the page read ahead`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the list fills itself with every row: a jump anywhere is drawn in the frame of its scroll, after a filter change and a data change too', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many, order } = manyQuests();
  const app = await open(many);
  try {
    const { page } = app;
    await showQuests(page);
    /**
     * Does `change` (which starts a new generation of the list), then waits until the list
     * holds every row of its `n` (its fill measured) and checks that it holds every page.
     */
    const held = async (change, n) => {
      const before = await generation(page);
      await page.evaluate(() => performance.clearMeasures('flagdeck:quest-rows-held'));
      await change();
      await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
        timeout: WAIT_MS,
      });
      await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-rows-held', 'measure').length > 0, null, { timeout: WAIT_MS });
      const loaded = await page.locator('[data-testid="quest-scroll"]').getAttribute('data-pages');
      assert.deepEqual(loaded.split(' ').map(Number), [...Array(Math.ceil(n / 200)).keys()], 'every page of the list is held');
    };
    const showList = () => page.evaluate(() => (location.hash = '#quests?view=list'));
    /** Scrolls row `at` to the view's top and reads, in that scroll's frame, its rows (id, status). */
    const jump = (at) =>
      page.locator('[data-testid="quest-scroll"]').evaluate(async (e, at) => {
        e.scrollTop = at * 36;
        await new Promise((r) => requestAnimationFrame(r));
        return [0, 1, 2, 3, 4].map((k) => {
          const row = e.querySelector(`[data-testid="quest-row"][data-index="${at + k}"]`);
          return row ? [Number(row.dataset.questId), row.dataset.status] : null;
        });
      }, at);
    /** Jumps to each of `positions` and checks the rows drawn in that frame against `ids`. */
    const jumps = async (ids, positions) => {
      for (const at of positions) {
        const shown = (await jump(at)).slice(0, ids.length - at);
        assert.deepEqual(shown.map((r) => r?.[0]), ids.slice(at, at + 5), `rows ${at}… drawn in the frame of the jump, in SQL order`);
      }
    };
    await held(showList, order.length);
    await jumps(order, [1500, 731, 2035, 12]);
    // Another query in the list on screen: a new generation, filled again.
    const completed = query(
      many,
      "SELECT quest_id FROM acolyte_quests WHERE status = 'completed' ORDER BY created_at DESC, quest_id DESC",
    ).map(([id]) => id);
    await held(() => page.locator('[data-testid="quest-filter-status"][data-status="completed"] input').check(), completed.length);
    await jumps(completed, [1300, 401, completed.length - 3]);
    // An open quest far down the list fails: the list is read anew and filled again, and a
    // jump to it shows its new status in the frame of the scroll (no row held from before).
    const statusOf = new Map(query(many, 'SELECT quest_id, status FROM acolyte_quests').map(([id, st]) => [id, st]));
    const at = order.findLastIndex((id) => !['completed', 'failed'].includes(statusOf.get(id)));
    assert.ok(at > 400, `an open quest far down the list (at ${at})`);
    await held(showList, order.length);
    assert.equal((await jump(at))[0]?.[1], statusOf.get(order[at]));
    await changeStatus(page, order[at], 'failed');
    await held(showList, order.length);
    assert.deepEqual((await jump(at))[0], [order[at], 'failed'], 'the changed quest, as it is now, in the frame of the jump');
    await jumps(order, [at]);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('filter changes in the list are answered by its filter index once held, as plain SQL answers them, before and after an edit', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const { many } = manyQuests();
  let file = many;
  const app = await open(many);
  try {
    const { page } = app;
    const indexed = () => page.evaluate(() => performance.getEntriesByName('flagdeck:quests-from-index', 'mark').length);
    /** Opens the list and waits until its filter index and the order of its sort are held. */
    const showIndexedList = async () => {
      await page.evaluate(() => {
        performance.clearMarks('flagdeck:quest-order');
        location.hash = '#quests?view=list';
      });
      await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-order', 'mark').length > 0, null, { timeout: WAIT_MS });
    };
    const [[agent]] = query(
      many,
      'SELECT current_agent FROM acolyte_quests WHERE current_agent IS NOT NULL GROUP BY current_agent ORDER BY count(*) DESC LIMIT 1',
    );
    // The agent condition on the generated file's JSON-array teams, and the list's order.
    const agentSql = (a) =>
      `(lower(current_agent) = ${sqlText(a.toLowerCase())} OR EXISTS (SELECT 1 FROM json_each(recruited) AS r WHERE lower(r.value) = ${sqlText(a.toLowerCase())}))`;
    /** Does `change`, then checks the new generation came from the index and agrees with SQL under `where`. */
    const agrees = async (label, change, where) => {
      const [before, from] = [await generation(page), await indexed()];
      await change();
      const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
      const [[total]] = query(file, `SELECT count(*) FROM acolyte_quests${clause}`);
      await waitForTotal(page, total, before);
      assert.equal(await indexed(), from + 1, `${label}: answered by the filter index`);
      const ids = query(file, `SELECT quest_id FROM acolyte_quests${clause} ORDER BY created_at DESC, quest_id DESC LIMIT 8`).map(([id]) => id);
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-row"]')]
          .map((r) => [Number(r.dataset.index), Number(r.dataset.questId)])
          .sort((a, b) => a[0] - b[0])
          .slice(0, 8)
          .map(([, id]) => id),
      );
      assert.deepEqual(shown, ids, `${label}: the first rows, in SQL order`);
      // The status boxes count under every filter but the statuses.
      const others = where.filter((w) => !w.startsWith('status'));
      const counts = Object.fromEntries(
        query(file, `SELECT status, count(*) FROM acolyte_quests${others.length ? ` WHERE ${others.join(' AND ')}` : ''} GROUP BY status`),
      );
      const boxes = await page.evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-testid="quest-filter-status"]')]
            .map((e) => [e.dataset.status, Number(e.dataset.value)])
            .filter(([, n]) => n > 0),
        ),
      );
      assert.deepEqual(boxes, counts, `${label}: the status boxes`);
    };
    const tick = (status) => () => page.locator(`[data-testid="quest-filter-status"][data-status="${status}"] input`).click();
    const typeAgent = (a) => async () => {
      await page.locator('[data-testid="quest-filter-agent"]').fill(a);
      await page.locator('[data-testid="quest-filter-agent"]').press('Enter');
    };
    const steps = async () => {
      await agrees('tick completed', tick('completed'), ["status = 'completed'"]);
      await agrees('an agent, in capitals', typeAgent(agent.toUpperCase()), ["status = 'completed'", agentSql(agent)]);
      await agrees('tick failed too', tick('failed'), ["status IN ('completed', 'failed')", agentSql(agent)]);
      await agrees('an agent no quest has', typeAgent('@nobody.here'), ["status IN ('completed', 'failed')", agentSql('@nobody.here')]);
      await agrees('no agent', typeAgent(''), ["status IN ('completed', 'failed')"]);
      await agrees('untick completed', tick('completed'), ["status = 'failed'"]);
      await agrees('untick failed', tick('failed'), []);
    };
    await showQuests(page);
    await showIndexedList();
    // The agent box's suggestions, as agents_sql lists them.
    const suggestionsAgree = async (label) => {
      await page.locator('[data-testid="quest-filter-agent"]').focus();
      await page.waitForFunction(() => document.querySelectorAll('#quest-agents option').length > 0, null, { timeout: WAIT_MS });
      const suggested = await page.evaluate(() => [...document.querySelectorAll('#quest-agents option')].map((o) => o.value));
      const expected = query(
        file,
        `SELECT agent FROM (SELECT current_agent AS agent FROM acolyte_quests WHERE typeof(current_agent) = 'text'
           UNION SELECT r.value FROM acolyte_quests AS q, json_each(q.recruited) AS r WHERE json_valid(q.recruited) AND r.type = 'text')
         WHERE trim(agent) <> '' ORDER BY lower(agent), agent`,
      ).map(([a]) => a);
      assert.deepEqual(suggested, expected, `${label}: the agent suggestions`);
    };
    const measures = (name) => page.evaluate((n) => performance.getEntriesByName(n, 'measure').length, name);
    // Here they come from the index.
    await suggestionsAgree('read');
    await steps();
    // The board: the first cards of each column, from the index too.
    const boardAgrees = async (label, change, where) => {
      const [before, from] = [await generation(page), await indexed()];
      await change();
      await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
        timeout: WAIT_MS,
      });
      assert.equal(await indexed(), from + 1, `${label}: answered by the filter index`);
      const columns = await page.evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll('.quest-board section[data-status]')].map((c) => [
            c.dataset.status,
            [...c.querySelectorAll('[data-testid="quest-card"]')].map((e) => Number(e.dataset.questId)),
          ]),
        ),
      );
      for (const status of STATUSES) {
        const ids = query(
          file,
          `SELECT quest_id FROM acolyte_quests WHERE status = ${sqlText(status)}${where.map((w) => ` AND ${w}`).join('')} ORDER BY created_at DESC, quest_id DESC LIMIT 12`,
        ).map(([id]) => id);
        assert.deepEqual(columns[status] ?? [], ids, `${label}: the ${status} column's first cards`);
      }
    };
    await boardAgrees('the board', () => page.locator('[data-testid="quest-view-board"]').click(), []);
    await boardAgrees('the board, an agent', typeAgent(agent), [agentSql(agent)]);
    // An edit on the quest's page: the newest waiting quest fails. Back on the list, which reads
    // anew, the index kept by the app is brought up to date from the write log (only the quest
    // written is read again, not every quest), and filter changes answer from it with the quest
    // as it is now.
    const [reads, refreshes] = [await measures('flagdeck:quest-index'), await measures('flagdeck:quest-index-refresh')];
    assert.equal(reads, 1, 'the index was read once');
    const [[changed]] = query(file, "SELECT quest_id FROM acolyte_quests WHERE status = 'waiting' ORDER BY created_at DESC, quest_id DESC LIMIT 1");
    await changeStatus(page, changed, 'failed');
    const edited = path.join(env.out, 'many-quests-edited.db');
    await exportTo(page, edited);
    assert.equal(sqlValue(edited, `SELECT status FROM acolyte_quests WHERE quest_id = ${changed}`), 'failed');
    file = edited;
    await showIndexedList();
    assert.equal(await measures('flagdeck:quest-index-refresh'), refreshes + 1, 'brought up to date from the log');
    assert.equal(await measures('flagdeck:quest-index'), reads, 'not read whole again');
    await steps();
    // After a refresh the suggestions are read by SQL (a quest's agent may have left).
    await suggestionsAgree('after the edit');
    // Undo, then redo, from the toolbar with the list on screen: each is followed by a refresh
    // (with the order of the list's sort), and filter changes answer from it as SQL does on the
    // file as it is then.
    const refreshedAfter = async (button) => {
      const n = await measures('flagdeck:quest-index-refresh');
      await page.evaluate(() => performance.clearMarks('flagdeck:quest-order'));
      await page.locator(`[data-testid="${button}"]`).click();
      await page.waitForFunction(
        (n) =>
          performance.getEntriesByName('flagdeck:quest-index-refresh', 'measure').length > n &&
          performance.getEntriesByName('flagdeck:quest-order', 'mark').length > 0,
        n,
        { timeout: WAIT_MS },
      );
    };
    await refreshedAfter('undo');
    file = many;
    await steps();
    await refreshedAfter('redo');
    file = edited;
    await steps();
    assert.equal(await measures('flagdeck:quest-index'), reads, 'never read whole again');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/** A message as the page shows it: the text without the `Files modified:` block, and the files. */
function split(message) {
  const marker = '\n\nFiles modified:\n';
  const at = message.lastIndexOf(marker);
  if (at < 0) return { text: message, files: [] };
  return { text: message.slice(0, at), files: message.slice(at + marker.length).split('\n').map((l) => l.replace(/^- /, '')) };
}

test("v2: quest 3's thread is its broadcast: senders, recipients, texts and file chips", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const raw = JSON.parse(readFileSync(path.join(FIXTURES, 'expected', 'v2-quest-conversation-raw-3.json'), 'utf8'));
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    // Quest 3 is an old completed one, beyond the column's first cards: found by its name.
    await findByName(page, raw.quest_name);
    await page.locator('[data-testid="quest-card"][data-quest-id="3"]').click();
    await page.locator('[data-testid="quest-page"][data-quest-id="3"] [data-testid="quest-message"]').first().waitFor({ timeout: WAIT_MS });
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="quest-message"]')].map((m) => ({
        from: m.dataset.from,
        to: m.dataset.to,
        text: m.querySelector('[data-testid="quest-message-text"]').textContent,
        files: [...m.querySelectorAll('[data-testid="quest-file"]')].map((f) => f.textContent),
        time: m.querySelector('time').getAttribute('title'),
      })),
    );
    assert.equal(shown.length, raw.broadcast.length);
    shown.forEach((m, i) => {
      const want = raw.broadcast[i];
      assert.equal(m.from, want.from, `message ${i + 1}: sender`);
      assert.equal(m.to, want.to, `message ${i + 1}: recipient`);
      assert.deepEqual({ text: m.text, files: m.files }, split(want.message), `message ${i + 1}: text and files`);
      assert.ok(m.time.includes(want.timestamp), `message ${i + 1}: the stored time on hover (${m.time})`);
    });
    assert.equal(await page.locator('[data-testid="quest-mission"]').textContent(), raw.mission);
    assert.equal(await page.locator('[data-testid="quest-result-summary"]').textContent(), raw.result.summary);
    // The result shows only what is new: the id, name, mission, phase and team it copies are
    // shown at the top already (here they equal the row's).
    assert.deepEqual(raw.result.team, raw.recruited);
    assert.deepEqual([raw.result.quest_name, raw.result.mission, raw.result.phase], [raw.quest_name, raw.mission, raw.quest_phase]);
    const result = page.locator('[data-testid="quest-result"]');
    assert.equal(await result.locator('[data-testid="quest-agent"]').count(), 0, 'no team again');
    assert.equal(await page.locator('[data-testid="quest-result-other"]').count(), 0, 'no copied fields again');
    const keys = await result.locator('dt').allTextContents();
    for (const copied of ['quest_id', 'quest_name', 'mission', 'phase', 'team']) assert.ok(!keys.includes(copied), `no ${copied} again`);
    assert.ok(!(await result.textContent()).includes(raw.quest_name), 'no name again');
    await result.locator('[data-testid="quest-result-details"]').waitFor({ timeout: WAIT_MS });
    // Its sub-headings are no larger than the section headings.
    const sizes = await page.evaluate(() => {
      const px = (e) => parseFloat(getComputedStyle(e).fontSize);
      return { h2: px(document.querySelector('[data-testid="quest-page"] h2')), h3: Math.max(...[...document.querySelectorAll('[data-testid="quest-result"] h3')].map(px)) };
    });
    assert.ok(sizes.h3 <= sizes.h2, `sub-heading ${sizes.h3}px, heading ${sizes.h2}px`);
    // One lane per recruited agent, the leader first.
    const lanes = await page.evaluate(() => [...document.querySelectorAll('[data-testid="quest-lane"]')].map((l) => l.dataset.agent));
    assert.deepEqual(lanes.slice(0, raw.recruited.length), raw.recruited);
    assert.ok((await page.locator('[data-testid="quest-span"]').count()) >= raw.broadcast.length, 'a span per turn');
    assert.equal(await page.locator('[data-testid="quest-holder"]').count(), 0, 'a completed quest has no holder');
    assert.equal(await page.locator('[data-testid="quest-warning"]').count(), 0, 'quest 3 has nothing odd');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: added quest logs give each quest its status history and refused commands; odd lines are shown raw', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const files = readdirSync(V2_LOGS).map((f) => path.join(V2_LOGS, f));
  assert.equal(files.length, FACTS['acolytes-v2-small.db'].quests.logs.files);
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await page.locator('[data-testid="quest-logs-input"]').setInputFiles(files);
    await page.locator('[data-testid="quest-logs-report"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('[data-testid="quest-logs-report"]').textContent(), /Added 40 quest logs \(quests 1–40\)\./);
    const logs = FACTS['acolytes-v2-small.db'].quests.logs;
    for (const id of ['1', '2', '3', '33']) {
      await showQuest(page, id);
      await page.locator('[data-testid="quest-log-event"]').first().waitFor({ timeout: WAIT_MS });
      const statuses = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-log-event"][data-status]')].map((e) => e.dataset.status),
      );
      assert.deepEqual(statuses, logs.status_history[id], `quest ${id}: status history`);
      const text = readFileSync(path.join(V2_LOGS, `quest_${id}.log`), 'utf8');
      // One row per message (its UPDATE and "Turn passed" folded in), one per other line.
      const lines = text.split('\n').filter((l) => l.trim());
      let rows = 0;
      for (let i = 0; i < lines.length; i += 1) {
        rows += 1;
        if (lines[i].includes('[MESSAGE]') && lines[i + 1]?.includes('[UPDATE]') && lines[i + 1].includes('"current_agent"')) {
          i += 1;
          if (lines[i + 1]?.includes('] Turn passed to @')) i += 1;
        }
      }
      assert.equal(await page.locator('[data-testid="quest-log-event"]').count(), rows, `quest ${id}: rows`);
      // The history has its own classes: none of the conversation's or the status badge's.
      assert.equal(await page.locator('[data-testid="quest-log"] .message, [data-testid="quest-log"] .status').count(), 0);
      const violations = text.split('\n').filter((l) => l.includes('[VIOLATION]'));
      assert.equal(violations.length, logs.violations_per_quest[id] ?? 0);
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-log-event"][data-kind="violation"]')].map((e) => e.textContent),
      );
      assert.equal(shown.length, violations.length, `quest ${id}: refused commands`);
      const n = violations.length;
      // Singular for one: "1 refused command", "2 refused commands".
      assert.match(
        await page.locator('[data-testid="quest-log-summary"]').textContent(),
        new RegExp(`\\b${n} refused command${n === 1 ? '' : 's'}\\b`),
        `quest ${id}`,
      );
      violations.forEach((line, i) => {
        const said = line.split('] ').at(-1);
        assert.ok(shown[i].includes(said), `quest ${id}: "${said}" in "${shown[i]}"`);
        assert.ok(shown[i].includes(line.slice(11, 16)), `quest ${id}: the line's time`);
      });
      assert.equal(await page.locator('[data-testid="quest-log-unparsed"]').count(), 0);
      assert.ok((await page.locator('[data-testid="quest-marker"]').count()) > 0, 'status changes and refusals marked on the timeline');
    }

    // A log with lines that do not parse: counted, shown as written, with a warning.
    const odd = path.join(env.out, 'quest_1.log');
    const oddLines = ['this is not a log line', '2025-13-45 99:99:99 | [TURN] nonsense'];
    writeFileSync(odd, `${readFileSync(path.join(V2_LOGS, 'quest_1.log'), 'utf8')}${oddLines.join('\n')}\n`);
    await page.locator('[data-testid="quest-logs-input"]').setInputFiles([odd]);
    await page.locator('[data-testid="quest-logs-report"]').filter({ hasText: '2 lines did not parse' }).waitFor({ timeout: WAIT_MS });
    await showQuest(page, 1);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="quest-log-unparsed"]').length === 2, null, {
      timeout: WAIT_MS,
    });
    const unparsed = await page.locator('[data-testid="quest-log-unparsed"]').allTextContents();
    unparsed.forEach((u, i) => assert.ok(u.endsWith(oddLines[i]), `shown as written: ${u}`));
    assert.match(await page.locator('[data-testid="quest-page"]').textContent(), /2 lines of quest_1\.log did not parse/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: a log of another quest or of no quest here is refused, naming both quests', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const HYBRID_LOGS = path.join(FIXTURES, 'acolytes-hybrid-small.quest-logs');
  const [[v2Name]] = query(V2, 'SELECT quest_name FROM acolyte_quests WHERE quest_id = 3');
  const [[hybridName]] = query(HYBRID, 'SELECT quest_name FROM acolyte_quests WHERE quest_id = 3');
  assert.notEqual(v2Name, hybridName);
  const [[total]] = query(V2, 'SELECT count(*) FROM acolyte_quests');
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    const report = page.locator('[data-testid="quest-logs-report"]');
    await page.locator('[data-testid="quest-logs-input"]').setInputFiles([path.join(HYBRID_LOGS, 'quest_3.log')]);
    await report.waitFor({ timeout: WAIT_MS });
    const said = await report.textContent();
    assert.ok(said.includes(v2Name) && said.includes(hybridName), said);
    assert.match(said, /No quest log was added\./);
    // A log numbered past the last quest (the v2 log of #3 under another number).
    const beyond = total + 59;
    const odd = path.join(env.out, `quest_${beyond}.log`);
    writeFileSync(odd, readFileSync(path.join(V2_LOGS, 'quest_3.log'), 'utf8'));
    await page.locator('[data-testid="quest-logs-input"]').setInputFiles([odd]);
    await report.filter({ hasText: `there is no quest #${beyond} in this file` }).waitFor({ timeout: WAIT_MS });
    assert.doesNotMatch(await report.textContent(), /Added/);
    assert.equal(await page.locator('[data-testid="quest-logs-count"]').count(), 0, 'no log added');
    await showQuest(page, 3);
    await page.locator('[data-testid="quest-log-none"]').waitFor({ timeout: WAIT_MS });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("v2: the quest page and the board's cards measure from the dashboard's as-of: the file's latest activity, or the clock", async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const [[id]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status = 'waiting' ORDER BY quest_id LIMIT 1");
  const app = await open(V2);
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-dashboard"]').click();
    const windowText = await page.locator('[data-testid="dashboard-window"]').textContent({ timeout: WAIT_MS });
    const asOf = windowText.match(/as of (\d{4}-\d\d-\d\d \d\d:\d\d)/)[1];
    await showQuests(page);
    // The board's "updated … ago" counts to the same as-of (once it is read; the clock before).
    const asOfMs = Date.parse(`${asOf.replace(' ', 'T')}:00Z`) + 59_999;
    const [[updated]] = query(V2, `SELECT CAST(updated_at AS INTEGER) FROM acolyte_quests WHERE quest_id = ${id}`);
    await page.waitForFunction(
      ([id, want]) => Number(document.querySelector(`[data-testid="quest-card"][data-quest-id="${id}"] time.since`)?.dataset.agoMs) === want,
      [id, asOfMs - updated * 1000],
      { timeout: WAIT_MS },
    );
    await showQuest(page, id);
    const shown = page.locator('[data-testid="quest-as-of"]');
    await shown.waitFor({ timeout: WAIT_MS });
    assert.equal(Number(await shown.getAttribute('data-as-of-ms')), Date.parse(`${asOf.replace(' ', 'T')}:00Z`) + 59_999);
    assert.ok((await shown.textContent()).includes(asOf));
    const waited = Number(await page.locator('[data-testid="quest-holder"]').getAttribute('data-waiting-ms'));
    assert.ok(waited > 0 && waited < 30 * 86_400_000, `waiting ${waited} ms, measured from the file's latest activity`);
    // The dashboard set to "now": the quest page follows, from the clock.
    await page.locator('[data-testid="nav-dashboard"]').click();
    await page.locator('[data-testid="as-of"]').selectOption('now');
    const before = Date.now();
    await showQuest(page, id);
    await page.locator('[data-testid="quest-as-of"]').filter({ hasText: 'computer clock' }).waitFor({ timeout: WAIT_MS });
    const clock = Number(await page.locator('[data-testid="quest-as-of"]').getAttribute('data-as-of-ms'));
    assert.ok(Math.abs(clock - before) < 60_000, `${clock} is the clock`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: closed quests have no stall threshold; the timeline has a legend; a leftover turn and an unrecruited addressee are pointed out', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const [[closed]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status IN ('completed', 'failed', 'timeout') ORDER BY quest_id LIMIT 1");
  const [[open_]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout') ORDER BY quest_id LIMIT 1");
  // A completed quest whose current_agent was left set (quest_status.py --status completed).
  const [[leftover, agent]] = query(V2, "SELECT quest_id, current_agent FROM acolyte_quests WHERE status = 'completed' AND current_agent IS NOT NULL ORDER BY quest_id LIMIT 1");
  // Messages to agents outside `recruited`, counted with plain SQL (json_each).
  const outside = query(
    V2,
    "SELECT q.quest_id, json_extract(m.value, '$.to') FROM acolyte_quests q, json_each(q.broadcast) m " +
      "WHERE json_valid(q.broadcast) AND json_extract(m.value, '$.to') NOT IN (SELECT value FROM json_each(q.recruited)) ORDER BY q.quest_id, m.key",
  );
  assert.ok(outside.length > 0, 'the fixture has a message to an agent that is not recruited');
  const [unrecruitedQuest] = outside[0];
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await showQuest(page, closed);
    await page.locator('[data-testid="quest-timeline-legend"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('[data-testid="quest-stall-hours"]').count(), 0, `quest ${closed} is closed: no threshold`);
    const legend = await page.locator('[data-testid="quest-timeline-legend"] li').allTextContents();
    assert.ok(legend.some((l) => /green/.test(l) && /status/.test(l)) && legend.some((l) => /red/.test(l) && /refused/.test(l)), legend.join(' | '));
    await showQuest(page, open_);
    await page.locator('[data-testid="quest-stall-hours"]').waitFor({ timeout: WAIT_MS });

    await showQuest(page, leftover);
    const turn = page.locator('[data-testid="quest-turn"]');
    assert.equal(await turn.getAttribute('data-turn'), agent);
    assert.equal(await turn.getAttribute('data-leftover'), 'true');
    assert.equal((await turn.textContent()).trim(), 'no one');
    const note = await page.locator('[data-testid="quest-turn-leftover"]').textContent();
    assert.ok(note.includes(agent) && note.includes('quest_status.py --status completed'), note);

    await showQuest(page, unrecruitedQuest);
    const wanted = outside.filter(([q]) => q === unrecruitedQuest).map(([, to]) => to);
    await page.locator('[data-testid="quest-note-unrecruited"]').first().waitFor({ timeout: WAIT_MS });
    const noted = await page.locator('[data-testid="quest-note-unrecruited"]').evaluateAll((ns) => ns.map((n) => n.dataset.agent));
    assert.deepEqual(noted, wanted);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: the turn holder of an open quest, how long it has waited, and the stall threshold', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const [[id, holder]] = query(V2, "SELECT quest_id, current_agent FROM acolyte_quests WHERE status = 'waiting' ORDER BY quest_id LIMIT 1");
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await showQuest(page, id);
    await page.locator('[data-testid="quest-holder"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('[data-testid="quest-holder"]').getAttribute('data-agent'), holder);
    assert.equal(await page.locator('[data-testid="quest-turn"]').getAttribute('data-turn'), holder);
    const waited = Number(await page.locator('[data-testid="quest-holder"]').getAttribute('data-waiting-ms'));
    assert.ok(waited > 0, `waiting ${waited} ms`);
    // The fixture's quests are months old: any threshold below the wait marks it stalled.
    await page.locator('[data-testid="quest-stall-hours"]').fill(String(Math.floor(waited / 3_600_000) + 1000));
    await page.locator('[data-testid="quest-stall-hours"]').press('Enter');
    await page.locator('[data-testid="quest-stalled"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    await page.locator('[data-testid="quest-stall-hours"]').fill('1');
    await page.locator('[data-testid="quest-stall-hours"]').press('Enter');
    await page.locator('[data-testid="quest-stalled"]').waitFor({ timeout: WAIT_MS });
    // The threshold is kept while moving between pages.
    await showQuests(page);
    await showQuest(page, id);
    assert.equal(await page.locator('[data-testid="quest-stall-hours"]').inputValue(), '1');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

for (const [name, file, storage] of [
  ['v2', V2, 'text'],
  ['hybrid', HYBRID, 'integer'],
]) {
  test(`${name}: a status change is exported as quest_status.py writes it (updated_at ${storage}), and undone`, async (t) => {
    if (skipWithoutV2Fixtures(t)) return;
    const [[id, status, updated]] = query(
      file,
      "SELECT quest_id, status, updated_at FROM acolyte_quests WHERE status IN ('waiting', 'reviewing') ORDER BY quest_id LIMIT 1",
    );
    const app = await open(file);
    try {
      const { page } = app;
      await showQuests(page);
      await showQuest(page, id);
      assert.equal(await shownStatus(page), status);
      await page.locator('[data-testid="quest-status-select"]').selectOption('failed');
      await page.locator('[data-testid="quest-status-apply"]').click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="quest-status"]')?.dataset.status === 'failed',
        null,
        { timeout: WAIT_MS },
      );
      const changed = path.join(env.out, `${name}-status.db`);
      await exportTo(page, changed);
      const [[stored, type, epoch]] = query(changed, `SELECT status, typeof(updated_at), CAST(updated_at AS INTEGER) FROM acolyte_quests WHERE quest_id = ${id}`);
      assert.deepEqual([stored, type], ['failed', storage]);
      assert.ok(Math.abs(epoch - Date.now() / 1000) < 600, `updated_at is now in epoch seconds (${epoch})`);
      // Nothing else changed: every other row and column as in the fixture.
      const others = (f) => query(f, `SELECT * FROM acolyte_quests WHERE quest_id <> ${id} ORDER BY quest_id`);
      assert.deepEqual(others(changed), others(file));
      // The tool's own reads (acolyte_quest_core.py): get_all_active_quests no longer lists it,
      // get_quest reads the row with its JSON columns intact, and the file is sound.
      const active = (f) =>
        query(f, "SELECT quest_id FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout') ORDER BY created_at DESC").map(([q]) => q);
      assert.deepEqual(active(changed), active(file).filter((q) => q !== id));
      const json = (f) =>
        query(f, `SELECT json_valid(recruited), json_valid(broadcast), json_valid(context), quest_name, mission FROM acolyte_quests WHERE quest_id = ${id}`);
      assert.deepEqual(json(changed), json(file));
      assert.deepEqual(query(changed, 'PRAGMA integrity_check'), [['ok']]);
      // The Changes list names it.
      await page.locator('[data-testid="nav-summary"]').click();
      const item = page.locator(`[data-testid="changes"] li[data-quest-id="${id}"]`);
      assert.equal((await item.textContent()).trim(), `Quest #${id}: ${status} → failed`);
      // updated_at on hover, as a time (the stored epoch seconds never shown raw).
      const hover = await item.getAttribute('title');
      const before = new Date(Number(updated) * 1000).toISOString().slice(0, 16).replace('T', ' ');
      assert.ok(hover.startsWith(`updated_at: ${before}`), hover);
      assert.ok(!hover.includes(String(updated)), hover);

      await page.locator('[data-testid="undo"]').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="changes"] li'), null, { timeout: WAIT_MS });
      await showQuest(page, id);
      assert.equal(await shownStatus(page), status);
      const undone = path.join(env.out, `${name}-undone.db`);
      await exportTo(page, undone);
      assert.deepEqual(
        query(undone, `SELECT status, updated_at, typeof(updated_at) FROM acolyte_quests WHERE quest_id = ${id}`),
        query(file, `SELECT status, updated_at, typeof(updated_at) FROM acolyte_quests WHERE quest_id = ${id}`),
      );
      assert.deepEqual(query(undone, `SELECT updated_at FROM acolyte_quests WHERE quest_id = ${id}`), [[updated]]);
      app.assertHealthy();
    } finally {
      await app.close();
    }
  });
}

test('v2: changing a completed quest is refused in the tool\'s words, and nothing changes', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const [[id]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status = 'completed' ORDER BY quest_id LIMIT 1");
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await showQuest(page, id);
    await page.locator('[data-testid="quest-status-select"]').selectOption('working');
    await page.locator('[data-testid="quest-status-apply"]').click();
    const alerts = await waitForAlert(page, new RegExp(`Quest ${id} is completed\\. No modifications allowed\\.`));
    assert.match(alerts, new RegExp(`Quest #${id}:`));
    assert.equal(await shownStatus(page), 'completed');
    assert.equal(await page.locator('[data-testid="undo"]').isDisabled(), true, 'nothing to undo');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a malformed broadcast is shown as stored with a warning, on the board and on the quest', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const bad = path.join(env.out, 'bad-broadcast.db');
  const stored = '[{"from": "@acolyte.auth", "to": broken';
  xtask(['exec-sql', '--from', V2, '--out', bad, `UPDATE acolyte_quests SET broadcast = ${sqlText(stored)} WHERE quest_id = 3;`]);
  assert.deepEqual(query(bad, 'SELECT broadcast FROM acolyte_quests WHERE quest_id = 3'), [[stored]]);
  const app = await open(bad);
  try {
    const { page } = app;
    await showQuests(page);
    const [[name]] = query(bad, 'SELECT quest_name FROM acolyte_quests WHERE quest_id = 3');
    await findByName(page, name);
    const badge = page.locator('[data-testid="quest-card"][data-quest-id="3"] [data-testid="quest-card-warning"]');
    assert.match(await badge.getAttribute('title'), /broadcast is not a JSON array/);
    await showQuest(page, 3);
    assert.equal(await page.locator('[data-testid="quest-broadcast-raw"]').textContent(), stored);
    const warnings = await page.locator('[data-testid="quest-warning"]').allTextContents();
    assert.ok(warnings.some((w) => /broadcast is not JSON/.test(w)), `a warning about broadcast: ${warnings}`);
    assert.equal(await page.locator('[data-testid="quest-message"]').count(), 0);
    // The rest of the quest is still there.
    assert.ok((await page.locator('[data-testid="quest-mission"]').textContent()).length > 0);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/** Drops `files` ([url, name, type]) on the page as one drag-and-drop. */
async function drop(page, files) {
  await page.evaluate(async (files) => {
    const dt = new DataTransfer();
    for (const [url, name, type] of files) {
      const bytes = await (await fetch(url)).arrayBuffer();
      dt.items.add(new File([bytes], name, { type }));
    }
    for (const kind of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, files);
}

test('drops: a database with logs opens it and adds them; logs alone go to the open file; a file without quests refuses them', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    const log = (n) => [`/fixtures/acolytes-v2-small.quest-logs/quest_${n}.log`, `quest_${n}.log`, 'text/plain'];
    await drop(page, [['/fixtures/acolytes-v2-small.db', 'acolytes-v2-small.db', 'application/vnd.sqlite3'], log(1), log(2)]);
    await waitForSummary(page, { fileName: 'acolytes-v2-small.db', generation: 'v2' });
    await showQuests(page);
    const report = await page.locator('[data-testid="quest-logs-report"]').textContent();
    assert.match(report, /Opened acolytes-v2-small\.db and read the quest logs dropped with it\. Added 2 quest logs \(quests 1–2\)\./);
    await drop(page, [log(3)]);
    await page.waitForFunction(() => /Added the quest log of quest 3\./.test(document.querySelector('[data-testid="quest-logs-report"]')?.textContent), null, {
      timeout: WAIT_MS,
    });
    await showQuest(page, 3);
    const statuses = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="quest-log-event"][data-status]')].map((e) => e.dataset.status),
    );
    assert.deepEqual(statuses, FACTS['acolytes-v2-small.db'].quests.logs.status_history['3']);
    app.assertHealthy();

    // The v1 file has no quests: the quest page says so, its logs are refused, it stays open.
    await pickFile(page, V1);
    await page.locator('[data-testid="no-quests-notice"]').waitFor({ timeout: WAIT_MS });
    await page.locator('[data-testid="nav-summary"]').click();
    await waitForSummary(page, { fileName: 'acolytes-v1-small.db', generation: 'v1' });
    assert.equal(await page.locator('[data-testid="nav-quests"]').count(), 0, 'no Quests tab without quests');
    await drop(page, [log(4)]);
    await waitForAlert(page, /has no quests \(no acolyte_quests table\): the quest logs were not added/);
    assert.match(await alertText(page), /acolytes-v1-small\.db/);
  } finally {
    await app.close();
  }
});

test('the working copy keeps the added logs: a resumed copy shows them again', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const context = await env.browser.newContext({ acceptDownloads: true });
  try {
    let app = await open(V2, context);
    let { page } = app;
    await page.locator('[data-testid="working-copy"][data-state="saved"]').waitFor({ timeout: WAIT_MS });
    await showQuests(page);
    await page.locator('[data-testid="quest-logs-input"]').setInputFiles([path.join(V2_LOGS, 'quest_2.log')]);
    await page.locator('[data-testid="quest-logs-report"]').waitFor({ timeout: WAIT_MS });
    // A change, so that there is a working copy to resume.
    const [[id]] = query(V2, "SELECT quest_id FROM acolyte_quests WHERE status = 'working' ORDER BY quest_id LIMIT 1");
    await changeStatus(page, id, 'timeout');
    await page.locator('[data-testid="working-copy"][data-state="saved"]').waitFor({ timeout: WAIT_MS });
    app.assertHealthy();
    await app.close();

    app = await pageIn(context);
    page = app.page;
    await page.locator('[data-testid="resume-session"]').waitFor({ timeout: WAIT_MS });
    await page.locator('[data-testid="resume-session-resume"]').click();
    await waitForSummary(page, { fileName: 'acolytes-v2-small.db', generation: 'v2' });
    await showQuests(page);
    await showQuest(page, id);
    assert.equal(await shownStatus(page), 'timeout', 'the change is restored');
    await showQuest(page, 2);
    await page.locator('[data-testid="quest-log-event"]').first().waitFor({ timeout: WAIT_MS });
    const statuses = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="quest-log-event"][data-status]')].map((e) => e.dataset.status),
    );
    assert.deepEqual(statuses, FACTS['acolytes-v2-small.db'].quests.logs.status_history['2']);
    app.assertHealthy();
  } finally {
    await context.close();
  }
});

/** The page's layout problems at the current size: page-wide sideways overflow, columns off-screen. */
const overflow = (page) =>
  page.evaluate(() => ({
    pageWider: document.documentElement.scrollWidth > innerWidth,
    offScreen: [...document.querySelectorAll('.quest-column')]
      .filter((c) => c.getBoundingClientRect().right > innerWidth || c.getBoundingClientRect().left < 0)
      .map((c) => c.dataset.status),
  }));

test('v2: the board and the list fit a 1400 px and an 800 px window; list rows are one link each', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await page.setViewportSize({ width: 1400, height: 900 });
    await showQuests(page);
    const board = page.locator('[data-testid="quest-board"]');
    // At 1400 px the six columns share one row; at 800 px they wrap, none off-screen.
    assert.deepEqual(await overflow(page), { pageWider: false, offScreen: [] }, '1400 px board');
    const tops = await page.evaluate(() => new Set([...document.querySelectorAll('.quest-column')].map((c) => c.getBoundingClientRect().top)).size);
    assert.equal(tops, 1, 'one row of columns at 1400 px');
    // Column counts are small labels, not tiles.
    const badge = await page.evaluate(() => Math.max(...[...document.querySelectorAll('.column-head .col-count')].map((b) => b.getBoundingClientRect().height)));
    assert.ok(badge > 0 && badge <= 20, `count labels ${badge}px high`);
    await page.screenshot({ path: path.join(env.out, 'board-1400.png') });
    await page.setViewportSize({ width: 800, height: 900 });
    await board.waitFor();
    assert.deepEqual(await overflow(page), { pageWider: false, offScreen: [] }, '800 px board');
    await page.screenshot({ path: path.join(env.out, 'board-800.png'), fullPage: true });

    // The list at 800 px: no page-wide overflow; Mission is the widest column.
    await page.locator('[data-testid="quest-view-list"]').click();
    await page.locator('[data-testid="quest-row"]').first().waitFor({ timeout: WAIT_MS });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the 800 px list stays in the window');
    const widths = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="quest-sort"]')]
          .filter((h) => h.offsetParent)
          .map((h) => [h.dataset.sort, h.getBoundingClientRect().width]),
      ),
    );
    assert.equal(Object.entries(widths).sort((a, b) => b[1] - a[1])[0][0], 'mission', `widest column: ${JSON.stringify(widths)}`);
    await page.screenshot({ path: path.join(env.out, 'list-800.png') });
    // Each row is one link to its quest, not underlined; no link inside it.
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="quest-row"]')].map((r) => ({
        href: r.getAttribute('href'),
        id: r.dataset.questId,
        tag: r.tagName,
        inner: r.querySelectorAll('a').length,
        decoration: [r, ...r.querySelectorAll('*')].map((e) => getComputedStyle(e).textDecorationLine).filter((d) => d !== 'none'),
      })),
    );
    assert.ok(rows.length > 0);
    for (const r of rows) assert.deepEqual(r, { href: `#quest/${r.id}`, id: r.id, tag: 'A', inner: 0, decoration: [] });
    // Keyboard: the first row takes the focus, Enter opens its quest.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.locator('[data-testid="quest-row"]').first().focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="quest-page"][data-quest-id="${rows[0].id}"]`).waitFor({ timeout: WAIT_MS });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: filters apply as typed, the agent in any case, with suggestions; no match says so and clears', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    // Suggestions: every current agent and recruited name of the file (plain SQL).
    const agents = query(
      V2,
      `SELECT agent FROM (SELECT current_agent AS agent FROM acolyte_quests UNION SELECT value FROM acolyte_quests, json_each(recruited))
       WHERE agent IS NOT NULL AND trim(agent) <> '' ORDER BY agent`,
    ).map(([a]) => a);
    // Read when the box is first used, not at open (a scan of every quest's recruited list).
    assert.equal(await page.locator('[data-testid="quest-agent-choices"] option').count(), 0, 'no suggestions read before the box is used');
    await page.locator('[data-testid="quest-filter-agent"]').focus();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="quest-agent-choices"] option').length === n, agents.length, {
      timeout: WAIT_MS,
    });
    const choices = await page.evaluate(() => [...document.querySelectorAll('[data-testid="quest-agent-choices"] option')].map((o) => o.value));
    assert.deepEqual([...choices].sort(), agents);
    assert.equal(await page.locator('[data-testid="quest-filter-clear"]').count(), 0, 'no "clear filters" without a filter');
    await page.locator('[data-testid="quest-view-list"]').click();
    await page.locator('[data-testid="quest-row"]').first().waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('[data-testid="quest-filter-clear"]').count(), 0, 'the list layout is no filter');
    await page.locator('[data-testid="quest-view-board"]').click();
    await page.locator('[data-testid="quest-card"]').first().waitFor({ timeout: WAIT_MS });

    // Typed in upper case, no Enter: the quests of @acolyte.auth.
    const agent = '@acolyte.auth';
    const [[agentTotal]] = query(
      V2,
      `SELECT count(*) FROM acolyte_quests WHERE current_agent = ${sqlText(agent)} OR EXISTS (SELECT 1 FROM json_each(recruited) WHERE value = ${sqlText(agent)})`,
    );
    let before = await generation(page);
    await page.locator('[data-testid="quest-filter-agent"]').pressSequentially(agent.toUpperCase());
    await waitForTotal(page, agentTotal, before);
    assert.ok(agentTotal > 0 && agentTotal < 40);

    // Words that match nothing: a sentence naming the filters and a button clearing them.
    before = await generation(page);
    await page.locator('[data-testid="quest-filter-text"]').fill('zzqx-nonsense');
    await waitForTotal(page, 0, before);
    const notice = page.locator('[data-testid="quest-no-match"]');
    assert.match(await notice.textContent(), /No quests match agent @ACOLYTE\.AUTH, the words .zzqx-nonsense./);
    assert.equal(await page.locator('.quest-column').count(), 0, 'no empty columns');
    before = await generation(page);
    await page.locator('[data-testid="quest-no-match-clear"]').click();
    await waitForTotal(page, 40, before);
    assert.equal(await page.locator('[data-testid="quest-filter-agent"]').inputValue(), '');
    assert.equal(await page.locator('[data-testid="quest-filter-clear"]').count(), 0);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: a card is titled by its mission and opens its quest anywhere; counts say "1 message"', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    const rows = query(V2, "SELECT quest_id, quest_name, mission, json_array_length(broadcast) FROM acolyte_quests WHERE status = 'working'");
    for (const [id, name, mission, messages] of rows) {
      const card = page.locator(`[data-testid="quest-card"][data-quest-id="${id}"]`);
      assert.equal(await card.locator('.quest-card-title').textContent(), mission.split('\n')[0].trim() || name);
      assert.equal(await card.locator('.quest-name').textContent(), `#${id} ${name}`);
      const noun = messages === 1 ? 'message' : 'messages';
      assert.match(await card.locator('.card-foot').textContent(), new RegExp(` ${messages} ${noun} · `));
    }
    const [[id]] = rows;
    // A click on the team (not the name) opens the quest; Enter on the focused card too.
    await page.locator(`[data-testid="quest-card"][data-quest-id="${id}"] .team`).click();
    await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"]`).waitFor({ timeout: WAIT_MS });
    await page.goBack();
    await page.locator(`[data-testid="quest-card"][data-quest-id="${id}"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"]`).waitFor({ timeout: WAIT_MS });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: a focused card keeps the keyboard focus when the board is drawn again around it (another column shows more)', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    const completed = '[data-testid="quest-card"][data-status="completed"]';
    await page.locator(completed).first().waitFor({ timeout: WAIT_MS });
    const shown = await page.locator(completed).count();
    const more = '[data-testid="quest-show-more"][data-more="completed"]';
    assert.equal(await page.locator(more).count(), 1, `the v2 fixture's completed column (31 quests) shows ${shown} cards and a Show more`);
    assert.ok(await page.locator('[data-testid="quest-card"][data-status="working"]').count() > 0, 'the v2 fixture has a working quest');
    const card = page.locator('[data-testid="quest-card"][data-status="working"]').first();
    const id = await card.getAttribute('data-quest-id');
    await card.focus();
    // Clicked from script, so the focus stays on the card: the whole board is drawn again.
    await page.evaluate((more) => document.querySelector(more).click(), more);
    await page.waitForFunction(({ s, n }) => document.querySelectorAll(s).length > n, { s: completed, n: shown }, { timeout: WAIT_MS });
    const focused = await page.evaluate(() => ({ testid: document.activeElement?.dataset?.testid ?? null, id: document.activeElement?.dataset?.questId ?? null }));
    assert.deepEqual(focused, { testid: 'quest-card', id }, 'the same card has the focus after the redraw');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"]`).waitFor({ timeout: WAIT_MS });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('v2: the list sorts by messages, team and mission; the sort is in the address and in aria-sort', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    await page.locator('[data-testid="quest-view-list"]').click();
    await page.locator('[data-testid="quest-row"]').first().waitFor({ timeout: WAIT_MS });
    const rowIds = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="quest-row"]')]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((e) => Number(e.dataset.questId)),
      );
    const ariaSort = () =>
      page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid="quest-sort"]')].map((h) => [h.dataset.sort, h.getAttribute('aria-sort')])));
    assert.equal((await ariaSort()).created, undefined, 'Created has no column');
    for (const [key, sql] of [
      ['messages', 'json_array_length(broadcast)'],
      ['team', "json_extract(recruited, '$[0]')"],
      ['mission', 'mission'],
    ]) {
      for (const desc of [false, true]) {
        const before = await generation(page);
        await page.locator(`[data-testid="quest-sort"][data-sort="${key}"] button`).click();
        await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
          timeout: WAIT_MS,
        });
        await page.waitForFunction(() => document.querySelector('[data-testid="quest-row"]') && !document.querySelector('[data-testid="quest-placeholder"]'));
        const dir = desc ? 'DESC' : 'ASC';
        const order = query(V2, `SELECT quest_id FROM acolyte_quests ORDER BY ${sql} ${dir}, quest_id ${dir}`).map(([i]) => i);
        // The rows the virtual list renders from the top (the view and its overscan): the
        // first of the SQL order, every one of them.
        const shown = await rowIds();
        assert.ok(shown.length >= Math.min(order.length, 30), `${shown.length} of ${order.length} rows rendered`);
        assert.deepEqual(shown, order.slice(0, shown.length), `${key} ${dir}`);
        // And at the bottom, the last of the SQL order (a sort change starts at the top again).
        await page.locator('[data-testid="quest-scroll"]').evaluate((e) => (e.scrollTop = e.scrollHeight));
        await page.waitForFunction(
          (id) => document.querySelector(`[data-testid="quest-row"][data-quest-id="${id}"]`) && !document.querySelector('[data-testid="quest-placeholder"]'),
          order.at(-1),
          { timeout: WAIT_MS },
        );
        const end = await rowIds();
        assert.deepEqual(end, order.slice(order.length - end.length), `${key} ${dir}, the last rows`);
        assert.equal(await page.evaluate(() => location.hash), `#quests?view=list&sort=${key}&desc=${desc ? 1 : 0}`);
        const aria = await ariaSort();
        assert.equal(aria[key], desc ? 'descending' : 'ascending');
        assert.ok(Object.entries(aria).every(([k, v]) => k === key || v === 'none'), JSON.stringify(aria));
      }
    }
    // Each order's key table was built once, on its first use, for both directions.
    assert.equal(await keyBuilds(page), 3, 'messages, team, mission: one key table each');
    // An address with a sort shows it.
    const before = await generation(page);
    await page.evaluate(() => (location.hash = '#quests?view=list&sort=updated&desc=1'));
    await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
      timeout: WAIT_MS,
    });
    assert.equal((await ariaSort()).updated, 'descending');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/** How many sort-key tables the quest list built (`flagdeck:quest-keys`, one per order's first use). */
const keyBuilds = (page) => page.evaluate(() => performance.getEntriesByName('flagdeck:quest-keys', 'measure').length);

test('v2: the list sorted by status follows a status change and its undo, its sort keys kept without a rebuild', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  // The list's status order: life-cycle order, then unknown statuses by name.
  const rank = `(CASE status ${STATUSES.map((s, i) => `WHEN '${s}' THEN '${i}'`).join(' ')} ELSE '${STATUSES.length}' || IFNULL(status, '') END)`;
  const order = (file) => query(file, `SELECT quest_id FROM acolyte_quests ORDER BY ${rank}, quest_id`).map(([i]) => i);
  const app = await open(V2);
  try {
    const { page } = app;
    await showQuests(page);
    /** Shows the list sorted by status and returns the ids rendered at its top and at its bottom. */
    const list = async () => {
      const before = await generation(page);
      await page.evaluate(() => (location.hash = '#quests?view=list&sort=status&desc=0'));
      await page.waitForFunction((after) => Number(document.querySelector('[data-testid="quest-total"]')?.dataset.generation) > after, before, {
        timeout: WAIT_MS,
      });
      const ids = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="quest-row"]')]
            .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
            .map((e) => Number(e.dataset.questId)),
        );
      await page.waitForFunction(() => document.querySelector('[data-testid="quest-row"]') && !document.querySelector('[data-testid="quest-placeholder"]'));
      const top = await ids();
      await page.locator('[data-testid="quest-scroll"]').evaluate((e) => (e.scrollTop = e.scrollHeight));
      // The last row drawn at the bottom of the space, none waiting.
      await page.waitForFunction(
        () => {
          const s = document.querySelector('[data-testid="quest-scroll"]');
          const tops = [...s.querySelectorAll('[data-testid="quest-row"]')].map((r) => parseFloat(r.style.top) + r.offsetHeight);
          return s.scrollTop > 0 && !s.querySelector('[data-testid="quest-placeholder"]') && Math.max(...tops) >= s.scrollHeight - 1;
        },
        null,
        { timeout: WAIT_MS },
      );
      return { top, bottom: await ids() };
    };
    const agrees = (shown, expected, what) => {
      assert.deepEqual(shown.top, expected.slice(0, shown.top.length), `${what}: the top rows`);
      assert.deepEqual(shown.bottom, expected.slice(expected.length - shown.bottom.length), `${what}: the bottom rows`);
    };
    const fixture = order(V2);
    agrees(await list(), fixture, 'as opened');
    assert.equal(await keyBuilds(page), 1, 'the status order built its key table');
    // The first working quest (the top row) fails: it moves to the failed ones.
    const id = fixture[0];
    await changeStatus(page, id, 'failed');
    const changed = path.join(env.out, 'v2-status-sorted.db');
    await exportTo(page, changed);
    const after = order(changed);
    assert.notDeepEqual(after, fixture, 'the change moves the quest');
    agrees(await list(), after, 'after the change');
    // Undone: the fixture's order again.
    await page.locator('[data-testid="nav-summary"]').click();
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="changes"] li'), null, { timeout: WAIT_MS });
    agrees(await list(), fixture, 'after the undo');
    assert.equal(await keyBuilds(page), 1, 'the key table followed both writes through its triggers');
    // The export holds no trace of it: the file's schema is the fixture's.
    const schema = (f) => query(f, 'SELECT type, name, sql FROM sqlite_master ORDER BY name');
    assert.deepEqual(schema(changed), schema(V2));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/**
 * Shows the summary through its address and returns what its open-quest figure says the moment
 * it is first in the page (a MutationObserver's callback runs before any answer of the worker,
 * which comes as a task of its own): "…" while it is being counted.
 */
async function summaryFirstShows(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const seen = () => document.querySelector('[data-testid="count-quests-open"]');
        const mo = new MutationObserver(() => {
          if (seen()) {
            mo.disconnect();
            resolve(seen().textContent);
          }
        });
        mo.observe(document.body, { childList: true, subtree: true });
        location.hash = '#summary';
      }),
  );
}

test('v2: the summary shows its quest figures again at once while the data is the same, and counts them again after a change', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const ended = ['completed', 'failed', 'timeout'];
  const rows = query(V2, 'SELECT quest_id, status FROM acolyte_quests ORDER BY quest_id');
  const open = rows.filter(([, s]) => !ended.includes(s));
  const [changed] = open.find(([, s]) => s !== 'waiting') ?? open[0];
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    const { page } = app;
    await pickFile(page, V2);
    await waitForSummary(page, { fileName: path.basename(V2) });
    const figure = (n) =>
      page.waitForFunction((n) => document.querySelector('[data-testid="count-quests-open"]')?.textContent === String(n), n, { timeout: WAIT_MS });
    await figure(open.length);
    // Another page, then the summary again: its figures are there in the frame that shows it.
    await page.evaluate(() => (location.hash = '#agents'));
    await page.waitForFunction(() => !document.querySelector('[data-testid="count-quests-open"]'), null, { timeout: WAIT_MS });
    assert.equal(await summaryFirstShows(page), String(open.length));
    // A change to the data: the figures are counted again, from the changed data.
    await changeStatus(page, changed, 'failed');
    assert.equal(await summaryFirstShows(page), '…', 'counted again after the change');
    await figure(open.length - 1);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

/** Epoch seconds of a stored v2 time: digits are epoch seconds, else `YYYY-MM-DD HH:MM:SS` UTC. */
const seconds = (v) => (/^\d+(\.\d+)?$/.test(String(v)) ? Number(v) : Date.parse(`${String(v).replace(' ', 'T')}Z`) / 1000);

test('v2: the summary shows open, waiting and stalled quests, each a link to them', async (t) => {
  if (skipWithoutV2Fixtures(t)) return;
  const rows = query(V2, 'SELECT status, current_agent, updated_at FROM acolyte_quests');
  const ended = ['completed', 'failed', 'timeout'];
  const openRows = rows.filter(([s]) => !ended.includes(s));
  const latest = Math.max(...rows.map(([, , u]) => seconds(u)).filter(Number.isFinite));
  const stalled = openRows.filter(([, a, u]) => a && a.trim() && seconds(u) < latest - 24 * 3600);
  const waiting = rows.filter(([s]) => s === 'waiting');
  const app = await open(V2);
  try {
    const { page } = app;
    const shown = async (id) => {
      const el = page.locator(`[data-testid="${id}"]`);
      await page.waitForFunction((id) => /^\d+$/.test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''), id, { timeout: WAIT_MS });
      return Number(await el.textContent());
    };
    assert.equal(await shown('count-quests-open'), openRows.length);
    assert.equal(await shown('count-quests-waiting'), waiting.length);
    assert.equal(await shown('count-quests-stalled'), stalled.length);
    await page.locator('[data-testid="count-quests-open"]').click();
    await waitForTotal(page, openRows.length, 0);
    assert.deepEqual(Object.keys(await boardCounts(page)), ['working', 'waiting', 'reviewing']);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
