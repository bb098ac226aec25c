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
    /// Where the change_description prefix is: a block of [`FlagRowMirror::text`] and a byte
    /// range in it.
    change_block: u32,
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
    /// The prefixes, in blocks of [`TEXT_BLOCK`] bytes: a block is never grown past its
    /// capacity, so filling never copies what it holds already (with a single growing arena,
    /// the bench at a million flags had page-thread tasks of 95–155 ms while it filled).
    text: Vec<String>,
    /// Bytes written to [`FlagRowMirror::text`], and those no row points to any more.
    written: usize,
    garbage: usize,
}

/// Bytes of one block of prefixes (a prefix is at most 4 bytes × `LIST_PREFIX_CHARS`).
const TEXT_BLOCK: usize = 1 << 20;

impl FlagRowMirror {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty mirror with room for `flags` flags (their rows and ids; the texts grow by
    /// blocks), so filling it never rehashes nor copies a large array.
    pub fn with_capacity(flags: usize) -> Self {
        FlagRowMirror {
            slot_of: FxHashMap::with_capacity_and_hasher(flags, Default::default()),
            rows: Vec::with_capacity(flags),
            ..Self::default()
        }
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
            + self.text.iter().map(String::capacity).sum::<usize>()
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
        let (change_block, change_at) = self.push_text(&row.change_description);
        let packed = Packed {
            id: row.id,
            chain: row.chain_origin_id,
            locked: row.locked,
            change_block,
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
        if self.garbage > TEXT_BLOCK && self.garbage * 2 > self.written {
            self.compact();
        }
    }

    /// Appends `text` to the last block with room for it (a new block when none has): its
    /// block and offset.
    fn push_text(&mut self, text: &str) -> (u32, u32) {
        let fits = self.text.last().is_some_and(|b| b.capacity() - b.len() >= text.len());
        if !fits {
            self.text.push(String::with_capacity(TEXT_BLOCK.max(text.len())));
        }
        let block = self.text.len() - 1;
        let at = self.text[block].len();
        self.text[block].push_str(text);
        self.written += text.len();
        (block as u32, at as u32)
    }

    fn text_of(&self, p: &Packed) -> &str {
        let at = p.change_at as usize;
        &self.text[p.change_block as usize][at..at + p.change_bytes as usize]
    }

    /// Rewrites the text blocks without the prefixes no row points to.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.text);
        self.written = 0;
        let slots: Vec<u32> = self.slot_of.values().copied().collect();
        for slot in slots {
            let p = &self.rows[slot as usize];
            let at = p.change_at as usize;
            let text = &old[p.change_block as usize][at..at + p.change_bytes as usize];
            let (block, at) = self.push_text(text);
            let p = &mut self.rows[slot as usize];
            p.change_block = block;
            p.change_at = at;
        }
        self.garbage = 0;
    }

    /// Gives back the memory the growth of its arrays left unused (the text arena doubles as
    /// it fills: up to twice the text it holds).
    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        if let Some(last) = self.text.last_mut() {
            last.shrink_to_fit();
        }
        self.slot_of.shrink_to_fit();
        self.string_of.shrink_to_fit();
        self.strings.shrink_to_fit();
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
            change_description: self.text_of(p).to_owned(),
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
                    "SELECT NULL AS sort_key, {columns} FROM flags WHERE id {} ? ORDER BY id LIMIT {FILL_CHUNK}",
                    if after.is_some() { ">" } else { ">=" }
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
                    mirror.shrink_to_fit();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, change: &str) -> FlagRow {
        FlagRow {
            id,
            sort_key: Value::Null,
            flag_type: "api_change".into(),
            source_agent: "@backend".into(),
            target_agent: (id % 3 != 0).then(|| format!("@agent{}", id % 5)),
            change_description: change.into(),
            change_description_length: change.chars().count() + (id as usize % 2) * 1000,
            impact_level: (id % 4 != 0).then(|| "high".into()),
            status: Status::parse(["pending", "completed", "", "weird"][id as usize % 4]),
            locked: id % 2 == 0,
            created_at: format!("2026-01-{:02} 10:00", 1 + id % 28),
            completed_at: (id % 5 == 0).then(|| "2026-02-01 09:00".into()),
            chain_origin_id: (id % 7 == 0).then_some(id - 1),
        }
    }

    /// Rows come back as they went in, across text blocks, replacements and the compaction
    /// that replacements bring (every prefix rewritten into fresh blocks).
    #[test]
    fn rows_come_back_as_they_went_in_across_blocks_and_compaction() {
        let mut m = FlagRowMirror::with_capacity(10);
        let long = "é".repeat(300);
        let rows: Vec<FlagRow> =
            (1..=6000).map(|id| row(id, if id % 2 == 0 { &long } else { "short" })).collect();
        for r in &rows {
            m.insert(r);
        }
        assert!(m.text.len() > 1, "the prefixes span several blocks");
        assert_eq!(m.len(), 6000);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).rev().collect();
        assert_eq!(m.rows(&ids).unwrap(), rows.iter().rev().cloned().collect::<Vec<_>>());
        // Replace every long prefix twice: garbage passes half of what was written.
        for round in 0..2 {
            for r in rows.iter().filter(|r| r.id % 2 == 0) {
                m.insert(&FlagRow { change_description: format!("{round}{long}"), ..r.clone() });
            }
        }
        assert!(m.garbage < m.written, "compacted");
        for r in &rows {
            let want = if r.id % 2 == 0 {
                FlagRow { change_description: format!("1{long}"), ..r.clone() }
            } else {
                r.clone()
            };
            assert_eq!(m.get(r.id), Some(want));
        }
        m.remove(2);
        assert_eq!(m.get(2), None);
        assert_eq!(m.rows(&[1, 2]), None, "all or nothing");
        assert_eq!(m.len(), 5999);
    }
}
