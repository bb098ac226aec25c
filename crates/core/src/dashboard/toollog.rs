//! The rows of `tool_logs`, compact and in memory ([`ToolLog`]), and every tool figure of the
//! dashboard computed from them by a Rust pass instead of SQL over `tool_logs`: the tool KPIs
//! ([`ToolLog::tool_kpis`], same values as `tool_kpis` + `tool_figures` in the parent module),
//! the hook KPIs ([`ToolLog::hook_kpis`], same as [`super::hooks::hook_kpis`]), the tools
//! section of the coverage ([`ToolLog::coverage`]), the tool_logs rows of the activity
//! ([`ToolLog::activity_days`], as [`super::outliers`] counts them) and the tool filter's
//! choices ([`ToolLog::tool_choices`]).
//!
//! The SQL functions stay: they run when no `ToolLog` is given, and they are the oracle of the
//! tests (`tests/dashboard_toollog.rs`), which compare both paths field by field.
//!
//! Measured natively on the bench's file (1M generated calls, release profile; `cargo run
//! --release -p flagdeck-core --example stores_speed`): the store read from the file's pages
//! ([`super::imagescan`]) in ~600 ms (the page scan alone ~150 ms), through `NativeDb`
//! ([`ToolLog::read`]) 1.3–2.5 s; the default window (all 1M calls) `tool_kpis` 33–37 ms and
//! `hook_kpis` 60–63 ms, the last 7 days (102k calls) 3–4 ms and 4–7 ms; coverage, activity and
//! tool choices are counted once at build time. The same tool figures by SQL take 6.5–9 s.
//!
//! SQLite's semantics are kept where the figures depend on them: values keep their storage
//! class (1, 1.0 and '1': 1 and 1.0 group together, '1' apart, as `GROUP BY` groups them);
//! groups are ordered as `ORDER BY` orders them (NULL < numbers < text by bytes < blob);
//! `success = 0` / `blocked_by_hook = 1` are true for a number equal to 0 / 1, and for the text
//! '0' / '1' only when the column has TEXT affinity (the literal is then compared as text);
//! `SUM` is an integer over integers (and `None` when it overflows: SQLite fails the statement
//! with "integer overflow"), a real (Kahan–Babuska–Neumaier, as SQLite sums) as soon as one value
//! is not an integer, `NULL` without a non-NULL value; `substr` counts characters; the window
//! compares the timestamp as text (`timestamp >= start AND timestamp <= end || ':59'`), so a
//! timestamp stored as a number (or NULL) is outside every window, and one stored as a BLOB too.
//!
//! Known differences, none met in the fixtures: text that is not UTF-8 is held lossily (a BLOB
//! keeps its bytes); of a group whose values are equal numbers of two classes (1 and 1.0) the
//! label shown may be the other one; a tool / target filter matches text only (the columns have
//! TEXT affinity in every schema seen); a sessions or jobs table with repeated ids joins the
//! first row only (SQL would repeat the session); a timestamp that julianday reads as a julian
//! day number (digits as text) is left out of the quiet periods.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::coverage::{self, SectionCoverage};
use super::hooks::{
    self, HookKpis, JobActivity, QuietPeriod, SessionActivity, ToolMix, COLUMNS, QUIET_HOURS, TOP_FILES,
    TOP_QUIET, TOP_REASONS, TOP_SESSIONS,
};
use super::slots::{table_rows, Slot};
use super::stats::{day_text, parse_day};
use super::{Aggregates, DashboardState, Latency, ToolDay, ToolKpis, ToolStat, Window};
use crate::cell::Cell;
use crate::interner::Interner;
use crate::julian::{date_prefix, julian_ms_text};
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;
use crate::table_info::{table_info, Affinity};
use crate::value::{sql_cmp, Value};

// Positions in `hooks::COLUMNS`.
const TOOL: usize = 0;
const TIMESTAMP: usize = 1;
const SUCCESS: usize = 2;
const ERROR: usize = 3;
const BLOCKED: usize = 4;
const HOOK: usize = 5;
const FILE: usize = 6;
const LINES: usize = 7;
const BYTES: usize = 8;
const SESSION: usize = 9;
const AGENT: usize = 10;
const DURATION: usize = 11;

/// Row flags.
const FAILED: u32 = 1; // success = 0
const SUCCESS_SET: u32 = 2; // success IS NOT NULL
const BLOCKED_ONE: u32 = 4; // blocked_by_hook = 1
const BLOCKED_SET: u32 = 8; // blocked_by_hook IS NOT NULL

/// The id of the NULL value (always interned first).
const NULL_ID: u32 = 0;

/// In `lines` / `bytes`: the low 31 bits are the integer itself, not a value id (most values:
/// no look-up in the value table, whose many distinct byte counts would miss the cache).
const INLINE: u32 = 1 << 31;

/// One call, 44 bytes: the end of its timestamp in the arena; `lines` and `bytes` as ids into
/// [`ToolLog`]'s value table (their SUM needs the exact value); the other columns as their
/// value's rank in SQLite's order (what GROUP BY / ORDER BY / COUNT(DISTINCT) need; the value
/// shown for a group is [`ToolLog::rep`] of it). NULL is id 0 and rank 0.
#[derive(Debug, Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Row {
    ts_end: u32,
    tool: u32,
    session: u32,
    agent: u32,
    file: u32,
    error: u32,
    hook: u32,
    lines: u32,
    bytes: u32,
    duration: u32,
    /// [`FAILED`], [`SUCCESS_SET`], [`BLOCKED_ONE`], [`BLOCKED_SET`] (a whole word: the row
    /// has no padding, so it crosses the wire as its bytes).
    flags: u32,
}

/// The rows of `tool_logs` (the columns of `hooks::COLUMNS`; a column the table lacks is NULL)
/// held compactly: every value other than the timestamp is an id (4 bytes) into one table of
/// distinct values (interned, storage class kept), `success` and `blocked_by_hook` are reduced
/// to the four facts the figures read (= 0 / = 1, NULL or not), and the timestamps stored as
/// text sit in one byte arena, the rows SORTED by that text (bytes, as SQLite's BINARY
/// collation compares) so that a window is two binary searches. Rows whose timestamp is not
/// text (NULL, a number, a BLOB) come after them, their timestamp interned: they are outside
/// every window but counted where the SQL counts them (coverage, activity, filter choices).
///
/// Size: 44 bytes a row plus its timestamp's text (19 bytes for `YYYY-MM-DD HH:MM:SS`) and 4 in
/// its tool's row list, plus the distinct values (32 bytes each and their text) and two `u32`
/// per distinct value (rank, flags); `lines_changed` / `bytes_processed` integers below 2^31 sit
/// in the row itself. Measured ([`ToolLog::heap_bytes`], `stores_speed` example) on
/// /tmp/speed-200k.db (1M generated calls): 71.6 MB, 72 bytes a row all included.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ToolLog {
    #[serde(with = "crate::wire::bytes")]
    arena: Vec<u8>,
    #[serde(with = "crate::wire::fixed")]
    rows: Vec<Row>,
    /// Rows `0..dated` have a text timestamp (sorted); `dated..` do not.
    dated: usize,
    /// The interned timestamps of rows `dated..`.
    #[serde(with = "crate::wire::fixed")]
    other_ts: Vec<u32>,
    values: Vec<Value>,
    /// SQLite's order of each value: equal values (1 and 1.0) share a rank.
    #[serde(with = "crate::wire::fixed")]
    rank: Vec<u32>,
    /// One value (id) of each rank.
    #[serde(with = "crate::wire::fixed")]
    rep: Vec<u32>,
    /// Whether the table has each column of `hooks::COLUMNS`.
    present: [bool; 12],
    /// Per rank: [`NONEMPTY`] when `v <> ''` holds (not NULL, not the empty text).
    #[serde(with = "crate::wire::bytes")]
    vflags: Vec<u8>,
    /// What does not depend on the window, counted once by [`ToolLogBuilder::finish`]: the
    /// coverage's `having` per column, the activity rows, the tool choices.
    having: [i64; 12],
    activity: Vec<ActivityDay>,
    choices: Vec<String>,
    /// The dated rows (`0..dated`, ascending, so in timestamp order) of each tool, by the
    /// tool's rank: a tool filter reads its own rows only (4 bytes a dated row).
    #[serde(with = "crate::wire::lists")]
    by_tool: FxHashMap<u32, Vec<u32>>,
}

/// Value flag: `v <> ''` holds.
const NONEMPTY: u8 = 1;

/// One row of the activity pass: (`substr(timestamp, 1, 10)` when text, calls, MIN and MAX
/// timestamp when text).
pub type ActivityDay = (Option<String>, i64, Option<String>, Option<String>);

