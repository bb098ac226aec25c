//! Quest list and board queries: one filter, one SQL builder shared by the count, the board's
//! status counts and the keyset pages (the pattern of [`crate::flags`]).

use serde::Serialize;

use crate::flags::Cursor;
use crate::paging::Viewport;
use crate::port::{Database, DbError};
use crate::table_info::{step_range, KeysetSteps};
use crate::timestamp::instant_sql;
use crate::value::{sql_max, Value};

use super::card::QuestCard;
use super::status::QuestStatus;
use super::{keys, TABLE};

/// Rows per page of the quest list (`#quests?view=list`): what the page asks for at a time,
/// and what `cargo xtask quests-bench-sql` asks for to play the same scrolling natively.
pub const LIST_PAGE: usize = 200;

/// The quest list's layout (the flag table's): which rows a scroll position renders.
pub const LIST_VIEWPORT: Viewport = Viewport { row_height: 36.0, height: 640.0, overscan: 10 };

/// Cards per board column at first, and per "show more".
pub const BOARD_CARDS: usize = 12;

/// Filters combined with AND. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuestFilter {
    /// Stored statuses to keep (OR); unknown ones are matched as stored, `""` also matches NULL.
    pub statuses: Vec<String>,
    /// An agent who is recruited on the quest or holds its turn (`current_agent`): the whole
    /// name, ASCII case-insensitively (`@ACOLYTE.AUTH` finds `@acolyte.auth`; `auth` alone finds
    /// no `@acolyte.auth`: names are matched whole, the page suggests them from
    /// [`agents_sql`]). Recruited is matched in the JSON array (`json_each`, only run on valid
    /// JSON, after a cheap `instr` on the text); when `recruited` is not JSON it is matched as
    /// comma-separated names (as [`read_recruited`](super::read_recruited) reads it), ignoring
    /// spaces, tabs and line breaks.
    pub agent: Option<String>,
    /// Words that must all occur (ASCII case-insensitively, SQLite's `LIKE`) in the name, the
    /// mission or the text of one message (`broadcast[].message`; the whole stored text when
    /// `broadcast` is not JSON). Messages are only parsed (`json_each`) in rows whose stored text
    /// holds the word as typed or as `json.dumps` escapes it. Blank: no text filter.
    pub text: String,
}

/// The columns the list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QuestSort {
    /// `quest_id` (creation order).
    Id,
    /// The instant of `created_at` (mixed formats compare as instants; unreadable values first).
    Created,
    /// The instant of `updated_at` (epoch text, epoch integer and date text alike).
    Updated,
    /// `quest_name` as text.
    Name,
    /// Life-cycle order ([`QuestStatus::rank_sql`]), unknown statuses last by name.
    Status,
    /// Whose turn (`current_agent`; none first).
    Turn,
    /// `quest_phase` as text (`1/3` before `2/3`).
    Phase,
    /// `mission` as text.
    Mission,
    /// The team's leader: the first entry of a JSON array, a JSON string, or the first name of
    /// a comma-separated list (as [`read_recruited`](super::read_recruited) reads them); none
    /// first.
    Team,
    /// The message count ([`MESSAGES_SQL`](super::card::MESSAGES_SQL); a `broadcast` that is no
    /// array first, as -1).
    Messages,
}

impl QuestSort {
    /// Every sort the list offers.
    ///
    /// Only `quest_id` and a uniformly stored `created_at` are in an order the file keeps; the
    /// others are read through a key table built on their first use ([`super::keys`]), or by
    /// computing each filtered row's key and sorting them (a scan, ~0.2–0.4 s at 100k quests
    /// natively) where the list cannot use one.
    pub const ALL: [QuestSort; 10] = [
        QuestSort::Id,
        QuestSort::Created,
        QuestSort::Updated,
        QuestSort::Name,
        QuestSort::Status,
        QuestSort::Turn,
        QuestSort::Phase,
        QuestSort::Mission,
        QuestSort::Team,
        QuestSort::Messages,
    ];

    /// The list's starting order: newest first, as the scripts list quests
    /// (`ORDER BY created_at DESC` in `acolyte_quest_core.get_all_quests`).
    pub const DEFAULT: (QuestSort, bool) = (QuestSort::Created, true);

