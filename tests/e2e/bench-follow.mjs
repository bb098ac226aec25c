// Follow-mode benchmark for `cargo xtask bench` (prints, never asserts): a generated database
// (100k flags) is held open by a real SQLite writer in WAL mode (`xtask wal-writer`), opened in
// the app through the stand-in project folder (helpers.mjs FAKE_FOLDER; the main file is loaded
// into it once, from the test server), and followed. Each step the writer adds a flag and the
// page's folder gets the new -wal; the app re-reads the pair. Printed: the app's measure of one
// re-read (`flagdeck:follow-reread`: files read, WAL applied, opened in a fresh worker and
// checked, snapshot and diff, swapped in) next to a plain open of the same pair, and the memory
// of every Chromium process after 5 and after N re-reads (goal: no growth per re-read).
//
// usage: node tests/e2e/bench-follow.mjs --dist DIR --db FILE --xtask BIN [--rereads 50]

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, FAKE_FOLDER, setFollowInterval, startWalWriter } from './helpers.mjs';
import { startServer } from './server.mjs';

const LONG = 600_000;
/** Memory growth per re-read that still counts as none (allocator noise), in MB. */
const GOAL_GROWTH_MB = 1;

function parseArgs(argv) {
  const opts = { rereads: 50 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--dist') opts.dist = v;
    else if (k === '--db') opts.db = v;
    else if (k === '--xtask') opts.xtask = v;
    else if (k === '--rereads') opts.rereads = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!opts.dist || !opts.db || !opts.xtask) throw new Error('--dist, --db and --xtask are required');
  return opts;
}

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
};
const ms = (x) => `${x.toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Resident memory of every Chromium process (browser, renderer, GPU, utility), in bytes. */
function chromiumRss() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = status.match(/^Name:\s+(.*)$/m)?.[1] ?? '';
      if (!/chrom/i.test(name)) continue;
      total += Number(status.match(/^VmRSS:\s+(\d+) kB$/m)?.[1] ?? 0) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Puts `url`'s bytes into the stand-in folder as `name`, with a later modification time. */
const load = (page, name, url) =>
  page.evaluate(
    async ([name, url]) => {
      const blob = await (await fetch(url, { cache: 'no-store' })).blob();
      window.__fs.clock += 1000;
      window.__fs.files[name] = new File([blob], name, { lastModified: window.__fs.clock });
    },
    [name, url],
  );

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = path.join(path.dirname(opts.db), 'follow');
  const writer = await startWalWriter({ bin: opts.xtask, from: opts.db, dir });
  const { database } = writer;
  const served = path.basename(database);
  const server = await startServer({ dist: opts.dist, mounts: { disk: dir } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    await writer.run('add 1');
    const size = statSync(database).size;
    console.log(`\n== Follow mode (${path.basename(opts.db)}, ${mb(size)}, ${opts.rereads} re-reads) ==`);
    const context = await browser.newContext();
    await context.addInitScript(FAKE_FOLDER);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:working-copy-checked').length > 0, null, {
      timeout: 60_000,
    });
    let version = 0;
    await load(page, 'project.db', `${server.url}/disk/${served}`);
    await load(page, 'project.db-wal', `${server.url}/disk/${served}-wal?v=${version++}`);
    await page.locator('[data-testid="open-folder"]').click();
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:summary-shown', 'mark').length > 0, null, {
      timeout: LONG,
    });
    const plainOpen = await page.evaluate(() => {
      const start = performance.getEntriesByName('flagdeck:open-start', 'mark').at(-1).startTime;
      return performance.getEntriesByName('flagdeck:summary-shown', 'mark').at(-1).startTime - start;
    });
    await setFollowInterval(page, 0.5);
    await page.locator('[data-testid="follow"]').check();
    const cdp = await context.newCDPSession(page);
    // Workers of the page, as the browser lists them: a sample is taken once the workers of
    // earlier reads have ended (terminated, their memory returned), so it measures what stays.
    const targets = await browser.newBrowserCDPSession();
    await targets.send('Target.setDiscoverTargets', { discover: true });
    const workers = async () => (await targets.send('Target.getTargets')).targetInfos.filter((t) => t.type === 'worker').length;
    const steadyWorkers = await workers();
    const sample = async () => {
      for (let tries = 0; (await workers()) > steadyWorkers && tries < 200; tries++) {
        await new Promise((ok) => setTimeout(ok, 50));
      }
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return { rss: chromiumRss(), heap: metrics.find((m) => m.name === 'JSHeapUsedSize').value };
    };
    await cdp.send('Performance.enable');
    const samples = {};
    for (let i = 1; i <= opts.rereads; i++) {
      await writer.run('add 1');
      await load(page, 'project.db-wal', `${server.url}/disk/${served}-wal?v=${version++}`);
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="follow-status"]')?.dataset.reads) >= n,
        i,
        { timeout: LONG },
      );
      if (i % 5 === 0) samples[i] = await sample();
    }
    const times = await page.evaluate(() =>
      performance.getEntriesByName('flagdeck:follow-reread', 'measure').map((e) => e.duration),
    );
    // Least-squares slope of RSS over the re-reads sampled (every 5th): the growth per re-read,
    // which single samples hide under the browser's own reclaiming.
    const points = Object.entries(samples).map(([i, s]) => [Number(i), s.rss / 1e6]);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [mx, my] = [mean(points.map((p) => p[0])), mean(points.map((p) => p[1]))];
    const perReread =
      points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    const first = samples[5];
    const last = samples[opts.rereads];
    console.log(
      `one re-read (files read, WAL applied, opened and checked in a fresh worker, diff, swap): median ${ms(
        percentile(times, 0.5),
      )}, p95 ${ms(percentile(times, 0.95))}, max ${ms(Math.max(...times))} over ${times.length} ` +
        `(a plain open of the same pair, open → summary: ${ms(plainOpen)})`,
    );
    console.log(
      `memory of all Chromium processes (RSS, after GC), every 5 re-reads: ` +
        `${points.map(([, y]) => y.toFixed(0)).join(', ')} MB; trend ${perReread >= 0 ? '+' : ''}${perReread.toFixed(2)} ` +
        `MB per re-read (goal: no growth, ≤ ${GOAL_GROWTH_MB} MB per re-read: ${perReread <= GOAL_GROWTH_MB ? 'met' : 'NOT met'}; ` +
        `the file is ${mb(size)})`,
    );
    console.log(`  the page's JS heap: ${mb(first.heap)} after 5, ${mb(last.heap)} after ${opts.rereads}; workers alive: ${steadyWorkers} (the open database's and the spare)`);
    await context.close();
  } finally {
    writer.stop();
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
