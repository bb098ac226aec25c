//! The executive dashboard: flag KPIs, tool latency and errors, agent health, quest KPIs
//! (Acolytes 2.x, [`quests`]), forecasts,
//! capacity with a growth what-if, and performance budgets. Every figure is an SQL aggregate
//! (run where the database lives: the sql.js worker in the browser) followed by a little
//! arithmetic here; the definitions are in [`definitions`] so the UI shows them on hover.

pub mod attention;
pub mod capacity;
pub mod coverage;
pub mod first;
pub mod flaglog;
pub mod hooks;
pub mod imagescan;
pub mod outliers;
pub mod quests;
pub mod saved;
pub mod share;
pub mod slots;
pub mod stats;
pub mod toollog;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use self::capacity::{Capacity, Forecast, ToolLoad};
use self::coverage::Coverage;
use self::flaglog::FlagLog;
use self::hooks::HookKpis;
use self::outliers::{Activity, Outliers};
use self::quests::{QuestKpis, QuestRun};
use self::slots::{table_rows, Slot};
use self::stats::{parse_day, parse_minute, rank_sql};
use self::toollog::ToolLog;
use super::agents::misrouted_sql;
use super::port::{Database, DbError};
use super::schema::{detect, SchemaFacts};
use super::value::Value;
use super::vocabulary::Impact;
use crate::calendar::{minute_text, MINUTES_PER_DAY};
use crate::units::{figure, Unit};

/// The time range the range-dependent figures cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Range {
    /// The last N days up to "as of".
    Days(u32),
    /// From the earliest activity in the file to "as of", outliers left out (see
    /// [`outliers::RULE`]).
    All,
    /// All time including outliers: from the earliest readable timestamp to the latest (or
    /// "as of" when later), placeholder dates included on purpose.
    Everything,
    /// Whole days, `YYYY-MM-DD` both included.
    Custom { from: String, to: String },
}

/// The moment ages and "last N days" count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsOf {
    /// The latest activity in the file (flags, tool calls, health checks, quests), outliers
    /// left out ([`outliers::RULE`]): fixtures and old files would otherwise read as months
    /// idle, and a placeholder such as 2099-12-31 would make every age negative.
    Latest,
    /// The wall clock.
    Now,
}

/// Release gates the user sets; `None` switches a gate off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budgets {
    pub tool_p95_ms: Option<f64>,
    pub error_rate_pct: Option<f64>,
    pub critical_pending_max: Option<i64>,
    pub lead_time_p90_hours: Option<f64>,
    pub utilisation_max: Option<f64>,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            tool_p95_ms: Some(30_000.0),
            error_rate_pct: Some(5.0),
            critical_pending_max: Some(0),
            lead_time_p90_hours: Some(72.0),
            utilisation_max: Some(0.8),
        }
    }
}

/// Everything a person sets on the dashboard (the sharing issue carries it in links).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardState {
    pub range: Range,
    pub as_of: AsOf,
    pub target: Option<String>,
    pub flag_type: Option<String>,
    pub tool: Option<String>,
    /// Forecast horizon in days (30 or 90).
    pub horizon_days: u32,
    /// The what-if: inflow (flags and tool calls) + this share (3.0 = +300 %).
    pub growth: f64,
    /// Tool calls per hour the system can take, for the tool-load what-if.
    pub tool_capacity_per_hour: Option<f64>,
    pub budgets: Budgets,
    /// Hours an open quest's holder may keep the turn before the quest counts as stalled
    /// (links and saved dashboards made before it existed read as the default, 24).
    #[serde(default = "default_stall_after_hours")]
    pub stall_after_hours: f64,
}

fn default_stall_after_hours() -> f64 {
    quests::DEFAULT_STALL_AFTER_HOURS
}

impl Default for DashboardState {
    fn default() -> Self {
        DashboardState {
            range: Range::All,
            as_of: AsOf::Latest,
            target: None,
            flag_type: None,
            tool: None,
            horizon_days: 30,
            growth: 0.0,
            tool_capacity_per_hour: None,
            budgets: Budgets::default(),
            stall_after_hours: quests::DEFAULT_STALL_AFTER_HOURS,
        }
    }
}

/// The resolved time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Window {
    /// `YYYY-MM-DD HH:MM`.
    pub as_of: String,
    pub start: String,
    pub end: String,
    /// First and last day whose data is complete in the window (day numbers).
    pub first_day: i64,
    pub last_day: i64,
    /// The slot of the series (`daily` of flags and tools): a day up to
    /// [`slots::MAX_SLOTS`] days, longer for longer windows. Links made before it read as days.
    #[serde(default)]
    pub slot: Slot,
    /// Outliers and unreadable timestamps of the file, for the notice (absent from the JSON
    /// when there are none, so links of clean files stay as they were).
    #[serde(default, skip_serializing_if = "Outliers::is_empty")]
    pub outliers: Outliers,
}

impl Window {
    pub fn days(&self) -> i64 {
        (self.last_day - self.first_day + 1).max(0)
    }
}

/// One slot of flag flow (a day unless the window's [`Window::slot`] is longer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagDay {
    /// The slot's [`Slot::label`]: `YYYY-MM-DD` for a day or the Monday of a week, `YYYY-MM`,
    /// `YYYY-Qn`, `YYYY`.
    pub day: String,
    pub created: i64,
    pub completed: i64,
    /// Pending at the end of the day.
    pub backlog: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    pub target: String,
    pub pending: i64,
    pub oldest_hours: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FlagKpis {
    /// Pending now by level: critical, high, medium, low, then any other level.
    pub pending_by_impact: Vec<(String, i64)>,
    pub pending: i64,
    pub workable: i64,
    pub locked_pending: i64,
    pub created: i64,
    pub completed: i64,
    pub completion_rate: Option<f64>,
    pub lead_time_count: i64,
    pub lead_time_p50_hours: Option<f64>,
    pub lead_time_p90_hours: Option<f64>,
    pub oldest_critical_hours: Option<f64>,
    pub oldest_high_hours: Option<f64>,
    pub bottlenecks: Vec<Bottleneck>,
    pub routing_errors: i64,
    pub routing_error_share: Option<f64>,
    pub chains: i64,
    /// (flags in the chain including its origin, number of chains).
    pub chain_lengths: Vec<(i64, i64)>,
    pub critical_pending_ids: Vec<i64>,
    /// One entry per slot of the window ([`Window::slot`]).
    pub daily: Vec<FlagDay>,
    /// (week, created, completed) for whole and partial weeks of the window; per slot
    /// ([`Slot::table_slot`]) when the slots are longer than a week.
    pub weekly: Vec<(String, i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Latency {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolStat {
    pub tool: String,
    pub calls: i64,
    pub failures: i64,
    pub blocked: i64,
    pub latency: Latency,
}

impl ToolStat {
    pub fn error_rate(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.failures as f64 / self.calls as f64)
    }
}

/// One slot of tool calls (a day unless the window's [`Window::slot`] is longer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDay {
    /// The slot's [`Slot::label`].
    pub day: String,
    pub calls: i64,
    pub failures: i64,
    pub latency: Latency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ToolKpis {
    pub calls: i64,
    pub failures: i64,
    pub blocked: i64,
    pub error_rate: Option<f64>,
    pub latency: Latency,
    /// Busiest tools first.
    pub per_tool: Vec<ToolStat>,
    /// One entry per slot with calls ([`Window::slot`]).
    pub daily: Vec<ToolDay>,
    /// (week, calls); per slot when the slots are longer than a week ([`Slot::table_slot`]).
    pub weekly: Vec<(String, i64)>,
    pub peak_per_hour: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentCheck {
    pub agent: String,
    pub status: String,
    pub drift_score: Option<f64>,
    pub needs_compaction: bool,
    pub checked_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HealthKpis {
    /// Checks in the window, by status.
    pub checks_by_status: Vec<(String, i64)>,
    pub checks: i64,
    pub checks_needing_compaction: i64,
    /// The latest check of each agent (up to "as of").
    pub latest: Vec<AgentCheck>,
    pub latest_by_status: Vec<(String, i64)>,
    pub needing_compaction: Vec<String>,
    /// (week, mean drift score of the checks that week); per slot when the slots are longer
    /// than a week ([`Slot::table_slot`]).
    pub drift_weekly: Vec<(String, f64)>,
}

/// A budget's verdict: within it, over it, or nothing to judge it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The figure it judges has no value (no tool call with a `duration_ms`, as in every file
    /// the Acolytes hooks wrote; no completed flag for a lead time): neither pass nor fail.
    NoData,
}

impl Verdict {
    /// The shell's `data-pass`: `"true"`, `"false"` or `"none"`.
    pub fn attr(self) -> &'static str {
        match self {
            Verdict::Pass => "true",
            Verdict::Fail => "false",
            Verdict::NoData => "none",
        }
    }

    /// What a person reads: `✓ pass`, `✗ fail`, `– no data`.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Pass => "✓ pass",
            Verdict::Fail => "✗ fail",
            Verdict::NoData => "– no data",
        }
    }

    /// Pass when `actual` is within `limit`, fail over it, no data without a value.
    fn of(actual: Option<f64>, limit: f64) -> Verdict {
        match actual {
            Some(a) if a <= limit => Verdict::Pass,
            Some(_) => Verdict::Fail,
            None => Verdict::NoData,
        }
    }
}

