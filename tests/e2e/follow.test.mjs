// Follow mode and a project folder opened through File System Access. The browser's folder
// picker is a native dialog a test cannot click, so the page gets a stand-in for
// `showDirectoryPicker` whose files live in page memory (as the save-in-place tests do for the
// file picker). Their bytes come from a real SQLite writer: `cargo xtask wal-writer` keeps a
// WAL-mode copy of the v1 fixture open (so its -wal stays beside it, as while agents run) and adds
// or locks flags on command; after each command the test copies the main file and its -wal into
// the page, as a disk would show them.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  FAKE_FOLDER,
  REPO,
  V1,
  alertText,
  folderFile,
  openApp,
  setFolderFiles as setFiles,
  setFollowInterval,
  skipWithoutFixtures,
  startWalWriter,
  useSuite,
  waitForSummary,
  xtask,
} from './helpers.mjs';

const env = useSuite('follow', { before, after });

/** The writer: a real SQLite connection held open on a WAL-mode copy of the v1 fixture. */
const startWriter = (dir) =>
  startWalWriter({
    bin: process.env.XTASK_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(REPO, 'target'), 'debug', 'xtask'),
    from: V1,
    dir,
  });

/** A page with the stand-in folder, and a writer whose files are under out/`dir`. */
async function followSetup(dir) {
  const writer = await startWriter(path.join(env.out, dir));
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  await app.page.addInitScript(FAKE_FOLDER);
  await app.page.reload();
  return { writer, app, page: app.page };
}

const followState = (page) =>
  page.evaluate(() => {
    const e = document.querySelector('[data-testid="follow-status"]');
    return e ? { state: e.dataset.state, polls: Number(e.dataset.polls), reads: Number(e.dataset.reads), text: e.textContent } : null;
  });

const changeLines = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="follow-change"]')].map((e) => ({ kind: e.dataset.kind, text: e.textContent })),
  );

/** Waits for a follow re-read after `reads`, and returns the polls it took since `polls`. */
async function nextRead(page, { reads, polls }) {
  await page.waitForFunction((reads) => Number(document.querySelector('[data-testid="follow-status"]')?.dataset.reads) > reads, reads, {
    timeout: 30_000,
  });
  return (await followState(page)).polls - polls;
}

const flagTotal = (page) => page.locator('[data-testid="flag-total"]').textContent();

