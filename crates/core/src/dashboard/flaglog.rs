//! The flags table in memory: the columns the dashboard's flag figures read, compact, and every
//! flag figure of the dashboard computed from it in Rust (issue 14 item 5: at 200k flags the
//! eleven SQL statements of `flag_kpis` (in `dashboard`) take ~1.4 s in sql.js, each a scan and a sort).
//!
//! The SQL path stays: it is the oracle in the tests and the path when no [`FlagLog`] is given
//! to [`super::aggregates`]. Every figure here gives EXACTLY the values of that SQL, with
//! SQLite's semantics kept where they matter:
//! * values keep their storage class (NULL, INTEGER, REAL, TEXT, BLOB); comparisons, MIN, GROUP
//!   BY and ORDER BY order them as SQLite does (NULL < numbers < text by memcmp < blob), an
//!   INTEGER 1 and a REAL 1.0 are one group, a TEXT '1' is another;
//! * `status = 'pending'`, `impact_level = 'critical'` are comparisons with a TEXT value; the
//!   target and flag type filters follow SQLite's affinity rules for a bound parameter (a column
//!   of INTEGER / REAL / NUMERIC affinity reads a number-shaped parameter as a number);
//! * `julianday()` is SQLite's (dates `YYYY-MM-DD`, times `HH:MM[:SS[.fff]]` after a space or
//!   `T`, a `Z` or `±HH:MM` offset, a bare time of 2000-01-01, a Julian day number as a number
//!   or as text), `ROUND()` is SQLite's (half away from zero through `+ 0.5`);
//! * `SUM(condition)` counts the rows where the condition is true (NULL counts as not true).
//!
//! Not covered: a `WITHOUT ROWID` flags table ([`FlagLog::read`] pages by rowid), the `'now'`
//! text as a timestamp, and REAL timestamps cut by `substr` (SQLite's float-to-text form).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::coverage::{FieldCoverage, SectionCoverage};
use super::outliers::{Day, OutlierRow, Source};
use super::stats::{parse_day, parse_minute};
use super::{hours_between, Aggregates, Bottleneck, DashboardState, FlagKpis, Window, LEVELS};
use crate::cell::Cell;
use crate::interner::Interner;
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;
use crate::table_info::{table_info, TableInfo};
use crate::value::Value;

/// The columns kept, in this order ([`FlagLog`] rows hold one value id per column).
pub const COLUMNS: [&str; 8] = [
    "status",
    "impact_level",
    "locked",
    "created_at",
    "completed_at",
    "target_agent",
    "flag_type",
    "chain_origin_id",
];

const STATUS: usize = 0;
const IMPACT: usize = 1;
const LOCKED: usize = 2;
const CREATED: usize = 3;
const COMPLETED: usize = 4;
const TARGET: usize = 5;
const FLAG_TYPE: usize = 6;
const CHAIN: usize = 7;

/// Rows read per query by [`FlagLog::read`] (keyset pages of rowid).
pub const PAGE_ROWS: usize = 20_000;

use crate::table_info::Affinity;

/// The flag columns the dashboard reads, one row per flag, in rowid order. Each value is kept
/// once (`values`, interned with its storage class) and rows hold 4-byte ids into it, plus the
/// flag's `id` (the rowid when the table has no integer `id`).
///
/// Size, measured on a generated file of 200,000 flags (77,568 distinct `created_at`, 66,417
/// distinct `completed_at`, 37 targets, 23,637 chain origins): 17.9 MB on the heap
/// ([`FlagLog::heap_bytes`]), 89 bytes per flag: 40 for the row and its id, the rest for the
/// distinct values (a 32-byte `Value`, its text, and a 24-byte `Derived` each), allocator
/// overheads not counted. Filled in ~0.2 s from rows in memory and ~0.4 s through the port
/// (rusqlite, release build); the figures of a state take ~10-30 ms (`cargo xtask
/// flaglog-bench`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FlagLog {
    values: Vec<Value>,
    #[serde(with = "crate::wire::fixed")]
    rows: Vec<[u32; 8]>,
    #[serde(with = "crate::wire::fixed")]
    ids: Vec<i64>,
    /// Per value: what the figures derive from it, computed once ([`Derived`]).
    derived: Vec<Derived>,
    /// What does not depend on the dashboard's state, counted once by
    /// [`FlagLogBuilder::finish`]: the coverage, the activity days of created_at and
    /// completed_at.
    #[serde(with = "crate::wire::flag_counts")]
    cached: (Option<SectionCoverage>, Option<Vec<Day>>, Option<Vec<Day>>),
    /// Whether the table has each of [`COLUMNS`] (an absent one reads as NULL).
    present: [bool; 8],
    affinity: [Affinity; 8],
    /// The figures of the last [`FLAG_MEMOS`] inputs asked ([`FlagLog::flag_kpis`]), newest
    /// first: a change the flag figures do not read (the tool filter, the horizon, the
    /// budgets) computes none of them again.
    #[serde(skip)]
    memo: RefCell<Vec<FlagMemo>>,
}

/// Rows per part of a flag pass: the host gets a turn between parts ([`Database::pause`]),
/// so no part runs long on the page (~10–20 ms in the browser).
pub const PASS_FLAGS: usize = 100_000;

/// How many inputs' flag figures a [`FlagLog`] keeps (each a few kB: the figures and two
/// per-day maps).
pub const FLAG_MEMOS: usize = 8;

/// What [`FlagLog::flag_kpis`] gave for one input: its key (the target and flag type filters,
/// the window, the catalog), the figures and the per-day maps it filled.
#[derive(Debug, Clone)]
struct FlagMemo {
    key: (Option<String>, Option<String>, Window, Catalog),
    kpis: FlagKpis,
    created: BTreeMap<i64, f64>,
    completed: BTreeMap<i64, f64>,
}