/// One gate of [`budgets`]. Computed on every derive, never stored (links and saved dashboards
/// carry [`Budgets`], the limits, not these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetResult {
    /// Stable name for tests and links: tool-p95, error-rate, critical-pending, lead-time-p90,
    /// utilisation.
    pub name: String,
    /// The gate in words with its limit in its unit: `p95 duration of every tool ≤ 30.0 s`.
    pub label: String,
    /// The limit, in `unit`.
    pub limit: f64,
    /// The figure judged, in `unit`; `None` when there is nothing to judge it on.
    pub actual: Option<f64>,
    /// What `limit` and `actual` are measured in.
    pub unit: Unit,
    pub verdict: Verdict,
    /// What breaks the gate, each with its figure in its unit.
    pub offenders: Vec<String>,
}

impl BudgetResult {
    /// The figure judged, with its unit (`2.3 min`), or `no data`.
    pub fn now(&self) -> String {
        self.actual.map(|a| figure(a, self.unit)).unwrap_or_else(|| "no data".into())
    }
}

/// What the SQL returned: everything the what-if needs, so moving a slider recomputes without
/// asking the database again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Aggregates {
    pub window: Window,
    /// `None` for a file without flags (Acolytes 2.x): no flag section, no flag budgets.
    #[serde(default)]
    pub flags: Option<FlagKpis>,
    pub tools: Option<ToolKpis>,
    pub health: Option<HealthKpis>,
    /// Quest KPIs (Acolytes 2.x files with quests); absent from the JSON when there are none,
    /// so links of files without quests stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quests: Option<QuestKpis>,
    /// Hook activity ([`hooks`]; files with tool_logs); absent from the JSON when there is
    /// none, and links made before it read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hooks: Option<HookKpis>,
    /// When the slots are longer than a day, the per-day counts the forecast and capacity
    /// need, which `daily` no longer carries: (day number, flags created, flags completed, tool
    /// calls) of each day with any in the last [`FORECAST_DAYS`] days of the window. Empty
    /// (and absent from the JSON) with day slots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_days: Vec<(i64, i64, i64, i64)>,
    /// What the file records, per section ([`coverage`]): the share of rows having each field
    /// the dashboard reads. Dashboards stored before it existed read as empty (unknown).
    #[serde(default)]
    pub coverage: Coverage,
    // The per-day maps repeat `flags.daily` and `tools.daily` keyed by day number for the
    // arithmetic; they are not serialised (snapshot links stay short) and are rebuilt by
    // [`Aggregates::rebuild_daily`].
    #[serde(skip)]
    pub created_daily: BTreeMap<i64, f64>,
    #[serde(skip)]
    pub completed_daily: BTreeMap<i64, f64>,
    #[serde(skip)]
    pub calls_daily: BTreeMap<i64, f64>,
}

impl Aggregates {
    /// Rebuilds the per-day maps from the daily series (day slots) or from
    /// [`Aggregates::recent_days`] (longer slots), after deserialising.
    pub fn rebuild_daily(&mut self) {
        if self.window.slot != Slot::Day {
            let pick = |f: fn(&(i64, i64, i64, i64)) -> i64| -> BTreeMap<i64, f64> {
                let days: Vec<(i64, f64)> =
                    self.recent_days.iter().filter(|d| f(d) > 0).map(|d| (d.0, f(d) as f64)).collect();
                days.into_iter().collect()
            };
            self.created_daily = pick(|d| d.1);
            self.completed_daily = pick(|d| d.2);
            self.calls_daily = pick(|d| d.3);
            return;
        }
        // Each map is collected from the same iterator type (a `Vec`'s): `BTreeMap`'s `collect`
        // sorts, and one iterator type keeps one copy of that sort in the wasm.
        fn by_day<'a>(days: impl Iterator<Item = (&'a str, i64)>) -> BTreeMap<i64, f64> {
            let days: Vec<(i64, f64)> =
                days.filter(|(_, n)| *n > 0).filter_map(|(d, n)| Some((parse_day(d)?, n as f64))).collect();
            days.into_iter().collect()
        }
        let flag_days = self.flags.iter().flat_map(|f| f.daily.iter());
        self.created_daily = by_day(flag_days.clone().map(|d| (d.day.as_str(), d.created)));
        self.completed_daily = by_day(flag_days.map(|d| (d.day.as_str(), d.completed)));
        // Days without calls are kept (with 0), as they always were.
        let tool_days: Vec<(i64, f64)> = self
            .tools
            .iter()
            .flat_map(|t| t.daily.iter())
            .filter_map(|d| Some((parse_day(&d.day)?, d.calls as f64)))
            .collect();
        self.calls_daily = tool_days.into_iter().collect();
    }
}

/// The whole dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Dashboard {
    pub aggregates: Aggregates,
    pub flag_forecast: Forecast,
    pub tool_forecast: Forecast,
    pub capacity: Capacity,
    pub tool_load: ToolLoad,
    pub budgets: Vec<BudgetResult>,
}

