// Issue 12, item 1: flag ids above 2^53 (big-flag-ids.db) stay exact between the page and
// sql.js. Each flag shows its own row (compared with plain SQL), …995 opens from the list and from
// its address and names …993 as its chain origin, edits of the three land on their rows (the
// export equals the same edits made with plain SQL, also after the working copy is resumed), and
// the 30-digit number in …993's context is shown as stored.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FIXTURES,
  WAIT_MS,
  assertExportMatchesSql,
  pickFile,
  sqlValue,
  useSuite,
  waitForSummary,
  pageInContext,
} from './helpers.mjs';

const FIELD = path.resolve(FIXTURES, '..', 'field-cases');
const BIG = path.join(FIELD, 'big-flag-ids.db');

/** Skips with a visible NOTE when the field cases are not on this machine. */
function skipWithoutFieldCases(t) {
  if (existsSync(BIG)) return false;
  t.skip('NOTE: ../shared/field-cases absent');
  return true;
}

// Ids as text: a JavaScript number cannot hold them.
const A = '9007199254740992';
const B = '9007199254740993';
const C = '9007199254740995';

const env = useSuite('field-ids', { before, after });

/** A new page in `context` (sharing its storage) with the app loaded and its storage checked. */
const newPage = (context) => pageInContext(context, `${env.servers.app.url}/`);

const detailOf = (page, id) => page.locator(`[data-testid="flag-detail"][data-flag-id="${id}"]`);
const inDetail = (page, id, testid) => detailOf(page, id).locator(`[data-testid="${testid}"]`);

async function show(page, id) {
  await page.evaluate((id) => (location.hash = `#flag/${id}`), id);
  await detailOf(page, id).locator('h2').first().waitFor({ timeout: WAIT_MS });
}

/** The value shown next to a field name in flag `id`'s detail (null when absent). */
const field = (page, id, name) =>
  page.evaluate(
    ({ id, name }) => {
      const dts = document.querySelectorAll(`[data-testid="flag-detail"][data-flag-id="${id}"] dt`);
      return [...dts].find((d) => d.textContent === name)?.nextElementSibling?.textContent ?? null;
    },
    { id, name },
  );

/** One column of flag `id` by plain SQL, as text (NULL as ''). */
const stored = (id, column) => sqlValue(BIG, `SELECT IFNULL(CAST(${column} AS TEXT), '') FROM flags WHERE id = ${id}`);

async function changesList(page) {
  await page.locator('[data-testid="nav-summary"]').click();
  await page.locator('[data-testid="count-flags"]').waitFor({ timeout: WAIT_MS });
  return page.locator('[data-testid="changes"] li').allTextContents();
}

test('each big id shows its own flag, from its address and from the list; the chain names …993', async (t) => {
  if (skipWithoutFieldCases(t)) return;
  const context = await env.browser.newContext();
  try {
    const page = await newPage(context);
    await pickFile(page, BIG);
    await waitForSummary(page, { fileName: 'big-flag-ids.db', flags: '303' });

    for (const id of [A, B, C]) {
      await show(page, id);
      for (const column of ['change_description', 'action_required', 'source_agent', 'created_at']) {
        assert.equal(await field(page, id, column), stored(id, column), `flag ${id}: ${column}`);
      }
    }

    // The context of …993 holds a 30-digit number: shown with every digit, as stored.
    await show(page, B);
    const context993 = await field(page, B, 'context');
    const squeeze = (s) => s.replace(/\s+/g, '');
    assert.equal(squeeze(context993), squeeze(stored(B, 'context')));
    assert.ok(context993.includes('123456789012345678901234567890'), context993);

    // …995 from the list: found by its text, opened by a click.
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="flag-text"]').fill('[flag C, follow-up');
    await page.locator('[data-testid="flag-text"]').press('Enter');
    const row = page.locator(`[data-testid="flag-row"][data-flag-id="${C}"]`);
    await row.waitFor({ timeout: WAIT_MS });
    await row.click();
    await detailOf(page, C).locator('h2').first().waitFor({ timeout: WAIT_MS });
    assert.equal(await field(page, C, 'change_description'), stored(C, 'change_description'));
    const chain = await detailOf(page, C)
      .locator('[data-testid="flag-chain"] li')
      .evaluateAll((items) => items.map((li) => li.dataset.flagId));
    assert.deepEqual(chain, [B, C], 'the origin …993 first, then …995');
    assert.equal(stored(C, 'chain_origin_id'), B);
    page.assertHealthy();
  } finally {
    await context.close();
  }
});

