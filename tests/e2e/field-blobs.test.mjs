// BLOB values in text columns (issue 12, item 2) and the CSV for spreadsheets (item 7), on the
// field file ../shared/field-cases/blob-values-in-text-columns.db: flag 38's change_description
// and context are UTF-8 text stored as BLOB, its notes binary bytes, and @backend.api's tags JSON
// text stored as BLOB. Every expectation comes from plain SQL on the same file (`cargo xtask
// query`) or from the tool's captured search output.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { FIXTURES, assertExportMatchesSql, openWith, sqlValue, useSuite, xtask } from './helpers.mjs';

const FIELD = path.resolve(FIXTURES, '..', 'field-cases');
const FILE = path.join(FIELD, 'blob-values-in-text-columns.db');
const FLAG = 38;

const env = useSuite('field-blobs', { before, after });

function skipWithoutField(t) {
  if (existsSync(FILE)) return false;
  t.skip('NOTE: ../shared/field-cases absent');
  return true;
}

/** Flag 38's column as plain SQL reads it (`expr` over the column). */
const stored = (file, expr) => sqlValue(file, `SELECT ${expr} FROM flags WHERE id = ${FLAG}`);

/** The shown value of a detail field whose name carries the BLOB mark, and the mark's text. */
const markedField = (page, column) =>
  page.evaluate((column) => {
    const mark = document.querySelector(`[data-testid="flag-detail"] [data-testid="blob-note"][data-column="${column}"]`);
    return mark ? { mark: mark.textContent, value: mark.parentElement.nextElementSibling.textContent } : null;
  }, column);

async function download(page, testid, dest) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid="${testid}"]`).click()]);
  await d.saveAs(dest);
  return { name: d.suggestedFilename(), bytes: readFileSync(dest) };
}

async function openFlag(page) {
  await page.evaluate((id) => (location.hash = `#flag/${id}`), FLAG);
  await page.locator(`[data-testid="flag-detail"][data-flag-id="${FLAG}"] [data-testid="flag-edit"]`).waitFor({ timeout: 10_000 });
}