test('a followed project folder shows what agents write, keeps the view, and skips a half-written read', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const { writer, app, page } = await followSetup('agent');
  try {
    await writer.run('add 2');
    await setFiles(page, writer.files());
    await page.locator('[data-testid="open-folder"]').click();
    await waitForSummary(page, { fileName: 'project.db', flags: '302', alertFails: true });
    const applied = await page.locator('[data-testid="wal-applied"]').evaluate((e) => ({ ...e.dataset }));
    assert.equal(applied.commits, '1', 'the writer committed one transaction into the -wal');

    // The view to keep: a facet filter, a scroll position, a selected flag.
    await page.evaluate(() => (location.hash = '#flag/5'));
    await page.locator('[data-testid="flag-detail"][data-flag-id="5"]').waitFor();
    await page.locator('[data-testid="facet-value"][data-facet="Status"][data-value="pending"] input').check();
    await page.waitForFunction(() => !/Counting/.test(document.querySelector('[data-testid="flag-total"]').textContent));
    const pendingBefore = await flagTotal(page);
    await page.locator('.flag-scroll').evaluate((e) => {
      e.scrollTop = 72;
      e.dispatchEvent(new Event('scroll'));
    });

    await setFollowInterval(page, 1);
    await page.locator('[data-testid="follow"]').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="follow-status"]')?.dataset.state === 'watching');

    // An agent adds three flags and locks flag 5: shown within two polls, view kept.
    await writer.run('add 3');
    await writer.run('lock 5');
    const before = await followState(page);
    await setFiles(page, writer.files());
    const polls = await nextRead(page, before);
    assert.ok(polls <= 2, `the change was shown ${polls} polls after it was written (at most 2)`);
    const lines = await changeLines(page);
    assert.deepEqual(
      lines.map((l) => l.kind),
      ['new', 'locked'],
      JSON.stringify(lines),
    );
    assert.match(lines[0].text, /3 new flags: #303, #304, #305/);
    assert.match(lines[1].text, /#5/);
    assert.equal(await page.evaluate(() => location.hash), '#flag/5', 'the selected flag stays');
    await page.locator('[data-testid="flag-detail"][data-flag-id="5"] [data-testid="flag-unlock"]').waitFor();
    assert.equal(await page.locator('[data-testid="facet-value"][data-facet="Status"][data-value="pending"] input').isChecked(), true);
    await page.waitForFunction(
      (before) => {
        const text = document.querySelector('[data-testid="flag-total"]').textContent;
        return !/Counting/.test(text) && text !== before;
      },
      pendingBefore,
    );
    assert.equal(Number((await flagTotal(page)).match(/\d+/)[0]), Number(pendingBefore.match(/\d+/)[0]) + 3);
    assert.equal(await page.locator('.flag-scroll').evaluate((e) => e.scrollTop), 72, 'the scroll position stays');
    const mark = await page
      .locator('.flag-row[data-flag-id="5"]')
      .evaluate((e) => getComputedStyle(e).getPropertyValue('--follow-change').trim());
    assert.equal(mark, 'locked', 'the locked flag is marked in the list');

    // A read that catches a write half-way: the -wal damaged before its last commit. The view
    // stays, no alert, and the next good read is swapped in.
    await writer.run('add 1');
    const good = writer.files();
    const damaged = Buffer.from(good['project.db-wal']);
    damaged[32 + 24 + 100] ^= 0xff; // a byte of the first frame's page: committed frames follow
    const beforeDamage = await followState(page);
    await setFiles(page, { 'project.db-wal': damaged });
    await page.waitForFunction(() => document.querySelector('[data-testid="follow-status"]')?.dataset.state === 'retrying');
    assert.equal((await followState(page)).reads, beforeDamage.reads, 'nothing was swapped in');
    assert.equal(await alertText(page), '', 'a half-written read is no alert');
    await setFiles(page, { 'project.db-wal': good['project.db-wal'] });
    await nextRead(page, beforeDamage);
    assert.match((await changeLines(page))[0].text, /New flag #306\./);

    // A -wal cut in the middle of a frame (a write still under way): the committed part is shown.
    await writer.run('add 1');
    const whole = writer.files()['project.db-wal'];
    const afterTorn = await followState(page);
    await setFiles(page, { 'project.db-wal': whole.subarray(0, whole.length - 2000) });
    await nextRead(page, afterTorn);
    assert.equal(await alertText(page), '');
    const afterWhole = await followState(page);
    await setFiles(page, { 'project.db-wal': whole });
    await nextRead(page, afterWhole);
    assert.match((await changeLines(page))[0].text, /New flag #307\./);
    app.assertHealthy();
  } finally {
    writer.stop();
    await app.close();
  }
});

test('unsaved changes pause following; replayed onto the newer file; save in place refused while the -wal holds commits', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const { writer, app, page } = await followSetup('agent-2');
  try {
    await writer.run('add 1');
    await setFiles(page, writer.files());
    await page.locator('[data-testid="open-folder"]').click();
    await waitForSummary(page, { fileName: 'project.db', flags: '301', alertFails: true });
    await setFollowInterval(page, 0.5);
    await page.locator('[data-testid="follow"]').check();

    // A change here, then the agent writes: following pauses.
    await page.evaluate(() => (location.hash = '#flag/8'));
    await page.locator('[data-testid="flag-lock"]').click();
    await page.locator('[data-testid="flag-unlock"]').waitFor();
    await writer.run('add 2');
    await setFiles(page, writer.files());
    await page.locator('[data-testid="follow-paused"]').waitFor();
    assert.equal((await followState(page)).state, 'paused');

    // Replayed: the agent's flags and the lock, still undoable.
    await page.locator('[data-testid="follow-replay"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="follow-status"]')?.dataset.state === 'watching');
    await page.locator('[data-testid="flag-detail"][data-flag-id="8"] [data-testid="flag-unlock"]').waitFor();
    assert.equal(await page.locator('[data-testid="undo"]').isDisabled(), false, 'the replayed change can be undone');
    await page.evaluate(() => (location.hash = '#summary'));
    await waitForSummary(page, { fileName: 'project.db', flags: '303' });

    // Save in place: the -wal beside the file holds committed transactions: refused, nothing written.
    await page.locator('[data-testid="save-in-place"]').click();
    await page.locator('[data-testid="save-refused"]').waitFor();
    assert.match(await page.locator('[data-testid="save-refused"]').textContent(), /project\.db-wal beside project\.db holds \d+ committed transactions/);
    assert.equal(await page.evaluate(() => window.__fs.writes), 0);

    // A checkpoint empties the -wal, but the agent's connection is still open (its -shm is
    // there): its next write would go into a -wal that does not match a saved file. Refused.
    await writer.run('checkpoint');
    await setFiles(page, writer.files());
    assert.equal(writer.files()['project.db-wal'].length, 0);
    await page.locator('[data-testid="save-in-place"]').click();
    await page.locator('[data-testid="save-refused"]').filter({ hasText: /project\.db-shm beside project\.db says a connection/ }).waitFor();
    assert.equal(await page.evaluate(() => window.__fs.writes), 0);

    // The agent stops (SQLite removes the -wal and -shm): following is paused by the unsaved
    // change, and saving replays it onto the newer file, which is written.
    await writer.close();
    await setFiles(page, writer.files());
    await page.locator('[data-testid="save-in-place"]').click();
    await page.locator('[data-testid="save-conflict"]').waitFor();
    await page.locator('[data-testid="replay-changes"]').click();
    await page.locator('[data-testid="write-replayed"]').click();
    await page.waitForFunction(() => window.__fs.writes === 1);
    const saved = path.join(env.out, 'saved.db');
    writeFileSync(saved, await folderFile(page, 'project.db'));
    const query = (sql) => JSON.parse(xtask(['query', saved, sql])).rows;
    assert.deepEqual(query('SELECT count(*), sum(id = 8 AND locked = 1) FROM flags'), [[303, 1]]);
    assert.deepEqual(query('PRAGMA integrity_check'), [['ok']]);
    app.assertHealthy();
  } finally {
    writer.stop();
    await app.close();
  }
});