/// Text shown on hover: how each figure is computed.
pub fn definitions() -> &'static [(&'static str, &'static str)] {
    &[
        ("pending", "Flags with status 'pending' now, whatever the range."),
        ("workable", "Pending flags that are not locked."),
        ("locked-pending", "Pending flags that are locked."),
        ("created", "Flags whose created_at falls in the range."),
        ("completed", "Flags with status 'completed' whose completed_at falls in the range."),
        ("completion-rate", "Completed in range ÷ created in range."),
        (
            "lead-time",
            "completed_at − created_at in hours (to the minute) for flags completed in the range; nearest-rank percentile (the value at rank ⌈p·n⌉ of the sorted times).",
        ),
        ("oldest", "Hours from the oldest pending flag's created_at to \"as of\"."),
        (
            "routing-errors",
            "Pending flags whose target is empty or is not an agent of the catalog (nor, in ClaudeSquad files, a dynamic agent); share of all pending.",
        ),
        ("chains", "Chains (origin plus follow-ups naming it) among flags created in the range, by number of flags."),
        ("backlog", "Pending at the end of each day: flags created up to then minus flags completed up to then."),
        ("tool-latency", "duration_ms of tool_logs rows in the range; nearest-rank p50/p95/p99."),
        ("error-rate", "Tool calls with success = 0 (hook blocks included) ÷ all calls in the range."),
        ("hook-blocks", "Tool calls with blocked_by_hook = 1."),
        // Hook activity ([`hooks`]).
        (
            "hook-calls-per-day",
            "tool_logs rows in the range (and tool / target filter) per day of their timestamp (its first 10 characters); the mean divides by every day of the range, days without calls included.",
        ),
        ("hook-calls-per-hour", "tool_logs rows in the range per hour of the day of their timestamp as stored (characters 12–13; the hooks write local time)."),
        (
            "hook-trend",
            "Calls in the second half of the range's days minus calls in the first half, ÷ the first half (the middle day of an odd count left out). Needs 2 days and calls in the first half.",
        ),
        ("hook-tool-mix", "Calls per tool_name ÷ all calls in the range."),
        ("hook-blocked", "Calls with blocked_by_hook = 1 in the range; reasons are their hook_message, the 5 most frequent."),
        ("hook-failures", "Calls with success = 0 in the range (hook blocks included when the hook also set success = 0); reasons are their error_message, the 5 most frequent."),
        ("hook-lines-changed", "SUM(lines_changed) of the calls in the range, per tool; — when no call reports it."),
        ("hook-bytes-processed", "SUM(bytes_processed) of the calls in the range, per tool; — when no call reports it."),
        ("hook-files", "Calls naming a non-empty file_affected in the range; the 10 files named by most calls."),
        (
            "hook-sessions",
            "Distinct session_id of the calls in the range (no session counts as one); calls per session, with the session's job from the sessions and jobs tables when they hold it.",
        ),
        (
            "hook-quiet",
            "Gaps longer than 8 hours between consecutive calls in the range (ordered by their timestamp): how many, their total, and the 5 longest with the calls on either side.",
        ),
        ("hook-agents", "Calls per agent_name in the range; shown only when calls name an agent (the hooks do not)."),
        (
            "forecast",
            "Least-squares fit of ln(weekly total) on the week number over the whole Monday-to-Sunday weeks of the range, the last 52 at most (a log-linear trend, i.e. constant weekly growth); the band is ±1.96 residual standard deviations. Needs 3 whole weeks.",
        ),
        (
            "utilisation",
            "ρ = λ ÷ μ: flags created per day (with the what-if growth) over flags completed per day, both over the last 28 days of the range. Above 1 the backlog grows.",
        ),
        ("days-to-clear", "Pending ÷ (μ − λ) when completion outpaces inflow."),
        ("days-to-double", "Pending ÷ (λ − μ) when inflow outpaces completion."),
        (
            "tool-load",
            "The busiest hour of the range, grown by the weekly trend to the end of the horizon and by the what-if, against the capacity you enter.",
        ),
        ("health", "The latest agent_health check of each agent up to \"as of\"; statuses counted over checks in the range."),
        (
            "quests-open",
            "Quests now (whatever the range) whose status is not completed, failed or timeout — the active quests of acolyte_quest_core.get_all_active_quests — by status as stored.",
        ),
        (
            "quests-completed",
            "Quests with status 'completed' whose updated_at (set by the completing command, never changed after) falls in the range; weeks run Monday to Sunday.",
        ),
        (
            "quest-time-to-complete",
            "epoch(updated_at) − epoch(created_at) of the quests completed in the range, whatever format each value is stored in; nearest-rank percentile (the value at rank ⌈p·n⌉ of the sorted times).",
        ),
        (
            "quest-messages",
            "Entries of the broadcast JSON array of each quest created in the range; mean and median (the mean of the two middle values for an even count). Quests whose broadcast is not a JSON array are counted apart, not as 0.",
        ),
        (
            "quest-handoffs",
            "Turn passes per quest created in the range: the turn starts with the leader (the first of recruited, else context.leader); each broadcast message, in array order, whose `to` is a text different from the agent holding the turn before it is a hand-off, and gives the turn to `to` (a message whose `to` is missing or not a JSON string leaves the turn where it is).",
        ),
        (
            "quest-failed-timeout",
            "(failed + timeout) ÷ ended, over the quests that ended (completed, failed or timeout) with updated_at in the range.",
        ),
        (
            "quest-turn-holding",
            "Seconds each agent held the turn, within the range: from created_at the leader holds it; each broadcast message passes it to its `to` at its timestamp (a time earlier than the one before it, or unreadable, counts as the one before); the last holder keeps it until updated_at for an ended quest, or until \"as of\" (the end of its minute) for an open one. Summed per agent: the agents waited on most.",
        ),
        (
            "quests-stalled",
            "Open quests whose current holder (the last `to` of broadcast, or the leader) has held the turn longer than the threshold you set, as of \"as of\" (the end of its minute), whatever the range.",
        ),
    ]
}

/// The in-memory stores of the big tables a computation may use ([`aggregates`]); a `None`
/// table is read by SQL. The shell keeps them per file (`src/web/dashboard/stores.rs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Logs<'a> {
    /// `tool_logs` ([`ToolLog`]).
    pub tools: Option<&'a ToolLog>,
    /// `flags` ([`FlagLog`]); only while it holds the engine's rows.
    pub flags: Option<&'a FlagLog>,
    /// The agent names the flag store checks targets against ([`flaglog::Catalog::read`]),
    /// read once per data version by the shell; `None`: read here.
    pub catalog: Option<&'a flaglog::Catalog>,
    /// The sessions and jobs the tool store joins ([`toollog::read_sessions`]); `None`: read
    /// here.
    pub sessions: Option<&'a toollog::SessionJobs>,
}

/// Which figures filters touch: a target filters flags by target_agent, tool_logs by
/// agent_name and agent_health by agent; a flag type filters flags only; a tool filters
/// tool_logs only.
fn flag_filter(state: &DashboardState) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    if let Some(t) = &state.target {
        sql.push_str(" AND target_agent = ?");
        params.push(Value::from(t.as_str()));
    }
    if let Some(t) = &state.flag_type {
        sql.push_str(" AND flag_type = ?");
        params.push(Value::from(t.as_str()));
    }
    (sql, params)
}

fn tool_filter(state: &DashboardState) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut params = Vec::new();
    if let Some(t) = &state.tool {
        sql.push_str(" AND tool_name = ?");
        params.push(Value::from(t.as_str()));
    }
    if let Some(t) = &state.target {
        sql.push_str(" AND agent_name = ?");
        params.push(Value::from(t.as_str()));
    }
    (sql, params)
}

/// Only values shaped like a date take part in min/max (real files hold odd text).
const DATE_GLOB: &str = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'";

/// Days of per-day history the forecast fits (its last 52 whole weeks at most) and the
/// capacity reads (its last 28 days); the rest of a longer window is only drawn, per slot.
pub const FORECAST_DAYS: i64 = 52 * 7;

fn with(params: &[Value], extra: &[Value]) -> Vec<Value> {
    params.iter().chain(extra).cloned().collect()
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// `column` for ages (the oldest pending flag): outlier dates left out unless the window
/// includes them on purpose (the notice lists them; 1970-01-01 would be a 55-year age).
fn age_sql(column: &str, w: &Window) -> String {
    match age_bounds(w) {
        Some((lo, hi)) => format!("CASE WHEN {column} >= '{lo}' AND {column} < '{hi}' THEN {column} END"),
        None => column.to_owned(),
    }
}

/// The text bounds [`age_sql`] keeps ages inside (`>= lo AND < hi`), `None` when it keeps all.
fn age_bounds(w: &Window) -> Option<(String, String)> {
    match w.outliers.text_bounds() {
        Some(b) if !w.outliers.included && w.outliers.outside() > 0 => Some(b),
        _ => None,
    }
}

fn hours_between(from: &str, to_minute: i64) -> Option<f64> {
    parse_minute(from).map(|m| (to_minute - m) as f64 / 60.0)
}

/// Whether the file's flags can be read ([`crate::schema::Generation::has_flags`] of its detected generation):
/// without them (Acolytes 2.x) every flag figure is left out.
fn has_flags(facts: &SchemaFacts) -> bool {
    detect(facts).generation.has_flags()
}

/// The activity of this file (quest times counted when `quests`): its bounds with and without
/// the outliers of [`outliers::RULE`], and the outliers themselves.
async fn file_activity<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    quests: bool,
    logs: Logs<'_>,
) -> Result<Activity, DbError> {
    outliers::activity(db, &outliers::sources(facts, has_flags(facts), quests), logs).await
}