/// Group numbers by value rank, for one pass over the selected rows (dense: one slot a rank).
struct Groups {
    slot: Vec<u32>,
    /// (rank, a value id of it) of each group, in order of appearance.
    keys: Vec<(u32, u32)>,
}

impl Groups {
    fn new(ranks: usize) -> Groups {
        Groups { slot: vec![u32::MAX; ranks], keys: Vec::new() }
    }

    /// The group of value `id` (of rank `rank`), made on first sight.
    #[inline(always)]
    fn of(&mut self, rank: u32, id: u32) -> usize {
        let s = &mut self.slot[rank as usize];
        if *s == u32::MAX {
            *s = self.keys.len() as u32;
            self.keys.push((rank, id));
        }
        *s as usize
    }
}

/// Whether `v = n` (n = 0 or 1) holds in SQLite for a column of this affinity (see the module).
fn equals(v: &Cell<'_>, n: i64, text_aff: bool) -> bool {
    match v {
        Cell::Int(i) => *i == n,
        Cell::Real(f) => *f == n as f64,
        Cell::Text(t) => text_aff && *t == n.to_string().as_bytes(),
        _ => false,
    }
}

/// A `lines` / `bytes` value: an integer in `0..2^31` inline ([`INLINE`] set), anything else
/// interned.
fn number(interner: &mut Interner, c: Cell<'_>) -> u32 {
    match c {
        Cell::Int(v) if (0..INLINE as i64).contains(&v) => INLINE | v as u32,
        other => interner.intern(other),
    }
}

/// Fills a [`ToolLog`] row by row, from a raw page scan or from rows read through the port.
pub struct ToolLogBuilder {
    /// For each column of `hooks::COLUMNS`, its index among the table's columns.
    map: [Option<usize>; 12],
    defaults: Vec<Option<Value>>,
    rowid_alias: Option<usize>,
    text_aff: [bool; 12],
    interner: Interner,
    /// Per column, the id of the previous row's value ([`Interner::intern_after`]).
    last: [u32; 12],
    arena: Vec<u8>,
    /// Per row: (start, len) in `arena`, or `u32::MAX` start with the timestamp's value id in len.
    ts: Vec<(u32, u32)>,
    rows: Vec<Row>,
}

impl ToolLogBuilder {
    /// `columns`: the table's columns in order (PRAGMA table_info); `defaults`: each column's
    /// default (its `dflt_value` parsed; `None`: NULL), read for a record shorter than the table;
    /// `rowid_alias`: the column that is an alias of the rowid (`INTEGER PRIMARY KEY`), whose
    /// value is the row's rowid.
    pub fn new(columns: &[String], defaults: &[Option<Value>], rowid_alias: Option<usize>) -> Self {
        let mut map = [None; 12];
        for (k, name) in COLUMNS.iter().enumerate() {
            map[k] = columns.iter().position(|c| c.eq_ignore_ascii_case(name));
        }
        let mut interner = Interner::default();
        interner.intern(Cell::Null);
        ToolLogBuilder {
            map,
            defaults: defaults.to_vec(),
            rowid_alias,
            text_aff: [false; 12],
            interner,
            last: [NULL_ID; 12],
            arena: Vec::new(),
            ts: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// The declared types of the table's columns (PRAGMA table_info's `type`, in column order):
    /// `success = 0` and `blocked_by_hook = 1` hold for the text '0' / '1' only in a column of
    /// TEXT affinity, as in SQLite. Without it, no column is taken to have TEXT affinity.
    pub fn types(mut self, types: &[String]) -> Self {
        for (k, m) in self.map.iter().enumerate() {
            self.text_aff[k] =
                m.and_then(|j| types.get(j)).is_some_and(|t| Affinity::of(Some(t)) == Affinity::Text);
        }
        self
    }

    /// Adds the row `rowid`; `get(i)` is the value of the table's column `i`, `None` when the
    /// record ends before it (the column's default is read).
    pub fn push<'a>(&mut self, rowid: i64, get: impl Fn(usize) -> Option<Cell<'a>>) {
        let defaults = &self.defaults;
        let rowid_alias = self.rowid_alias;
        let cell = |k: usize| -> Cell<'_> {
            let Some(j) = self.map[k] else { return Cell::Null };
            if rowid_alias == Some(j) {
                return Cell::Int(rowid);
            }
            match get(j) {
                Some(c) => c,
                None => defaults.get(j).and_then(|d| d.as_ref()).map(Cell::of).unwrap_or(Cell::Null),
            }
        };
        let ts = cell(TIMESTAMP);
        let span = match ts {
            Cell::Text(t) => {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(t);
                (start, t.len() as u32)
            }
            other => (u32::MAX, self.interner.intern(other)),
        };
        let success = cell(SUCCESS);
        let blocked = cell(BLOCKED);
        let mut flags = 0;
        if equals(&success, 0, self.text_aff[SUCCESS]) {
            flags |= FAILED;
        }
        if !matches!(success, Cell::Null) {
            flags |= SUCCESS_SET;
        }
        if equals(&blocked, 1, self.text_aff[BLOCKED]) {
            flags |= BLOCKED_ONE;
        }
        if !matches!(blocked, Cell::Null) {
            flags |= BLOCKED_SET;
        }
        let row = Row {
            ts_end: 0,
            tool: self.interner.intern_after(cell(TOOL), &mut self.last[TOOL]),
            session: self.interner.intern_after(cell(SESSION), &mut self.last[SESSION]),
            agent: self.interner.intern_after(cell(AGENT), &mut self.last[AGENT]),
            file: self.interner.intern_after(cell(FILE), &mut self.last[FILE]),
            error: self.interner.intern_after(cell(ERROR), &mut self.last[ERROR]),
            hook: self.interner.intern_after(cell(HOOK), &mut self.last[HOOK]),
            lines: number(&mut self.interner, cell(LINES)),
            bytes: number(&mut self.interner, cell(BYTES)),
            duration: self.interner.intern_after(cell(DURATION), &mut self.last[DURATION]),
            flags,
        };
        self.ts.push(span);
        self.rows.push(row);
    }

    /// The store: rows with a text timestamp sorted by it (stable: rowid order among equals).
    pub fn finish(self) -> ToolLog {
        let ToolLogBuilder { map, interner, arena, ts, rows, .. } = self;
        let text_of = |i: usize| {
            let (s, l) = ts[i];
            &arena[s as usize..(s + l) as usize]
        };
        let mut order: Vec<u32> = (0..rows.len() as u32).filter(|i| ts[*i as usize].0 != u32::MAX).collect();
        // The hooks write calls as they happen: rows usually come in timestamp order already.
        if !order.is_sorted_by(|a, b| text_of(*a as usize) <= text_of(*b as usize)) {
            order.sort_by(|a, b| text_of(*a as usize).cmp(text_of(*b as usize)));
        }
        let dated = order.len();
        let mut out_arena = Vec::with_capacity(arena.len());
        let mut out_rows = Vec::with_capacity(rows.len());
        for i in &order {
            out_arena.extend_from_slice(text_of(*i as usize));
            out_rows.push(Row { ts_end: out_arena.len() as u32, ..rows[*i as usize] });
        }
        let mut other_ts = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if ts[i].0 == u32::MAX {
                other_ts.push(ts[i].1);
                out_rows.push(Row { ts_end: out_arena.len() as u32, ..*row });
            }
        }
        let values = interner.into_values();
        let mut by_order: Vec<u32> = (0..values.len() as u32).collect();
        by_order.sort_by(|a, b| sql_cmp(&values[*a as usize], &values[*b as usize]));
        let mut rank = vec![0u32; values.len()];
        let mut rep = Vec::new();
        let mut r = 0u32;
        for (n, id) in by_order.iter().enumerate() {
            if n > 0
                && sql_cmp(&values[by_order[n - 1] as usize], &values[*id as usize])
                    != std::cmp::Ordering::Equal
            {
                r += 1;
            }
            rank[*id as usize] = r;
            if rep.len() == r as usize {
                rep.push(*id);
            }
        }
        let mut present = [false; 12];
        for (k, m) in map.iter().enumerate() {
            present[k] = m.is_some();
        }
        // Flags by rank (values of one rank are numbers equal to each other, or one text).
        let mut vflags = vec![0u8; rep.len()];
        for (id, v) in values.iter().enumerate() {
            if !matches!(v, Value::Null) && !matches!(v, Value::Text(t) if t.is_empty()) {
                vflags[rank[id] as usize] = NONEMPTY;
            }
        }
        // The grouped columns hold their value's rank (the value shown is one of that rank).
        for r in out_rows.iter_mut() {
            for c in [
                &mut r.tool,
                &mut r.session,
                &mut r.agent,
                &mut r.file,
                &mut r.error,
                &mut r.hook,
                &mut r.duration,
            ] {
                *c = rank[*c as usize];
            }
        }
        let mut log = ToolLog {
            arena: out_arena,
            rows: out_rows,
            dated,
            other_ts,
            values,
            rank,
            rep,
            present,
            vflags,
            ..Default::default()
        };
        log.having = log.count_having();
        log.activity = log.count_activity();
        log.choices = log.count_choices();
        log.index_tools();
        log
    }
}