test('lock, edit and complete the three big flags: the export and the resumed working copy equal plain SQL', async (t) => {
  if (skipWithoutFieldCases(t)) return;
  const context = await env.browser.newContext({ acceptDownloads: true });
  try {
    let page = await newPage(context);
    await pickFile(page, BIG);
    await waitForSummary(page, { fileName: 'big-flag-ids.db', flags: '303' });
    await page.locator('[data-testid="working-copy"][data-state="saved"]').waitFor({ timeout: WAIT_MS });

    // Lock …993.
    await show(page, B);
    await inDetail(page, B, 'flag-lock').click();
    await inDetail(page, B, 'flag-unlock').waitFor({ timeout: WAIT_MS });

    // Edit a field of …992 (its notes) through the edit form.
    await show(page, A);
    await inDetail(page, A, 'flag-edit').click();
    const form = page.locator('[data-testid="flag-form"]');
    await form.waitFor({ timeout: WAIT_MS });
    assert.equal(await form.getAttribute('data-editing'), A, 'the form edits …992');
    const notes = 'Checked on the 2^53 flag: the key rename is done.';
    await page.locator('[data-testid="form-notes"]').fill(notes);
    await page.locator('[data-testid="flag-save"]').click();
    await page.waitForFunction(
      ({ id, notes }) =>
        document.querySelector(`[data-testid="flag-detail"][data-flag-id="${id}"]`)?.textContent.includes(notes),
      { id: A, notes },
      { timeout: WAIT_MS },
    );

    // Complete …995.
    await show(page, C);
    await inDetail(page, C, 'complete-by').fill('backend.api');
    await inDetail(page, C, 'flag-complete').click();
    await inDetail(page, C, 'flag-reopen').waitFor({ timeout: WAIT_MS });
    const completedAt = await field(page, C, 'completed_at');
    assert.match(completedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d$/);

    const changes = await changesList(page);
    assert.equal(changes.length, 3, `three changes: ${changes}`);
    for (const [i, id] of [B, A, C].entries()) {
      assert.ok(changes[i].startsWith(`#${id} `), `change ${i + 1} names flag ${id}: ${changes[i]}`);
    }

    const sql = `UPDATE flags SET locked = 1 WHERE id = ${B};
       UPDATE flags SET notes = '${notes}' WHERE id = ${A};
       UPDATE flags SET status = 'completed', completed_at = '${completedAt}', completed_by = 'backend.api' WHERE id = ${C};`;
    await assertExportMatchesSql(page, env.out, 'big-ids-edited', BIG, sql);

    // The working copy: a new visit resumes the three changes onto the right rows.
    await page.locator('[data-testid="working-copy"][data-state="saved"]').waitFor({ timeout: WAIT_MS });
    page.assertHealthy();
    await page.close({ runBeforeUnload: false });
    page = await newPage(context);
    await page.locator('[data-testid="resume-session"]').waitFor({ timeout: WAIT_MS });
    await page.locator('[data-testid="resume-session-resume"]').click();
    await waitForSummary(page, { fileName: 'big-flag-ids.db', flags: '303' });
    assert.deepEqual(await changesList(page), changes, 'the Changes list, change for change');
    await show(page, B);
    await inDetail(page, B, 'flag-unlock').waitFor({ timeout: WAIT_MS });
    await show(page, C);
    assert.equal(await field(page, C, 'status'), 'completed');
    await assertExportMatchesSql(page, env.out, 'big-ids-resumed', BIG, sql);
    page.assertHealthy();
  } finally {
    await context.close();
  }
});