/// [`AsOf::Latest`]: the latest activity (`now` when there is none); [`AsOf::Now`]: `now`.
fn resolve_as_of(as_of: AsOf, latest: Option<i64>, now_minute: i64) -> i64 {
    match as_of {
        AsOf::Latest => latest.unwrap_or(now_minute),
        AsOf::Now => now_minute,
    }
}

/// "As of" exactly as [`window`] resolves it (`YYYY-MM-DD HH:MM`; `now` in the same format),
/// without preparing a quest run: the quest times are read straight from `acolyte_quests`
/// (the same instants), outliers left out by the same rule ([`outliers::RULE`]). The quest
/// pages measure waits from it.
/// Errors: the database's.
pub async fn as_of_minute<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    as_of: AsOf,
    now: &str,
) -> Result<String, DbError> {
    let activity = file_activity(db, facts, quests::applies(facts), Logs::default()).await?;
    Ok(minute_text(resolve_as_of(as_of, activity.latest, parse_minute(now).unwrap_or(0))))
}

/// Resolves "as of" and the range into a window (the quest activity counts when `quests` is
/// given: a run prepared with [`QuestRun::prepare`]). The activity and "as of" leave out the
/// outliers of [`outliers::RULE`], which the window lists for the dashboard's notice; the
/// slot of its series follows its length ([`Slot::for_days`]).
pub async fn window<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    now: &str,
    quests: Option<&QuestRun>,
) -> Result<Window, DbError> {
    window_with(db, facts, state, now, quests, Logs::default()).await
}

/// [`window`], the activity of flags and tool_logs read from the stores in `logs` when given
/// (no SQL over those tables, except the listing of tool_logs' outlier rows when it has some).
/// Errors: the database's.
pub async fn window_with<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    now: &str,
    quests: Option<&QuestRun>,
    logs: Logs<'_>,
) -> Result<Window, DbError> {
    let Activity { earliest, latest, earliest_any, latest_any, mut outliers } =
        file_activity(db, facts, quests.is_some(), logs).await?;
    let now_minute = parse_minute(now).unwrap_or(0);
    let as_of = resolve_as_of(state.as_of, latest, now_minute);
    let (start, end, start_is_complete) = match &state.range {
        Range::Days(n) => {
            let start = as_of - *n as i64 * MINUTES_PER_DAY;
            (start, as_of, start % MINUTES_PER_DAY == 0)
        }
        Range::All => (earliest.unwrap_or(as_of).min(as_of), as_of, true),
        Range::Everything => {
            (earliest_any.unwrap_or(as_of).min(as_of), latest_any.unwrap_or(as_of).max(as_of), true)
        }
        Range::Custom { from, to } => {
            let from = parse_minute(from).unwrap_or(as_of);
            let to = parse_minute(to).map(|t| t + MINUTES_PER_DAY - 1).unwrap_or(as_of);
            (from.min(to), to.max(from), true)
        }
    };
    let start_day = start.div_euclid(MINUTES_PER_DAY);
    let last_day = end.div_euclid(MINUTES_PER_DAY);
    // Nothing to report: nothing in the window (links of clean files stay as they were).
    if outliers.is_empty() {
        outliers = Outliers::default();
    }
    // The window covers the outliers when it reaches the earliest and latest readable times.
    outliers.included = outliers.outside() > 0
        && earliest_any.is_none_or(|e| start <= e)
        && latest_any.is_none_or(|l| end >= l);
    Ok(Window {
        as_of: minute_text(as_of),
        start: minute_text(start),
        end: minute_text(end),
        first_day: if start_is_complete { start_day } else { start_day + 1 },
        last_day,
        slot: Slot::for_days(start_day, last_day),
        outliers,
    })
}

const LEVELS: [&str; 4] =
    [Impact::Critical.sql(), Impact::High.sql(), Impact::Medium.sql(), Impact::Low.sql()];

/// The flag figures; fills the per-day maps of `agg` on the way.
async fn flag_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    w: &Window,
    agg: &mut Aggregates,
) -> Result<FlagKpis, DbError> {
    let (f, fp) = flag_filter(state);
    let range = [Value::from(w.start.as_str()), Value::from(w.end.as_str())];
    let as_of = parse_minute(&w.as_of).unwrap_or(0);
    let created_at = age_sql("created_at", w);
    let mut kpis = FlagKpis::default();
    let k = &mut kpis;

    let rs = db
        .query(
            &format!(
                "SELECT impact_level, COUNT(*), SUM(COALESCE(locked, 0) = 0) FROM flags WHERE status = 'pending'{f} \
                 GROUP BY impact_level"
            ),
            &fp,
        )
        .await?;
    let mut by_level: Vec<(String, i64)> = LEVELS.iter().map(|l| ((*l).to_owned(), 0)).collect();
    for r in &rs.rows {
        let level = r[0].display();
        let (n, unlocked) = (int(&r[1]), int(&r[2]));
        k.pending += n;
        k.workable += unlocked;
        match by_level.iter_mut().find(|(l, _)| *l == level) {
            Some(entry) => entry.1 += n,
            None => by_level.push((level, n)),
        }
    }
    k.locked_pending = k.pending - k.workable;
    k.pending_by_impact = by_level;

    let daily = |column: &str, extra: &str| {
        format!(
            "SELECT substr({column}, 1, 10), COUNT(*) FROM flags WHERE {column} >= ?1 AND {column} <= ?2{extra}{f} \
             GROUP BY 1"
        )
    };
    let params = with(&range, &fp);
    for (column, extra, into) in [
        ("created_at", "", &mut agg.created_daily),
        ("completed_at", " AND status = 'completed'", &mut agg.completed_daily),
    ] {
        for r in db.query(&daily(column, extra), &params).await?.rows {
            if let Some(day) = r[0].as_str().and_then(parse_day) {
                *into.entry(day).or_default() += int(&r[1]) as f64;
            }
        }
    }
    // Pending at the start of the window, then day by day.
    let rs = db
        .query(
            &format!(
                "SELECT SUM(created_at < ?1), SUM(status = 'completed' AND completed_at < ?1) FROM flags WHERE 1{f}"
            ),
            &with(&range[..1], &fp),
        )
        .await?;
    let base = rs.rows.first().map(|r| int(&r[0]) - int(&r[1])).unwrap_or(0);
    flag_series(k, w, agg, base);

    let (p50, p90) = (rank_sql(50, "n"), rank_sql(90, "n"));
    let rs = db
        .query(
            &format!(
                "WITH lt AS (SELECT ROUND((julianday(completed_at) - julianday(created_at)) * 1440) / 60.0 AS h FROM flags \
                   WHERE status = 'completed' AND completed_at >= ?1 AND completed_at <= ?2{f} \
                   AND julianday(completed_at) IS NOT NULL AND julianday(created_at) IS NOT NULL), \
                 r AS (SELECT h, ROW_NUMBER() OVER (ORDER BY h) AS rn, COUNT(*) OVER () AS n FROM lt) \
                 SELECT MAX(n), MAX(CASE WHEN rn = {p50} THEN h END), MAX(CASE WHEN rn = {p90} THEN h END) FROM r"
            ),
            &params,
        )
        .await?;
    if let Some(r) = rs.rows.first() {
        k.lead_time_count = int(&r[0]);
        k.lead_time_p50_hours = r[1].as_f64();
        k.lead_time_p90_hours = r[2].as_f64();
    }

    let rs = db
        .query(
            &format!(
                "SELECT impact_level, MIN({created_at}) FROM flags WHERE status = 'pending' \
                 AND impact_level IN ('critical', 'high'){f} GROUP BY impact_level"
            ),
            &fp,
        )
        .await?;
    for r in &rs.rows {
        let age = r[1].as_str().and_then(|c| hours_between(c, as_of));
        match r[0].as_str().and_then(Impact::parse) {
            Some(Impact::Critical) => k.oldest_critical_hours = age,
            Some(Impact::High) => k.oldest_high_hours = age,
            _ => {}
        }
    }

    let rs = db
        .query(
            &format!(
                "SELECT COALESCE(target_agent, '') AS target, COUNT(*) AS pending, MIN({created_at}) AS oldest \
                 FROM flags WHERE status = 'pending'{f} \
                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
            ),
            &fp,
        )
        .await?;
    k.bottlenecks = rs.map_rows(|r| {
        Ok(Bottleneck {
            target: r.text("target")?,
            pending: r.i64("pending")?,
            oldest_hours: r.get("oldest")?.as_str().and_then(|c| hours_between(c, as_of)),
        })
    })?;

    if facts.has_table("agents_catalog") {
        let rs = db
            .query(
                &format!(
                    "SELECT SUM({}), COUNT(*) FROM flags WHERE status = 'pending'{f}",
                    misrouted_sql(facts)
                ),
                &fp,
            )
            .await?;
        if let Some(r) = rs.rows.first() {
            k.routing_errors = int(&r[0]);
            k.routing_error_share = (int(&r[1]) > 0).then(|| int(&r[0]) as f64 / int(&r[1]) as f64);
        }
    }

    let rs = db
        .query(
            &format!(
                "SELECT n, COUNT(*) FROM (SELECT COALESCE(chain_origin_id, id) AS origin, COUNT(*) AS n FROM flags \
                 WHERE created_at >= ?1 AND created_at <= ?2{f} GROUP BY origin HAVING COUNT(*) > 1) GROUP BY n ORDER BY n"
            ),
            &params,
        )
        .await?;
    k.chain_lengths = rs.rows.iter().map(|r| (int(&r[0]), int(&r[1]))).collect();
    k.chains = k.chain_lengths.iter().map(|(_, c)| c).sum();

    let rs = db
        .query(
            &format!(
                "SELECT id FROM flags WHERE status = 'pending' AND impact_level = 'critical'{f} ORDER BY created_at, id LIMIT 20"
            ),
            &fp,
        )
        .await?;
    k.critical_pending_ids = rs.rows.iter().map(|r| int(&r[0])).collect();
    Ok(kpis)
}