/// Rows read per query by [`ToolLog::read`] (keyset pages of rowid).
pub const READ_PAGE_ROWS: usize = 20_000;

impl ToolLog {
    /// Makes the per-tool row lists (at the end of [`ToolLogBuilder::finish`]).
    fn index_tools(&mut self) {
        self.by_tool.clear();
        for (i, r) in self.rows[..self.dated].iter().enumerate() {
            self.by_tool.entry(r.tool).or_default().push(i as u32);
        }
    }

    /// Reads `tool_logs` through the port in keyset pages of [`READ_PAGE_ROWS`] rows by rowid
    /// (the fallback path, and the native one). An empty store when the file has no
    /// `tool_logs`. Errors: the database's.
    pub async fn read<D: Database>(db: &D, facts: &SchemaFacts) -> Result<ToolLog, DbError> {
        let Some(table_columns) = facts.tables.get("tool_logs") else {
            return Ok(ToolLogBuilder::new(&[], &[], None).finish());
        };
        let info = table_info(db, "tool_logs").await?.unwrap_or_default();
        let types: Vec<String> = table_columns
            .iter()
            .map(|c| {
                info.columns.iter().position(|n| n == c).map(|j| info.types[j].clone()).unwrap_or_default()
            })
            .collect();
        // Only the columns the figures read are selected: the others are never looked at.
        let wanted: Vec<&str> =
            COLUMNS.iter().copied().filter(|c| facts.has_column("tool_logs", c)).collect();
        let cols: Vec<String> = wanted.iter().map(|c| (*c).to_owned()).collect();
        let col_types: Vec<String> = wanted
            .iter()
            .map(|c| table_columns.iter().position(|t| t == c).map(|j| types[j].clone()).unwrap_or_default())
            .collect();
        let mut b = ToolLogBuilder::new(&cols, &[], None).types(&col_types);
        let select = if cols.is_empty() { String::new() } else { format!(", {}", cols.join(", ")) };
        let mut after = i64::MIN;
        loop {
            let rs = db
                .query(
                    &format!(
                        "SELECT rowid{select} FROM tool_logs WHERE rowid > ?1 ORDER BY rowid LIMIT {READ_PAGE_ROWS}"
                    ),
                    &[Value::Integer(after)],
                )
                .await?;
            for r in &rs.rows {
                let rowid = r[0].as_i64().unwrap_or(0);
                b.push(rowid, |j| r.get(j + 1).map(Cell::of));
                after = rowid;
            }
            if rs.rows.len() < READ_PAGE_ROWS {
                break;
            }
        }
        Ok(b.finish())
    }

    /// Rows held (every row of the table).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Heap bytes held (rows, timestamp arena, value table), for the size in the docs.
    pub fn heap_bytes(&self) -> usize {
        let values: usize = self
            .values
            .iter()
            .map(|v| {
                std::mem::size_of::<Value>()
                    + match v {
                        Value::Text(s) => s.capacity(),
                        Value::Blob(b) => b.capacity(),
                        _ => 0,
                    }
            })
            .sum();
        self.arena.capacity()
            + self.rows.capacity() * std::mem::size_of::<Row>()
            + self.other_ts.capacity() * 4
            + values
            + self.rank.capacity() * 4
            + self.rep.capacity() * 4
            + self.by_tool.values().map(|l| l.capacity() * 4).sum::<usize>()
    }

    #[inline(always)]
    fn ts(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.rows[i - 1].ts_end as usize };
        &self.arena[start..self.rows[i].ts_end as usize]
    }

    /// Adds a `lines` / `bytes` entry (inline integer or value id) to two sums.
    #[inline(always)]
    fn add_number(&self, x: u32, a: &mut SqlSum, b: &mut SqlSum) {
        if x & INLINE != 0 {
            let v = (x & !INLINE) as i64;
            a.add_int(v);
            b.add_int(v);
        } else if x != NULL_ID {
            let v = self.value(x);
            a.add(v);
            b.add(v);
        }
    }

    #[inline(always)]
    fn value(&self, id: u32) -> &Value {
        &self.values[id as usize]
    }

    /// The rows of the window and the filters: the text timestamps between the window's start
    /// and its last minute's `:59`, the tool and the agent (target) equal to the filter's text.
    fn selected(&self, state: &DashboardState, w: &Window) -> Selection {
        let start = w.start.as_bytes();
        let end = format!("{}:59", w.end);
        let end = end.as_bytes();
        let lo = partition(self.dated, |i| self.ts(i) < start);
        let hi = partition(self.dated, |i| self.ts(i) <= end);
        let pick = |filter: &Option<String>| -> Option<Option<u32>> {
            filter.as_ref().map(|t| self.interner_find_text(t).map(|id| self.rank[id as usize]))
        };
        let tool = pick(&state.tool);
        let agent = pick(&state.target);
        if matches!(tool, Some(None)) || matches!(agent, Some(None)) || lo >= hi {
            return Selection::Range(0..0);
        }
        let of_agent = |i: &usize| agent.is_none_or(|a| Some(self.rows[*i].agent) == a);
        match tool {
            None if agent.is_none() => Selection::Range(lo..hi),
            None => Selection::List((lo..hi).filter(of_agent).collect()),
            // The tool's own rows in the window (its list is ascending: two binary searches).
            Some(t) => {
                let rows = self.by_tool.get(&t.unwrap_or(u32::MAX)).map(Vec::as_slice).unwrap_or_default();
                let from = rows.partition_point(|i| (*i as usize) < lo);
                let to = rows.partition_point(|i| (*i as usize) < hi);
                Selection::List(rows[from..to].iter().map(|i| *i as usize).filter(of_agent).collect())
            }
        }
    }

    /// The id of the value that is exactly the text `t`, if held: a binary search over the
    /// values in SQLite's order (texts compare by their bytes, and no number equals a text).
    fn interner_find_text(&self, t: &str) -> Option<u32> {
        let key = Value::Text(t.to_owned());
        let r = self.rep.partition_point(|id| sql_cmp(&self.values[*id as usize], &key).is_lt());
        let id = *self.rep.get(r)?;
        matches!(&self.values[id as usize], Value::Text(s) if s == t).then_some(id)
    }

    /// The tool KPIs of the window (same values as the SQL path's `tool_kpis`); fills
    /// `agg.calls_daily` on the way, as it does. One pass over the window's rows, in parts of
    /// [`PASS_ROWS`] with `db`'s [`Database::pause`] between.
    pub async fn tool_kpis<D: Database>(
        &self,
        db: &D,
        state: &DashboardState,
        w: &Window,
        agg: &mut Aggregates,
    ) -> ToolKpis {
        self.tool_kpis_in(db, state, w, agg, PASS_ROWS).await
    }

    /// [`ToolLog::tool_kpis`] in parts of `part` rows.
    async fn tool_kpis_in<D: Database>(
        &self,
        db: &D,
        state: &DashboardState,
        w: &Window,
        agg: &mut Aggregates,
        part: usize,
    ) -> ToolKpis {
        let sel = self.selected(state, w);
        let mut k = ToolKpis::default();
        let ranks = self.rep.len();
        struct Acc {
            calls: i64,
            failures: i64,
            blocked: i64,
            durations: Durations,
        }
        // Per tool (by rank), per slot (text or NULL; slots are runs of days), overall.
        let mut groups = Groups::new(ranks);
        let mut tools: Vec<Acc> = Vec::new();
        let mut slots: Vec<(Option<String>, Acc)> = Vec::new();
        let mut all = Durations::new(ranks, true);
        // Few tools: their durations are counted per rank too (an array of every rank each).
        let count_tools = self.choices.len().saturating_mul(ranks) <= 1 << 22;
        let mut days: Vec<(&[u8], i64)> = Vec::new();
        let mut peak = 0i64;
        let (mut hour_key, mut hour_n): (&[u8], i64) = (&[], 0);
        let mut last_day: &[u8] = &[];
        let mut slot = 0usize;
        for part in sel.parts(part) {
            part.for_each(|i| {
                let r = &self.rows[i];
                let ts = self.ts(i);
                let hour = prefix_chars(ts, 13);
                if hour_n > 0 && same_bytes(hour, hour_key) {
                    hour_n += 1;
                } else {
                    hour_key = hour;
                    hour_n = 1;
                    let day = prefix_chars(ts, 10);
                    if days.is_empty() || !same_bytes(day, last_day) {
                        last_day = day;
                        let start = slot_start(w.slot, day);
                        days.push((day, 0));
                        match slots.iter().position(|(s, _)| *s == start) {
                            Some(p) => slot = p,
                            None => {
                                slot = slots.len();
                                let acc = Acc {
                                    calls: 0,
                                    failures: 0,
                                    blocked: 0,
                                    durations: Durations::new(ranks, false),
                                };
                                slots.push((start, acc));
                            }
                        }
                    }
                }
                peak = peak.max(hour_n);
                days.last_mut().expect("pushed").1 += 1;
                let failed = (r.flags & FAILED != 0) as i64;
                let blocked = (r.flags & BLOCKED_ONE != 0) as i64;
                let g = groups.of(r.tool, self.rep[r.tool as usize]);
                if g == tools.len() {
                    tools.push(Acc {
                        calls: 0,
                        failures: 0,
                        blocked: 0,
                        durations: Durations::new(ranks, count_tools),
                    });
                }
                let d = (r.duration != NULL_ID).then_some(r.duration);
                for a in [&mut tools[g], &mut slots[slot].1] {
                    a.calls += 1;
                    a.failures += failed;
                    a.blocked += blocked;
                    if let Some(d) = d {
                        a.durations.push(d);
                    }
                }
                if let Some(d) = d {
                    all.push(d);
                }
            });
            db.pause().await;
        }
        let mut per_tool: Vec<((u32, u32), Acc)> = groups.keys.iter().copied().zip(tools).collect();
        per_tool.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0 .0.cmp(&b.0 .0)));
        for ((_, id), mut a) in per_tool {
            let stat = ToolStat {
                tool: self.value(id).display(),
                calls: a.calls,
                failures: a.failures,
                blocked: a.blocked,
                latency: a.durations.latency(self),
            };
            k.calls += stat.calls;
            k.failures += stat.failures;
            k.blocked += stat.blocked;
            k.per_tool.push(stat);
        }
        k.error_rate = (k.calls > 0).then(|| k.failures as f64 / k.calls as f64);
        k.latency = all.latency(self);
        // ORDER BY slot: NULL first, then text by bytes.
        slots.sort_by(|a, b| a.0.cmp(&b.0));
        for (s, mut a) in slots {
            let start = s.unwrap_or_default();
            let day = parse_day(&start).map(|d| w.slot.label(d)).unwrap_or(start);
            k.daily.push(ToolDay {
                day,
                calls: a.calls,
                failures: a.failures,
                latency: a.durations.latency(self),
            });
        }
        for (day, n) in &days {
            if let Some(d) = std::str::from_utf8(day).ok().and_then(parse_day) {
                *agg.calls_daily.entry(d).or_default() += *n as f64;
            }
        }
        let calls: Vec<(i64, i64)> = agg.calls_daily.iter().map(|(d, n)| (*d, *n as i64)).collect();
        k.weekly = match (calls.first(), calls.last()) {
            (Some((first, _)), Some((last, _))) => {
                table_rows(w.slot, *first, *last, &calls).into_iter().filter(|(_, n)| *n > 0).collect()
            }
            _ => Vec::new(),
        };
        k.peak_per_hour = peak;
        k
    }

    /// The number shown for a value of this rank (`as_f64` of a value of it).
    fn rank_value(&self, rank: u32) -> Option<f64> {
        self.values[*self.rep.get(rank as usize)? as usize].as_f64()
    }
}

