//! Hook activity: what the Acolytes hooks really write into `tool_logs` (tool_name,
//! tool_category, parameters, file_affected, success, error_message, result_summary,
//! lines_changed, bytes_processed, blocked_by_hook, hook_message, timestamp — never duration_ms
//! nor agent_name), as first-class KPIs: calls per day and per hour of day and their trend, the
//! tool mix, calls blocked by hooks and failures with their top reasons, lines changed and bytes
//! processed by tool, the files most touched, activity by session and job, and quiet periods.
//! Per-agent figures are filled only when the file names agents.
//!
//! Every figure covers the calls of the dashboard's window and tool / target filter, exactly as
//! the tool KPIs select them (`timestamp` compared as text with the window's start and its last
//! minute's `:59`, see `tool_kpis` in the parent module). Columns missing from a file's
//! `tool_logs` read as NULL (the SQL is built from [`SchemaFacts`]), so their figures are empty
//! rather than an error. Timestamps are read as the dashboard reads `tool_logs.timestamp`:
//! calendar text `YYYY-MM-DD HH:MM:SS` (the day is its first 10 characters, the hour characters
//! 12–13, gaps measured with SQLite's `julianday`); other forms are outside every window.

use serde::{Deserialize, Serialize};

use super::slots::Slot;

use super::stats::{day_text, parse_day};
use super::{int, tool_filter, with, DashboardState, Window};
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;
use crate::value::Value;

/// A gap between two consecutive calls longer than this many hours is a quiet period.
pub const QUIET_HOURS: f64 = 8.0;
/// Reasons (hook messages, error messages) listed.
pub const TOP_REASONS: usize = 5;
/// Files listed among the most touched.
pub const TOP_FILES: usize = 10;
/// Sessions (and agents) listed by calls.
pub const TOP_SESSIONS: usize = 10;
/// Quiet periods listed (the longest).
pub const TOP_QUIET: usize = 5;

/// The label of a NULL or empty text (tool, reason, file, session, agent).
pub const NONE: &str = "(none)";

/// The `tool_logs` columns the hook KPIs read; a column the file lacks reads as NULL.
pub(super) const COLUMNS: [&str; 12] = [
    "tool_name",
    "timestamp",
    "success",
    "error_message",
    "blocked_by_hook",
    "hook_message",
    "file_affected",
    "lines_changed",
    "bytes_processed",
    "session_id",
    "agent_name",
    "duration_ms",
];

/// One tool's share of the calls, with the volumes its calls report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolMix {
    pub tool: String,
    pub calls: i64,
    /// calls ÷ all calls of the window (0–1).
    pub share: f64,
    /// SUM(lines_changed) of its calls; `None` when no call reports it.
    pub lines_changed: Option<i64>,
    /// SUM(bytes_processed) of its calls; `None` when no call reports it.
    pub bytes_processed: Option<i64>,
}

/// Calls of one session, with its job when the sessions and jobs tables name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionActivity {
    /// tool_logs.session_id ([`NONE`] for NULL).
    pub session: String,
    pub calls: i64,
    /// First and last call (`timestamp` as stored).
    pub first: String,
    pub last: String,
    /// sessions.job_id of the session, when the row exists.
    pub job_id: Option<String>,
    /// jobs.title of that job, when the row exists.
    pub job_title: Option<String>,
}

/// Calls of one job (through its sessions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobActivity {
    /// sessions.job_id; `None` for calls whose session has no row in `sessions` (or no session).
    pub job_id: Option<String>,
    pub title: Option<String>,
    pub sessions: i64,
    pub calls: i64,
}

/// A gap between two consecutive calls longer than [`QUIET_HOURS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuietPeriod {
    /// The call before the gap and the call after it (`timestamp` as stored).
    pub start: String,
    pub end: String,
    /// (julianday(end) − julianday(start)) × 24.
    pub hours: f64,
}

