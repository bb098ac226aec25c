// Benchmark figures for `cargo xtask bench` (prints, never asserts):
//   1. sizes of the built app: raw, gzip (level 9) and brotli (quality 11) per file in dist/,
//      the app's own wasm, and the whole first load (every file trunk put in dist/: page, app
//      js + wasm, css, the sql.js worker and its wasm);
//   2. open → summary shown, in headless Chromium, for each generated database: the app (from
//      its performance marks `flagdeck:open-start` → `flagdeck:summary-shown`) next to raw
//      sql.js in the same page (a warmed-up `new Worker(worker.sql-wasm.js)` from dist/; timed
//      from asking the File for its bytes through `open` and `exec` of the same count SQL the
//      app runs). Median of 3 runs each.
//   3. agent search in the app (with --search): a generated database with a big catalog is
//      opened, the agents page shown, and realistic queries typed into the search box one key at
//      a time; each keystroke's latency is the app's performance measure `flagdeck:search`
//      (input event → results painted). The queries and the native top five come from
//      `cargo xtask search-bench` (JSON), so the page's results are checked against them.
//   4. the flag list (with --flags): a generated database is opened and the flags page shown;
//      (a) filter changes (presets, facet ticks, the text box) timed by the app's measures
//      `flagdeck:flags` (query started → first page painted) and `flagdeck:facets` (→ facet
//      counts painted); (b) scrolling "All flags" one page down at a time and jumping to 25, 50,
//      75 and 100 %, from setting the scroll position to the rows in view painted, and from the
//      scroll event (where the app asks for its pages, `flagdeck:page`) to the same (the bench waits
//      for the layer and for every flag's row to be held in the page, `flagdeck:mirror-filled`,
//      and prints both with the tab's memory). Next to each, raw
//      sql.js in a warmed worker of the same page runs the same statements, which come with the
//      steps from `cargo xtask flags-bench-sql` (JSON, built by the app's core); the page's rows
//      are checked against the native answers in it. Long tasks (> 50 ms) on the UI thread are
//      counted with a PerformanceObserver registered before the measurements.
//   5. the quests page (with --quests): a generated v2 database (`gen-demo --generation v2`)
//      (a) opened, from `flagdeck:open-start` to `flagdeck:summary-shown`, then the Quests tab
//      clicked, to `flagdeck:quests-shown` (the board), next to raw sql.js opening the same bytes
//      and running the summary's count SQL and then the board's statements; (b) in the list
//      view, filter changes (status boxes, the agent box, the text box) timed by the app's
//      `flagdeck:quests` (query started → rows painted); (c) scrolling the list one page down at
//      a time and jumping to 25, 50, 75 and 100 %, from the scroll to the rows in view painted, newest first
//      and again sorted by the message count (the list's key table: its first use and build
//      `flagdeck:quest-keys`, then the pages, next to raw sql.js running the plain statements and
//      the same statements through the same key table). The statements and the native answers
//      come from `cargo xtask quests-bench-sql` (JSON, built by the app's core); raw sql.js runs
//      them in a warmed worker of the same page.
//
// usage: node tests/e2e/bench.mjs --dist DIR [--runs 3] [--no-sizes] [--case LABEL=DB_FILE,SQL_FILE ...]
//                                 [--search DB_FILE,NATIVE_JSON] [--flags DB_FILE,SQL_JSON] [--rounds 5]
//                                 [--quests DB_FILE,SQL_JSON,COUNT_SQL_FILE]

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './helpers.mjs';
import { startServer } from './server.mjs';

const APP_WASM_GOAL = 400 * 1024;
const FIRST_LOAD_GOAL = 1024 * 1024;
const RATIO_GOAL = 1.3;

function parseArgs(argv) {
  const opts = { dist: null, runs: 3, cases: [], sizes: true, search: null, flags: null, quests: null, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--dist') opts.dist = next();
    else if (a === '--runs') opts.runs = Number(next());
    else if (a === '--case') {
      const [label, files] = next().split('=');
      const [db, sql] = files.split(',');
      opts.cases.push({ label, db, sql });
    } else if (a === '--no-sizes') opts.sizes = false;
    else if (a === '--search') {
      const [db, json] = next().split(',');
      opts.search = { db, json };
    } else if (a === '--flags') {
      const [db, json] = next().split(',');
      opts.flags = { db, json };
    } else if (a === '--quests') {
      const [db, json, counts] = next().split(',');
      opts.quests = { db, json, counts };
    } else if (a === '--rounds') opts.rounds = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.dist) throw new Error('--dist DIR is required');
  return opts;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

function sizes(dist) {
  const rows = listFiles(dist)
    .sort()
    .map((rel) => {
      const bytes = readFileSync(path.join(dist, rel));
      return {
        file: rel,
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 9 }).length,
        brotli: brotliCompressSync(bytes, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }).length,
      };
    });
  const sum = (rs, k) => rs.reduce((s, r) => s + r[k], 0);
  console.log('\n== Sizes (dist/) ==');
  console.log(`${'file'.padEnd(44)} ${'raw'.padStart(11)} ${'gzip'.padStart(11)} ${'brotli'.padStart(11)}`);
  for (const r of rows) {
    console.log(`${r.file.padEnd(44)} ${kb(r.raw).padStart(11)} ${kb(r.gzip).padStart(11)} ${kb(r.brotli).padStart(11)}`);
  }
  const appWasm = rows.filter((r) => r.file.endsWith('_bg.wasm'));
  if (appWasm.length !== 1) {
    console.log(`app wasm: expected one *_bg.wasm in dist/, found ${appWasm.length}`);
  } else {
    const w = appWasm[0];
    console.log(
      `app wasm (${w.file}, sql.js excluded): raw ${kb(w.raw)}, gzip ${kb(w.gzip)}, brotli ${kb(w.brotli)}` +
        ` — goal ≤ ${kb(APP_WASM_GOAL)} brotli: ${w.brotli <= APP_WASM_GOAL ? 'met' : 'NOT met'}`,
    );
  }
  // The demo database is fetched only when "Open demo" is clicked (the service worker precaches
  // it once the page has loaded): it is not part of the first load, but is shown after it.
  const onDemand = (r) => r.file.endsWith('flagdeck-demo.db.zlib');
  const page = rows.filter((r) => !onDemand(r));
  const total = { raw: sum(page, 'raw'), gzip: sum(page, 'gzip'), brotli: sum(page, 'brotli') };
  console.log(
    `first load (${page.length} files of dist/, the demo database left out): raw ${kb(total.raw)}, gzip ${kb(total.gzip)}, brotli ${kb(total.brotli)}` +
      ` — goal ≤ ${kb(FIRST_LOAD_GOAL)} brotli: ${total.brotli <= FIRST_LOAD_GOAL ? 'met' : 'NOT met'}`,
  );
  const all = sum(rows, 'brotli');
  console.log(`offline precache (all ${rows.length} files, the demo database included): brotli ${kb(all)}`);
  return rows;
}

async function appOpen(page, db) {
  await page.evaluate(() => performance.clearMarks());
  await page.locator('[data-testid="open-file"]').setInputFiles(db);
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:summary-shown', 'mark').length > 0, null, {
    timeout: 300_000,
    polling: 50,
  });
  return page.evaluate(() => {
    const last = (n) => performance.getEntriesByName(n, 'mark').at(-1)?.startTime;
    const start = last('flagdeck:open-start');
    const shown = last('flagdeck:summary-shown');
    const steps = ['bytes-read', 'engine-loaded', 'inspected', 'summary-shown'];
    let previous = start;
    const breakdown = steps
      .map((s) => {
        const t = last(`flagdeck:${s}`);
        const part = `${s} +${(t - previous).toFixed(0)}`;
        previous = t;
        return part;
      })
      .join(', ');
    return {
      breakdown,
      ms: start === undefined ? null : shown - start,
      flags: document.querySelector('[data-testid="count-flags"]')?.textContent?.trim() ?? null,
    };
  });
}

async function rawOpen(page, db, workerUrl, sql) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-raw-input';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.locator('#bench-raw-input').setInputFiles(db);
  return page.evaluate(
    async ({ workerUrl, sql }) => {
      const file = document.getElementById('bench-raw-input').files[0];
      const start = (worker) => (msg, transfer = []) =>
        new Promise((resolve, reject) => {
          worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
          worker.onerror = (e) => reject(new Error(e.message));
          worker.postMessage(msg, transfer);
        });
      const openAndCount = async (call, check = false) => {
        const buffer = await file.arrayBuffer();
        await call({ id: 1, action: 'open', buffer }, [buffer]);
        if (check) {
          const qc = await call({ id: 3, action: 'exec', sql: 'PRAGMA quick_check' });
          if (qc.results?.[0]?.values?.[0]?.[0] !== 'ok') throw new Error('quick_check failed');
        }
        const result = await call({ id: 2, action: 'exec', sql });
        return String(result.results?.[0]?.values?.[0]?.[0]);
      };
      // Cold: the worker (and its wasm) starts after the pick, inside the timed span.
      let t0 = performance.now();
      const coldWorker = new Worker(workerUrl);
      const coldFlags = await openAndCount(start(coldWorker));
      const cold = performance.now() - t0;
      coldWorker.terminate();
      // Warm: the worker has loaded sql-wasm.wasm before the clock starts (as the app's spare
      // worker has); each measurement gets a fresh worker, so no run inherits a grown heap.
      const warmCall = async () => {
        const worker = new Worker(workerUrl);
        const call = start(worker);
        await call({ id: 0, action: 'exec', sql: 'SELECT 1' });
        return { worker, call };
      };
      let warm = await warmCall();
      t0 = performance.now();
      const flags = await openAndCount(warm.call);
      const ms = performance.now() - t0;
      warm.worker.terminate();
      // Warm, doing the integrity check the app requires on every open (PRAGMA quick_check).
      const warmWorker = (warm = await warmCall()).worker;
      t0 = performance.now();
      await openAndCount(warm.call, true);
      const checked = performance.now() - t0;
      warmWorker.terminate();
      document.getElementById('bench-raw-input').remove();
      return { ms, cold, checked, flags, coldFlags };
    },
    { workerUrl, sql },
  );
}

async function timings(dist, cases, runs) {
  const workerRel = listFiles(dist).find((f) => path.basename(f) === 'worker.sql-wasm.js');
  if (!workerRel) throw new Error('dist/ has no worker.sql-wasm.js');
  const server = await startServer({ dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const results = [];
  try {
    for (const c of cases) {
      const sql = readFileSync(c.sql, 'utf8');
      const mb = (statSync(c.db).size / (1024 * 1024)).toFixed(1);
      const app = [];
      const raw = [];
      const cold = [];
      const checked = [];
      const appAgain = [];
      for (let run = 1; run <= runs; run++) {
        // App and raw sql.js each get a fresh browser context, so neither inherits the other's
        // compiled sql.js code or grown worker heap.
        const appContext = await browser.newContext();
        const rawContext = await browser.newContext();
        const errors = [];
        try {
          const page = await appContext.newPage();
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(`${server.url}/`);
          await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
          // A person needs seconds to pick a file; give the app's spare worker the time to load
          // sql.js, as it has in real use.
          await page.waitForTimeout(1000);
          const a = await appOpen(page, c.db);
          await page.waitForTimeout(1000);
          const again = await appOpen(page, c.db);
          const rawPage = await rawContext.newPage();
          await rawPage.goto(`${server.url}/`);
          const r = await rawOpen(rawPage, c.db, `/${workerRel.split(path.sep).join('/')}`, sql);
          console.log(
            `  ${c.label} run ${run}: app first open ${a.ms?.toFixed(0)} ms (${a.breakdown}), again ${again.ms?.toFixed(0)} ms ` +
              `(${again.breakdown}; count-flags ${again.flags}); raw sql.js first ${r.cold.toFixed(0)} ms, ` +
              `warm ${r.ms.toFixed(0)} ms, warm + quick_check ${r.checked.toFixed(0)} ms (flags ${r.flags}/${r.coldFlags})` +
              (errors.length ? ` — page errors: ${errors.join('; ')}` : ''),
          );
          if (a.ms !== null) app.push(a.ms);
          if (again.ms !== null) appAgain.push(again.ms);
          raw.push(r.ms);
          cold.push(r.cold);
          checked.push(r.checked);
        } catch (e) {
          console.log(`  ${c.label} run ${run}: FAILED: ${e.message.split('\n')[0]}`);
        } finally {
          await appContext.close();
          await rawContext.close();
        }
      }
      results.push({ label: c.label, mb, app, appAgain, raw, cold, checked });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`\n== Open → summary shown (median of ${runs}; headless Chromium) ==`);
  const ms = (x) => (x === null ? 'n/a' : `${x.toFixed(0)} ms`);
  const med = (xs) => (xs.length ? median(xs) : null);
  const ratio = (a, b) => (a !== null && b ? a / b : null);
  const times = (x) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  for (const r of results) {
    const [first, again, rawFirst, warm, warmChecked] = [r.app, r.appAgain, r.cold, r.raw, r.checked].map(med);
    const goal = ratio(again, warm);
    console.log(`${r.label} flags (${r.mb} MB):`);
    console.log(`  first open in a fresh page: app ${ms(first)} vs raw sql.js ${ms(rawFirst)} = ${times(ratio(first, rawFirst))}`);
    console.log(`  next open (engine warm):    app ${ms(again)} vs raw sql.js ${ms(warm)} = ${times(goal)}` +
      ` — goal ≤ ${RATIO_GOAL}×: ${goal === null ? 'n/a' : goal <= RATIO_GOAL ? 'met' : 'NOT met'}`);
    console.log(`  same, raw also running PRAGMA quick_check as the app must: raw ${ms(warmChecked)} = ${times(ratio(again, warmChecked))}`);
  }
  console.log(
    'raw sql.js: a worker of dist/worker.sql-wasm.js, timed from file.arrayBuffer() through open and the same count\n' +
      'SQL; "first" starts its worker inside the timed span in a page that has not run sql.js yet; "warm" uses a fresh\n' +
      'worker that loaded sql.js before the clock started, in a page that has. The app is timed from its\n' +
      'flagdeck:open-start mark (file picked) to flagdeck:summary-shown (summary painted); its steps are marks too.',
  );
}

const SEARCH_GOAL_MS = 16;

/** Nearest-rank percentile of a sorted copy. */
function percentile(xs, p) {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length, Math.max(1, Math.ceil(p * v.length))) - 1];
}

/** Animation frames counted per step ([`rowsPainted`]): their median and max, or n/a. */
function framesLine(xs) {
  return xs.length ? `median ${percentile(xs, 0.5)}, max ${Math.max(...xs)}` : 'n/a';
}

/**
 * Types `query` (after selecting what the box holds, so the first key replaces it) and waits
 * until the page shows the native top results and no new `flagdeck:search` measure has come for
 * a while. Returns the measures, how long typing took, and whether the page agreed.
 */
async function typeAndSettle(page, query, expected, delay, selectFirst) {
  await page.evaluate(() => {
    performance.clearMeasures('flagdeck:search');
    performance.clearMarks('flagdeck:search-start');
  });
  await page.locator('[data-testid="agent-search"]').focus();
  if (selectFirst) await page.keyboard.press('Control+A');
  const t0 = Date.now();
  await page.keyboard.type(query, { delay });
  const typedMs = Date.now() - t0;
  const read = () =>
    page.evaluate(() => ({
      count: performance.getEntriesByName('flagdeck:search', 'measure').length,
      rows: [...document.querySelectorAll('[data-testid="agent-result"]')]
        .slice(0, 5)
        .map((r) => [r.getAttribute('data-agent'), Number(r.getAttribute('data-score'))]),
      value: document.querySelector('[data-testid="agent-search"]')?.value ?? null,
    }));
  const want = JSON.stringify(expected);
  let last = await read();
  let stableSince = Date.now();
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.waitForTimeout(50);
    const now = await read();
    if (now.count !== last.count || JSON.stringify(now.rows) !== JSON.stringify(last.rows)) stableSince = Date.now();
    last = now;
    const matches = JSON.stringify(now.rows) === want && now.value === query;
    if ((matches && Date.now() - stableSince >= 300) || Date.now() > deadline) break;
  }
  const settledMs = Date.now() - t0 - 300;
  const entries = await page.evaluate(() =>
    performance.getEntriesByName('flagdeck:search', 'measure').map((e) => ({ start: e.startTime, ms: e.duration })),
  );
  return { entries, typedMs, settledMs, matches: JSON.stringify(last.rows) === want, shown: last.rows, value: last.value };
}

