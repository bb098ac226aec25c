// The working copy kept in browser storage: changes survive a crashed tab and come back with
// Resume (checked natively against the same changes in plain SQL), Discard forgets them, an
// export is remembered, and storage that is missing or full is said in words while editing goes on.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  V1,
  WAIT_MS,
  alertText,
  assertExportMatchesSql,
  demoDatabase,
  pickFile,
  skipWithoutFixtures,
  sqlValue,
  useSuite,
  waitForAlert,
  waitForSummary,
  pageInContext,
} from './helpers.mjs';

const env = useSuite('durable', { before, after });

/** A new page in `context` (sharing its storage) with the app loaded and its storage checked. */
const newPage = (context) => pageInContext(context, `${env.servers.app.url}/`);

async function openV1(page) {
  await pickFile(page, V1);
  await waitForSummary(page, { fileName: 'acolytes-v1-small.db', flags: '300' });
}

/** Waits until every change so far is written (the badge beside the toolbar says so). */
async function waitSaved(page) {
  await page.locator('[data-testid="working-copy"][data-state="saved"]').waitFor({ timeout: WAIT_MS });
}

async function show(page, id) {
  await page.evaluate((id) => (location.hash = `#flag/${id}`), id);
  await page.locator(`[data-testid="flag-detail"][data-flag-id="${id}"] h2`).first().waitFor({ timeout: WAIT_MS });
}

const inDetail = (page, id, testid) => page.locator(`[data-testid="flag-detail"][data-flag-id="${id}"] [data-testid="${testid}"]`);

/** The (non-empty) value shown next to a field name in flag `id`'s detail, once it is shown. */
async function field(page, id, name) {
  const shown = await page.waitForFunction(
    ({ id, name }) => {
      const dts = document.querySelectorAll(`[data-testid="flag-detail"][data-flag-id="${id}"] dt`);
      const dt = [...dts].find((d) => d.textContent === name);
      return dt?.nextElementSibling?.textContent || null;
    },
    { id, name },
    { timeout: WAIT_MS },
  );
  return shown.jsonValue();
}

async function lock(page, id) {
  await show(page, id);
  await inDetail(page, id, 'flag-lock').click();
  await inDetail(page, id, 'flag-unlock').waitFor({ timeout: WAIT_MS });
}

async function changesList(page) {
  await page.locator('[data-testid="nav-summary"]').click();
  await page.locator('[data-testid="count-flags"]').waitFor({ timeout: WAIT_MS });
  return page.locator('[data-testid="changes"] li').allTextContents();
}

/** A crash of the renderer, as a tab that dies: no beforeunload, no chance to write anything. */
async function crash(context, page) {
  const cdp = await context.newCDPSession(page);
  const crashed = page.waitForEvent('crash', { timeout: WAIT_MS });
  // The command never gets an answer: the page it would come from is gone.
  cdp.send('Page.crash').catch(() => {});
  await crashed;
  await page.close({ runBeforeUnload: false });
}

const NEW_FLAG = {
  change: 'Moved the webhook signature check into middleware; handlers no longer verify it themselves.',
  action:
    'Remove the per-handler verifySignature() calls in src/payments/webhooks/*.ts and rely on the middleware registered in src/payments/app.ts before the next deploy.',
};

