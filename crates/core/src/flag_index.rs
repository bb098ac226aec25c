//! The flag list's derived layer (issue 15): each flag's filter and sort keys held in memory,
//! with every list order kept sorted, so a page at any position, a count and the facet counts
//! are read from memory instead of a scan and sort of the whole `flags` table by SQL (the file
//! has no index for these orders, and flagdeck adds none to it). The app builds it in its list
//! worker from the file's pages ([`FlagIndexBuilder`]) and asks it through [`Request`] /
//! [`Answer`] (`src/web/flags/layer.rs`).
//!
//! * **Exact**: every answer equals what [`FlagPageQuery::sql`], [`FlagFilter::count_sql`] and
//!   [`facet_sql`](crate::flags::facet_sql) give on the table: values keep SQLite's storage
//!   classes, filters compare them under the columns' affinities (the same rules as the
//!   dashboard's flag store), orders use SQLite's BINARY order ([`sql_cmp`]) with the id as the
//!   tie-break. Where it could not be exact it says so and answers nothing (`None`): a text
//!   filter (the words are searched in the long texts, which it does not hold), and the tool's
//!   order when a created_at is a REAL or a BLOB (whose text SQLite writes its own way).
//! * **Where it applies** ([`FlagIndex::applies`]): `id` the rowid, BINARY comparisons, no
//!   other UNIQUE constraint, no generated column among [`COLUMNS`], UTF-8 text; otherwise the
//!   list runs its SQL. Cursors are the list's own (a row's key as the list read it), and a
//!   facet groups values SQLite holds equal (1 and 1.0) under one of them, as `GROUP BY` does,
//!   though not always the one SQLite would show. Text that is not valid UTF-8 is read lossily.
//! * **Kept exact under change** by [`FlagIndex::apply`] with the rows as the table holds them
//!   after the change ([`FlagIndex::take_changes`] reads what the change log noted).
//! * **Memory**: per flag its id, 9 value numbers and 9 order slots, ~115 bytes, plus each
//!   distinct value once (at 1M flags, ~110 MB before the distinct created_at texts), plus 4
//!   bytes for each order a page was read from the postings in (below).
//! * **Cost**: building sorts 9 orders (n log n); a page walks its order from the cursor (or
//!   from the start, for an offset) testing each row against the filter, so an unfiltered page
//!   or a selective cursor costs its own rows; a filter that keeps few agents' flags bounds
//!   that walk and takes the rest of the page from those agents' postings by position (each
//!   slot's position in an order is built once per change, 4 bytes a slot); a batch of changes
//!   is one merge per order.
//! * **Counts by agent**: the flags of each source and target agent are also held by value
//!   (postings, `POSTED`: ~2 × 8 bytes a flag), so a count whose filter keeps a few agents
//!   (a flag list filtered by agent and more) tests only their flags instead of every flag (at
//!   1M flags, ~40k for the busiest agent), and a page of them is taken from those flags once
//!   a stretch of its order has been walked (see Cost). Each agent's flags are also tallied by their
//!   (status, locked) pair (a handful of numbers per agent), so a count on an agent column, the
//!   status and the lock only (the agent page's counts and lists, the routing page's unknown
//!   targets) adds those up without looking at a flag: ~0.01 ms at 1M flags natively, against
//!   ~2.7 ms through the postings.

use std::cell::OnceCell;
use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::agents::ChainSummary;
use crate::cell::Cell;
use crate::dashboard::flaglog::{eq_affinity, numeric_text};
use crate::flags::{Facet, FlagFilter, FlagPageQuery, SortColumn};
use crate::interner::Interner;
use crate::port::{Database, DbError};
use crate::table_info::{keyed_by_rowid, table_info, Affinity, TableInfo};
use crate::value::{sql_cmp, Value};
use crate::vocabulary::{Impact, Ranking};

/// The columns held, in this order (`locked` is compared with 0 and 1, the dates as text;
/// `chain_origin_id` groups the agent page's chains).
pub const COLUMNS: [&str; N] = [
    "status",
    "impact_level",
    "flag_type",
    "source_agent",
    "target_agent",
    "locked",
    "created_at",
    "completed_at",
    "chain_origin_id",
];

/// How many columns are held.
const N: usize = 9;

const STATUS: usize = 0;
const IMPACT: usize = 1;
const FLAG_TYPE: usize = 2;
const SOURCE: usize = 3;
const TARGET: usize = 4;
const LOCKED: usize = 5;
const CREATED: usize = 6;
const COMPLETED: usize = 7;
const CHAIN: usize = 8;

/// Columns whose flags are held by value too (`FlagIndex::postings`): the agents a flag comes
/// from and goes to, the conditions of the agent and routing pages.
const POSTED: [usize; 2] = [SOURCE, TARGET];

/// A count tests only the flags in the postings of a [`POSTED`] column (and a page may take
/// its rows from them, [`WALK_SHARE`]) when its filter keeps at most this share of the flags
/// there (1 / `POSTINGS_SHARE`); otherwise one pass over the slots is cheaper.
const POSTINGS_SHARE: usize = 4;

/// A page walk over a filter that keeps few agents' flags tests 1 / `WALK_SHARE` of their
/// number of flags in the order (one at least) before it reads the rest of the page from their
/// postings ([`FlagIndex::walk`]), when more of the order is left than they hold. Reading a
/// posted flag costs more than walking past one (the postings are read whole, sorted, and each
/// flag's position looked up), so the walk goes on a while where the rows may be near.
const WALK_SHARE: usize = 4;

/// Which rows [`FlagIndex::read_rows`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Every flag (to build the layer).
    All,
    /// Those the change log ([`CHANGE_LOG_SQL`]) noted in its entries up to rowid `upto`.
    Changed { upto: i64 },
    /// The ids in this comma-separated list of integers.
    Ids(&'a str),
}

/// One flag's id and held values, as the table holds them ([`COLUMNS`] order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: i64,
    pub values: [Value; N],
}

/// What changed in `flags` since the last [`FlagIndex::take_changes`]: the rows that exist, as
/// they are now, and the ids that are gone. [`FlagIndex::apply`] brings a layer up to date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub rows: Vec<KeyRow>,
    pub gone: Vec<i64>,
}

impl Changes {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.gone.is_empty()
    }
}

/// A question to a layer held elsewhere (the list worker, `static/list-worker.js`): sent as
/// JSON, answered by [`FlagIndex::answer`] with the [`Answer`] of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// [`FlagIndex::page`]: ids and sort keys of one page.
    Page(FlagPageQuery),
    /// [`FlagIndex::count`].
    Count(FlagFilter),
    /// [`FlagIndex::facets`].
    Facets(FlagFilter, Vec<Facet>),
    /// [`FlagIndex::apply`].
    Apply(Changes),
    /// [`FlagIndex::chains`] of an agent.
    Chains(String),
    /// [`FlagIndex::order`]: every id of a list, in its order.
    Order(FlagPageQuery),
    /// Several questions in one message, answered one after the other in their order (an
    /// [`Request::Apply`] inside it is seen by the questions after it), in one
    /// [`Answer::Batch`]: a page's first questions asked together (the agent page's counts and
    /// first pages) cost the worker one wake-up and one reply instead of one each.
    Batch(Vec<Request>),
}

/// The answer to a [`Request`]; `None` inside where the layer cannot answer exactly (the
/// asker then runs the list's SQL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Page(Option<Vec<(i64, Value)>>),
    Count(Option<i64>),
    Facets(Option<Vec<Vec<(Value, i64)>>>),
    /// The changes are applied; how many flags it holds now.
    Applied(usize),
    Chains(Option<Vec<ChainSummary>>),
    Order(Option<Vec<i64>>),
    /// The answers to a [`Request::Batch`]: one per question, in its order.
    Batch(Vec<Answer>),
}