/// The hook-activity KPIs (see the module). Counts are calls (tool_logs rows) in the window.
///
/// A snapshot link carries the counts, the per-hour profile and the tool mix, not the lists
/// marked `#[serde(skip)]`: the calls per day (up to a point per day of the range, which would
/// take the link past its 8 KB), and the file paths, session and job names, hook and error
/// messages and quiet periods, which are the project's own text (a link may leave the team, and
/// [`super::share::redact`] renames agents only). The page shows those tables on the open file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HookKpis {
    pub calls: i64,
    /// Day numbers of the window's first and last day (its start's day and end's day).
    pub first_day: i64,
    pub last_day: i64,
    /// (`YYYY-MM-DD`, calls) of each day with calls, in order.
    #[serde(skip)]
    pub per_day: Vec<(String, i64)>,
    /// Calls per hour of the day as stored (index 0–23, always 24 entries when computed).
    pub per_hour: Vec<i64>,
    /// Calls in the first and in the second half of the window's days (the middle day of an
    /// odd count left out), and the trend (second − first) ÷ first; `None` when the first half
    /// has no calls or the window is shorter than 2 days.
    pub first_half: i64,
    pub second_half: i64,
    pub trend: Option<f64>,
    /// Busiest tool first (ties by name).
    pub tool_mix: Vec<ToolMix>,
    /// Calls with blocked_by_hook = 1, and the top [`TOP_REASONS`] hook_message among them.
    pub blocked: i64,
    #[serde(skip)]
    pub block_reasons: Vec<(String, i64)>,
    /// Calls with success = 0, and the top [`TOP_REASONS`] error_message among them.
    pub failures: i64,
    #[serde(skip)]
    pub failure_reasons: Vec<(String, i64)>,
    /// SUM(lines_changed), SUM(bytes_processed) over the window; `None` when no call reports it.
    pub lines_changed: Option<i64>,
    pub bytes_processed: Option<i64>,
    /// Calls naming a file_affected (non-empty), distinct files, and the top [`TOP_FILES`]
    /// files by calls (ties by name).
    pub calls_with_file: i64,
    pub files: i64,
    #[serde(skip)]
    pub top_files: Vec<(String, i64)>,
    /// Distinct session_id (NULL counted as one), the top [`TOP_SESSIONS`] sessions by calls,
    /// and every job by calls.
    pub sessions: i64,
    #[serde(skip)]
    pub top_sessions: Vec<SessionActivity>,
    #[serde(skip)]
    pub jobs: Vec<JobActivity>,
    /// Gaps longer than [`QUIET_HOURS`] between consecutive calls (ordered by julianday of
    /// their timestamp): how many, their total hours, and the [`TOP_QUIET`] longest.
    pub quiet_count: i64,
    pub quiet_hours: f64,
    #[serde(skip)]
    pub quiet: Vec<QuietPeriod>,
    /// Calls with a duration_ms and with an agent_name: the durations and per-agent figures
    /// are shown only when the file has them (the hooks write neither).
    pub calls_with_duration: i64,
    pub calls_with_agent: i64,
    /// Top [`TOP_SESSIONS`] agent_name by calls (empty when no call names an agent).
    pub agents: Vec<(String, i64)>,
}

impl HookKpis {
    /// The trend from `per_day`: calls of the first half of the window's days against the
    /// second half (`first_half`, `second_half`, `trend` as a fraction; no trend when the first
    /// half has no call or the window is one day).
    pub fn fill_trend(&mut self) {
        let half = (self.last_day - self.first_day + 1) / 2;
        if half == 0 {
            return;
        }
        let sum = |lo: i64, hi: i64| {
            self.per_day
                .iter()
                .filter_map(|(d, n)| parse_day(d).filter(|d| (lo..=hi).contains(d)).map(|_| *n))
                .sum::<i64>()
        };
        self.first_half = sum(self.first_day, self.first_day + half - 1);
        self.second_half = sum(self.last_day - half + 1, self.last_day);
        self.trend = (self.first_half > 0)
            .then(|| (self.second_half - self.first_half) as f64 / self.first_half as f64);
    }

    /// Mean calls per day over the window's days.
    pub fn per_day_mean(&self) -> Option<f64> {
        let days = self.last_day - self.first_day + 1;
        (days > 0).then(|| self.calls as f64 / days as f64)
    }