/// Durations (value ranks) of one partition, for nearest-rank percentiles: counted per rank
/// (`counting`: an array over every rank, for the large partitions) or listed and sorted.
struct Durations {
    counts: Vec<u32>,
    list: Vec<u32>,
    counting: bool,
}

impl Durations {
    fn new(ranks: usize, counting: bool) -> Durations {
        Durations { counts: if counting { vec![0; ranks] } else { Vec::new() }, list: Vec::new(), counting }
    }

    #[inline(always)]
    fn push(&mut self, rank: u32) {
        if self.counting {
            self.counts[rank as usize] += 1;
        } else {
            self.list.push(rank);
        }
    }

    /// Nearest-rank p50/p95/p99 (the value at rank ⌈p·n/100⌉) and the max, as `percentile_sql`.
    fn latency(&mut self, log: &ToolLog) -> Latency {
        let at = |rank: u32| log.rank_value(rank);
        if !self.counting {
            let ranks = &mut self.list;
            if ranks.is_empty() {
                return Latency::default();
            }
            radix_sort(ranks);
            let n = ranks.len();
            let pick = |p: usize| at(ranks[(p * n).div_ceil(100).max(1) - 1]);
            return Latency { p50: pick(50), p95: pick(95), p99: pick(99), max: at(ranks[n - 1]) };
        }
        let n: u64 = self.counts.iter().map(|c| *c as u64).sum();
        if n == 0 {
            return Latency::default();
        }
        let targets = [50u64, 95, 99].map(|p| (p * n).div_ceil(100).max(1));
        let mut found = [None; 3];
        let mut cum = 0u64;
        let mut max = 0;
        for (rank, c) in self.counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            cum += *c as u64;
            max = rank as u32;
            for (f, t) in found.iter_mut().zip(targets) {
                if f.is_none() && cum >= t {
                    *f = Some(rank as u32);
                }
            }
        }
        Latency {
            p50: found[0].and_then(at),
            p95: found[1].and_then(at),
            p99: found[2].and_then(at),
            max: at(max),
        }
    }
}

/// Sorts ranks by LSD radix, 8 bits a pass, as many passes as the largest rank needs.
fn radix_sort(v: &mut Vec<u32>) {
    if v.len() < 64 {
        v.sort_unstable();
        return;
    }
    let max = v.iter().copied().max().unwrap_or(0);
    let mut buf = vec![0u32; v.len()];
    let mut shift = 0;
    while shift < 32 && (shift == 0 || max >> shift != 0) {
        let mut counts = [0usize; 256];
        for x in v.iter() {
            counts[((x >> shift) & 0xFF) as usize] += 1;
        }
        let mut at = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for x in v.iter() {
            let b = ((x >> shift) & 0xFF) as usize;
            buf[counts[b]] = *x;
            counts[b] += 1;
        }
        std::mem::swap(v, &mut buf);
        shift += 8;
    }
}

/// Rows per part of a pass over the window's rows: the host gets a turn between parts
/// ([`Database::pause`]), so no part runs long on the page (~15–25 ms in the browser).
pub const PASS_ROWS: usize = 250_000;

/// A part of a [`Selection`], in order.
enum Part<'a> {
    Range(std::ops::Range<usize>),
    List(&'a [usize]),
}

impl Part<'_> {
    #[inline]
    fn for_each(&self, mut f: impl FnMut(usize)) {
        match self {
            Part::Range(r) => r.clone().for_each(f),
            Part::List(l) => l.iter().for_each(|i| f(*i)),
        }
    }
}

/// The rows of a window: a range of the sorted rows, filtered or not.
enum Selection {
    Range(std::ops::Range<usize>),
    List(Vec<usize>),
}

impl Selection {
    /// Calls `f` with each row, in order (one loop per kind, so `f` is inlined).
    #[inline]
    fn for_each(&self, mut f: impl FnMut(usize)) {
        match self {
            Selection::Range(r) => r.clone().for_each(f),
            Selection::List(l) => l.iter().for_each(|i| f(*i)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Selection::Range(r) => r.len(),
            Selection::List(l) => l.len(),
        }
    }

    /// The selection in parts of at most `n` rows (`n` > 0), in order; none when empty.
    fn parts(&self, n: usize) -> Vec<Part<'_>> {
        match self {
            Selection::Range(r) => {
                (r.start..r.end).step_by(n).map(|a| Part::Range(a..(a + n).min(r.end))).collect()
            }
            Selection::List(l) => l.chunks(n).map(Part::List).collect(),
        }
    }
}

/// The first `i` in `0..n` where `below(i)` is false (`below` true then false).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Whether two short byte strings are equal, without a call to `memcmp` for the prefixes of
/// up to 16 bytes compared on every row.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 16 {
        return a == b;
    }
    let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
    x[..a.len()].copy_from_slice(a);
    y[..b.len()].copy_from_slice(b);
    u128::from_ne_bytes(x) == u128::from_ne_bytes(y)
}