/// What the figures read of a value, computed once per distinct value when the store is filled.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Derived {
    /// `julianday(v)` in ms ([`julian_ms`]), `i64::MIN` for NULL.
    jd: i64,
    /// The day number of `substr(v, 1, 10)` of a TEXT value ([`parse_day`]), `i32::MIN` when it
    /// is none or the value is no TEXT.
    day: i32,
    /// The integer SQLite holds the value equal to (an INTEGER, or an integral REAL), if any.
    int: Option<i64>,
}

impl Derived {
    fn of(v: &Value) -> Derived {
        Derived {
            jd: julian_ms(v).unwrap_or(i64::MIN),
            day: match v {
                Value::Text(t) => {
                    parse_day(prefix(t, 10)).and_then(|d| i32::try_from(d).ok()).unwrap_or(i32::MIN)
                }
                _ => i32::MIN,
            },
            int: Key::norm(v),
        }
    }
}

/// A value as a hash key with SQLite's equality: an integral REAL equals the INTEGER.
#[derive(Debug, Clone)]
struct Key(Value);

impl Key {
    fn norm(v: &Value) -> Option<i64> {
        match v {
            Value::Integer(i) => Some(*i),
            Value::Real(f) if f.fract() == 0.0 && *f >= -9.2e18 && *f <= 9.2e18 => Some(*f as i64),
            _ => None,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        sql_cmp(&self.0, &other.0) == Ordering::Equal
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        if let Some(i) = Key::norm(&self.0) {
            (1u8, i).hash(h);
            return;
        }
        match &self.0 {
            Value::Null => 0u8.hash(h),
            Value::Real(f) => (2u8, f.to_bits()).hash(h),
            Value::Text(t) => (3u8, t.as_bytes()).hash(h),
            Value::Blob(b) => (4u8, b.as_slice()).hash(h),
            Value::Integer(_) => unreachable!("integers are normalised above"),
        }
    }
}

use crate::value::sql_cmp;

/// `a < b` etc. with a TEXT right-hand side: `None` when `a` is NULL.
fn cmp_text(a: &Value, b: &str) -> Option<Ordering> {
    match a {
        Value::Null => None,
        Value::Text(t) => Some(t.as_bytes().cmp(b.as_bytes())),
        Value::Integer(_) | Value::Real(_) => Some(Ordering::Less),
        Value::Blob(_) => Some(Ordering::Greater),
    }
}

fn is_text(v: &Value, s: &str) -> bool {
    matches!(v, Value::Text(t) if t == s)
}

/// A text read as a number the way affinity does (a well-formed integer or real, spaces around
/// allowed): `None` when it is not one.
pub(crate) fn numeric_text(s: &str) -> Option<Value> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Integer(i));
    }
    let ok = t.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if ok {
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() {
                return Some(Value::Real(f));
            }
        }
    }
    None
}

/// The text a number becomes under TEXT affinity (integers exactly; reals in Rust's form with
/// `.0` for integral values, close to SQLite's `%!.15g` for the values flag files hold).
fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{f:.1}")),
        Value::Real(f) => Some(f.to_string()),
        _ => None,
    }
}

/// `column = other` where the column has affinity `col` and `other` has `other_aff` (`None`:
/// no affinity, as a bound parameter or an expression), SQLite's comparison rules.
pub(crate) fn eq_affinity(value: &Value, col: Affinity, other: &Value, other_aff: Option<Affinity>) -> bool {
    let (mut a, mut b) = (value.clone(), other.clone());
    let other_numeric = other_aff.is_some_and(Affinity::numeric);
    let other_text_blob_none = !other_numeric;
    if col.numeric() && other_text_blob_none {
        if let Value::Text(s) = &b {
            if let Some(n) = numeric_text(s) {
                b = n;
            }
        }
    } else if other_numeric && !col.numeric() {
        if let Value::Text(s) = &a {
            if let Some(n) = numeric_text(s) {
                a = n;
            }
        }
    } else if col == Affinity::Text && other_aff.is_none() {
        if let Some(t) = number_text(&b) {
            b = Value::Text(t);
        }
    } else if other_aff == Some(Affinity::Text) && matches!(col, Affinity::Blob) {
        if let Some(t) = number_text(&a) {
            a = Value::Text(t);
        }
    }
    !matches!(a, Value::Null) && !matches!(b, Value::Null) && sql_cmp(&a, &b) == Ordering::Equal
}

/// Fills a [`FlagLog`] row by row, from any reader of the table (the port, or a raw page scan).
#[derive(Debug)]
pub struct FlagLogBuilder {
    /// Index in the table's columns of each of [`COLUMNS`] (`None`: the table lacks it).
    at: [Option<usize>; 8],
    /// Index of `id` in the table's columns.
    id_at: Option<usize>,
    defaults: Vec<Option<Value>>,
    rowid_alias: Option<usize>,
    /// The values of the rows, by id.
    interner: Interner,
    log: FlagLog,
}

impl FlagLogBuilder {
    /// `columns`: the table's columns in order (PRAGMA table_info); `defaults`: their parsed
    /// `dflt_value` ([`crate::table_info::parse_default`]), read for a column past a record's end; `rowid_alias`:
    /// the column that is the rowid (`INTEGER PRIMARY KEY`), whose record slot is NULL.
    pub fn new(columns: &[String], defaults: &[Option<Value>], rowid_alias: Option<usize>) -> FlagLogBuilder {
        let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
        let at = COLUMNS.map(find);
        let mut log = FlagLog { present: at.map(|a| a.is_some()), ..Default::default() };
        // Declared types unknown: flag files declare these TEXT, locked BOOLEAN, chain INTEGER.
        log.affinity = [
            Affinity::Text,
            Affinity::Text,
            Affinity::Numeric,
            Affinity::Text,
            Affinity::Text,
            Affinity::Text,
            Affinity::Text,
            Affinity::Integer,
        ];
        FlagLogBuilder {
            at,
            id_at: find("id"),
            defaults: defaults.to_vec(),
            rowid_alias,
            interner: Interner::default(),
            log,
        }
    }

