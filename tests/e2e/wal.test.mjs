// A database opened together with its -wal file: pairs written by real SQLite
// (`cargo xtask make-wal-pair`: a WAL-mode copy of the v1 fixture, a writer held open, the main
// file and -wal copied before any checkpoint), picked or dropped together, checked against plain
// SQL on the same pair (`cargo xtask query` copies the -wal beside the file, so SQLite reads it).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';

import {
  REPO,
  V1,
  alertText,
  assertSameDatabase,
  exportTo,
  inspectDb,
  openApp,
  pickFile,
  skipWithoutFixtures,
  sqlValue,
  useSuite,
  waitForAlert,
  waitForSummary,
  xtask,
} from './helpers.mjs';

const env = useSuite('wal', { before, after });
const NAME = path.basename(V1);
/** The upstream tool's repository (bare git), for its real agent_db.py. */
const UPSTREAM = process.env.ACOLYTES_REPO ?? path.resolve(REPO, '..', '.mirror', 'unmasSk+Acolytes', 'repo');

/** A pair under out/`dir`: `flags` new flags in `transactions` transactions; its two paths. */
function makePair(dir, flags, transactions, extra = []) {
  const out = path.join(env.out, dir);
  const args = ['make-wal-pair', '--from', V1, '--out', out, '--flags', String(flags)];
  return JSON.parse(xtask([...args, '--transactions', String(transactions), ...extra]));
}

/** What plain SQLite sees on the pair: the flag count and the committed frames in the log. */
function sqliteView(database) {
  const flags = sqlValue(database, 'SELECT count(*) FROM flags');
  const { rows } = JSON.parse(xtask(['query', database, 'PRAGMA wal_checkpoint(PASSIVE)']));
  return { flags: String(flags), frames: String(rows[0][1]) };
}

async function walApplied(page) {
  return page.evaluate(() => {
    const e = document.querySelector('[data-testid="wal-applied"]');
    return e ? { frames: e.dataset.frames, commits: e.dataset.commits, text: e.textContent } : null;
  });
}

async function notes(page) {
  return page.evaluate(() => [...document.querySelectorAll('[role="status"]')].map((e) => e.textContent).join(' | '));
}

