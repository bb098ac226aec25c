//! The flag list's rows held in the page (issue 15): every flag as the list shows it
//! ([`FlagRow`]), packed, so that a page at any scroll position is drawn in the frame of its
//! scroll from memory instead of waiting for two workers (the layer's ids, then the engine's
//! rows: a frame at least).
//!
//! * **What is held** ([`FlagRowMirror`]): per flag its id, chain origin, locked, the length of
//!   its change_description and the numbers of its seven short texts (type, source, target,
//!   impact, status, created, completed; each distinct text once), and the list's prefix of its
//!   change_description in one text arena. About 60 bytes a flag plus its prefix (~150 bytes on
//!   the generated files).
//! * **Where from**: the engine, by the list's own columns and row mapper ([`FlagRow::from_row`]
//!   on [`FlagMirrorFill`]'s statements): first every flag in rowid order, a chunk at a time,
//!   then whatever was invalidated. A row held is therefore exactly the row a page read by id
//!   would give (its `sort_key` aside: [`FlagRowMirror::rows`] gives NULL there).
//! * **Kept exact**: the flag layer's change log names every flag written
//!   ([`crate::flag_index::FlagIndex::take_changes`]); those ids are dropped from the mirror and
//!   read again ([`FlagMirrorFill::invalidate`]). A read that was on its way while ids were
//!   dropped is thrown away and made again ([`FlagMirrorFill::accept`]), so a row read before a
//!   write can never come back after its invalidation.

use std::collections::BTreeSet;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::flags::FlagRow;
use crate::port::{Database, DbError};
use crate::value::Value;
use crate::vocabulary::Status;

/// No text (NULL) in a packed column.
const NONE: u32 = u32::MAX;

/// One flag, packed: see the module doc.
#[derive(Debug, Clone)]
struct Packed {
    id: i64,
    chain: Option<i64>,
    locked: bool,
    /// Byte range of the change_description prefix in [`FlagRowMirror::text`].
    change_at: u32,
    change_bytes: u32,
    change_length: u32,
    /// flag_type, source_agent, target_agent, impact_level, status, created_at, completed_at.
    texts: [u32; 7],
}

/// Every flag as the list shows it, packed (see the module doc). Built and kept by
/// [`FlagMirrorFill`].
#[derive(Debug, Default)]
pub struct FlagRowMirror {
    slot_of: FxHashMap<i64, u32>,
    rows: Vec<Packed>,
    free: Vec<u32>,
    strings: Vec<Rc<str>>,
    string_of: FxHashMap<Rc<str>, u32>,
    text: String,
    /// Bytes of [`FlagRowMirror::text`] no row points to any more.
    garbage: usize,
}

impl FlagRowMirror {
    pub fn new() -> Self {
        Self::default()
    }

    /// Flags held.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Whether flag `id` is held.
    pub fn contains(&self, id: i64) -> bool {
        self.slot_of.contains_key(&id)
    }

    /// Bytes on the heap (an estimate: capacities, not the allocator's overhead).
    pub fn heap_bytes(&self) -> usize {
        let strings: usize = self.strings.iter().map(|s| s.len() + 16).sum();
        self.slot_of.capacity() * 16
            + self.rows.capacity() * std::mem::size_of::<Packed>()
            + self.free.capacity() * 4
            + strings
            + self.string_of.capacity() * 24
            + self.text.capacity()
    }