    /// A column header's text.
    pub fn label(self) -> &'static str {
        match self {
            QuestSort::Id => "#",
            QuestSort::Created => "Created",
            QuestSort::Updated => "Updated",
            QuestSort::Name => "Name",
            QuestSort::Status => "Status",
            QuestSort::Turn => "Turn",
            QuestSort::Phase => "Phase",
            QuestSort::Mission => "Mission",
            QuestSort::Team => "Team",
            QuestSort::Messages => "Msgs",
        }
    }

    /// The sort's name in the address (`#quests?sort=updated`): lower-case ASCII.
    pub fn key(self) -> &'static str {
        match self {
            QuestSort::Id => "id",
            QuestSort::Created => "created",
            QuestSort::Updated => "updated",
            QuestSort::Name => "name",
            QuestSort::Status => "status",
            QuestSort::Turn => "turn",
            QuestSort::Phase => "phase",
            QuestSort::Mission => "mission",
            QuestSort::Team => "team",
            QuestSort::Messages => "messages",
        }
    }

    /// The sort named `key` ([`QuestSort::key`]); `None` for any other text.
    pub fn from_key(key: &str) -> Option<QuestSort> {
        QuestSort::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The sort key for a file whose time columns are as `order` says: a time column whose
    /// stored values sort as their instants do is sorted by the stored value itself, so SQLite
    /// walks its index (`idx_created_at`) and stops after the page instead of computing
    /// [`instant_sql`] for every row; otherwise [`QuestSort::sql`].
    pub fn key_sql(self, order: TimeOrder) -> String {
        match self {
            QuestSort::Created if order.created_raw => "created_at".into(),
            QuestSort::Updated if order.updated_raw => "updated_at".into(),
            other => other.sql(),
        }
    }

    /// The column of `acolyte_quests` the sort key is worked out from.
    pub fn column(self) -> &'static str {
        match self {
            QuestSort::Id => "quest_id",
            QuestSort::Created => "created_at",
            QuestSort::Updated => "updated_at",
            QuestSort::Name => "quest_name",
            QuestSort::Status => "status",
            QuestSort::Turn => "current_agent",
            QuestSort::Phase => "quest_phase",
            QuestSort::Mission => "mission",
            QuestSort::Team => "recruited",
            QuestSort::Messages => "broadcast",
        }
    }

    /// The sort key as one SQL expression that is never NULL (so `(key, quest_id)` row values
    /// compare for keyset paging).
    pub fn sql(self) -> String {
        match self {
            QuestSort::Id => "quest_id".into(),
            QuestSort::Created => format!("IFNULL({}, -1e18)", instant_sql("created_at")),
            QuestSort::Updated => format!("IFNULL({}, -1e18)", instant_sql("updated_at")),
            QuestSort::Name => "IFNULL(quest_name, '')".into(),
            QuestSort::Status => QuestStatus::rank_sql("status"),
            QuestSort::Turn => "IFNULL(current_agent, '')".into(),
            QuestSort::Phase => "IFNULL(quest_phase, '')".into(),
            QuestSort::Mission => "IFNULL(mission, '')".into(),
            // The leader: `$[0]` of a JSON array, the first comma-separated name of other text.
            QuestSort::Team => "IFNULL(CASE WHEN json_valid(recruited) THEN \
                 (CASE json_type(recruited) WHEN 'array' THEN CAST(json_extract(recruited, '$[0]') AS TEXT) \
                 WHEN 'text' THEN json_extract(recruited, '$') END) \
                 ELSE trim(substr(recruited, 1, instr(recruited || ',', ',') - 1), ' ' || char(9, 10, 13)) END, '')"
                .into(),
            QuestSort::Messages => format!("IFNULL({}, -1)", super::card::MESSAGES_SQL),
        }
    }
}