test('a project root holding .claude/memory, a pair picked together, a WAL-mode file picked alone', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const { writer, app, page } = await followSetup('agent-3');
  try {
    await writer.run('add 2');
    const files = writer.files();
    const memory = '.claude/memory/';
    await setFiles(page, {
      'README.md': Buffer.from('# a project\n'),
      [`${memory}project.db`]: files['project.db'],
      [`${memory}project.db-wal`]: files['project.db-wal'],
    });
    const applied = () => page.locator('[data-testid="wal-applied"]').evaluate((e) => e.dataset.commits);

    // The project root: project.db found in .claude/memory, with its -wal.
    await page.locator('[data-testid="open-folder"]').click();
    await waitForSummary(page, { fileName: 'project.db', flags: '302', alertFails: true });
    assert.equal(await applied(), '1');
    await page.locator('[data-testid="follow"]').waitFor();

    // The file picker, the database and its -wal picked together.
    await page.evaluate((m) => (window.__fs.pick = [`${m}project.db-wal`, `${m}project.db`]), memory);
    await page.locator('[data-testid="open-in-place"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="wal-applied"]')?.dataset.commits === '1');
    await waitForSummary(page, { fileName: 'project.db', flags: '302', alertFails: true });
    await page.locator('[data-testid="follow"]').waitFor();

    // The WAL-mode database picked alone: its folder cannot be looked into, so it is not
    // written in place (a -wal beside it would be replayed over it).
    await page.evaluate((m) => (window.__fs.pick = [`${m}project.db`]), memory);
    await page.locator('[data-testid="open-in-place"]').click();
    await waitForSummary(page, { fileName: 'project.db', flags: '300' });
    await page.evaluate(() => (location.hash = '#flag/8'));
    await page.locator('[data-testid="flag-lock"]').click();
    await page.locator('[data-testid="flag-unlock"]').waitFor();
    await page.locator('[data-testid="save-in-place"]').click();
    await page.locator('[data-testid="save-refused"]').waitFor();
    assert.match(
      await page.locator('[data-testid="save-refused"]').textContent(),
      /project\.db is in WAL mode, and the browser does not let flagdeck look into its folder/,
    );
    assert.equal(await page.evaluate(() => window.__fs.writes), 0);

    // Opened from the file input, there is nothing to read again: no Follow switch.
    await page.evaluate(() => (location.hash = '#summary'));
    await page.locator('[data-testid="open-file"]').setInputFiles(V1);
    await waitForSummary(page, { fileName: path.basename(V1), flags: '300' });
    assert.equal(await page.locator('[data-testid="follow"]').count(), 0);
    assert.equal(await page.locator('[data-testid="save-in-place"]').count(), 0);
  } finally {
    writer.stop();
    await app.close();
  }
});

test('a dropped project folder opens the database in .claude/memory with the -wal beside it', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const writer = await startWriter(path.join(env.out, 'agent-4'));
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  const { page } = app;
  try {
    await writer.run('add 3');
    const files = writer.files();
    // A drop of a folder cannot be made from a test with real entries: the drop event carries a
    // stand-in of the entries API (`webkitGetAsEntry`, `getFile(path)`, `file()`), shaped as
    // the browser's.
    await page.evaluate(
      ([db, wal]) => {
        const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const disk = {
          '.claude/memory/project.db': new File([bytes(db)], 'project.db'),
          '.claude/memory/project.db-wal': new File([bytes(wal)], 'project.db-wal'),
          'src/main.rs': new File(['fn main() {}'], 'main.rs'),
        };
        const notFound = () => new DOMException('not found', 'NotFoundError');
        const fileEntry = (path) => ({ isDirectory: false, name: path.split('/').at(-1), file: (ok) => ok(disk[path]) });
        const root = {
          isDirectory: true,
          name: 'my-project',
          getFile: (path, _options, ok, fail) => (disk[path] ? ok(fileEntry(path)) : fail(notFound())),
          createReader: () => {
            throw new Error('a project folder with a database is not listed');
          },
        };
        const item = { kind: 'file', webkitGetAsEntry: () => root, getAsFile: () => null };
        const transfer = { items: { length: 1, 0: item }, files: { length: 0 }, types: ['Files'] };
        const drop = new DragEvent('drop', { bubbles: true, cancelable: true });
        Object.defineProperty(drop, 'dataTransfer', { value: transfer });
        window.dispatchEvent(drop);
      },
      [files['project.db'].toString('base64'), files['project.db-wal'].toString('base64')],
    );
    await waitForSummary(page, { fileName: 'project.db', flags: '303', alertFails: true });
    assert.equal(await page.locator('[data-testid="wal-applied"]').evaluate((e) => e.dataset.commits), '1');
    app.assertHealthy();
  } finally {
    writer.stop();
    await app.close();
  }
});
