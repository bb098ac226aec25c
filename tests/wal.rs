#![cfg(not(target_arch = "wasm32"))]
//! The database read together with its `-wal` file (flagdeck_core::wal), against real SQLite:
//! every pair is written here by rusqlite (a WAL-mode copy of the v1 fixture, a writer connection
//! held open, checkpoints off), copied byte for byte before any checkpoint, and the image
//! flagdeck builds is compared table by table with what SQLite itself sees when it opens a copy
//! of the same pair.

mod common;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use flagdeck_core::header;
use flagdeck_core::wal::{self, Ignored, WalError, FRAME_HEADER_LEN, WAL_HEADER_LEN};
use rusqlite::Connection;

fn scratch_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("flagdeck-walt-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// A WAL-mode copy of a fixture with a writer connection held open and checkpoints off.
struct Live {
    dir: PathBuf,
    path: PathBuf,
    conn: Connection,
    /// `SELECT count(*) FROM flags` after each committed write transaction, in order.
    flag_counts: Vec<i64>,
}

impl Live {
    fn v1(tag: &str) -> Option<Live> {
        let bytes = common::fixture_bytes("acolytes-v1-small.db")?;
        let dir = scratch_dir(tag);
        let path = dir.join("project.db");
        std::fs::write(&path, bytes).unwrap();
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        conn.execute_batch("PRAGMA wal_autocheckpoint=0").unwrap();
        Some(Live { dir, path, conn, flag_counts: Vec::new() })
    }

    fn count_flags(&self) -> i64 {
        self.conn.query_row("SELECT count(*) FROM flags", [], |r| r.get(0)).unwrap()
    }

    /// One committed transaction adding `n` flags (texts long enough for the v1 triggers).
    fn add_flags(&mut self, n: usize, note: &str) {
        let tx = self.conn.transaction().unwrap();
        for i in 0..n {
            tx.execute(
                "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, \
                 impact_level, status, locked, created_at, notes) VALUES ('change', '@backend.api', '@frontend.react', \
                 ?1, ?2, 'medium', 'pending', 0, '2026-11-30 10:00', ?3)",
                (
                    format!("WAL flag {i} of {note}: the orders endpoint moved, clients must follow the new path."),
                    common::long_action().repeat(2),
                    note,
                ),
            )
            .unwrap();
        }
        tx.commit().unwrap();
        self.flag_counts.push(self.count_flags());
    }

    /// One committed transaction completing the newest `n` flags this test added.
    fn complete_newest(&mut self, n: i64) {
        self.conn
            .execute(
                "UPDATE flags SET status = 'completed', completed_at = '2026-11-30 11:00', completed_by = '@frontend.react' \
                 WHERE id IN (SELECT id FROM flags WHERE notes LIKE 'tx%' ORDER BY id DESC LIMIT ?1)",
                [n],
            )
            .unwrap();
        self.flag_counts.push(self.count_flags());
    }

    /// The main file and the `-wal` as they are on disk now (the writer still holds them).
    fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        (std::fs::read(&self.path).unwrap(), std::fs::read(wal_path(&self.path)).unwrap())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Row digests of every table, in rowid order, and the schema.
fn digests(conn: &Connection) -> Vec<(String, usize, u64)> {
    let mut names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names.push("sqlite_master".into());
    names
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY rowid")).unwrap();
            let n = stmt.column_count();
            let mut h = DefaultHasher::new();
            let mut rows = stmt.query([]).unwrap();
            let mut count = 0;
            while let Some(row) = rows.next().unwrap() {
                for i in 0..n {
                    format!("{:?}", row.get_ref(i).unwrap()).hash(&mut h);
                }
                count += 1;
            }
            (t, count, h.finish())
        })
        .collect()
}

/// What plain SQLite sees: a copy of the pair opened by rusqlite, which reads the `-wal` beside
/// the file. Returns the digests and `PRAGMA wal_checkpoint`'s "log" column (frames in the
/// committed log; -1 when there is no WAL to checkpoint).
fn sqlite_view(main: &[u8], wal: &[u8]) -> (Vec<(String, usize, u64)>, i64, i64) {
    let dir = scratch_dir("ref");
    let path = dir.join("project.db");
    std::fs::write(&path, main).unwrap();
    std::fs::write(wal_path(&path), wal).unwrap();
    let conn = Connection::open(&path).unwrap();
    let d = digests(&conn);
    let flags: i64 = conn.query_row("SELECT count(*) FROM flags", [], |r| r.get(0)).unwrap();
    let log: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    (d, flags, log)
}