/// A word as Python's `json.dumps` (ensure_ascii) writes it inside a JSON string: `"` and `\`
/// escaped, control characters and non-ASCII as `\uXXXX` (surrogate pairs beyond the BMP),
/// lower-case hex.
fn json_escaped(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

/// A `LIKE … ESCAPE '!'` pattern finding `text` anywhere (ASCII case-insensitively, as SQLite's
/// LIKE compares): `%`, `_` and `!` are escaped.
fn contains_pattern(text: &str) -> Value {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    Value::from(out)
}

/// The condition for one word of the text box, and its parameters.
fn word_condition(word: &str) -> (String, Vec<Value>) {
    let raw = contains_pattern(word);
    let escaped = contains_pattern(&json_escaped(word));
    // LIKE on the stored text first (cheap, no JSON): the word as typed or as json.dumps wrote it.
    let (stored, mut params) = if escaped == raw {
        ("broadcast LIKE ? ESCAPE '!'", vec![raw.clone(), raw.clone(), raw.clone()])
    } else {
        (
            "(broadcast LIKE ? ESCAPE '!' OR broadcast LIKE ? ESCAPE '!')",
            vec![raw.clone(), raw.clone(), raw.clone(), escaped],
        )
    };
    params.extend([raw.clone(), raw]);
    let sql = format!(
        "(quest_name LIKE ? ESCAPE '!' OR mission LIKE ? ESCAPE '!' OR ({stored} AND (CASE \
           WHEN NOT json_valid(broadcast) THEN 1 \
           WHEN json_type(broadcast) = 'array' THEN EXISTS (SELECT 1 FROM json_each(broadcast) AS m \
             WHERE (CASE WHEN m.type = 'object' THEN json_extract(m.value, '$.message') ELSE m.value END) LIKE ? ESCAPE '!') \
           WHEN json_type(broadcast) = 'object' THEN json_extract(broadcast, '$.message') LIKE ? ESCAPE '!' \
           ELSE 1 END)))"
    );
    (sql, params)
}

impl QuestFilter {
    /// The text box: blank means no text filter.
    pub fn set_text(&mut self, text: &str) {
        self.text = text.to_owned();
    }

    /// Ticking a status adds it, ticking it again removes it.
    pub fn toggle_status(&mut self, status: &str) {
        match self.statuses.iter().position(|s| s == status) {
            Some(i) => {
                self.statuses.remove(i);
            }
            None => self.statuses.push(status.to_owned()),
        }
    }

    /// `WHERE` conditions and their parameters (`?` in order), with or without the status list.
    /// `status_index`: whether SQLite may answer the status condition from `idx_status`; a page
    /// sorted by an indexed time column says no (`+status`), so SQLite walks the time index
    /// and stops after the page instead of sorting every row of a large status.
    fn conditions(&self, with_statuses: bool, status_index: bool) -> (Vec<String>, Vec<Value>) {
        let mut sql = Vec::new();
        let mut params = Vec::new();
        if with_statuses && !self.statuses.is_empty() {
            let marks = vec!["?"; self.statuses.len()].join(", ");
            let null = if self.statuses.iter().any(String::is_empty) { " OR status IS NULL" } else { "" };
            let column = if status_index { "status" } else { "+status" };
            sql.push(format!("({column} IN ({marks}){null})"));
            params.extend(self.statuses.iter().map(|s| Value::from(s.as_str())));
        }
        if let Some(agent) = self.agent.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            // The cheap instr() runs first; json_each only on rows whose text names the agent.
            // Compared in lower case (SQLite's lower() folds ASCII only, as to_ascii_lowercase).
            sql.push(
                "(lower(current_agent) = ? OR (instr(lower(recruited), ?) > 0 AND (CASE \
                   WHEN NOT json_valid(recruited) THEN instr(',' || lower(replace(replace(replace(replace(recruited, \
                     char(13), ''), char(10), ''), char(9), ''), ' ', '')) || ',', ',' || ? || ',') > 0 \
                   WHEN json_type(recruited) = 'array' THEN EXISTS (SELECT 1 FROM json_each(recruited) AS r WHERE lower(r.value) = ?) \
                   ELSE lower(json_extract(recruited, '$')) = ? END)))"
                    .into(),
            );
            let agent = agent.to_ascii_lowercase();
            let compact: String = agent.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r')).collect();
            params.extend([
                Value::from(agent.as_str()),
                Value::from(compact.as_str()),
                Value::from(compact.as_str()),
                Value::from(agent.as_str()),
                Value::from(agent.as_str()),
            ]);
        }
        for word in self.text.split_whitespace() {
            let (condition, values) = word_condition(word);
            sql.push(condition);
            params.extend(values);
        }
        (sql, params)
    }

    fn where_clause(&self, with_statuses: bool) -> (String, Vec<Value>) {
        let (conditions, params) = self.conditions(with_statuses, true);
        if conditions.is_empty() {
            (String::new(), params)
        } else {
            (format!(" WHERE {}", conditions.join(" AND ")), params)
        }
    }

    /// How many quests pass the filter: one row, one column `n`.
    pub fn count_sql(&self) -> (String, Vec<Value>) {
        let (where_sql, params) = self.where_clause(true);
        (format!("SELECT count(*) AS n FROM {TABLE}{where_sql}"), params)
    }

    /// The board's columns: rows of (`status`, `n`) under every filter but the status list
    /// (so each column says what ticking it would give). Every known status comes first, in
    /// life-cycle order, with 0 when no quest has it; then each unknown stored status, by
    /// name (NULL as `""`).
    pub fn status_counts_sql(&self) -> (String, Vec<Value>) {
        let (where_sql, params) = self.where_clause(false);
        let known: Vec<String> =
            QuestStatus::ALL.iter().map(|s| format!("('{}', {})", s.sql(), s.rank())).collect();
        let names: Vec<String> = QuestStatus::ALL.iter().map(|s| format!("'{}'", s.sql())).collect();
        let sql = format!(
            "WITH known(status, rank) AS (VALUES {}), \
             counted AS (SELECT IFNULL(status, '') AS status, count(*) AS n FROM {TABLE}{where_sql} GROUP BY IFNULL(status, '')) \
             SELECT status, n FROM (\
               SELECT k.status AS status, IFNULL(c.n, 0) AS n, k.rank AS rank FROM known AS k LEFT JOIN counted AS c ON c.status = k.status \
               UNION ALL SELECT status, n, {} AS rank FROM counted WHERE status NOT IN ({})) \
             ORDER BY rank, status",
            known.join(", "),
            QuestStatus::ALL.len(),
            names.join(", ")
        );
        (sql, params)
    }
}

