//! Flags: the tool's creation rules as a pure check, list queries with filters and keyset
//! paging, and the `get-workable-flags` preset.

use crate::long_text::{prefix_select, TextPrefix, LIST_PREFIX_CHARS};
use crate::table_export::ExportQuery;
use serde::{Deserialize, Serialize};

use super::port::{Database, DbError};
use super::value::{NamedRow, ResultSet, Value};
use super::vocabulary::{FlagColumn, Impact, Ranking, Status};

/// The flag types whose flags may be critical (v1 `validate_flag_consistency`).
pub const CRITICAL_TYPES: &[&str] = &["breaking_change", "security", "data_loss"];
/// The flag types whose flags may never be low.
pub const NEVER_LOW_TYPES: &[&str] = &["breaking_change", "security"];
pub const MIN_ACTION_REQUIRED: usize = 100;
pub const MIN_CHANGE_DESCRIPTION: usize = 50;

/// What a person is about to save.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlagDraft {
    pub flag_type: String,
    pub source_agent: String,
    pub target_agent: String,
    pub change_description: String,
    pub action_required: String,
    pub impact_level: String,
}

/// A rule of agent_db.py or of the v1 triggers that a draft breaks. `Display` gives the tool's
/// own message, so what the editor says is what the tool would say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RuleViolation {
    ActionRequiredTooShort { length: usize },
    ChangeDescriptionTooShort { length: usize },
    HighImpactNeedsTarget,
    CriticalOnlyForSevereTypes,
    LowNotForBreakingOrSecurity,
}

impl std::fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleViolation::ActionRequiredTooShort { length } => write!(
                f,
                "action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed. ({length}/100)"
            ),
            RuleViolation::ChangeDescriptionTooShort { length } => write!(
                f,
                "change_description must be at least 50 characters. Describe what changed and why. ({length}/50)"
            ),
            RuleViolation::HighImpactNeedsTarget => {
                write!(f, "High/critical impact flags must have specific target_agent specified.")
            }
            RuleViolation::CriticalOnlyForSevereTypes => {
                write!(f, "Critical flags must be breaking changes, security issues, or data loss scenarios")
            }
            RuleViolation::LowNotForBreakingOrSecurity => {
                write!(f, "Breaking changes and security issues cannot have low impact level")
            }
        }
    }
}

/// Characters as Python's `len()` and SQLite's `LENGTH()` count them (code points).
pub fn text_length(s: &str) -> usize {
    s.chars().count()
}

/// Every rule the draft breaks, in the order the tool checks them: its own length checks and
/// target check (an empty target counts as none, as in Python), then the v1 consistency trigger
/// (which v0 files do not have, hence `consistency`).
pub fn validate(draft: &FlagDraft, consistency: bool) -> Vec<RuleViolation> {
    let mut out = Vec::new();
    let action = text_length(&draft.action_required);
    if action < MIN_ACTION_REQUIRED {
        out.push(RuleViolation::ActionRequiredTooShort { length: action });
    }
    let change = text_length(&draft.change_description);
    if change < MIN_CHANGE_DESCRIPTION {
        out.push(RuleViolation::ChangeDescriptionTooShort { length: change });
    }
    let level = draft.impact_level.as_str();
    if draft.target_agent.is_empty() && matches!(level, "high" | "critical") {
        out.push(RuleViolation::HighImpactNeedsTarget);
    }
    if consistency {
        if level == "critical" && !CRITICAL_TYPES.contains(&draft.flag_type.as_str()) {
            out.push(RuleViolation::CriticalOnlyForSevereTypes);
        }
        if level == "low" && NEVER_LOW_TYPES.contains(&draft.flag_type.as_str()) {
            out.push(RuleViolation::LowNotForBreakingOrSecurity);
        }
    }
    out
}

/// agent_db.py puts an `@` in front of agent names that lack one (empty stays empty).
pub fn with_at(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name.starts_with('@') {
        name.to_owned()
    } else {
        format!("@{name}")
    }
}

/// One target of `get-workable-flags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkableGroup {
    pub target_agent: String,
    pub workable_flags: i64,
    /// What the tool reports: `MAX(impact_level)` on the text, the alphabetically largest.
    pub tool_highest_priority: String,
    /// The most severe level actually present.
    pub most_severe: String,
}