/// Created, completed and the backlog per slot, and the weekly table, from the per-day maps of
/// `agg` and `base`, the flags pending at the start of the window (both flag paths).
fn flag_series(k: &mut FlagKpis, w: &Window, agg: &Aggregates, base: i64) {
    k.created = agg.created_daily.values().sum::<f64>() as i64;
    k.completed = agg.completed_daily.values().sum::<f64>() as i64;
    k.completion_rate = (k.created > 0).then(|| k.completed as f64 / k.created as f64);
    let mut backlog = base;
    let first = parse_day(&w.start).unwrap_or(w.first_day);
    // One entry per slot (a day for windows up to MAX_SLOTS days), the backlog at its end.
    let sum =
        |m: &BTreeMap<i64, f64>, from: i64, to: i64| m.range(from..=to).map(|(_, v)| *v).sum::<f64>() as i64;
    for (from, to) in w.slot.slots(first, w.last_day) {
        let (created, completed) = (sum(&agg.created_daily, from, to), sum(&agg.completed_daily, from, to));
        backlog += created - completed;
        k.daily.push(FlagDay { day: w.slot.label(from), created, completed, backlog });
    }
    let counts = |m: &BTreeMap<i64, f64>| m.iter().map(|(d, n)| (*d, *n as i64)).collect::<Vec<_>>();
    let created = table_rows(w.slot, first, w.last_day, &counts(&agg.created_daily));
    let completed = table_rows(w.slot, first, w.last_day, &counts(&agg.completed_daily));
    k.weekly = created.into_iter().zip(completed).map(|((week, c), (_, d))| (week, c, d)).collect();
}

fn latency(r: &[Value]) -> Latency {
    Latency { p50: r[0].as_f64(), p95: r[1].as_f64(), p99: r[2].as_f64(), max: r[3].as_f64() }
}

/// Percentile columns `p50, p95, p99, max` of `d` per `partition` (empty: overall), from a
/// table of `(…, d, k)` rows where `k` counts the calls that took `d` ms: the nearest-rank value
/// is the smallest `d` whose running count reaches the rank. Counting equal durations first
/// turns a million-row sort into one over the distinct durations.
fn percentile_sql(partition: &str, grouped: &str) -> String {
    let keys = if partition.is_empty() { String::new() } else { format!("{partition}, ") };
    let over = if partition.is_empty() { String::new() } else { format!("PARTITION BY {partition} ") };
    let group = if partition.is_empty() { String::new() } else { format!(" GROUP BY {partition}") };
    let pick = |p: u32| format!("MIN(CASE WHEN cum >= {} THEN d END)", rank_sql(p, "n"));
    format!(
        "SELECT {keys}{}, {}, {}, MAX(d) FROM (SELECT {keys}d, \
           SUM(k) OVER ({over}ORDER BY d ROWS UNBOUNDED PRECEDING) AS cum, SUM(k) OVER ({over}) AS n \
           FROM (SELECT {keys}d, SUM(k) AS k FROM {grouped} WHERE d IS NOT NULL GROUP BY {keys}d)){group}",
        pick(50),
        pick(95),
        pick(99)
    )
}

/// Numbers the temporary tables of concurrent dashboard runs apart.
static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The tool KPIs by SQL over tool_logs (the SQL path, and the oracle of
/// [`ToolLog::tool_kpis`] in the tests).
async fn tool_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    w: &Window,
    agg: &mut Aggregates,
) -> Result<ToolKpis, DbError> {
    let (f, fp) = tool_filter(state);
    let src = hooks::source(facts);
    // Tool times carry seconds: the window's last minute runs to :59.
    let params = with(&[Value::from(w.start.as_str()), Value::from(format!("{}:59", w.end))], &fp);
    let slot = w.slot.start_sql("timestamp");
    // One pass over tool_logs: calls counted per tool, day and duration into a TEMP table (the
    // temp schema is never part of the file, so nothing of this reaches an export).
    let g = format!("temp.flagdeck_tool_days_{}", RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    db.query(
        &format!(
            "CREATE TABLE {g} AS SELECT tool_name AS tool, substr(timestamp, 1, 10) AS day, {slot} AS slot, duration_ms AS d, \
             COUNT(*) AS k, SUM(success = 0) AS failures, SUM(blocked_by_hook = 1) AS blocked \
             FROM {src} WHERE timestamp >= ?1 AND timestamp <= ?2{f} GROUP BY 1, 2, 4"
        ),
        &params,
    )
    .await?;
    let result = tool_figures(db, &g, w, agg).await;
    db.query(&format!("DROP TABLE IF EXISTS {g}"), &[]).await?;
    let mut k = result?;
    let sql = format!(
        "SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM {src} WHERE timestamp >= ?1 AND timestamp <= ?2{f} \
         GROUP BY substr(timestamp, 1, 13))"
    );
    k.peak_per_hour = db.query(&sql, &params).await?.rows.first().map(|r| int(&r[0])).unwrap_or(0);
    Ok(k)
}

/// The tool figures from the grouped table `g` (see [`tool_kpis`]).
async fn tool_figures<D: Database>(
    db: &D,
    g: &str,
    w: &Window,
    agg: &mut Aggregates,
) -> Result<ToolKpis, DbError> {
    let mut k = ToolKpis::default();
    let sql = format!(
        "SELECT c.tool, c.calls, c.failures, c.blocked, p.* FROM \
         (SELECT tool, SUM(k) AS calls, SUM(failures) AS failures, SUM(blocked) AS blocked FROM {g} GROUP BY tool) c \
         LEFT JOIN ({}) p ON p.tool IS c.tool ORDER BY c.calls DESC, c.tool",
        percentile_sql("tool", g)
    );
    for r in db.query(&sql, &[]).await?.rows {
        let stat = ToolStat {
            tool: r[0].display(),
            calls: int(&r[1]),
            failures: int(&r[2]),
            blocked: int(&r[3]),
            latency: latency(&r[5..9]),
        };
        k.calls += stat.calls;
        k.failures += stat.failures;
        k.blocked += stat.blocked;
        k.per_tool.push(stat);
    }
    k.error_rate = (k.calls > 0).then(|| k.failures as f64 / k.calls as f64);

    if let Some(r) = db.query(&percentile_sql("", g), &[]).await?.rows.first() {
        k.latency = latency(&r[0..4]);
    }

    // Per slot (the slot's first day, `YYYY-MM-DD`, in `slot`), with its percentiles.
    let sql = format!(
        "SELECT c.slot, c.calls, c.failures, p.* FROM \
         (SELECT slot, SUM(k) AS calls, SUM(failures) AS failures FROM {g} GROUP BY slot) c \
         LEFT JOIN ({}) p ON p.slot IS c.slot ORDER BY c.slot",
        percentile_sql("slot", g)
    );
    for r in db.query(&sql, &[]).await?.rows {
        let start = r[0].display();
        let day = parse_day(&start).map(|d| w.slot.label(d)).unwrap_or(start);
        k.daily.push(ToolDay { day, calls: int(&r[1]), failures: int(&r[2]), latency: latency(&r[4..8]) });
    }
    for r in db.query(&format!("SELECT day, SUM(k) FROM {g} GROUP BY day ORDER BY day"), &[]).await?.rows {
        if let Some(n) = r[0].as_str().and_then(parse_day) {
            *agg.calls_daily.entry(n).or_default() += int(&r[1]) as f64;
        }
    }
    // The weeks (or longer slots) from the first day with calls to the last, as they always were.
    let calls: Vec<(i64, i64)> = agg.calls_daily.iter().map(|(d, n)| (*d, *n as i64)).collect();
    k.weekly = match (calls.first(), calls.last()) {
        (Some((first, _)), Some((last, _))) => {
            table_rows(w.slot, *first, *last, &calls).into_iter().filter(|(_, n)| *n > 0).collect()
        }
        _ => Vec::new(),
    };
    Ok(k)
}

/// The agent a health row is about, as flags name it.
fn health_agent(facts: &SchemaFacts) -> Option<&'static str> {
    let columns = facts.tables.get("agent_health")?;
    if columns.iter().any(|c| c == "agent_name") {
        Some("h.agent_name")
    } else if columns.iter().any(|c| c == "agent_id") && facts.has_table("agents_dynamic") {
        // ClaudeSquad keys health by agents_dynamic.id; flags name those agents with an @.
        Some("(SELECT '@' || d.name FROM agents_dynamic d WHERE d.id = h.agent_id)")
    } else {
        None
    }
}