/// The agents the agent filter suggests: every `current_agent` and every name of a JSON-array
/// `recruited` (texts only; a comma-separated `recruited` is not split), distinct, blank ones
/// left out, ASCII case-insensitively sorted. Rows of one column `agent`; one scan of the table.
pub fn agents_sql() -> String {
    format!(
        "SELECT agent FROM (SELECT current_agent AS agent FROM {TABLE} WHERE typeof(current_agent) = 'text' \
         UNION SELECT r.value AS agent FROM {TABLE} AS q, json_each(CASE WHEN NOT json_valid(q.recruited) THEN '[]' \
           WHEN json_type(q.recruited) = 'array' THEN q.recruited ELSE '[]' END) AS r WHERE r.type = 'text') \
         WHERE trim(agent) <> '' ORDER BY lower(agent), agent"
    )
}

/// Runs [`agents_sql`].
pub async fn agents<D: Database>(db: &D) -> Result<Vec<String>, DbError> {
    db.query(&agents_sql(), &[]).await?.map_rows(|r| r.text("agent"))
}

/// The summary page's quest figures: open quests (any status but completed, failed, timeout,
/// as `status::stored_is_open` says), `waiting` ones (a message waits for its `current_agent`,
/// `quest_message.py`), and stalled ones: open, someone's turn, and no update for
/// `stall_after_hours` before the latest `updated_at` of the file (the dashboard's default "as
/// of the latest activity": a frozen file does not read as months idle). One row, columns
/// `open`, `waiting`, `stalled`; a scan of the table for the latest update and one for the
/// figures. Parameter: the threshold in seconds.
/// The figures' definition, which [`summary`] reads in keyset steps.
pub fn summary_sql() -> String {
    let at = instant_sql("updated_at");
    format!(
        "SELECT IFNULL(sum({open}), 0) AS open, IFNULL(sum(status = 'waiting'), 0) AS waiting, \
           IFNULL(sum({stalled}(SELECT max({at}) FROM {TABLE}) - ?), 0) AS stalled FROM {TABLE}",
        open = open_sql(),
        stalled = stalled_sql(),
    )
}

/// Whether a quest is open (`status::stored_is_open` in SQL: 1 or 0).
fn open_sql() -> String {
    let ended: Vec<String> =
        QuestStatus::ALL.iter().filter(|s| !s.is_open()).map(|s| format!("'{}'", s.sql())).collect();
    format!("IFNULL(status, '') NOT IN ({})", ended.join(", "))
}

/// The stalled test of [`summary_sql`] up to its bound: open, someone's turn, and an update
/// instant below what follows it.
fn stalled_sql() -> String {
    format!("{} AND trim(IFNULL(current_agent, '')) <> '' AND {} < ", open_sql(), instant_sql("updated_at"))
}

/// The figures of [`summary_sql`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuestSummary {
    pub open: i64,
    pub waiting: i64,
    pub stalled: i64,
}

/// Quests a statement of [`summary`] reads at a time (keyset steps by `quest_id`): one statement
/// over 100k quests took ~250 ms of the app's worker (an instant read from every quest's
/// `updated_at`), and a read asked meanwhile (the Quests tab clicked as the summary shows)
/// waited for all of it; a step of 5,000 takes ~15 ms.
pub const SUMMARY_STEP: usize = 5_000;