async function searchBench(dist, db, nativeJson) {
  const native = JSON.parse(readFileSync(nativeJson, 'utf8'));
  const mb = (statSync(db).size / (1024 * 1024)).toFixed(1);
  console.log(`\n== Agent search in the app: ${native.agents} agents (${path.basename(db)}, ${mb} MB), headless Chromium ==`);
  const server = await startServer({ dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(1000);
    const opened = await appOpen(page, db);
    console.log(`opened in ${opened.ms?.toFixed(0)} ms (${opened.breakdown})`);
    let t0 = Date.now();
    await page.locator('[data-testid="nav-agents"]').click();
    await page.locator('[data-testid="agent-search"]').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="catalog-row"]').length > 0, null, {
      timeout: 300_000,
      polling: 50,
    });
    const rows = await page.locator('[data-testid="catalog-row"]').count();
    console.log(`agents page with the whole catalog (${rows} catalog rows) shown ${Date.now() - t0} ms after the click`);

    const passes = [
      { label: 'typed with no delay between keys (page.keyboard.type, delay 0)', delay: 0 },
      { label: 'typed at 20 keys a second (delay 50 ms)', delay: 50 },
    ];
    let first = true;
    for (const pass of passes) {
      console.log(`\n-- ${pass.label} --`);
      console.log(
        `${'query'.padEnd(44)} ${'keys'.padStart(4)} ${'meas.'.padStart(5)} ${'med ms'.padStart(7)} ${'max ms'.padStart(7)} ${'typing→settled'.padStart(15)}  page = native top 5`,
      );
      const all = [];
      let fromCatalog = null;
      let mismatches = 0;
      let coalesced = 0;
      let keys = 0;
      for (const q of native.queries) {
        const expected = q.top.map(([n, s]) => [n, s]);
        const r = await typeAndSettle(page, q.query, expected, pass.delay, !first);
        let ms = r.entries.map((e) => e.ms);
        if (first && ms.length) {
          // The first key leaves the whole-catalog view for the results: reported on its own.
          fromCatalog = ms[0];
          ms = ms.slice(1);
        }
        first = false;
        const starts = new Set(r.entries.map((e) => e.start));
        coalesced += r.entries.length - starts.size;
        keys += q.query.length;
        all.push(...ms);
        if (!r.matches) mismatches++;
        const med = ms.length ? percentile(ms, 0.5).toFixed(1) : 'n/a';
        const max = ms.length ? Math.max(...ms).toFixed(1) : 'n/a';
        console.log(
          `${q.query.padEnd(44)} ${String(q.query.length).padStart(4)} ${String(r.entries.length).padStart(5)} ${med.padStart(7)} ${max.padStart(7)} ${`${r.settledMs} ms`.padStart(15)}  ` +
            (r.matches ? 'yes' : `NO: page shows ${JSON.stringify(r.shown)} for ${JSON.stringify(r.value)}`),
        );
      }
      if (fromCatalog !== null) {
        console.log(`first keystroke, from the whole-catalog view to results: ${fromCatalog.toFixed(1)} ms`);
      }
      if (!all.length) {
        console.log(`no flagdeck:search measures were recorded (${keys} keys typed): is the measure in place?`);
        continue;
      }
      const within = all.filter((x) => x <= SEARCH_GOAL_MS).length;
      const [med, p95, max] = [percentile(all, 0.5), percentile(all, 0.95), Math.max(...all)];
      console.log(
        `per keystroke (${all.length} measures for ${keys} keys${coalesced ? `, ${coalesced} measured from a later key's mark` : ''}): ` +
          `median ${med.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms — goal ≤ ${SEARCH_GOAL_MS} ms per keystroke: ` +
          `${max <= SEARCH_GOAL_MS ? 'met' : p95 <= SEARCH_GOAL_MS ? 'met at p95, NOT at max' : 'NOT met'} (${((100 * within) / all.length).toFixed(0)}% of keystrokes within it)` +
          (mismatches ? `; ${mismatches} queries did not end on the native top 5` : '; every query ended on the native top 5'),
      );
    }
    const k = native.keystroke_micros;
    console.log(
      `\nnative, same catalog (${native.build}): SearchIndex::new median ${(native.index_micros.median / 1000).toFixed(1)} ms; ` +
        `search per keystroke median ${(k.median / 1000).toFixed(1)} ms, p95 ${(k.p95 / 1000).toFixed(1)} ms, max ${(k.max / 1000).toFixed(1)} ms`,
    );
    console.log(
      'flagdeck:search is the app\'s own measure from the input event to the frame that shows the results; keys are sent\n' +
        'one at a time through the DevTools protocol, so with no delay they queue up behind a slow search as fast typing would.',
    );
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  } catch (e) {
    console.log(`agent search bench FAILED: ${e.message.split('\n')[0]}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
  } finally {
    await context.close();
    await browser.close();
    await server.close();
  }
}


/** The newest measure of `name` (ms), or null. */
const lastMeasure = (page, name) =>
  page.evaluate((name) => performance.getEntriesByName(name, 'measure').at(-1)?.duration ?? null, name);

/** [position in the list, id] of every flag row in the DOM, and how many placeholders are left. */
const shownRows = (page) =>
  page.evaluate(() => ({
    rows: [...document.querySelectorAll('[data-testid="flag-row"]')]
      .map((e) => [Number(e.dataset.index), Number(e.dataset.flagId)])
      .sort((a, b) => a[0] - b[0]),
    placeholders: document.querySelectorAll('[data-testid="flag-placeholder"]').length,
    total: document.querySelector('[data-testid="flag-total"]')?.textContent?.trim() ?? null,
  }));

/**
 * A person's click on `target` with real input events: the pointer moved onto it, resting there
 * `rest` ms plus a random point of a frame ([`randomPhase`]), then pressed and released.
 */
async function restThenPress(page, target, rest) {
  await target.hover();
  await page.waitForTimeout(rest + randomPhase());
  await page.mouse.down();
  await page.mouse.up();
}

/** Whether a filter step is a click (a preset or a facet), not text committed with Enter. */
const clicked = (step) => Boolean(step.action.preset || step.action.facet);

/**
 * Does what a filter step says: a preset button, a facet tick, or text committed with Enter. A
 * button or box is clicked as a person clicks it, the pointer resting on it `rest` ms first
 * (plus a random point of a frame: what the pointer rests on is asked ahead), or with `rest`
 * null pressed as the pointer arrives (Playwright's press and release ~0 ms apart: what the
 * press asks ahead comes too late for its click; a person's ~100 ms press gives it time).
 */
async function filterAction(page, action, rest) {
  const click = async (control) => {
    // The pointer away first: a control drawn under it would count as the pointer resting there.
    await page.mouse.move(0, 0);
    if (rest === null) return control.click();
    await restThenPress(page, control, rest);
  };
  if (action.preset) {
    await click(page.locator(`[data-testid="${action.preset}"]`));
  } else if (action.facet) {
    await click(page.locator(`[data-testid="facet-value"][data-facet="${action.facet}"][data-value="${action.value}"] input`));
  } else {
    const box = page.locator('[data-testid="flag-text"]');
    await box.fill(action.text);
    await box.press('Enter');
  }
}

/**
 * The frame floor of a filter change: a click as [`filterAction`] clicks (the pointer resting
 * `rest` ms first, plus a random point of a frame) on a facet's title, which changes nothing in
 * the app, timed from its event to its frame painted (an animation frame, then a task after it)
 * as the app's `flagdeck:flags` is from its click. With `rows`, its capture listener writes
 * them into the flag table by plain script first ([`defineRowWriter`]). `{ ms, written }`:
 * row elements written.
 */
async function floorClick(page, rest, rows = null) {
  await page.mouse.move(0, 0);
  await page.evaluate((rows) => {
    window.benchFloor = null;
    document.addEventListener('click', () => {
      const t0 = performance.now();
      window.benchWritten = rows ? window.benchWriteRows(rows) : 0;
      requestAnimationFrame(() => setTimeout(() => (window.benchFloor = performance.now() - t0)));
    }, { capture: true, once: true });
  }, rows);
  await restThenPress(page, page.locator('fieldset.facet legend').first(), rest);
  await page.waitForFunction(() => window.benchFloor !== null, null, { timeout: 30_000 });
  return page.evaluate(() => ({ ms: window.benchFloor, written: window.benchWritten }));
}

/**
 * Defines in the page what the rewrite floor needs: `benchRowsWritten()`, the flag table's row
 * elements as written now (per element, each node of its subtree in document order as `[tag,
 * attributes]` or `['#text', data]`); `benchWriteRows(rows)`, which writes such `rows` into the
 * same elements by plain script (each text's data, each element's attributes, only what differs;
 * an element whose nodes are not those of `rows` is left) and returns how many elements it
 * changed; and `benchFirstFrame`, the rows as the frame that showed a filter change's first
 * page had them, taken at the app's `flagdeck:flags-shown` mark (made in the task after that
 * frame, before the app draws the rest of the window: the frame drew the rows in view first).
 */
const defineRowWriter = (page) =>
  page.evaluate(() => {
    const rowElements = () => [...document.querySelectorAll('.flag-space > .flag-row')];
    const nodesOf = (row) => {
      const nodes = [];
      const walk = document.createTreeWalker(row, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let n = walk.currentNode; n; n = walk.nextNode()) nodes.push(n);
      return nodes;
    };
    const isText = (n) => n.nodeType === Node.TEXT_NODE;
    window.benchRowsWritten = () =>
      rowElements().map((row) => nodesOf(row).map((n) => (isText(n) ? ['#text', n.data] : [n.tagName, [...n.attributes].map((a) => [a.name, a.value])])));
    window.benchWriteRows = (rows) => {
      let written = 0;
      rowElements().forEach((row, k) => {
        const want = rows[k];
        const nodes = nodesOf(row);
        if (!want || want.length !== nodes.length || nodes.some((n, i) => (isText(n) ? '#text' : n.tagName) !== want[i][0])) return;
        let changed = false;
        nodes.forEach((n, i) => {
          if (isText(n)) {
            if (n.data !== want[i][1]) {
              n.data = want[i][1];
              changed = true;
            }
            return;
          }
          const attrs = new Map(want[i][1]);
          for (const a of [...n.attributes]) {
            if (attrs.has(a.name)) continue;
            n.removeAttribute(a.name);
            changed = true;
          }
          for (const [name, value] of attrs) {
            if (n.getAttribute(name) === value) continue;
            n.setAttribute(name, value);
            changed = true;
          }
        });
        if (changed) written++;
      });
      return written;
    };
    const mark = performance.mark.bind(performance);
    performance.mark = (name, ...more) => {
      if (name === 'flagdeck:flags-shown') window.benchFirstFrame = window.benchRowsWritten();
      return mark(name, ...more);
    };
  });

/** The flag table's rows as written now and as the last filter change's first frame had them. */
const rowsWritten = (page) => page.evaluate(() => ({ now: window.benchRowsWritten(), first: window.benchFirstFrame }));

/**
 * The frame floor of a filter change that rewrites the table: `from` (a step's rows as the app
 * left them) written untimed first, then [`floorClick`] writing `to` (the next step's rows as
 * its first frame had them), then `back` written again, so that the app's elements hold what it
 * wrote. `{ ms, written, of }`: row elements written, of how many.
 */
async function floorRewrite(page, rest, { from, to, back }) {
  const write = (rows) =>
    page.evaluate(async (rows) => {
      window.benchWriteRows(rows);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }, rows);
  await write(from);
  const got = await floorClick(page, rest, to);
  await write(back);
  return { ...got, of: to.length };
}

/** Waits for the next `flagdeck:flags` and `flagdeck:facets` measures (cleared before). */
async function waitForQuery(page) {
  await page.waitForFunction(
    () =>
      performance.getEntriesByName('flagdeck:flags', 'measure').length > 0 &&
      performance.getEntriesByName('flagdeck:facets', 'measure').length > 0,
    null,
    { timeout: 120_000 },
  );
}

const pageNow = (page) => page.evaluate(() => performance.now());

const clearMeasures = (page, names) =>
  page.evaluate((names) => names.forEach((n) => performance.clearMeasures(n)), names);

/**
 * One filter change in the app (clicked with the pointer resting `rest` ms first, or with
 * `rest` null pressed as it arrives: [`filterAction`]): its two measures and whether the page
 * agrees with native.
 */
async function appFilterStep(page, step, rest = POINTER_REST_MS) {
  await clearMeasures(page, ['flagdeck:flags', 'flagdeck:facets']);
  const from = await pageNow(page);
  await filterAction(page, step.action, rest);
  await waitForQuery(page);
  const to = await pageNow(page);
  const table = await lastMeasure(page, 'flagdeck:flags');
  const facets = await lastMeasure(page, 'flagdeck:facets');
  const shown = await shownRows(page);
  const ids = shown.rows.slice(0, step.first_ids.length).map(([, id]) => id);
  const agrees =
    shown.total === `${step.total} flags` &&
    ids.length === Math.min(step.first_ids.length, step.total) &&
    ids.every((id, i) => id === step.first_ids[i]);
  return { table, facets, agrees, shown: `${shown.total}, first ids ${ids.slice(0, 3).join(' ')}`, span: [from, to] };
}

/** A fresh "All flags" list at its top: every later position starts from nothing loaded. */
async function freshList(page, preset) {
  await page.locator('.flag-scroll').evaluate((e) => (e.scrollTop = 0));
  await clearMeasures(page, ['flagdeck:flags', 'flagdeck:facets']);
  await page.locator(`[data-testid="${preset}"]`).click();
  // The facet queries run after the first page: wait for them too, so that no page of the
  // scrolling below waits behind them in the worker.
  await waitForQuery(page);
}

/**
 * One scroll position in the app: from setting the scroll position until the rows in view are
 * painted (the animation frame that has every one of them with its id, and a task after its
 * paint), and the same from the scroll event's dispatch (the page's own time: the wait for the
 * frame that dispatches it is the browser's), the pages it asked for meanwhile (`flagdeck:page`: pages read ahead count too), and
 * whether every rendered row (the overscan too, once drawn) is the native answer and, in the
 * frame that showed the rows in view, no other row element shown overlapped the view.
 */
async function appScrollStep(page, step) {
  await clearMeasures(page, ['flagdeck:page']);
  const from = await pageNow(page);
  const { ms, fromEvent, strays } = await page.locator('.flag-scroll').evaluate(
    async (e, { top, view }) => {
      // The scroll event's dispatch (a capture listener on the list runs before the app's own):
      // where the app's `flagdeck:page` starts when it asks for a page in that event.
      let event = null;
      e.addEventListener('scroll', () => (event ??= performance.now()), { capture: true, once: true });
      const t0 = performance.now();
      e.scrollTop = top;
      // Every row in view, with its id (the overscan around it is checked below, once drawn).
      const ready = () => view.every(([i, id]) => e.querySelector(`[data-testid="flag-row"][data-flag-id="${id}"][data-index="${i}"]`));
      for (let k = 0; k < 7200 && !ready(); k++) await new Promise((r) => requestAnimationFrame(r));
      // The frame that has them paints before a task posted from its callbacks runs.
      await new Promise((r) => setTimeout(r, 0));
      const end = performance.now();
      // What that frame painted (the app draws the rest of the window in a later task): no
      // other row element shown overlaps the view (an element of the window left behind, kept
      // where it was, stays out of it).
      const want = new Map(view);
      const strays = [...e.querySelectorAll('.flag-row')].filter((r) => {
        const y = r.offsetTop;
        return r.offsetParent && y + r.offsetHeight > e.scrollTop && y < e.scrollTop + e.clientHeight &&
          want.get(Number(r.dataset.index)) !== Number(r.dataset.flagId);
      }).length;
      return { ms: end - t0, fromEvent: end - (event ?? t0), strays };
    },
    { top: step.scroll_top, view: step.in_view },
  );
  // Pages still arriving (read ahead) before the next step starts.
  await page.waitForTimeout(150);
  const asked = await page.evaluate(() => performance.getEntriesByName('flagdeck:page', 'measure').length);
  const to = await pageNow(page);
  const expected = new Map(step.shown.map(([i, id]) => [i, id]));
  const { rows } = await shownRows(page);
  const agrees = strays === 0 && rows.length === expected.size && rows.every(([i, id]) => expected.get(i) === id);
  return { ms, fromEvent, asked, agrees, span: [from, to] };
}

/** A frame of the headless browser's display (60 Hz), in ms. */
const FRAME_MS = 1000 / 60;

/**
 * Where in a frame a step starts. A step's preparation ends with an animation frame and the
 * step is the next call, which arrives ~2 ms later: ~14 ms before the next frame (median of 30,
 * 8–21), where a person's input comes at any point of a frame (~8 ms before the next on
 * average). `random` starts the step after a delay drawn uniformly from one frame, so its
 * point in the frame is uniform.
 */
const randomPhase = () => Math.random() * FRAME_MS;

/**
 * Starts a step in the page's own task (a click on `button`, else the address `start`), after
 * `delay` ms when given ([`randomPhase`]), and returns [ms to the `from + 1`-th row `testid`
 * painted, ms to the `n`-th painted, animation frames from the step to the first: 1 when they
 * are painted in the first frame after it, the markup of the page's section then (for Show
 * more: of the tables of the new rows then: a table per page)], from the step's start.
 */
function rowsPainted(page, { testid, from, n, start, button, delay = 0 }) {
  return page.evaluate(
    async ({ testid, from, n, start, button, delay }) => {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const t0 = performance.now();
      if (button) document.querySelector(button).click();
      else location.hash = start;
      const rows = () => document.querySelectorAll(`[data-testid="${testid}"]`).length;
      let frames = 0;
      const painted = async (k) => {
        for (let f = 0; f < 72000 && rows() < k; f++) {
          await new Promise((r) => requestAnimationFrame(r));
          frames++;
        }
        await new Promise((r) => setTimeout(r, 0));
        return performance.now() - t0;
      };
      const first = await painted(from + 1);
      const firstFrames = frames;
      // The page's section as that frame showed it (the app draws its next part in a task
      // queued after this one's); for Show more, the tables of the new rows it showed.
      const shown = button
        ? [...new Set([...document.querySelectorAll(`[data-testid="${testid}"]`)].slice(from).map((r) => r.closest('table')))]
            .map((t) => t.outerHTML)
            .join('')
        : document.querySelector(`[data-testid="${testid}"]`)?.closest('section')?.outerHTML ?? null;
      return [first, await painted(n), firstFrames, shown];
    },
    { testid, from, n, start, button, delay },
  );
}

/**
 * The browser's floor for a page's first frame: `markup` (a page's section as its first frame
 * showed it) put in place of the summary page by plain script, after `delay` ms, in the step's
 * own task, timed as [`rowsPainted`] times the app (rows present at an animation frame, then a
 * task after that frame), then taken out again. What no app can beat at that point of a frame:
 * the wait for the frame, and the browser's style, layout and paint of that markup. Null when
 * the summary is not shown.
 */
function floorPainted(page, { markup, testid, delay }) {
  return page.evaluate(async ({ markup, testid, delay }) => {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const t0 = performance.now();
    const summary = document.querySelector('section.summary');
    if (!summary) return null;
    const holder = document.createElement('template');
    holder.innerHTML = markup;
    const section = holder.content.firstElementChild;
    summary.replaceWith(section);
    if (!section.querySelector(`[data-testid="${testid}"]`)) return null;
    // Its rows are in: the frame that paints them, as for the app's first frame.
    await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => setTimeout(r, 0));
    const ms = performance.now() - t0;
    section.replaceWith(summary);
    return ms;
  }, { markup, testid, delay });
}

/**
 * The browser's floor for Show more's first frame, as [`floorPainted`] for a page: the tables
 * of the list's rows after its first `from` (a table per page: `TableParts`) taken out of the
 * page (untimed, the frame after), then, in the next call (where the step was made ready, at
 * the step's point of a frame, after `delay` ms), `markup` (those tables as Show more's first
 * frame showed them) put in their place by plain script, timed as [`rowsPainted`] times the
 * app; then the app's tables are put back. Null when a table of those rows also holds one of
 * the first `from`.
 */
async function floorAppended(page, { testid, from, markup, delay }) {
  const taken = await page.evaluate(async ({ testid, from }) => {
    const rows = [...document.querySelectorAll(`[data-testid="${testid}"]`)];
    const tables = [...new Set(rows.slice(from).map((r) => r.closest('table')))];
    if (!tables.length || rows.slice(0, from).some((r) => tables.includes(r.closest('table')))) return false;
    const [parent, before] = [tables[0].parentNode, tables.at(-1).nextSibling];
    tables.forEach((t) => t.remove());
    window.benchTaken = { parent, before, tables };
    await new Promise((r) => requestAnimationFrame(r));
    return true;
  }, { testid, from });
  if (!taken) return null;
  return page.evaluate(async ({ markup, delay }) => {
    const { parent, before, tables } = window.benchTaken;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const t0 = performance.now();
    const holder = document.createElement('template');
    holder.innerHTML = markup;
    const added = [...holder.content.childNodes];
    parent.insertBefore(holder.content, before);
    await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => setTimeout(r, 0));
    const ms = performance.now() - t0;
    added.forEach((n) => n.remove());
    tables.forEach((t) => parent.insertBefore(t, before));
    window.benchTaken = null;
    return ms;
  }, { markup, delay });
}

/** How long the pointer rests on a link before the bench presses it, as a person's does (ms). */
const POINTER_REST_MS = 100;

/**
 * Opens an agent page as a person does, from the agent catalog with real input events: the
 * pointer moved onto the agent's catalog row (`row`), resting there `rest` ms (plus a random
 * point of a frame), then pressed and released. Returns [ms from the click (its event's time)
 * to the first row `testid` painted, animation frames from the click to them: 1 when they are
 * painted in the first frame after it], or null when the catalog shows no such row.
 */
async function clickPainted(page, { row, testid, rest }) {
  // The pointer away first: a row drawn under it would count as the pointer resting there.
  await page.mouse.move(0, 0);
  await page.evaluate(() => (location.hash = '#agents'));
  const target = page.locator(row);
  try {
    await target.waitFor({ timeout: 30_000 });
  } catch {
    return null;
  }
  await target.scrollIntoViewIfNeeded();
  await page.evaluate((testid) => {
    window.benchClick = null;
    document.addEventListener('click', (e) => {
      let frames = 0;
      const tick = () => {
        frames++;
        if (document.querySelector(`[data-testid="${testid}"]`)) setTimeout(() => (window.benchClick = [performance.now() - e.timeStamp, frames]));
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, { capture: true, once: true });
  }, testid);
  await restThenPress(page, target, rest);
  await page.waitForFunction(() => window.benchClick, null, { timeout: 120_000 });
  // The pointer away again: a later step must not find it resting on a link.
  await page.mouse.move(0, 0);
  return page.evaluate(() => window.benchClick);
}

/**
 * The agent page and the routing page (issue 15 item 4): per round, the page opened by its
 * address until its first rows are painted and until its first page is painted whole (rAF after
 * the rows are in; a page is drawn in parts, the rows that can be in view first), then "Show
 * more" (its button in view, clicked in the page) until the first of the next page's rows are
 * painted and until it is whole; each also as the app's own measure (flagdeck:agent-to, -more;
 * flagdeck:routing, -more: read asked → first rows painted); the page and its Show more again
 * started at a random point of a frame ([`randomPhase`]); the animation frames to each step's
 * first rows counted; the agent page also opened by a click on its catalog row, the pointer
 * resting on it first ([`POINTER_REST_MS`]) and not ([`clickPainted`]). The rows are checked
 * against the native answer.
 */
async function agentListSteps(page, spec, rounds) {
  const out = {
    toWall: [], toWhole: [], to: [], toMoreWall: [], toMoreWhole: [], toMore: [],
    routingWall: [], routingWhole: [], routing: [], routingMoreWall: [], routingMoreWhole: [], routingMore: [],
    // The same steps started at a random point of a frame, and the frames to the first rows of
    // every step (fixed and random).
    toRandom: [], toMoreRandom: [], routingRandom: [], routingMoreRandom: [],
    // The browser's floor for the same step: the page's first-frame markup put in by plain
    // script at the same point of a frame ([`floorPainted`]), fixed and random.
    toFloor: [], toFloorRandom: [], routingFloor: [], routingFloorRandom: [],
    // And for Show more: its first frame's new table put in by plain script ([`floorAppended`]).
    toMoreFloor: [], toMoreFloorRandom: [], routingMoreFloor: [], routingMoreFloorRandom: [],
    toFrames: [], toMoreFrames: [], routingFrames: [], routingMoreFrames: [],
    // The agent page opened by a click on its catalog row, the pointer resting on it first and
    // not, with the frames to the first rows.
    toClick: [], toClickFrames: [], toPress: [], toPressFrames: [],
    disagree: [],
  };
  // From the step (`start`: an address to follow, or "more": click the list's Show more) until
  // one row more than `from` is painted, then until `n` are. The page is made ready (another
  // page shown, or the button scrolled into view and painted) in a call of its own, so the step
  // starts when the next call arrives: at no set point of a frame, as a person's input.
  const more = (testid) => `[data-testid="${testid === 'routing-error' ? 'routing-more' : `${testid}-more`}"]`;
  const timed = async (testid, from, n, start, delay = 0) => {
    const button = start === 'more' ? more(testid) : null;
    await page.evaluate(async ({ button }) => {
      if (button) document.querySelector(button).scrollIntoView({ block: 'nearest' });
      else location.hash = '#summary';
      await new Promise((r) => requestAnimationFrame(r));
    }, { button });
    return rowsPainted(page, { testid, from, n, start, button, delay });
  };
  const ids = (testid) => page.evaluate((t) => [...document.querySelectorAll(`[data-testid="${t}"]`)].map((e) => Number(e.dataset.flagId)), testid);
  const check = async (label, testid, expected) => {
    const got = await ids(testid);
    if (JSON.stringify(got) !== JSON.stringify(expected)) out.disagree.push(`${label}: ${got.slice(0, 3)}… against ${expected.slice(0, 3)}…`);
  };
  const measured = async (name) => {
    await page.waitForFunction((n) => performance.getEntriesByName(n, 'measure').length > 0, name, { timeout: 120_000 });
    return lastMeasure(page, name);
  };
  for (let round = 0; round < rounds; round++) {
    for (const [list, hash, testid, key] of [
      [spec.to, `#agent/${encodeURIComponent(spec.agent)}`, 'agent-pending-flag', 'to'],
      [spec.routing, '#routing', 'routing-error', 'routing'],
    ]) {
      const [m, mm] = testid === 'routing-error' ? ['flagdeck:routing', 'flagdeck:routing-more'] : ['flagdeck:agent-to', 'flagdeck:agent-to-more'];
      await clearMeasures(page, [m, mm]);
      const [wall, whole, frames, markup] = await timed(testid, 0, list.first.length, hash);
      out[`${key}Wall`].push(wall);
      out[`${key}Whole`].push(whole);
      out[`${key}Frames`].push(frames);
      out[key].push(await measured(m));
      await check(`${testid} first page`, testid, list.first);
      const n = list.first.length + list.next.length;
      if (list.next.length) {
        const [moreWall, moreWhole, moreFrames, moreMarkup] = await timed(testid, list.first.length, n, 'more');
        out[`${key}MoreWall`].push(moreWall);
        out[`${key}MoreWhole`].push(moreWhole);
        out[`${key}MoreFrames`].push(moreFrames);
        out[`${key}More`].push(await measured(mm));
        await check(`${testid} next page`, testid, [...list.first, ...list.next]);
        // Its floor, fixed and random, where the step left the page.
        for (const [at, delay] of [[`${key}MoreFloor`, 0], [`${key}MoreFloorRandom`, randomPhase()]]) {
          const ms = moreMarkup ? await floorAppended(page, { testid, from: list.first.length, markup: moreMarkup, delay }) : null;
          if (ms !== null) out[at].push(ms);
        }
        await check(`${testid} next page (after its floor)`, testid, [...list.first, ...list.next]);
      }
      // The floor: the markup of the page as its first frame showed it, put in by plain script
      // in place of the summary at the same point of a frame, fixed and random.
      if (markup) {
        for (const [at, delay] of [[`${key}Floor`, 0], [`${key}FloorRandom`, randomPhase()]]) {
          await page.evaluate(async () => {
            location.hash = '#summary';
            while (!document.querySelector('section.summary')) await new Promise((r) => requestAnimationFrame(r));
            await new Promise((r) => requestAnimationFrame(r));
          });
          const ms = await floorPainted(page, { markup, testid, delay });
          if (ms !== null) out[at].push(ms);
        }
      }
      // Again, each step started at a random point of a frame.
      const [random, , randomFrames] = await timed(testid, 0, list.first.length, hash, randomPhase());
      out[`${key}Random`].push(random);
      out[`${key}Frames`].push(randomFrames);
      await check(`${testid} first page`, testid, list.first);
      if (list.next.length) {
        const [moreRandom, , moreFrames] = await timed(testid, list.first.length, n, 'more', randomPhase());
        out[`${key}MoreRandom`].push(moreRandom);
        out[`${key}MoreFrames`].push(moreFrames);
        await check(`${testid} next page`, testid, [...list.first, ...list.next]);
      }
      if (key === 'to') {
        const row = catalogRow(spec.agent);
        for (const [rest, at, frames] of [[POINTER_REST_MS, 'toClick', 'toClickFrames'], [0, 'toPress', 'toPressFrames']]) {
          const got = await clickPainted(page, { row, testid, rest });
          if (!got) {
            out.disagree.push(`no catalog row for ${spec.agent}: its click was not measured`);
            continue;
          }
          out[at].push(got[0]);
          out[frames].push(got[1]);
          await page.waitForFunction(([t, n]) => document.querySelectorAll(`[data-testid="${t}"]`).length >= n, [testid, list.first.length], { timeout: 120_000 });
          await check(`${testid} first page (click)`, testid, list.first);
        }
      }
    }
  }
  return out;
}

