// Benchmark figures for `cargo xtask bench` (prints, never asserts):
//   1. sizes of the built app: raw, gzip (level 9) and brotli (quality 11) per file in dist/,
//      the app's own wasm, and the whole first load (every file trunk put in dist/: page, app
//      js + wasm, css, the sql.js worker and its wasm);
//   2. open → summary shown, in headless Chromium, for each generated database: the app (from
//      its performance marks `flagdeck:open-start` → `flagdeck:summary-shown`) next to raw
//      sql.js in the same page (a warmed-up `new Worker(worker.sql-wasm.js)` from dist/; timed
//      from asking the File for its bytes through `open` and `exec` of the same count SQL the
//      app runs). Median of 3 runs each.
//
// usage: node tests/e2e/bench.mjs --dist DIR [--runs 3] --case LABEL=DB_FILE,SQL_FILE ...

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
  const opts = { dist: null, runs: 3, cases: [] };
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
    } else throw new Error(`unknown argument ${a}`);
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
  const total = { raw: sum(rows, 'raw'), gzip: sum(rows, 'gzip'), brotli: sum(rows, 'brotli') };
  console.log(
    `first load (all ${rows.length} files of dist/): raw ${kb(total.raw)}, gzip ${kb(total.gzip)}, brotli ${kb(total.brotli)}` +
      ` — goal ≤ ${kb(FIRST_LOAD_GOAL)} brotli: ${total.brotli <= FIRST_LOAD_GOAL ? 'met' : 'NOT met'}`,
  );
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

const opts = parseArgs(process.argv.slice(2));
sizes(opts.dist);
if (opts.cases.length) await timings(opts.dist, opts.cases, opts.runs);