/// Runs [`summary_sql`] with a threshold of `stall_after_hours`, in keyset steps of
/// [`SUMMARY_STEP`] quests where the table is keyed by its rowid ([`summary_in_steps`]).
/// Errors: the database's.
pub async fn summary<D: Database>(db: &D, stall_after_hours: f64) -> Result<QuestSummary, DbError> {
    summary_in_steps(db, stall_after_hours, SUMMARY_STEP).await
}

/// [`summary`] reading `step` quests a statement (at least 1) where `quest_id` is the table's
/// rowid ([`keys::applies`]), else in one statement ([`summary_sql`]). First the open and
/// waiting counts and the latest update instant step by step (summed; the greatest instant by
/// SQLite's order, NULL ignored, as `max()` folds, [`sql_max`]), then the stalled count over the
/// same ranges with that instant bound: the figures of the one statement, unless a write comes
/// between two steps (the app keeps the figures under the data they began from, which a write
/// replaces). Errors: the database's.
pub async fn summary_in_steps<D: Database>(
    db: &D,
    stall_after_hours: f64,
    step: usize,
) -> Result<QuestSummary, DbError> {
    let threshold = Value::Real(stall_after_hours * 3600.0);
    if !keys::applies(db).await? {
        return Ok(summary_row(&db.query(&summary_sql(), &[threshold]).await?)?.unwrap_or_default());
    }
    let at = instant_sql("updated_at");
    let (open, stalled) = (open_sql(), stalled_sql());
    let mut figures = QuestSummary::default();
    let (mut latest, mut ranges, mut steps) =
        (Value::Null, Vec::new(), KeysetSteps::new(TABLE, "quest_id", step));
    while let Some((after, upto)) = steps.next(db).await? {
        let range = step_range("quest_id", after, upto);
        let sql = format!(
            "SELECT IFNULL(sum({open}), 0) AS open, IFNULL(sum(status = 'waiting'), 0) AS waiting, \
               max({at}) AS latest FROM main.{TABLE} WHERE 1{range}"
        );
        let rs = db.query(&sql, &[]).await?;
        if let Some((n, w, l)) =
            rs.map_first(|r| Ok((r.i64("open")?, r.i64("waiting")?, r.get("latest")?.clone())))?
        {
            figures.open += n;
            figures.waiting += w;
            latest = sql_max(latest, l);
        }
        ranges.push(range);
    }
    // Below a NULL bound no quest is stalled (the comparison is NULL).
    if latest != Value::Null {
        for range in ranges {
            let sql = format!(
                "SELECT IFNULL(sum({stalled}?1 - ?2), 0) AS stalled FROM main.{TABLE} WHERE 1{range}"
            );
            let rs = db.query(&sql, &[latest.clone(), threshold.clone()]).await?;
            figures.stalled += rs.map_first(|r| r.i64("stalled"))?.unwrap_or(0);
        }
    }
    Ok(figures)
}

/// The figures of [`summary_sql`]'s row (`None` without one). Errors: a column missing or not
/// an integer.
fn summary_row(rs: &crate::value::ResultSet) -> Result<Option<QuestSummary>, DbError> {
    rs.map_first(|r| {
        Ok(QuestSummary { open: r.i64("open")?, waiting: r.i64("waiting")?, stalled: r.i64("stalled")? })
    })
}

/// One column of the board: a stored status and how many quests have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    /// As stored (NULL as `""`).
    pub status: String,
    /// The status if the scripts write it.
    pub known: Option<QuestStatus>,
    pub count: i64,
}

/// Runs [`QuestFilter::status_counts_sql`].
pub async fn status_counts<D: Database>(db: &D, filter: &QuestFilter) -> Result<Vec<StatusCount>, DbError> {
    let (sql, params) = filter.status_counts_sql();
    db.query(&sql, &params).await?.map_rows(|r| {
        let status = r.text("status")?;
        Ok(StatusCount { known: QuestStatus::parse(&status), status, count: r.i64("n")? })
    })
}

/// Runs [`QuestFilter::count_sql`].
pub async fn count<D: Database>(db: &D, filter: &QuestFilter) -> Result<i64, DbError> {
    let (sql, params) = filter.count_sql();
    let rs = db.query(&sql, &params).await?;
    Ok(rs.map_first(|r| r.i64("n"))?.unwrap_or(0))
}