/** The agent catalog's row of `agent` (a CSS selector). */
const catalogRow = (agent) => `[data-testid="catalog-row"][data-agent="${agent.replace(/["\\]/g, '\\$&')}"]`;

/**
 * Raw sql.js in the same page: a worker of dist/worker.sql-wasm.js with the database open under
 * the app's connection settings and every statement run once (warm), then each step's statements posted together and timed until
 * the last answer, as many rounds as the app ran.
 */
async function rawFlagSteps(page, db, workerUrl, spec, rounds) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-raw-flags';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.locator('#bench-raw-flags').setInputFiles(db);
  return page.evaluate(
    async ({ workerUrl, spec, rounds }) => {
      const input = document.getElementById('bench-raw-flags');
      const buffer = await input.files[0].arrayBuffer();
      input.remove();
      const worker = new Worker(workerUrl);
      const waiting = new Map();
      let nextId = 1;
      worker.onmessage = (e) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (w) e.data.error ? w.reject(new Error(e.data.error)) : w.resolve(e.data);
      };
      const call = (msg, transfer = []) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          worker.postMessage({ ...msg, id }, transfer);
        });
      // As the app asks: parameters bound, integers as BigInt.
      const exec = (s) => call({ action: 'exec', sql: s.sql, params: s.params, config: { useBigInt: true } });
      const time = async (statements) => {
        const t0 = performance.now();
        await Promise.all(statements.map(exec));
        return performance.now() - t0;
      };
      await call({ action: 'open', buffer }, [buffer]);
      await call({ action: 'exec', sql: spec.connection_sql });
      const filterSets = spec.filter_steps.map((s) => ({ table: [s.count, s.page], all: [s.count, s.page, ...s.facets] }));
      const scrollSets = spec.scroll.steps.map((s) => s.pages.map((p) => p.statement));
      for (const set of [...filterSets.map((f) => f.all), ...scrollSets]) await time(set);
      const filter = filterSets.map(() => ({ table: [], all: [] }));
      const scroll = scrollSets.map(() => []);
      // The agent page's and routing page's statements before they read a page at a time.
      const lists = spec.agent_lists;
      const naive = { agent: [], routing: [], chains: [] };
      for (const set of [lists.naive_agent, lists.naive_routing, lists.chains]) await time(set);
      for (let round = 0; round < rounds; round++) {
        for (const [i, set] of filterSets.entries()) {
          filter[i].table.push(await time(set.table));
          filter[i].all.push(await time(set.all));
        }
        for (const [i, set] of scrollSets.entries()) if (set.length) scroll[i].push(await time(set));
        naive.agent.push(await time(lists.naive_agent));
        naive.routing.push(await time(lists.naive_routing));
        naive.chains.push(await time(lists.chains));
      }
      // (b) The same steps with the derived layer held in SQL: the keys in a TEMP table with an
      // index per order and facet (built here, timed), each page's ids from it, then its rows
      // by id; count and facets from it too. Text filters have no layer (n/a).
      const t0 = performance.now();
      await call({ action: 'exec', sql: spec.layer_sql });
      const layerBuild = performance.now() - t0;
      const page = async (p) => {
        await exec(p.ids);
        await exec(p.rows);
      };
      const timeLayer = async (tasks) => {
        const t = performance.now();
        await Promise.all(tasks.map((f) => f()));
        return performance.now() - t;
      };
      const layerFilter = spec.filter_steps.map((s) =>
        s.layer
          ? {
              table: [() => exec(s.layer.count), () => page(s.layer.page)],
              all: [() => exec(s.layer.count), () => page(s.layer.page), ...s.layer.facets.map((f) => () => exec(f))],
            }
          : null,
      );
      const layerScroll = spec.scroll.steps.map((s) => s.pages.map((p) => () => page(p.layer)));
      const layer = {
        build: layerBuild,
        filter: layerFilter.map(() => ({ table: [], all: [] })),
        scroll: layerScroll.map(() => []),
        lists: {},
      };
      // The agent page's first questions (its two lock counts, each list's count and first
      // page), its "Show more" (the next page), and the routing page's likewise.
      const { to, from, routing } = lists;
      const listSets = {
        agent: [...lists.lock_counts.map((c) => () => exec(c)), () => exec(to.layer.count), () => page(to.layer.first),
          () => exec(from.layer.count), () => page(from.layer.first)],
        agentMore: to.layer.next ? [() => page(to.layer.next)] : [],
        routing: [() => exec(routing.layer.count), () => page(routing.layer.first)],
        routingMore: routing.layer.next ? [() => page(routing.layer.next)] : [],
      };
      for (let round = 0; round <= rounds; round++) {
        // Round 0 warms the statements up, as above.
        for (const [i, set] of layerFilter.entries()) {
          if (!set) continue;
          const table = await timeLayer(set.table);
          const all = await timeLayer(set.all);
          if (round) layer.filter[i].table.push(table), layer.filter[i].all.push(all);
        }
        for (const [i, set] of layerScroll.entries()) {
          if (!set.length) continue;
          const ms = await timeLayer(set);
          if (round) layer.scroll[i].push(ms);
        }
        for (const [k, set] of Object.entries(listSets)) {
          if (!set.length) continue;
          const ms = await timeLayer(set);
          if (round) (layer.lists[k] ??= []).push(ms);
        }
      }
      worker.terminate();
      return { filter, scroll, layer, naive };
    },
    { workerUrl, spec, rounds },
  );
}