async fn health_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    w: &Window,
) -> Result<Option<HealthKpis>, DbError> {
    let Some(agent) = health_agent(facts) else { return Ok(None) };
    let mut k = HealthKpis::default();
    let (f, fp) = match &state.target {
        Some(t) => (format!(" AND {agent} = ?"), vec![Value::from(t.as_str())]),
        None => (String::new(), Vec::new()),
    };
    let range = with(&[Value::from(w.start.as_str()), Value::from(w.end.as_str())], &fp);
    let rs = db
        .query(
            &format!(
                "SELECT status, COUNT(*), SUM(needs_compaction = 1) FROM agent_health h \
                 WHERE checked_at >= ?1 AND checked_at <= ?2{f} GROUP BY status ORDER BY status"
            ),
            &range,
        )
        .await?;
    for r in &rs.rows {
        k.checks += int(&r[1]);
        k.checks_needing_compaction += int(&r[2]);
        k.checks_by_status.push((r[0].display(), int(&r[1])));
    }
    let rs = db
        .query(
            &format!(
                "SELECT agent, status, drift_score, needs_compaction, checked_at FROM \
                 (SELECT {agent} AS agent, status, drift_score, needs_compaction, checked_at, \
                   ROW_NUMBER() OVER (PARTITION BY {agent} ORDER BY checked_at DESC, h.id DESC) AS rn \
                  FROM agent_health h WHERE checked_at <= ?1{f}) WHERE rn = 1 ORDER BY agent"
            ),
            &with(&[Value::from(w.as_of.as_str())], &fp),
        )
        .await?;
    let checks = rs.map_rows(|r| {
        Ok(AgentCheck {
            agent: r.text("agent")?,
            status: r.text("status")?,
            drift_score: r.get("drift_score")?.as_f64(),
            needs_compaction: r.flag("needs_compaction")?,
            checked_at: r.text("checked_at")?,
        })
    })?;
    for check in checks {
        match k.latest_by_status.iter_mut().find(|(s, _)| *s == check.status) {
            Some(e) => e.1 += 1,
            None => k.latest_by_status.push((check.status.clone(), 1)),
        }
        if check.needs_compaction {
            k.needing_compaction.push(check.agent.clone());
        }
        k.latest.push(check);
    }
    crate::order::sort_by(&mut k.latest_by_status, |a, b| a.cmp(b));
    let rs = db
        .query(
            &format!(
                "SELECT substr(checked_at, 1, 10), SUM(CAST(drift_score AS REAL)), COUNT(drift_score) FROM agent_health h \
                 WHERE checked_at >= ?1 AND checked_at <= ?2{f} GROUP BY 1 ORDER BY 1"
            ),
            &range,
        )
        .await?;
    let (mut sums, mut counts) = (Vec::new(), Vec::new());
    for r in &rs.rows {
        let Some(day) = r[0].as_str().and_then(parse_day) else { continue };
        sums.push((day, r[1].as_f64().unwrap_or(0.0)));
        counts.push((day, r[2].as_f64().unwrap_or(0.0)));
    }
    // From the first day with checks to the last, per week (or longer slot); periods without a
    // drift score are left out, as they always were.
    k.drift_weekly = match (sums.first(), sums.last()) {
        (Some((first, _)), Some((last, _))) => table_rows(w.slot, *first, *last, &sums)
            .into_iter()
            .zip(table_rows(w.slot, *first, *last, &counts))
            .filter(|(_, (_, n))| *n > 0.0)
            .map(|((label, sum), (_, n))| (label, sum / n))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(k))
}

/// Steps of [`aggregates`] for its progress bar.
const STEPS: u32 = 5;

/// Every aggregate of the dashboard. `progress` hears each step (for a progress bar on large
/// files). `logs`: the stores of the big tables held in memory ([`Logs`]); for each one given,
/// its figures, coverage and activity are computed from it in Rust (no SQL over that table but
/// the listing of tool_logs' outlier rows, when it has some); for each `None`, by SQL as before
/// (the SQL path: `flag_kpis`, `tool_kpis`, [`hooks::hook_kpis`], …, also the tests' oracle).
pub async fn aggregates<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    now: &str,
    progress: &dyn Fn(u32, u32, &str),
    logs: Logs<'_>,
) -> Result<Aggregates, DbError> {
    // The quests are read first: their table gives the window its quest activity, and is
    // dropped whatever happens next.
    progress(0, STEPS, "quests");
    let run = QuestRun::prepare(db, facts).await?;
    let result = aggregates_with(db, facts, state, now, progress, run.as_ref(), logs).await;
    if let Some(run) = run {
        run.finish(db).await?;
    }
    result
}