/// The image opened exactly as the app opens a file (header check, `for_engine`, inspect), and
/// its digests through rusqlite on the engine bytes.
fn image_view(image: &[u8]) -> (Vec<(String, usize, u64)>, i64) {
    let (_db, report, _facts) = common::open_and_inspect(image).expect("the image opens like any file");
    assert!(report.wal, "the image keeps its WAL-mode header; for_engine hands it over as rollback");
    let info = header::check(image).unwrap();
    let dir = scratch_dir("img");
    let path = dir.join("image.db");
    std::fs::write(&path, header::for_engine(image, &info)).unwrap();
    let conn = Connection::open(&path).unwrap();
    let d = digests(&conn);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    (d, report.counts.flags.expect("v1 has flags").total)
}

/// Commit frames among the first `frames` frames, read from the frame headers.
fn commit_frames(wal: &[u8], frames: usize) -> u32 {
    let page = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
    (0..frames)
        .filter(|i| {
            let at = WAL_HEADER_LEN + i * (FRAME_HEADER_LEN + page) + 4;
            wal[at..at + 4] != [0, 0, 0, 0]
        })
        .count() as u32
}

fn frame_len(wal: &[u8]) -> usize {
    FRAME_HEADER_LEN + u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize
}

/// Four transactions: 5 new flags, 3 of them completed, 40 new flags, 1 more.
fn four_transactions(tag: &str) -> Option<Live> {
    let mut live = Live::v1(tag)?;
    live.add_flags(5, "tx1");
    live.complete_newest(3);
    live.add_flags(40, "tx3");
    live.add_flags(1, "tx4");
    Some(live)
}

#[test]
fn committed_frames_apply_as_sqlite_reads_the_pair() {
    let Some(live) = four_transactions("full") else { return };
    let (main, wal_bytes) = live.snapshot();
    let img = wal::apply(&main, &wal_bytes).expect("a live pair applies");
    let (expected, flags, log) = sqlite_view(&main, &wal_bytes);
    let (got, app_flags) = image_view(&img.bytes);
    assert_eq!(got, expected);
    assert_eq!(app_flags, flags);
    assert_eq!(flags, *live.flag_counts.last().unwrap());
    assert_eq!(flags, 300 + 5 + 40 + 1, "the fixture holds 300 flags");
    assert_eq!(img.report.frames_applied as i64, log);
    assert_eq!(img.report.commits_applied, 4, "four write transactions");
    assert_eq!(img.report.commits_applied, commit_frames(&wal_bytes, log as usize));
    assert_eq!(img.report.frames_ignored, 0);
    assert!(img.report.why.is_empty(), "{:?}", img.report.why);
    // The main file alone does not have the new flags: the WAL is what adds them.
    assert_eq!(image_view(&main).1, 300);
}

#[test]
fn a_wal_cut_in_the_middle_of_a_frame_drops_only_the_torn_transaction() {
    let Some(live) = four_transactions("torn") else { return };
    let (main, wal_bytes) = live.snapshot();
    // The last transaction (one flag) ends with its commit frame: cut that frame in half.
    let cut = &wal_bytes[..wal_bytes.len() - frame_len(&wal_bytes) / 2];
    let img = wal::apply(&main, cut).expect("a torn tail is not an error");
    let (expected, flags, log) = sqlite_view(&main, cut);
    let (got, app_flags) = image_view(&img.bytes);
    assert_eq!(got, expected);
    assert_eq!(app_flags, flags);
    assert_eq!(flags, live.flag_counts[2], "the state after the third transaction");
    assert_eq!(img.report.commits_applied, 3);
    assert_eq!(img.report.frames_applied as i64, log);
    assert!(img.report.why.iter().any(|w| matches!(w, Ignored::TornFrame { .. })), "{:?}", img.report.why);
}

