//! What happens between "bytes arrived" and "summary shown", for every adapter:
//! header check, safety pragmas, `quick_check`, schema detection, counts.

use std::fmt;

use serde::Serialize;

use super::header::{self, HeaderError, HeaderInfo, JournalMode};
use super::port::{Database, DbError};
use super::schema::{self, Detection, Generation, SchemaFacts};
use super::summary::{self, Counts};

/// Set on every connection before anything else runs: schema-defined functions in views and
/// triggers may not run unchecked SQL functions, and every page's cell sizes are verified as
/// read, so a damaged file fails loudly instead of returning garbage.
pub const SAFETY_PRAGMAS: &str = "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON;";

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
}

/// Why a file was not opened. Every variant is a full sentence for the alert region.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenError {
    Header(HeaderError),
    /// `PRAGMA quick_check` did not answer `ok`.
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
                let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
                write!(
                    f,
                    "The database is damaged: SQLite's integrity check found {} problem{} ({}).",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" },
                    shown.join("; ")
                )
            }
            OpenError::UnknownSchema { missing, tables } => {
                write!(
                    f,
                    "This SQLite file is not an Acolytes or ClaudeSquad database (schema generation: unknown): \
                     flagdeck reads agents_catalog with flags (Acolytes 1.x, ClaudeSquad) or acolyte_quests \
                     (Acolytes 2.x). Missing: {}.",
                    missing.join(", ")
                )?;
                if tables.is_empty() {
                    write!(f, " It has no tables at all.")
                } else {
                    write!(f, " Its tables: {}.", tables.join(", "))
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
    let check = db.query("PRAGMA quick_check", &[]).await?;
    let problems = check.first_column_text();
    if problems != ["ok"] {
        return Err(OpenError::Corrupt(problems));
    }
    let facts = schema::read_facts(db).await?;
    let Detection { generation, missing, warnings } = schema::detect(&facts);
    if generation == Generation::Unknown {
        return Err(OpenError::UnknownSchema { missing, tables: facts.tables.keys().cloned().collect() });
    }
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
    };
    Ok((report, facts))
}