/// Which time columns of `acolyte_quests` can be sorted by their stored values, because every
/// stored value has one shape whose order is the order of the instants: all INTEGER epoch
/// seconds (the hybrid's columns), or all `YYYY-MM-DD HH:MM:SS` text (v2's `created_at`), or
/// all ten-digit epoch-seconds text, with no NULL (a NULL would break the keyset comparison).
/// The default (`false`, `false`) always sorts by the instant. Read once per opened data with
/// [`TimeOrder::read`]; a file that mixes shapes (v2's `updated_at`: epoch text and, for a
/// quest never updated, date text) is sorted by [`instant_sql`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TimeOrder {
    pub created_raw: bool,
    pub updated_raw: bool,
}

impl TimeOrder {
    /// One row, columns `created_raw` and `updated_raw` (0/1). Each is one scan of the column,
    /// which SQLite answers from the column's index when there is one.
    pub fn sql() -> String {
        let uniform = |c: &str| {
            let all = |cond: String| format!("NOT EXISTS (SELECT 1 FROM {TABLE} WHERE NOT ({cond}))");
            format!(
                "({} OR {} OR {})",
                all(format!("typeof({c}) = 'integer'")),
                all(format!(
                    "typeof({c}) = 'text' AND {c} GLOB \
                     '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'"
                )),
                all(format!(
                    "typeof({c}) = 'text' AND {c} GLOB '[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'"
                )),
            )
        };
        format!("SELECT {} AS created_raw, {} AS updated_raw", uniform("created_at"), uniform("updated_at"))
    }

    /// Runs [`TimeOrder::sql`].
    pub async fn read<D: Database>(db: &D) -> Result<TimeOrder, DbError> {
        let rs = db.query(&Self::sql(), &[]).await?;
        Ok(rs
            .map_first(|r| {
                Ok(TimeOrder {
                    created_raw: r.i64("created_raw")? == 1,
                    updated_raw: r.i64("updated_raw")? == 1,
                })
            })?
            .unwrap_or_default())
    }
}

/// One page of the quest list.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestPageQuery {
    pub filter: QuestFilter,
    pub sort: QuestSort,
    pub descending: bool,
    /// The last row of the previous page (keyset step), if known.
    pub after: Option<Cursor>,
    /// Rows skipped (after the cursor, when there is one): a jump to a page whose predecessor is
    /// not loaded.
    pub offset: usize,
    pub limit: usize,
    /// How the file's time columns sort ([`TimeOrder`]); the default sorts by instants.
    pub time_order: TimeOrder,
    /// Whether the page walks its order's key table ([`super::keys`]) when the order has one;
    /// the caller made sure it is built ([`super::keys::ensure`]).
    pub keys: bool,
}

impl QuestPageQuery {
    /// The first page of `limit` rows.
    pub fn first(filter: QuestFilter, (sort, descending): (QuestSort, bool), limit: usize) -> Self {
        QuestPageQuery {
            filter,
            sort,
            descending,
            after: None,
            offset: 0,
            limit,
            time_order: TimeOrder::default(),
            keys: false,
        }
    }

    /// The same query read through its order's key table (`true`) or by its own SQL.
    pub fn with_keys(mut self, keys: bool) -> Self {
        self.keys = keys;
        self
    }

    /// Whether [`QuestPageQuery::sql`] walks a key table.
    pub fn walks_keys(&self) -> bool {
        self.keys && super::keys::derived(self.sort, self.time_order)
    }

    /// The same query for a file whose time columns sort as `order` says.
    pub fn with_time_order(mut self, order: TimeOrder) -> Self {
        self.time_order = order;
        self
    }

    /// The same list at page `page` (0-based): right after `previous` (the last row of page - 1,
    /// [`QuestCard::cursor`]) when the caller has it; otherwise by OFFSET from the start.
    pub fn at_page(self, page: usize, previous: Option<Cursor>) -> Self {
        self.at_pages(page..page + 1, previous)
    }

    /// The same list at pages `pages` (consecutive, 0-based, of `limit` rows each) in one read
    /// of `limit × pages.len()` rows: right after `previous` (the last row of the page before
    /// the first) when the caller has it; otherwise by OFFSET from the start, walking the order
    /// once for all of them.
    pub fn at_pages(mut self, pages: std::ops::Range<usize>, previous: Option<Cursor>) -> Self {
        self.offset = if previous.is_some() { 0 } else { pages.start * self.limit };
        self.limit *= pages.len();
        self.after = previous;
        self
    }