    /// The declared types of the table's columns (in the order of `columns`), for the filters'
    /// affinity. Without it the builder assumes the Acolytes / ClaudeSquad declarations.
    pub fn types(mut self, declared: &[String]) -> FlagLogBuilder {
        for (i, at) in self.at.iter().enumerate() {
            if let Some(t) = at.and_then(|a| declared.get(a)) {
                self.log.affinity[i] = Affinity::of(Some(t));
            }
        }
        self
    }

    fn intern(&mut self, c: Cell<'_>) -> u32 {
        self.interner.intern(c)
    }

    /// The id of the table's column `i` of this row (the rowid for the alias, the default past
    /// the record's end).
    fn intern_at<'a>(&mut self, rowid: i64, i: usize, get: &impl Fn(usize) -> Option<Cell<'a>>) -> u32 {
        if Some(i) == self.rowid_alias {
            return self.intern(Cell::Int(rowid));
        }
        match get(i) {
            Some(c) => self.intern(c),
            None => {
                let v = self.defaults.get(i).cloned().flatten().unwrap_or(Value::Null);
                self.intern(Cell::of(&v))
            }
        }
    }

    /// One row: `get(i)` is the table's column `i` as stored, `None` past the record's end (the
    /// column's default then).
    pub fn push<'a>(&mut self, rowid: i64, get: impl Fn(usize) -> Option<Cell<'a>>) {
        let mut row = [0u32; 8];
        for (k, at) in self.at.into_iter().enumerate() {
            row[k] = match at {
                Some(i) => self.intern_at(rowid, i, &get),
                None => self.intern(Cell::Null),
            };
        }
        let id = match self.id_at {
            Some(i) if Some(i) == self.rowid_alias => rowid,
            Some(i) => match get(i) {
                Some(Cell::Int(n)) => n,
                None => match self.defaults.get(i) {
                    Some(Some(Value::Integer(n))) => *n,
                    _ => rowid,
                },
                _ => rowid,
            },
            None => rowid,
        };
        self.log.rows.push(row);
        self.log.ids.push(id);
    }

    /// The store.
    pub fn finish(mut self) -> FlagLog {
        self.log.values = std::mem::take(&mut self.interner).into_values();
        self.log.derived = self.log.values.iter().map(Derived::of).collect();
        self.log.values.shrink_to_fit();
        self.log.rows.shrink_to_fit();
        self.log.ids.shrink_to_fit();
        let log = &self.log;
        self.log.cached = (
            Some(log.count_coverage()),
            Some(log.count_activity_days(0, "created_at")),
            Some(log.count_activity_days(0, "completed_at")),
        );
        self.log
    }
}

/// The names a pending flag's target is checked against (misrouted share): `agents_catalog`
/// names, and for ClaudeSquad files `agents_dynamic` names with and without their `@`
/// ([`crate::agents::misrouted_sql`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Whether the file has `agents_catalog` (without it there is no routing figure).
    pub applies: bool,
    pub names: Vec<Value>,
    /// `agents_dynamic` names, then the same with `@` before them; `None` without the table.
    pub dynamic: Option<(Vec<Value>, Vec<Value>)>,
}

impl Catalog {
    /// Reads the names (two or three small statements). Errors: the database's.
    pub async fn read<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Catalog, DbError> {
        if !facts.has_table("agents_catalog") {
            return Ok(Catalog::default());
        }
        let col =
            |rs: crate::value::ResultSet| rs.rows.into_iter().filter_map(|r| r.into_iter().next()).collect();
        let names = col(db.query("SELECT name FROM agents_catalog", &[]).await?);
        let dynamic = if facts.has_table("agents_dynamic") {
            Some((
                col(db.query("SELECT name FROM agents_dynamic", &[]).await?),
                col(db.query("SELECT '@' || name FROM agents_dynamic", &[]).await?),
            ))
        } else {
            None
        };
        Ok(Catalog { applies: true, names, dynamic })
    }
}

/// `x NOT IN (list)` in three-valued logic: `Some(false)` when found, `None` when not found and
/// the list holds a NULL, `Some(true)` otherwise.
fn not_in(x: &Value, col: Affinity, list: &[Value], list_aff: Option<Affinity>) -> Option<bool> {
    let mut null = false;
    for v in list {
        if matches!(v, Value::Null) {
            null = true;
        } else if eq_affinity(x, col, v, list_aff) {
            return Some(false);
        }
    }
    if null {
        None
    } else {
        Some(true)
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

use crate::julian::{date_prefix, julian_ms};

/// SQLite's `ROUND(r)` (no digits).
fn sql_round(r: f64) -> f64 {
    if (0.0..9.2e18).contains(&r) {
        ((r + 0.5) as i64) as f64
    } else if r < 0.0 && -r < 9.2e18 {
        -(((-r) + 0.5) as i64) as f64
    } else {
        r
    }
}

/// SQLite's `substr(v, 1, n)` of a value, as the text key GROUP BY sees (`None` for NULL; a
/// number becomes its text first).
fn substr_key(v: &Value, n: usize) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Text(t) => Some(Value::Text(t.chars().take(n).collect())),
        Value::Blob(b) => Some(Value::Blob(b[..b.len().min(n)].to_vec())),
        other => number_text(other).map(|t| Value::Text(t.chars().take(n).collect())),
    }
}