/// The layer: see the module doc.
#[derive(Debug, Clone)]
pub struct FlagIndex {
    affinity: [Affinity; N],
    /// Distinct values, by number.
    interner: Interner,
    /// Per value: its impact ranks (severity, tool) were it an impact level (the list's CASE).
    ranks: Vec<[u8; 2]>,
    /// Per status value (by number) seen so far: whether it is `'pending'` (`status =
    /// 'pending'` with the column's affinity), `None` for NULL (left out of SQL's `SUM`).
    status_pending: FxHashMap<u32, Option<bool>>,
    /// Per chain origin a flag names (an INTEGER `chain_origin_id`), those flags counted
    /// ([`ChainTally`]), kept with every flag stored and released: a chain's flags are these
    /// and its origin flag when that one names no origin ([`FlagIndex::chains`]).
    follow_ups: FxHashMap<i64, ChainTally>,
    /// Flags whose `chain_origin_id` is neither NULL nor an INTEGER (the layer then does not
    /// answer for chains).
    odd_chains: usize,
    /// The number of NULL, once interned.
    null: Option<u32>,
    /// Per column: how many flags hold each value (by number); a filter is compiled against
    /// these values only, and a facet without other filters is read from them.
    used: [FxHashMap<u32, i64>; N],
    /// Per [`POSTED`] column: the slots holding each value (by number), an inverted index.
    postings: [FxHashMap<u32, FxHashSet<u32>>; POSTED.len()],
    /// Per [`POSTED`] column and value: how many of its flags hold each (status, locked) pair
    /// of value numbers ([`Tally`]), kept with every flag stored and released.
    tallies: [FxHashMap<u32, Tally>; POSTED.len()],
    /// Per slot: the id (`None` for a free slot) and the value numbers.
    ids: Vec<Option<i64>>,
    rows: Vec<[u32; N]>,
    free: Vec<u32>,
    slot_of: FxHashMap<i64, u32>,
    /// Per [`SortColumn::ALL`] entry: the live slots in ascending (key, id) order.
    orders: Vec<Vec<u32>>,
    /// Per [`SortColumn::ALL`] entry: each slot's position in that order (`u32::MAX` for a
    /// free slot), built the first time a page of that order is read from the postings
    /// ([`FlagIndex::walk`]) and dropped by every change to the orders (the next such page
    /// builds it again: one pass over the order): 4 bytes a slot per order asked (the agent
    /// and routing pages use one order).
    positions: Vec<OnceCell<Vec<u32>>>,
    /// Slots whose tool-order key SQLite would write in its own way (a REAL or BLOB created_at).
    odd_tool_keys: usize,
    /// Whether the table has `chain_origin_id` (the chains' statement fails without it).
    chain_column: bool,
}

/// Flags of one chain counted as the agent page's chains statement sums them
/// ([`crate::agents::CHAINS_SQL`]): how many, how many pending, how many with a status (a
/// chain whose statuses are all NULL has a NULL sum, which the layer does not answer).
#[derive(Debug, Clone, Copy, Default)]
struct ChainTally {
    flags: i64,
    pending: i64,
    statused: i64,
}

impl ChainTally {
    /// Counts a flag whose status is pending or not (`None`: NULL) in, by `by` (1 or -1).
    fn add(&mut self, pending: Option<bool>, by: i64) {
        self.flags += by;
        if let Some(p) = pending {
            self.statused += by;
            self.pending += by * i64::from(p);
        }
    }
}

/// The flags of one agent (one value of a [`POSTED`] column) counted by their (status,
/// locked) pair of value numbers: a count whose filter is on that column, the status and
/// the lock only (the agent page's counts and lists, the routing page's unknown targets) adds
/// these up instead of testing each flag ([`FlagIndex::count`]). A handful of pairs per agent.
type Tally = FxHashMap<(u32, u32), i64>;

/// A filter compiled against the distinct values: per column, which value numbers pass
/// (`None`: no condition on it).
struct Matcher {
    pass: [Option<Vec<bool>>; N],
}

fn facet_column(facet: Facet) -> usize {
    match facet {
        Facet::Status => STATUS,
        Facet::Impact => IMPACT,
        Facet::FlagType => FLAG_TYPE,
        Facet::Source => SOURCE,
        Facet::Target => TARGET,
        Facet::Locked => LOCKED,
    }
}

/// A sort key as a slot holds it (borrowed): compares as the SQL expression's value would.
enum Key<'a> {
    Val(&'a Value),
    /// `IFNULL(NULL, '')`.
    Empty,
    Int(i64),
    /// The tool order's `rank || IFNULL(created_at, '')`: a one-digit rank, then the text.
    Tool(u8, &'a Value),
}

static EMPTY: Value = Value::Text(String::new());

/// The status the chains count (`status = 'pending'`).
static PENDING: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| Value::Text("pending".into()));

/// Whether a status column of affinity `affinity` holding `v` is `'pending'`, `None` for NULL
/// (left out of SQL's `SUM(status = 'pending')`).
fn status_is_pending(v: &Value, affinity: Affinity) -> Option<bool> {
    (!matches!(v, Value::Null)).then(|| eq_affinity(v, affinity, &PENDING, None))
}

impl Key<'_> {
    fn cmp_with(&self, other: &Key<'_>) -> Ordering {
        match (self, other) {
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (Key::Tool(ra, a), Key::Tool(rb, b)) => ra.cmp(rb).then_with(|| tool_text(a).cmp(&tool_text(b))),
            (a, b) => sql_cmp(a.value(), b.value()),
        }
    }

    /// The key as the SQL expression's value (a copy).
    fn to_value(&self) -> Value {
        match self {
            Key::Val(v) => (*v).clone(),
            Key::Empty => EMPTY.clone(),
            Key::Int(i) => Value::Integer(*i),
            // Not exact for a REAL or BLOB created_at (see `odd_tool_keys`): not answered then.
            Key::Tool(rank, created) => {
                Value::Text(format!("{rank}{}", String::from_utf8_lossy(&tool_text(created))))
            }
        }
    }

    fn value(&self) -> &Value {
        match self {
            Key::Val(v) => v,
            _ => &EMPTY,
        }
    }
}

/// The bytes `IFNULL(created_at, '')` becomes in a text concatenation (exact for NULL, TEXT
/// and INTEGER; a REAL or BLOB makes the order unanswered, see `odd_tool_keys`).
fn tool_text(v: &Value) -> std::borrow::Cow<'_, [u8]> {
    match v {
        Value::Null => std::borrow::Cow::Borrowed(&[]),
        Value::Text(t) => std::borrow::Cow::Borrowed(t.as_bytes()),
        other => std::borrow::Cow::Owned(other.display().into_bytes()),
    }
}

/// `value op param` for a column of affinity `aff` against a bound text parameter (SQLite's
/// rules: a numeric column turns number-like text into a number first); `None` when NULL.
fn cmp_param(value: &Value, aff: Affinity, param: &str) -> Option<Ordering> {
    if matches!(value, Value::Null) {
        return None;
    }
    let p = match (aff.numeric(), numeric_text(param)) {
        (true, Some(n)) => n,
        _ => Value::Text(param.to_owned()),
    };
    Some(sql_cmp(value, &p))
}

impl FlagIndex {
    /// Whether the layer can answer exactly for this file's `flags` table; `false` (the list
    /// then runs its SQL) when: `id` is not the table's `INTEGER PRIMARY KEY` (text or repeated
    /// ids); the table declares a collation (its comparisons would not be BINARY) or a UNIQUE
    /// constraint other than the key (an `INSERT OR REPLACE` could then delete rows without a
    /// trigger firing); one of [`COLUMNS`] is a generated column; or the text encoding is not
    /// UTF-8 (SQLite orders UTF-16 text by its UTF-16 bytes). Errors: the port's.
    pub async fn applies<D: Database>(db: &D) -> Result<bool, DbError> {
        match table_info(db, "flags").await? {
            Some(info) => FlagIndex::applies_to(db, &info).await,
            None => Ok(false),
        }
    }