/** "median / p95 / max" of a list of ms, or n/a. */
function spread(xs) {
  const v = xs.filter((x) => x !== null);
  if (!v.length) return 'n/a';
  return `${percentile(v, 0.5).toFixed(0)} / ${percentile(v, 0.95).toFixed(0)} / ${Math.max(...v).toFixed(0)}`;
}

/** Long tasks that started inside any of the spans ([from, to] in the page's performance.now()). */
function longTasksIn(tasks, spans) {
  const inside = tasks.filter((t) => spans.some(([from, to]) => t.start >= from && t.start < to));
  const over = inside.filter((t) => t.ms > 50);
  const longest = inside.length ? Math.max(...inside.map((t) => t.ms)) : 0;
  return { text: `${over.length} over 50 ms${over.length ? `, longest ${longest.toFixed(0)} ms` : ''}`, short: over.length ? `${over.length}, ${longest.toFixed(0)}` : '0' };
}

const FILTER_GOAL_MS = 50;
const FACETS_GOAL_MS = 150;
const PAGE_GOAL_MS = 16;
const PAGE_P95_GOAL_MS = 50;
const RATIO_GOAL_LAYER = 0.1;
const JUMP_FRAMES_GOAL = 2;

/**
 * Issue 15's goals, each with this run's figure (medians, nearest rank; p95 where the goal is
 * one) and whether it is met; a goal not met names its floor where the bench has one (the same
 * frame's work done by plain script, timed alike: what the browser itself takes).
 */
function printGoals({ flags, pages, pagesRaw, jumps, filters, facets, filtersRaw, filtersFloor, filtersFloorRaw, lists, naive }) {
  const ms = (x) => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);
  const le = (x, goal) => x !== null && x <= goal;
  const line = (goal, figure, ok, floor = '') =>
    console.log(`${goal.padEnd(62)} ${figure.padEnd(30)} ${ok ? 'met' : `NOT met${floor ? `: ${floor}` : ''}`}`);
  const inFrame = (goal, xs, floor) => {
    const [m, f] = [percentileOf(xs, 0.5), floor ? percentileOf(floor, 0.5) : null];
    line(`${goal}: median ≤ ${PAGE_GOAL_MS} ms`, ms(m), le(m, PAGE_GOAL_MS), f === null ? '' : `its floor ${ms(f)}`);
  };
  const p95 = (goal, xs, limit) => line(`${goal}: p95 ≤ ${limit} ms`, ms(percentileOf(xs, 0.95)), le(percentileOf(xs, 0.95), limit));
  const share = (goal, app, rawMs, floor, floorRaw = rawMs) => {
    const [r, f] = [medianRatio(app, rawMs), floor ? medianRatio(floor, floorRaw) : null];
    line(`${goal}: app ÷ raw ≤ ${RATIO_GOAL_LAYER}`, r === null ? 'n/a' : `${r.toFixed(2)} (raw ${ms(percentileOf(rawMs, 0.5))})`, le(r, RATIO_GOAL_LAYER),
      f === null ? '' : `its floor ÷ raw ${f.toFixed(2)}`);
  };
  console.log(`\n-- issue 15's goals at ${flags} flags, this run (medians; "floor": that frame's work done by plain script, above) --`);
  inFrame('a page, keyset or jump', pages);
  p95('a page, keyset or jump', pages, PAGE_P95_GOAL_MS);
  share('a page, keyset or jump', pages, pagesRaw);
  const worst = jumps.length ? Math.max(...jumps) : null;
  line(`a jump's rows: within ${JUMP_FRAMES_GOAL} frames`, `max ${worst ?? 'n/a'}`, le(worst, JUMP_FRAMES_GOAL));
  line(`a filter change (not the text) → its table: ≤ ${FILTER_GOAL_MS} ms`, ms(percentileOf(filters, 0.5)), le(percentileOf(filters, 0.5), FILTER_GOAL_MS));
  line(`a filter change → its facet counts: ≤ ${FACETS_GOAL_MS} ms`, ms(percentileOf(facets, 0.5)), le(percentileOf(facets, 0.5), FACETS_GOAL_MS));
  share('a filter change (not the text)', filters, filtersRaw, filtersFloor, filtersFloorRaw);
  for (const [name, key, rawMs] of [['the agent page', 'to', naive.agent], ['the routing page', 'routing', naive.routing]]) {
    inFrame(`${name} from its address`, lists[`${key}Wall`], lists[`${key}Floor`]);
    inFrame('  the same, at a random point of a frame', lists[`${key}Random`], lists[`${key}FloorRandom`]);
    p95('  the same', lists[`${key}Wall`], PAGE_P95_GOAL_MS);
    share('  the same', lists[`${key}Wall`], rawMs, lists[`${key}Floor`]);
    inFrame('  its Show more', lists[`${key}MoreWall`], lists[`${key}MoreFloor`]);
    inFrame('  its Show more, at a random point of a frame', lists[`${key}MoreRandom`], lists[`${key}MoreFloorRandom`]);
  }
}

/** The nearest-rank percentile `p` of the values of `xs` that are not null, or null. */
function percentileOf(xs, p) {
  const v = xs.filter((x) => x !== null);
  return v.length ? percentile(v, p) : null;
}

/** "app ÷ raw" of two lists of ms as a number, the ratio of their medians, or null. */
function medianRatio(app, raw) {
  const [a, r] = [percentileOf(app, 0.5), percentileOf(raw, 0.5)];
  return a !== null && r ? a / r : null;
}

/** [`medianRatio`] as text, or n/a. */
function ratio(app, raw) {
  const r = medianRatio(app, raw);
  return r === null ? 'n/a' : r.toFixed(2);
}

/** The first console message of the page holding `text` (without its `flagdeck: `), or null. */
function consoleLine(page, text) {
  let resolve;
  const line = new Promise((r) => (resolve = r));
  const onConsole = (m) => {
    if (m.text().includes(text)) {
      page.off('console', onConsole);
      resolve(m.text().replace(/^flagdeck: /, ''));
    }
  };
  page.on('console', onConsole);
  return { line, stop: () => (page.off('console', onConsole), resolve(null)) };
}

/**
 * Waits for the app's measure `name` (`flagdeck:layer-built`: the flag list's layer;
 * `flagdeck:mirror-filled`: every flag's row held in the page): ms from the open's start to its
 * end, and the console line `report` caught meanwhile.
 */
async function readyFromOpen(page, name, report) {
  await page.waitForFunction((n) => performance.getEntriesByName(n, 'measure').length > 0, name, {
    timeout: 600_000,
  });
  const fromOpen = await page.evaluate((n) => {
    const start = performance.getEntriesByName('flagdeck:open-start', 'mark').at(-1)?.startTime;
    const done = performance.getEntriesByName(n, 'measure').at(-1);
    return start === undefined ? null : done.startTime + done.duration - start;
  }, name);
  await page.waitForTimeout(200);
  report.stop();
  return { fromOpen, report: await report.line };
}

/** RSS of the Chromium renderer processes (the tab: page, sql.js and the app's workers). */
function rendererRss() {
  try {
    const out = execFileSync('ps', ['-eo', 'rss,args'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const kb = out
      .split('\n')
      .filter((l) => l.includes('--type=renderer'))
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] || 0), 0);
    return `${(kb / 1024).toFixed(0)} MB`;
  } catch (e) {
    return `unknown (${e.message})`;
  }
}

/**
 * Jumps to `n` positions of a fresh list spread over it: for each, the animation frames from
 * setting the scroll position until the row at the top of the view is in the page.
 */
async function jumpFrames(page, preset, n) {
  await freshList(page, preset);
  const frames = [];
  for (let k = 0; k < n; k++) {
    frames.push(
      await page.locator('.flag-scroll').evaluate(async (e, k) => {
        const rows = Math.floor(e.scrollHeight / 36);
        const row = Math.floor(rows * ((0.05 + 0.0937 * k) % 1));
        e.scrollTop = (row / rows) * e.scrollHeight;
        // A row covering the top of the view, and no placeholder.
        const shown = () =>
          !e.querySelector('[data-testid="flag-placeholder"]') &&
          [...e.querySelectorAll('[data-testid="flag-row"]')].some(
            (r) => r.offsetTop <= e.scrollTop && e.scrollTop < r.offsetTop + r.offsetHeight,
          );
        let count = 0;
        while (!shown() && count < 600) {
          await new Promise((r) => requestAnimationFrame(r));
          count++;
        }
        // Let the other pages of the view arrive before the next jump.
        await new Promise((r) => setTimeout(r, 300));
        return count;
      }, k),
    );
  }
  return frames;
}

