// Save in place (File System Access API). The browser's picker is a native dialog a test cannot
// click, so the page gets a stand-in for `showOpenFilePicker` whose file lives in page memory;
// what is tested is flagdeck's side: the write goes through `createWritable`, a file that
// changed on disk is noticed before writing, and replaying onto the newer file keeps the
// agents' changes, applies the person's, and lists the conflicts.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { V1, alertText, openApp, skipWithoutFixtures, useSuite, waitForSummary, xtask } from './helpers.mjs';

const env = useSuite('save-in-place', { before, after });

const FAKE_PICKER = () => {
  window.__disk = { bytes: null, lastModified: 1_700_000_000_000, writes: 0 };
  window.showOpenFilePicker = async () => [
    {
      kind: 'file',
      name: 'project.db',
      getFile: async () => new File([window.__disk.bytes], 'project.db', { lastModified: window.__disk.lastModified }),
      createWritable: async () => {
        const chunks = [];
        return {
          write: async (data) => chunks.push(new Uint8Array(data)),
          close: async () => {
            const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
            let at = 0;
            for (const c of chunks) all.set(c, (at += c.length) - c.length);
            window.__disk = { bytes: all, lastModified: window.__disk.lastModified + 1000, writes: window.__disk.writes + 1 };
          },
        };
      },
    },
  ];
};

const setDisk = (page, file) =>
  page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    window.__disk = { ...window.__disk, bytes, lastModified: window.__disk.lastModified + 5000 };
  }, readFileSync(file).toString('base64'));

async function readDisk(page, dest) {
  const b64 = await page.evaluate(() => {
    let s = '';
    for (const b of window.__disk.bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  writeFileSync(dest, Buffer.from(b64, 'base64'));
  return dest;
}

const query = (file, sql) => JSON.parse(xtask(['query', file, sql])).rows;

test('save back in place; a file changed on disk gets a replay with its conflicts listed', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  const { page } = app;
  try {
    await page.addInitScript(FAKE_PICKER);
    await page.reload();
    await page.locator('[data-testid="open-in-place"]').waitFor();
    await setDisk(page, V1);
    await page.locator('[data-testid="open-in-place"]').click();
    await waitForSummary(page, { fileName: 'project.db', flags: '300', alertFails: true });

    // A change, saved back: the file on "disk" holds it.
    await page.evaluate(() => (location.hash = '#flag/203'));
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="save-in-place"]').click();
    await page.waitForFunction(() => window.__disk.writes === 1);
    const saved = await readDisk(page, path.join(env.out, 'saved.db'));
    assert.deepEqual(query(saved, 'SELECT status FROM flags WHERE id = 203'), [['completed']]);
    assert.deepEqual(query(saved, 'PRAGMA integrity_check'), [['ok']]);
    // After the save the file is open afresh: nothing unsaved.
    await page.waitForFunction(() => document.querySelector('[data-testid="undo"]')?.disabled === true);

    // Three more changes, while an agent writes to the file: it locks flag 8 too (the same
    // change), notes flag 104 and completes flag 107 its own way (a conflict).
    for (const id of [8, 38]) {
      await page.evaluate((id) => (location.hash = `#flag/${id}`), id);
      await page.locator('[data-testid="flag-lock"]').click();
      await page.locator('[data-testid="flag-unlock"]').waitFor({ timeout: 10_000 });
    }
    await page.evaluate(() => (location.hash = '#flag/107'));
    await page.locator('[data-testid="flag-complete"]').click();
    await page.locator('[data-testid="flag-reopen"]').waitFor({ timeout: 10_000 });
    const newer = path.join(env.out, 'newer.db');
    const agentSql =
      "UPDATE flags SET locked = 1 WHERE id = 8; UPDATE flags SET notes = 'agent wrote this' WHERE id = 104; " +
      "UPDATE flags SET status = 'completed', completed_at = '2025-01-02 03:04:05', completed_by = '@agent' WHERE id = 107";
    xtask(['exec-sql', '--from', saved, '--out', newer, agentSql]);
    await setDisk(page, newer);

    await page.locator('[data-testid="save-in-place"]').click();
    await page.locator('[data-testid="save-conflict"]').waitFor();
    assert.equal(await page.evaluate(() => window.__disk.writes), 1, 'nothing written before the person chooses');
    await page.locator('[data-testid="replay-changes"]').click();
    await page.locator('[data-testid="replay-result"]').waitFor({ timeout: 30_000 });
    const conflicts = await page.locator('[data-testid="replay-conflict"]').allTextContents();
    assert.equal(conflicts.length, 1, conflicts.join('\n'));
    assert.match(conflicts[0], /#107/);
    assert.match(await page.locator('[data-testid="replay-already"]').textContent(), /^1 of your changes were already made on disk/);
    await page.locator('[data-testid="write-replayed"]').click();
    await page.waitForFunction(() => window.__disk.writes === 2);
    const merged = await readDisk(page, path.join(env.out, 'merged.db'));
    assert.deepEqual(query(merged, 'SELECT id, locked, notes FROM flags WHERE id IN (8, 38, 104) ORDER BY id'), [
      [8, 1, null],
      [38, 1, null],
      [104, 0, 'agent wrote this'],
    ].map(([id, locked, notes]) => [id, locked, id === 104 ? notes : query(saved, `SELECT notes FROM flags WHERE id = ${id}`)[0][0]]));
    assert.deepEqual(query(merged, "SELECT status FROM flags WHERE id = 203"), [['completed']], 'the first save is still there');
    assert.deepEqual(query(merged, 'SELECT completed_by FROM flags WHERE id = 107'), [['@agent']], "the agent's completion stays");
    assert.deepEqual(query(merged, 'PRAGMA integrity_check'), [['ok']]);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('closing the picker says nothing; a refused picker says why, in words', async () => {
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  const { page } = app;
  try {
    // The picker's outcome is decided by the DOMException's name, whatever its message says.
    await page.addInitScript(() => {
      window.__pickerCalls = 0;
      window.showOpenFilePicker = async () => {
        window.__pickerCalls += 1;
        if (window.__pickerCalls === 1) throw new DOMException('closed by the person', 'AbortError');
        throw new DOMException('The request is not allowed (abort).', 'NotAllowedError');
      };
    });
    await page.reload();
    await page.locator('[data-testid="open-in-place"]').click();
    await page.waitForFunction(() => window.__pickerCalls === 1);
    await page.locator('[data-testid="open-in-place"]').click();
    await page.locator('[role="alert"]').first().waitFor();
    const alerts = await alertText(page);
    assert.equal(alerts.split(' | ').length, 1, `only the refusal is reported: ${alerts}`);
    assert.match(alerts, /could not be picked/);
    assert.match(alerts, /did not allow access/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});
