import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers.mjs';
import { startServer } from './server.mjs';
const server = await startServer({ dist: 'dist' });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const page = await browser.newPage();
await page.goto(`${server.url}/`);
await page.locator('[data-testid="open-file"]').waitFor({ state: 'attached' });
await page.waitForTimeout(500);
await page.evaluate(() => { window.__lt = []; new PerformanceObserver((l) => window.__lt.push(...l.getEntries().map(e => [e.startTime, e.duration]))).observe({ type: 'longtask' }); });
await page.locator('[data-testid="open-file"]').setInputFiles(process.argv[2]);
await page.waitForFunction(() => performance.getEntriesByName('flagdeck:summary-shown', 'mark').length > 0, null, { timeout: 600000 });
const t0 = await page.evaluate(() => performance.now());
await page.locator('[data-testid="nav-dashboard"]').click();
await page.waitForFunction(() => performance.getEntriesByName('flagdeck:dashboard', 'measure').length > 0, null, { timeout: 600000 });
const r = await page.evaluate(() => ({
  marks: performance.getEntriesByType('mark').map(m => `${m.name} ${m.startTime.toFixed(0)}`),
  measures: performance.getEntriesByType('measure').map(m => `${m.name} ${m.startTime.toFixed(0)}+${m.duration.toFixed(0)}`),
  lt: window.__lt.map(([s, d]) => `${s.toFixed(0)}+${d.toFixed(0)}`),
}));
console.log('click at', t0.toFixed(0)); console.log(r.marks.join('\n')); console.log(r.measures.join('\n')); console.log('long tasks', r.lt.join(' '));
await browser.close(); await server.close();