    fn intern(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return NONE };
        if let Some(n) = self.string_of.get(s) {
            return *n;
        }
        let n = self.strings.len() as u32;
        let s: Rc<str> = Rc::from(s);
        self.strings.push(s.clone());
        self.string_of.insert(s, n);
        n
    }

    fn string(&self, n: u32) -> Option<String> {
        (n != NONE).then(|| self.strings[n as usize].to_string())
    }

    /// Holds `row` (replacing the flag of its id).
    pub fn insert(&mut self, row: &FlagRow) {
        self.remove(row.id);
        let texts = [
            self.intern(Some(&row.flag_type)),
            self.intern(Some(&row.source_agent)),
            self.intern(row.target_agent.as_deref()),
            self.intern(row.impact_level.as_deref()),
            self.intern(Some(row.status.sql())),
            self.intern(Some(&row.created_at)),
            self.intern(row.completed_at.as_deref()),
        ];
        let change_at = self.text.len() as u32;
        self.text.push_str(&row.change_description);
        let packed = Packed {
            id: row.id,
            chain: row.chain_origin_id,
            locked: row.locked,
            change_at,
            change_bytes: row.change_description.len() as u32,
            change_length: row.change_description_length.min(u32::MAX as usize) as u32,
            texts,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.rows[s as usize] = packed;
                s
            }
            None => {
                self.rows.push(packed);
                (self.rows.len() - 1) as u32
            }
        };
        self.slot_of.insert(row.id, slot);
    }

    /// Drops flag `id` (nothing if it is not held).
    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slot_of.remove(&id) else { return };
        self.garbage += self.rows[slot as usize].change_bytes as usize;
        self.free.push(slot);
        if self.garbage > (1 << 20) && self.garbage * 2 > self.text.len() {
            self.compact();
        }
    }

    /// Rewrites the text arena without the prefixes no row points to.
    fn compact(&mut self) {
        let mut text = String::with_capacity(self.text.len() - self.garbage);
        for slot in self.slot_of.values() {
            let p = &mut self.rows[*slot as usize];
            let at = text.len() as u32;
            text.push_str(&self.text[p.change_at as usize..(p.change_at + p.change_bytes) as usize]);
            p.change_at = at;
        }
        self.text = text;
        self.garbage = 0;
    }

    /// Flag `id` as [`FlagRow::from_row`] read it, `sort_key` NULL; `None` if it is not held.
    pub fn get(&self, id: i64) -> Option<FlagRow> {
        let p = &self.rows[*self.slot_of.get(&id)? as usize];
        let [flag_type, source, target, impact, status, created, completed] = p.texts;
        Some(FlagRow {
            id: p.id,
            sort_key: Value::Null,
            flag_type: self.string(flag_type).unwrap_or_default(),
            source_agent: self.string(source).unwrap_or_default(),
            target_agent: self.string(target),
            change_description: self.text[p.change_at as usize..(p.change_at + p.change_bytes) as usize]
                .to_owned(),
            change_description_length: p.change_length as usize,
            impact_level: self.string(impact),
            status: Status::parse(&self.string(status).unwrap_or_default()),
            locked: p.locked,
            created_at: self.string(created).unwrap_or_default(),
            completed_at: self.string(completed),
            chain_origin_id: p.chain,
        })
    }

    /// The flags `ids`, in that order, when every one of them is held; `None` otherwise.
    pub fn rows(&self, ids: &[i64]) -> Option<Vec<FlagRow>> {
        if !ids.iter().all(|id| self.contains(*id)) {
            return None;
        }
        ids.iter().map(|id| self.get(*id)).collect()
    }
}

/// Flags read a chunk at a time while the mirror fills: a page's worth of work for sql.js
/// (~5–10 ms) and for the page's thread (reading the rows), so a question asked meanwhile
/// waits for one chunk at most.
pub const FILL_CHUNK: usize = 500;

/// One read of [`FlagMirrorFill`]: what it asks the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum MirrorRead {
    /// The next [`FILL_CHUNK`] flags in rowid order after this id (`None`: from the first).
    After(Option<i64>),
    /// These flags again (dropped by [`FlagMirrorFill::invalidate`]).
    Ids(Vec<i64>),
}