/// The first `n` characters of a text (SQLite's `substr(t, 1, n)` on TEXT), borrowed.
fn prefix(t: &str, n: usize) -> &str {
    match t.char_indices().nth(n) {
        Some((i, _)) => &t[..i],
        None => t,
    }
}

type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// The SQL `v GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'` on a value's text.
fn date_shaped(v: &Value) -> bool {
    let b: &[u8] = match v {
        Value::Text(t) => t.as_bytes(),
        Value::Blob(b) => b,
        Value::Null => return false,
        other => return number_text(other).is_some_and(|t| date_prefix(t.as_bytes())),
    };
    date_prefix(b)
}

/// Coverage's "a readable time" ([`super::coverage`]'s `dated`).
fn dated(v: &Value) -> bool {
    date_shaped(v)
        || match v {
            Value::Integer(i) => *i > 0,
            Value::Real(r) => *r > 0.0,
            Value::Text(t) => {
                let b = t.as_bytes();
                !b.is_empty() && (b'1'..=b'9').contains(&b[0]) && b.iter().all(u8::is_ascii_digit)
            }
            _ => false,
        }
}

/// `v <> ''`: not NULL and not the empty text.
fn non_empty(v: &Value) -> bool {
    !matches!(v, Value::Null) && !is_text(v, "")
}

/// MIN in SQLite's order, NULLs left out.
fn min_sql<'a>(cur: Option<&'a Value>, v: &'a Value) -> Option<&'a Value> {
    if matches!(v, Value::Null) {
        return cur;
    }
    match cur {
        Some(c) if sql_cmp(c, v) != Ordering::Greater => Some(c),
        _ => Some(v),
    }
}

fn max_sql<'a>(cur: Option<&'a Value>, v: &'a Value) -> Option<&'a Value> {
    if matches!(v, Value::Null) {
        return cur;
    }
    match cur {
        Some(c) if sql_cmp(c, v) != Ordering::Less => Some(c),
        _ => Some(v),
    }
}

/// Value ids (of one column's values) that equal a text, with the column's affinity.
fn matching(values: &[Value], col: Affinity, param: &str) -> Vec<bool> {
    let p = Value::Text(param.to_owned());
    values.iter().map(|v| eq_affinity(v, col, &p, None)).collect()
}