test('a database picked with its -wal shows the committed transactions, as SQLite reads the pair', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const pair = makePair('full', 25, 3);
  const before = [readFileSync(pair.database), readFileSync(pair.wal)];
  const expected = sqliteView(pair.database);
  assert.notEqual(expected.flags, String(sqlValue(V1, 'SELECT count(*) FROM flags')), 'the WAL adds flags');
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-file"]').setInputFiles([pair.database, pair.wal]);
    await waitForSummary(app.page, { fileName: NAME, flags: expected.flags, alertFails: true });
    const wal = await walApplied(app.page);
    assert.deepEqual({ frames: wal?.frames, commits: wal?.commits }, { frames: expected.frames, commits: '3' });
    assert.doesNotMatch(await notes(app.page), /changes are not shown here/);
    assert.deepEqual([readFileSync(pair.database), readFileSync(pair.wal)], before, 'the picked files are unchanged');

    // A change, a reload, Resume: the working copy holds the image read with the -wal, and says so.
    await app.page.evaluate(() => (location.hash = '#flag/8'));
    await app.page.locator('[data-testid="flag-lock"]').click();
    await app.page.locator('[data-testid="flag-unlock"]').waitFor();
    await app.page.waitForFunction(() => document.querySelector('[data-testid="working-copy"]')?.dataset.state === 'saved');
    await app.page.evaluate(() => (location.hash = '#summary'));
    await app.page.reload();
    await app.page.locator('[data-testid="resume-session-resume"]').click();
    await waitForSummary(app.page, { fileName: NAME, flags: expected.flags, alertFails: true });
    const resumed = await walApplied(app.page);
    assert.deepEqual({ frames: resumed?.frames, commits: resumed?.commits }, { frames: expected.frames, commits: '3' });
    assert.doesNotMatch(await notes(app.page), /changes are not shown here/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a -wal cut in the middle of a frame: the torn transaction is left out', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const pair = makePair('torn', 25, 3, ['--torn']);
  const expected = sqliteView(pair.database);
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-file"]').setInputFiles([pair.wal, pair.database]);
    await waitForSummary(app.page, { fileName: NAME, flags: expected.flags, alertFails: true });
    const wal = await walApplied(app.page);
    assert.deepEqual({ frames: wal?.frames, commits: wal?.commits }, { frames: expected.frames, commits: '2' });
    assert.match(wal.text, /Left out, as SQLite leaves them out: .*ends in the middle of/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a -wal of another database is refused; the file opens alone with the WAL note', async (t) => {
  if (skipWithoutFixtures(t)) return;
  // The main file of a WAL-mode pair (its header says WAL), beside the -wal of a database with
  // 1024-byte pages; and the same main file alone, for plain SQL.
  const main = makePair('main', 5, 1).database;
  const other = makePair('other', 5, 1, ['--page-size', '1024']);
  const [mixed, alone] = ['mixed', 'alone'].map((d) => path.join(env.out, d, NAME));
  for (const file of [mixed, alone]) {
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(main, file);
  }
  copyFileSync(other.wal, `${mixed}-wal`);
  const flagsAlone = String(sqlValue(alone, 'SELECT count(*) FROM flags'));
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-file"]').setInputFiles([mixed, `${mixed}-wal`]);
    const alerts = await waitForAlert(app.page, /does not belong to this database/);
    assert.match(alerts, /1024 bytes/);
    await waitForSummary(app.page, { fileName: NAME, flags: flagsAlone });
    assert.equal(await walApplied(app.page), null);
    assert.match(await notes(app.page), /changes are not shown here/);
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('a -wal dropped with its database opens with it; a -wal alone is not opened', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const pair = makePair('drop', 7, 2);
  const expected = sqliteView(pair.database);
  const rel = (p) => `/out/${path.relative(env.out, p)}`;
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await pickFile(app.page, pair.wal);
    await waitForAlert(app.page, /Nothing to open: .*-wal is the write-ahead log/);
    await app.page.evaluate(async (files) => {
      const dt = new DataTransfer();
      for (const [url, name] of files) {
        dt.items.add(new File([await (await fetch(url)).arrayBuffer()], name));
      }
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    }, [
      [rel(pair.database), NAME],
      [rel(pair.wal), `${NAME}-wal`],
    ]);
    await waitForSummary(app.page, { fileName: NAME, flags: expected.flags });
    const wal = await walApplied(app.page);
    assert.deepEqual({ frames: wal?.frames, commits: wal?.commits }, { frames: expected.frames, commits: '2' });
    assert.equal(await alertText(app.page), '', 'opening cleared the earlier alert and added none');
    app.assertHealthy();
  } finally {
    await app.close();
  }
});

test('the export of a database opened with its -wal holds every WAL change, for SQLite and agent_db.py', async (t) => {
  if (skipWithoutFixtures(t)) return;
  const pair = makePair('export', 12, 2);
  const project = path.join(env.out, 'export', 'project');
  const exported = path.join(project, '.claude', 'memory', 'project.db');
  mkdirSync(path.dirname(exported), { recursive: true });
  const app = await openApp(env.browser, `${env.servers.app.url}/`);
  try {
    await app.page.locator('[data-testid="open-file"]').setInputFiles([pair.database, pair.wal]);
    await waitForSummary(app.page, { fileName: NAME, flags: sqliteView(pair.database).flags, alertFails: true });
    await exportTo(app.page, exported);
    await app.page.waitForFunction(() =>
      [...document.querySelectorAll('[role="status"]')].some((e) => /one self-contained file/.test(e.textContent)),
    );
    app.assertHealthy();
  } finally {
    await app.close();
  }
  assert.equal(existsSync(`${exported}-wal`), false);
  // Alone, the exported file is the pair as SQLite reads it, still in WAL mode.
  const got = inspectDb(exported);
  assert.equal(got.header.journal_mode, 'wal');
  assertSameDatabase(inspectDb(pair.database), got);
  // The real agent_db.py, run in the project folder it searches (.claude/memory/project.db).
  if (!existsSync(UPSTREAM)) {
    t.diagnostic(`NOTE: ${UPSTREAM} is absent: agent_db.py is not run here`);
    return;
  }
  const scripts = path.join(env.out, 'export', 'scripts');
  mkdirSync(scripts, { recursive: true });
  for (const file of ['agent_db.py', 'db_locator.py']) {
    const text = execFileSync('git', ['--git-dir', UPSTREAM, 'show', `HEAD:acolytes/data/scripts/${file}`]);
    writeFileSync(path.join(scripts, file), text);
  }
  const sql = "SELECT count(*) AS n FROM flags WHERE change_description LIKE 'WAL pair flag%'";
  const answer = execFileSync('python3', [path.join(scripts, 'agent_db.py'), 'query', sql], {
    cwd: project,
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(answer), [{ n: 12 }], 'agent_db.py sees the 12 flags that were only in the -wal');
  assert.equal(sqlValue(V1, sql), 0, 'the fixture has none of them');
});