    /// [`FlagIndex::applies`] for a `flags` table whose shape is read already.
    pub async fn applies_to<D: Database>(db: &D, info: &TableInfo) -> Result<bool, DbError> {
        let encoding = db.query("PRAGMA encoding", &[]).await?;
        let utf8 = encoding.rows.first().and_then(|r| r.first()).and_then(Value::as_str) == Some("UTF-8");
        let generated =
            db.query("SELECT name FROM pragma_table_xinfo('flags') WHERE hidden IN (2, 3)", &[]).await?;
        let none_generated = !generated.rows.iter().any(|r| {
            r.first()
                .and_then(Value::as_str)
                .is_some_and(|n| COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(n)))
        });
        Ok(utf8 && none_generated && keyed_by_rowid(db, "flags", info, "id").await?)
    }

    /// The rows of `flags` that `which` names, in [`KeyRow`] form; with the columns'
    /// affinities. Errors: the port's; a file without the table gives no rows.
    pub async fn read_rows<D: Database>(
        db: &D,
        which: Rows<'_>,
    ) -> Result<([Affinity; N], Vec<KeyRow>), DbError> {
        let Some(info) = table_info(db, "flags").await? else {
            return Ok(([Affinity::Blob; N], Vec::new()));
        };
        let mut affinity = [Affinity::Blob; N];
        let mut select = Vec::new();
        for (i, c) in COLUMNS.iter().enumerate() {
            match info.columns.iter().position(|n| n.eq_ignore_ascii_case(c)) {
                Some(at) => {
                    affinity[i] = Affinity::of(Some(&info.types[at]));
                    select.push(format!("\"{c}\""));
                }
                // A column the table lacks reads as NULL, as in the list's SQL it would fail:
                // the list never runs on such a file; NULL keeps the layer total. (Built from
                // these rows, the layer answers chains as if no flag had a chain origin; the
                // app builds from the pages, FlagIndexBuilder, which declines them then.)
                None => select.push("NULL".to_owned()),
            }
        }
        let filter = match which {
            Rows::Changed { upto } => {
                format!(" WHERE id IN (SELECT id FROM temp.flagdeck_flag_changes WHERE rowid <= {upto})")
            }
            Rows::Ids(list) => format!(" WHERE id IN ({list})"),
            Rows::All => String::new(),
        };
        let rs = db.query(&format!("SELECT id, {} FROM flags{filter}", select.join(", ")), &[]).await?;
        let rows = rs
            .rows
            .into_iter()
            .filter_map(|r| {
                let mut it = r.into_iter();
                let id = match it.next()? {
                    Value::Integer(id) => id,
                    _ => return None,
                };
                let values: [Value; N] = std::array::from_fn(|_| it.next().unwrap_or(Value::Null));
                Some(KeyRow { id, values })
            })
            .collect();
        Ok((affinity, rows))
    }

    fn empty(affinity: [Affinity; N], capacity: usize) -> FlagIndex {
        FlagIndex {
            affinity,
            interner: Interner::default(),
            ranks: Vec::new(),
            status_pending: FxHashMap::default(),
            follow_ups: FxHashMap::default(),
            odd_chains: 0,
            null: None,
            used: Default::default(),
            postings: Default::default(),
            tallies: Default::default(),
            ids: Vec::with_capacity(capacity),
            rows: Vec::with_capacity(capacity),
            free: Vec::new(),
            slot_of: FxHashMap::default(),
            orders: vec![Vec::new(); SortColumn::ALL.len()],
            positions: vec![OnceCell::new(); SortColumn::ALL.len()],
            odd_tool_keys: 0,
            chain_column: true,
        }
    }

    /// The layer over `rows` (every flag), with the columns' affinities.
    pub fn build(affinity: [Affinity; N], rows: Vec<KeyRow>) -> FlagIndex {
        let mut index = FlagIndex::empty(affinity, rows.len());
        for row in rows {
            index.store(row);
        }
        index.sort_orders();
        index
    }

    /// Every order built from the live slots (the last step of a build).
    fn sort_orders(&mut self) {
        let live: Vec<u32> = self.live().collect();
        for (i, sort) in SortColumn::ALL.into_iter().enumerate() {
            let mut order = live.clone();
            {
                // By a number per slot that orders as its key does (the distinct values sorted
                // once with the keys' comparison), then the id: integer comparisons only.
                let number = self.key_numbers(sort);
                order.sort_unstable_by_key(|slot| (number(*slot), self.id(*slot)));
            }
            self.orders[i] = order;
        }
        self.positions.iter_mut().for_each(|p| drop(p.take()));
        debug_assert!(SortColumn::ALL.into_iter().enumerate().all(|(i, sort)| self.orders[i]
            .windows(2)
            .all(|w| self.cmp_slots(sort, w[0], w[1]) == Ordering::Less)));
    }

    fn values(&self) -> &[Value] {
        self.interner.values()
    }

    /// How many flags it holds.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    /// Whether it holds no flag.
    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Bytes it holds on the heap, estimated from its vectors' and maps' capacities and the
    /// distinct values' own bytes (what the README's memory figures are).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let values: usize = self
            .values()
            .iter()
            .map(|v| {
                size_of::<Value>()
                    + match v {
                        Value::Text(t) => t.capacity(),
                        Value::Blob(b) => b.capacity(),
                        _ => 0,
                    }
            })
            .sum();
        // A hash map entry: its key and value plus a control byte, at its capacity.
        let map = |cap: usize, entry: usize| cap * (entry + 1);
        // Maps held per value (their capacities), each with its own header.
        let per_value = |caps: &mut dyn Iterator<Item = usize>, entry: usize| {
            caps.map(|cap| map(cap, entry) + 48).sum::<usize>()
        };
        values
            // The interner's hash heads, about one per value.
            + map(self.values().len(), 12)
            + self.ranks.capacity() * 2
            + map(self.status_pending.capacity(), 6)
            + map(self.follow_ups.capacity(), 8 + size_of::<ChainTally>())
            + self.used.iter().map(|m| map(m.capacity(), 12)).sum::<usize>()
            + per_value(&mut self.postings.iter().flat_map(|p| p.values()).map(|set| set.capacity()), 4)
            + per_value(&mut self.tallies.iter().flat_map(|t| t.values()).map(|tally| tally.capacity()), 16)
            + self.ids.capacity() * size_of::<Option<i64>>()
            + self.rows.capacity() * size_of::<[u32; N]>()
            + self.free.capacity() * 4
            + map(self.slot_of.capacity(), 12)
            + self.orders.iter().map(|o| o.capacity() * 4).sum::<usize>()
            + self.positions.iter().filter_map(OnceCell::get).map(|p| p.capacity() * 4).sum::<usize>()
    }

    fn intern(&mut self, v: Value) -> u32 {
        self.intern_cell(Cell::of(&v))
    }

    /// The number of a value (new ones get their impact ranks).
    fn intern_cell(&mut self, c: Cell<'_>) -> u32 {
        let n = self.interner.intern(c);
        if (n as usize) < self.ranks.len() {
            return n;
        }
        let v = self.values()[n as usize].clone();
        let aff = self.affinity[IMPACT];
        let rank = |ranking: Ranking| {
            Impact::ALL
                .into_iter()
                .find_map(|i| {
                    let r = i.rank(ranking)?;
                    eq_affinity(&v, aff, &Value::Text(i.sql().to_owned()), None).then_some(r)
                })
                .unwrap_or(Impact::other_rank(ranking))
        };
        self.ranks.push([rank(Ranking::Severity), rank(Ranking::Tool)]);
        if matches!(v, Value::Null) {
            self.null = Some(n);
        }
        n
    }

    /// Whether a status holding value `n` is `'pending'`, `None` for NULL ([`FlagIndex::status_pending`]
    /// when it was seen, else worked out).
    fn is_pending(&self, n: u32) -> Option<bool> {
        let work_out = || status_is_pending(&self.values()[n as usize], self.affinity[STATUS]);
        self.status_pending.get(&n).copied().unwrap_or_else(work_out)
    }

    /// Counts a flag's value numbers in or out of the chain it names (or of the odd chains),
    /// by `by` (1 or -1).
    fn tally_follow_up(&mut self, numbers: &[u32; N], by: i64) {
        // Most flags name no origin: told by the number, without reading the value.
        if Some(numbers[CHAIN]) == self.null {
            return;
        }
        let origin = match self.values()[numbers[CHAIN] as usize] {
            Value::Null => return,
            Value::Integer(o) => o,
            _ => {
                let odd = self.odd_chains as i64 + by;
                debug_assert!(odd >= 0, "an odd chain released that was never stored");
                self.odd_chains = odd.max(0) as usize;
                return;
            }
        };
        let (status, values, affinity) = (numbers[STATUS], self.interner.values(), self.affinity[STATUS]);
        let pending = *self
            .status_pending
            .entry(status)
            .or_insert_with(|| status_is_pending(&values[status as usize], affinity));
        let tally = self.follow_ups.entry(origin).or_default();
        tally.add(pending, by);
        if tally.flags == 0 {
            self.follow_ups.remove(&origin);
        }
    }

    /// Puts `row` in a slot (not in the orders).
    fn store(&mut self, row: KeyRow) -> u32 {
        let KeyRow { id, values } = row;
        let numbers = values.map(|v| self.intern(v));
        self.store_numbers(id, numbers)
    }

    /// Puts a flag's value numbers in a slot (not in the orders).
    fn store_numbers(&mut self, id: i64, numbers: [u32; N]) -> u32 {
        for (c, n) in numbers.iter().enumerate() {
            *self.used[c].entry(*n).or_default() += 1;
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.ids[s as usize] = Some(id);
                self.rows[s as usize] = numbers;
                s
            }
            None => {
                self.ids.push(Some(id));
                self.rows.push(numbers);
                self.ids.len() as u32 - 1
            }
        };
        self.slot_of.insert(id, slot);
        self.tally_follow_up(&numbers, 1);
        for (p, &c) in POSTED.iter().enumerate() {
            self.postings[p].entry(numbers[c]).or_default().insert(slot);
            *self.tallies[p]
                .entry(numbers[c])
                .or_default()
                .entry((numbers[STATUS], numbers[LOCKED]))
                .or_default() += 1;
        }
        if self.odd_tool_key(slot) {
            self.odd_tool_keys += 1;
        }
        slot
    }

    /// The slots in use, in slot order.
    fn live(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids.iter().enumerate().filter(|(_, id)| id.is_some()).map(|(s, _)| s as u32)
    }

    fn v(&self, slot: u32, col: usize) -> &Value {
        &self.values()[self.rows[slot as usize][col] as usize]
    }

    fn id(&self, slot: u32) -> i64 {
        self.ids[slot as usize].unwrap_or(i64::MIN)
    }

    fn odd_tool_key(&self, slot: u32) -> bool {
        matches!(self.v(slot, CREATED), Value::Real(_) | Value::Blob(_))
    }

    /// `CASE impact_level WHEN 'critical' THEN … ELSE … END` of one slot.
    fn rank(&self, slot: u32, ranking: Ranking) -> i64 {
        let r = self.ranks[self.rows[slot as usize][IMPACT] as usize];
        r[match ranking {
            Ranking::Severity => 0,
            Ranking::Tool => 1,
        }] as i64
    }

    /// The sort key of one slot without copying it (what [`Key`] compares).
    fn key(&self, sort: SortColumn, slot: u32) -> Key<'_> {
        let or_empty = |col: usize| match self.v(slot, col) {
            Value::Null => Key::Empty,
            v => Key::Val(v),
        };
        match sort {
            SortColumn::Id => Key::Int(self.id(slot)),
            SortColumn::CreatedAt => or_empty(CREATED),
            SortColumn::CompletedAt => or_empty(COMPLETED),
            SortColumn::Impact => Key::Int(self.rank(slot, Ranking::Severity)),
            SortColumn::FlagType => or_empty(FLAG_TYPE),
            SortColumn::Source => or_empty(SOURCE),
            SortColumn::Target => or_empty(TARGET),
            SortColumn::Status => or_empty(STATUS),
            SortColumn::ToolOrder => Key::Tool(self.rank(slot, Ranking::Tool) as u8, self.v(slot, CREATED)),
        }
    }

    /// The value [`SortColumn`]'s SQL expression gives for one slot (see `SortColumn::sql`).
    fn sort_key(&self, sort: SortColumn, slot: u32) -> Value {
        self.key(sort, slot).to_value()
    }

    /// For one order: a number per slot that compares as the slot's key does (equal keys,
    /// equal numbers), from the distinct values of the key's column sorted once.
    fn key_numbers(&self, sort: SortColumn) -> impl Fn(u32) -> u64 + '_ {
        let col = match sort {
            SortColumn::Id => None,
            SortColumn::Impact => None,
            SortColumn::CreatedAt | SortColumn::ToolOrder => Some(CREATED),
            SortColumn::CompletedAt => Some(COMPLETED),
            SortColumn::FlagType => Some(FLAG_TYPE),
            SortColumn::Source => Some(SOURCE),
            SortColumn::Target => Some(TARGET),
            SortColumn::Status => Some(STATUS),
        };
        let mut number = vec![0u64; self.values().len()];
        if let Some(col) = col {
            let tool = sort == SortColumn::ToolOrder;
            let key = |n: u32| {
                let v = &self.values()[n as usize];
                match (tool, v) {
                    (true, v) => Key::Tool(0, v),
                    (false, Value::Null) => Key::Empty,
                    (false, v) => Key::Val(v),
                }
            };
            let mut distinct: Vec<u32> = self.used[col].keys().copied().collect();
            distinct.sort_by(|a, b| key(*a).cmp_with(&key(*b)));
            let mut rank = 0u64;
            for (i, n) in distinct.iter().enumerate() {
                if i > 0 && key(distinct[i - 1]).cmp_with(&key(*n)) != Ordering::Equal {
                    rank += 1;
                }
                number[*n as usize] = rank;
            }
        }
        move |slot: u32| {
            let row = &self.rows[slot as usize];
            match sort {
                SortColumn::Id => 0,
                SortColumn::Impact => self.rank(slot, Ranking::Severity) as u64,
                SortColumn::ToolOrder => {
                    ((self.rank(slot, Ranking::Tool) as u64) << 40) | number[row[CREATED] as usize]
                }
                SortColumn::CreatedAt => number[row[CREATED] as usize],
                SortColumn::CompletedAt => number[row[COMPLETED] as usize],
                SortColumn::FlagType => number[row[FLAG_TYPE] as usize],
                SortColumn::Source => number[row[SOURCE] as usize],
                SortColumn::Target => number[row[TARGET] as usize],
                SortColumn::Status => number[row[STATUS] as usize],
            }
        }
    }

    fn cmp_slots(&self, sort: SortColumn, a: u32, b: u32) -> Ordering {
        self.key(sort, a).cmp_with(&self.key(sort, b)).then(self.id(a).cmp(&self.id(b)))
    }

    /// Where (key, id) would go in `sort`'s order: the first position whose entry is not less.
    fn position(&self, sort: usize, key: &Value, id: i64) -> usize {
        let s = SortColumn::ALL[sort];
        self.orders[sort].partition_point(|slot| {
            sql_cmp(&self.sort_key(s, *slot), key).then(self.id(*slot).cmp(&id)) == Ordering::Less
        })
    }

    /// Applies a batch of changes: each changed or gone flag leaves every order, then the
    /// changed rows (the last one of an id, if it is given twice) are sorted and merged in. One
    /// pass over each order whatever the batch's size: a bulk edit of thousands of flags costs
    /// what one edit costs, plus its own rows' sort.
    pub fn apply(&mut self, changes: Changes) {
        let Changes { rows, gone } = changes;
        let mut dead = vec![false; self.ids.len()];
        let mut any_dead = false;
        for id in gone.iter().copied().chain(rows.iter().map(|r| r.id)) {
            if let Some(slot) = self.release(id) {
                dead[slot as usize] = true;
                any_dead = true;
            }
        }
        let mut last: FxHashMap<i64, usize> = FxHashMap::default();
        for (i, r) in rows.iter().enumerate() {
            last.insert(r.id, i);
        }
        let fresh: Vec<u32> = rows
            .into_iter()
            .enumerate()
            .filter(|(i, r)| last.get(&r.id) == Some(i))
            .map(|(_, r)| self.store(r))
            .collect();
        if !any_dead && fresh.is_empty() {
            return;
        }
        for (i, sort) in SortColumn::ALL.into_iter().enumerate() {
            let mut order = std::mem::take(&mut self.orders[i]);
            if any_dead {
                order.retain(|s| !dead.get(*s as usize).copied().unwrap_or(false));
            }
            if !fresh.is_empty() {
                let mut add = fresh.clone();
                add.sort_unstable_by(|a, b| self.cmp_slots(sort, *a, *b));
                let mut merged = Vec::with_capacity(order.len() + add.len());
                let mut from = 0;
                for slot in add {
                    let at = from
                        + order[from..].partition_point(|o| self.cmp_slots(sort, *o, slot) == Ordering::Less);
                    merged.extend_from_slice(&order[from..at]);
                    merged.push(slot);
                    from = at;
                }
                merged.extend_from_slice(&order[from..]);
                order = merged;
            }
            self.orders[i] = order;
        }
        self.positions.iter_mut().for_each(|p| drop(p.take()));
    }

    /// Frees the slot of flag `id` (its counts and its number; it stays in the orders until
    /// [`FlagIndex::apply`] filters them); the slot, or `None` when the flag is not held.
    fn release(&mut self, id: i64) -> Option<u32> {
        let slot = self.slot_of.remove(&id)?;
        if self.odd_tool_key(slot) {
            self.odd_tool_keys -= 1;
        }
        let numbers = self.rows[slot as usize];
        self.tally_follow_up(&numbers, -1);
        for c in 0..N {
            let n = self.rows[slot as usize][c];
            if let Some(k) = self.used[c].get_mut(&n) {
                *k -= 1;
                if *k == 0 {
                    self.used[c].remove(&n);
                }
            }
        }
        for (p, &c) in POSTED.iter().enumerate() {
            let n = self.rows[slot as usize][c];
            if let Some(set) = self.postings[p].get_mut(&n) {
                set.remove(&slot);
                if set.is_empty() {
                    self.postings[p].remove(&n);
                }
            }
            let pair = (self.rows[slot as usize][STATUS], self.rows[slot as usize][LOCKED]);
            if let Some(tally) = self.tallies[p].get_mut(&n) {
                if let Some(k) = tally.get_mut(&pair) {
                    *k -= 1;
                    if *k == 0 {
                        tally.remove(&pair);
                    }
                }
                if tally.is_empty() {
                    self.tallies[p].remove(&n);
                }
            }
        }
        self.ids[slot as usize] = None;
        self.free.push(slot);
        Some(slot)
    }

    /// Answers a [`Request`] (the list worker's one entry).
    pub fn answer(&mut self, request: Request) -> Answer {
        match request {
            Request::Page(q) => Answer::Page(self.page(&q)),
            Request::Count(f) => Answer::Count(self.count(&f)),
            Request::Facets(f, facets) => Answer::Facets(self.facets(&f, &facets)),
            Request::Apply(changes) => {
                self.apply(changes);
                Answer::Applied(self.len())
            }
            Request::Chains(agent) => Answer::Chains(self.chains(&agent)),
            Request::Order(q) => Answer::Order(self.order(&q)),
            Request::Batch(requests) => Answer::Batch(requests.into_iter().map(|r| self.answer(r)).collect()),
        }
    }

    /// The chains of at least two flags in which `agent` is a source or a target, as
    /// [`crate::agents::chains_of`] reads them ([`crate::agents::CHAINS_SQL`]): per origin
    /// (`COALESCE(chain_origin_id, id)`), its flags and its pending flags (`SUM(status =
    /// 'pending')`), by origin. `None` (the statement is run instead) where it would fail or the
    /// layer could not be exact: the table lacks `chain_origin_id`, a chain origin is neither
    /// NULL nor an INTEGER, or a chain's pending sum is NULL (every status NULL).
    pub fn chains(&self, agent: &str) -> Option<Vec<ChainSummary>> {
        self.chains_by(agent, None)
    }

    /// [`FlagIndex::chains`], the agent's flags found through its postings or by one pass over
    /// the rows as `scan_rows` says (`None`: the pass when it holds over a quarter of them).
    fn chains_by(&self, agent: &str, scan_rows: Option<bool>) -> Option<Vec<ChainSummary>> {
        if !self.chain_column {
            return None;
        }
        if self.odd_chains > 0 {
            return None;
        }
        let values = self.values();
        // The origins of the agent's flags (`source = ?1 OR target = ?1`) that flags name: a
        // chain of two flags or more has one naming its origin ([`FlagIndex::follow_ups`]).
        let param = Value::from(agent);
        // Per posted column: the numbers of the values that are `agent` (a handful at most),
        // and how many flags hold them.
        let mut held = 0;
        let agent_numbers: [Vec<u32>; 2] = std::array::from_fn(|p| {
            let col = POSTED[p];
            let numbers: Vec<u32> = self.postings[p]
                .keys()
                .copied()
                .filter(|n| eq_affinity(&values[*n as usize], self.affinity[col], &param, None))
                .collect();
            held += numbers.iter().map(|n| self.postings[p][n].len()).sum::<usize>();
            numbers
        });
        let mut origins: rustc_hash::FxHashSet<i64> = Default::default();
        let mut consider = |slot: u32| {
            // NULL told by its number: the value itself is read for a flag naming an origin only.
            let chain = self.rows[slot as usize][CHAIN];
            let origin = match (Some(chain) != self.null).then(|| &values[chain as usize]) {
                Some(Value::Integer(o)) => *o,
                _ => self.id(slot),
            };
            if self.follow_ups.contains_key(&origin) {
                origins.insert(origin);
            }
        };
        if scan_rows.unwrap_or(held * 4 > self.len()) {
            // A large share of the flags: one pass over the rows as they lie in memory.
            let [from, to] = &agent_numbers;
            for slot in self.live() {
                let row = &self.rows[slot as usize];
                if from.contains(&row[SOURCE]) || to.contains(&row[TARGET]) {
                    consider(slot);
                }
            }
        } else {
            for (p, numbers) in agent_numbers.iter().enumerate() {
                for n in numbers {
                    self.postings[p][n].iter().for_each(|&slot| consider(slot));
                }
            }
        }
        let mut chains = Vec::new();
        for origin in origins {
            // The flags naming it, and the origin flag itself when it names none.
            let mut tally = self.follow_ups.get(&origin).copied().unwrap_or_default();
            if let Some(&slot) = self.slot_of.get(&origin) {
                let row = &self.rows[slot as usize];
                if Some(row[CHAIN]) == self.null {
                    tally.add(self.is_pending(row[STATUS]), 1);
                }
            }
            if tally.flags > 1 {
                if tally.statused == 0 {
                    return None;
                }
                chains.push(ChainSummary { origin, flags: tally.flags, pending: tally.pending });
            }
        }
        chains.sort_by_key(|c| c.origin);
        Some(chains)
    }

    /// `f` (all but its text words) compiled against the values each column holds.
    fn matcher(&self, f: &FlagFilter) -> Matcher {
        let mut pass: [Option<Vec<bool>>; N] = Default::default();
        let mut set = |col: usize, test: &dyn Fn(&Value) -> bool| {
            let mut p = pass[col].take().unwrap_or_else(|| {
                let mut all = vec![false; self.values().len()];
                for n in self.used[col].keys() {
                    all[*n as usize] = true;
                }
                all
            });
            for n in self.used[col].keys() {
                let n = *n as usize;
                p[n] = p[n] && test(&self.values()[n]);
            }
            pass[col] = Some(p);
        };
        for (col, list) in [
            (STATUS, &f.status),
            (IMPACT, &f.impact),
            (FLAG_TYPE, &f.flag_type),
            (SOURCE, &f.source),
            (TARGET, &f.target),
        ] {
            if !list.is_empty() {
                let params: Vec<Value> = list.iter().map(|p| Value::Text(p.clone())).collect();
                let aff = self.affinity[col];
                set(col, &|v| params.iter().any(|p| eq_affinity(v, aff, p, None)));
            }
        }
        if let Some(names) = &f.unrouted {
            // `target IS NULL OR target = '' OR target NOT IN (names)`: NOT IN is true only when
            // no name equals the target and none is NULL.
            let (aff, empty) = (self.affinity[TARGET], Value::Text(String::new()));
            let any_null = names.iter().any(|n| matches!(n, Value::Null));
            set(TARGET, &|v| {
                matches!(v, Value::Null)
                    || eq_affinity(v, aff, &empty, None)
                    || (!any_null && !names.iter().any(|p| eq_affinity(v, aff, p, None)))
            });
        }
        if let Some(locked) = f.locked {
            let (n, aff) = (Value::Integer(locked as i64), self.affinity[LOCKED]);
            set(LOCKED, &|v| eq_affinity(v, aff, &n, None));
        }
        for (col, bound, ok) in [
            (CREATED, &f.created_from, (|o| o != Ordering::Less) as fn(Ordering) -> bool),
            (CREATED, &f.created_to, |o| o != Ordering::Greater),
            (COMPLETED, &f.completed_from, |o| o != Ordering::Less),
            (COMPLETED, &f.completed_to, |o| o != Ordering::Greater),
        ] {
            if let Some(b) = bound {
                let aff = self.affinity[col];
                set(col, &|v| cmp_param(v, aff, b).is_some_and(ok));
            }
        }
        Matcher { pass }
    }

    /// Whether `m` keeps a slot; `except`: a column left out (a facet's own).
    fn passes(&self, m: &Matcher, slot: u32, except: Option<usize>) -> bool {
        let row = &self.rows[slot as usize];
        m.pass
            .iter()
            .enumerate()
            .all(|(c, p)| Some(c) == except || p.as_ref().is_none_or(|p| p[row[c] as usize]))
    }

    /// The page `q` asks for: each row's id and sort key, in the list's order, exactly as
    /// [`FlagPageQuery::sql`] gives them. `None` where the layer is not exact (see the module).
    pub fn page(&self, q: &FlagPageQuery) -> Option<Vec<(i64, Value)>> {
        let mut out = Vec::with_capacity(q.limit.min(self.len()));
        self.walk(q, |slot| {
            out.push((self.id(slot), self.sort_key(q.sort, slot)));
            out.len() < q.limit
        })?;
        Some(out)
    }

    /// Every id of the list `q` asks for (its filter and order; its position and size are not
    /// looked at), in the list's order: what its pages at every position give, in one array
    /// (the page holds it to draw any position from its rows, `row_mirror`). `None` where the
    /// layer is not exact.
    pub fn order(&self, q: &FlagPageQuery) -> Option<Vec<i64>> {
        let all = FlagPageQuery { offset: 0, after: None, limit: usize::MAX, ..q.clone() };
        let mut out = Vec::new();
        self.walk(&all, |slot| {
            out.push(self.id(slot));
            true
        })?;
        Some(out)
    }

    /// Walks the slots of `q`'s page in the list's order, from its cursor or offset, handing
    /// each slot that passes its filter to `take` until it returns `false`. `None` where the
    /// layer is not exact (a text filter; the tool order over a REAL or BLOB created_at).
    fn walk(&self, q: &FlagPageQuery, mut take: impl FnMut(u32) -> bool) -> Option<()> {
        if q.filter.text.is_some() || (q.sort == SortColumn::ToolOrder && self.odd_tool_keys > 0) {
            return None;
        }
        let o = SortColumn::ALL.iter().position(|s| *s == q.sort)?;
        let order = &self.orders[o];
        let m = self.matcher(&q.filter);
        // Without a condition every flag passes (an order holds only flags that are held), so
        // an offset is a position in the order: a jump to 75 % of a million flags skips no
        // slot one by one.
        let unfiltered = m.pass.iter().all(Option::is_none);
        let direct = if unfiltered { q.offset } else { 0 };
        let mut skip = q.offset - direct;
        let mut visit = |slot: u32| {
            if !self.passes(&m, slot, None) {
                return true;
            }
            if skip > 0 {
                skip -= 1;
                return true;
            }
            take(slot)
        };
        if q.limit == 0 {
            return Some(());
        }
        // A filter keeping few agents' flags: the walk tests a share of as many slots as those
        // agents hold ([`WALK_SHARE`]), then, when more of the order is left than they hold,
        // takes the rest of the page from their postings, ordered by position. The routing
        // page's unknown targets lie far down the tool order in the bench file: at 1M flags its
        // first page walked ~1M slots (3.4 ms natively), now ~3k and then ~13k postings
        // (0.8 ms). A page of flags spread through the order (an agent's own list) is still
        // found by the walk alone.
        let narrow = self.narrowest(&m);
        // How many of `left` slots to walk: all of them, unless the postings are fewer than
        // what would be left after the walk's share (then they are the cheaper way on).
        let walk = |left: usize| match narrow {
            Some((held, _)) => {
                let share = (held / WALK_SHARE).max(1);
                if left.saturating_sub(share) > held {
                    share
                } else {
                    left
                }
            }
            None => left,
        };
        // The most slots the page can take after the walk: its rows to skip and its rows.
        let skip_need = (q.offset - direct).saturating_add(q.limit);
        // The rest from the postings, from position `from` on (down from it, descending).
        let from_postings = |from: usize, visit: &mut dyn FnMut(u32) -> bool| {
            let Some((_, p)) = narrow else { return };
            let at = self.positions(o);
            // In slot order, so the rows and positions are read as they lie in memory.
            let mut slots: Vec<u32> = self.posted(&m, p).collect();
            slots.sort_unstable();
            let mut rest: Vec<u32> = slots
                .into_iter()
                .filter(|&slot| self.passes(&m, slot, None))
                .map(|slot| at[slot as usize])
                .filter(|&i| if q.descending { (i as usize) < from } else { i as usize >= from })
                .collect();
            // In the walk's direction; only the first `need` positions can be visited: the rest
            // need no order.
            let walk_order = |a: &u32, b: &u32| if q.descending { b.cmp(a) } else { a.cmp(b) };
            let need = skip_need.min(rest.len());
            if need > 0 && need < rest.len() {
                rest.select_nth_unstable_by(need - 1, walk_order);
                rest.truncate(need);
            }
            rest.sort_unstable_by(walk_order);
            for i in rest {
                if !visit(order[i as usize]) {
                    return;
                }
            }
        };
        if q.descending {
            // Strictly before the cursor.
            let end = match &q.after {
                Some(c) => self.position(o, &c.key, c.id),
                None => order.len(),
            };
            let end = end.saturating_sub(direct);
            let walked = walk(end);
            for &slot in order[end - walked..end].iter().rev() {
                if !visit(slot) {
                    return Some(());
                }
            }
            if walked < end {
                from_postings(end - walked, &mut visit);
            }
        } else {
            // Strictly after the cursor.
            let start = match &q.after {
                Some(c) => {
                    let at = self.position(o, &c.key, c.id);
                    match order.get(at) {
                        Some(&s)
                            if sql_cmp(&self.sort_key(q.sort, s), &c.key) == Ordering::Equal
                                && self.id(s) == c.id =>
                        {
                            at + 1
                        }
                        _ => at,
                    }
                }
                None => 0,
            };
            let start = (start + direct).min(order.len());
            let walked = walk(order.len() - start);
            for &slot in &order[start..start + walked] {
                if !visit(slot) {
                    return Some(());
                }
            }
            if start + walked < order.len() {
                from_postings(start + walked, &mut visit);
            }
        }
        Some(())
    }

    /// [`FlagFilter::count_sql`]'s answer; `None` with a text filter.
    pub fn count(&self, f: &FlagFilter) -> Option<i64> {
        if f.text.is_some() {
            return None;
        }
        let m = self.matcher(f);
        if m.pass.iter().all(Option::is_none) {
            return Some(self.len() as i64);
        }
        // Conditions on one [`POSTED`] column, the status and the lock only: the kept agents'
        // tallies are added up, without looking at a flag.
        let keeps = |col: usize, n: u32| m.pass[col].as_ref().is_none_or(|p| p[n as usize]);
        for (p, &c) in POSTED.iter().enumerate() {
            let tallied = m.pass[c].is_some()
                && m.pass
                    .iter()
                    .enumerate()
                    .all(|(col, x)| x.is_none() || [c, STATUS, LOCKED].contains(&col));
            if tallied {
                let counted: i64 = self.tallies[p]
                    .iter()
                    .filter(|(n, _)| keeps(c, **n))
                    .flat_map(|(_, tally)| tally.iter())
                    .filter(|((status, locked), _)| keeps(STATUS, *status) && keeps(LOCKED, *locked))
                    .map(|(_, k)| *k)
                    .sum();
                return Some(counted);
            }
        }
        // When the kept agents hold few flags, only theirs are tested.
        if let Some((_, p)) = self.narrowest(&m) {
            return Some(self.posted(&m, p).filter(|s| self.passes(&m, *s, None)).count() as i64);
        }
        Some(self.live().filter(|s| self.passes(&m, *s, None)).count() as i64)
    }

    /// The [`POSTED`] column (its index there) whose values kept by `m` hold the fewest flags,
    /// with how many they hold, when that is at most 1 / [`POSTINGS_SHARE`] of the flags:
    /// then testing their flags ([`FlagIndex::posted`]) is cheaper than a pass over all.
    fn narrowest(&self, m: &Matcher) -> Option<(usize, usize)> {
        POSTED
            .iter()
            .enumerate()
            .filter_map(|(p, &c)| {
                let pass = m.pass[c].as_ref()?;
                let held: i64 =
                    self.used[c].iter().filter(|(n, _)| pass[**n as usize]).map(|(_, k)| *k).sum();
                Some((held as usize, p))
            })
            .min_by_key(|(held, _)| *held)
            .filter(|(held, _)| held * POSTINGS_SHARE <= self.len())
    }

    /// The slots holding a value of [`POSTED`] column `p` that `m` keeps (in no order; the
    /// other conditions are not tested).
    fn posted<'a>(&'a self, m: &'a Matcher, p: usize) -> impl Iterator<Item = u32> + 'a {
        let pass = m.pass[POSTED[p]].as_ref();
        self.postings[p]
            .iter()
            .filter(move |(n, _)| pass.is_none_or(|pass| pass[**n as usize]))
            .flat_map(|(_, slots)| slots.iter().copied())
    }

    /// Each slot's position in order `o` (see `positions`), built on first use.
    fn positions(&self, o: usize) -> &[u32] {
        self.positions[o].get_or_init(|| {
            let mut at = vec![u32::MAX; self.ids.len()];
            for (i, &slot) in self.orders[o].iter().enumerate() {
                at[slot as usize] = i as u32;
            }
            at
        })
    }

    /// [`facet_counts`](crate::flags::facet_counts)' answer: (value, count) most frequent
    /// first, then by value; `None` with a text filter.
    pub fn facet_counts(&self, f: &FlagFilter, facet: Facet) -> Option<Vec<(Value, i64)>> {
        self.facets(f, &[facet]).map(|mut all| all.remove(0))
    }

    /// [`FlagIndex::facet_counts`] of several facets in one pass over the flags: a flag counts
    /// for a facet when every condition but that facet's own keeps it. A facet whose other
    /// conditions keep every flag is read from the per-value counts, without a pass.
    pub fn facets(&self, f: &FlagFilter, facets: &[Facet]) -> Option<Vec<Vec<(Value, i64)>>> {
        if f.text.is_some() {
            return None;
        }
        let m = self.matcher(f);
        let cols: Vec<usize> = facets.iter().map(|x| facet_column(*x)).collect();
        let unfiltered = |col: usize| m.pass.iter().enumerate().all(|(c, p)| c == col || p.is_none());
        let mut counts: Vec<FxHashMap<u32, i64>> = vec![FxHashMap::default(); cols.len()];
        let need_pass: Vec<usize> = (0..cols.len()).filter(|i| !unfiltered(cols[*i])).collect();
        if !need_pass.is_empty() {
            for slot in self.live() {
                let row = &self.rows[slot as usize];
                // The conditions that fail for this flag: none, or only one facet's own.
                let mut failed = None;
                let mut fails = 0;
                for (c, p) in m.pass.iter().enumerate() {
                    if p.as_ref().is_some_and(|p| !p[row[c] as usize]) {
                        fails += 1;
                        failed = Some(c);
                        if fails > 1 {
                            break;
                        }
                    }
                }
                if fails > 1 {
                    continue;
                }
                for &i in &need_pass {
                    if fails == 0 || failed == Some(cols[i]) {
                        *counts[i].entry(row[cols[i]]).or_default() += 1;
                    }
                }
            }
        }
        let out = (0..cols.len())
            .map(|i| {
                let by_number = if need_pass.contains(&i) { &counts[i] } else { &self.used[cols[i]] };
                self.grouped(by_number)
            })
            .collect();
        Some(out)
    }

    /// Counts by value number as `GROUP BY value ORDER BY COUNT(*) DESC, value` gives them
    /// (values SQLite holds equal, 1 and 1.0, are one group).
    fn grouped(&self, counts: &FxHashMap<u32, i64>) -> Vec<(Value, i64)> {
        let mut by_value: Vec<(u32, i64)> = counts.iter().map(|(n, c)| (*n, *c)).collect();
        by_value.sort_by(|a, b| {
            sql_cmp(&self.values()[a.0 as usize], &self.values()[b.0 as usize]).then(a.0.cmp(&b.0))
        });
        let mut groups: Vec<(Value, i64)> = Vec::new();
        for (n, c) in by_value {
            let v = &self.values()[n as usize];
            match groups.last_mut() {
                Some(g) if sql_cmp(&g.0, v) == Ordering::Equal => g.1 += c,
                _ => groups.push((v.clone(), c)),
            }
        }
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| sql_cmp(&a.0, &b.0)));
        groups
    }
}