test('changes survive a crashed tab: resume restores each one, undo works, the export has them all', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const context = await env.browser.newContext({ acceptDownloads: true });
  try {
    let page = await newPage(context);
    assert.equal(await page.locator('[data-testid="resume-session"]').count(), 0, 'nothing stored yet');
    await openV1(page);
    await waitSaved(page); // the original bytes are stored

    // Complete 203, lock 7, a new flag, lock 12 and undo that lock.
    await show(page, 203);
    await inDetail(page, 203, 'complete-by').fill('backend.api');
    await inDetail(page, 203, 'flag-complete').click();
    await inDetail(page, 203, 'flag-reopen').waitFor({ timeout: WAIT_MS });
    const completedAt = await field(page, 203, 'completed_at');
    await lock(page, 7);
    await page.locator('[data-testid="nav-flags"]').click();
    await page.locator('[data-testid="new-flag"]').click();
    await page.locator('[data-testid="flag-form"]').waitFor();
    await page.locator('[data-testid="form-type"]').selectOption('enhancement');
    await page.locator('[data-testid="form-impact"]').selectOption('medium');
    await page.locator('[data-testid="form-change"]').fill(NEW_FLAG.change);
    await page.locator('[data-testid="form-action"]').fill(NEW_FLAG.action);
    await page.locator('[data-testid="form-source"]').fill('backend.api');
    await page.locator('[data-testid="form-target"]').fill('frontend.react');
    await page.locator('[data-testid="flag-save"]').click();
    await page.locator('[data-testid="flag-detail"][data-flag-id="301"]').waitFor({ timeout: WAIT_MS });
    const createdAt = await field(page, 301, 'created_at');
    await lock(page, 12);
    await page.locator('[data-testid="undo"]').click();
    await inDetail(page, 12, 'flag-lock').waitFor({ timeout: WAIT_MS });
    await waitSaved(page);
    const before = await changesList(page);
    assert.equal(before.length, 3, `three changes: ${before}`);
    page.assertHealthy();

    await crash(context, page);

    page = await newPage(context);
    const banner = page.locator('[data-testid="resume-session"]');
    await banner.waitFor({ timeout: WAIT_MS });
    const offer = await banner.textContent();
    assert.match(offer, /acolytes-v1-small\.db/);
    assert.match(offer, /3 changes/);
    assert.match(offer, /not exported/);
    await page.locator('[data-testid="resume-session-resume"]').click();
    await waitForSummary(page, { fileName: 'acolytes-v1-small.db', flags: '301' });
    assert.equal(await banner.count(), 0, 'the offer is gone once resumed');
    assert.deepEqual(await changesList(page), before, 'the Changes list, change for change');
    assert.equal((await page.locator('[data-testid="count-pending"]').textContent()).trim(), '139', '−203 +301');
    assert.equal(await page.locator('[data-testid="redo"]').isDisabled(), false, 'the undone lock can be redone');

    // Undo works on the restored history, and redo brings the change back.
    await page.locator('[data-testid="undo"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="changes"] li').length === 2);
    await page.locator('[data-testid="redo"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="changes"] li').length === 3);
    await show(page, 203);
    assert.equal(await field(page, 203, 'status'), 'completed');
    assert.equal(await field(page, 203, 'completed_by'), 'backend.api');
    await show(page, 7);
    await inDetail(page, 7, 'flag-unlock').waitFor();
    await show(page, 12);
    await inDetail(page, 12, 'flag-lock').waitFor();
    await show(page, 301);
    assert.ok((await page.locator('[data-testid="flag-detail"]').textContent()).includes('@frontend.react'));
    await waitSaved(page);

    const q = (s) => `'${s.replaceAll("'", "''")}'`;
    await assertExportMatchesSql(
      page,
      env.out,
      'resumed',
      V1,
      `UPDATE flags SET status = 'completed', completed_at = ${q(completedAt)}, completed_by = 'backend.api' WHERE id = 203;
       UPDATE flags SET locked = 1 WHERE id = 7;
       INSERT INTO flags (id, flag_type, source_agent, target_agent, change_description, action_required, impact_level,
                          status, locked, related_files, code_location, example_usage, created_at, session_id)
       VALUES (301, 'enhancement', '@backend.api', '@frontend.react', ${q(NEW_FLAG.change)}, ${q(NEW_FLAG.action)},
               'medium', 'pending', 0, NULL, NULL, NULL, ${q(createdAt)},
               (SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC LIMIT 1));`,
    );

    // The export is remembered: a later visit still offers the copy, saying it was exported.
    await waitSaved(page);
    page.assertHealthy();
    await page.close({ runBeforeUnload: false });
    page = await newPage(context);
    await page.locator('[data-testid="resume-session"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('[data-testid="resume-session"]').textContent(), /All of them were exported at/);
    page.assertHealthy();
  } finally {
    await context.close();
  }
});

