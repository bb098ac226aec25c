//! Reads a database file together with its `-wal` file the way SQLite does, and returns the
//! database image SQLite would see: a single self-contained file that the engine (sql.js, which
//! has no `-wal` next to its in-memory file) opens like any other.
//!
//! Terms are those of the SQLite file format, <https://www.sqlite.org/fileformat.html#the_write_ahead_log>:
//!
//! * **WAL header** (32 bytes, big-endian): magic `0x377f0682` or `0x377f0683` (the low bit gives
//!   the byte order of the checksum words: 1 = big-endian), format version 3007000, page size,
//!   checkpoint sequence number, **salt-1**, **salt-2**, and a checksum of the first 24 bytes.
//! * **Frames** follow: a 24-byte **frame header** (page number; for a **commit frame** the
//!   **database size in pages** after the commit, else 0; salt-1; salt-2; checksum-1;
//!   checksum-2) and one page of data.
//! * The **cumulative checksum** of a frame covers its first 8 header bytes and its page data and
//!   is seeded with the checksum of the frame before it (the WAL header's for the first frame).
//!   A frame is valid when its salts equal the WAL header's and its checksum matches.
//!
//! SQLite reads frames from the start until the first invalid one; the log ends at the last
//! *commit frame* before that point. Everything after it is ignored: an uncommitted transaction
//! (frames spilled by a writer that has not committed, or rolled back), a frame cut off by a copy
//! taken while the writer was appending (a torn tail), or frames left from before the last
//! checkpoint restart (their salts are the previous ones). [`apply`] does exactly that, and
//! refuses (instead of silently dropping committed work as SQLite would) in the cases in
//! [`WalError`].
//!
//! Identity limit: neither the database file nor the WAL records which database a WAL belongs to
//! (the salts and the checkpoint sequence number live only in the WAL; the main file's change
//! counter is not advanced by WAL commits). So a WAL from another database is recognised only
//! when its page size differs, or when it carries page 1 (the database header) with a different
//! text encoding; a foreign WAL of the same page size otherwise yields an image that the usual
//! open checks (header, schema) then judge.

use std::fmt;

use crate::header;

/// Length of the WAL header in bytes.
pub const WAL_HEADER_LEN: usize = 32;
/// Length of a frame header in bytes.
pub const FRAME_HEADER_LEN: usize = 24;
/// WAL magic with little-endian checksum words.
pub const MAGIC_LE: u32 = 0x377f_0682;
/// WAL magic with big-endian checksum words.
pub const MAGIC_BE: u32 = 0x377f_0683;
/// The only WAL format version SQLite writes and reads.
pub const FORMAT_VERSION: u32 = 3_007_000;

/// What was applied, and what was ignored and why.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct WalReport {
    /// Frames up to and including the last valid commit frame: SQLite's `mxFrame`, the "log"
    /// column of `PRAGMA wal_checkpoint`. A page written by several transactions counts once per
    /// frame (the last one wins in the image).
    pub frames_applied: u32,
    /// Commit frames among them: the transactions applied.
    pub commits_applied: u32,
    /// Whole frames after the end of the log, not applied.
    pub frames_ignored: u32,
    /// Database size in pages after the last applied commit (0 when nothing was applied).
    pub pages: u32,
    /// Why anything after the log end was ignored, in the order met (empty when nothing was).
    pub why: Vec<Ignored>,
}

/// A reason why a part of the WAL file was not applied.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    /// The file is empty or holds only a WAL header: nothing was written since the last
    /// checkpoint restart.
    NoFrames,
    /// The file is shorter than a WAL header (`bytes` long): SQLite treats it as empty.
    ShortHeader { bytes: usize },
    /// `frames` valid frames after the last commit frame: a transaction not (yet) committed.
    Uncommitted { frames: u32 },
    /// The file ends `bytes` bytes into a frame: a copy taken while a frame was being appended.
    TornFrame { bytes: usize },
    /// Frame `frame` (1-based) and the `frames` whole frames from it on carry other salts than
    /// the WAL header: left from before the last checkpoint restart.
    OldSalts { frame: u32, frames: u32 },
    /// Frame `frame` (1-based) carries the current salts but a wrong checksum; the `frames`
    /// whole frames from it on are not part of the log: a write cut off, a rolled-back
    /// transaction's leftovers, or a transaction still open (SQLite rewrites a page already in
    /// the WAL in place while a transaction is open and fixes the cumulative checksums of the
    /// frames after it only when it commits: `walRewriteChecksums` in wal.c).
    ChecksumBreak { frame: u32, frames: u32 },
}

