//! What happens between "bytes arrived" and "summary shown", for every adapter:
//! header check, safety pragmas, `quick_check`, schema detection, the objects this SQLite cannot
//! use ([`crate::unusable`]), counts.

use std::fmt;

use serde::Serialize;

use super::header::{self, HeaderError, HeaderInfo, JournalMode};
use super::listing;
use super::port::{Database, DbError};
use super::schema::{self, Detection, Generation, SchemaFacts};
use super::summary::{self, Counts};
use super::unusable::{self, EngineLimits};

/// Set on every connection before anything else runs: schema-defined functions in views and
/// triggers may not run unchecked SQL functions, and every page's cell sizes are verified as
/// read, so a damaged file fails loudly instead of returning garbage.
pub const SAFETY_PRAGMAS: &str = "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON;";

/// Statements for an engine's own empty database, run before a file is opened: they build a
/// small table and index (10,000 rows, ~1 MB) and check them twice with the open's settings
/// ([`SAFETY_PRAGMAS`], which it begins with), so that the code of the open's
/// `PRAGMA quick_check` has run hot once. In a browser, a fresh page runs sql.js' WebAssembly
/// with its baseline compiler until it finds that code hot; run first on a file, the check of
/// 277 MB took 395–480 ms, and 256–310 ms after this warm-up (85–160 ms in the worker while the
/// page is idle). Never for a file's database: it creates a table.
pub const ENGINE_WARM_UP: &str = "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; \
    CREATE TABLE warm_up (id INTEGER PRIMARY KEY, body TEXT, kind INTEGER); \
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
    INSERT INTO warm_up SELECT i, hex(randomblob(20)), i % 97 FROM n; \
    CREATE INDEX warm_up_kind ON warm_up (kind, body); \
    PRAGMA quick_check; PRAGMA quick_check;";

/// A database that opened and was recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub generation: Generation,
    pub user_version: i64,
    pub wal: bool,
    pub page_size: u32,
    pub file_bytes: usize,
    pub counts: Counts,
    pub tables: usize,
    pub views: usize,
    pub triggers: usize,
    pub indexes: usize,
    /// Parts of the file left out, as sentences ([`Detection::warnings`]).
    pub warnings: Vec<String>,
    /// Schema objects this SQLite cannot use and the writes that fail because of them
    /// ([`unusable::find`]); empty for almost every file.
    pub limits: EngineLimits,
}

/// Why a file was not opened. Every variant is a full sentence for the alert region.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenError {
    Header(HeaderError),
    /// `PRAGMA quick_check` found damage: its lines (or SQLite's error) that
    /// [`unusable::classify_check`] calls damage.
    Corrupt(Vec<String>),
    /// A healthy SQLite file that is not an Acolytes or ClaudeSquad database: what it lacks
    /// ([`Detection::missing`]) and the tables it has.
    UnknownSchema {
        missing: Vec<String>,
        tables: Vec<String>,
    },
    Engine(DbError),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Header(h) => h.fmt(f),
            OpenError::Corrupt(problems) => {
                write!(
                    f,
                    "The database is damaged: SQLite's integrity check found {} problem{} ({}).",
                    listing::thousands(problems.len()),
                    if problems.len() == 1 { "" } else { "s" },
                    listing::some_of(problems, 3, "; ")
                )
            }
            OpenError::UnknownSchema { missing, tables } => {
                write!(
                    f,
                    "This SQLite file is not an Acolytes or ClaudeSquad database (schema generation: unknown): \
                     flagdeck reads agents_catalog with flags (Acolytes 1.x, ClaudeSquad) or acolyte_quests \
                     (Acolytes 2.x). Missing: {}.",
                    listing::some_of(missing, listing::REQUIRED_SHOWN, ", ")
                )?;
                match tables.len() {
                    0 => write!(f, " It has no tables at all."),
                    n if n <= listing::SHOWN => write!(f, " Its tables: {}.", listing::names(tables)),
                    n => write!(f, " Its {} tables: {}.", listing::thousands(n), listing::names(tables)),
                }
            }
            OpenError::Engine(e) => write!(f, "The database could not be read: {}", e.message()),
        }
    }
}

impl From<DbError> for OpenError {
    fn from(e: DbError) -> Self {
        // A SQLite error while reading the schema of a file that passed the header check means
        // its pages are damaged (e.g. "database disk image is malformed").
        match e {
            DbError::Sqlite(m) => OpenError::Corrupt(vec![m]),
            other => OpenError::Engine(other),
        }
    }
}

/// Step 1, before any engine: validate the header.
pub fn check_bytes(bytes: &[u8]) -> Result<HeaderInfo, OpenError> {
    header::check(bytes).map_err(OpenError::Header)
}

/// Step 1 from the first bytes and the length only (the browser keeps the file in JS memory).
pub fn check_head(head: &[u8], len: usize) -> Result<HeaderInfo, OpenError> {
    header::check_head(head, len).map_err(OpenError::Header)
}

/// Step 2, on a freshly opened engine holding `header::for_engine(bytes)`.
pub async fn inspect<D: Database>(db: &D, info: &HeaderInfo) -> Result<(Report, SchemaFacts), OpenError> {
    db.execute_batch(SAFETY_PRAGMAS).await?;
    let problems = match db.query("PRAGMA quick_check", &[]).await {
        Ok(check) => check.first_column_text(),
        // Some SQLite versions stop the whole check at an object they cannot compile: check
        // each ordinary table alone then.
        Err(DbError::Sqlite(m)) if !unusable::classify_check(&m).is_damage() => {
            quick_check_each_table(db).await?
        }
        Err(e) => return Err(e.into()),
    };
    let damage = damage_in(problems);
    if !damage.is_empty() {
        return Err(OpenError::Corrupt(damage));
    }
    let facts = schema::read_facts(db).await?;
    let Detection { generation, missing, warnings } = schema::detect(&facts);
    if generation == Generation::Unknown {
        return Err(OpenError::UnknownSchema { missing, tables: facts.tables.keys().cloned().collect() });
    }
    let limits = unusable::find(db, &facts).await?;
    let counts = summary::read_counts(db, &facts, generation).await?;
    let report = Report {
        generation,
        user_version: facts.user_version,
        wal: info.journal_mode == JournalMode::Wal,
        page_size: info.page_size,
        file_bytes: info.file_bytes,
        counts,
        tables: facts.tables.len(),
        views: facts.views.len(),
        triggers: facts.triggers.len(),
        indexes: facts.indexes.len(),
        warnings,
        limits,
    };
    Ok((report, facts))
}

/// The lines of a `quick_check` answer that are damage: `ok` and what
/// [`unusable::classify_check`] calls missing (a module, table, column or function this SQLite
/// lacks, which [`unusable::find`] reports object by object) are left out.
pub fn damage_in(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().filter(|l| l != "ok" && unusable::classify_check(l).is_damage()).collect()
}

/// `PRAGMA quick_check('table')` for every ordinary table (`rootpage > 0`), every line of every
/// answer together; a table whose check is stopped by something this SQLite lacks is skipped.
async fn quick_check_each_table<D: Database>(db: &D) -> Result<Vec<String>, OpenError> {
    let tables = db
        .query("SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 ORDER BY rowid", &[])
        .await?
        .first_column_text();
    let mut lines = Vec::new();
    for table in tables {
        let sql = format!("PRAGMA quick_check('{}')", table.replace('\'', "''"));
        match db.query(&sql, &[]).await {
            Ok(rs) => lines.extend(rs.first_column_text()),
            Err(DbError::Sqlite(m)) if !unusable::classify_check(&m).is_damage() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(lines)
}