test('discard forgets the working copy; a ?db= address waits for the answer, then opens', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const context = await env.browser.newContext();
  try {
    let page = await newPage(context);
    await openV1(page);
    await lock(page, 7);
    await waitSaved(page);
    await page.close({ runBeforeUnload: false });

    // Opening the address's database would replace the stored copy: it waits.
    page = await context.newPage();
    await page.goto(`${env.servers.app.url}/?db=/fixtures/claudesquad-v0-small.db`);
    const banner = page.locator('[data-testid="resume-session"]');
    await banner.waitFor({ timeout: WAIT_MS });
    assert.match(await banner.textContent(), /claudesquad-v0-small\.db: it opens after Discard/);
    assert.equal(await page.locator('[data-testid="count-flags"]').count(), 0, 'nothing opened yet');
    await page.locator('[data-testid="resume-session-discard"]').click();
    assert.equal(await banner.count(), 0);
    await waitForSummary(page, { fileName: 'claudesquad-v0-small.db', flags: '150' });

    // Once the Discard is written, the next visit finds nothing to offer.
    await page.waitForFunction(() => performance.getEntriesByName('flagdeck:working-copy-discarded').length > 0);
    await page.close({ runBeforeUnload: false });
    page = await newPage(context);
    assert.equal(await page.locator('[data-testid="resume-session"]').count(), 0, 'no offer after Discard');
    page.assertHealthy();
  } finally {
    await context.close();
  }
});

test('no storage at all: a clear message, and editing goes on in the tab', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const context = await env.browser.newContext();
  // As in a browser with site storage turned off: touching indexedDB throws.
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', {
      get() {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      },
    });
  });
  try {
    const page = await newPage(context);
    await openV1(page);
    const alert = await waitForAlert(page, /does not let flagdeck keep a working copy/);
    assert.match(alert, /export the database before closing it/);
    await page.locator('[data-testid="working-copy"][data-state="off"]').waitFor();
    await lock(page, 7);
    assert.equal((await changesList(page)).length, 1, 'the change is made and listed');
    page.assertHealthy();
  } finally {
    await context.close();
  }
});

test('storage full and persistence refused: said in words, and the next change repairs the stored copy', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const context = await env.browser.newContext();
  await context.addInitScript(() => {
    // Journal writes fail with the browser's quota error while `__storageFull` is set.
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      if (window.__storageFull && this.name === 'journal') {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    };
    if (navigator.storage) {
      navigator.storage.persist = async () => false;
      navigator.storage.persisted = async () => false;
    }
  });
  try {
    let page = await newPage(context);
    await openV1(page);
    await waitSaved(page);
    await page.evaluate(() => (window.__storageFull = true));
    await lock(page, 7);
    const alert = await waitForAlert(page, /storage for this page is full/);
    assert.match(alert, /export to keep it/);
    await page.locator('[data-testid="working-copy"][data-state="failed"]').waitFor();
    await page.locator('[data-testid="storage-notice"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('[data-testid="storage-notice"]').textContent(), /may remove the working copy/);
    assert.ok(!(await alertText(page)).includes('persistent'), 'the refusal is a notice, not an alert');

    // Space again: the next change writes the whole history, so both changes come back.
    await page.evaluate(() => (window.__storageFull = false));
    await lock(page, 12);
    await waitSaved(page);
    await crash(context, page);
    page = await newPage(context);
    await page.locator('[data-testid="resume-session"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('[data-testid="resume-session"]').textContent(), /2 changes/);
    await page.locator('[data-testid="resume-session-resume"]').click();
    await waitForSummary(page, { fileName: 'acolytes-v1-small.db', flags: '300' });
    assert.equal((await changesList(page)).length, 2);
    page.assertHealthy();
  } finally {
    await context.close();
  }
});

test('two tabs: a working copy open in one tab is not offered in another, and a replaced one says so', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const context = await env.browser.newContext();
  try {
    const first = await newPage(context);
    await openV1(first);
    await lock(first, 7);
    await waitSaved(first);

    // The first tab still works on its copy: the second does not offer to resume it.
    const second = await newPage(context);
    assert.equal(await second.locator('[data-testid="resume-session"]').count(), 0, 'not offered while in use');
    await second.locator('[data-testid="open-demo"]').click();
    const demoFlags = String(sqlValue(demoDatabase(env.out), 'SELECT COUNT(*) FROM flags'));
    await waitForSummary(second, { fileName: 'demo', flags: demoFlags });
    await waitSaved(second);

    // One working copy per browser: the first tab learns at its next change that it lost its.
    await lock(first, 12);
    const alert = await waitForAlert(first, /Another flagdeck tab opened a database/);
    assert.match(alert, /export the database before closing it/);
    await first.locator('[data-testid="working-copy"][data-state="off"]').waitFor();
    assert.equal((await changesList(first)).length, 2, 'both changes are still in the tab');
    first.assertHealthy();
    second.assertHealthy();
  } finally {
    await context.close();
  }
});