    /// SQL and parameters. The inner query pages through `(sort key, quest_id)`, a total order,
    /// reading only the key columns and the filter's; the outer one reads the card columns
    /// ([`QuestCard::select_list`], `json_array_length` included) of the page's rows only, and
    /// returns them in the page's order with the key as `sort_key`. Read with [`QuestCard::all`].
    ///
    /// Through a key table ([`QuestPageQuery::walks_keys`]) the inner query walks the table's
    /// `(sort_key, quest_id)` index instead, joining each quest (by rowid) only to test the
    /// filter, so a page reads its own rows whatever the order: the same rows, as the table
    /// holds each quest's key exactly.
    pub fn sql(&self) -> (String, Vec<Value>) {
        let keyed = self.walks_keys();
        let key = self.sort.key_sql(self.time_order);
        // A stored time column is walked through its index (see TimeOrder); a key table through
        // its own.
        // (Through a key table the CROSS JOIN fixes the walk, and the status keeps its affinity.)
        let walks_time_index = !keyed && (key == "created_at" || key == "updated_at");
        let (mut conditions, mut params) = self.filter.conditions(true, !walks_time_index);
        let (cmp, dir) = if self.descending { ("<", "DESC") } else { (">", "ASC") };
        let (from, key, id) = if keyed {
            let t = super::keys::table(self.sort, self.time_order);
            // CROSS JOIN: the key table is the outer loop, walked in order; a quest is read only
            // to test the filter.
            let from = if conditions.is_empty() {
                format!("temp.{t} AS k")
            } else {
                format!("temp.{t} AS k CROSS JOIN {TABLE} AS q ON q.quest_id = k.quest_id")
            };
            (from, "k.sort_key".to_owned(), "k.quest_id")
        } else {
            (TABLE.to_owned(), key, "quest_id")
        };
        if let Some(cursor) = &self.after {
            conditions.push(format!("({key}, {id}) {cmp} (?, ?)"));
            params.push(cursor.key.clone());
            params.push(Value::Integer(cursor.id));
        }
        let where_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let offset = if self.offset > 0 { format!(" OFFSET {}", self.offset) } else { String::new() };
        (
            format!(
                "SELECT page.sort_key AS sort_key, {select} FROM \
                 (SELECT {id} AS quest_id, {key} AS sort_key FROM {from}{where_sql} ORDER BY {key} {dir}, {id} {dir} LIMIT {limit}{offset}) AS page \
                 JOIN {TABLE} USING (quest_id) ORDER BY page.sort_key {dir}, quest_id {dir}",
                select = QuestCard::select_list(),
                limit = self.limit,
            ),
            params,
        )
    }
}

