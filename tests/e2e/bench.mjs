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
  await page.locator('[data-testid="open-file"]').setInputFiles(db);
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:summary-shown', 'mark').length > 0, null, {
    timeout: 300_000,
    polling: 50,
  });
  return page.evaluate(() => {
    const last = (n) => performance.getEntriesByName(n, 'mark').at(-1)?.startTime;
    const start = last('flagdeck:open-start');
    const shown = last('flagdeck:summary-shown');
    return {
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
      const openAndCount = async (call) => {
        const buffer = await file.arrayBuffer();
        await call({ id: 1, action: 'open', buffer }, [buffer]);
        const result = await call({ id: 2, action: 'exec', sql });
        return String(result.results?.[0]?.values?.[0]?.[0]);
      };
      // Cold: the worker (and its wasm) starts after the pick, inside the timed span.
      let t0 = performance.now();
      const coldWorker = new Worker(workerUrl);
      const coldFlags = await openAndCount(start(coldWorker));
      const cold = performance.now() - t0;
      coldWorker.terminate();
      // Warm: the worker has loaded sql-wasm.wasm before the clock starts.
      const warmWorker = new Worker(workerUrl);
      const call = start(warmWorker);
      await call({ id: 0, action: 'exec', sql: 'SELECT 1' });
      t0 = performance.now();
      const flags = await openAndCount(call);
      const ms = performance.now() - t0;
      warmWorker.terminate();
      document.getElementById('bench-raw-input').remove();
      return { ms, cold, flags, coldFlags };
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
      for (let run = 1; run <= runs; run++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        try {
          await page.goto(`${server.url}/`);
          await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
          const a = await appOpen(page, c.db);
          const r = await rawOpen(page, c.db, `/${workerRel.split(path.sep).join('/')}`, sql);
          console.log(
            `  ${c.label} run ${run}: app ${a.ms?.toFixed(0)} ms (count-flags ${a.flags}); raw sql.js warm ${r.ms.toFixed(0)} ms, ` +
              `cold ${r.cold.toFixed(0)} ms (flags ${r.flags}/${r.coldFlags})` +
              (errors.length ? ` — page errors: ${errors.join('; ')}` : ''),
          );
          if (a.ms !== null) app.push(a.ms);
          raw.push(r.ms);
          cold.push(r.cold);
        } catch (e) {
          console.log(`  ${c.label} run ${run}: FAILED: ${e.message.split('\n')[0]}`);
        } finally {
          await context.close();
        }
      }
      results.push({ label: c.label, mb, app, raw, cold });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`\n== Open → summary shown (median of ${runs}; headless Chromium) ==`);
  const ms = (x) => (x === null ? 'n/a' : `${x.toFixed(0)} ms`);
  const times = (x) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  console.log(
    `${'database'.padEnd(22)} ${'app'.padStart(9)} ${'raw warm'.padStart(9)} ${'ratio'.padStart(6)}  ` +
      `${'raw cold'.padStart(9)} ${'ratio'.padStart(6)}  goal (app ÷ raw warm)`,
  );
  for (const r of results) {
    const a = r.app.length ? median(r.app) : null;
    const w = r.raw.length ? median(r.raw) : null;
    const c = r.cold.length ? median(r.cold) : null;
    const ratio = a !== null && w ? a / w : null;
    const coldRatio = a !== null && c ? a / c : null;
    const verdict = ratio === null ? 'n/a' : ratio <= RATIO_GOAL ? 'met' : 'NOT met';
    console.log(
      `${`${r.label} flags (${r.mb} MB)`.padEnd(22)} ${ms(a).padStart(9)} ${ms(w).padStart(9)} ${times(ratio).padStart(6)}  ` +
        `${ms(c).padStart(9)} ${times(coldRatio).padStart(6)}  ≤ ${RATIO_GOAL}× ${verdict}`,
    );
  }
  console.log(
    'raw sql.js: timed from file.arrayBuffer() through open and the count SQL; "warm" loaded its worker and\n' +
      'wasm before the clock started, "cold" starts the worker inside the timed span (as an app that\n' +
      'creates its worker when a file is picked does). The app is timed from its open-start mark.',
  );
}

const opts = parseArgs(process.argv.slice(2));
sizes(opts.dist);
if (opts.cases.length) await timings(opts.dist, opts.cases, opts.runs);