/// SQLite's `substr(text, 1, n)`: the first `n` characters (UTF-8).
#[inline(always)]
fn prefix_chars(t: &[u8], n: usize) -> &[u8] {
    if t.len() <= n {
        return t;
    }
    if t[..n].is_ascii() {
        return &t[..n];
    }
    let mut chars = 0;
    for (i, b) in t.iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if chars == n {
                return &t[..i];
            }
            chars += 1;
        }
    }
    t
}

/// SQLite's `substr(text, start, n)` (1-based start, in characters).
fn substr_chars(t: &[u8], start: usize, n: usize) -> &[u8] {
    let skip = prefix_chars(t, start - 1).len();
    prefix_chars(&t[skip..], n)
}

/// The slot start `Slot::start_sql` computes from a day text (`substr(timestamp, 1, 10)`),
/// `None` where SQL gives NULL.
fn slot_start(slot: Slot, day: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(day);
    let sub = |s: usize, n: usize| String::from_utf8_lossy(substr_chars(day, s, n)).into_owned();
    match slot {
        Slot::Day => Some(text.into_owned()),
        Slot::Week => {
            let jd = julian_ms(&text)?;
            // date(day, '-6 days', 'weekday 1'): the Monday on or after six days back.
            let d = (jd + 43_200_000).div_euclid(86_400_000) - 2_440_588; // days since 1970
            let back = d - 6;
            let wd = (back + 3).rem_euclid(7); // 0 = Monday
            let monday = if wd == 0 { back } else { back + 7 - wd };
            Some(day_text(monday))
        }
        Slot::Month => Some(format!("{}-01", sub(1, 7))),
        Slot::Quarter => {
            let m = sub(6, 2);
            let q = if m.as_str() < "04" {
                "01"
            } else if m.as_str() < "07" {
                "04"
            } else if m.as_str() < "10" {
                "07"
            } else {
                "10"
            };
            Some(format!("{}{q}-01", sub(1, 5)))
        }
        Slot::Years(n) => {
            let n = n.max(1) as i64;
            let y = cast_integer(&sub(1, 4));
            Some(format!("{:04}-01-01", y / n * n))
        }
    }
}

/// SQLite's `CAST(text AS INTEGER)`: the leading integer, 0 without one.
fn cast_integer(t: &str) -> i64 {
    let t = t.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    if neg {
        -v
    } else {
        v
    }
}

/// SQLite's julian day in ms of a timestamp's text ([`crate::julian::julian_ms_text`]).
fn julian_ms(text: &str) -> Option<i64> {
    julian_ms_text(text.as_bytes())
}

/// [`julian_ms`] with the day's part kept from the previous call: the rows come in text order,
/// so consecutive `YYYY-MM-DD HH:MM:SS` timestamps mostly share their day, and only the time
/// is read (the same arithmetic as `julian_ms`, which any other form goes through).
#[derive(Default)]
struct JulianCache {
    day: [u8; 10],
    day_ms: Option<i64>,
}

impl JulianCache {
    fn julian(&mut self, ts: &[u8]) -> Option<i64> {
        let plain = ts.len() == 19
            && ts[10] == b' '
            && ts[13] == b':'
            && ts[16] == b':'
            && [11, 12, 14, 15, 17, 18].iter().all(|i| ts[*i].is_ascii_digit());
        if !plain {
            return julian_ms(std::str::from_utf8(ts).ok()?);
        }
        if !same_bytes(&ts[..10], &self.day) || self.day_ms.is_none() {
            self.day.copy_from_slice(&ts[..10]);
            self.day_ms = julian_ms(std::str::from_utf8(&ts[..10]).ok()?);
            self.day_ms?;
        }
        let two = |i: usize| ((ts[i] - b'0') * 10 + (ts[i + 1] - b'0')) as i64;
        let (h, m, s) = (two(11), two(14), two(17));
        if h > 24 || m > 59 || s > 59 {
            return None;
        }
        Some(self.day_ms? + h * 3_600_000 + m * 60_000 + s * 1000)
    }
}

/// SQLite's SUM: an integer sum over integers (`Err` when it overflows: the statement fails),
/// Kahan–Babuska–Neumaier over reals once a value is not an integer; NULL without values.
#[derive(Debug, Clone, Default)]
struct SqlSum {
    count: u64,
    int: i64,
    approx: bool,
    overflow: bool,
    sum: f64,
    err: f64,
}

impl SqlSum {
    fn kbn(&mut self, r: f64) {
        let s = self.sum;
        let t = s + r;
        if s.abs() > r.abs() {
            self.err += (s - t) + r;
        } else {
            self.err += (r - t) + s;
        }
        self.sum = t;
    }

    fn kbn_int(&mut self, v: i64) {
        const BIG: i64 = 4_503_599_627_370_496;
        if v <= -BIG || v >= BIG {
            let small = v % 16384;
            self.kbn((v - small) as f64);
            self.kbn(small as f64);
        } else {
            self.kbn(v as f64);
        }
    }

    fn init(&mut self, v: i64) {
        const BIG: i64 = 4_503_599_627_370_496;
        self.sum = 0.0;
        self.err = 0.0;
        if v <= -BIG || v >= BIG {
            let small = v % 16384;
            self.sum = (v - small) as f64;
            self.err = small as f64;
        } else {
            self.sum = v as f64;
        }
    }

    /// Adds one value (an integer while the sum is exact: the common case, inline).
    #[inline(always)]
    fn add(&mut self, v: &Value) {
        if let Value::Integer(i) = v {
            self.add_int(*i);
        } else {
            self.add_slow(v);
        }
    }

    /// Adds an integer.
    #[inline(always)]
    fn add_int(&mut self, i: i64) {
        if !self.approx {
            if let Some(s) = self.int.checked_add(i) {
                self.int = s;
                self.count += 1;
                return;
            }
        }
        self.add_slow(&Value::Integer(i));
    }

    #[inline(never)]
    fn add_slow(&mut self, v: &Value) {
        let num = match v {
            Value::Null => return,
            Value::Integer(i) => Num::Int(*i),
            Value::Real(f) => Num::Real(*f),
            Value::Text(t) => numeric(t.as_bytes()),
            Value::Blob(b) => Num::Real(leading_real(b)),
        };
        self.count += 1;
        match num {
            Num::Int(i) if !self.approx => match self.int.checked_add(i) {
                Some(s) => self.int = s,
                None => {
                    self.overflow = true;
                    self.approx = true;
                    self.init(self.int);
                    self.kbn_int(i);
                }
            },
            Num::Int(i) => self.kbn_int(i),
            Num::Real(r) => {
                if !self.approx {
                    self.approx = true;
                    self.init(self.int);
                }
                self.kbn(r);
            }
        }
    }

    /// The result as a value: NULL, an integer or a real; `None` for an overflow (an error).
    fn value(&self) -> Option<Value> {
        if self.count == 0 {
            return Some(Value::Null);
        }
        if self.overflow {
            return None;
        }
        if self.approx {
            let mut r = self.sum;
            if !self.err.is_infinite() {
                r += self.err;
            }
            Some(Value::Real(r))
        } else {
            Some(Value::Integer(self.int))
        }
    }

    fn as_i64(&self) -> Option<i64> {
        self.value().and_then(|v| v.as_i64())
    }
}

enum Num {
    Int(i64),
    Real(f64),
}

/// `sqlite3_value_numeric_type` of a text: an integer or a real when the whole text (spaces
/// around allowed) is one, else the real of its leading number (0.0 without one).
fn numeric(t: &[u8]) -> Num {
    let s = String::from_utf8_lossy(t);
    let trimmed = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if let Ok(i) = trimmed.parse::<i64>() {
        return Num::Int(i);
    }
    let plain = !trimmed.is_empty()
        && trimmed.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if plain {
        if let Ok(f) = trimmed.parse::<f64>() {
            return Num::Real(f);
        }
    }
    Num::Real(leading_real(t))
}

/// The real of the leading number of a text (SQLite's `sqlite3AtoF` prefix), 0.0 without one.
fn leading_real(t: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(t);
    let s = s.trim_start();
    let mut best = 0.0;
    let mut end = 0;
    for (i, _) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if i == 0 {
            continue;
        }
        let part = &s[..i];
        if part.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
            if let Ok(f) = part.parse::<f64>() {
                best = f;
                end = i;
            }
        } else {
            break;
        }
    }
    let _ = end;
    best
}

/// Text for a label as `hooks::label` writes it: NULL or empty as [`hooks::NONE`].
fn label(v: &Value) -> String {
    let t = v.display();
    if v.as_str().is_none() && v.as_i64().is_none() && v.as_f64().is_none() || t.is_empty() {
        hooks::NONE.to_owned()
    } else {
        t
    }
}

