// Shared plumbing for the end-to-end tests: paths, servers, the browser, the app's stable hooks
// (data-testid attributes and role="alert"), downloads, and `cargo xtask inspect-db`.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { inflateSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const DIST = process.env.FLAGDECK_DIST ?? path.join(REPO, 'dist');
export const FIXTURES = process.env.FLAGDECK_FIXTURES ?? path.resolve(REPO, '..', 'shared', 'fixtures');
export const V1 = path.join(FIXTURES, 'acolytes-v1-small.db');
export const V0 = path.join(FIXTURES, 'claudesquad-v0-small.db');
/** Acolytes 2.x (quests, no flags) and an Acolytes 1.x file upgraded to 2.x (flags and quests). */
export const V2 = path.join(FIXTURES, 'acolytes-v2-small.db');
export const HYBRID = path.join(FIXTURES, 'acolytes-hybrid-small.db');
export const HAVE_FIXTURES = existsSync(V1) && existsSync(V0);
export const HAVE_V2_FIXTURES = existsSync(V2) && existsSync(HYBRID);
export const NOTE = 'NOTE: ../shared/fixtures absent';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Playwright gives every launch a fresh temporary profile (--user-data-dir) of its own.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const WAIT_MS = 30_000;

/** The documented counts of the two fixtures (../shared/fixtures/README.md). */
export const V1_SUMMARY = {
  generation: 'v1',
  flags: '300',
  pending: '139',
  locked: '30',
  workable: '112',
  agents: '59',
  toolLogs: '4931',
  agentHealth: '60',
};
export const V0_SUMMARY = {
  generation: 'v0',
  flags: '150',
  pending: '76',
  locked: '15',
  workable: '63',
  agents: '44',
};
/** The v2 file has no flags: its flag tiles are absent (null), not zero. */
export const V2_SUMMARY = {
  generation: 'v2',
  flags: null,
  pending: null,
  workable: null,
  quests: '40',
  agents: '59',
  toolLogs: '2429',
  agentHealth: '21',
};
/** The hybrid keeps the v1 file's flags and adds 15 quests. */
export const HYBRID_SUMMARY = {
  generation: 'hybrid',
  flags: '300',
  pending: '139',
  locked: '30',
  workable: '112',
  quests: '15',
  agents: '59',
  toolLogs: '5254',
  agentHealth: '60',
};

/** Skips the test with a visible NOTE when the fixtures are not on this machine. */
export function skipWithoutFixtures(t) {
  if (HAVE_FIXTURES) return false;
  t.skip(NOTE);
  return true;
}

/** The same for the v2 and hybrid fixtures. */
export function skipWithoutV2Fixtures(t) {
  if (HAVE_V2_FIXTURES) return false;
  t.skip(`${NOTE} (acolytes-v2-small.db, acolytes-hybrid-small.db)`);
  return true;
}