/// The change log that keeps a [`FlagIndex`] exact whatever writes the flags: TEMP triggers on
/// `main.flags` note the id of every row inserted, updated or deleted in a TEMP table. The table
/// has no key and no type, so no conflict clause of the writing statement (`UPDATE OR ABORT`,
/// `INSERT OR FAIL`) can make a note fail; an id noted twice is read once. Every
/// edit path (complete, lock, bulk, a new flag, any field, undo/redo, resume, replay) writes
/// through SQL, so none can be missed, and a write refused by the file's own triggers (or
/// rolled back) notes nothing. TEMP objects live in the connection's temporary schema: the
/// main database's bytes, its `integrity_check` and every export stay as they were (an export
/// copies `main` only). sql.js 1.16 exports through SQLite's backup API and keeps them; an
/// engine that reopened the database to export it would drop them, so the app keeps the noted
/// ids across each export and runs [`CHANGE_LOG_SQL`] (idempotent) again right behind it.
pub const CHANGE_LOG_SQL: &str = "\
CREATE TEMP TABLE IF NOT EXISTS flagdeck_flag_changes (id);
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_flags_inserted AFTER INSERT ON main.flags BEGIN
  INSERT INTO flagdeck_flag_changes (id) VALUES (NEW.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_flags_updated AFTER UPDATE ON main.flags BEGIN
  INSERT INTO flagdeck_flag_changes (id) VALUES (OLD.id), (NEW.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS flagdeck_flags_deleted AFTER DELETE ON main.flags BEGIN
  INSERT INTO flagdeck_flag_changes (id) VALUES (OLD.id);
END;";

/// Whether running `sql` could change rows of `flags` (so a layer must take the change log
/// before its next answer): any text holding one of the words INSERT, UPDATE, DELETE or
/// REPLACE, in any case, outside an identifier. Only those statements fire triggers; a word in
/// a string literal or the `replace()` function reads as a write too, which costs one needless
/// take, never a missed change.
pub fn may_write(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        let token = &sql[start..i];
        if ["INSERT", "UPDATE", "DELETE", "REPLACE"].iter().any(|k| token.eq_ignore_ascii_case(k)) {
            return true;
        }
    }
    false
}

/// Removes the change log (when the layer is turned off, nothing would take its notes).
pub const CHANGE_LOG_DROP_SQL: &str = "\
DROP TRIGGER IF EXISTS temp.flagdeck_flags_inserted;
DROP TRIGGER IF EXISTS temp.flagdeck_flags_updated;
DROP TRIGGER IF EXISTS temp.flagdeck_flags_deleted;
DROP TABLE IF EXISTS temp.flagdeck_flag_changes;";

impl FlagIndex {
    /// Takes what the change log ([`CHANGE_LOG_SQL`]) noted: the noted rows as the table holds
    /// them now and the noted ids that are gone, then empties the log up to the last entry it
    /// read (a write noted meanwhile stays for the next take). Call it between transactions,
    /// after a write has been committed (inside one that is rolled back later, the layer would
    /// keep what was undone), and one take at a time (each empties what it read). Errors: the
    /// port's (the log then keeps its entries); [`DbError::Sqlite`] when one of the log's three
    /// triggers is gone (`main.flags` dropped, say): writes since then were not noted, so the
    /// layer cannot be kept exact.
    pub async fn take_changes<D: Database>(db: &D) -> Result<Changes, DbError> {
        let last = db
            .query(
                "SELECT max(rowid) AS upto, (SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name IN \
                   ('flagdeck_flags_inserted', 'flagdeck_flags_updated', 'flagdeck_flags_deleted')) AS triggers \
                 FROM temp.flagdeck_flag_changes",
                &[],
            )
            .await?;
        let row = last.rows.first();
        if row.and_then(|r| r.get(1)).and_then(Value::as_i64) != Some(3) {
            return Err(DbError::Sqlite(
                "the flag list's change log lost a trigger (was the flags table dropped?): its writes since are unknown"
                    .into(),
            ));
        }
        let Some(upto) = row.and_then(|r| r.first()).and_then(Value::as_i64) else {
            return Ok(Changes::default());
        };
        let noted = db
            .query(
                &format!(
                    "SELECT DISTINCT id FROM temp.flagdeck_flag_changes WHERE rowid <= {upto} ORDER BY id"
                ),
                &[],
            )
            .await?;
        let ids: Vec<i64> = noted.rows.iter().filter_map(|r| r.first().and_then(Value::as_i64)).collect();
        let (_, rows) = FlagIndex::read_rows(db, Rows::Changed { upto }).await?;
        db.execute_batch(&format!("DELETE FROM temp.flagdeck_flag_changes WHERE rowid <= {upto}")).await?;
        let present: rustc_hash::FxHashSet<i64> = rows.iter().map(|r| r.id).collect();
        let gone = ids.into_iter().filter(|id| !present.contains(id)).collect();
        Ok(Changes { rows, gone })
    }

    /// The flags `ids` as the table holds them now, and those of them that are gone (the ids
    /// the change log had noted when the file was exported: see `SqlJsWorker::take_carried` in
    /// the app). Errors: the port's.
    pub async fn read_ids<D: Database>(db: &D, ids: &[i64]) -> Result<Changes, DbError> {
        let mut changes = Changes::default();
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let (_, rows) = FlagIndex::read_rows(db, Rows::Ids(&list)).await?;
            let present: rustc_hash::FxHashSet<i64> = rows.iter().map(|r| r.id).collect();
            changes.gone.extend(chunk.iter().filter(|id| !present.contains(id)));
            changes.rows.extend(rows);
        }
        Ok(changes)
    }

    /// Brings the layer up to date with the table: [`FlagIndex::take_changes`], then
    /// [`FlagIndex::apply`]. Returns how many ids the log had noted. Errors: the port's (the
    /// layer is then as before).
    pub async fn sync<D: Database>(&mut self, db: &D) -> Result<usize, DbError> {
        let changes = FlagIndex::take_changes(db).await?;
        let n = changes.rows.len() + changes.gone.len();
        self.apply(changes);
        Ok(n)
    }
}