/// `get-workable-flags`: pending, unlocked flags with a non-NULL target (the empty broadcast
/// target included), grouped by target, most flags first; ties by target name (the tool leaves
/// them unordered).
pub async fn workable_groups<D: Database>(db: &D) -> Result<Vec<WorkableGroup>, DbError> {
    let rs = db
        .query(
            &format!(
                "SELECT target_agent, COUNT(*) AS n, MAX(impact_level) AS tool_highest, MIN({}) AS severity FROM flags \
                 WHERE status = 'pending' AND locked = 0 AND target_agent IS NOT NULL \
                 GROUP BY target_agent ORDER BY COUNT(*) DESC, target_agent",
                Impact::rank_sql(Ranking::Severity)
            ),
            &[],
        )
        .await?;
    rs.map_rows(|r| {
        let most_severe =
            r.opt_i64("severity")?.and_then(Impact::from_severity_rank).map_or("other", Impact::sql);
        Ok(WorkableGroup {
            target_agent: r.text("target_agent")?,
            workable_flags: r.i64("n")?,
            tool_highest_priority: r.text("tool_highest")?,
            most_severe: most_severe.to_owned(),
        })
    })
}

/// The columns a listed flag shows ([`FlagRow`]), in SELECT order.
pub const LIST_COLUMNS: [FlagColumn; 11] = [
    FlagColumn::Id,
    FlagColumn::FlagType,
    FlagColumn::SourceAgent,
    FlagColumn::TargetAgent,
    FlagColumn::ChangeDescription,
    FlagColumn::ImpactLevel,
    FlagColumn::Status,
    FlagColumn::Locked,
    FlagColumn::CreatedAt,
    FlagColumn::CompletedAt,
    FlagColumn::ChainOriginId,
];

/// A flag as every list shows it (the flag list, an agent's flags, the routing page). Built
/// only by [`FlagRow::from_row`], by column name. Free text is a prefix fetched in SQL
/// ([`LIST_PREFIX_CHARS`] characters, with the whole length), so a huge cell costs a list what
/// a short one costs.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRow {
    pub id: i64,
    /// The value the flag list sorted by (`sort_key` of [`FlagPageQuery::sql`]), for the next
    /// page's cursor; NULL where the query has none.
    pub sort_key: Value,
    pub flag_type: String,
    pub source_agent: String,
    /// `None` for NULL; `Some("")` is the broadcast target.
    pub target_agent: Option<String>,
    /// The first [`LIST_PREFIX_CHARS`] characters of change_description (empty for NULL).
    pub change_description: String,
    /// Characters of the whole change_description (SQLite's `length()`; bytes for a BLOB).
    pub change_description_length: usize,
    pub impact_level: Option<String>,
    /// NULL reads as `Status::Other("")`.
    pub status: Status,
    pub locked: bool,
    pub created_at: String,
    pub completed_at: Option<String>,
    pub chain_origin_id: Option<i64>,
}

impl FlagRow {
    /// The SELECT list of [`LIST_COLUMNS`]: change_description as its prefix and its length
    /// ([`prefix_select`]).
    pub fn select_list() -> String {
        Self::columns_sql(&LIST_COLUMNS)
    }