#[test]
fn an_uncommitted_tail_is_not_applied() {
    let Some(mut live) = Live::v1("uncommitted") else { return };
    live.add_flags(5, "tx1");
    // A transaction bigger than the page cache spills its pages into the WAL before it commits.
    live.conn.execute_batch("PRAGMA cache_size=8; BEGIN").unwrap();
    for i in 0..200 {
        live.conn
            .execute(
                "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, \
                 status, created_at, notes) VALUES ('change', '@a', '@b', ?1, ?2, 'pending', '2026-11-30', 'open')",
                (format!("Uncommitted flag {i}: a long enough description of what changed."), "x".repeat(2000)),
            )
            .unwrap();
    }
    let (main, wal_bytes) = live.snapshot();
    live.conn.execute_batch("ROLLBACK").unwrap();
    let whole_frames = (wal_bytes.len() - WAL_HEADER_LEN) / frame_len(&wal_bytes);
    let img = wal::apply(&main, &wal_bytes).unwrap();
    let (expected, flags, log) = sqlite_view(&main, &wal_bytes);
    assert!(
        whole_frames as i64 > log,
        "the setup spilled uncommitted frames: {whole_frames} frames, {log} committed"
    );
    assert_eq!(image_view(&img.bytes).0, expected);
    assert_eq!(flags, live.flag_counts[0]);
    assert_eq!(img.report.frames_applied as i64, log);
    assert_eq!(img.report.commits_applied, 1);
    assert_eq!(img.report.frames_ignored as usize, whole_frames - log as usize);
    // SQLite rewrites a page already in the WAL in place while the transaction is open and fixes
    // the cumulative checksums only at commit, so an uncommitted tail may also fail its checksum.
    assert!(
        img.report
            .why
            .iter()
            .all(|w| matches!(w, Ignored::Uncommitted { .. } | Ignored::ChecksumBreak { .. })),
        "{:?}",
        img.report.why
    );
    assert!(!img.report.why.is_empty());
}

#[test]
fn frames_from_before_a_checkpoint_restart_are_ignored() {
    let Some(mut live) = four_transactions("restart") else { return };
    let (busy, _, _): (i64, i64, i64) = live
        .conn
        .query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(busy, 0);
    live.add_flags(1, "tx5");
    let (main, wal_bytes) = live.snapshot();
    let img = wal::apply(&main, &wal_bytes).unwrap();
    let (expected, flags, log) = sqlite_view(&main, &wal_bytes);
    assert_eq!(image_view(&img.bytes).0, expected);
    assert_eq!(flags, *live.flag_counts.last().unwrap());
    assert_eq!(img.report.frames_applied as i64, log);
    assert_eq!(img.report.commits_applied, 1);
    assert!(img.report.frames_ignored > 0, "the restarted log is shorter than the old one");
    assert!(img.report.why.iter().any(|w| matches!(w, Ignored::OldSalts { .. })), "{:?}", img.report.why);
}

#[test]
fn an_empty_or_header_only_wal_applies_nothing() {
    let Some(mut live) = Live::v1("empty") else { return };
    live.add_flags(2, "tx1");
    let (main, wal_bytes) = live.snapshot();
    for wal_part in [&wal_bytes[..0], &wal_bytes[..WAL_HEADER_LEN]] {
        let img = wal::apply(&main, wal_part).unwrap();
        assert_eq!(img.bytes, main);
        assert_eq!((img.report.frames_applied, img.report.commits_applied), (0, 0));
        assert_eq!(img.report.why, vec![Ignored::NoFrames]);
        let (expected, flags, _) = sqlite_view(&main, wal_part);
        assert_eq!(image_view(&img.bytes).0, expected);
        assert_eq!(flags, 300);
    }
}

