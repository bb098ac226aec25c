// Dashboard benchmark for `cargo xtask bench` (prints, never asserts):
//   the app: a generated database is opened, the dashboard shown, and the app's own measure
//   `flagdeck:dashboard` read (settings applied → every aggregate back from the worker, derived
//   and painted); the dashboard is shown again (summary → dashboard) for each further run, with a
//   long-task observer on the UI thread.
//   raw sql.js: the very statements the app runs (recorded natively by
//   `cargo xtask dashboard-bench`, which also times them on rusqlite) through a warmed
//   `new Worker(worker.sql-wasm.js)` holding the same bytes, one after another.
//
// usage: node tests/e2e/bench-dashboard.mjs --dist DIR --db FILE --json NATIVE_JSON [--runs 3]

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './helpers.mjs';
import { startServer } from './server.mjs';

const APP_GOAL = 1.2;
const NATIVE_GOAL = 2.5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function parseArgs(argv) {
  const opts = { runs: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--dist') opts.dist = v;
    else if (k === '--db') opts.db = v;
    else if (k === '--json') opts.json = v;
    else if (k === '--runs') opts.runs = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!opts.dist || !opts.db || !opts.json) throw new Error('--dist, --db and --json are required');
  return opts;
}

async function appRuns(page, db, runs) {
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
      type: 'longtask',
      buffered: true,
    });
  });
  await page.locator('[data-testid="open-file"]').setInputFiles(db);
  await page.waitForFunction(() => performance.getEntriesByName('flagdeck:summary-shown', 'mark').length > 0, null, {
    timeout: 600_000,
  });
  const out = [];
  for (let run = 1; run <= runs; run++) {
    await page.evaluate(() => {
      performance.clearMeasures('flagdeck:dashboard');
      window.__longTasks = [];
    });
    await page.locator('[data-testid="nav-dashboard"]').click();
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:dashboard', 'measure').length > 0, null, {
      timeout: 600_000,
      polling: 100,
    });
    const r = await page.evaluate(() => ({
      ms: performance.getEntriesByName('flagdeck:dashboard', 'measure')[0].duration,
      calls: document.querySelector('[data-testid="kpi-tool-calls"]')?.dataset.value,
      longTasks: window.__longTasks.filter((d) => d > 50),
    }));
    out.push(r);
    console.log(
      `  app run ${run}: ${r.ms.toFixed(0)} ms (tool calls shown: ${r.calls}); UI-thread tasks over 50 ms: ` +
        `${r.longTasks.length}${r.longTasks.length ? `, longest ${Math.max(...r.longTasks).toFixed(0)} ms` : ''}`,
    );
    await page.locator('[data-testid="nav-summary"]').click();
  }
  return out;
}

async function rawRuns(page, db, workerUrl, statements, runs) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-raw-input';
    document.body.append(input);
  });
  await page.locator('#bench-raw-input').setInputFiles(db);
  return page.evaluate(
    async ({ workerUrl, statements, runs }) => {
      const worker = new Worker(workerUrl);
      let next = 1;
      const call = (msg, transfer = []) =>
        new Promise((resolve, reject) => {
          worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
          worker.onerror = (e) => reject(new Error(e.message));
          worker.postMessage({ id: next++, ...msg }, transfer);
        });
      const buffer = await document.getElementById('bench-raw-input').files[0].arrayBuffer();
      await call({ action: 'open', buffer }, [buffer]);
      const times = [];
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        for (const s of statements) await call({ action: 'exec', sql: s.sql, params: s.params });
        times.push(performance.now() - t0);
      }
      worker.terminate();
      return times;
    },
    { workerUrl, statements, runs },
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const native = JSON.parse(readFileSync(opts.json, 'utf8'));
  const worker = readdirSync(opts.dist).find((f) => f === 'worker.sql-wasm.js');
  if (!worker) throw new Error('dist/ has no worker.sql-wasm.js');
  const server = await startServer({ dist: opts.dist });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    console.log(`\n== Dashboard (${path.basename(opts.db)}, ${native.statements.length} statements) ==`);
    const appContext = await browser.newContext();
    const page = await appContext.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(1000);
    const app = await appRuns(page, opts.db, opts.runs);
    await appContext.close();

    const rawContext = await browser.newContext();
    const rawPage = await rawContext.newPage();
    await rawPage.goto(`${server.url}/`);
    const raw = await rawRuns(rawPage, opts.db, `/${worker}`, native.statements, opts.runs);
    await rawContext.close();
    console.log(`  raw sql.js runs: ${raw.map((t) => t.toFixed(0)).join(', ')} ms`);

    const a = median(app.map((r) => r.ms));
    const r = median(raw);
    const n = native.native_dashboard_ms;
    const tasks = app.flatMap((x) => x.longTasks);
    console.log(
      `dashboard compute: app median ${a.toFixed(0)} ms; raw sql.js (same SQL) ${r.toFixed(0)} ms → ${(a / r).toFixed(2)}× ` +
        `(goal ≤ ${APP_GOAL}×: ${a / r <= APP_GOAL ? 'met' : 'NOT met'}); native rusqlite ${n.toFixed(0)} ms ` +
        `(statements alone ${native.native_sql_ms.toFixed(0)} ms) → ${(a / n).toFixed(2)}× (goal ≤ ${NATIVE_GOAL}×: ` +
        `${a / n <= NATIVE_GOAL ? 'met' : 'NOT met'}); UI-thread tasks over 50 ms during the runs: ${tasks.length}` +
        (tasks.length ? ` (longest ${Math.max(...tasks).toFixed(0)} ms)` : ''),
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