    /// Calls per slot of the window, as the dashboard's other charts cut it
    /// ([`Slot::for_days`]: a day when the range is short, up to years; at most
    /// [`super::slots::MAX_SLOTS`] slots), as (the slot's label, calls), slots without calls at 0:
    /// what the page draws, bounded whatever the range. The slot is returned with them.
    pub fn per_slot(&self) -> (Slot, Vec<(String, i64)>) {
        let slot = Slot::for_days(self.first_day, self.last_day);
        let known: std::collections::BTreeMap<i64, i64> =
            self.per_day.iter().filter_map(|(d, n)| Some((parse_day(d)?, *n))).collect();
        let slots = slot
            .slots(self.first_day, self.last_day)
            .into_iter()
            .map(|(start, end)| (slot.label(start), known.range(start..=end).map(|(_, n)| n).sum()))
            .collect();
        (slot, slots)
    }
}

/// `tool_logs` as a subquery with every column of [`COLUMNS`] (NULL for those the file lacks):
/// the hook figures and the tool KPIs read it, so a file whose `tool_logs` lacks a column (an
/// older or hand-made table) gives no value for it instead of failing the dashboard.
pub(super) fn source(facts: &SchemaFacts) -> String {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| if facts.has_column("tool_logs", c) { (*c).to_owned() } else { format!("NULL AS {c}") })
        .collect();
    format!("(SELECT {} FROM tool_logs)", cols.join(", "))
}

/// Text for a label: NULL or empty as [`NONE`].
fn label(v: &Value) -> String {
    let t = v.display();
    if v.as_str().is_none() && v.as_i64().is_none() && v.as_f64().is_none() || t.is_empty() {
        NONE.to_owned()
    } else {
        t
    }
}

