//! The dashboard's aggregates kept in memory (issue 14 item 5), so showing the dashboard again,
//! opening the same file again, or going back to a range or filter already computed costs no
//! SQL at all.
//!
//! Where they are kept: in this module's thread-local [`CACHE`] (the UI thread's memory, never
//! in the database: nothing of it can reach an export), for ONE file at a time.
//!
//! Keyed by the file's identity ([`FileIdentity`]: its name, the header's change counter and
//! size, the `-wal` file applied with it, the files' last-modified times, and, once it was edited, the open attempt and
//! `data_version`) and the query key (range, as-of, filters, stall threshold, and the minute
//! "now" when as-of is "now").
//!
//! Invalidated: by an edit (`data_version` moves, so the identity differs), by a newer file
//! (follow mode or a newer copy: another change counter or size) and by any other file: an
//! identity that differs from the cached one empties the cache before its first entry.
//!
//! Memory: at most [`MAX_KEYS`] [`Aggregates`] of the one file; each holds per-day maps of its
//! window and short top lists (kilobytes to a few hundred kilobytes for an all-time window of
//! several years), whatever the size of the file.

use std::cell::RefCell;

use flagdeck_core::dashboard::Aggregates;
use flagdeck_core::header::HeaderInfo;

use super::QueryKey;
use crate::web::files::loader::Shared;
use crate::web::state::AppState;

/// Query keys kept for one file; the oldest use goes first.
pub const MAX_KEYS: usize = 8;

/// Which bytes the aggregates were computed from (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    name: String,
    change_counter: u32,
    file_bytes: usize,
    wal: String,
    /// The file's (and its `-wal`'s) last-modified times, as bits, when it is a file on disk.
    modified: Option<(u64, Option<u64>)>,
    /// `(open attempt, data_version)` once edited; `None` while the bytes are the file's.
    edited: Option<(u64, u64)>,
    /// For bytes that are no file on disk (a URL's, the demo, a stored copy), which have no
    /// last-modified time to tell a newer copy: the open itself ([`OpenDb::serial`]), so two
    /// opens are never taken for the same bytes.
    ///
    /// [`OpenDb::serial`]: crate::web::files::loader::OpenDb::serial
    opened: Option<u64>,
}

impl FileIdentity {
    /// The identity of `open`, the open database of `app`.
    pub fn of(app: AppState, open: &Shared) -> Self {
        let db = app.db();
        FileIdentity {
            name: open.name.clone(),
            change_counter: open.header.change_counter,
            file_bytes: open.header.file_bytes,
            wal: format!("{:?}", open.wal),
            modified: open.modified.map(|(db, wal)| (db.to_bits(), wal.map(f64::to_bits))),
            edited: (db.edited() || open.rewritten.get()).then(|| db.data_key()),
            opened: open.modified.is_none().then_some(open.serial),
        }
    }

    /// The identity of the bytes as opened, whatever was changed since: what `tool_logs` (which
    /// flagdeck never writes) is keyed by in [`super::stores`].
    pub fn as_opened(&self) -> FileIdentity {
        FileIdentity { edited: None, ..self.clone() }
    }

    /// Whether these are bytes named `name` with this header's change counter and size (what
    /// is known of a file while it opens; the rest of the identity comes after).
    /// Only a file on disk may be: other bytes are told apart by their open.
    pub fn may_be(&self, name: &str, header: &HeaderInfo) -> bool {
        self.opened.is_none()
            && self.name == name
            && self.change_counter == header.change_counter
            && self.file_bytes == header.file_bytes
    }

    /// Whether the engine's rows may differ from the bytes as opened (an edit, a replay at open).
    pub fn changed(&self) -> bool {
        self.edited.is_some()
    }
}

/// The key of one entry: the query key and "now" (`Some` only when as-of is "now").
pub type Key = (QueryKey, Option<String>);

#[derive(Default)]
struct Cache {
    file: Option<FileIdentity>,
    /// Most recently used last.
    entries: Vec<(Key, Aggregates)>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The aggregates kept for `file` and `key`, if any (a use: it moves to the back).
pub fn get(file: &FileIdentity, key: &Key) -> Option<Aggregates> {
    CACHE.with_borrow_mut(|c| {
        if c.file.as_ref() != Some(file) {
            return None;
        }
        let i = c.entries.iter().position(|(k, _)| k == key)?;
        let entry = c.entries.remove(i);
        let agg = entry.1.clone();
        c.entries.push(entry);
        Some(agg)
    })
}

/// Keeps `agg` for `file` and `key`; another file's entries are dropped first.
pub fn put(file: FileIdentity, key: Key, agg: Aggregates) {
    CACHE.with_borrow_mut(|c| {
        if c.file.as_ref() != Some(&file) {
            c.entries.clear();
            c.file = Some(file);
        }
        c.entries.retain(|(k, _)| *k != key);
        if c.entries.len() >= MAX_KEYS {
            c.entries.remove(0);
        }
        c.entries.push((key, agg));
    })
}