    /// `columns` as a SELECT list, free text cut to its list prefix.
    fn columns_sql(columns: &[FlagColumn]) -> String {
        columns
            .iter()
            .map(|c| match c {
                FlagColumn::ChangeDescription => prefix_select(c.sql(), LIST_PREFIX_CHARS),
                other => other.sql().to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads a row holding [`LIST_COLUMNS`] (and optionally `sort_key`) by name. Errors: a
    /// column missing from the result.
    pub fn from_row(r: &NamedRow<'_>) -> Result<FlagRow, DbError> {
        use FlagColumn as C;
        let change = TextPrefix::from_row(r, C::ChangeDescription.sql())?;
        Ok(FlagRow {
            id: r.i64(C::Id.sql())?,
            sort_key: r.get("sort_key").cloned().unwrap_or(Value::Null),
            flag_type: r.text(C::FlagType.sql())?,
            source_agent: r.text(C::SourceAgent.sql())?,
            target_agent: r.opt_text(C::TargetAgent.sql())?,
            change_description: change.text,
            change_description_length: change.length,
            impact_level: r.opt_text(C::ImpactLevel.sql())?,
            status: Status::parse(&r.text(C::Status.sql())?),
            locked: r.flag(C::Locked.sql())?,
            created_at: r.text(C::CreatedAt.sql())?,
            completed_at: r.opt_text(C::CompletedAt.sql())?,
            chain_origin_id: r.opt_i64(C::ChainOriginId.sql())?,
        })
    }

    /// Whether [`FlagRow::change_description`] is only the start of the stored text.
    pub fn change_description_is_cut(&self) -> bool {
        self.change_description_length > self.change_description.chars().count()
    }

    /// Every row of a result, by name.
    pub fn all(rs: &ResultSet) -> Result<Vec<FlagRow>, DbError> {
        rs.map_rows(FlagRow::from_row)
    }
}

/// A column the flag list can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    Id,
    CreatedAt,
    CompletedAt,
    Impact,
    FlagType,
    Source,
    Target,
    Status,
    /// `get-pending-flags` order: critical, high, medium, the rest; then created_at (one text
    /// key, so keyset paging works on it).
    ToolOrder,
}

impl SortColumn {
    /// Every sort the list offers.
    pub const ALL: [SortColumn; 9] = [
        SortColumn::Id,
        SortColumn::CreatedAt,
        SortColumn::CompletedAt,
        SortColumn::Impact,
        SortColumn::FlagType,
        SortColumn::Source,
        SortColumn::Target,
        SortColumn::Status,
        SortColumn::ToolOrder,
    ];

    /// The column it sorts by ([`SortColumn::ToolOrder`]: the impact level).
    pub fn column(self) -> FlagColumn {
        match self {
            SortColumn::Id => FlagColumn::Id,
            SortColumn::CreatedAt => FlagColumn::CreatedAt,
            SortColumn::CompletedAt => FlagColumn::CompletedAt,
            SortColumn::Impact | SortColumn::ToolOrder => FlagColumn::ImpactLevel,
            SortColumn::FlagType => FlagColumn::FlagType,
            SortColumn::Source => FlagColumn::SourceAgent,
            SortColumn::Target => FlagColumn::TargetAgent,
            SortColumn::Status => FlagColumn::Status,
        }
    }

    /// The SQL expression the list sorts by (over `flags`' own column names).
    pub fn sql(self) -> &'static str {
        static TOOL_ORDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        match self {
            SortColumn::ToolOrder => TOOL_ORDER
                .get_or_init(|| format!("({} || IFNULL(created_at, ''))", Impact::rank_sql(Ranking::Tool))),
            SortColumn::Id => "id",
            SortColumn::CreatedAt => "IFNULL(created_at, '')",
            SortColumn::CompletedAt => "IFNULL(completed_at, '')",
            SortColumn::Impact => Impact::rank_sql(Ranking::Severity),
            SortColumn::FlagType => "IFNULL(flag_type, '')",
            SortColumn::Source => "IFNULL(source_agent, '')",
            SortColumn::Target => "IFNULL(target_agent, '')",
            SortColumn::Status => "IFNULL(status, '')",
        }
    }
}

/// The list's one-click starting points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Preset {
    /// `get-pending-flags`: pending flags in the tool's order.
    Pending,
    /// `get-workable-flags`: pending and unlocked, grouped by target.
    Workable,
    /// Every flag, newest first.
    All,
}

impl Preset {
    /// Every preset, in the order the list's buttons show them.
    pub const ALL: [Preset; 3] = [Preset::Pending, Preset::Workable, Preset::All];

    /// The preset's name, as its button carries it (`data-preset`) for the list to read.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Pending => "pending",
            Preset::Workable => "workable",
            Preset::All => "all",
        }
    }

    /// The preset button's `data-testid` (a test hook, never read by the app).
    pub fn test_id(self) -> &'static str {
        match self {
            Preset::Pending => "preset-pending",
            Preset::Workable => "preset-workable",
            Preset::All => "preset-all",
        }
    }

    pub fn filter(self) -> FlagFilter {
        let pending = vec![Status::Pending.sql().to_owned()];
        match self {
            Preset::Pending => FlagFilter { status: pending, ..Default::default() },
            Preset::Workable => FlagFilter { status: pending, locked: Some(false), ..Default::default() },
            Preset::All => FlagFilter::default(),
        }
    }

    /// Sort column and whether it runs descending.
    pub fn sort(self) -> (SortColumn, bool) {
        match self {
            Preset::Pending => (SortColumn::ToolOrder, false),
            Preset::Workable => (SortColumn::Target, false),
            Preset::All => (SortColumn::CreatedAt, true),
        }
    }
}