fn opt_text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The hook KPIs of the window, or `None` when the file has no `tool_logs`, by SQL over
/// `tool_logs` (the SQL path; [`super::toollog::ToolLog::hook_kpis`] computes the same from
/// the rows in memory, and the tests hold the two equal).
/// Errors: the database's.
pub async fn hook_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    state: &DashboardState,
    w: &Window,
) -> Result<Option<HookKpis>, DbError> {
    if !facts.has_table("tool_logs") {
        return Ok(None);
    }
    let src = source(facts);
    let (f, fp) = tool_filter(state);
    let params = with(&[Value::from(w.start.as_str()), Value::from(format!("{}:59", w.end))], &fp);
    let from = format!("FROM {src} t WHERE timestamp >= ?1 AND timestamp <= ?2{f}");
    let mut k = HookKpis {
        first_day: parse_day(&w.start).unwrap_or(w.first_day),
        last_day: w.last_day,
        per_hour: vec![0; 24],
        ..Default::default()
    };

    // Totals.
    let rs = db
        .query(
            &format!(
                "SELECT COUNT(*), SUM(blocked_by_hook = 1), SUM(success = 0), SUM(lines_changed), SUM(bytes_processed), \
                 SUM(file_affected IS NOT NULL AND file_affected <> ''), \
                 COUNT(DISTINCT CASE WHEN file_affected <> '' THEN file_affected END), \
                 COUNT(DISTINCT COALESCE(session_id, '')), COUNT(duration_ms), COUNT(agent_name) {from}"
            ),
            &params,
        )
        .await?;
    if let Some(r) = rs.rows.first() {
        k.calls = int(&r[0]);
        k.blocked = int(&r[1]);
        k.failures = int(&r[2]);
        k.lines_changed = r[3].as_i64();
        k.bytes_processed = r[4].as_i64();
        k.calls_with_file = int(&r[5]);
        k.files = int(&r[6]);
        k.sessions = if k.calls > 0 { int(&r[7]) } else { 0 };
        k.calls_with_duration = int(&r[8]);
        k.calls_with_agent = int(&r[9]);
    }
    if k.calls == 0 {
        return Ok(Some(k));
    }

    // Per day and per hour of day.
    for r in db
        .query(&format!("SELECT substr(timestamp, 1, 10), COUNT(*) {from} GROUP BY 1 ORDER BY 1"), &params)
        .await?
        .rows
    {
        if let Some(day) = r[0].as_str().and_then(parse_day) {
            k.per_day.push((day_text(day), int(&r[1])));
        }
    }
    for r in
        db.query(&format!("SELECT substr(timestamp, 12, 2), COUNT(*) {from} GROUP BY 1"), &params).await?.rows
    {
        if let Some(h) = r[0].as_str().and_then(|h| h.parse::<usize>().ok()).filter(|h| *h < 24) {
            k.per_hour[h] += int(&r[1]);
        }
    }
    k.fill_trend();

    // Tool mix with volumes.
    let rs = db
        .query(
            &format!(
                "SELECT tool_name, COUNT(*), SUM(lines_changed), SUM(bytes_processed) {from} \
                 GROUP BY tool_name ORDER BY 2 DESC, 1"
            ),
            &params,
        )
        .await?;
    for r in &rs.rows {
        let calls = int(&r[1]);
        k.tool_mix.push(ToolMix {
            tool: label(&r[0]),
            calls,
            share: calls as f64 / k.calls as f64,
            lines_changed: r[2].as_i64(),
            bytes_processed: r[3].as_i64(),
        });
    }

    // Reasons, files, agents: top N of one column among some calls.
    let top = |column: &str, cond: &str, n: usize| {
        format!("SELECT {column}, COUNT(*) {from}{cond} GROUP BY {column} ORDER BY 2 DESC, 1 LIMIT {n}")
    };
    let pairs =
        |rs: crate::value::ResultSet| rs.rows.iter().map(|r| (label(&r[0]), int(&r[1]))).collect::<Vec<_>>();
    if k.blocked > 0 {
        k.block_reasons =
            pairs(db.query(&top("hook_message", " AND blocked_by_hook = 1", TOP_REASONS), &params).await?);
    }
    if k.failures > 0 {
        k.failure_reasons =
            pairs(db.query(&top("error_message", " AND success = 0", TOP_REASONS), &params).await?);
    }
    if k.calls_with_file > 0 {
        k.top_files = pairs(
            db.query(
                &top("file_affected", " AND file_affected IS NOT NULL AND file_affected <> ''", TOP_FILES),
                &params,
            )
            .await?,
        );
    }
    if k.calls_with_agent > 0 {
        k.agents =
            pairs(db.query(&top("agent_name", " AND agent_name IS NOT NULL", TOP_SESSIONS), &params).await?);
    }

    // Sessions and jobs (joined when the tables name them).
    let sessions = facts.has_column("sessions", "id") && facts.has_column("sessions", "job_id");
    let jobs = sessions && facts.has_column("jobs", "id") && facts.has_column("jobs", "title");
    let (job_id, title, joins) = match (sessions, jobs) {
        (true, true) => (
            "s.job_id",
            "j.title",
            " LEFT JOIN sessions s ON s.id = c.session_id LEFT JOIN jobs j ON j.id = s.job_id",
        ),
        (true, false) => ("s.job_id", "NULL", " LEFT JOIN sessions s ON s.id = c.session_id"),
        _ => ("NULL", "NULL", ""),
    };
    let rs = db
        .query(
            &format!(
                "SELECT c.session_id, c.calls, c.first, c.last, {job_id}, {title} FROM \
                 (SELECT session_id, COUNT(*) AS calls, MIN(timestamp) AS first, MAX(timestamp) AS last {from} \
                  GROUP BY session_id) c{joins} ORDER BY c.calls DESC, c.session_id LIMIT {TOP_SESSIONS}"
            ),
            &params,
        )
        .await?;
    k.top_sessions = rs
        .rows
        .iter()
        .map(|r| SessionActivity {
            session: label(&r[0]),
            calls: int(&r[1]),
            first: r[2].display(),
            last: r[3].display(),
            job_id: opt_text(&r[4]),
            job_title: opt_text(&r[5]),
        })
        .collect();
    let rs = db
        .query(
            &format!(
                "SELECT {job_id}, {title}, COUNT(*), SUM(c.calls) FROM \
                 (SELECT session_id, COUNT(*) AS calls {from} GROUP BY session_id) c{joins} \
                 GROUP BY 1 ORDER BY 4 DESC, 1"
            ),
            &params,
        )
        .await?;
    k.jobs = rs
        .rows
        .iter()
        .map(|r| JobActivity {
            job_id: opt_text(&r[0]),
            title: opt_text(&r[1]),
            sessions: int(&r[2]),
            calls: int(&r[3]),
        })
        .collect();

    // Quiet periods: gaps between consecutive calls. Without a sort of every call: the calls
    // are grouped per hour of their julianday, and a gap longer than an hour (QUIET_HOURS is)
    // can only run from one hour's last call to the next occupied hour's first, so the gaps
    // between the groups' bounds are exactly the gaps between consecutive calls that count.
    const _: () =
        assert!(QUIET_HOURS >= 1.0, "the per-hour grouping is exact only for gaps of an hour or more");
    let rs = db
        .query(
            &format!(
                "WITH b AS (SELECT CAST(jd * 24 AS INTEGER) AS hr, MIN(jd) AS lo, MAX(jd) AS hi FROM \
                   (SELECT julianday(timestamp) AS jd {from} AND julianday(timestamp) IS NOT NULL) GROUP BY 1), \
                 g AS (SELECT LAG(hi) OVER (ORDER BY hr) AS before, lo AS after, \
                   (lo - LAG(hi) OVER (ORDER BY hr)) * 24.0 AS h FROM b), \
                 q AS MATERIALIZED (SELECT * FROM g WHERE h > {QUIET_HOURS:.1}) \
                 SELECT before, after, h, (SELECT COUNT(*) FROM q), (SELECT SUM(h) FROM q) FROM q \
                 ORDER BY h DESC, before LIMIT {TOP_QUIET}"
            ),
            &params,
        )
        .await?;
    // The texts of the calls around the longest gaps: the last call (by julianday, then text)
    // before each and the first after, as the consecutive calls ordered by julianday(timestamp),
    // timestamp name them. One more pass, only when there are quiet periods.
    let bounds: Vec<Value> = rs.rows.iter().flat_map(|r| [r[0].clone(), r[1].clone()]).collect();
    let mut texts: Vec<(f64, String, String)> = Vec::new();
    if !bounds.is_empty() {
        let marks =
            (0..bounds.len()).map(|i| format!("?{}", params.len() + i + 1)).collect::<Vec<_>>().join(", ");
        let mut all = params.clone();
        all.extend(bounds);
        let sql = format!(
            "SELECT jd, MIN(timestamp), MAX(timestamp) FROM (SELECT julianday(timestamp) AS jd, timestamp {from}) \
             WHERE jd IN ({marks}) GROUP BY jd"
        );
        for r in db.query(&sql, &all).await?.rows {
            if let Some(jd) = r[0].as_f64() {
                texts.push((jd, r[1].display(), r[2].display()));
            }
        }
    }
    let text = |jd: &Value, last: bool| {
        let jd = jd.as_f64();
        texts
            .iter()
            .find(|(j, _, _)| Some(*j) == jd)
            .map(|(_, first, latest)| if last { latest.clone() } else { first.clone() })
            .unwrap_or_default()
    };
    let mut quiet: Vec<QuietPeriod> = Vec::new();
    for r in &rs.rows {
        k.quiet_count = int(&r[3]);
        k.quiet_hours = r[4].as_f64().unwrap_or(0.0);
        quiet.push(QuietPeriod {
            start: text(&r[0], true),
            end: text(&r[1], false),
            hours: r[2].as_f64().unwrap_or(0.0),
        });
    }
    // Equal lengths are ordered by their start's text, as before.
    quiet.sort_by(|a, b| b.hours.total_cmp(&a.hours).then_with(|| a.start.cmp(&b.start)));
    k.quiet = quiet;
    Ok(Some(k))
}