test('flag 38 shows its BLOB texts marked as stored as BLOB and its binary notes as hex with their size', async (t) => {
  if (skipWithoutField(t)) return;
  const app = await openWith(env, FILE, '300');
  try {
    const { page } = app;
    await openFlag(page);
    const change = await markedField(page, 'change_description');
    assert.ok(change, 'change_description carries the BLOB mark');
    assert.equal(change.value, stored(FILE, 'CAST(change_description AS TEXT)'));
    assert.match(change.mark, /stored as BLOB/);
    const context = await markedField(page, 'context');
    assert.deepEqual(JSON.parse(context.value), JSON.parse(stored(FILE, 'CAST(context AS TEXT)')), 'the context JSON');
    assert.match(context.mark, /stored as BLOB/);
    const notes = await markedField(page, 'notes');
    const size = stored(FILE, 'length(notes)');
    assert.equal(notes.value, `x'${stored(FILE, 'lower(hex(notes))')}' (${size} bytes)`);
    assert.match(notes.mark, new RegExp(`binary BLOB, ${size} bytes, shown as hex`));
    // The marks sit under the field names without squeezing the values: every value keeps most
    // of the panel (a long mark once widened the name column and left the values 0 px).
    const widths = await page.evaluate(() => {
      const panel = document.querySelector('[data-testid="flag-detail"] dl.fields');
      const names = [...panel.querySelectorAll('dt')].map((d) => d.getBoundingClientRect().width);
      const values = [...panel.querySelectorAll('dd')].map((d) => d.getBoundingClientRect().width);
      return { panel: panel.getBoundingClientRect().width, name: Math.max(...names), value: Math.min(...values) };
    });
    assert.ok(widths.value >= widths.panel / 2, `values ${widths.value} px of a ${widths.panel} px panel`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('changing only code_location saves, and the export equals the same UPDATE by plain SQL, BLOBs kept', async (t) => {
  if (skipWithoutField(t)) return;
  const app = await openWith(env, FILE, '300');
  try {
    const { page } = app;
    await openFlag(page);
    await page.locator('[data-testid="flag-edit"]').click();
    await page.locator('[data-testid="flag-form"]').waitFor();
    for (const column of ['change_description', 'context', 'notes']) {
      assert.equal(
        await page.locator(`[data-testid="form-blob-note"][data-column="${column}"]`).count(),
        1,
        `the form marks ${column} as a BLOB`,
      );
    }
    assert.equal(
      await page.locator('[data-testid="form-change"]').inputValue(),
      stored(FILE, 'CAST(change_description AS TEXT)'),
      'the form holds the text, not a placeholder',
    );
    const location = 'deploy/helm/api/values.yaml:42';
    await page.locator('[data-testid="form-location"]').fill(location);
    assert.deepEqual(await page.locator('[data-testid="flag-error"]').allTextContents(), [], 'nothing to object to');
    await page.locator('[data-testid="flag-save"]').click();
    await page.locator(`[data-testid="flag-detail"][data-flag-id="${FLAG}"] [data-testid="flag-edit"]`).waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      (location) => [...document.querySelectorAll('[data-testid="flag-detail"] code')].some((c) => c.textContent === location),
      location,
      { timeout: 10_000 },
    );
    const sql = `UPDATE flags SET code_location = '${location}' WHERE id = ${FLAG}`;
    // inspect-db digests hash each value's storage class with its bytes.
    await assertExportMatchesSql(page, env.out, 'blob-edit', FILE, sql);
    const exported = path.join(env.out, 'blob-edit.db');
    for (const column of ['change_description', 'context', 'notes']) {
      for (const expr of [`typeof(${column})`, `hex(${column})`]) {
        assert.equal(stored(exported, expr), stored(FILE, expr), `${expr} unchanged by the save`);
      }
    }
    assert.equal(stored(exported, 'code_location'), location);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('search reads the BLOB tags as JSON: @backend.api 2nd with 285, as the tool ranks it', async (t) => {
  if (skipWithoutField(t)) return;
  const expected = JSON.parse(
    readFileSync(path.join(FIXTURES, 'expected', 'search-agents-01-jwt-authentication-implementation.json'), 'utf8'),
  );
  const want = expected.results.map((r) => [r.name, r.score]);
  assert.deepEqual(want[1], ['@backend.api', 285], 'the field README and the captured output agree');
  assert.equal(sqlValue(FILE, "SELECT typeof(tags) FROM agents_catalog WHERE name = '@backend.api'"), 'blob');
  const app = await openWith(env, FILE, '300');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-agents"]').click();
    const input = page.locator('[data-testid="agent-search"]');
    await input.waitFor();
    await input.fill(expected.query);
    await page.waitForFunction(
      (want) => {
        const rows = [...document.querySelectorAll('[data-testid="agent-result"]')].map((r) => [
          r.getAttribute('data-agent'),
          Number(r.getAttribute('data-score')),
        ]);
        return JSON.stringify(rows) === JSON.stringify(want);
      },
      want,
      { timeout: 10_000 },
    ).catch(() => {});
    const got = await page.locator('[data-testid="agent-result"]').evaluateAll((rows) =>
      rows.map((r) => [r.getAttribute('data-agent'), Number(r.getAttribute('data-score'))]),
    );
    assert.deepEqual(got, want, 'the tool ranking, in order');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('CSV and JSON exports hold the BLOB texts and every byte of the binary one; the Excel CSV is the same after a BOM', async (t) => {
  if (skipWithoutField(t)) return;
  // Texts in four scripts and emoji next to flag 38's BLOBs (example_usage is no checked text).
  const intl = path.join(env.out, 'blob-intl.db');
  const words = 'Café crème · 東京タワー · مرحبا بالعالم · 🚀✨';
  xtask(['exec-sql', '--from', FILE, '--out', intl, `UPDATE flags SET example_usage = '${words}' WHERE id = ${FLAG}`]);
  const text = stored(intl, 'CAST(change_description AS TEXT)');
  const context = stored(intl, 'CAST(context AS TEXT)');
  const hex = stored(intl, 'lower(hex(notes))');
  const app = await openWith(env, intl, '300');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="export-csv"]').textContent(), 'Export CSV (UTF-8)');
    assert.equal(await page.locator('[data-testid="export-csv-bom"]').textContent(), 'Export CSV for Excel (UTF-8 with BOM)');

    const json = await download(page, 'export-json', path.join(env.out, 'blobs.json'));
    const flag = JSON.parse(json.bytes.toString('utf8')).find((r) => r.id === FLAG);
    assert.ok(flag, 'flag 38 is pending: in the default filter');
    assert.equal(flag.change_description, text);
    assert.equal(flag.context, context);
    assert.deepEqual(flag.notes, { $blob: hex }, 'every byte, in the documented shape');
    assert.equal(flag.example_usage, words);

    const plain = await download(page, 'export-csv', path.join(env.out, 'blobs.csv'));
    assert.equal(plain.name, 'blob-intl-flags.csv');
    const csv = plain.bytes.toString('utf8');
    const cell = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    assert.ok(csv.includes(cell(text)), 'the change_description text');
    assert.ok(csv.includes(cell(context)), 'the context text');
    assert.ok(csv.includes(`,x'${hex}'\r\n`), 'the notes (last column) as every byte in hex');
    assert.ok(csv.includes(words), 'accents, CJK, Arabic and emoji as UTF-8');
    assert.ok(!csv.includes(' bytes>'), 'no placeholder');
    assert.notDeepEqual([...plain.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the plain form has no BOM');

    const excel = await download(page, 'export-csv-bom', path.join(env.out, 'blobs-excel.csv'));
    assert.equal(excel.name, 'blob-intl-flags-excel.csv');
    assert.deepEqual([...excel.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 byte-order mark');
    assert.ok(excel.bytes.subarray(3).equals(plain.bytes), 'otherwise the same bytes as the plain CSV');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