/// The sessions and jobs tables, read for the hook KPIs' join ([`read_sessions`]).
#[derive(Debug, Clone, Default)]
pub struct SessionJobs {
    /// Whether `sessions(id, job_id)` and `jobs(id, title)` exist (the SQL joins only then).
    pub sessions: bool,
    pub jobs: bool,
    /// (sessions.id, sessions.job_id) of every session.
    pub session_rows: Vec<(Value, Value)>,
    /// (jobs.id, jobs.title) of every job.
    pub job_rows: Vec<(Value, Value)>,
}

/// Reads the sessions and jobs the hook KPIs join (two small queries through the port).
/// Errors: the database's.
pub async fn read_sessions<D: Database>(db: &D, facts: &SchemaFacts) -> Result<SessionJobs, DbError> {
    let sessions = facts.has_column("sessions", "id") && facts.has_column("sessions", "job_id");
    let jobs = sessions && facts.has_column("jobs", "id") && facts.has_column("jobs", "title");
    let mut out = SessionJobs { sessions, jobs, ..Default::default() };
    if sessions {
        let rs = db.query("SELECT id, job_id FROM sessions", &[]).await?;
        out.session_rows = rs.rows.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    }
    if jobs {
        let rs = db.query("SELECT id, title FROM jobs", &[]).await?;
        out.job_rows = rs.rows.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    }
    Ok(out)
}

/// Whether two values are equal as SQLite's `=` finds them between columns of the same
/// affinity (numbers by value, text and blob by bytes, NULL never).
fn sql_eq(a: &Value, b: &Value) -> bool {
    !matches!(a, Value::Null) && !matches!(b, Value::Null) && sql_cmp(a, b) == std::cmp::Ordering::Equal
}

impl ToolLog {
    /// The hook KPIs of the window (same values as [`hooks::hook_kpis`]); `joins`: the sessions
    /// and jobs tables ([`read_sessions`]). `None` when the file has no `tool_logs`. One pass
    /// over the window's rows, then a little work per group.
    pub async fn hook_kpis<D: Database>(
        &self,
        db: &D,
        facts: &SchemaFacts,
        state: &DashboardState,
        w: &Window,
        joins: &SessionJobs,
    ) -> Option<HookKpis> {
        self.hook_kpis_in(db, facts, state, w, joins, PASS_ROWS).await
    }