/// Builds a [`FlagIndex`] from the cells of the table's records as a page walk reads them
/// ([`crate::dashboard::imagescan::ImageScan::for_flag_index`]), without a [`Value`] per cell.
pub struct FlagIndexBuilder {
    index: FlagIndex,
    /// Index in the table's columns of each of [`COLUMNS`] (`None`: the table lacks it, NULL).
    at: [Option<usize>; N],
    defaults: Vec<Option<Value>>,
    rowid_alias: Option<usize>,
}

impl FlagIndexBuilder {
    /// A builder for a `flags` table of shape `info` (its columns' affinities, defaults and
    /// rowid alias, which must be `id`: see [`FlagIndex::applies`]).
    pub fn new(info: &TableInfo) -> FlagIndexBuilder {
        let find = |name: &str| info.columns.iter().position(|c| c.eq_ignore_ascii_case(name));
        let at = COLUMNS.map(find);
        let affinity = at.map(|a| {
            a.map(|a| Affinity::of(info.types.get(a).map(String::as_str))).unwrap_or(Affinity::Blob)
        });
        let mut index = FlagIndex::empty(affinity, 0);
        index.chain_column = at[CHAIN].is_some();
        FlagIndexBuilder { index, at, defaults: info.defaults.clone(), rowid_alias: info.rowid_alias }
    }