/// Filters combined with AND; each list is OR within itself. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlagFilter {
    pub status: Vec<String>,
    pub impact: Vec<String>,
    pub flag_type: Vec<String>,
    pub source: Vec<String>,
    pub target: Vec<String>,
    pub locked: Option<bool>,
    /// Inclusive bounds compared as text in the tool's `YYYY-MM-DD HH:MM` format.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub completed_from: Option<String>,
    pub completed_to: Option<String>,
    /// Words that must all occur (case-insensitively for ASCII) in change_description,
    /// action_required, related_files, code_location or notes.
    pub text: Option<String>,
    /// Only flags no known agent will pick up (the routing check): `target_agent` NULL, empty,
    /// or none of these names (the agents a file knows, [`crate::agents::known_targets`]),
    /// compared as `target_agent NOT IN (…)` compares them, so a NULL among the names keeps
    /// only the NULL and empty targets. Part of the target facet (left out of its counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unrouted: Option<Vec<Value>>,
}

/// The facets of [`FlagFilter`] that have per-value counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Facet {
    Status,
    Impact,
    FlagType,
    Source,
    Target,
    Locked,
}

/// The facets the flag list shows with per-value counts, in the order it shows them.
pub const SHOWN_FACETS: [Facet; 5] =
    [Facet::Status, Facet::Impact, Facet::FlagType, Facet::Target, Facet::Source];

impl Facet {
    /// The facet's name on the page (also its `data-facet` hook).
    pub fn label(self) -> &'static str {
        match self {
            Facet::Status => "Status",
            Facet::Impact => "Impact",
            Facet::FlagType => "Type",
            Facet::Target => "Target",
            Facet::Source => "Source",
            Facet::Locked => "Locked",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Facet::Status => "status",
            Facet::Impact => "impact_level",
            Facet::FlagType => "flag_type",
            Facet::Source => "source_agent",
            Facet::Target => "target_agent",
            Facet::Locked => "locked",
        }
    }
}

fn in_list(column: &str, values: &[String], sql: &mut Vec<String>, params: &mut Vec<Value>) {
    if values.is_empty() {
        return;
    }
    let marks = vec!["?"; values.len()].join(", ");
    sql.push(format!("{column} IN ({marks})"));
    params.extend(values.iter().map(|v| Value::from(v.as_str())));
}

impl FlagFilter {
    /// The selected values of a list facet (`locked` is a yes/no choice, not a list).
    pub fn values_mut(&mut self, facet: Facet) -> Option<&mut Vec<String>> {
        match facet {
            Facet::Status => Some(&mut self.status),
            Facet::Impact => Some(&mut self.impact),
            Facet::FlagType => Some(&mut self.flag_type),
            Facet::Target => Some(&mut self.target),
            Facet::Source => Some(&mut self.source),
            Facet::Locked => None,
        }
    }

    pub fn has_value(&self, facet: Facet, value: &str) -> bool {
        let values = match facet {
            Facet::Status => &self.status,
            Facet::Impact => &self.impact,
            Facet::FlagType => &self.flag_type,
            Facet::Target => &self.target,
            Facet::Source => &self.source,
            Facet::Locked => return false,
        };
        values.iter().any(|v| v == value)
    }

    /// Ticking a facet value adds it, ticking it again removes it.
    pub fn toggle(&mut self, facet: Facet, value: &str) {
        let Some(values) = self.values_mut(facet) else { return };
        match values.iter().position(|v| v == value) {
            Some(i) => {
                values.remove(i);
            }
            None => values.push(value.to_owned()),
        }
    }

    /// The text box: blank means no text filter.
    pub fn set_text(&mut self, text: &str) {
        self.text = (!text.trim().is_empty()).then(|| text.to_owned());
    }