    /// [`ToolLog::hook_kpis`] in parts of `part` rows.
    async fn hook_kpis_in<D: Database>(
        &self,
        db: &D,
        facts: &SchemaFacts,
        state: &DashboardState,
        w: &Window,
        joins: &SessionJobs,
        part: usize,
    ) -> Option<HookKpis> {
        if !facts.has_table("tool_logs") {
            return None;
        }
        let sel = self.selected(state, w);
        let mut k = HookKpis {
            first_day: parse_day(&w.start).unwrap_or(w.first_day),
            last_day: w.last_day,
            per_hour: vec![0; 24],
            ..Default::default()
        };
        k.calls = sel.len() as i64;
        let ranks = self.rep.len();
        let (mut lines, mut bytes) = (SqlSum::default(), SqlSum::default());
        // Distinct files and sessions (COALESCE(session_id, ''): NULL and '' are one).
        let mut seen_file = vec![false; ranks];
        let mut seen_session = vec![false; ranks + 1];
        let (mut files, mut sessions) = (0i64, 0i64);
        // Groups: tool mix, the top-N columns, sessions.
        struct Mix {
            calls: i64,
            lines: SqlSum,
            bytes: SqlSum,
        }
        struct Sess {
            calls: i64,
            first: usize,
            last: usize,
        }
        let mut mix_groups = Groups::new(ranks);
        let mut mix: Vec<Mix> = Vec::new();
        let mut tops: [(Groups, Vec<i64>); 4] = std::array::from_fn(|_| (Groups::new(ranks), Vec::new()));
        let mut session_groups = Groups::new(ranks);
        let mut by_session: Vec<Sess> = Vec::new();
        // Per day (runs of the first 10 characters; `None`: not a day), per hour of day.
        let mut per_day: Vec<(Option<i64>, i64)> = Vec::new();
        let (mut last_day, mut last_hour): (&[u8], &[u8]) = (&[], &[]);
        let mut hour: Option<usize> = None;
        // Julian instants (ms), with the row, for the quiet periods.
        // While the instants come in order (rows are in text order, which is julian order for
        // one format), only the pairs over an hour apart are kept; at the first instant out of
        // order, every instant is listed and sorted after the pass.
        let mut pairs: Vec<((i64, usize), (i64, usize))> = Vec::new();
        let mut prev: Option<(i64, usize)> = None;
        let mut in_order = true;
        let mut jd_cache = JulianCache::default();
        for part in sel.parts(part) {
            part.for_each(|i| {
                let r = &self.rows[i];
                let ts = self.ts(i);
                let hour_prefix = prefix_chars(ts, 13);
                if per_day.is_empty() || !same_bytes(hour_prefix, last_hour) {
                    last_hour = hour_prefix;
                    let h = substr_chars(ts, 12, 2);
                    hour =
                        std::str::from_utf8(h).ok().and_then(|h| h.parse::<usize>().ok()).filter(|h| *h < 24);
                    let day = prefix_chars(ts, 10);
                    if per_day.is_empty() || !same_bytes(day, last_day) {
                        last_day = day;
                        per_day.push((std::str::from_utf8(day).ok().and_then(parse_day), 0));
                    }
                }
                per_day.last_mut().expect("pushed").1 += 1;
                if let Some(h) = hour {
                    k.per_hour[h] += 1;
                }
                let blocked = r.flags & BLOCKED_ONE != 0;
                let failed = r.flags & FAILED != 0;
                k.blocked += blocked as i64;
                k.failures += failed as i64;
                let g = mix_groups.of(r.tool, self.rep[r.tool as usize]);
                if g == mix.len() {
                    mix.push(Mix { calls: 0, lines: SqlSum::default(), bytes: SqlSum::default() });
                }
                let m = &mut mix[g];
                m.calls += 1;
                self.add_number(r.lines, &mut lines, &mut m.lines);
                self.add_number(r.bytes, &mut bytes, &mut m.bytes);
                let file = self.nonempty(r.file);
                if file {
                    k.calls_with_file += 1;
                    let f = &mut seen_file[r.file as usize];
                    files += !*f as i64;
                    *f = true;
                }
                let s = if self.nonempty(r.session) { r.session as usize } else { ranks };
                sessions += !seen_session[s] as i64;
                seen_session[s] = true;
                k.calls_with_duration += (r.duration != NULL_ID) as i64;
                k.calls_with_agent += (r.agent != NULL_ID) as i64;
                for (n, (keep, id)) in
                    [(blocked, r.hook), (failed, r.error), (file, r.file), (r.agent != NULL_ID, r.agent)]
                        .into_iter()
                        .enumerate()
                {
                    if keep {
                        let (groups, counts) = &mut tops[n];
                        let g = groups.of(id, self.rep[id as usize]);
                        if g == counts.len() {
                            counts.push(0);
                        }
                        counts[g] += 1;
                    }
                }
                let g = session_groups.of(r.session, self.rep[r.session as usize]);
                if g == by_session.len() {
                    by_session.push(Sess { calls: 0, first: i, last: i });
                }
                // Rows are in timestamp order: the first seen is the MIN, the latest the MAX.
                let s = &mut by_session[g];
                s.calls += 1;
                s.last = i;
                if let Some(jd) = jd_cache.julian(ts) {
                    if in_order {
                        if let Some(p) = prev {
                            if jd < p.0 {
                                in_order = false;
                            } else if jd - p.0 > 3_600_000 {
                                pairs.push((p, (jd, i)));
                            }
                        }
                        prev = Some((jd, i));
                    }
                }
            });
            db.pause().await;
        }
        k.lines_changed = lines.as_i64();
        k.bytes_processed = bytes.as_i64();
        k.files = files;
        k.sessions = if k.calls > 0 { sessions } else { 0 };
        if k.calls == 0 {
            return Some(k);
        }
        k.per_day = per_day.into_iter().filter_map(|(d, n)| Some((day_text(d?), n))).collect();

        k.fill_trend();

        // Tool mix: ORDER BY 2 DESC, 1.
        let mut mix: Vec<((u32, u32), Mix)> = mix_groups.keys.iter().copied().zip(mix).collect();
        mix.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0 .0.cmp(&b.0 .0)));
        k.tool_mix = mix
            .into_iter()
            .map(|((_, id), m)| ToolMix {
                tool: label(self.value(id)),
                calls: m.calls,
                share: m.calls as f64 / k.calls as f64,
                lines_changed: m.lines.as_i64(),
                bytes_processed: m.bytes.as_i64(),
            })
            .collect();

        // Top N: ORDER BY 2 DESC, 1 LIMIT n.
        let [blocked, failed, files, agents] = tops;
        let top = |(groups, counts): (Groups, Vec<i64>), n: usize| -> Vec<(String, i64)> {
            let mut v: Vec<((u32, u32), i64)> = groups.keys.iter().copied().zip(counts).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0 .0.cmp(&b.0 .0)));
            v.into_iter().take(n).map(|((_, id), n)| (label(self.value(id)), n)).collect()
        };
        if k.blocked > 0 {
            k.block_reasons = top(blocked, TOP_REASONS);
        }
        if k.failures > 0 {
            k.failure_reasons = top(failed, TOP_REASONS);
        }
        if k.calls_with_file > 0 {
            k.top_files = top(files, TOP_FILES);
        }
        if k.calls_with_agent > 0 {
            k.agents = top(agents, TOP_SESSIONS);
        }

        // Sessions (ORDER BY calls DESC, session_id) and jobs (ORDER BY 4 DESC, 1).
        let job_of = |session: &Value| -> (Value, Value) {
            if !joins.sessions {
                return (Value::Null, Value::Null);
            }
            let Some((_, job)) = joins.session_rows.iter().find(|(id, _)| sql_eq(id, session)) else {
                return (Value::Null, Value::Null);
            };
            let title = if joins.jobs {
                joins
                    .job_rows
                    .iter()
                    .find(|(id, _)| sql_eq(id, job))
                    .map(|(_, t)| t.clone())
                    .unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            (job.clone(), title)
        };
        let mut list: Vec<((u32, u32), Sess)> = session_groups.keys.iter().copied().zip(by_session).collect();
        list.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0 .0.cmp(&b.0 .0)));
        let opt_text = |v: &Value| v.as_str().map(str::to_owned);
        let ts_text = |i: usize| String::from_utf8_lossy(self.ts(i)).into_owned();
        let mut jobs: Vec<(Value, Value, i64, i64)> = Vec::new();
        for (n, ((_, id), s)) in list.iter().enumerate() {
            let (job, title) = job_of(self.value(*id));
            if n < TOP_SESSIONS {
                k.top_sessions.push(SessionActivity {
                    session: label(self.value(*id)),
                    calls: s.calls,
                    first: ts_text(s.first),
                    last: ts_text(s.last),
                    job_id: opt_text(&job),
                    job_title: opt_text(&title),
                });
            }
            match jobs.iter_mut().find(|j| sql_cmp(&j.0, &job) == std::cmp::Ordering::Equal) {
                Some(j) => {
                    j.2 += 1;
                    j.3 += s.calls;
                }
                None => jobs.push((job, title, 1, s.calls)),
            }
        }
        jobs.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| sql_cmp(&a.0, &b.0)));
        k.jobs = jobs
            .into_iter()
            .map(|(job, title, sessions, calls)| JobActivity {
                job_id: opt_text(&job),
                title: opt_text(&title),
                sessions,
                calls,
            })
            .collect();

        // Quiet periods: gaps over QUIET_HOURS between consecutive distinct instants, in
        // (julian, text) order. Rows are in text order, which is julian order for one format:
        // sorted only when not.
        if !in_order {
            let mut cache = JulianCache::default();
            let mut jds: Vec<(i64, usize)> = Vec::with_capacity(sel.len());
            sel.for_each(|i| {
                if let Some(jd) = cache.julian(self.ts(i)) {
                    jds.push((jd, i));
                }
            });
            jds.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| self.ts(a.1).cmp(self.ts(b.1))));
            pairs = jds.windows(2).filter(|p| p[1].0 - p[0].0 > 3_600_000).map(|p| (p[0], p[1])).collect();
        }
        let jd_f = |ms: i64| ms as f64 / 86_400_000.0;
        let mut gaps: Vec<(f64, f64, usize, usize)> = Vec::new(); // (h, before, last row, first row)
        let mut sum = SqlSum::default();
        for (a, b) in pairs {
            let (before, after) = (jd_f(a.0), jd_f(b.0));
            let h = (after - before) * 24.0;
            if h > QUIET_HOURS {
                sum.add(&Value::Real(h));
                gaps.push((h, before, a.1, b.1));
            }
        }
        k.quiet_count = gaps.len() as i64;
        if !gaps.is_empty() {
            k.quiet_hours = sum.value().and_then(|v| v.as_f64()).unwrap_or(0.0);
        }
        gaps.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
        gaps.truncate(TOP_QUIET);
        // The texts: the last call (by text) at the gap's start instant and the first at its
        // end, which in (julian, text) order are the two calls either side of the gap.
        let text = |i: usize| String::from_utf8_lossy(self.ts(i)).into_owned();
        let mut quiet: Vec<QuietPeriod> = gaps
            .iter()
            .map(|(h, _, a, b)| QuietPeriod { start: text(*a), end: text(*b), hours: *h })
            .collect();
        quiet.sort_by(|a, b| b.hours.total_cmp(&a.hours).then_with(|| a.start.cmp(&b.start)));
        k.quiet = quiet;
        Some(k)
    }

    /// `v <> ''` is true (not NULL, not the empty text) for a value of rank `id`.
    #[inline(always)]
    fn nonempty(&self, id: u32) -> bool {
        self.vflags[id as usize] & NONEMPTY != 0
    }

    fn count_having(&self) -> [i64; 12] {
        let mut having = [0i64; 12];
        for (i, r) in self.rows.iter().enumerate() {
            let ts_dated = if i < self.dated {
                dated_text(self.ts(i))
            } else {
                match self.value(self.other_ts[i - self.dated]) {
                    Value::Integer(v) => *v > 0,
                    Value::Real(v) => *v > 0.0,
                    Value::Blob(b) => date_prefix(b),
                    _ => false,
                }
            };
            having[TIMESTAMP] += ts_dated as i64;
            having[TOOL] += self.nonempty(r.tool) as i64;
            having[DURATION] += (r.duration != NULL_ID) as i64;
            having[AGENT] += self.nonempty(r.agent) as i64;
            having[SUCCESS] += (r.flags & SUCCESS_SET != 0) as i64;
            having[BLOCKED] += (r.flags & BLOCKED_SET != 0) as i64;
            having[ERROR] += self.nonempty(r.error) as i64;
            having[LINES] += (r.lines != NULL_ID) as i64;
            having[BYTES] += (r.bytes != NULL_ID) as i64;
            having[HOOK] += self.nonempty(r.hook) as i64;
            having[SESSION] += self.nonempty(r.session) as i64;
            having[FILE] += self.nonempty(r.file) as i64;
        }
        having
    }

    /// The tools section of the coverage (same as [`coverage::coverage`]'s), over every row
    /// (counted once, when the store was built).
    pub fn coverage(&self, facts: &SchemaFacts) -> SectionCoverage {
        let rows = self.rows.len() as i64;
        let having = self.having;
        coverage::tools_section(facts, rows, &|field| {
            COLUMNS
                .iter()
                .position(|c| *c == field)
                .filter(|k| self.present[*k])
                .map(|k| having[k])
                .unwrap_or(0)
        })
    }

    /// The tool filter's choices: every tool_name by calls (most first, ties by value), as
    /// `SELECT tool_name FROM tool_logs GROUP BY 1 ORDER BY COUNT(*) DESC, 1` lists them.
    pub fn tool_choices(&self) -> Vec<String> {
        self.choices.clone()
    }

    fn count_choices(&self) -> Vec<String> {
        let mut counts: HashMap<u32, (u32, i64)> = HashMap::new();
        for r in &self.rows {
            counts.entry(r.tool).or_insert((self.rep[r.tool as usize], 0)).1 += 1;
        }
        let mut v: Vec<(u32, u32, i64)> = counts.into_iter().map(|(rk, (id, n))| (rk, id, n)).collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        v.into_iter().map(|(_, id, _)| self.value(id).display()).collect()
    }

    /// The tool_logs rows of the activity pass ([`super::outliers`]): per `substr(timestamp, 1,
    /// 10)` of the non-NULL, non-empty timestamps, (that day as text when it is text, calls,
    /// the MIN and MAX timestamp as text when text), in no particular order.
    pub fn activity_days(&self) -> Vec<ActivityDay> {
        self.activity.clone()
    }

    fn count_activity(&self) -> Vec<ActivityDay> {
        let mut out: Vec<ActivityDay> = Vec::new();
        let mut last: Option<&[u8]> = None;
        for i in 0..self.dated {
            let ts = self.ts(i);
            if ts.is_empty() {
                continue;
            }
            let day = prefix_chars(ts, 10);
            let text = || Some(String::from_utf8_lossy(ts).into_owned());
            if last != Some(day) {
                last = Some(day);
                out.push((Some(String::from_utf8_lossy(day).into_owned()), 0, text(), text()));
            }
            let e = out.last_mut().expect("pushed");
            e.1 += 1;
            e.3 = text();
        }
        // Numbers and blobs: `substr(timestamp, 1, 10)` of a number is the text of its digits
        // (never a day), of a blob its first 10 bytes (read as text when they are UTF-8);
        // MIN/MAX of a group by SQLite's order, read as text where the SQL path reads it.
        let mut others: Vec<(Option<String>, i64, Value, Value)> = Vec::new();
        for id in &self.other_ts {
            let v = self.value(*id);
            let day = match v {
                Value::Null => continue,
                Value::Blob(b) => Value::Blob(b[..b.len().min(10)].to_vec()).as_str().map(str::to_owned),
                other => Some(other.display().chars().take(10).collect()),
            };
            match others.iter_mut().find(|(d, ..)| *d == day) {
                Some(e) => {
                    e.1 += 1;
                    if sql_cmp(v, &e.2).is_lt() {
                        e.2 = v.clone();
                    }
                    if sql_cmp(v, &e.3).is_gt() {
                        e.3 = v.clone();
                    }
                }
                None => others.push((day, 1, v.clone(), v.clone())),
            }
        }
        let text = |v: &Value| v.as_str().map(str::to_owned);
        out.extend(others.iter().map(|(d, n, lo, hi)| (d.clone(), *n, text(lo), text(hi))));
        out
    }
}