/// Each reason reads as the name of what was left out, for "Left out: …".
impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pages = |n: u32| format!("{n} page{}", if n == 1 { "" } else { "s" });
        match self {
            Ignored::NoFrames => write!(f, "nothing (the -wal file holds no changes)"),
            Ignored::ShortHeader { bytes } => write!(
                f,
                "the whole -wal file ({bytes} bytes, shorter than a WAL header: SQLite ignores it too)"
            ),
            Ignored::Uncommitted { frames } => {
                write!(f, "{} of a transaction that was not committed", pages(*frames))
            }
            Ignored::TornFrame { bytes } => write!(
                f,
                "a page the -wal file ends in the middle of ({bytes} bytes of it: a write still under way)"
            ),
            Ignored::OldSalts { frame, frames } => {
                write!(f, "{} left over from before the last checkpoint (frame {frame} on)", pages(*frames))
            }
            Ignored::ChecksumBreak { frame, frames } => write!(
                f,
                "{} from frame {frame} on, which fail their checksum (a transaction still open, rolled back, \
                 or cut off while being written)",
                pages(*frames)
            ),
        }
    }
}

/// Why a `-wal` file cannot be applied to a database. Each variant reads as a sentence for the
/// UI; the database can still be opened alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalError {
    /// The database file itself fails the header check.
    MainFile(header::HeaderError),
    /// The first 4 bytes are not a WAL magic number.
    BadMagic { found: u32 },
    /// The WAL header's format version is not 3007000.
    BadVersion { found: u32 },
    /// The WAL header's page size is not a power of two from 512 to 65536.
    BadPageSize { found: u32 },
    /// The WAL header's checksum does not match its first 24 bytes.
    BadHeaderChecksum,
    /// The WAL's pages are of another size than the database's: another database's WAL.
    PageSizeMismatch { wal: u32, database: u32 },
    /// The WAL's copy of page 1 records another text encoding than the database.
    EncodingMismatch { wal: u32, database: u32 },
    /// A frame fails its checksum, yet a later frame with the current salts is a commit frame
    /// whose checksum chains validly from the frame before it: committed transactions were
    /// written after the damaged frame, so the file is damaged before its last commit.
    DamagedBeforeLastCommit { frame: u32, later_commit: u32 },
}

impl fmt::Display for WalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalError::MainFile(e) => write!(f, "The database file cannot be read, so its -wal cannot be applied: {e}"),
            WalError::BadMagic { found } => write!(
                f,
                "This is not a SQLite -wal file: it starts with 0x{found:08x} where a WAL starts with 0x377f0682 or 0x377f0683."
            ),
            WalError::BadVersion { found } => write!(
                f,
                "The -wal file's header is damaged: its format version is {found} where SQLite writes 3007000."
            ),
            WalError::BadPageSize { found } => write!(
                f,
                "The -wal file's header is damaged: its page size {found} is not a power of two from 512 to 65536."
            ),
            WalError::BadHeaderChecksum => write!(
                f,
                "The -wal file's header is damaged (its checksum does not match), so none of its changes can be trusted."
            ),
            WalError::PageSizeMismatch { wal, database } => write!(
                f,
                "The -wal file does not belong to this database: its pages are {wal} bytes, the database's are {database} bytes."
            ),
            WalError::EncodingMismatch { wal, database } => write!(
                f,
                "The -wal file does not belong to this database: it records text encoding {wal}, the database {database}."
            ),
            WalError::DamagedBeforeLastCommit { frame, later_commit } => write!(
                f,
                "The -wal file is damaged: frame {frame} fails its checksum although transactions were committed after it \
                 (frame {later_commit} is a later commit), so the newest changes cannot be read reliably."
            ),
        }
    }
}

impl std::error::Error for WalError {}

/// The database image with the WAL applied, and what was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalImage {
    /// The database file as SQLite sees it through the WAL; its header still says WAL mode
    /// (bytes 18 and 19 are 2), so it goes through [`header::check`] and
    /// [`header::for_engine`] exactly as a WAL-mode file opened alone does.
    pub bytes: Vec<u8>,
    pub report: WalReport,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// SQLite's WAL checksum (`walChecksumBytes`): over 32-bit words in the byte order the magic