/// Runs a page query and reads its cards.
pub async fn page<D: Database>(db: &D, query: &QuestPageQuery) -> Result<Vec<QuestCard>, DbError> {
    let (sql, params) = query.sql();
    QuestCard::all(&db.query(&sql, &params).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stepped figures are the one statement's: quests of every status (NULL, unknown),
    /// turn (none, blank) and update time (calendar forms, epoch numbers and text, NULL, junk,
    /// a blob), the latest instant in a middle step; steps of 1, 2, 3 and 7 quests, and a file
    /// whose times are all unreadable (no quest stalled).
    #[test]
    fn summary_in_keyset_steps_is_the_one_statement_s() {
        use crate::native::NativeDb;
        use crate::port::Recording;
        let statuses = [
            "'working'",
            "'waiting'",
            "'reviewing'",
            "'completed'",
            "'failed'",
            "'timeout'",
            "NULL",
            "'odd'",
        ];
        let agents = ["'@a'", "NULL", "'  '", "'@b'", "''"];
        let times = [
            "'2025-03-01 10:00:00'",
            "1740826800",
            "1740826800.5",
            "'1740830400'",
            "'2025-03-02T08:00:00Z'",
            "NULL",
            "'not a date'",
            "X'3230'",
            "'2025-02-20 09:00'",
            "'now'",
            "'2025-01-05'",
        ];
        for readable in [true, false] {
            let db = NativeDb::open_bytes(&[]).unwrap();
            let mut sql = String::from(
                "CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY, status TEXT, current_agent TEXT, updated_at);\n",
            );
            let mut id = 0;
            for k in 0..40 {
                id += 1 + k % 3;
                let time = match (readable, k) {
                    // The latest instant, in a step of its own (neither the first nor the last).
                    (true, 17) => "'2025-03-09 12:00:00'",
                    (true, _) => times[k % times.len()],
                    (false, _) => ["NULL", "'junk'", "X'00'"][k % 3],
                };
                sql.push_str(&format!(
                    "INSERT INTO acolyte_quests VALUES ({id}, {}, {}, {time});\n",
                    statuses[k % statuses.len()],
                    agents[(k / 2) % agents.len()]
                ));
            }
            db.execute_batch_sync(&sql).unwrap();
            for hours in [0.0, 24.0, 24.0 * 30.0, 24.0 * 365.0] {
                let rs =
                    pollster::block_on(db.query(&summary_sql(), &[Value::Real(hours * 3600.0)])).unwrap();
                let whole = summary_row(&rs).unwrap().unwrap();
                assert!(whole.open > 0 && whole.waiting > 0, "{whole:?}");
                if readable && hours == 24.0 {
                    assert!(
                        whole.stalled > 0 && whole.stalled < whole.open,
                        "some open quests stalled: {whole:?}"
                    );
                }
                if !readable {
                    assert_eq!(whole.stalled, 0);
                }
                for step in [1, 2, 3, 7, usize::MAX] {
                    let rec = Recording::new(&db);
                    let stepped = pollster::block_on(summary_in_steps(&rec, hours, step)).unwrap();
                    assert_eq!(stepped, whole, "steps of {step}, {hours} h, readable {readable}");
                    let reads = rec.statements.borrow().iter().filter(|(s, _)| s.contains("AS open")).count();
                    assert_eq!(
                        reads,
                        if step == usize::MAX {
                            1
                        } else {
                            40usize.div_ceil(step) + usize::from(40 % step == 0)
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn a_page_is_reached_by_cursor_when_known_else_by_offset() {
        let q = QuestPageQuery::first(QuestFilter::default(), QuestSort::DEFAULT, 50);
        assert!(!q.sql().0.contains("OFFSET"));
        let deep = q.clone().at_page(3, None);
        assert!(deep.sql().0.contains("LIMIT 50 OFFSET 150"), "{}", deep.sql().0);
        let next = deep.at_page(4, Some(Cursor { key: Value::Real(1.7e9), id: 9 }));
        let (sql, params) = next.sql();
        assert!(sql.contains("quest_id) < (?, ?)") && !sql.contains("OFFSET"), "{sql}");
        assert_eq!(params, [Value::Real(1.7e9), Value::Integer(9)]);
    }

    #[test]
    fn pages_in_one_read_start_at_the_first_and_hold_all_of_them() {
        let q = QuestPageQuery::first(QuestFilter::default(), QuestSort::DEFAULT, 50);
        let two = q.clone().at_pages(3..5, None);
        assert!(two.sql().0.contains("LIMIT 100 OFFSET 150"), "{}", two.sql().0);
        let cursor = Cursor { key: Value::Real(1.7e9), id: 9 };
        let (sql, params) = q.clone().at_pages(4..6, Some(cursor.clone())).sql();
        assert!(
            sql.contains("quest_id) < (?, ?)") && sql.contains("LIMIT 100") && !sql.contains("OFFSET"),
            "{sql}"
        );
        assert_eq!(params, [Value::Real(1.7e9), Value::Integer(9)]);
        assert_eq!(q.clone().at_page(3, None).sql(), q.at_pages(3..4, None).sql());
    }

    #[test]
    fn words_are_escaped_as_python_writes_json() {
        assert_eq!(json_escaped("añadir"), "a\\u00f1adir");
        assert_eq!(json_escaped("say \"hi\" \\o/"), "say \\\"hi\\\" \\\\o/");
        assert_eq!(contains_pattern("50%_a!"), Value::from("%50!%!_a!!%"));
        assert_eq!(json_escaped("🙂"), "\\ud83d\\ude42");
        assert_eq!(json_escaped("plain"), "plain");
    }

    #[test]
    fn parameters_follow_the_marks() {
        let filter = QuestFilter {
            statuses: vec!["working".into(), "".into()],
            agent: Some("@a".into()),
            text: "jwt rotate".into(),
        };
        for (sql, params) in [
            filter.count_sql(),
            filter.status_counts_sql(),
            QuestPageQuery::first(filter.clone(), QuestSort::DEFAULT, 5).sql(),
        ] {
            assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
        }
        assert!(filter.count_sql().0.contains("OR status IS NULL"));
    }
}