/** A fresh, empty scratch directory under tests/e2e/out/ (gitignored). */
export function outDir(name) {
  const dir = path.join(REPO, 'tests', 'e2e', 'out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function assertDist() {
  if (!existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(
      `${DIST}/index.html is missing: build the app first (\`trunk build --release --offline\`, or run \`cargo xtask test\`)`,
    );
  }
}

/**
 * Starts the servers a test file needs:
 *   app     — dist/ plus /fixtures/ and /out/ (with CORS headers)
 *   foreign — another port serving the same /fixtures/ and /out/ WITHOUT any CORS header
 */
export async function startServers(out) {
  assertDist();
  const mounts = { out };
  if (HAVE_FIXTURES) mounts.fixtures = FIXTURES;
  const app = await startServer({ dist: DIST, mounts, cors: true });
  const foreign = await startServer({ mounts, cors: false });
  return {
    app,
    foreign,
    close: async () => {
      await app.close();
      await foreign.close();
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`cargo xtask setup\` (installs Debian's chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Opens the app in a fresh context. `problems` collects uncaught page errors and Rust panics
 * reported on the console; `assertHealthy` fails the test if any were seen.
 */
export async function openApp(browser, url) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|RuntimeError|unreachable/i.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(url);
  await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  return {
    page,
    problems,
    assertHealthy() {
      assert.deepEqual(problems, [], 'the page reported errors');
    },
    close: () => context.close(),
  };
}

/**
 * A new page in `context` (sharing its storage: IndexedDB, the working copy) with the app at
 * `url` loaded and its working-copy check done (the `flagdeck:working-copy-checked` mark).
 * `page.assertHealthy()` fails the test if an uncaught error or a Rust panic was reported.
 */
export async function pageInContext(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|RuntimeError|unreachable/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:working-copy-checked').length > 0, null, {
    timeout: WAIT_MS,
  });
  page.assertHealthy = () => assert.deepEqual(problems, [], 'the page reported errors');
  return page;
}

/**
 * The dashboard settings the core starts from (`DashboardState::default`, as it serialises
 * them), with `changes` on top: what `cargo xtask dashboard --state` is given to compute the
 * same figures natively.
 */
export function dashboardState(changes = {}) {
  return {
    range: 'all',
    as_of: 'latest',
    target: null,
    flag_type: null,
    tool: null,
    horizon_days: 30,
    growth: 0,
    tool_capacity_per_hour: null,
    budgets: {
      tool_p95_ms: 30000,
      error_rate_pct: 5,
      critical_pending_max: 0,
      lead_time_p90_hours: 72,
      utilisation_max: 0.8,
    },
    stall_after_hours: 24,
    ...changes,
  };
}

const text = (page, id) =>
  page.evaluate(
    (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null,
    id,
  );

/** Every summary hook's text (null when the element is absent). */
export async function readSummary(page) {
  const ids = {
    fileName: 'file-name',
    generation: 'schema-generation',
    flags: 'count-flags',
    pending: 'count-pending',
    locked: 'count-locked',
    workable: 'count-workable',
    agents: 'count-agents',
    toolLogs: 'count-tool-logs',
    agentHealth: 'count-agent-health',
    quests: 'count-quests',
  };
  const out = {};
  for (const [key, id] of Object.entries(ids)) out[key] = await text(page, id);
  return out;
}

/** Asserts the hooks listed in `expected` (keys of readSummary). */
export async function assertSummary(page, expected) {
  const got = await readSummary(page);
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k]]));
  assert.deepEqual(picked, expected);
  return got;
}

/**
 * Waits until the summary shows `fileName` (when given) with `flags` flags and `generation`
 * (when given), and reports what is on the page if it never does. A file without flags (v2)
 * shows no flag count: leave `flags` out for it. With `alertFails` an alert appearing first ends
 * the wait at once (for pages where no alert is expected).
 */
export async function waitForSummary(page, { fileName, flags, generation, alertFails = false } = {}) {
  let outcome;
  try {
    outcome = await page.waitForFunction(
      ({ fileName, flags, generation, alertFails }) => {
        const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
        if (alertFails && [...document.querySelectorAll('[role="alert"]')].some((e) => e.textContent.trim())) {
          return 'alert';
        }
        if (!t('schema-generation')) return false;
        if (fileName !== undefined && !(t('file-name') ?? '').includes(fileName)) return false;
        if (flags !== undefined && t('count-flags') !== flags) return false;
        if (generation !== undefined && t('schema-generation') !== generation) return false;
        return 'summary';
      },
      { fileName, flags, generation, alertFails },
      { timeout: WAIT_MS },
    );
    outcome = await outcome.jsonValue();
  } catch (e) {
    outcome = `timeout (${e.message.split('\n')[0]})`;
  }
  if (outcome !== 'summary') {
    const now = await readSummary(page);
    const alerts = await alertText(page);
    throw new Error(
      `the summary for ${JSON.stringify({ fileName, flags, generation })} did not appear (${outcome}): ` +
        `summary now ${JSON.stringify(now)}, alerts ${JSON.stringify(alerts)}`,
    );
  }
}

/** The text of every role="alert" element, joined. */
export async function alertText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[role="alert"]')]
      .map((e) => e.textContent.trim())
      .filter(Boolean)
      .join(' | '),
  );
}

/** Waits for a role="alert" whose text matches `re`; returns all alert text. */
export async function waitForAlert(page, re) {
  try {
    await page.waitForFunction(
      ({ source, flags }) => {
        const re = new RegExp(source, flags);
        return [...document.querySelectorAll('[role="alert"]')].some((e) => re.test(e.textContent));
      },
      { source: re.source, flags: re.flags },
      { timeout: WAIT_MS },
    );
  } catch (e) {
    throw new Error(
      `no role="alert" matching ${re} appeared; alerts now: ${JSON.stringify(await alertText(page))}, ` +
        `summary ${JSON.stringify(await readSummary(page))} (${e.message.split('\n')[0]})`,
    );
  }
  return alertText(page);
}

/** Picks a file through the real file input. */
export async function pickFile(page, file) {
  await page.locator('[data-testid="open-file"]').setInputFiles(file);
}

/** Clicks export and saves the download to `dest`; returns the suggested file name. */
export async function exportTo(page, dest) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: WAIT_MS }),
    page.locator('[data-testid="export-db"]').click(),
  ]);
  const failure = await download.failure();
  assert.equal(failure, null, `the download failed: ${failure}`);
  await download.saveAs(dest);
  return download.suggestedFilename();
}

/** Runs `cargo xtask ARGS...` (the already-built binary when XTASK_BIN is set). */
export function xtask(args) {
  const bin = process.env.XTASK_BIN;
  const [cmd, argv] = bin ? [bin, args] : ['cargo', ['run', '-q', '-p', 'xtask', '--', ...args]];
  return execFileSync(cmd, argv, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** The single value plain SQL returns on a copy of `file` (natively, `cargo xtask query`). */
export function sqlValue(file, sql) {
  const { rows } = JSON.parse(xtask(['query', file, sql]));
  assert.equal(rows.length, 1, `${sql}: one row`);
  return rows[0][0];
}

/**
 * The built-in demo database exactly as the build ships it (dist/flagdeck-demo.db.zlib, the file
 * "Open demo" fetches), inflated to `dir`/flagdeck-demo.db: what the demo's expected counts are
 * read from with plain SQL.
 */
export function demoDatabase(dir) {
  const file = path.join(dir, 'flagdeck-demo.db');
  writeFileSync(file, inflateSync(readFileSync(path.join(DIST, 'flagdeck-demo.db.zlib'))));
  return file;
}

export function inspectDb(file) {
  return JSON.parse(xtask(['inspect-db', file]));
}

/** The export must be the same database: integrity, schema, every row, user_version. */
export function assertSameDatabase(original, exported) {
  assert.equal(exported.integrity_check, 'ok', 'integrity_check of the export');
  assert.deepEqual(exported.master, original.master, 'sqlite_master entries');
  assert.deepEqual(exported.tables, original.tables, 'row counts and digests per table');
  assert.equal(exported.user_version, original.user_version, 'user_version');
  assert.equal(exported.page_size, original.page_size, 'page_size');
  assert.equal(exported.header.journal_mode, original.header.journal_mode, 'journal mode in the header');
}

export function readBytes(file) {
  return readFileSync(file);
}

/**
 * Registers the servers and browser one test file needs (node:test `before`/`after`) and
 * returns an object whose `servers`, `browser` and `out` are filled in once they are up.
 */
export function useSuite(name, { before, after }) {
  const env = { servers: null, browser: null, out: null };
  before(async () => {
    env.out = outDir(name);
    env.servers = await startServers(env.out);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.servers?.close();
  });
  return env;
}

/** A new page with `file` opened through the file input and its summary shown. */
export async function openWith(env, file, flags) {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  await pickFile(app.page, file);
  await waitForSummary(app.page, { fileName: path.basename(file), flags, alertFails: true });
  return app;
}

/**
 * How many rounds of every agent page's and the routing page's first reads were held so far
 * (`agents::hold_first_reads` marks `flagdeck:first-reads-held` at the end of each).
 */
export const heldRounds = (page) =>
  page.evaluate(() => performance.getEntriesByName('flagdeck:first-reads-held', 'mark').length);

/** Waits until more than `after` rounds of first reads were held ([`heldRounds`]). */
export async function waitForHeldRound(page, after, timeout) {
  await page.waitForFunction(
    (n) => performance.getEntriesByName('flagdeck:first-reads-held', 'mark').length > n,
    after,
    { timeout },
  );
}

/**
 * Scrolls the dashboard's section `section` (its `data-section`) into view, as a person does
 * before using its controls. The sections off screen are not laid out (`content-visibility:
 * auto`), so a control in one has no box and is not visible until the section comes near the
 * window.
 */
export async function scrollToSection(page, section) {
  await page.locator(`details.dash-section[data-section="${section}"]`).scrollIntoViewIfNeeded();
}

/**
 * Sets the dashboard's budget input `testid` to `value` and presses Enter, scrolled to it first.
 * The budgets section is drawn again whenever the figures change (a what-if just clicked): an
 * input replaced between the fill and Enter shows the old limit, and the new one was never
 * committed. So each try is checked by the input showing `value` (the typed text, or the
 * limit drawn again from the settings); up to three tries.
 */
export async function setBudget(page, testid, value) {
  const selector = `[data-testid="${testid}"]`;
  for (let attempt = 1; ; attempt++) {
    await scrollToSection(page, 'budgets');
    await page.locator(selector).fill(value);
    await page.locator(selector).press('Enter');
    try {
      await page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, value], { timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

/**
 * Loads the app in `page` again with a gate on the messages of every worker it creates:
 * `window.holdWorkerAnswers()` holds them, `window.releaseWorkerAnswers()` delivers those held
 * (each in a task of its own, as they would have come) and stops holding. Every statement posted
 * to an engine worker (`post`: worker number and id, `bg`: a background job's, `sql`: its text)
 * and every answer delivered from one (`answer`) is noted in `window.engineLog`, in order;
 * `holdAtBackground` holds the answers as the first statement of a background job is posted
 * (`window.heldOnce` says it was).
 */
export async function gateWorkerAnswers(page, { holdAtBackground = false } = {}) {
  await page.addInitScript((holdAtBackground) => {
    let held = null;
    window.engineLog = [];
    // The engine workers (those sent a statement), numbered.
    const workers = new Map();
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, transfer) {
      if (typeof message?.sql === 'string') {
        if (!workers.has(this)) workers.set(this, workers.size);
        const bg = message.background === true;
        window.engineLog.push({ post: `${workers.get(this)}:${message.id}`, bg, sql: message.sql });
        if (bg && holdAtBackground && !window.heldOnce) {
          window.heldOnce = true;
          window.holdWorkerAnswers();
        }
      }
      return post.call(this, message, transfer);
    };
    const own = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
    Object.defineProperty(Worker.prototype, 'onmessage', {
      configurable: true,
      get() {
        return own.get.call(this);
      },
      set(handler) {
        const deliver = (e) => {
          if (workers.has(this)) window.engineLog.push({ answer: `${workers.get(this)}:${e.data?.id}` });
          return handler.call(this, e);
        };
        const gated = handler && ((e) => (held ? held.push(() => deliver(e)) : deliver(e)));
        own.set.call(this, gated);
      },
    });
    window.holdWorkerAnswers = () => (held = held ?? []);
    window.releaseWorkerAnswers = () => {
      const queued = held ?? [];
      held = null;
      for (const deliver of queued) setTimeout(deliver);
    };
  }, holdAtBackground);
  await page.reload();
  await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: WAIT_MS });
}

/**
 * Exports the open database to `${name}.db` and checks it against the same change made with
 * plain SQL (`sql`) on a copy of `original`: integrity, every table's rows, the schema.
 */
export async function assertExportMatchesSql(page, dir, name, original, sql) {
  const exported = path.join(dir, `${name}.db`);
  await exportTo(page, exported);
  const expected = path.join(dir, `${name}-expected.db`);
  xtask(['exec-sql', '--from', original, '--out', expected, sql]);
  const got = inspectDb(exported);
  const want = inspectDb(expected);
  assert.equal(got.integrity_check, 'ok');
  assert.deepEqual(got.tables, want.tables, 'every table holds exactly the expected rows');
  assert.deepEqual(got.master, want.master, 'schema unchanged');
}

/**
 * A stand-in for `showDirectoryPicker` and `showOpenFilePicker` (File System Access), for
 * `page.addInitScript`: the browser's pickers are native dialogs a test cannot click. The picked
 * folder holds the files of `window.__fs.files` (path → File, e.g. `.claude/memory/project.db`,
 * set with `setFolderFiles`); the file picker gives the paths listed in `window.__fs.pick`. A
 * missing file or folder throws a `NotFoundError` DOMException as the browser does;
 * `createWritable` replaces a file when closed and counts `window.__fs.writes`. The same File
 * object is given until the file changes, as a disk file costs nothing to stat.
 */
export const FAKE_FOLDER = () => {
  window.__fs = { files: {}, clock: 1_700_000_000_000, writes: 0, pick: [] };
  const notFound = (name) => new DOMException(`A requested file or directory could not be found: ${name}`, 'NotFoundError');
  const fileHandle = (key) => ({
    kind: 'file',
    name: key.split('/').at(-1),
    getFile: async () => {
      const file = window.__fs.files[key];
      if (!file) throw notFound(key);
      return file;
    },
    createWritable: async () => {
      const chunks = [];
      return {
        write: async (data) => chunks.push(new Uint8Array(data)),
        close: async () => {
          window.__fs.clock += 1000;
          window.__fs.files[key] = new File(chunks, key.split('/').at(-1), { lastModified: window.__fs.clock });
          window.__fs.writes += 1;
        },
      };
    },
  });
  const folder = (prefix, name) => ({
    kind: 'directory',
    name,
    getFileHandle: async (n) => {
      if (!window.__fs.files[prefix + n]) throw notFound(prefix + n);
      return fileHandle(prefix + n);
    },
    getDirectoryHandle: async (n) => {
      if (!Object.keys(window.__fs.files).some((k) => k.startsWith(`${prefix}${n}/`))) throw notFound(prefix + n);
      return folder(`${prefix}${n}/`, n);
    },
  });
  window.showDirectoryPicker = async () => folder('', 'project');
  // The file picker gives the files named in `window.__fs.pick` (a multi-file pick).
  window.showOpenFilePicker = async () => window.__fs.pick.map(fileHandle);
};

/** Sets files of the `FAKE_FOLDER` stand-in (name → bytes; `null` removes one), each with a later modification time. */
export async function setFolderFiles(page, files) {
  for (const [name, bytes] of Object.entries(files)) {
    const b64 = bytes === null ? null : Buffer.from(bytes).toString('base64');
    await page.evaluate(
      ([name, b64]) => {
        if (b64 === null) {
          delete window.__fs.files[name];
          return;
        }
        window.__fs.clock += 1000;
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        window.__fs.files[name] = new File([bytes], name.split('/').at(-1), { lastModified: window.__fs.clock });
      },
      [name, b64],
    );
  }
}

/** The bytes of a file of the `FAKE_FOLDER` stand-in. */
export async function folderFile(page, name) {
  const b64 = await page.evaluate(async (name) => {
    const bytes = new Uint8Array(await window.__fs.files[name].arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, name);
  return Buffer.from(b64, 'base64');
}

/**
 * An agent stand-in (`xtask wal-writer` run from `bin`): `from` copied to `dir` in WAL mode, a
 * real SQLite connection held open on it. `run(command)` sends one line (`add N`, `lock ID`,
 * `unlock ID`, `turn QUEST AGENT`, `checkpoint`) and resolves to its JSON answer; `files()` gives
 * the main file, its -wal and its -shm as they are on disk now (`null` when absent), named as a
 * project folder names them; `stop()` quits, `close()` quits and waits (SQLite then folds the
 * -wal in and removes it and the -shm).
 */
export async function startWalWriter({ bin, from, dir }) {
  const child = spawn(bin, ['wal-writer', '--from', from, '--dir', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the wal-writer ended');
    const answer = JSON.parse(value);
    if (answer.error) throw new Error(answer.error);
    return answer;
  };
  const { database } = await next();
  return {
    database,
    async run(command) {
      child.stdin.write(`${command}\n`);
      return next();
    },
    files() {
      const [wal, shm] = [`${database}-wal`, `${database}-shm`];
      return {
        'project.db': readFileSync(database),
        'project.db-wal': existsSync(wal) ? readFileSync(wal) : null,
        'project.db-shm': existsSync(shm) ? readFileSync(shm) : null,
      };
    },
    stop() {
      child.stdin.end('quit\n');
    },
    async close() {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.stdin.end('quit\n');
      await exited;
    },
  };
}

/** Sets the Follow switch's poll interval (`follow-interval`) to `seconds`. */
export async function setFollowInterval(page, seconds) {
  await page.locator('[data-testid="follow-interval"]').fill(String(seconds));
  await page.locator('[data-testid="follow-interval"]').dispatchEvent('change');
}