async fn aggregates_with<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    now: &str,
    progress: &dyn Fn(u32, u32, &str),
    quests: Option<&QuestRun>,
    logs: Logs<'_>,
) -> Result<Aggregates, DbError> {
    progress(0, STEPS, "time window");
    let w = window_with(db, facts, state, now, quests, logs).await?;
    let Logs { tools: tool_log, flags: flag_log, .. } = logs;
    let mut agg = Aggregates { window: w.clone(), ..Default::default() };
    progress(1, STEPS, "flags");
    let flags = has_flags(facts);
    if flags {
        agg.flags = Some(match flag_log {
            // The flag figures from the store (the port only reads the agent names).
            Some(log) => {
                let read;
                let catalog = match logs.catalog {
                    Some(c) => c,
                    None => {
                        read = flaglog::Catalog::read(db, facts).await?;
                        &read
                    }
                };
                let kpis = log.flag_kpis(db, state, &w, &mut agg, catalog).await;
                db.pause().await;
                kpis
            }
            // The SQL path: the oracle, and the path without a store.
            None => flag_kpis(db, facts, state, &w, &mut agg).await?,
        });
    }
    progress(2, STEPS, "tool calls");
    if facts.has_table("tool_logs") {
        match tool_log {
            // The in-memory path.
            Some(log) => {
                agg.tools = Some(log.tool_kpis(db, state, &w, &mut agg).await);
                let read;
                let joins = match logs.sessions {
                    Some(j) => j,
                    None => {
                        read = toollog::read_sessions(db, facts).await?;
                        &read
                    }
                };
                agg.hooks = log.hook_kpis(db, facts, state, &w, joins).await;
            }
            // The SQL path.
            None => {
                agg.tools = Some(tool_kpis(db, facts, state, &w, &mut agg).await?);
                agg.hooks = hooks::hook_kpis(db, facts, state, &w).await?;
            }
        }
    }
    progress(3, STEPS, "agent health");
    agg.health = health_kpis(db, facts, state, &w).await?;
    progress(4, STEPS, "quests");
    if let Some(run) = quests {
        agg.quests = run.figures(db, &w, state.stall_after_hours).await?;
    }
    let tools_coverage = tool_log.filter(|_| facts.has_table("tool_logs")).map(|log| log.coverage(facts));
    agg.coverage = coverage::coverage_with(db, facts, flags && flag_log.is_none(), tools_coverage).await?;
    if let Some(log) = flag_log.filter(|_| flags) {
        agg.coverage.sections.insert(0, log.coverage());
    }
    // No call failed and none carries an error message: the file does not record failures (the
    // Acolytes hooks write success = 1 for every call), so an error rate of 0 would be a claim
    // the file cannot back. The rate is unknown; the error-rate budget has no data.
    if let Some(t) = &mut agg.tools {
        if t.failures == 0 && agg.coverage.none_recorded("tools", "error_message") {
            t.error_rate = None;
        }
    }
    if w.slot != Slot::Day {
        // The series are per longer slot: the forecast and capacity keep their per-day counts
        // of the last FORECAST_DAYS days, and work from exactly what a snapshot carries.
        let from = w.last_day - FORECAST_DAYS + 1;
        let mut days: BTreeMap<i64, (i64, i64, i64, i64)> = BTreeMap::new();
        for (i, map) in [&agg.created_daily, &agg.completed_daily, &agg.calls_daily].into_iter().enumerate() {
            for (d, n) in map.range(from..=w.last_day) {
                let e = days.entry(*d).or_insert((*d, 0, 0, 0));
                match i {
                    0 => e.1 = *n as i64,
                    1 => e.2 = *n as i64,
                    _ => e.3 = *n as i64,
                }
            }
        }
        agg.recent_days = days.into_values().collect();
        agg.rebuild_daily();
    }
    progress(STEPS, STEPS, "done");
    Ok(agg)
}

/// Forecasts, capacity, what-if and budgets from the aggregates: cheap, run on every slider move.
pub fn derive(agg: Aggregates, state: &DashboardState) -> Dashboard {
    let w = &agg.window;
    let horizon = state.horizon_days.max(1) as usize;
    // The trend is fitted on the last 52 whole weeks at most (all of a window up to a year).
    let first_day = w.first_day.max(w.last_day - FORECAST_DAYS + 1);
    let flag_forecast = capacity::forecast(&agg.created_daily, first_day, w.last_day, horizon, true);
    let tool_forecast =
        capacity::forecast(&agg.calls_daily, first_day, w.last_day, horizon.div_ceil(7), false);
    let cap = capacity::capacity(
        &agg.created_daily,
        &agg.completed_daily,
        w.first_day,
        w.last_day,
        agg.flags.as_ref().map_or(0.0, |f| f.pending as f64),
        state.growth,
        horizon,
    );
    let load = capacity::tool_load(
        agg.tools.as_ref().map(|t| t.peak_per_hour as f64).unwrap_or(0.0),
        tool_forecast.fit.as_ref(),
        horizon as f64 / 7.0,
        state.growth,
        state.tool_capacity_per_hour,
    );
    let budgets = budgets(&agg, &cap, &state.budgets);
    Dashboard { aggregates: agg, flag_forecast, tool_forecast, capacity: cap, tool_load: load, budgets }
}

/// Each gate: pass, fail or no data, with what breaks it. Limits and figures are in the unit
/// the gate names (tool p95 in ms, error rate in percent, lead time in hours, ρ a ratio).
pub fn budgets(agg: &Aggregates, cap: &Capacity, b: &Budgets) -> Vec<BudgetResult> {
    let mut out = Vec::new();
    let tools = agg.tools.as_ref();
    if let Some(limit) = b.tool_p95_ms {
        let stats = tools.map(|t| t.per_tool.as_slice()).unwrap_or(&[]);
        let offenders: Vec<String> = stats
            .iter()
            .filter_map(|s| s.latency.p95.filter(|p| *p > limit).map(|p| (s, p)))
            .map(|(s, p)| format!("{} p95 {}", s.tool, figure(p, Unit::Millis)))
            .collect();
        // The slowest tool's p95: none when no call has a duration (the Acolytes hooks never
        // write duration_ms), and then the gate cannot be judged.
        let actual = stats
            .iter()
            .filter_map(|s| s.latency.p95)
            .fold(None, |m: Option<f64>, p| Some(m.map_or(p, |m| m.max(p))));
        out.push(BudgetResult {
            name: "tool-p95".into(),
            label: format!("p95 duration of every tool ≤ {}", figure(limit, Unit::Millis)),
            limit,
            actual,
            unit: Unit::Millis,
            verdict: Verdict::of(actual, limit),
            offenders,
        });
    }
    if let Some(limit) = b.error_rate_pct {
        let actual = tools.and_then(|t| t.error_rate).map(|r| r * 100.0);
        let offenders = tools
            .map(|t| {
                t.per_tool
                    .iter()
                    .filter_map(|s| s.error_rate().filter(|r| r * 100.0 > limit).map(|r| (s, r)))
                    .map(|(s, r)| format!("{} {}", s.tool, figure(r, Unit::Share)))
                    .collect()
            })
            .unwrap_or_default();
        out.push(BudgetResult {
            name: "error-rate".into(),
            label: format!("tool error rate ≤ {}", figure(limit, Unit::Percent)),
            limit,
            actual,
            unit: Unit::Percent,
            verdict: Verdict::of(actual, limit),
            offenders,
        });
    }
    // The flag gates need flags (none in an Acolytes 2.x file).
    let Some(flags) = &agg.flags else { return out };
    if let Some(limit) = b.critical_pending_max {
        let actual =
            flags.pending_by_impact.iter().find(|(l, _)| l == "critical").map(|(_, n)| *n).unwrap_or(0);
        out.push(BudgetResult {
            name: "critical-pending".into(),
            label: format!("critical pending flags ≤ {}", figure(limit as f64, Unit::Flags)),
            limit: limit as f64,
            actual: Some(actual as f64),
            unit: Unit::Flags,
            verdict: if actual <= limit { Verdict::Pass } else { Verdict::Fail },
            offenders: if actual > limit {
                flags.critical_pending_ids.iter().map(|id| format!("flag #{id}")).collect()
            } else {
                Vec::new()
            },
        });
    }
    if let Some(limit) = b.lead_time_p90_hours {
        let actual = flags.lead_time_p90_hours;
        out.push(BudgetResult {
            name: "lead-time-p90".into(),
            label: format!("lead time p90 ≤ {}", figure(limit, Unit::Hours)),
            limit,
            actual,
            unit: Unit::Hours,
            verdict: Verdict::of(actual, limit),
            offenders: actual
                .filter(|a| *a > limit)
                .map(|a| vec![format!("p90 {}", figure(a, Unit::Hours))])
                .unwrap_or_default(),
        });
    }
    if let Some(limit) = b.utilisation_max {
        let actual = cap.utilisation;
        out.push(BudgetResult {
            name: "utilisation".into(),
            label: format!("utilisation ρ ≤ {} (with the what-if)", figure(limit, Unit::Ratio)),
            limit,
            actual,
            unit: Unit::Ratio,
            // No completions at all while flags arrive is the worst case, not a pass; nothing
            // arriving and nothing completed leaves nothing to judge.
            verdict: match actual {
                Some(a) if a <= limit => Verdict::Pass,
                Some(_) => Verdict::Fail,
                None if cap.inflow_what_if > 0.0 => Verdict::Fail,
                None => Verdict::NoData,
            },
            offenders: match actual {
                Some(a) if a > limit => vec![format!(
                    "λ {} against μ {}",
                    figure(cap.inflow_what_if, Unit::PerDay),
                    figure(cap.capacity, Unit::PerDay)
                )],
                None if cap.inflow_what_if > 0.0 => vec!["nothing completed in the last 28 days".into()],
                _ => Vec::new(),
            },
        });
    }
    out
}

