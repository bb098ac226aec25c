// Changing flags: complete and lock from the detail panel, undo, the Changes list, and an
// export that holds exactly the expected change (checked natively: the same change made with
// plain SQL on a copy of the fixture gives identical digests for every table).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  V1,
  WAIT_MS,
  assertExportMatchesSql,
  openWith,
  skipWithoutFixtures,
  useSuite,
  xtask,
} from './helpers.mjs';

const env = useSuite('edits', { before, after });

/** The flags page with the New flag form open. */
async function newFlagForm(page) {
  await page.locator('[data-testid="nav-flags"]').click();
  await page.locator('[data-testid="new-flag"]').click();
  await page.locator('[data-testid="flag-form"]').waitFor();
}

/** The value shown next to a field name in the flag detail. */
const field = (page, name) =>
  page.evaluate((name) => {
    const dt = [...document.querySelectorAll('[data-testid="flag-detail"] dt')].find((d) => d.textContent === name);
    return dt?.nextElementSibling?.textContent ?? null;
  }, name);

test('complete, lock, undo the lock, export: only the completion is in the file', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="complete-by"]').fill('backend.api');
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    assert.equal(await field(page, 'status'), 'completed');
    const completedAt = await field(page, 'completed_at');
    assert.match(completedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d$/, 'completed_at in the tool format');
    assert.equal(await field(page, 'completed_by'), 'backend.api', 'no @ added, as complete-flag does');

    await page.locator('[data-testid="flag-lock"]').click();
    await page.locator('[data-testid="flag-unlock"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="undo"]').click();
    await page.locator('[data-testid="flag-lock"]').waitFor({ timeout: 10_000 });

    await page.locator('[data-testid="nav-summary"]').click();
    await page.locator('[data-testid="changes"]').waitFor();
    assert.equal(await page.locator('[data-testid="changes"] li').count(), 1, 'one change remains after the undo');
    assert.equal((await page.locator('[data-testid="count-pending"]').textContent()).trim(), '138');

    await assertExportMatchesSql(
      page,
      env.out,
      'edited',
      V1,
      `UPDATE flags SET status = 'completed', completed_at = '${completedAt}', completed_by = 'backend.api' WHERE id = 203`,
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a new flag breaks each rule of the tool in turn, then saves and undoes', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await newFlagForm(page);
    const errors = () => page.locator('[data-testid="flag-error"]').allTextContents();
    const save = page.locator('[data-testid="flag-save"]');
    const has = async (re) => (await errors()).some((e) => re.test(e));

    assert.ok(await has(/^action_required must be at least 100/));
    assert.ok(await has(/^change_description must be at least 50/));
    assert.ok(await save.isDisabled());
    await page.locator('[data-testid="form-change"]').fill('Rotated the JWT signing key for the webhook checks; old tokens stop tonight.');
    await page.locator('[data-testid="form-action"]').fill(
      'Update every consumer in src/payments/webhooks/ to fetch the new JWKS from /.well-known/jwks.json and redeploy before 22:00.',
    );
    assert.deepEqual(await errors(), []);

    await page.locator('[data-testid="form-impact"]').selectOption('critical');
    assert.ok(await has(/^High\/critical impact flags must have specific target_agent/));
    assert.ok(await has(/^Critical flags must be breaking changes/));
    await page.locator('[data-testid="form-type"]').selectOption('security');
    await page.locator('[data-testid="form-impact"]').selectOption('low');
    assert.ok(await has(/^Breaking changes and security issues cannot have low impact/));
    await page.locator('[data-testid="form-impact"]').selectOption('high');
    await page.locator('[data-testid="form-target"]').fill('nobody.here');
    await page.locator('[data-testid="target-warning"]').waitFor();
    // The suggestion comes from the agent search on the change description.
    await page.locator('[data-testid="target-suggestion"]').first().click();
    await page.locator('[data-testid="form-source"]').fill('backend.api');
    assert.deepEqual(await errors(), []);
    assert.ok(!(await save.isDisabled()));

    await save.click();
    const detail = page.locator('[data-testid="flag-detail"][data-flag-id="301"]');
    await detail.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-detail"]')?.textContent.includes('@backend.api'));
    const text = await detail.textContent();
    assert.ok(text.includes('@service.auth'), 'the picked suggestion is the target');
    assert.ok(text.includes('@backend.api'), 'the source got its @ as the tool adds it');

    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-detail"]')?.textContent.includes('no flag #301'));
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a flag saved (new, then edited) as the person leaves for another page: the save ends there, not on the flag', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await newFlagForm(page);
    await page.locator('[data-testid="form-change"]').fill('Moved the webhook retry queue to its own Redis database; the old keys expire tonight.');
    await page.locator('[data-testid="form-action"]').fill(
      'Point every consumer in src/payments/webhooks/ at REDIS_RETRY_URL instead of REDIS_URL and redeploy them before the keys expire at 22:00.',
    );
    await page.locator('[data-testid="form-source"]').fill('backend.api');
    assert.equal(await page.locator('[data-testid="flag-save"]').isDisabled(), false);
    // Save, and in the same task the address goes to the summary (a tab, Back): the save's
    // statements answer later.
    await page.evaluate(() => {
      document.querySelector('[data-testid="flag-save"]').click();
      location.hash = '#summary';
    });
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:flag-saved', 'mark').length > 0, null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => location.hash), '#summary', 'the save took the person back to the new flag');
    assert.equal(await page.locator('[data-testid="flag-detail"]').count(), 0);

    // The same for an edit: saved from flag 203's form as the address goes to the agents page.
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-edit"]').click();
    await page.locator('[data-testid="flag-form"][data-editing="203"]').waitFor();
    await page.locator('[data-testid="form-notes"]').fill('Saved while leaving');
    await page.evaluate(() => {
      document.querySelector('[data-testid="flag-save"]').click();
      location.hash = '#agents';
    });
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:flag-saved', 'mark').length > 1, null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => location.hash), '#agents', 'the save took the person back to the edited flag');
    await page.locator('[data-testid="undo"]').click();
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="undo"]')?.disabled === true);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test("the summary's counts follow an undo and a redo made from the toolbar while it is shown", async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    await page.evaluate(() => (location.hash = '#flag/2'));
    await page.locator('[data-testid="flag-detail"][data-flag-id="2"] [data-testid="flag-lock"]').click();
    await page.locator('[data-testid="flag-detail"][data-flag-id="2"] [data-testid="flag-unlock"]').waitFor();
    await page.locator('[data-testid="nav-summary"]').click();
    const locked = page.locator('[data-testid="count-locked"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="count-locked"]')?.textContent.trim() === '31');
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="count-locked"]')?.textContent.trim() === '30', null, { timeout: WAIT_MS });
    await page.locator('[data-testid="redo"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="count-locked"]')?.textContent.trim() === '31', null, { timeout: WAIT_MS });
    assert.equal((await locked.textContent()).trim(), '31');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a follow-up joins the chain of its flag, naming the chain origin', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    // Flag 3 follows flag 1 (the fixture's first chain).
    await page.evaluate(() => (location.hash = '#flag/3'));
    await page.locator('[data-testid="flag-follow-up"]').click();
    await page.locator('[data-testid="flag-form"]').waitFor();
    assert.match(await page.locator('[data-testid="form-title"]').textContent(), /chain of flag #1\b/);
    await page.locator('[data-testid="form-change"]').fill('Answered the question about the migration order; the backfill runs first now.');
    await page.locator('[data-testid="form-action"]').fill(
      'Re-run scripts/backfill/orders.ts against staging, compare the row counts with the numbers in this flag and close the original when they match.',
    );
    await page.locator('[data-testid="form-target"]').fill('@database.postgres');
    await page.locator('[data-testid="flag-save"]').click();
    const chain = page.locator('[data-testid="flag-detail"][data-flag-id="301"] [data-testid="flag-chain"] li');
    await chain.first().waitFor({ timeout: 10_000 });
    const ids = await chain.evaluateAll((items) => items.map((li) => Number(li.dataset.flagId)));
    assert.equal(ids[0], 1, 'the origin stays first');
    assert.ok(ids.includes(3) && ids.includes(301), `chain ${ids}`);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a row older than the triggers: completing is refused in words, fixed and completed in one step', async (t) => {
  if (skipWithoutFixtures(t)) return;
  // A copy whose flag 203 has a too-short action_required, as files written before the
  // triggers existed have.
  const old = path.join(env.out, 'old-row.db');
  xtask([
    'exec-sql',
    '--from',
    V1,
    '--out',
    old,
    `DROP TRIGGER validate_flag_quality_update;
     UPDATE flags SET action_required = 'Rebuild the lockfile.' WHERE id = 203;
     CREATE TRIGGER validate_flag_quality_update BEFORE UPDATE ON flags BEGIN SELECT CASE
       WHEN LENGTH(NEW.action_required) < 100 THEN RAISE(ABORT, 'action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed.')
       WHEN LENGTH(NEW.change_description) < 50 THEN RAISE(ABORT, 'change_description must be at least 50 characters. Describe what changed and why.')
       WHEN NEW.target_agent IS NULL AND NEW.impact_level IN ('high', 'critical') THEN RAISE(ABORT, 'High/critical impact flags must have specific target_agent specified.')
     END; END;`,
  ]);
  const app = await openWith(env, old, '300');
  try {
    const { page } = app;
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="fix-box"]').waitFor({ timeout: 10_000 });
    const alert = await page.locator('[role="alert"]').allTextContents();
    assert.ok(alert.some((a) => a.includes('action_required must be at least 100')), `alert: ${alert}`);
    assert.equal(await page.locator('[data-testid="fix-text"]').inputValue(), 'Rebuild the lockfile.', 'the current text is kept');
    assert.ok(await page.locator('[data-testid="fix-and-apply"]').isDisabled());
    await page
      .locator('[data-testid="fix-text"]')
      .fill('Rebuild the lockfile of every service that bundles @tanstack/react-query and redeploy its container image before Friday.');
    await page.locator('[data-testid="fix-and-apply"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('ask for information: lock and chained question in one step, unlock offered once answered', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    const show = async (id) => {
      await page.evaluate((id) => (location.hash = `#flag/${id}`), id);
      await page.locator(`[data-testid="flag-detail"][data-flag-id="${id}"] h2`).first().waitFor({ timeout: 10_000 });
    };
    await show(203);
    await page.locator('[data-testid="flag-ask"]').click();
    await page.locator('[data-testid="flag-form"]').waitFor();
    assert.match(await page.locator('[data-testid="form-title"]').textContent(), /flag #203/);
    assert.equal(await page.locator('[data-testid="form-source"]').inputValue(), '@backend.api', 'asked by the flag target');
    assert.equal(await page.locator('[data-testid="form-target"]').inputValue(), '@frontend.mobile', 'asking the flag source');
    await page.locator('[data-testid="form-change"]').fill('Which services still pin @tanstack/react-query 6.8? The flag does not list them.');
    await page.locator('[data-testid="form-action"]').fill(
      'List every service and lockfile that still pins @tanstack/react-query 6.8.x, with the path of each lockfile, so the rebuild can be planned.',
    );
    await page.locator('[data-testid="flag-save"]').click();
    await page.locator('[data-testid="flag-detail"][data-flag-id="301"]').waitFor({ timeout: 10_000 });

    // One step: undo takes back both the question and the lock.
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-detail"]')?.textContent.includes('no flag #301'));
    await show(203);
    await page.locator('[data-testid="flag-lock"]').waitFor();
    await page.locator('[data-testid="redo"]').click();
    await page.locator('[data-testid="flag-unlock"]').waitFor({ timeout: 10_000 });

    // The answer comes: completing the question offers to unlock the original.
    await show(301);
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    await show(203);
    await page.locator('[data-testid="answered"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="unlock-answered"]').click();
    await page.locator('[data-testid="flag-lock"]').waitFor({ timeout: 10_000 });
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('edit any field: checked while typing, only what changed is written, undo and export', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openWith(env, V1, '300');
  try {
    const { page } = app;
    // The keyboard: the first row of the list, then `e` opens the edit form for it.
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="flag-row"]').first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('j');
    await page.locator('[data-testid="flag-detail"]').waitFor();
    const firstId = await page.locator('[data-testid="flag-detail"]').getAttribute('data-flag-id');
    await page.keyboard.press('e');
    const form = page.locator('[data-testid="flag-form"]');
    await form.waitFor({ timeout: 10_000 });
    assert.equal(await form.getAttribute('data-editing'), firstId, 'e edits the selected flag');
    assert.equal(await page.locator('[data-testid="flag-save"]').isDisabled(), false, 'a stored row is valid as it is');
    await page.keyboard.press('Escape');

    // The Edit button on flag 203 (critical security, target @backend.api).
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-edit"]').click();
    await form.waitFor();
    assert.equal(await form.getAttribute('data-editing'), '203');
    assert.equal(await page.locator('[data-testid="form-target"]').inputValue(), '@backend.api', 'prefilled as stored');
    const errors = () => page.locator('[data-testid="flag-error"]').allTextContents();

    await page.locator('[data-testid="form-context"]').fill('{"pr": 42,');
    assert.match((await errors()).join('\n'), /context must be valid JSON/);
    assert.equal(await page.locator('[data-testid="flag-save"]').isDisabled(), true);
    await page.locator('[data-testid="form-context"]').fill('{"pr": 42, "cve": "CVE-2025-32761"}');
    await page.locator('[data-testid="form-target"]').fill('');
    assert.match((await errors()).join('\n'), /High\/critical impact flags must have specific target_agent/);
    await page.locator('[data-testid="form-target"]').fill('frontend.react');
    await page.locator('[data-testid="form-notes"]').fill('Lockfiles rebuilt in PR 42');
    await page.locator('summary', { hasText: 'Times, completion' }).click();
    await page.locator('[data-testid="form-created_at"]').fill('2025-07-30T11:10');
    assert.match((await errors()).join('\n'), /created_at must be written as the tool writes it/);
    await page.locator('[data-testid="form-created_at"]').fill('2025-07-30 11:10');
    assert.deepEqual(await errors(), []);
    await page.locator('[data-testid="flag-save"]').click();

    await page.locator('[data-testid="flag-detail"]').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="flag-detail"]')?.textContent.includes('@frontend.react'));
    assert.equal(await field(page, 'target_agent'), '@frontend.react', '@ added as the tool adds it');

    await page.locator('[data-testid="nav-summary"]').click();
    const changes = page.locator('[data-testid="changes"] li');
    await changes.first().waitFor();
    assert.equal(await changes.count(), 1, 'one step');
    const text = await changes.first().textContent();
    for (const column of ['target_agent', 'context', 'notes']) assert.ok(text.includes(column), `${column} listed: ${text}`);
    for (const column of ['created_at', 'flag_type', 'example_usage']) assert.ok(!text.includes(column), `${column} untouched: ${text}`);

    // Undo gives the stored row back; redo writes it again.
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="changes"] li'));
    await page.locator('[data-testid="redo"]').click();
    await changes.first().waitFor();

    await assertExportMatchesSql(
      page,
      env.out,
      'edited-fields',
      V1,
      `UPDATE flags SET target_agent = '@frontend.react', context = '{"pr": 42, "cve": "CVE-2025-32761"}', notes = 'Lockfiles rebuilt in PR 42' WHERE id = 203`,
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