/// selects, two at a time, `s0 += x0 + s1; s1 += x1 + s0`, seeded with `(s0, s1)`.
/// `data.len()` is a multiple of 8 in every use.
pub fn checksum(data: &[u8], big_endian: bool, seed: (u32, u32)) -> (u32, u32) {
    let (mut s0, mut s1) = seed;
    let word = |c: &[u8]| {
        let a = [c[0], c[1], c[2], c[3]];
        if big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    };
    for pair in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

/// The parsed WAL header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalHeader {
    pub big_endian: bool,
    pub page_size: u32,
    pub checkpoint_sequence: u32,
    pub salt: (u32, u32),
    pub checksum: (u32, u32),
}

/// Parses and verifies the 32-byte WAL header (`wal` must be at least that long).
pub fn parse_header(wal: &[u8]) -> Result<WalHeader, WalError> {
    let magic = be_u32(wal, 0);
    if magic != MAGIC_LE && magic != MAGIC_BE {
        return Err(WalError::BadMagic { found: magic });
    }
    let big_endian = magic & 1 == 1;
    let version = be_u32(wal, 4);
    if version != FORMAT_VERSION {
        return Err(WalError::BadVersion { found: version });
    }
    let page_size = be_u32(wal, 8);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(WalError::BadPageSize { found: page_size });
    }
    let stored = (be_u32(wal, 24), be_u32(wal, 28));
    if checksum(&wal[..24], big_endian, (0, 0)) != stored {
        return Err(WalError::BadHeaderChecksum);
    }
    Ok(WalHeader {
        big_endian,
        page_size,
        checkpoint_sequence: be_u32(wal, 12),
        salt: (be_u32(wal, 16), be_u32(wal, 20)),
        checksum: stored,
    })
}

/// Applies `wal` (the bytes of `X-wal`) to `main` (the bytes of `X`) as SQLite would.
///
/// Returns the image (main file with every frame up to the last valid commit frame written over
/// it, in order, so a later frame of the same page wins; then cut or zero-extended to the commit
/// frame's database size in pages) and a [`WalReport`]. An empty or header-only WAL, or one
/// shorter than a header, applies nothing and returns the main bytes unchanged. `main` may be
/// empty (a database whose every page is still in the WAL).
///
/// Errors: see [`WalError`]. SQLite silently ignores a WAL with a bad header and stops at a
/// damaged frame; here both are refused so that a person is told the newest changes are missing.
/// Damage detection is conservative: after the first frame that fails its checksum (with the
/// current salts), the file is called damaged only if some later frame with the current salts is
/// a commit frame whose checksum is valid when seeded with the stored checksum of the frame just
/// before it. A rolled-back transaction's leftovers (overwritten in part by the next transaction)
/// never contain a commit frame, and frames from before a checkpoint restart carry other salts,
/// so neither is taken for damage. A copy taken at the very moment SQLite was committing (while it
/// rewrote the checksums of an open transaction's frames) can look damaged too; reading the pair
/// again then succeeds.
pub fn apply(main: &[u8], wal: &[u8]) -> Result<WalImage, WalError> {
    let plan = plan(&main[..main.len().min(header::HEADER_LEN)], main.len(), wal)?;
    let mut image = main.to_vec();
    if let Some(pages) = plan.size_pages {
        image.resize(pages as usize * plan.page_size as usize, 0);
    }
    let page = plan.page_size as usize;
    for &(pgno, at) in &plan.pages {
        let to = (pgno as usize - 1) * page;
        image[to..to + page].copy_from_slice(&wal[at..at + page]);
    }
    Ok(WalImage { bytes: image, report: plan.report })
}

/// Which WAL frames make up the image SQLite would see, without the database bytes: what
/// [`apply`] copies, for a caller that keeps the database file outside this memory (the
/// browser builds the image in JavaScript memory from this plan, so a 100 MB file is never
/// copied into wasm memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalPlan {
    /// Page size in bytes (the WAL's; equal to the database's when it has pages).
    pub page_size: u32,
    /// The database size in pages after the last applied commit; `None` when nothing is applied
    /// (the image is the database file as it is).
    pub size_pages: Option<u32>,
    /// `(page number, byte offset of that page's data in the WAL)` for the newest applied frame
    /// of each page within `size_pages`, by ascending page number.
    pub pages: Vec<(u32, usize)>,
    pub report: WalReport,
}