    /// `WHERE` conditions and their parameters, leaving out one facet (for its counts).
    fn conditions(&self, except: Option<Facet>) -> (Vec<String>, Vec<Value>) {
        let mut sql = Vec::new();
        let mut params = Vec::new();
        let skip = |f: Facet| except == Some(f);
        if !skip(Facet::Status) {
            in_list("status", &self.status, &mut sql, &mut params);
        }
        if !skip(Facet::Impact) {
            in_list("impact_level", &self.impact, &mut sql, &mut params);
        }
        if !skip(Facet::FlagType) {
            in_list("flag_type", &self.flag_type, &mut sql, &mut params);
        }
        if !skip(Facet::Source) {
            in_list("source_agent", &self.source, &mut sql, &mut params);
        }
        if !skip(Facet::Target) {
            in_list("target_agent", &self.target, &mut sql, &mut params);
            if let Some(names) = &self.unrouted {
                let marks = vec!["?"; names.len()].join(", ");
                sql.push(format!(
                    "(target_agent IS NULL OR target_agent = '' OR target_agent NOT IN ({marks}))"
                ));
                params.extend(names.iter().cloned());
            }
        }
        if let (Some(locked), false) = (self.locked, skip(Facet::Locked)) {
            sql.push(if locked { "locked = 1".into() } else { "locked = 0".into() });
        }
        for (column, op, bound) in [
            ("created_at", ">=", &self.created_from),
            ("created_at", "<=", &self.created_to),
            ("completed_at", ">=", &self.completed_from),
            ("completed_at", "<=", &self.completed_to),
        ] {
            if let Some(bound) = bound {
                sql.push(format!("{column} {op} ?"));
                params.push(Value::from(bound.as_str()));
            }
        }
        if let Some(text) = &self.text {
            for word in text.split_whitespace() {
                // instr() finds the word literally: no LIKE wildcards to escape.
                sql.push(
                    "instr(lower(IFNULL(change_description, '') || ' ' || IFNULL(action_required, '') || ' ' || \
                     IFNULL(related_files, '') || ' ' || IFNULL(code_location, '') || ' ' || IFNULL(notes, '')), lower(?)) > 0"
                        .into(),
                );
                params.push(Value::from(word));
            }
        }
        (sql, params)
    }

    /// How many flags pass the filter.
    pub fn count_sql(&self) -> (String, Vec<Value>) {
        let (where_sql, params) = self.where_clause(None);
        (format!("SELECT count(*) FROM flags{where_sql}"), params)
    }

    /// Every column of every flag the filter keeps, in the list's order (CSV and JSON export).
    /// What *Export CSV / JSON* writes: every column of `flags` (`columns`, in the table's
    /// order, from [`SchemaFacts`](crate::schema::SchemaFacts)) of the flags this filter keeps,
    /// in the list's order (`sort`, then id, both `descending` or not).
    pub fn export_query(&self, columns: Vec<String>, sort: SortColumn, descending: bool) -> ExportQuery {
        let (where_sql, params) = self.where_clause(None);
        let dir = if descending { "DESC" } else { "ASC" };
        ExportQuery {
            table: "flags".to_owned(),
            columns,
            where_sql,
            order_by: format!("{} {dir}, id {dir}", sort.sql()),
            params,
        }
    }

    fn where_clause(&self, except: Option<Facet>) -> (String, Vec<Value>) {
        let (conditions, params) = self.conditions(except);
        if conditions.is_empty() {
            (String::new(), params)
        } else {
            (format!(" WHERE {}", conditions.join(" AND ")), params)
        }
    }
}

/// Where the previous page ended: the sort value and the id of its last row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: Value,
    pub id: i64,
}

/// One page of the flag list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagPageQuery {
    pub filter: FlagFilter,
    pub sort: SortColumn,
    pub descending: bool,
    pub after: Option<Cursor>,
    /// Rows skipped (after the cursor, when there is one). Reaches a page whose predecessor is
    /// not loaded without reading the pages before it.
    pub offset: usize,
    pub limit: usize,
}

impl FlagPageQuery {
    /// The first page of `limit` rows.
    pub fn first(filter: FlagFilter, (sort, descending): (SortColumn, bool), limit: usize) -> Self {
        FlagPageQuery { filter, sort, descending, after: None, offset: 0, limit }
    }

    /// The same list at page `page`: right after `previous` (the last row of page - 1) when the
    /// caller has it, the cheap keyset step; otherwise by OFFSET from the start, so a jump deep
    /// into the list costs one query instead of one per page before it.
    pub fn at_page(mut self, page: usize, previous: Option<Cursor>) -> Self {
        self.offset = if previous.is_some() { 0 } else { page * self.limit };
        self.after = previous;
        self
    }

    /// SQL and parameters: keyset paging on (sort key, id), so every page costs the same however
    /// deep it is, or OFFSET for a page reached without its predecessor; (sort key, id) is a
    /// total order, so both give the same rows. Each row is `id`, then the sort key (`sort_key`),
    /// then the rest of [`LIST_COLUMNS`] (change_description as its first [`LIST_PREFIX_CHARS`]
    /// characters and its whole length, [`FlagRow::select_list`]): read it with [`FlagRow::all`].
    pub fn sql(&self) -> (String, Vec<Value>) {
        self.select_sql(&format!(", {}", FlagRow::columns_sql(&LIST_COLUMNS[1..])), "flags")
    }