    /// One record: its rowid (the flag's id) and its cells by column (`None` past the record's
    /// end, where the column's default applies).
    pub fn push<'a>(&mut self, rowid: i64, get: impl Fn(usize) -> Option<Cell<'a>>) {
        let mut numbers = [0u32; N];
        for (i, at) in self.at.iter().enumerate() {
            numbers[i] = match *at {
                None => self.index.intern_cell(Cell::Null),
                Some(a) if Some(a) == self.rowid_alias => self.index.intern_cell(Cell::Int(rowid)),
                Some(a) => match get(a) {
                    Some(c) => self.index.intern_cell(c),
                    None => match self.defaults.get(a).and_then(Option::as_ref) {
                        Some(v) => self.index.intern_cell(Cell::of(v)),
                        None => self.index.intern_cell(Cell::Null),
                    },
                },
            };
        }
        self.index.store_numbers(rowid, numbers);
    }

    /// The layer, its orders sorted.
    pub fn finish(mut self) -> FlagIndex {
        self.index.sort_orders();
        self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flag of the chain tests: its id, status, source, target and chain origin.
    fn flag(id: i64, status: Value, source: &str, target: &str, chain: Value) -> KeyRow {
        let mut values: [Value; N] = std::array::from_fn(|_| Value::Null);
        values[STATUS] = status;
        values[SOURCE] = Value::from(source);
        values[TARGET] = Value::from(target);
        values[CREATED] = Value::from("2025-01-01 00:00:00");
        values[CHAIN] = chain;
        KeyRow { id, values }
    }

    fn text(t: &str) -> Value {
        Value::from(t)
    }

    /// Both ways of finding the agent's flags, which must agree.
    fn chains_of(index: &FlagIndex, agent: &str) -> Option<Vec<(i64, i64, i64)>> {
        let [rows, postings] = [true, false].map(|scan| {
            index
                .chains_by(agent, Some(scan))
                .map(|c| c.into_iter().map(|c| (c.origin, c.flags, c.pending)).collect())
        });
        assert_eq!(rows, postings, "chains of {agent}: one pass over the rows and the postings differ");
        rows
    }

    #[test]
    fn chains_count_each_chain_as_its_statement_groups_it() {
        let mut affinity = [Affinity::Text; N];
        affinity[CHAIN] = Affinity::Integer;
        affinity[LOCKED] = Affinity::Numeric;
        let pending = || text("pending");
        let index = &mut FlagIndex::build(
            affinity,
            vec![
                // Chain 1: its origin, a follow-up by @a, one without @a.
                flag(1, pending(), "@a", "@b", Value::Null),
                flag(2, text("completed"), "@b", "@a", Value::Integer(1)),
                flag(3, pending(), "@c", "@d", Value::Integer(1)),
                // A flag naming itself as its origin, and one following it.
                flag(6, pending(), "@a", "@a", Value::Integer(6)),
                flag(7, pending(), "@x", "@y", Value::Integer(6)),
                // Alone: no chain.
                flag(8, pending(), "@a", "@b", Value::Null),
            ],
        );
        assert_eq!(chains_of(index, "@a"), Some(vec![(1, 3, 2), (6, 2, 2)]));
        assert_eq!(chains_of(index, "@d"), Some(vec![(1, 3, 2)]));
        assert_eq!(chains_of(index, "@nobody"), Some(vec![]));
        // A chain whose statuses are all NULL has a NULL sum: not answered.
        let null_chain = vec![
            flag(4, Value::Null, "@a", "@c", Value::Null),
            flag(5, Value::Null, "@c", "@d", Value::Integer(4)),
        ];
        index.apply(Changes { rows: null_chain, gone: vec![] });
        assert_eq!(chains_of(index, "@a"), None);
        assert_eq!(chains_of(index, "@b"), Some(vec![(1, 3, 2)]), "an agent outside that chain is answered");
        // Its follow-up gone, flag 4 is alone again; the completed follow-up of chain 1 turned pending.
        index.apply(Changes { rows: vec![flag(2, pending(), "@b", "@a", Value::Integer(1))], gone: vec![5] });
        assert_eq!(chains_of(index, "@a"), Some(vec![(1, 3, 3), (6, 2, 2)]));
        // An origin that is not an integer sends every agent's chains to the SQL, until it goes.
        index.apply(Changes { rows: vec![flag(9, pending(), "@z", "@z", text("x"))], gone: vec![] });
        assert_eq!(chains_of(index, "@a"), None);
        index.apply(Changes { rows: vec![], gone: vec![9] });
        assert_eq!(chains_of(index, "@a"), Some(vec![(1, 3, 3), (6, 2, 2)]));
        // Flag 6 no longer names itself: it is the origin flag of its chain.
        index
            .apply(Changes { rows: vec![flag(6, text("completed"), "@a", "@a", Value::Null)], gone: vec![] });
        assert_eq!(chains_of(index, "@a"), Some(vec![(1, 3, 3), (6, 2, 1)]));
    }

    #[test]
    fn writes_are_told_from_reads_by_their_words() {
        for sql in [
            "UPDATE flags SET status = 'completed' WHERE id = 1",
            "insert into flags (id) values (1)",
            "WITH x AS (SELECT 1) DELETE FROM flags WHERE id IN x",
            "REPLACE INTO flags (id) VALUES (2)",
            "SELECT 1; UPDATE flags SET locked = 1",
            "BEGIN;\nupdate\tflags SET locked=0;COMMIT;",
        ] {
            assert!(may_write(sql), "{sql}");
        }
        for sql in [
            "SELECT id, status FROM flags ORDER BY created_at DESC LIMIT 200",
            "SELECT max(rowid) FROM temp.flagdeck_flag_changes",
            "SELECT updated_at, inserted, deleted_flag FROM flags",
            "PRAGMA trusted_schema = OFF",
        ] {
            assert!(!may_write(sql), "{sql}");
        }
    }
}