/// The plan of [`apply`]: `main_head` is the first [`header::HEADER_LEN`] bytes of the database
/// file (fewer when it is shorter) and `main_len` its length in bytes. Errors as [`apply`].
pub fn plan(main_head: &[u8], main_len: usize, wal: &[u8]) -> Result<WalPlan, WalError> {
    let db_page_size = if main_len == 0 {
        None
    } else {
        Some(header::check_head(main_head, main_len).map_err(WalError::MainFile)?.page_size)
    };
    let unchanged = |page_size: u32, why: Vec<Ignored>, frames_ignored: u32| WalPlan {
        page_size,
        size_pages: None,
        pages: Vec::new(),
        report: WalReport { why, frames_ignored, ..WalReport::default() },
    };
    let fallback = db_page_size.unwrap_or(0);
    if wal.is_empty() {
        return Ok(unchanged(fallback, vec![Ignored::NoFrames], 0));
    }
    if wal.len() < WAL_HEADER_LEN {
        return Ok(unchanged(fallback, vec![Ignored::ShortHeader { bytes: wal.len() }], 0));
    }
    let head = parse_header(wal)?;
    if let Some(database) = db_page_size {
        if database != head.page_size {
            return Err(WalError::PageSizeMismatch { wal: head.page_size, database });
        }
    }
    let page = head.page_size as usize;
    let frame_len = FRAME_HEADER_LEN + page;
    let body = &wal[WAL_HEADER_LEN..];
    let whole = body.len() / frame_len;
    let torn = body.len() % frame_len;
    let frame = |i: usize| &body[i * frame_len..(i + 1) * frame_len];
    let salts_of = |f: &[u8]| (be_u32(f, 8), be_u32(f, 12));
    let stored_of = |f: &[u8]| (be_u32(f, 16), be_u32(f, 20));
    let chain = |f: &[u8], seed: (u32, u32)| {
        let s = checksum(&f[..8], head.big_endian, seed);
        checksum(&f[FRAME_HEADER_LEN..], head.big_endian, s)
    };

    // Walk the valid prefix of the log.
    let mut seed = head.checksum;
    let mut valid = 0usize;
    let mut last_commit: Option<usize> = None;
    let mut commits = 0u32;
    let mut stop: Option<Ignored> = None;
    while valid < whole {
        let f = frame(valid);
        if salts_of(f) != head.salt {
            stop = Some(Ignored::OldSalts { frame: valid as u32 + 1, frames: (whole - valid) as u32 });
            break;
        }
        let sum = chain(f, seed);
        if sum != stored_of(f) {
            stop = Some(Ignored::ChecksumBreak { frame: valid as u32 + 1, frames: (whole - valid) as u32 });
            break;
        }
        seed = sum;
        if be_u32(f, 4) != 0 {
            last_commit = Some(valid);
            commits += 1;
        }
        valid += 1;
    }

    // A break with committed work written after it is damage, not a tail.
    if let Some(Ignored::ChecksumBreak { frame: broken, .. }) = stop {
        for j in broken as usize..whole {
            let f = frame(j);
            if salts_of(f) == head.salt
                && be_u32(f, 4) != 0
                && chain(f, stored_of(frame(j - 1))) == stored_of(f)
            {
                return Err(WalError::DamagedBeforeLastCommit { frame: broken, later_commit: j as u32 + 1 });
            }
        }
    }

    let applied = last_commit.map_or(0, |c| c + 1);
    let mut why = Vec::new();
    if whole == 0 && torn == 0 {
        why.push(Ignored::NoFrames);
    }
    if valid > applied {
        why.push(Ignored::Uncommitted { frames: (valid - applied) as u32 });
    }
    why.extend(stop);
    if torn > 0 {
        why.push(Ignored::TornFrame { bytes: torn });
    }
    let Some(last) = last_commit else {
        return Ok(unchanged(head.page_size, why, whole as u32));
    };

    let size = be_u32(frame(last), 4);
    // The newest frame of each page wins; a page beyond the size a later commit set (the
    // database shrank) is never read by SQLite.
    let mut newest = std::collections::BTreeMap::new();
    for i in 0..applied {
        let pgno = be_u32(frame(i), 0);
        if pgno != 0 && pgno <= size {
            newest.insert(pgno, WAL_HEADER_LEN + i * frame_len + FRAME_HEADER_LEN);
        }
    }
    if main_len > 0 && main_head.len() >= header::HEADER_LEN {
        if let Some(&at) = newest.get(&1) {
            let (wal_enc, db_enc) = (be_u32(wal, at + 56), be_u32(main_head, 56));
            if wal_enc != db_enc && db_enc != 0 && wal_enc != 0 {
                return Err(WalError::EncodingMismatch { wal: wal_enc, database: db_enc });
            }
        }
    }
    Ok(WalPlan {
        page_size: head.page_size,
        size_pages: Some(size),
        pages: newest.into_iter().collect(),
        report: WalReport {
            frames_applied: applied as u32,
            commits_applied: commits,
            frames_ignored: (whole - applied) as u32,
            pages: size,
            why,
        },
    })
}