async function flagsBench(dist, db, jsonFile, rounds) {
  const spec = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const workerRel = listFiles(dist).find((f) => path.basename(f) === 'worker.sql-wasm.js');
  const mb = (statSync(db).size / (1024 * 1024)).toFixed(1);
  console.log(
    `\n== Flag list: ${spec.flags} flags (${path.basename(db)}, ${mb} MB), headless Chromium, ${rounds} rounds; ms as median / p95 / max ==`,
  );
  const server = await startServer({ dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(1000);
    const report = consoleLine(page, "flag list's layer holds");
    const opened = await appOpen(page, db);
    console.log(`opened in ${opened.ms?.toFixed(0)} ms (${opened.breakdown})`);
    const held = consoleLine(page, "rows are held in the page");
    const layer = await readyFromOpen(page, 'flagdeck:layer-built', report);
    console.log(
      `the list's layer ready ${layer.fromOpen?.toFixed(0)} ms after the open began (${layer.report ?? 'no report'}); ` +
        `the tab's memory then: ${rendererRss()} (RSS of Chromium's renderer processes: the page and its workers)`,
    );
    const mirror = await readyFromOpen(page, 'flagdeck:mirror-filled', held);
    console.log(
      `every flag's row held in the page ${mirror.fromOpen?.toFixed(0)} ms after the open began (${mirror.report ?? 'no report'}); ` +
        `the tab's memory then: ${rendererRss()}`,
    );
    // Every agent page's and the routing page's first reads, held in idle time once the layer is
    // built (agents::hold_first_reads): the agent steps below open pages from what is held.
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:first-reads-held', 'mark').length > 0, null, { timeout: 600_000 });
    const firstReads = await page.evaluate(() => {
      const start = performance.getEntriesByName('flagdeck:open-start', 'mark').at(-1)?.startTime;
      return start === undefined ? null : performance.getEntriesByName('flagdeck:first-reads-held', 'mark')[0].startTime - start;
    });
    console.log(`every agent page's and the routing page's first reads held ${firstReads?.toFixed(0)} ms after the open began; the tab's memory then: ${rendererRss()}`);
    await clearMeasures(page, ['flagdeck:flags', 'flagdeck:facets']);
    await page.locator('[data-testid="nav-flags"]').click();
    await waitForQuery(page);
    console.log(`flags page (pending, tool order) shown: first page ${(await lastMeasure(page, 'flagdeck:flags')).toFixed(0)} ms, facets ${(await lastMeasure(page, 'flagdeck:facets')).toFixed(0)} ms`);
    // Every long task from now on (and, buffered, the ones before, reported apart).
    const begun = await page.evaluate(() => {
      window.benchLongTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.benchLongTasks.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      return performance.now();
    });

    const filterApp = spec.filter_steps.map(() => ({ table: [], facets: [], disagree: [], spans: [] }));
    const filterPress = spec.filter_steps.map(() => ({ table: [], facets: [] }));
    const filterFloor = [];
    // The clicked steps' first frames written into the table by plain script ([`floorRewrite`]).
    const rewriteFloor = spec.filter_steps.map(() => ({ ms: [], written: [] }));
    await defineRowWriter(page);
    for (let round = 0; round < rounds; round++) {
      // The table as each step leaves it (the last step's is where the round starts), and as
      // its first frame had it.
      const after = [];
      const first = [];
      for (const [i, step] of spec.filter_steps.entries()) {
        await page.evaluate(() => (window.benchFirstFrame = null));
        const r = await appFilterStep(page, step);
        filterApp[i].table.push(r.table);
        filterApp[i].facets.push(r.facets);
        filterApp[i].spans.push(r.span);
        if (!r.agrees) filterApp[i].disagree.push(r.shown);
        const rows = await rowsWritten(page);
        after.push(rows.now);
        first.push(rows.first);
      }
      // The frame floor of a click, as the filter changes are clicked: one that changes nothing.
      for (let k = 0; k < spec.filter_steps.length; k++) filterFloor.push((await floorClick(page, POINTER_REST_MS)).ms);
      // And one whose handler writes each clicked step's first frame over the step before's
      // rows (the text steps are keys, whose frame comes at the display's pace).
      const back = after.at(-1);
      for (const [i, step] of spec.filter_steps.entries()) {
        if (!clicked(step) || !first[i]) continue;
        const r = await floorRewrite(page, POINTER_REST_MS, { from: i ? after[i - 1] : back, to: first[i], back });
        rewriteFloor[i].ms.push(r.ms);
        rewriteFloor[i].written.push(r.written);
        rewriteFloor[i].of = r.of;
      }
      // The same changes pressed as the pointer arrives (asked ahead only at the press, too late
      // for its click).
      for (const [i, step] of spec.filter_steps.entries()) {
        const r = await appFilterStep(page, step, null);
        filterPress[i].table.push(r.table);
        filterPress[i].facets.push(r.facets);
        if (!r.agrees) filterApp[i].disagree.push(r.shown);
      }
    }
    const filtersDone = await page.evaluate(() => performance.now());

    const scrollApp = spec.scroll.steps.map(() => ({ ms: [], ev: [], asked: [], disagree: 0, spans: [] }));
    for (let round = 0; round < rounds; round++) {
      await freshList(page, spec.scroll.preset);
      for (const [i, step] of spec.scroll.steps.entries()) {
        const r = await appScrollStep(page, step);
        scrollApp[i].ms.push(r.ms);
        scrollApp[i].ev.push(r.fromEvent);
        scrollApp[i].asked.push(r.asked);
        scrollApp[i].spans.push(r.span);
        if (!r.agrees) scrollApp[i].disagree++;
      }
    }
    const scrollDone = await page.evaluate(() => performance.now());
    const jumps = await jumpFrames(page, spec.scroll.preset, 10);
    const listsBegun = await page.evaluate(() => performance.now());
    const lists = await agentListSteps(page, spec.agent_lists, rounds);
    const listsDone = await page.evaluate(() => performance.now());
    const tasks = await page.evaluate(() => window.benchLongTasks);

    const raw = await rawFlagSteps(page, db, `/${workerRel.split(path.sep).join('/')}`, spec, rounds);

    console.log(
      '\n-- filter change: app = flagdeck:flags (query started → first page painted) and flagdeck:facets (→ facet counts\n' +
        '   painted); raw = the same statements in a warmed sql.js worker (with the app\'s safety pragmas): count + first page,\n' +
        '   and count + first page + 5 facets; a button or box clicked with real input events, the pointer resting on it\n' +
        `   ${POINTER_REST_MS} ms first (what it rests on is asked ahead), and again pressed as the pointer arrives (last line) --`,
    );
    console.log(
      '   (b) raw+layer = raw sql.js with the layer held in SQL (TEMP keys table, an index per order and facet: built in\n' +
        `   ${raw.layer.build.toFixed(0)} ms): count, the page's ids, then its rows by id; + the facets from it. Goals: app table ≤ ${FILTER_GOAL_MS} ms,\n` +
        `   app +facets ≤ ${FACETS_GOAL_MS} ms, app ÷ raw ≤ ${RATIO_GOAL_LAYER} (medians) --`,
    );
    console.log(
      `${'step'.padEnd(26)} ${'flags'.padStart(7)} ${'app table'.padStart(16)} ${'raw table'.padStart(16)} ${'raw+layer'.padStart(16)} ${'app +facets'.padStart(16)} ${'raw +facets'.padStart(16)} ${'raw+layer'.padStart(16)} ${'app÷raw'.padStart(7)} ${'long tasks'.padStart(10)}  page = native`,
    );
    for (const [i, step] of spec.filter_steps.entries()) {
      const a = filterApp[i];
      const r = raw.filter[i];
      const l = raw.layer.filter[i];
      console.log(
        `${step.label.padEnd(26)} ${String(step.total).padStart(7)} ${spread(a.table).padStart(16)} ${spread(r.table).padStart(16)} ${spread(l.table).padStart(16)} ` +
          `${spread(a.facets).padStart(16)} ${spread(r.all).padStart(16)} ${spread(l.all).padStart(16)} ${ratio(a.table, r.table).padStart(7)} ${longTasksIn(tasks, a.spans).short.padStart(10)}  ${a.disagree.length ? `NO (${a.disagree[0]})` : 'yes'}`,
      );
    }
    // The layer's steps together; the text search (which runs SQL: item 3 reports it apart)
    // is not among them.
    const layered = (xs) => xs.filter((_, i) => spec.filter_steps[i].layer);
    const all = (xs, k) => layered(xs).flatMap((x) => x[k]);
    console.log(
      `${'every filter change but the text'.padEnd(34)} ${spread(all(filterApp, 'table')).padStart(16)} ${spread(all(raw.filter, 'table')).padStart(16)} ${spread(all(raw.layer.filter, 'table')).padStart(16)} ` +
        `${spread(all(filterApp, 'facets')).padStart(16)} ${spread(all(raw.filter, 'all')).padStart(16)} ${spread(all(raw.layer.filter, 'all')).padStart(16)} ${ratio(all(filterApp, 'table'), all(raw.filter, 'table')).padStart(7)}`,
    );
    console.log(
      `${'  the same, pressed as it arrives'.padEnd(34)} ${spread(all(filterPress, 'table')).padStart(16)} ${''.padStart(33)} ` +
        `${spread(all(filterPress, 'facets')).padStart(16)} ${''.padStart(33)} ${ratio(all(filterPress, 'table'), all(raw.filter, 'table')).padStart(7)}`,
    );
    console.log(
      `${'  floor: a click changing nothing'.padEnd(34)} ${spread(filterFloor).padStart(16)} ${''.padStart(33)} ${''.padStart(16)} ${''.padStart(33)} ` +
        `${ratio(filterFloor, all(raw.filter, 'table')).padStart(7)}\n` +
        '   (floor = a click like theirs, the pointer resting first, on a facet\'s title, which changes nothing: from its event\n' +
        '   to its frame painted, timed as the app\'s measure. No change painted after a click can beat it, so app ÷ raw can\n' +
        '   be no lower than floor ÷ raw)',
    );
    // The clicked steps of the layer, the rewrite floor's, with their raw statements.
    const clicks = spec.filter_steps.flatMap((step, i) => (step.layer && clicked(step) ? [i] : []));
    const rewrites = clicks.flatMap((i) => rewriteFloor[i].ms);
    const rewritesRaw = clicks.flatMap((i) => raw.filter[i].table);
    const rewritten = clicks.flatMap((i) => rewriteFloor[i].written);
    console.log(
      `${'  floor: the rows written by script'.padEnd(34)} ${spread(rewrites).padStart(16)} ${''.padStart(33)} ${''.padStart(16)} ${''.padStart(33)} ` +
        `${ratio(rewrites, rewritesRaw).padStart(7)}\n` +
        '   (the same click, whose handler writes by plain script what the first frame of each clicked step showed, over the\n' +
        `   rows the step before left: the text and attributes that differ, in the app's own row elements (${rewritten.length ? `${Math.min(...rewritten)}–${Math.max(...rewritten)}` : 'n/a'} of\n` +
        `   ${clicks.length ? rewriteFloor[clicks[0]].of : 'n/a'} changed), timed as the app\'s measure: no Rust, no reactive graph, no worker; its ratio against the raw\n` +
        '   statements of the clicked steps)',
    );

    console.log(
      `\n-- scrolling "${spec.scroll.preset}" (${spec.scroll.total} flags, ${spec.page_size} rows a page): app = scroll position set →\n` +
        '   the rows in view painted, each with its id (pages read ahead count: a position whose pages came ahead shows at once);\n' +
        '   app (event) = the same from the scroll event, where the app asks for the pages (flagdeck:page: page asked → rows painted;\n' +
        '   before it, the wait for the frame that dispatches the event, ~8 ms on average at 60 Hz); raw =\n' +
        '   that position\'s page statements in the warmed worker;\n' +
        `   raw+layer = its pages' ids from the TEMP keys table, then their rows by id. Goals: app median ≤ ${PAGE_GOAL_MS} ms,\n` +
        `   p95 ≤ ${PAGE_P95_GOAL_MS} ms, app ÷ raw ≤ ${RATIO_GOAL_LAYER} --`,
    );
    console.log(`${'position'.padEnd(18)} ${'pages read'.padEnd(22)} ${'app'.padStart(16)} ${'app (event)'.padStart(16)} ${'raw'.padStart(16)} ${'raw+layer'.padStart(16)} ${'app÷raw'.padStart(7)} ${'long tasks'.padStart(10)}  rows = native`);
    for (const [i, step] of spec.scroll.steps.entries()) {
      const a = scrollApp[i];
      const pages = step.pages.map((p) => `${p.page} ${p.by}`).join(', ') || 'none';
      const asked = [...new Set(a.asked)].join('/');
      console.log(
        `${step.label.padEnd(18)} ${pages.padEnd(22)} ${spread(a.ms).padStart(16)} ${spread(a.ev).padStart(16)} ${spread(raw.scroll[i]).padStart(16)} ${spread(raw.layer.scroll[i]).padStart(16)} ${ratio(a.ms, raw.scroll[i]).padStart(7)} ${longTasksIn(tasks, a.spans).short.padStart(10)}  ` +
          `${a.disagree ? `NO in ${a.disagree} of ${rounds}` : 'yes'}${asked !== String(step.pages.length) ? ` (app read ${asked} pages)` : ''}`,
      );
    }
    const kind = (by) => spec.scroll.steps.flatMap((s, i) => (s.pages.some((p) => p.by === by) ? [i] : []));
    for (const [by, idx] of [['keyset', kind('keyset')], ['offset', kind('offset')]]) {
      console.log(
        `${`every ${by} position`.padEnd(41)} ${spread(idx.flatMap((i) => scrollApp[i].ms)).padStart(16)} ${spread(idx.flatMap((i) => scrollApp[i].ev)).padStart(16)} ${spread(idx.flatMap((i) => raw.scroll[i])).padStart(16)} ` +
          `${spread(idx.flatMap((i) => raw.layer.scroll[i])).padStart(16)} ${ratio(idx.flatMap((i) => scrollApp[i].ms), idx.flatMap((i) => raw.scroll[i])).padStart(7)}`,
      );
    }
    console.log(
      `\njumps to random positions of "${spec.scroll.preset}" (${jumps.length}): animation frames from the scroll until the rows of the\n` +
        `position are in the page: median ${percentile(jumps, 0.5)}, max ${Math.max(...jumps)} (goal ≤ ${JUMP_FRAMES_GOAL})`,
    );

    const al = spec.agent_lists;
    console.log(
      `\n-- the agent page (${al.agent}: ${al.to.total} pending flags to it, ${al.from.total} from it) and the routing page (${al.routing.total}\n` +
        `   flags without a known target), ${al.page_size} rows at a time, each page drawn in parts (the rows that can be in view first):\n` +
        '   app = the address set → its first rows painted, and → the first page whole, and the app\'s measure (read asked → first\n' +
        '   rows painted), then "Show more" likewise (clicked in view); each step also started at a random point of a frame\n' +
        '   (a step follows its preparation\'s animation frame by ~2 ms: ~14 ms before the next frame, where a person\'s input\n' +
        '   comes at any point); the agent page also opened by a click on its catalog row (real input events, timed from the\n' +
        `   click event), the pointer resting ${POINTER_REST_MS} ms on the row first (its reads start then) and\n` +
        '   pressed as it arrives; raw = the statements these pages ran before (every\n' +
        `   pending flag to and from the agent, and its chains; every routing error) in the warmed worker (a "Show more" had no\n` +
        '   statement before: those pages came whole); raw+layer = what these pages ask now on raw sql.js with the keys table\n' +
        '   (the agent page: its two lock counts and each list\'s count and first page, ids then rows by id; "Show more": the\n' +
        `   next page by keyset; the routing page likewise); floor = the page's first-frame markup put in place of the summary\n` +
        '   by plain script at the same point of a frame and timed alike (no app: the wait for the frame and the browser\'s\n' +
        '   own style, layout and paint of that markup); for "Show more", the new table its first frame showed put in by plain\n' +
        '   script where the app\'s was taken out. The app\'s pages find their first answers held, asked in idle time\n' +
        `   after the open (agents::hold_first_reads), where raw asks them in the step. Goals as pages: median ≤ ${PAGE_GOAL_MS} ms, p95 ≤ ${PAGE_P95_GOAL_MS} ms, app ÷ raw ≤ ${RATIO_GOAL_LAYER} --`,
    );
    console.log(
      `${'step'.padEnd(40)} ${'app'.padStart(16)} ${'raw (before)'.padStart(16)} ${'raw+layer'.padStart(16)} ${'app÷raw'.padStart(7)} ${'long tasks'.padStart(10)}`,
    );
    const listSpan = [[listsBegun, listsDone]];
    const rl = raw.layer.lists;
    // Each page's six lines: its opening and its Show more, each to the first rows, whole, and
    // as the app's measure.
    const pageLines = (name, key, measure, naive, layer, layerMore) => [
      [`${name}: address → first rows`, lists[`${key}Wall`], naive, layer],
      ['  the same, at a random point of a frame', lists[`${key}Random`], naive, layer],
      ['  floor: its markup put in by script', lists[`${key}Floor`], null, null],
      ['    the same, at a random point of a frame', lists[`${key}FloorRandom`], null, null],
      ['  → its first page whole', lists[`${key}Whole`], naive, layer],
      ...(key === 'to'
        ? [
            [`  click on its catalog row (pointer rests ${POINTER_REST_MS} ms) → first rows`, lists.toClick, naive, layer],
            ['  the same, pressed as the pointer arrives', lists.toPress, naive, layer],
          ]
        : []),
      [`  its measure (${measure})`, lists[key], naive, layer],
      ['  show more: click → first rows', lists[`${key}MoreWall`], null, layerMore],
      ['    the same, at a random point of a frame', lists[`${key}MoreRandom`], null, layerMore],
      ['    floor: its new rows put in by script', lists[`${key}MoreFloor`], null, null],
      ['      the same, at a random point of a frame', lists[`${key}MoreFloorRandom`], null, null],
      ['    → the page whole', lists[`${key}MoreWhole`], null, layerMore],
      [`    its measure (${measure}-more)`, lists[`${key}More`], null, layerMore],
    ];
    for (const [label, app, rawMs, layerMs] of [
      ...pageLines('agent page', 'to', 'flagdeck:agent-to', raw.naive.agent, rl.agent, rl.agentMore),
      ...pageLines('routing', 'routing', 'flagdeck:routing', raw.naive.routing, rl.routing, rl.routingMore),
    ]) {
      console.log(
        `${label.padEnd(40)} ${spread(app).padStart(16)} ${(rawMs ? spread(rawMs) : '—').padStart(16)} ${(layerMs ? spread(layerMs) : '—').padStart(16)} ` +
          `${(rawMs ? ratio(app, rawMs) : '—').padStart(7)} ${longTasksIn(tasks, listSpan).short.padStart(10)}`,
      );
    }
    console.log(
      `  animation frames from the step to its first rows painted (1: the first frame after it; every step, fixed and random points):\n` +
        `    agent page ${framesLine(lists.toFrames)}, its Show more ${framesLine(lists.toMoreFrames)}; ` +
        `from its catalog row: pointer resting ${framesLine(lists.toClickFrames)}, pressed as it arrives ${framesLine(lists.toPressFrames)}; ` +
        `routing ${framesLine(lists.routingFrames)}, its Show more ${framesLine(lists.routingMoreFrames)}`,
    );
    console.log(
      `  the agent's chains (from the layer, read only once a person scrolls near them: not in these steps): their statement on raw sql.js ${spread(raw.naive.chains)} ms; ` +
        `rows = native: ${lists.disagree.length ? `NO (${lists.disagree[0]})` : 'yes'}`,
    );

    console.log(
      `\nlong tasks on the UI thread (PerformanceObserver 'longtask'; per step above as "count, longest ms"): ` +
        `filter changes ${longTasksIn(tasks, [[begun, filtersDone]]).text}; scrolling ${longTasksIn(tasks, [[filtersDone, scrollDone]]).text}; ` +
        `before the measurements (open, first list) ${longTasksIn(tasks, [[0, begun]]).text}`,
    );
    printGoals({
      flags: spec.scroll.total,
      pages: scrollApp.flatMap((x) => x.ms),
      pagesRaw: raw.scroll.flat(),
      jumps,
      filters: all(filterApp, 'table'),
      facets: all(filterApp, 'facets'),
      filtersRaw: all(raw.filter, 'table'),
      filtersFloor: rewrites,
      filtersFloorRaw: rewritesRaw,
      lists,
      naive: raw.naive,
    });
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  } catch (e) {
    console.log(`flag list bench FAILED: ${e.message.split('\n').slice(0, 6).join(' / ')}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
  } finally {
    await context.close();
    await browser.close();
    await server.close();
  }
}

const QUEST_OPEN_GOAL = 1.3;
const QUEST_FILTER_GOAL_MS = 150;
/** Issue 15: a quest filter change the filter index answers, query started → first page painted. */
const QUEST_INDEX_FILTER_GOAL_MS = 50;
const QUEST_PAGE_GOAL_MS = 50;

/** [position in the list, id] of every quest row in the DOM, placeholders left, the total text. */
const shownQuestRows = (page) =>
  page.evaluate(() => ({
    rows: [...document.querySelectorAll('[data-testid="quest-row"]')]
      .map((e) => [Math.round(e.offsetTop / e.offsetHeight), Number(e.dataset.questId)])
      .sort((a, b) => a[0] - b[0]),
    placeholders: document.querySelectorAll('[data-testid="quest-placeholder"]').length,
    total: document.querySelector('[data-testid="quest-total"]')?.textContent?.trim() ?? null,
  }));

/** Waits for a `flagdeck:quests` measure (cleared before) and returns the newest. */
async function waitForQuests(page) {
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quests', 'measure').length > 0, null, {
    timeout: 300_000,
    polling: 20,
  });
  return lastMeasure(page, 'flagdeck:quests');
}

/** Does what a quest filter step says: a status box, or the agent / text box committed with Enter. */
async function questFilterAction(page, action) {
  if (action.status !== undefined) {
    await page.locator(`[data-testid="quest-filter-status"][data-status="${action.status}"] input`).click();
  } else {
    const box = page.locator(`[data-testid="${action.agent !== undefined ? 'quest-filter-agent' : 'quest-filter-text'}"]`);
    await box.fill(action.agent ?? action.text);
    await box.press('Enter');
  }
}

/**
 * The app: open the file (open-start → summary-shown), then click the Quests tab and wait for
 * the board (click → flagdeck:quests-shown; the app's own flagdeck:quests measure as well).
 */
async function appQuestsOpen(page, db) {
  const opened = await appOpen(page, db);
  await clearMeasures(page, ['flagdeck:quests']);
  const clicked = await pageNow(page);
  await page.locator('[data-testid="nav-quests"]').click();
  const measure = await waitForQuests(page);
  const shownAt = await page.evaluate(() => performance.getEntriesByName('flagdeck:quests-shown', 'mark').at(-1)?.startTime);
  const total = await page.locator('[data-testid="quest-total"]').textContent();
  return { open: opened.ms, breakdown: opened.breakdown, board: shownAt - clicked, measure, total: total?.trim() };
}

/**
 * Raw sql.js, in a warmed worker of a fresh page (as rawOpen): from file.arrayBuffer() through
 * open (the WAL flag cleared as the app clears it), the connection pragmas and the summary's
 * count SQL; then the board's statements posted together. Optionally with PRAGMA quick_check.
 */
async function rawQuestsOpen(page, db, workerUrl, countSql, spec, check) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-raw-quests-open';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.locator('#bench-raw-quests-open').setInputFiles(db);
  return page.evaluate(
    async ({ workerUrl, countSql, spec, check }) => {
      const input = document.getElementById('bench-raw-quests-open');
      const file = input.files[0];
      const worker = new Worker(workerUrl);
      const waiting = new Map();
      let nextId = 1;
      worker.onmessage = (e) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (w) e.data.error ? w.reject(new Error(e.data.error)) : w.resolve(e.data);
      };
      const call = (msg, transfer = []) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          worker.postMessage({ ...msg, id }, transfer);
        });
      await call({ action: 'exec', sql: 'SELECT 1' });
      const t0 = performance.now();
      const buffer = await file.arrayBuffer();
      const head = new Uint8Array(buffer, 0, 20);
      if (head[18] === 2) head[18] = head[19] = 1;
      await call({ action: 'open', buffer }, [buffer]);
      await call({ action: 'exec', sql: spec.connection_sql });
      if (check) {
        const qc = await call({ action: 'exec', sql: 'PRAGMA quick_check' });
        if (qc.results?.[0]?.values?.[0]?.[0] !== 'ok') throw new Error('quick_check failed');
      }
      const counts = await call({ action: 'exec', sql: countSql });
      const t1 = performance.now();
      const answers = await Promise.all(
        spec.board.statements.map((s) => call({ action: 'exec', sql: s.sql, params: s.params, config: { useBigInt: true } })),
      );
      const t2 = performance.now();
      worker.terminate();
      input.remove();
      return {
        open: t1 - t0,
        board: t2 - t1,
        counted: counts.results?.length ?? 0,
        // The board's statements: the time-column order, the count, the status counts, the columns.
        total: String(answers[1].results?.[0]?.values?.[0]?.[0]),
      };
    },
    { workerUrl, countSql, spec, check },
  );
}

/** One quest filter change in the app: its measure and whether the page agrees with native. */
async function appQuestFilterStep(page, step) {
  await clearMeasures(page, ['flagdeck:quests']);
  const from = await pageNow(page);
  await questFilterAction(page, step.action);
  const ms = await waitForQuests(page);
  const to = await pageNow(page);
  const shown = await shownQuestRows(page);
  const ids = shown.rows.slice(0, step.first_ids.length).map(([, id]) => id);
  const agrees =
    shown.total === `${step.total} quests` &&
    ids.length === Math.min(step.first_ids.length, step.total) &&
    ids.every((id, i) => id === step.first_ids[i]);
  return { ms, agrees, shown: `${shown.total}, first ids ${ids.slice(0, 3).join(' ')}`, span: [from, to] };
}

/**
 * One scroll position of the quest list, as for the flag list: from setting the scroll position
 * until the rows in view are painted (the animation frame that has every one of them with its
 * id, and a task after its paint; a position whose pages were read ahead shows at once), the
 * same from the scroll event's dispatch, and whether every rendered row is the native answer
 * once all are drawn.
 */
async function appQuestScrollStep(page, step) {
  await clearMeasures(page, ['flagdeck:quest-page']);
  const from = await pageNow(page);
  const { ms, fromEvent } = await page.locator('[data-testid="quest-scroll"]').evaluate(
    async (e, { top, view }) => {
      let event = null;
      e.addEventListener('scroll', () => (event ??= performance.now()), { capture: true, once: true });
      const t0 = performance.now();
      e.scrollTop = top;
      const ready = () =>
        view.every(([i, id]) => e.querySelector(`[data-testid="quest-row"][data-quest-id="${id}"][data-index="${i}"]`));
      for (let k = 0; k < 7200 && !ready(); k++) await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => setTimeout(r, 0));
      const end = performance.now();
      return { ms: end - t0, fromEvent: end - (event ?? t0) };
    },
    { top: step.scroll_top, view: step.in_view },
  );
  // The overscan drawn, and pages read ahead arrived, before the check and the next step.
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="quest-placeholder"]') && document.querySelector('[data-testid="quest-row"]'),
    null,
    { timeout: 120_000, polling: 20 },
  );
  await page.waitForTimeout(150);
  const to = await pageNow(page);
  const expected = new Map(step.shown.map(([i, id]) => [i, id]));
  const { rows } = await shownQuestRows(page);
  const agrees = rows.length === expected.size && rows.every(([i, id]) => expected.get(i) === id);
  return { ms: [ms], ev: [fromEvent], agrees, span: [from, to] };
}

/** Raw sql.js running each filter step's and each scroll position's statements, `rounds` times. */
async function rawQuestSteps(page, db, workerUrl, spec, rounds) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-raw-quests';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.locator('#bench-raw-quests').setInputFiles(db);
  return page.evaluate(
    async ({ workerUrl, spec, rounds }) => {
      const input = document.getElementById('bench-raw-quests');
      const buffer = await input.files[0].arrayBuffer();
      input.remove();
      const head = new Uint8Array(buffer, 0, 20);
      if (head[18] === 2) head[18] = head[19] = 1;
      const worker = new Worker(workerUrl);
      const waiting = new Map();
      let nextId = 1;
      worker.onmessage = (e) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (w) e.data.error ? w.reject(new Error(e.data.error)) : w.resolve(e.data);
      };
      const call = (msg, transfer = []) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          worker.postMessage({ ...msg, id }, transfer);
        });
      const exec = (s) => call({ action: 'exec', sql: s.sql, params: s.params, config: { useBigInt: true } });
      const time = async (statements) => {
        const t0 = performance.now();
        await Promise.all(statements.map(exec));
        return performance.now() - t0;
      };
      await call({ action: 'open', buffer }, [buffer]);
      await call({ action: 'exec', sql: spec.connection_sql });
      const filterSets = spec.filter_steps.map((s) => s.statements);
      // One page at a time, as each is measured in the app.
      const pageSets = spec.scroll.steps.map((s) => s.pages.map((p) => [p.statement]));
      for (const set of [...filterSets, ...pageSets.flat()]) await time(set);
      const filter = filterSets.map(() => []);
      const scroll = pageSets.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (const [i, set] of filterSets.entries()) filter[i].push(await time(set));
        for (const [i, sets] of pageSets.entries()) for (const set of sets) scroll[i].push(await time(set));
      }
      // The sorted scroll: (a) its plain statements (each sorts every quest), then (b) the same
      // key table built here as the app builds it, and each page through it.
      const sorted = spec.sorted_scroll;
      const plainSets = sorted.steps.map((s) => s.pages.map((p) => [p.statement]));
      const layerSets = sorted.steps.map((s) => s.pages.map((p) => [p.layer]));
      const sortedRounds = Math.min(rounds, 2);
      const plain = plainSets.map(() => []);
      for (let round = 0; round < sortedRounds; round++) {
        for (const [i, sets] of plainSets.entries()) for (const set of sets) plain[i].push(await time(set));
      }
      const build = await time([{ sql: sorted.layer_build }]);
      for (const set of layerSets.flat()) await time(set);
      const layer = layerSets.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (const [i, sets] of layerSets.entries()) for (const set of sets) layer[i].push(await time(set));
      }
      // The agent page's two pages: (a) plain (each a pass over every quest), then (b) through
      // the page's layer built here as the app builds it.
      const agent = spec.agent_page;
      const agentPlain = agent.plain.map(() => []);
      for (let round = 0; round < sortedRounds; round++) {
        for (const [i, st] of agent.plain.entries()) agentPlain[i].push(await time([st]));
      }
      const agentBuild = await time([{ sql: agent.layer_build }]);
      for (const st of agent.layer) await time([st]);
      const agentLayer = agent.layer.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (const [i, st] of agent.layer.entries()) agentLayer[i].push(await time([st]));
      }
      worker.terminate();
      return { filter, scroll, sorted: { plain, layer, build }, agent: { plain: agentPlain, layer: agentLayer, build: agentBuild } };
    },
    { workerUrl, spec, rounds },
  );
}

/**
 * The agent page's quests (`spec.agent_page`: the agent with the most quests): its first visit
 * (after the page's layer, built in steps once the file is open, `flagdeck:quest-members`), then
 * `rounds` times the page from its address (the agent catalog shown first) and *Show more*,
 * each step → its first new row painted and → all its rows painted (the list is drawn in
 * parts), and their ids against the native ones.
 */
async function questAgentSteps(page, spec, rounds) {
  const out = {
    first: null, build: null, visit: [], visitWhole: [], more: [], moreWhole: [], disagree: [],
    // The same steps started at a random point of a frame, and the frames to the first rows of
    // every step (fixed and random).
    visitRandom: [], moreRandom: [], visitFrames: [], moreFrames: [],
    // The page opened by a click on its catalog row (`clickPainted`), the pointer resting on it
    // first, with the frames to the first rows.
    click: [], clickFrames: [],
  };
  const n = spec.first.length;
  // [its first new row painted, all `want` painted] (the list is drawn in parts).
  const timed = (start, from, want, delay = 0) =>
    rowsPainted(page, {
      testid: 'agent-quest',
      from,
      n: want,
      start,
      button: start === 'more' ? '[data-testid="agent-quests-more"]' : null,
      delay,
    });
  // The page before is the agent catalog, which reads nothing: from the summary, its quest
  // counts (a pass over every quest, each time it is shown) would be measured too.
  const ready = (more) =>
    page.evaluate(async (more) => {
      if (more) document.querySelector('[data-testid="agent-quests-more"]').scrollIntoView({ block: 'nearest' });
      else location.hash = '#agents';
      await new Promise((r) => requestAnimationFrame(r));
    }, more);
  const check = async (label, expected) => {
    const got = await page.evaluate(() => [...document.querySelectorAll('[data-testid="agent-quest"]')].map((e) => Number(e.dataset.questId)));
    if (JSON.stringify(got) !== JSON.stringify(expected)) out.disagree.push(`${label}: ${got.slice(0, 3)}… against ${expected.slice(0, 3)}…`);
  };
  const address = `#agent/${encodeURIComponent(spec.agent)}`;
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-members', 'measure').length > 0, null, { timeout: 120_000 });
  out.build = await lastMeasure(page, 'flagdeck:quest-members');
  await ready(false);
  out.first = (await timed(address, 0, n))[0];
  await check('first visit', spec.first);
  for (let round = 0; round < rounds; round++) {
    for (const random of [false, true]) {
      await ready(false);
      const [visit, visitWhole, visitFrames] = await timed(address, 0, n, random ? randomPhase() : 0);
      out[random ? 'visitRandom' : 'visit'].push(visit);
      if (!random) out.visitWhole.push(visitWhole);
      out.visitFrames.push(visitFrames);
      await check('page', spec.first);
      if (spec.next.length) {
        await ready(true);
        const [more, moreWhole, moreFrames] = await timed('more', n, n + spec.next.length, random ? randomPhase() : 0);
        out[random ? 'moreRandom' : 'more'].push(more);
        if (!random) out.moreWhole.push(moreWhole);
        out.moreFrames.push(moreFrames);
        await check('Show more', [...spec.first, ...spec.next]);
      }
      if (random) {
        const row = catalogRow(spec.agent);
        const got = await clickPainted(page, { row, testid: 'agent-quest', rest: POINTER_REST_MS });
        if (got) {
          out.click.push(got[0]);
          out.clickFrames.push(got[1]);
          await page.waitForFunction((n) => document.querySelectorAll('[data-testid="agent-quest"]').length >= n, n, { timeout: 120_000 });
          await check('page (click)', spec.first);
        }
      }
    }
  }
  return out;
}

/** The list's scroll steps of `scroll` (from the top, `rounds` times); each round starts from a fresh list. */
async function questScrollRounds(page, spec, scroll, rounds) {
  const app = scroll.steps.map(() => ({ ms: [], ev: [], disagree: 0, spans: [] }));
  // Per round: the list's rows shown → every row held (flagdeck:quest-rows-held, the background
  // fill), and the renderer's memory before the fresh list and once it is held whole.
  const held = { ms: [], rss: [], during: [] };
  for (let round = 0; round < rounds; round++) {
    // A fresh list at its top: a query change drops the loaded pages and scrolls up.
    const tick = spec.filter_steps.find((s) => s.action.status !== undefined).action;
    const before = rendererRss();
    for (let k = 0; k < 2; k++) {
      if (k === 1) {
        // The second change is asked while the first list fills (its pages beyond the view's
        // and its neighbours' arriving): it waits for the fill's read in the worker.
        await page.waitForFunction(() => document.querySelector('[data-testid="quest-scroll"]')?.dataset.pages.split(' ').length > 3, null, {
          timeout: 120_000,
          polling: 'raf',
        });
      }
      await clearMeasures(page, ['flagdeck:quests', 'flagdeck:quest-rows-held']);
      await questFilterAction(page, tick);
      const ms = await waitForQuests(page);
      if (k === 1) held.during.push(ms);
    }
    // The positions are timed once the list holds every row, as the flag list's are once its
    // rows are held in the page (a jump before that reads its pages as a keyset step does).
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:quest-rows-held', 'measure').length > 0, null, {
      timeout: 300_000,
      polling: 50,
    });
    held.ms.push(await lastMeasure(page, 'flagdeck:quest-rows-held'));
    held.rss.push(`${before} → ${rendererRss()}`);
    for (const [i, step] of scroll.steps.entries()) {
      const r = await appQuestScrollStep(page, step);
      app[i].ms.push(...r.ms);
      app[i].ev.push(...r.ev);
      app[i].spans.push(r.span);
      if (!r.agrees) app[i].disagree++;
    }
  }
  return { steps: app, held };
}

/**
 * Prints one scroll of the quest list (`questScrollRounds`' answer): the fill's time and memory,
 * then per position and in all, app next to raw (a) and, when given, raw (b).
 */
function printQuestScroll(title, scroll, { steps: app, held }, rawA, rawB, tasks, rounds) {
  const ratio = (a, b) => (a !== null && b ? a / b : null);
  console.log(`\n-- ${title} --`);
  console.log(
    `  every row held (flagdeck:quest-rows-held, rows shown → the background fill done): ${spread(held.ms)} ms; ` +
      `the renderer's memory (RSS) before the fresh list → once held, per round: ${held.rss.join(', ')}`,
  );
  console.log(
    `  a filter change asked while the list fills (flagdeck:quests; the status box just ticked unticked, behind a fill read): ${spread(held.during)} ms ` +
      '(the filter steps above ask theirs with nothing in flight)',
  );
  console.log(
    `${'position'.padEnd(18)} ${'pages read'.padEnd(22)} ${'app'.padStart(16)} ${'app (event)'.padStart(16)} ${'raw (a)'.padStart(16)} ${rawB ? 'raw (b)'.padStart(16) + ' ' : ''}${'long tasks'.padStart(10)}  rows = native`,
  );
  for (const [i, step] of scroll.steps.entries()) {
    const a = app[i];
    const pages = step.pages.map((p) => `${p.page} ${p.by}`).join(', ') || 'none';
    console.log(
      `${step.label.padEnd(18)} ${pages.padEnd(22)} ${spread(a.ms).padStart(16)} ${spread(a.ev).padStart(16)} ${spread(rawA[i]).padStart(16)} ${rawB ? spread(rawB[i]).padStart(16) + ' ' : ''}` +
        `${longTasksIn(tasks, a.spans).short.padStart(10)}  ${a.disagree ? `NO in ${a.disagree} of ${rounds}` : 'yes'}`,
    );
  }
  const allPages = app.flatMap((a) => a.ms);
  const p95 = allPages.length ? percentile(allPages, 0.95) : null;
  console.log(
    `${'every page'.padEnd(41)} ${spread(allPages).padStart(16)} ${spread(app.flatMap((a) => a.ev)).padStart(16)} ${spread(rawA.flat()).padStart(16)} ${rawB ? spread(rawB.flat()).padStart(16) : ''}` +
      ` — goal p95 ≤ ${QUEST_PAGE_GOAL_MS} ms: ${p95 === null ? 'n/a' : p95 <= QUEST_PAGE_GOAL_MS ? 'met' : 'NOT met'}` +
      `; median ≤ ${PAGE_GOAL_MS} ms (issue 15): ${allPages.length === 0 ? 'n/a' : percentile(allPages, 0.5) <= PAGE_GOAL_MS ? 'met' : 'NOT met'}` +
      ` (p95 app/raw (a) ${ratio(p95, rawA.flat().length ? percentile(rawA.flat(), 0.95) : null)?.toFixed(2) ?? 'n/a'}×)`,
  );
  const kind = (by) => scroll.steps.flatMap((s, i) => (s.pages.some((p) => p.by === by) ? [i] : []));
  for (const [by, idx] of [['keyset', kind('keyset')], ['offset', kind('offset')]]) {
    console.log(
      `${`every ${by} position`.padEnd(41)} ${spread(idx.flatMap((i) => app[i].ms)).padStart(16)} ${spread(idx.flatMap((i) => app[i].ev)).padStart(16)} ${spread(idx.flatMap((i) => rawA[i])).padStart(16)}` +
        `${rawB ? ' ' + spread(idx.flatMap((i) => rawB[i])).padStart(16) : ''}`,
    );
  }
}

/**
 * An edit on a quest's page (the first of the list's first rows that may change: not
 * completed), then the list again: how long its filter index took to be brought up to date
 * (`flagdeck:quest-index-refresh`) and the order of its sort held after the list was shown;
 * `wholeReads` counts `flagdeck:quest-index` (the index read whole) in the page.
 */
async function questEditRefresh(page, spec) {
  for (const id of spec.list.first_ids) {
    await page.evaluate((id) => (location.hash = `#quest/${id}`), id);
    await page.locator(`[data-testid="quest-page"][data-quest-id="${id}"] [data-testid="quest-status"]`).waitFor({ timeout: 60_000 });
    const status = await page.locator('[data-testid="quest-status"]').getAttribute('data-status');
    if (status === 'completed') continue;
    const to = status === 'failed' ? 'waiting' : 'failed';
    await page.locator('[data-testid="quest-status-select"]').selectOption(to);
    await page.locator('[data-testid="quest-status-apply"]').click();
    await page.waitForFunction((to) => document.querySelector('[data-testid="quest-status"]')?.dataset.status === to, to, { timeout: 60_000 });
    await page.evaluate(() => {
      performance.clearMarks('flagdeck:quest-order');
      performance.clearMarks('flagdeck:quests-shown');
      location.hash = '#quests?view=list';
    });
    const r = await page
      .waitForFunction(
        () =>
          performance.getEntriesByName('flagdeck:quest-order', 'mark').length > 0 && {
            refresh: performance.getEntriesByName('flagdeck:quest-index-refresh', 'measure').at(-1)?.duration ?? null,
            ordered:
              performance.getEntriesByName('flagdeck:quest-order', 'mark')[0].startTime -
              (performance.getEntriesByName('flagdeck:quests-shown', 'mark')[0]?.startTime ?? NaN),
            wholeReads: performance.getEntriesByName('flagdeck:quest-index', 'measure').length,
          },
        null,
        { timeout: 120_000, polling: 20 },
      )
      .then((h) => h.jsonValue());
    return { id, status: to, ...r };
  }
  return null;
}

async function questsBench(dist, files, runs, rounds) {
  const spec = JSON.parse(readFileSync(files.json, 'utf8'));
  const countSql = readFileSync(files.counts, 'utf8');
  const db = files.db;
  const workerRel = listFiles(dist).find((f) => path.basename(f) === 'worker.sql-wasm.js');
  const workerUrl = `/${workerRel.split(path.sep).join('/')}`;
  const mb = (statSync(db).size / (1024 * 1024)).toFixed(1);
  console.log(
    `\n== Quests page: ${spec.quests} quests (${path.basename(db)}, ${mb} MB), headless Chromium; ms as median / p95 / max ==`,
  );
  const server = await startServer({ dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const med = (xs) => (xs.length ? median(xs) : null);
  const ms = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(0)} ms`);
  try {
    // (a) open → board, app and raw sql.js each in fresh contexts, `runs` times.
    const open = { app: [], appBoard: [], appMeasure: [], raw: [], rawBoard: [], checked: [] };
    for (let run = 1; run <= runs; run++) {
      const appContext = await browser.newContext();
      const rawContext = await browser.newContext();
      const errors = [];
      try {
        const page = await appContext.newPage();
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}/`);
        await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
        await page.waitForTimeout(1000);
        const a = await appQuestsOpen(page, db);
        const rawPage = await rawContext.newPage();
        await rawPage.goto(`${server.url}/`);
        await rawPage.waitForTimeout(500);
        const r = await rawQuestsOpen(rawPage, db, workerUrl, countSql, spec, false);
        const c = await rawQuestsOpen(rawPage, db, workerUrl, countSql, spec, true);
        const agrees = a.total === `${spec.board.total} quests` && r.total === String(spec.board.total);
        console.log(
          `  run ${run}: app open ${ms(a.open)} (${a.breakdown}) + Quests tab → board ${ms(a.board)} (flagdeck:quests ${ms(a.measure)}); ` +
            `raw sql.js open + counts ${ms(r.open)} + board statements ${ms(r.board)}; with quick_check ${ms(c.open + c.board)}; ` +
            `totals ${agrees ? 'agree' : `DIFFER (app "${a.total}", raw ${r.total}, native ${spec.board.total})`}` +
            (errors.length ? ` — page errors: ${errors.join('; ')}` : ''),
        );
        open.app.push(a.open);
        open.appBoard.push(a.board);
        open.appMeasure.push(a.measure);
        open.raw.push(r.open);
        open.rawBoard.push(r.board);
        open.checked.push(c.open + c.board);
      } catch (e) {
        console.log(`  run ${run}: FAILED: ${e.message.split('\n')[0]}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
      } finally {
        await appContext.close();
        await rawContext.close();
      }
    }

    // (b), (c) filter changes and scrolling in the list view.
    const context = await browser.newContext();
    const errors = [];
    let filterApp = [];
    let scrollApp = { steps: [], held: { ms: [], rss: [], during: [] } };
    let sortedApp = scrollApp;
    let sortedFirst = null;
    let raw = null;
    let edited = null;
    let agentPage = null;
    let indexRead = null;
    let tasks = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/`);
      await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
      await page.waitForTimeout(1000);
      await appQuestsOpen(page, db);
      await clearMeasures(page, ['flagdeck:quests']);
      await page.locator('[data-testid="quest-view-list"]').click();
      const listMs = await waitForQuests(page);
      const first = await shownQuestRows(page);
      const firstIds = first.rows.slice(0, spec.list.first_ids.length).map(([, id]) => id);
      const listAgrees = JSON.stringify(firstIds) === JSON.stringify(spec.list.first_ids);
      console.log(`list view shown: flagdeck:quests ${ms(listMs)} (${first.total}; first rows ${listAgrees ? '= native' : 'DIFFER from native'})`);
      // Filter changes are timed once the list's filter index and its order are held (as the
      // flag list's are once its layer is ready); the time they took to read is printed.
      const indexed = await page
        .waitForFunction(
          () =>
            performance.getEntriesByName('flagdeck:quest-order', 'mark').length > 0 && {
              read: performance.getEntriesByName('flagdeck:quest-index', 'measure')[0]?.duration ?? null,
              ready: performance.getEntriesByName('flagdeck:quest-order', 'mark')[0].startTime,
              shown: performance.getEntriesByName('flagdeck:quests-shown', 'mark').at(-1)?.startTime ?? null,
            },
          null,
          { timeout: 120_000, polling: 20 },
        )
        .then((h) => h.jsonValue())
        .catch(() => null);
      indexRead = indexed?.read ?? null;
      console.log(
        indexed
          ? `filter index held: read ${ms(indexed.read)} (flagdeck:quest-index, ${spec.quests} quests), its order ${ms(indexed.ready - indexed.shown)} after the list was shown`
          : 'filter index NOT held within 120 s: the filter changes below ran by SQL',
      );
      await page.evaluate(() => {
        window.benchLongTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.benchLongTasks.push({ start: e.startTime, ms: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      });

      filterApp = spec.filter_steps.map(() => ({ ms: [], disagree: [], spans: [] }));
      for (let round = 0; round < rounds; round++) {
        for (const [i, step] of spec.filter_steps.entries()) {
          const r = await appQuestFilterStep(page, step);
          filterApp[i].ms.push(r.ms);
          filterApp[i].spans.push(r.span);
          if (!r.agrees) filterApp[i].disagree.push(r.shown);
        }
      }

      scrollApp = await questScrollRounds(page, spec, spec.scroll, rounds);
      // The same scrolling in an order no index of the file holds: its first use (the sort
      // clicked → rows painted, the key table's build included), then the rounds.
      await clearMeasures(page, ['flagdeck:quests', 'flagdeck:quest-keys']);
      const t0 = await pageNow(page);
      await page.evaluate(({ sort, desc }) => (location.hash = `#quests?view=list&sort=${sort}&desc=${desc ? 1 : 0}`), {
        sort: spec.sorted_scroll.sort,
        desc: spec.sorted_scroll.descending,
      });
      await waitForQuests(page);
      sortedFirst = {
        ms: (await pageNow(page)) - t0,
        build: await page.evaluate(() => performance.getEntriesByName('flagdeck:quest-keys', 'measure')[0]?.duration ?? null),
      };
      sortedApp = await questScrollRounds(page, spec, spec.sorted_scroll, rounds);
      tasks = await page.evaluate(() => window.benchLongTasks);
      raw = await rawQuestSteps(page, db, workerUrl, spec, rounds);
      edited = await questEditRefresh(page, spec);
      agentPage = await questAgentSteps(page, spec.agent_page, rounds);
    } catch (e) {
      console.log(`quests list bench FAILED: ${e.message.split('\n')[0]}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
    } finally {
      await context.close();
    }

    const ratio = (a, b) => (a !== null && b ? a / b : null);
    const [app, appBoard, rawOpen, rawBoard, checked, measure] = [open.app, open.appBoard, open.raw, open.rawBoard, open.checked, open.appMeasure].map(med);
    const appTotal = app !== null && appBoard !== null ? app + appBoard : null;
    const rawTotal = rawOpen !== null && rawBoard !== null ? rawOpen + rawBoard : null;
    const goal = ratio(appTotal, rawTotal);
    console.log(`\n-- open → quests board (median of ${runs}) --`);
    console.log(`  open → summary shown: app ${ms(app)} vs raw sql.js open + count SQL ${ms(rawOpen)} = ${goal === null ? 'n/a' : `${ratio(app, rawOpen).toFixed(2)}×`}`);
    console.log(`  Quests tab → board shown: app ${ms(appBoard)} (flagdeck:quests ${ms(measure)}) vs raw board statements ${ms(rawBoard)}`);
    console.log(
      `  open → board, in all: app ${ms(appTotal)} vs raw ${ms(rawTotal)} = ${goal === null ? 'n/a' : `${goal.toFixed(2)}×`}` +
        ` — goal ≤ ${QUEST_OPEN_GOAL}× raw: ${goal === null ? 'n/a' : goal <= QUEST_OPEN_GOAL ? 'met' : 'NOT met'}` +
        ` (raw with the quick_check the app runs: ${ms(checked)} = ${ratio(appTotal, checked)?.toFixed(2) ?? 'n/a'}×)`,
    );

    if (raw) {
      console.log(
        `\n-- filter change in the list (${rounds} rounds): app = flagdeck:quests (query started → rows painted); raw = the same\n` +
          '   statements (count, status counts, first page) posted together to a warmed sql.js worker --',
      );
      console.log(`${'step'.padEnd(30)} ${'quests'.padStart(7)} ${'app'.padStart(16)} ${'raw'.padStart(16)} ${'long tasks'.padStart(10)}  page = native`);
      for (const [i, step] of spec.filter_steps.entries()) {
        const a = filterApp[i];
        console.log(
          `${step.label.padEnd(30)} ${String(step.total).padStart(7)} ${spread(a.ms).padStart(16)} ${spread(raw.filter[i]).padStart(16)} ` +
            `${longTasksIn(tasks, a.spans).short.padStart(10)}  ${a.disagree.length ? `NO (${a.disagree[0]})` : 'yes'}`,
        );
      }
      const allFilter = filterApp.flatMap((a) => a.ms).filter((x) => x !== null);
      const filterMedian = allFilter.length ? percentile(allFilter, 0.5) : null;
      console.log(
        `${'every filter change'.padEnd(38)} ${spread(allFilter).padStart(16)} ${spread(raw.filter.flat()).padStart(16)}` +
          ` — goal median ≤ ${QUEST_FILTER_GOAL_MS} ms: ${filterMedian === null ? 'n/a' : filterMedian <= QUEST_FILTER_GOAL_MS ? 'met' : 'NOT met'}` +
          ` (median app/raw ${ratio(filterMedian, raw.filter.flat().length ? percentile(raw.filter.flat(), 0.5) : null)?.toFixed(2) ?? 'n/a'}×)`,
      );

      // Issue 15: a filter change to its first page ≤ 50 ms for what the filter index answers
      // (statuses, an agent); a filter with words runs its SQL and is reported apart, as the
      // flag list's text search is.
      const worded = (step) => step.action.text !== undefined && step.action.text.trim() !== '';
      const indexedMs = filterApp.flatMap((a, i) => (worded(spec.filter_steps[i]) ? [] : a.ms)).filter((x) => x !== null);
      const wordedMs = filterApp.flatMap((a, i) => (worded(spec.filter_steps[i]) ? a.ms : [])).filter((x) => x !== null);
      const indexedMedian = indexedMs.length ? percentile(indexedMs, 0.5) : null;
      console.log(
        `${'status and agent changes'.padEnd(38)} ${spread(indexedMs).padStart(16)}` +
          ` — issue 15 goal (filter change → first page, from the filter index) median ≤ ${QUEST_INDEX_FILTER_GOAL_MS} ms: ` +
          `${indexedMedian === null ? 'n/a' : indexedMedian <= QUEST_INDEX_FILTER_GOAL_MS ? 'met' : 'NOT met'}`,
      );
      console.log(`${'changes with words (SQL, apart)'.padEnd(38)} ${spread(wordedMs).padStart(16)}`);

      printQuestScroll(
        `scrolling the list, newest first (${spec.scroll.total} quests, ${spec.page_size} rows a page): app = scroll position set → the rows in\n` +
          '   view painted, each with its id (pages read ahead count: a position whose pages came ahead shows at once); app (event) =\n' +
          '   the same from the scroll event (before it, the wait for the frame that dispatches it); raw = each page statement the\n' +
          '   position needs (pages read) in the warmed worker',
        spec.scroll,
        scrollApp,
        raw.scroll,
        null,
        tasks,
        rounds,
      );
      console.log(
        edited
          ? `\nafter an edit on a quest's page (quest ${edited.id} → ${edited.status}), the list shown again: its filter index brought up to date from ` +
              `the write log in ${ms(edited.refresh)} (flagdeck:quest-index-refresh; read whole: ${ms(indexRead)}), the order of its sort held ` +
              `${ms(edited.ordered)} after the list was shown; read whole again: ${edited.wholeReads > 1 ? 'YES' : 'no'}`
          : '\nafter an edit: NOT measured',
      );
      const build = sortedFirst?.build;
      printQuestScroll(
        `scrolling the list sorted by ${spec.sorted_scroll.sort}${spec.sorted_scroll.descending ? ' (descending)' : ''}: app as above; raw (a) = the page's\n` +
          `   plain statement (${Math.min(rounds, 2)} rounds); raw (b) = the same statement through the same key table, built in raw sql.js in ` +
          `${ms(raw.sorted.build)}. App: the sort's first use ${ms(sortedFirst?.ms)} (sort set → rows painted), its key table built in ${ms(build)}`,
        spec.sorted_scroll,
        sortedApp,
        raw.sorted.plain,
        raw.sorted.layer,
        tasks,
        rounds,
      );
      const ap = spec.agent_page;
      if (agentPage && raw.agent) {
        const goal = (xs) => {
          if (!xs.length) return 'n/a';
          const [m, p] = [percentile(xs, 0.5), percentile(xs, 0.95)];
          return `median ≤ ${PAGE_GOAL_MS} ms: ${m <= PAGE_GOAL_MS ? 'met' : 'NOT met'}, p95 ≤ ${PAGE_P95_GOAL_MS} ms: ${p <= PAGE_P95_GOAL_MS ? 'met' : 'NOT met'}`;
        };
        console.log(
          `\n-- the agent page of ${ap.agent} (${ap.total} quests, ${ap.first.length} a page; ${rounds} rounds): app = address set (the agent catalog\n` +
            '   shown first) or Show more clicked → its first rows painted, and (whole) → all of them; raw (a) = the page\'s plain statement (a\n' +
            `   pass over every quest), raw (b) = the same page through the page's layer, built in raw sql.js in ${ms(raw.agent.build)}; goals as\n` +
            '   pages (issue 15), for the first rows; each step also started at a random point of a frame (a step follows its\n' +
            '   preparation\'s animation frame by ~2 ms: ~14 ms before the next frame, where a person\'s input comes at any point) --',
        );
        console.log(
          `  first visit (after the layer, built in steps at open in ${ms(agentPage.build)}, flagdeck:quest-members): app ${ms(agentPage.first)} to its first rows`,
        );
        console.log(
          `  ${'page from its address'.padEnd(22)} app ${spread(agentPage.visit).padStart(16)}  raw (a) ${spread(raw.agent.plain[0]).padStart(16)}  ` +
            `raw (b) ${spread(raw.agent.layer[0]).padStart(16)} — ${goal(agentPage.visit)}`,
        );
        console.log(
          `  ${'Show more'.padEnd(22)} app ${spread(agentPage.more).padStart(16)}  raw (a) ${spread(raw.agent.plain[1]).padStart(16)}  ` +
            `raw (b) ${spread(raw.agent.layer[1]).padStart(16)} — ${goal(agentPage.more)}`,
        );
        console.log(`  ${'page, random point'.padEnd(22)} app ${spread(agentPage.visitRandom).padStart(16)} — ${goal(agentPage.visitRandom)}`);
        console.log(`  ${'Show more, random'.padEnd(22)} app ${spread(agentPage.moreRandom).padStart(16)} — ${goal(agentPage.moreRandom)}`);
        console.log(
          `  ${'page, catalog click'.padEnd(22)} app ${spread(agentPage.click).padStart(16)} — ${goal(agentPage.click)} ` +
            `(a click on its catalog row, the pointer resting ${POINTER_REST_MS} ms first; frames to the first rows ${framesLine(agentPage.clickFrames)})`,
        );
        console.log(
          `  animation frames from the step to its first rows painted (1: the first frame after it; fixed and random points): ` +
            `page ${framesLine(agentPage.visitFrames)}; Show more ${framesLine(agentPage.moreFrames)}`,
        );
        console.log(`  ${'page, whole'.padEnd(22)} app ${spread(agentPage.visitWhole).padStart(16)}`);
        console.log(`  ${'Show more, whole'.padEnd(22)} app ${spread(agentPage.moreWhole).padStart(16)}`);
        console.log(`  rows = native: ${agentPage.disagree.length ? `NO (${agentPage.disagree[0]})` : 'yes'}`);
      } else {
        console.log('\nthe agent page: NOT measured');
      }
    }
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
    console.log('speed goals are printed, never asserted.');
  } finally {
    await browser.close();
    await server.close();
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.sizes) sizes(opts.dist);
if (opts.cases.length) await timings(opts.dist, opts.cases, opts.runs);
if (opts.search) await searchBench(opts.dist, opts.search.db, opts.search.json);
if (opts.flags) await flagsBench(opts.dist, opts.flags.db, opts.flags.json, opts.rounds);
if (opts.quests) await questsBench(opts.dist, opts.quests, opts.runs, opts.rounds);