/// The choices the filters offer: targets, flag types and tools present in the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterChoices {
    pub targets: Vec<String>,
    pub flag_types: Vec<String>,
    pub tools: Vec<String>,
}

/// The filter choices; targets and flag types are empty for a file without flags.
pub async fn filter_choices<D: Database>(db: &D, facts: &SchemaFacts) -> Result<FilterChoices, DbError> {
    filter_choices_with(db, facts, Logs::default()).await
}

/// [`filter_choices`], from the stores in `logs` when given ([`FlagLog::choices`],
/// [`ToolLog::tool_choices`]): no SQL over flags or tool_logs then.
/// Errors: the database's.
pub async fn filter_choices_with<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    logs: Logs<'_>,
) -> Result<FilterChoices, DbError> {
    let list = |rs: super::value::ResultSet| rs.rows.iter().map(|r| r[0].display()).collect::<Vec<_>>();
    let (targets, flag_types) = match logs.flags {
        _ if !has_flags(facts) => (Vec::new(), Vec::new()),
        Some(log) => log.choices(),
        None => (
            list(
                db.query("SELECT DISTINCT target_agent FROM flags WHERE target_agent <> '' ORDER BY 1", &[])
                    .await?,
            ),
            list(db.query("SELECT DISTINCT flag_type FROM flags ORDER BY 1", &[]).await?),
        ),
    };
    let tool_log = logs.tools;
    let tools = if let Some(log) = tool_log.filter(|_| facts.has_table("tool_logs")) {
        log.tool_choices()
    } else if facts.has_table("tool_logs") {
        list(db.query("SELECT tool_name FROM tool_logs GROUP BY 1 ORDER BY COUNT(*) DESC, 1", &[]).await?)
    } else {
        Vec::new()
    };
    Ok(FilterChoices { targets, flag_types, tools })
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    fn tool(name: &str, calls: i64, failures: i64, p95: Option<f64>) -> ToolStat {
        ToolStat {
            tool: name.into(),
            calls,
            failures,
            blocked: 0,
            latency: Latency { p95, ..Default::default() },
        }
    }

    fn gate<'a>(results: &'a [BudgetResult], name: &str) -> &'a BudgetResult {
        results.iter().find(|b| b.name == name).unwrap()
    }

    #[test]
    fn calls_without_durations_leave_the_p95_gate_without_data() {
        // As the Acolytes hooks write them: calls, no duration_ms.
        let agg = Aggregates {
            tools: Some(ToolKpis {
                calls: 10,
                error_rate: Some(0.0),
                per_tool: vec![tool("Read", 6, 0, None), tool("Bash", 4, 0, None)],
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = budgets(&agg, &Capacity::default(), &Budgets::default());
        let p95 = gate(&r, "tool-p95");
        assert_eq!(p95.verdict, Verdict::NoData);
        assert_eq!(p95.verdict.attr(), "none");
        assert_eq!(p95.verdict.text(), "– no data");
        assert_eq!(p95.now(), "no data");
        assert_eq!(p95.label, "p95 duration of every tool ≤ 30.0 s");
        assert_eq!(gate(&r, "error-rate").verdict, Verdict::Pass);
        assert_eq!(gate(&r, "error-rate").now(), "0.0 %");
        // No flags: no flag gates.
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn the_slowest_tool_is_judged_and_named_in_its_unit() {
        let agg = Aggregates {
            tools: Some(ToolKpis {
                per_tool: vec![tool("Task", 3, 1, Some(140_520.0)), tool("Read", 5, 0, Some(850.0))],
                error_rate: Some(1.0 / 8.0),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = budgets(&agg, &Capacity::default(), &Budgets::default());
        let p95 = gate(&r, "tool-p95");
        assert_eq!(p95.verdict, Verdict::Fail);
        assert_eq!(p95.unit, Unit::Millis);
        assert_eq!(p95.now(), "2.3 min");
        assert_eq!(p95.offenders, vec!["Task p95 2.3 min"]);
        let errors = gate(&r, "error-rate");
        assert_eq!(errors.verdict, Verdict::Fail);
        assert_eq!(errors.label, "tool error rate ≤ 5.0 %");
        assert_eq!(errors.now(), "12.5 %");
        assert_eq!(errors.offenders, vec!["Task 33.3 %"]);
    }

    #[test]
    fn flag_gates_carry_their_units_and_a_missing_lead_time_is_no_data() {
        let agg = Aggregates {
            flags: Some(FlagKpis {
                pending_by_impact: vec![("critical".into(), 1)],
                critical_pending_ids: vec![7],
                lead_time_p90_hours: None,
                ..Default::default()
            }),
            ..Default::default()
        };
        // Nothing arrives, nothing completes: ρ has nothing to be judged on.
        let idle = Capacity::default();
        let b = Budgets { critical_pending_max: Some(3), ..Default::default() };
        let r = budgets(&agg, &idle, &b);
        let critical = gate(&r, "critical-pending");
        assert_eq!(critical.label, "critical pending flags ≤ 3 flags");
        assert_eq!(critical.now(), "1 flag");
        assert_eq!(critical.verdict, Verdict::Pass);
        let lead = gate(&r, "lead-time-p90");
        assert_eq!(lead.label, "lead time p90 ≤ 3.0 d");
        assert_eq!(lead.verdict, Verdict::NoData);
        let rho = gate(&r, "utilisation");
        assert_eq!(rho.label, "utilisation ρ ≤ 0.80 (with the what-if)");
        assert_eq!(rho.verdict, Verdict::NoData);
        assert!(rho.offenders.is_empty());

        // Flags arrive and none is completed: the worst case, a fail, not "no data".
        let stuck = Capacity { inflow_what_if: 2.0, ..Default::default() };
        let rho = budgets(&agg, &stuck, &b).into_iter().find(|g| g.name == "utilisation").unwrap();
        assert_eq!(rho.verdict, Verdict::Fail);
        assert_eq!(rho.now(), "no data");

        let over =
            Capacity { inflow_what_if: 2.0, capacity: 1.6, utilisation: Some(1.25), ..Default::default() };
        let rho = budgets(&agg, &over, &b).into_iter().find(|g| g.name == "utilisation").unwrap();
        assert_eq!(rho.verdict, Verdict::Fail);
        assert_eq!(rho.now(), "1.25");
        assert_eq!(rho.offenders, vec!["λ 2.00/day against μ 1.60/day"]);

        let late = Aggregates {
            flags: Some(FlagKpis { lead_time_p90_hours: Some(74.85), ..Default::default() }),
            ..Default::default()
        };
        let lead = budgets(&late, &idle, &b).into_iter().find(|g| g.name == "lead-time-p90").unwrap();
        assert_eq!(lead.verdict, Verdict::Fail);
        assert_eq!(lead.now(), "3.1 d");
        assert_eq!(lead.offenders, vec!["p90 3.1 d"]);
    }
}