/// What is beside a database file on disk, as far as the browser can see (save in place; see
/// [`may_write_beside`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beside<'a> {
    /// The folder cannot be looked into (a file picked through the file picker).
    Unseen,
    /// The folder was looked into: the `-wal` file's bytes (`None`: no such file) and whether a
    /// `-shm` file (SQLite's WAL index) is there.
    Seen { wal: Option<&'a [u8]>, shm: bool },
}

/// Why writing a database file in place is refused. Each variant reads as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRefusal {
    /// The file says WAL mode and its folder cannot be looked into.
    CannotSee { database: String },
    /// The `-wal` beside it holds committed transactions.
    Holds { database: String, commits: u32 },
    /// The `-wal` beside it cannot be read as a WAL, so what SQLite would do with it is unknown.
    Unreadable { database: String, why: WalError },
    /// A `-shm` file is beside it: a connection (an agent) still has it open in WAL mode.
    InUse { database: String },
}

impl fmt::Display for WriteRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = "Save as a new file instead, or save again once the agents have stopped (when the last \
                     connection closes, SQLite folds the -wal file into the database and removes it and the \
                     -shm file).";
        match self {
            WriteRefusal::CannotSee { database } => write!(
                f,
                "{database} is in WAL mode, and the browser does not let flagdeck look into its folder, so it \
                 cannot tell whether a {wal} file lies beside it (SQLite would replay it over the saved \
                 {database} and corrupt it) or an agent still has it open. Open the project folder (Open \
                 project folder…) to save in place. {after}",
                wal = wal_name(database)
            ),
            WriteRefusal::Holds { database, commits } => write!(
                f,
                "{wal} beside {database} holds {commits} committed transaction{s} that SQLite replays over \
                 {database} whenever it opens it, so writing {database} now would corrupt it. {after}",
                wal = wal_name(database),
                s = if *commits == 1 { "" } else { "s" }
            ),
            WriteRefusal::Unreadable { database, why } => write!(
                f,
                "{wal} beside {database} cannot be read as a write-ahead log ({why}), so flagdeck cannot \
                 tell what SQLite would replay over {database}: nothing was written. {after}",
                wal = wal_name(database)
            ),
            WriteRefusal::InUse { database } => write!(
                f,
                "{database}-shm beside {database} says a connection (an agent) still has {database} open: its \
                 next write would go into a -wal that no longer matches the saved file and corrupt it. \
                 Nothing was written. {after}"
            ),
        }
    }
}

/// Whether `database` may be written in place: never while SQLite could later mix what is
/// written with pages it keeps elsewhere. SQLite opens a `-wal` file whenever one exists beside a
/// non-empty database, whatever the header's journal mode says (`pagerOpenWalIfPresent` in
/// SQLite's `pager.c`), and a WAL records no link to the main file's contents, so its committed
/// frames (even ones already checkpointed) would be copied over the new pages. A `-shm` file
/// (the WAL index) exists while a connection has the database open in WAL mode (SQLite removes
/// it with the `-wal` when the last one closes; a crash leaves it, and the next open recovers):
/// that connection keeps writing frames meant for the old file. `header_says_wal`: bytes 18 and
/// 19 of the file are 2. An empty or header-only `-wal`, or one with no committed frame, is
/// harmless once no connection is open.
pub fn may_write_beside(
    database: &str,
    header_says_wal: bool,
    beside: Beside<'_>,
) -> Result<(), WriteRefusal> {
    let database = database.to_owned();
    match beside {
        Beside::Unseen if header_says_wal => Err(WriteRefusal::CannotSee { database }),
        Beside::Unseen => Ok(()),
        Beside::Seen { wal, shm } => {
            // What would be replayed first (the surer loss), then whether a writer is still there.
            if let Some(bytes) = wal {
                match plan(&[], 0, bytes) {
                    Ok(p) if p.report.commits_applied > 0 => {
                        return Err(WriteRefusal::Holds { database, commits: p.report.commits_applied })
                    }
                    Ok(_) => {}
                    Err(why) => return Err(WriteRefusal::Unreadable { database, why }),
                }
            }
            if shm {
                return Err(WriteRefusal::InUse { database });
            }
            Ok(())
        }
    }
}