    /// The same page's ids and sort keys (`id`, `sort_key`) from `table`, a table holding the
    /// filter and sort columns of `flags` under their names: what a derived layer held in SQL
    /// (TEMP tables with an index per order) answers; the bench runs it on raw sql.js next to
    /// the app's layer. `table` is put in the statement as written.
    pub fn ids_sql(&self, table: &str) -> (String, Vec<Value>) {
        self.select_sql("", table)
    }

    /// `SELECT id, {key} AS sort_key{columns} FROM {table}` with the page's conditions, order
    /// and bounds.
    fn select_sql(&self, columns: &str, table: &str) -> (String, Vec<Value>) {
        let (mut conditions, mut params) = self.filter.conditions(None);
        let key = self.sort.sql();
        let (cmp, dir) = if self.descending { ("<", "DESC") } else { (">", "ASC") };
        if let Some(cursor) = &self.after {
            conditions.push(format!("({key}, id) {cmp} (?, ?)"));
            params.push(cursor.key.clone());
            params.push(Value::Integer(cursor.id));
        }
        let where_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        (
            format!(
                "SELECT id, {key} AS sort_key{columns} FROM {table}{where_sql} ORDER BY {key} {dir}, id {dir} LIMIT {}{}",
                self.limit,
                if self.offset > 0 { format!(" OFFSET {}", self.offset) } else { String::new() }
            ),
            params,
        )
    }
}

impl FlagPageQuery {
    /// The rows of a page whose ids the flag list's derived layer gave
    /// ([`FlagIndex::page`](crate::flag_index::FlagIndex::page)): the same columns as
    /// [`FlagPageQuery::sql`] (`sort_key` included), read by rowid, in the same order (the
    /// same `ORDER BY`), so [`FlagRow::all`] reads them as it reads that statement's.
    pub fn rows_sql(&self, ids: &[i64]) -> (String, Vec<Value>) {
        let key = self.sort.sql();
        let dir = if self.descending { "DESC" } else { "ASC" };
        let marks = vec!["?"; ids.len()].join(", ");
        (
            format!(
                "SELECT id, {key} AS sort_key, {} FROM flags WHERE id IN ({marks}) ORDER BY {key} {dir}, id {dir}",
                FlagRow::columns_sql(&LIST_COLUMNS[1..]),
            ),
            ids.iter().map(|id| Value::Integer(*id)).collect(),
        )
    }
}

/// The statement behind [`facet_counts`]: rows of (value, count), most frequent first.
pub fn facet_sql(filter: &FlagFilter, facet: Facet) -> (String, Vec<Value>) {
    let (where_sql, params) = filter.where_clause(Some(facet));
    let column = facet.column();
    let sql = format!(
        "SELECT {column} AS value, COUNT(*) AS n FROM flags{where_sql} GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
    );
    (sql, params)
}

