// CSV and JSON export of the current flag filter: every column of every kept flag in the list's
// order, and formula-looking text neutralised in CSV (OWASP CSV injection) but kept as it is in
// JSON.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { V1, openWith, skipWithoutFixtures, useSuite, xtask } from './helpers.mjs';

const env = useSuite('flag-export', { before, after });

async function download(page, testid, dest) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid="${testid}"]`).click()]);
  await d.saveAs(dest);
  return { name: d.suggestedFilename(), text: readFileSync(dest, 'utf8') };
}

test('the filtered flags export as CSV with formulas neutralised, and as JSON as stored', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const hostile = path.join(env.out, 'hostile.db');
  const formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
  xtask([
    'exec-sql', '--from', V1, '--out', hostile,
    "DROP TRIGGER validate_flag_quality_update; " +
      `UPDATE flags SET notes = '${formula.replaceAll("'", "''")}', code_location = '@SUM(A1)', related_files = '-2+3' WHERE id = 203`,
  ]);
  const app = await openWith(env, hostile, '300');
  try {
    const { page } = app;
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
    // The default filter: pending flags in the tool's order (139 rows).
    const csv = await download(page, 'export-csv', path.join(env.out, 'pending.csv'));
    assert.equal(csv.name, 'hostile-flags.csv');
    const lines = csv.text.trimEnd().split('\r\n');
    assert.match(lines[0], /^id,chain_origin_id,session_id,flag_type,source_agent,target_agent,/);
    const order = JSON.parse(
      xtask([
        'query',
        hostile,
        "SELECT id FROM flags WHERE status = 'pending' ORDER BY CASE impact_level WHEN 'critical' THEN 1 " +
          "WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END, created_at, id",
      ]),
    ).rows.map((r) => r[0]);
    assert.equal(order.length, 139);
    assert.ok(lines.length > order.length, 'a header and every kept flag (texts may span lines)');
    assert.ok(lines[1].startsWith(`${order[0]},`), 'the tool order');
    assert.ok(csv.text.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), 'the formula is neutralised and quoted');
    assert.ok(csv.text.includes(",'@SUM(A1),") && csv.text.includes(",'-2+3,"), 'every dangerous first character');
    assert.ok(!/,=|,\+|,@/.test(csv.text.replaceAll(/"[^"]*"/g, '')), 'no unquoted cell starts a formula');

    const json = await download(page, 'export-json', path.join(env.out, 'pending.json'));
    const rows = JSON.parse(json.text);
    assert.deepEqual(rows.map((r) => r.id), order, 'every kept flag in the list order');
    const flag = rows.find((r) => r.id === 203);
    assert.equal(flag.notes, formula, 'JSON keeps the text exactly');
    assert.equal(flag.code_location, '@SUM(A1)');
    assert.equal(typeof flag.locked, 'number');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