#[test]
fn damage_before_the_last_commit_is_refused() {
    let Some(live) = four_transactions("damaged") else { return };
    let (main, mut wal_bytes) = live.snapshot();
    // A byte inside the page of the first frame: SQLite would silently stop there.
    wal_bytes[WAL_HEADER_LEN + FRAME_HEADER_LEN + 100] ^= 0x55;
    match wal::apply(&main, &wal_bytes) {
        Err(e @ WalError::DamagedBeforeLastCommit { frame: 1, .. }) => {
            assert!(e.to_string().contains("damaged"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    let (_, flags, _) = sqlite_view(&main, &wal_bytes);
    assert_eq!(flags, 300, "plain SQLite drops every transaction after the damage without a word");
}

/// A WAL-mode database made from scratch with `pragmas`, one table and a few rows; its `-wal`.
fn foreign_wal(tag: &str, pragmas: &str) -> Vec<u8> {
    let dir = scratch_dir(tag);
    let path = dir.join("other.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(pragmas).unwrap();
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint=0; CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ('a'), ('b');",
    )
    .unwrap();
    let wal_bytes = std::fs::read(wal_path(&path)).unwrap();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    wal_bytes
}

#[test]
fn a_wal_of_another_database_is_refused() {
    let Some(main) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let db_page = header::check(&main).unwrap().page_size;
    let other = foreign_wal("page", "PRAGMA page_size=1024");
    match wal::apply(&main, &other) {
        Err(e @ WalError::PageSizeMismatch { wal: 1024, database }) => {
            assert_eq!(database, db_page);
            assert!(e.to_string().contains("does not belong"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // Same page size, but a UTF-16 database: its page 1 in the WAL gives it away.
    let other = foreign_wal("enc", &format!("PRAGMA page_size={db_page}; PRAGMA encoding='UTF-16le'"));
    assert!(matches!(wal::apply(&main, &other), Err(WalError::EncodingMismatch { wal: 2, database: 1 })));
}

#[test]
fn a_wal_with_a_damaged_header_is_refused() {
    let Some(live) = four_transactions("badhead") else { return };
    let (main, mut wal_bytes) = live.snapshot();
    wal_bytes[17] ^= 1; // salt-1
    assert_eq!(wal::apply(&main, &wal_bytes), Err(WalError::BadHeaderChecksum));
    assert!(matches!(wal::apply(&main, &main), Err(WalError::BadMagic { .. })));
}

#[test]
fn the_export_of_an_applied_pair_is_one_self_contained_wal_mode_file() {
    let Some(live) = four_transactions("export") else { return };
    let (main, wal_bytes) = live.snapshot();
    let img = wal::apply(&main, &wal_bytes).unwrap();
    let (expected, flags, _) = sqlite_view(&main, &wal_bytes);
    // Opened and exported as the app does: engine bytes in, export out, journal mode put back.
    let info = header::check(&img.bytes).unwrap();
    let db = flagdeck_core::native::NativeDb::open_bytes(&header::for_engine(&img.bytes, &info)).unwrap();
    let exported = header::restore_journal_mode(db.export_sync().unwrap(), info.journal_mode);
    assert_eq!(header::check(&exported).unwrap().journal_mode, header::JournalMode::Wal);
    // Alone in its folder (no -wal beside it), SQLite sees every change that was in the WAL.
    let dir = scratch_dir("exported");
    let path = dir.join("project.db");
    std::fs::write(&path, &exported).unwrap();
    let conn = Connection::open(&path).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    assert_eq!(digests(&conn), expected);
    let n: i64 = conn.query_row("SELECT count(*) FROM flags", [], |r| r.get(0)).unwrap();
    assert_eq!(n, flags);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_commit_that_shrinks_the_database_cuts_the_image() {
    let Some(mut live) = Live::v1("shrink") else { return };
    live.add_flags(3, "tx1");
    // VACUUM in WAL mode writes the rebuilt pages as frames; its commit frame gives a smaller size.
    live.conn.execute_batch("DELETE FROM tool_logs; VACUUM").unwrap();
    let (main, wal_bytes) = live.snapshot();
    let img = wal::apply(&main, &wal_bytes).unwrap();
    let (expected, _, log) = sqlite_view(&main, &wal_bytes);
    assert_eq!(image_view(&img.bytes).0, expected);
    assert_eq!(img.report.frames_applied as i64, log);
    assert_eq!(img.report.commits_applied, 3, "the flags, the DELETE, the VACUUM");
    let page = header::check(&main).unwrap().page_size as usize;
    assert_eq!(img.bytes.len(), img.report.pages as usize * page);
    assert!(img.bytes.len() < main.len(), "{} bytes after VACUUM, {} before", img.bytes.len(), main.len());
}