/// Count of flags per value of a facet, under every other filter (so a person sees what each
/// choice would give).
pub async fn facet_counts<D: Database>(
    db: &D,
    filter: &FlagFilter,
    facet: Facet,
) -> Result<Vec<(Value, i64)>, DbError> {
    let (sql, params) = facet_sql(filter, facet);
    let rs = db.query(&sql, &params).await?;
    rs.map_rows(|r| Ok((r.get("value")?.clone(), r.i64("n")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(level: &str, kind: &str, target: &str, change: usize, action: usize) -> FlagDraft {
        FlagDraft {
            flag_type: kind.into(),
            source_agent: "@a".into(),
            target_agent: target.into(),
            change_description: "c".repeat(change),
            action_required: "a".repeat(action),
            impact_level: level.into(),
        }
    }

    #[test]
    fn each_rule_of_the_tool_is_checked() {
        assert!(validate(&draft("medium", "change", "@b", 50, 100), true).is_empty());
        assert_eq!(
            validate(&draft("medium", "change", "@b", 49, 99), true),
            [
                RuleViolation::ActionRequiredTooShort { length: 99 },
                RuleViolation::ChangeDescriptionTooShort { length: 49 }
            ]
        );
        assert_eq!(
            validate(&draft("high", "change", "", 50, 100), true),
            [RuleViolation::HighImpactNeedsTarget]
        );
        assert_eq!(
            validate(&draft("critical", "change", "@b", 50, 100), true),
            [RuleViolation::CriticalOnlyForSevereTypes]
        );
        assert!(validate(&draft("critical", "data_loss", "@b", 50, 100), true).is_empty());
        assert_eq!(
            validate(&draft("low", "security", "@b", 50, 100), true),
            [RuleViolation::LowNotForBreakingOrSecurity]
        );
        // v0 has no consistency trigger.
        assert!(validate(&draft("low", "security", "@b", 50, 100), false).is_empty());
        // Lengths count characters, not bytes.
        let mut d = draft("medium", "change", "@b", 0, 100);
        d.change_description = "ü".repeat(50);
        assert!(validate(&d, true).is_empty());
    }

    #[test]
    fn facet_ticks_and_the_text_box_edit_the_filter() {
        let mut f = Preset::Pending.filter();
        f.toggle(Facet::Impact, "critical");
        f.toggle(Facet::Status, "pending");
        assert!(f.has_value(Facet::Impact, "critical") && f.status.is_empty());
        f.toggle(Facet::Impact, "critical");
        f.toggle(Facet::Locked, "1");
        assert_eq!(f, FlagFilter::default());
        f.set_text("  ");
        assert_eq!(f.text, None);
        f.set_text("jwt rotate");
        assert_eq!(f.text.as_deref(), Some("jwt rotate"));
    }

    #[test]
    fn a_page_is_reached_by_cursor_when_known_else_by_offset() {
        let q = FlagPageQuery::first(FlagFilter::default(), Preset::All.sort(), 200);
        assert!(!q.sql().0.contains("OFFSET"));
        let deep = q.clone().at_page(7, None);
        assert!(deep.sql().0.ends_with("LIMIT 200 OFFSET 1400"), "{}", deep.sql().0);
        let next = deep.at_page(8, Some(Cursor { key: Value::from("2025-01-01 00:00"), id: 9 }));
        let (sql, params) = next.sql();
        assert!(sql.ends_with("LIMIT 200") && sql.contains("(IFNULL(created_at, ''), id) < (?, ?)"), "{sql}");
        assert_eq!(params, [Value::from("2025-01-01 00:00"), Value::Integer(9)]);
    }

    #[test]
    fn agent_names_get_the_tools_at_sign() {
        assert_eq!(with_at("backend.api"), "@backend.api");
        assert_eq!(with_at("@backend.api"), "@backend.api");
        assert_eq!(with_at(""), "");
    }
}

/// Every column of one flag, by name, in table order (both generations share the table).
#[derive(Debug, Clone, PartialEq)]
pub struct FlagDetail {
    pub id: i64,
    pub columns: Vec<(String, Value)>,
    /// The chain this flag belongs to: its origin (when the origin row exists) and every
    /// follow-up naming that origin, oldest first. Empty when the flag is in no chain.
    pub chain: Vec<ChainLink>,
    /// The origin id the flag's chain names, when that row is missing from the file.
    pub missing_origin: Option<i64>,
    /// The columns [`flag_detail_preview`] cut to a prefix, with the length of the whole value
    /// (characters; bytes for a BLOB), in table order. Empty for [`flag_detail`].
    pub cut: Vec<(String, usize)>,
}

impl FlagDetail {
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.columns.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    /// The length of the whole value of `column` when [`flag_detail_preview`] cut it.
    pub fn cut_length(&self, column: &str) -> Option<usize> {
        self.cut.iter().find(|(c, _)| c == column).map(|(_, n)| *n)
    }
}

/// One flag of a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLink {
    pub id: i64,
    pub is_origin: bool,
    pub source_agent: String,
    pub target_agent: String,
    pub status: String,
    pub created_at: String,
}

/// Reads one flag, every column whole (the edit form starts from it), and its chain.
/// `chain_origin_id` always names the first flag, so the chain is one level deep: the origin
/// and the rows naming it. Nothing is followed recursively, so a row naming itself or a cycle
/// cannot loop.
pub async fn flag_detail<D: Database>(db: &D, id: i64) -> Result<Option<FlagDetail>, DbError> {
    let rs = db.query("SELECT * FROM flags WHERE id = ?", &[Value::Integer(id)]).await?;
    let Some(row) = rs.rows.first() else { return Ok(None) };
    let columns: Vec<(String, Value)> = rs.columns.iter().cloned().zip(row.iter().cloned()).collect();
    with_chain(db, id, columns, Vec::new()).await.map(Some)
}

/// The alias of the whole length of a column [`flag_detail_preview`] cut.
fn cut_alias(column: &str) -> String {
    format!("{column}#length")
}

/// The statement behind [`flag_detail_preview`] for the table's `columns` (names as the schema
/// gives them): every TEXT or BLOB value longer than `chars` is cut to its first `chars`
/// characters (bytes for a BLOB) by SQLite, and its whole length comes as `COLUMN#length`
/// (NULL when not cut); other values come as stored. One parameter: the flag's id.
pub fn flag_preview_sql(columns: &[String], chars: usize) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let list: Vec<String> = columns
        .iter()
        .map(|c| {
            let (q, long) = (quote(c), format!("typeof({0}) IN ('text', 'blob') AND length({0}) > {chars}", quote(c)));
            format!(
                "CASE WHEN {long} THEN substr({q}, 1, {chars}) ELSE {q} END AS {q}, CASE WHEN {long} THEN length({q}) END AS {}",
                quote(&cut_alias(c))
            )
        })
        .collect();
    format!("SELECT {} FROM flags WHERE id = ?", list.join(", "))
}

/// Reads one flag for the detail page: like [`flag_detail`], but each text longer than `chars`
/// characters arrives as its prefix ([`flag_preview_sql`]), with its whole length in
/// [`FlagDetail::cut`]; the whole value is read on demand
/// ([`flag_cell`](crate::long_text::flag_cell)). So a flag with a cell of millions of
/// characters opens as fast as any other. Errors: the engine's.
pub async fn flag_detail_preview<D: Database>(
    db: &D,
    id: i64,
    chars: usize,
) -> Result<Option<FlagDetail>, DbError> {
    let names = db.query("SELECT name FROM pragma_table_info('flags') ORDER BY cid", &[]).await?;
    let names = names.map_rows(|r| r.text("name"))?;
    let rs = db.query(&flag_preview_sql(&names, chars), &[Value::Integer(id)]).await?;
    let Some(columns): Option<Vec<(String, Value)>> =
        rs.map_first(|r| names.iter().map(|c| Ok((c.clone(), r.get(c)?.clone()))).collect())?
    else {
        return Ok(None);
    };
    let cut = rs
        .map_first(|r| {
            let mut cut = Vec::new();
            for c in &names {
                if let Some(n) = r.opt_i64(&cut_alias(c))? {
                    cut.push((c.clone(), n.max(0) as usize));
                }
            }
            Ok(cut)
        })?
        .unwrap_or_default();
    // A BLOB's start was cut in bytes: a partial last character is dropped, so the start of a
    // text stored as BLOB still reads as text (`whole_chars`).
    let columns = columns
        .into_iter()
        .map(
            |(c, v)| {
                if cut.iter().any(|(k, _)| *k == c) {
                    (c, crate::value::whole_chars(v))
                } else {
                    (c, v)
                }
            },
        )
        .collect();
    with_chain(db, id, columns, cut).await.map(Some)
}

/// The flag's chain added to its `columns` (see [`flag_detail`]).
async fn with_chain<D: Database>(
    db: &D,
    id: i64,
    columns: Vec<(String, Value)>,
    cut: Vec<(String, usize)>,
) -> Result<FlagDetail, DbError> {
    let own_origin = columns.iter().find(|(c, _)| c == "chain_origin_id").and_then(|(_, v)| v.as_i64());
    let origin = own_origin.unwrap_or(id);
    let links = db
        .query(
            "SELECT id, id = ?1 AS is_origin, source_agent, IFNULL(target_agent, '') AS target_agent, \
             IFNULL(status, '') AS status, IFNULL(created_at, '') AS created_at \
             FROM flags WHERE id = ?1 OR chain_origin_id = ?1 ORDER BY id = ?1 DESC, created_at, id",
            &[Value::Integer(origin)],
        )
        .await?;
    let chain: Vec<ChainLink> = links.map_rows(|r| {
        Ok(ChainLink {
            id: r.i64("id")?,
            is_origin: r.opt_i64("is_origin")? == Some(1),
            source_agent: r.text("source_agent")?,
            target_agent: r.text("target_agent")?,
            status: r.text("status")?,
            created_at: r.text("created_at")?,
        })
    })?;
    let missing_origin = own_origin.filter(|o| !chain.iter().any(|l| l.id == *o));
    let chain = if chain.len() > 1 || missing_origin.is_some() { chain } else { Vec::new() };
    Ok(FlagDetail { id, columns, chain, missing_origin, cut })
}