/// The name SQLite gives the write-ahead log of the database file `database`: `X-wal` for `X`.
pub fn wal_name(database: &str) -> String {
    format!("{database}-wal")
}

/// How picked or dropped files split into a database, its `-wal`, and the rest: indexes into
/// the names given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pairing {
    /// The database: the first name with its `X-wal` among the names, else the first name that
    /// is not itself a `-wal`, `-shm` or `-journal` companion.
    pub database: Option<usize>,
    /// `X-wal` for that database, when given.
    pub wal: Option<usize>,
    /// `X-shm` for that database: SQLite's shared-memory index, rebuilt from the WAL by any
    /// reader, so it is not needed and is left out without a word.
    pub shm: Option<usize>,
    /// Everything else, in the order given (other databases, a `-wal` without its database).
    pub others: Vec<usize>,
}

/// Splits `names` (file names as picked or dropped) into a database and its `-wal`.
pub fn pair(names: &[&str]) -> Pairing {
    let companion = |n: &str| n.ends_with("-wal") || n.ends_with("-shm") || n.ends_with("-journal");
    let find = |want: String| names.iter().position(|n| *n == want);
    let database = names
        .iter()
        .position(|n| !companion(n) && find(wal_name(n)).is_some())
        .or_else(|| names.iter().position(|n| !companion(n)));
    let (wal, shm) = match database {
        Some(d) => (find(wal_name(names[d])), find(format!("{}-shm", names[d]))),
        None => (None, None),
    };
    let others =
        (0..names.len()).filter(|&i| Some(i) != database && Some(i) != wal && Some(i) != shm).collect();
    Pairing { database, wal, shm, others }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built WAL: header plus frames `(page number, commit size, fill byte)`.
    fn wal_of(page: u32, salt: (u32, u32), frames: &[(u32, u32, u8)]) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(&MAGIC_BE.to_be_bytes());
        w.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        w.extend_from_slice(&page.to_be_bytes());
        w.extend_from_slice(&0u32.to_be_bytes());
        w.extend_from_slice(&salt.0.to_be_bytes());
        w.extend_from_slice(&salt.1.to_be_bytes());
        let mut seed = checksum(&w, true, (0, 0));
        w.extend_from_slice(&seed.0.to_be_bytes());
        w.extend_from_slice(&seed.1.to_be_bytes());
        for &(pgno, commit, fill) in frames {
            let mut f = Vec::new();
            f.extend_from_slice(&pgno.to_be_bytes());
            f.extend_from_slice(&commit.to_be_bytes());
            f.extend_from_slice(&salt.0.to_be_bytes());
            f.extend_from_slice(&salt.1.to_be_bytes());
            let data = vec![fill; page as usize];
            seed = checksum(&data, true, checksum(&f[..8], true, seed));
            f.extend_from_slice(&seed.0.to_be_bytes());
            f.extend_from_slice(&seed.1.to_be_bytes());
            f.extend_from_slice(&data);
            w.extend_from_slice(&f);
        }
        w
    }

    #[test]
    fn checksum_follows_the_documented_recurrence() {
        // Two pairs of big-endian words: (1, 2) then (3, 4).
        let data = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
        let s0 = 1;
        let s1 = 2 + s0;
        let s0b = s0 + 3 + s1;
        let s1b = s1 + 4 + s0b;
        assert_eq!(checksum(&data, true, (0, 0)), (s0b, s1b));
    }

    #[test]
    fn empty_main_takes_every_page_from_the_wal() {
        let wal = wal_of(512, (7, 9), &[(1, 0, 0xaa), (2, 2, 0xbb), (2, 0, 0xcc)]);
        let img = apply(&[], &wal).unwrap();
        assert_eq!(img.bytes.len(), 1024);
        assert!(img.bytes[..512].iter().all(|&b| b == 0xaa));
        assert!(img.bytes[512..].iter().all(|&b| b == 0xbb));
        assert_eq!(
            (img.report.frames_applied, img.report.commits_applied, img.report.frames_ignored),
            (2, 1, 1)
        );
        assert_eq!(img.report.why, vec![Ignored::Uncommitted { frames: 1 }]);
    }

    #[test]
    fn a_checksum_break_before_a_later_commit_is_damage() {
        let mut wal = wal_of(512, (1, 2), &[(1, 1, 1), (1, 1, 2), (1, 1, 3)]);
        let second_page_byte = WAL_HEADER_LEN + (FRAME_HEADER_LEN + 512) + FRAME_HEADER_LEN + 10;
        wal[second_page_byte] ^= 0xff;
        assert_eq!(apply(&[], &wal), Err(WalError::DamagedBeforeLastCommit { frame: 2, later_commit: 3 }));
        // The same break on the last frame is a torn tail: the first two transactions apply.
        let mut wal = wal_of(512, (1, 2), &[(1, 1, 1), (1, 1, 2), (1, 1, 3)]);
        let last = wal.len() - 5;
        wal[last] ^= 0xff;
        let img = apply(&[], &wal).unwrap();
        assert_eq!(img.report.commits_applied, 2);
        assert_eq!(img.report.why, vec![Ignored::ChecksumBreak { frame: 3, frames: 1 }]);
    }

    #[test]
    fn pairs_a_database_with_its_wal() {
        let p = pair(&["notes.txt-wal", "a.db", "project.db-shm", "project.db", "project.db-wal"]);
        assert_eq!((p.database, p.wal, p.shm, p.others), (Some(3), Some(4), Some(2), vec![0, 1]));
        let p = pair(&["project.db-wal"]);
        assert_eq!((p.database, p.wal, p.others), (None, None, vec![0]));
        let p = pair(&["b.db", "a.db"]);
        assert_eq!((p.database, p.wal, p.others), (Some(0), None, vec![1]));
    }

    #[test]
    fn a_wal_with_committed_frames_or_an_open_connection_refuses_a_write() {
        let committed = wal_of(512, (1, 2), &[(1, 1, 1)]);
        let uncommitted = wal_of(512, (1, 2), &[(1, 0, 1)]);
        let header_only = wal_of(512, (1, 2), &[]);
        let ok = |wal: bool, b| may_write_beside("project.db", wal, b);
        fn seen(wal: Option<&[u8]>) -> Beside<'_> {
            Beside::Seen { wal, shm: false }
        }
        assert_eq!(ok(true, seen(None)), Ok(()));
        assert_eq!(ok(false, Beside::Unseen), Ok(()));
        assert!(matches!(ok(true, Beside::Unseen), Err(WriteRefusal::CannotSee { .. })));
        assert_eq!(ok(true, seen(Some(&[]))), Ok(()));
        assert_eq!(ok(true, seen(Some(&header_only))), Ok(()));
        assert_eq!(ok(true, seen(Some(&uncommitted))), Ok(()));
        // Whatever the header says: SQLite opens any -wal beside a non-empty file.
        let refused = ok(false, seen(Some(&committed))).unwrap_err();
        assert_eq!(refused, WriteRefusal::Holds { database: "project.db".into(), commits: 1 });
        assert!(refused
            .to_string()
            .starts_with("project.db-wal beside project.db holds 1 committed transaction that"));
        assert!(matches!(ok(true, seen(Some(&[0u8; 40]))), Err(WriteRefusal::Unreadable { .. })));
        // An empty -wal with the WAL index beside it: a connection is still open.
        let in_use = ok(true, Beside::Seen { wal: Some(&[]), shm: true }).unwrap_err();
        assert_eq!(in_use, WriteRefusal::InUse { database: "project.db".into() });
        assert!(in_use.to_string().starts_with("project.db-shm beside project.db says a connection"));
    }

    #[test]
    fn header_faults_are_refused() {
        let mut wal = wal_of(512, (1, 2), &[]);
        wal[13] ^= 1;
        assert_eq!(apply(&[], &wal), Err(WalError::BadHeaderChecksum));
        assert!(matches!(apply(&[], &[0u8; 40]), Err(WalError::BadMagic { found: 0 })));
        assert_eq!(apply(&[], &[0x37, 0x7f]).unwrap().report.why, vec![Ignored::ShortHeader { bytes: 2 }]);
    }
}