/// Coverage's "dated" for a text: date-shaped, or digits only not starting with 0.
fn dated_text(t: &[u8]) -> bool {
    date_prefix(t) || (!t.is_empty() && (b'1'..=b'9').contains(&t[0]) && t.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn julian_matches_known_values() {
        // julianday('2000-01-01 12:00:00') = 2451545.0
        assert_eq!(julian_ms("2000-01-01 12:00:00").unwrap() as f64 / 86_400_000.0, 2_451_545.0);
        assert_eq!(julian_ms("2000-01-01T14:00:00+02:00"), julian_ms("2000-01-01 12:00"));
        assert_eq!(julian_ms("2000-01-01 12:00:00Z"), julian_ms("2000-01-01 12:00"));
        assert!(julian_ms("2000-01-01 x").is_none());
        assert!(julian_ms("1735689600").is_none());
    }

    /// julian_ms (and the cached reader) against SQLite's own julianday, for the forms read.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn julian_agrees_with_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut cache = JulianCache::default();
        for t in [
            "2026-11-20 10:00:00",
            "2026-11-20 10:00",
            "2026-11-20",
            "2026-11-20T23:59:59",
            "2026-11-20 10:00:00.5",
            "2026-11-20 10:00:00.123456",
            "2026-11-20 10:00:00.9999",
            "2026-11-20 10:00:00+02:00",
            "2026-11-20 10:00:00-05:30",
            "2026-11-20 10:00:00Z",
            "1970-01-01 00:00:00",
            "2099-12-31 23:59:59",
            "2024-02-29 12:00:00",
            "2025-02-31 12:00:00",
            "2026-11-20 24:00:00",
            " 2026-11-20 10:00:00 ",
            "2026-11-20 10:00:00 junk",
            "2026-13-45 10:00",
            "1764500000",
            "",
            "2026-11-20  10:00",
            "2026-11-20T10:00Z",
            "2026-11-20 10:00 +02:00",
            "2026-11-20 1:00",
            "2026-11-20 10:00:00.",
            "2026-1-20",
            "2026-11-20 10:60",
            "2026-11-20 10:00:60",
            "2026-11-20 10:00:00+14:00",
            "2026-11-20 10:00:00+15:00",
        ] {
            let sql: Option<f64> = conn.query_row("SELECT julianday(?1)", [t], |r| r.get(0)).unwrap();
            let ours = julian_ms(t).map(|ms| ms as f64 / 86_400_000.0);
            if t == "1764500000" {
                // A number as text is a julian day number to SQLite (out of range here: NULL).
                assert_eq!(sql, None);
            }
            assert_eq!(ours, sql, "{t:?}");
            assert_eq!(cache.julian(t.as_bytes()).map(|ms| ms as f64 / 86_400_000.0), sql, "cached {t:?}");
        }
    }

    #[test]
    fn substr_counts_characters() {
        assert_eq!(prefix_chars("é1234567890".as_bytes(), 3), "é12".as_bytes());
        assert_eq!(substr_chars(b"2025-01-02 13:45", 12, 2), b"13");
    }

    #[test]
    fn radix_sort_sorts() {
        let mut v: Vec<u32> = (0..5000u32).map(|i| i.wrapping_mul(2_654_435_761) % 70_000).collect();
        let mut w = v.clone();
        w.sort_unstable();
        radix_sort(&mut v);
        assert_eq!(v, w);
    }

    #[test]
    fn sums_follow_sqlite() {
        let mut s = SqlSum::default();
        assert_eq!(s.value(), Some(Value::Null));
        s.add(&Value::Integer(2));
        s.add(&Value::Text("3".into()));
        assert_eq!(s.value(), Some(Value::Integer(5)));
        s.add(&Value::Real(0.5));
        assert_eq!(s.value(), Some(Value::Real(5.5)));
        let mut o = SqlSum::default();
        o.add(&Value::Integer(i64::MAX));
        o.add(&Value::Integer(1));
        assert_eq!(o.value(), None);
    }

    /// The passes in parts give what one pass gives, whatever the part size (the state of a
    /// pass — the current hour, day, slot, run — carries over from part to part).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn passes_in_parts_give_what_one_pass_gives() {
        use crate::native::NativeDb;
        use crate::schema::read_facts;
        let db = NativeDb::open_bytes(&[]).unwrap();
        db.execute_batch_sync(
            "CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, tool_name TEXT, timestamp TEXT, success BOOLEAN,
                error_message TEXT, blocked_by_hook BOOLEAN, hook_message TEXT, file_affected TEXT,
                lines_changed INTEGER, bytes_processed INTEGER, session_id TEXT, agent_name TEXT, duration_ms INTEGER);
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
             INSERT INTO tool_logs (tool_name, timestamp, success, error_message, blocked_by_hook, hook_message,
                 file_affected, lines_changed, bytes_processed, session_id, agent_name, duration_ms)
             SELECT CASE i % 3 WHEN 0 THEN 'Read' WHEN 1 THEN 'Edit' ELSE 'Bash' END,
                    datetime('2026-11-01 08:00:00', '+' || (i * 37 + (i / 50) * 600) || ' minutes'),
                    i % 11 <> 0, CASE WHEN i % 11 = 0 THEN 'failed ' || (i % 4) END,
                    i % 13 = 0, CASE WHEN i % 13 = 0 THEN 'blocked by rule ' || (i % 3) END,
                    'src/f' || (i % 17) || '.rs', i % 40, i * 13, 's' || (i / 60), '@agent' || (i % 5), 10 + i % 97
             FROM n;",
        )
        .unwrap();
        let facts = pollster::block_on(read_facts(&db)).unwrap();
        let log = pollster::block_on(ToolLog::read(&db, &facts)).unwrap();
        let joins = pollster::block_on(read_sessions(&db, &facts)).unwrap();
        let w = Window {
            as_of: "2026-12-01 00:00".into(),
            start: "2026-10-01 00:00".into(),
            end: "2026-12-01 00:00".into(),
            first_day: parse_day("2026-10-01").unwrap(),
            last_day: parse_day("2026-11-30").unwrap(),
            ..Default::default()
        };
        let all = DashboardState::default();
        let edit = DashboardState { tool: Some("Edit".into()), ..Default::default() };
        for state in [&all, &edit] {
            let whole = |part: usize| {
                let mut agg = Aggregates::default();
                let t = pollster::block_on(log.tool_kpis_in(&db, state, &w, &mut agg, part));
                let h = pollster::block_on(log.hook_kpis_in(&db, &facts, state, &w, &joins, part));
                (t, h, agg.calls_daily)
            };
            let one = whole(PASS_ROWS);
            assert!(one.0.calls > 100, "the window holds the rows ({})", one.0.calls);
            for part in [1, 7, 64] {
                assert_eq!(whole(part), one, "parts of {part} rows, tool filter {:?}", state.tool);
            }
        }
    }
}