impl MirrorRead {
    /// The statement: the list's columns ([`crate::flags::LIST_COLUMNS`], change_description as its list
    /// prefix) with a NULL `sort_key`, read by rowid (`id` is the rowid wherever the flag layer
    /// answers, [`crate::flag_index::FlagIndex::applies`]).
    pub fn sql(&self) -> (String, Vec<Value>) {
        let columns = FlagRow::select_list();
        match self {
            MirrorRead::After(after) => (
                format!(
                    "SELECT NULL AS sort_key, {columns} FROM flags WHERE id > ? ORDER BY id LIMIT {FILL_CHUNK}"
                ),
                vec![Value::Integer(after.unwrap_or(i64::MIN))],
            ),
            MirrorRead::Ids(ids) => (
                format!(
                    "SELECT NULL AS sort_key, {columns} FROM flags WHERE id IN ({})",
                    vec!["?"; ids.len()].join(", ")
                ),
                ids.iter().map(|id| Value::Integer(*id)).collect(),
            ),
        }
    }
}

/// Filling and keeping a [`FlagRowMirror`]: which read comes next, and whether an answer may
/// be kept. The same steps run natively ([`FlagMirrorFill::step`]) and in the page, which
/// holds the mirror across its awaits by itself.
#[derive(Debug, Default)]
pub struct FlagMirrorFill {
    /// Where the rowid walk is (`None`: not started); `done` once a chunk came back short.
    after: Option<i64>,
    done: bool,
    /// Flags to read again.
    queue: BTreeSet<i64>,
    /// Bumped by every [`FlagMirrorFill::invalidate`].
    epoch: u64,
}

impl FlagMirrorFill {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether every flag has been read and nothing waits to be read again.
    pub fn complete(&self) -> bool {
        self.done && self.queue.is_empty()
    }

    /// The next read, with the epoch to hand back to [`FlagMirrorFill::accept`]; `None` when
    /// [`FlagMirrorFill::complete`]. Flags to read again go first.
    pub fn next(&self) -> Option<(MirrorRead, u64)> {
        let read = if !self.queue.is_empty() {
            MirrorRead::Ids(self.queue.iter().take(FILL_CHUNK).copied().collect())
        } else if !self.done {
            MirrorRead::After(self.after)
        } else {
            return None;
        };
        Some((read, self.epoch))
    }

    /// Drops `ids` (flags written: the change log's ids, those gone included) from `mirror`
    /// and reads them again later. A read on its way now is thrown away when it comes back.
    pub fn invalidate(&mut self, mirror: &mut FlagRowMirror, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            mirror.remove(id);
            // A flag the walk has not reached yet is read by the walk.
            if self.after.is_some_and(|a| id <= a) || self.done {
                self.queue.insert(id);
            }
        }
        self.epoch += 1;
    }

    /// Takes the rows `read` (asked at `epoch`) gave. Thrown away when flags were invalidated
    /// since it was asked (the read is made again: [`FlagMirrorFill::next`] gives it again).
    /// Returns whether they were kept.
    pub fn accept(
        &mut self,
        mirror: &mut FlagRowMirror,
        read: &MirrorRead,
        epoch: u64,
        rows: &[FlagRow],
    ) -> bool {
        if epoch != self.epoch {
            return false;
        }
        for row in rows {
            mirror.insert(row);
        }
        match read {
            MirrorRead::After(_) => {
                if let Some(last) = rows.last() {
                    self.after = Some(last.id);
                }
                if rows.len() < FILL_CHUNK {
                    self.done = true;
                }
            }
            MirrorRead::Ids(ids) => {
                for id in ids {
                    self.queue.remove(id);
                }
            }
        }
        true
    }

    /// One read, natively or against any engine behind the port: asks `db`, then
    /// [`FlagMirrorFill::accept`]. Returns `false` when the mirror is complete. Errors: the
    /// port's, or a result without the list's columns.
    pub async fn step<D: Database>(&mut self, db: &D, mirror: &mut FlagRowMirror) -> Result<bool, DbError> {
        let Some((read, epoch)) = self.next() else { return Ok(false) };
        let (sql, params) = read.sql();
        let rs = db.query(&sql, &params).await?;
        let rows = FlagRow::all(&rs)?;
        self.accept(mirror, &read, epoch, &rows);
        Ok(true)
    }
}