impl FlagLog {
    /// Flags held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no flag.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bytes on the heap (rows, ids and distinct values; hash-table overheads of the builder
    /// are gone after [`FlagLogBuilder::finish`]).
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self
            .values
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.capacity(),
                Value::Blob(b) => b.capacity(),
                _ => 0,
            })
            .sum();
        self.values.capacity() * std::mem::size_of::<Value>()
            + text
            + self.rows.capacity() * std::mem::size_of::<[u32; 8]>()
            + self.ids.capacity() * 8
            + self.derived.capacity() * std::mem::size_of::<Derived>()
    }

    /// Reads the flags table through the port in keyset pages of [`PAGE_ROWS`] rowids (the
    /// path where no raw page scan is at hand). Errors: the database's.
    pub async fn read<D: Database>(db: &D, facts: &SchemaFacts) -> Result<FlagLog, DbError> {
        let _ = facts;
        let TableInfo { columns, types, defaults, rowid_alias, .. } =
            table_info(db, "flags").await?.unwrap_or_default();
        let mut b = FlagLogBuilder::new(&columns, &defaults, rowid_alias).types(&types);
        let wanted: Vec<usize> = b.at.iter().flatten().copied().chain(b.id_at).collect();
        let list: Vec<String> =
            wanted.iter().map(|i| format!("\"{}\"", columns[*i].replace('"', "\"\""))).collect();
        let select = if list.is_empty() { String::new() } else { format!(", {}", list.join(", ")) };
        let sql =
            format!("SELECT rowid{select} FROM flags WHERE rowid > ?1 ORDER BY rowid LIMIT {PAGE_ROWS}");
        let mut after = i64::MIN;
        loop {
            let rs = db.query(&sql, &[Value::Integer(after)]).await?;
            let n = rs.rows.len();
            for r in &rs.rows {
                let rowid = r[0].as_i64().unwrap_or(0);
                b.push(rowid, |i| wanted.iter().position(|w| *w == i).map(|p| Cell::of(&r[p + 1])));
                after = rowid;
            }
            if n < PAGE_ROWS {
                break;
            }
        }
        Ok(b.finish())
    }

    fn v(&self, row: &[u32; 8], col: usize) -> &Value {
        &self.values[row[col] as usize]
    }

    /// Per value id: whether it passes the state's target and flag type filters
    /// (`super::flag_filter`), one vector per filtered column.
    fn filter(&self, state: &DashboardState) -> impl Fn(&[u32; 8]) -> bool + '_ {
        let t = state.target.as_ref().map(|t| matching(&self.values, self.affinity[TARGET], t));
        let f = state.flag_type.as_ref().map(|t| matching(&self.values, self.affinity[FLAG_TYPE], t));
        let (tp, fp) = (self.present[TARGET], self.present[FLAG_TYPE]);
        move |row: &[u32; 8]| {
            t.as_ref().is_none_or(|m| tp && m[row[TARGET] as usize])
                && f.as_ref().is_none_or(|m| fp && m[row[FLAG_TYPE] as usize])
        }
    }

    fn is(&self, row: &[u32; 8], col: usize, text: &str) -> bool {
        is_text(self.v(row, col), text)
    }

    /// The id of the TEXT value `text`, if any row holds it.
    fn text_id(&self, text: &str) -> Option<u32> {
        self.values.iter().position(|v| is_text(v, text)).map(|i| i as u32)
    }

    /// The filter choices of flags, as `filter_choices` selects them in SQL: the targets
    /// (`SELECT DISTINCT target_agent FROM flags WHERE target_agent <> '' ORDER BY 1`) and the
    /// flag types (`SELECT DISTINCT flag_type FROM flags ORDER BY 1`), each value as shown. A
    /// column the table lacks gives none.
    pub fn choices(&self) -> (Vec<String>, Vec<String>) {
        let distinct = |col: usize, keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
            if !self.present[col] {
                return Vec::new();
            }
            let mut seen = vec![false; self.values.len()];
            for row in &self.rows {
                seen[row[col] as usize] = true;
            }
            let mut values: Vec<&Value> =
                self.values.iter().zip(&seen).filter(|(v, s)| **s && keep(v)).map(|(v, _)| v).collect();
            values.sort_by(|a, b| sql_cmp(a, b));
            values.dedup_by(|a, b| sql_cmp(a, b) == Ordering::Equal);
            values.into_iter().map(Value::display).collect()
        };
        // `<> ''`: NULL is left out (the comparison is NULL), and so is the empty text.
        let targets =
            distinct(TARGET, &|v| !matches!(v, Value::Null) && !matches!(v, Value::Text(t) if t.is_empty()));
        (targets, distinct(FLAG_TYPE, &|_| true))
    }

    /// The flag figures, exactly as `flag_kpis` (in `dashboard`) computes them in SQL; fills the
    /// per-day maps of `agg` on the way. `catalog`: [`Catalog::read`]. The figures of the last
    /// inputs are kept ([`FLAG_MEMOS`]): asked again with the same filters, window and catalog (and
    /// per-day maps still empty, as [`super::aggregates`] hands them), they are given back
    /// without a pass. The passes go over [`PASS_FLAGS`] rows at a time with `db`'s
    /// [`Database::pause`] between (the port reads nothing here).
    pub async fn flag_kpis<D: Database>(
        &self,
        db: &D,
        state: &DashboardState,
        w: &Window,
        agg: &mut Aggregates,
        catalog: &Catalog,
    ) -> FlagKpis {
        let fresh = agg.created_daily.is_empty() && agg.completed_daily.is_empty();
        let key = (state.target.clone(), state.flag_type.clone(), w.clone(), catalog.clone());
        if fresh {
            let mut memo = self.memo.borrow_mut();
            if let Some(i) = memo.iter().position(|m| m.key == key) {
                let m = memo.remove(i);
                agg.created_daily = m.created.clone();
                agg.completed_daily = m.completed.clone();
                let kpis = m.kpis.clone();
                memo.insert(0, m);
                return kpis;
            }
        }
        let kpis = self.compute_flag_kpis(db, state, w, agg, catalog, PASS_FLAGS).await;
        if fresh {
            let mut memo = self.memo.borrow_mut();
            memo.truncate(FLAG_MEMOS - 1);
            memo.insert(
                0,
                FlagMemo {
                    key,
                    kpis: kpis.clone(),
                    created: agg.created_daily.clone(),
                    completed: agg.completed_daily.clone(),
                },
            );
        }
        kpis
    }

    async fn compute_flag_kpis<D: Database>(
        &self,
        db: &D,
        state: &DashboardState,
        w: &Window,
        agg: &mut Aggregates,
        catalog: &Catalog,
        part: usize,
    ) -> FlagKpis {
        let keep = self.filter(state);
        let as_of = parse_minute(&w.as_of).unwrap_or(0);
        let bounds = super::age_bounds(w);
        // `age_sql("created_at", w)`: the value, or NULL outside the fences' text bounds.
        let age = |v: &'_ Value| -> bool {
            match &bounds {
                Some((lo, hi)) => {
                    cmp_text(v, lo).is_some_and(|o| o != Ordering::Less)
                        && cmp_text(v, hi) == Some(Ordering::Less)
                }
                None => true,
            }
        };
        let (start, end) = (w.start.as_str(), w.end.as_str());
        let in_window = |v: &Value| {
            cmp_text(v, start).is_some_and(|o| o != Ordering::Less)
                && cmp_text(v, end).is_some_and(|o| o != Ordering::Greater)
        };
        let none = u32::MAX;
        let pending_id = self.text_id("pending").unwrap_or(none);
        let completed_id = self.text_id("completed").unwrap_or(none);
        let critical_id = self.text_id("critical").unwrap_or(none);
        let high_id = self.text_id("high").unwrap_or(none);
        let mut k = FlagKpis::default();

        // Pending, by level; oldest critical / high; bottlenecks; misrouted; critical ids.
        // Grouped by value id first, then ids SQLite holds equal (1 and 1.0) are merged.
        let mut levels: FastMap<u32, (i64, i64)> = FastMap::default();
        let mut oldest: [Option<&Value>; 2] = [None, None];
        let mut targets: FastMap<u32, (i64, Option<&Value>)> = FastMap::default();
        let (mut misrouted, mut pending_n) = (0i64, 0i64);
        let mut critical: Vec<(&Value, i64)> = Vec::new();
        // Misrouted per target value id (the lists are small, the targets few).
        let mut routed: FastMap<u32, bool> = FastMap::default();
        for (i, (row, id)) in self.rows.iter().zip(&self.ids).enumerate() {
            if i % part == part - 1 {
                db.pause().await;
            }
            if row[STATUS] != pending_id || !keep(row) {
                continue;
            }
            pending_n += 1;
            let unlocked = match self.v(row, LOCKED) {
                Value::Null => true,
                Value::Integer(0) => true,
                Value::Real(f) => *f == 0.0,
                _ => false,
            };
            let e = levels.entry(row[IMPACT]).or_insert((0, 0));
            e.0 += 1;
            e.1 += unlocked as i64;
            let created = self.v(row, CREATED);
            let aged = if age(created) { created } else { &Value::Null };
            let li = if row[IMPACT] == critical_id {
                Some(0)
            } else if row[IMPACT] == high_id {
                Some(1)
            } else {
                None
            };
            if let Some(i) = li {
                oldest[i] = min_sql(oldest[i], aged);
            }
            if li == Some(0) {
                critical.push((created, *id));
            }
            let e = targets.entry(row[TARGET]).or_insert((0, None));
            e.0 += 1;
            e.1 = min_sql(e.1, aged);
            if catalog.applies {
                let bad = *routed
                    .entry(row[TARGET])
                    .or_insert_with(|| self.misrouted(self.v(row, TARGET), catalog));
                misrouted += bad as i64;
            }
        }
        let mut groups: Vec<(Key, (i64, i64, usize))> = Vec::new();
        for (id, (n, unlocked)) in levels {
            let key = Key(self.values[id as usize].clone());
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) => {
                    g.1 .0 += n;
                    g.1 .1 += unlocked;
                    g.1 .2 = g.1 .2.min(id as usize);
                }
                None => groups.push((key, (n, unlocked, id as usize))),
            }
        }
        groups.sort_by(|a, b| sql_cmp(&a.0 .0, &b.0 .0));
        let mut by_level: Vec<(String, i64)> = LEVELS.iter().map(|l| ((*l).to_owned(), 0)).collect();
        for (_, (n, unlocked, first)) in &groups {
            let level = self.values[*first].display();
            k.pending += n;
            k.workable += unlocked;
            match by_level.iter_mut().find(|(l, _)| *l == level) {
                Some(entry) => entry.1 += n,
                None => by_level.push((level, *n)),
            }
        }
        k.locked_pending = k.pending - k.workable;
        k.pending_by_impact = by_level;

        // Created and completed per day, and the backlog before the window.
        let mut created_days: FastMap<i32, i64> = FastMap::default();
        let mut completed_days: FastMap<i32, i64> = FastMap::default();
        let (mut before_created, mut before_completed) = (0i64, 0i64);
        let mut lead: Vec<f64> = Vec::new();
        // Chains: origins SQLite holds equal to an integer by that integer, others by value id.
        let mut chains: FastMap<i64, i64> = FastMap::default();
        let mut odd_chains: FastMap<u32, i64> = FastMap::default();
        for (i, (row, id)) in self.rows.iter().zip(&self.ids).enumerate() {
            if i % part == part - 1 {
                db.pause().await;
            }
            if !keep(row) {
                continue;
            }
            let (created, completed) = (self.v(row, CREATED), self.v(row, COMPLETED));
            let done = row[STATUS] == completed_id;
            if in_window(created) {
                let day = self.derived[row[CREATED] as usize].day;
                if day != i32::MIN {
                    *created_days.entry(day).or_default() += 1;
                }
                match self.v(row, CHAIN) {
                    Value::Null => *chains.entry(*id).or_default() += 1,
                    _ => match self.derived[row[CHAIN] as usize].int {
                        Some(i) => *chains.entry(i).or_default() += 1,
                        None => *odd_chains.entry(row[CHAIN]).or_default() += 1,
                    },
                }
            }
            if cmp_text(created, start) == Some(Ordering::Less) {
                before_created += 1;
            }
            if done {
                if cmp_text(completed, start) == Some(Ordering::Less) {
                    before_completed += 1;
                }
                if in_window(completed) {
                    let day = self.derived[row[COMPLETED] as usize].day;
                    if day != i32::MIN {
                        *completed_days.entry(day).or_default() += 1;
                    }
                    let jd = |col: usize| Some(self.derived[row[col] as usize].jd).filter(|j| *j != i64::MIN);
                    if let (Some(c), Some(s)) = (jd(COMPLETED), jd(CREATED)) {
                        let jd = |ms: i64| ms as f64 / 86400000.0;
                        lead.push(sql_round((jd(c) - jd(s)) * 1440.0) / 60.0);
                    }
                }
            }
        }
        for (days, into) in
            [(created_days, &mut agg.created_daily), (completed_days, &mut agg.completed_daily)]
        {
            for (day, n) in days {
                *into.entry(day as i64).or_default() += n as f64;
            }
        }
        super::flag_series(&mut k, w, agg, before_created - before_completed);

        lead.sort_by(f64::total_cmp);
        let n = lead.len();
        k.lead_time_count = n as i64;
        let rank = |p: usize| (p * n).div_ceil(100).max(1);
        if n > 0 {
            k.lead_time_p50_hours = Some(lead[rank(50) - 1]);
            k.lead_time_p90_hours = Some(lead[rank(90) - 1]);
        }

        let age_of = |v: Option<&Value>| v.and_then(Value::as_str).and_then(|c| hours_between(c, as_of));
        k.oldest_critical_hours = age_of(oldest[0]);
        k.oldest_high_hours = age_of(oldest[1]);

        // COALESCE(target_agent, ''): NULL joins the empty text.
        let empty = Value::Text(String::new());
        let mut t: Vec<(Key, (i64, Option<&Value>))> = Vec::new();
        let mut slot: FastMap<Key, usize> = FastMap::default();
        for (id, (n, old)) in targets {
            let v = &self.values[id as usize];
            let key = Key(if matches!(v, Value::Null) { empty.clone() } else { v.clone() });
            match slot.get(&key) {
                Some(&i) => {
                    t[i].1 .0 += n;
                    if let Some(o) = old {
                        t[i].1 .1 = min_sql(t[i].1 .1, o);
                    }
                }
                None => {
                    slot.insert(key.clone(), t.len());
                    t.push((key, (n, old)));
                }
            }
        }
        t.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| sql_cmp(&a.0 .0, &b.0 .0)));
        k.bottlenecks = t
            .into_iter()
            .take(10)
            .map(|(target, (pending, old))| Bottleneck {
                target: target.0.display(),
                pending,
                oldest_hours: age_of(old),
            })
            .collect();

        if catalog.applies {
            k.routing_errors = misrouted;
            k.routing_error_share = (pending_n > 0).then(|| misrouted as f64 / pending_n as f64);
        }

        let mut odd: FastMap<Key, i64> = FastMap::default();
        for (id, n) in odd_chains {
            *odd.entry(Key(self.values[id as usize].clone())).or_default() += n;
        }
        let mut lengths: BTreeMap<i64, i64> = BTreeMap::new();
        for n in chains.into_values().chain(odd.into_values()).filter(|n| *n > 1) {
            *lengths.entry(n).or_default() += 1;
        }
        k.chain_lengths = lengths.into_iter().collect();
        k.chains = k.chain_lengths.iter().map(|(_, c)| c).sum();

        critical.sort_by(|a, b| sql_cmp(a.0, b.0).then(a.1.cmp(&b.1)));
        k.critical_pending_ids = critical.into_iter().take(20).map(|(_, id)| id).collect();
        k
    }

    /// [`crate::agents::misrouted_sql`] for one target: empty, or in none of the lists (SQL's
    /// three-valued logic: only a true counts).
    fn misrouted(&self, target: &Value, catalog: &Catalog) -> bool {
        let col = self.affinity[TARGET];
        let bad = if matches!(target, Value::Null) || is_text(target, "") {
            Some(true)
        } else {
            // `SELECT +name`: the names carry no affinity, as in the statement.
            let mut r = not_in(target, col, &catalog.names, None);
            if let Some((names, at)) = &catalog.dynamic {
                r = and3(r, not_in(target, col, names, None));
                r = and3(r, not_in(target, col, at, None));
            }
            r
        };
        bad == Some(true)
    }

    /// Flags with status `pending` and the state's filters: the first tiles' figure
    /// ([`super::first::first_tiles`]).
    pub fn pending(&self, state: &DashboardState) -> i64 {
        let keep = self.filter(state);
        self.rows.iter().filter(|r| self.is(r, STATUS, "pending") && keep(r)).count() as i64
    }

    /// The `flags` section of [`super::coverage::coverage`], over the whole table.
    pub fn coverage(&self) -> SectionCoverage {
        self.cached.0.clone().unwrap_or_else(|| self.count_coverage())
    }

    fn count_coverage(&self) -> SectionCoverage {
        let fields = super::coverage::flag_field_specs();
        let rows = self.rows.len() as i64;
        let out = fields
            .iter()
            .map(|(field, why)| {
                let col = COLUMNS.iter().position(|c| c == field).expect("a flag column");
                let present = self.present[col];
                let (n, having) = if *field == "completed_at" {
                    if !self.present[STATUS] {
                        (0, 0)
                    } else {
                        let done = self.rows.iter().filter(|r| self.is(r, STATUS, "completed"));
                        let (mut n, mut h) = (0, 0);
                        for r in done {
                            n += 1;
                            h += (present && dated(self.v(r, col))) as i64;
                        }
                        (n, h)
                    }
                } else if !present {
                    (rows, 0)
                } else if *field == "created_at" {
                    (rows, self.rows.iter().filter(|r| dated(self.v(r, col))).count() as i64)
                } else {
                    (rows, self.rows.iter().filter(|r| non_empty(self.v(r, col))).count() as i64)
                };
                let reason = (n > 0 && having == 0).then(|| {
                    if !present {
                        format!("the table has no column {field}")
                    } else {
                        why.unwrap_or("no row records it").to_owned()
                    }
                });
                FieldCoverage { field: (*field).to_owned(), rows: n, having, reason }
            })
            .collect();
        SectionCoverage { section: "flags".into(), table: "flags".into(), rows, fields: out }
    }

    /// The activity days of a flags source (`created_at` or `completed_at`), as
    /// `outliers::activity`'s counting pass gives them: per `substr(v, 1, 10)` of the
    /// non-NULL, non-empty values, their count and first and last value.
    pub fn activity_days(&self, src: usize, column: &str) -> Vec<Day> {
        let cached = match column {
            "created_at" => self.cached.1.as_ref(),
            "completed_at" => self.cached.2.as_ref(),
            _ => None,
        };
        match cached {
            Some(days) => days.iter().map(|d| Day { src, ..d.clone() }).collect(),
            None => self.count_activity_days(src, column),
        }
    }

    fn count_activity_days(&self, src: usize, column: &str) -> Vec<Day> {
        let Some(col) = COLUMNS.iter().position(|c| *c == column) else { return Vec::new() };
        // Count per distinct value first, then group the values by their first 10 characters.
        let mut per_value = vec![0i64; self.values.len()];
        for r in &self.rows {
            per_value[r[col] as usize] += 1;
        }
        type Group<'a> = (i64, Option<&'a Value>, Option<&'a Value>);
        let mut texts: FastMap<&str, Group<'_>> = FastMap::default();
        let mut others: FastMap<Key, Group<'_>> = FastMap::default();
        for (id, n) in per_value.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            let v = &self.values[id];
            if !non_empty(v) {
                continue;
            }
            let e = match v {
                Value::Text(t) => texts.entry(prefix(t, 10)).or_insert((0, None, None)),
                other => {
                    let Some(day) = substr_key(other, 10) else { continue };
                    others.entry(Key(day)).or_insert((0, None, None))
                }
            };
            e.0 += n;
            e.1 = min_sql(e.1, v);
            e.2 = max_sql(e.2, v);
        }
        // A number's text and a text can share a group (`substr` makes both text).
        for (key, g) in others.iter_mut() {
            if let Value::Text(t) = &key.0 {
                if let Some(tg) = texts.remove(t.as_str()) {
                    g.0 += tg.0;
                    if let Some(lo) = tg.1 {
                        g.1 = min_sql(g.1, lo);
                    }
                    if let Some(hi) = tg.2 {
                        g.2 = max_sql(g.2, hi);
                    }
                }
            }
        }
        let minute = |v: Option<&Value>| v.and_then(Value::as_str).and_then(parse_minute);
        let day_of = |d: Option<&str>| d.filter(|d| d.len() == 10).and_then(parse_day);
        let mut out: Vec<Day> = texts
            .into_iter()
            .map(|(day, (n, lo, hi))| Day { src, day: day_of(Some(day)), n, lo: minute(lo), hi: minute(hi) })
            .collect();
        out.extend(others.into_iter().map(|(day, (n, lo, hi))| Day {
            src,
            day: day_of(day.0.as_str()),
            n,
            lo: minute(lo),
            hi: minute(hi),
        }));
        out
    }

    /// The rows of a flags source listed in the outlier notice: values neither NULL nor empty
    /// whose minute (`substr(v, 1, 16)` of date-shaped text) is NULL or outside `lo..hi`, the
    /// first `limit` by id ([`super::outliers::activity`]'s listing).
    pub(super) fn outlier_rows(&self, s: &Source, lo: &str, hi: &str, limit: usize) -> Vec<OutlierRow> {
        let Some(col) = COLUMNS.iter().position(|c| *c == s.column) else { return Vec::new() };
        let mut hits: Vec<(i64, OutlierRow)> = Vec::new();
        for (r, id) in self.rows.iter().zip(&self.ids) {
            let v = self.v(r, col);
            if !non_empty(v) {
                continue;
            }
            let m = if date_shaped(v) { substr_key(v, 16) } else { None };
            let inside = m.as_ref().is_some_and(|m| {
                cmp_text(m, lo).is_some_and(|o| o != Ordering::Less)
                    && cmp_text(m, hi) == Some(Ordering::Less)
            });
            if inside {
                continue;
            }
            let text = match v {
                Value::Text(t) => Value::Text(t.chars().take(40).collect()),
                Value::Blob(b) => crate::value::whole_chars(Value::Blob(b[..b.len().min(40)].to_vec())),
                other => Value::Text(number_text(other).unwrap_or_default().chars().take(40).collect()),
            };
            let unreadable =
                m.is_none() || m.as_ref().and_then(Value::as_str).and_then(parse_minute).is_none();
            hits.push((*id, OutlierRow { id: *id, value: text.display(), unreadable }));
        }
        hits.sort_by_key(|h| h.0);
        hits.into_iter().take(limit).map(|h| h.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_order_puts_null_numbers_text_blob() {
        let vs =
            [Value::Blob(vec![0]), Value::Text("a".into()), Value::Real(1.5), Value::Integer(1), Value::Null];
        let mut sorted = vs.to_vec();
        sorted.sort_by(sql_cmp);
        assert_eq!(sorted[0], Value::Null);
        assert_eq!(sorted[1], Value::Integer(1));
        assert_eq!(sorted[4], Value::Blob(vec![0]));
        assert_eq!(sql_cmp(&Value::Integer(1), &Value::Real(1.0)), Ordering::Equal);
    }

    /// Parts of any size give what one pass gives (the host's turns change nothing).
    #[test]
    fn passes_in_parts_give_what_one_pass_gives() {
        use crate::native::NativeDb;
        let db = NativeDb::open_bytes(&[]).unwrap();
        db.execute_batch_sync(
            "CREATE TABLE flags (id INTEGER PRIMARY KEY, flag_type TEXT, source_agent TEXT, target_agent TEXT,
                 change_description TEXT, action_required TEXT, impact_level TEXT, status TEXT,
                 created_at TEXT, completed_at TEXT, chain_origin_id INTEGER, locked INTEGER);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO flags (flag_type, target_agent, impact_level, status, created_at, completed_at,
                 chain_origin_id, locked)
             SELECT 'api_change', '@agent' || (i % 7), CASE i % 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'high'
                 ELSE 'low' END, CASE i % 3 WHEN 0 THEN 'completed' ELSE 'pending' END,
                 datetime('2026-10-01', '+' || (i % 60) || ' days', '+' || (i % 24) || ' hours'),
                 CASE i % 3 WHEN 0 THEN datetime('2026-10-02', '+' || (i % 60) || ' days') END,
                 CASE WHEN i % 5 = 0 THEN i - 1 END, i % 2
             FROM n;",
        )
        .unwrap();
        let facts = pollster::block_on(crate::schema::read_facts(&db)).unwrap();
        let log = pollster::block_on(FlagLog::read(&db, &facts)).unwrap();
        let catalog = pollster::block_on(Catalog::read(&db, &facts)).unwrap();
        let w = Window {
            as_of: "2026-12-01 00:00".into(),
            start: "2026-10-15 00:00".into(),
            end: "2026-12-01 00:00".into(),
            first_day: super::parse_day("2026-10-15").unwrap(),
            last_day: super::parse_day("2026-11-30").unwrap(),
            ..Default::default()
        };
        let all = DashboardState::default();
        let one_target = DashboardState { target: Some("@agent3".into()), ..Default::default() };
        for state in [&all, &one_target] {
            let whole = |part: usize| {
                let mut agg = Aggregates::default();
                let k = pollster::block_on(log.compute_flag_kpis(&db, state, &w, &mut agg, &catalog, part));
                (k, agg.created_daily, agg.completed_daily)
            };
            let one = whole(PASS_FLAGS);
            assert!(one.0.pending > 100, "the rows are pending ({})", one.0.pending);
            assert!(one.0.lead_time_count > 100, "and completed ({})", one.0.lead_time_count);
            for part in [1, 7, 640] {
                assert_eq!(whole(part), one, "parts of {part} rows, target {:?}", state.target);
            }
        }
    }
}
