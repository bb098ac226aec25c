//! Quest KPIs of the dashboard for Acolytes 2.x files (v2 and hybrid): open quests by status,
//! completions per week, time to complete, messages and hand-offs per quest, the failed and
//! timed-out share, who holds the turn longest, and quests stalled now.
//!
//! Every figure is an SQL aggregate over `acolyte_quests` (run where the database lives: the
//! sql.js worker in the browser). Times are read with [`crate::timestamp::instant_sql`], so the mixed
//! formats of one file (v2: `created_at` as `YYYY-MM-DD HH:MM:SS` text and `updated_at` as epoch
//! text; hybrid: INTEGER epoch seconds; `broadcast[].timestamp` ISO with microseconds) are the
//! same instants. The rules come from the upstream quest scripts
//! (`acolytes/data/scripts/acolyte_quest/`): `quest_create.py` gives the turn to the leader (the
//! first of `recruited`), `quest_message.py` / `quest_respond.py` append `{from, to, message,
//! timestamp}` to `broadcast` and give the turn to `to`, every update sets `updated_at`, and
//! `quest_complete.py` ends a quest; `acolyte_quest_core.get_all_active_quests` counts a quest
//! as active unless it is completed, failed or timed out. Their definitions are in
//! [`super::definitions`] (the `quest…` keys).

use serde::{Deserialize, Serialize};

use super::slots::table_rows;
use super::stats::{parse_day, parse_minute, rank_sql};
use super::{Window, RUN};
use crate::port::{Database, DbError};
use crate::quests::QuestStatus;
use crate::schema::SchemaFacts;
use crate::timestamp::instant_sql;
use crate::value::Value;

pub use crate::quests::TABLE;

/// `('completed', 'failed', 'timeout')`: the statuses that end a quest
/// ([`QuestStatus::is_open`]; unknown statuses are open, as `get_all_active_quests` counts).
fn ended_list() -> String {
    let quoted: Vec<String> =
        QuestStatus::ALL.iter().filter(|s| !s.is_open()).map(|s| format!("'{}'", s.sql())).collect();
    format!("({})", quoted.join(", "))
}

/// How many agents (turn holding) and stalled quests the aggregates keep: the snapshot link
/// carries them, so they stay short.
pub const TOP: usize = 10;
/// The stall threshold when the settings name none: a day.
pub const DEFAULT_STALL_AFTER_HOURS: f64 = 24.0;

/// Nearest-rank percentiles and extremes of a set of durations, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DurationStats {
    /// How many durations.
    pub count: i64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Turn holding of one agent: the seconds it held the turn, within the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentTurns {
    pub agent: String,
    /// Seconds, to the millisecond (broadcast times have a fraction).
    pub seconds: f64,
}

/// An open quest whose holder has had the turn longer than the stall threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StalledQuest {
    pub id: i64,
    pub name: String,
    /// Whose turn it is (the last `to` of `broadcast`, or the leader when nobody wrote).
    pub holder: String,
    /// Seconds from the holder getting the turn to "as of".
    pub held_seconds: f64,
}

/// The quest figures (see [`super::definitions`] for each rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct QuestKpis {
    /// All quests in the file.
    pub total: i64,
    /// Open quests now: working, waiting, reviewing (always, even 0), then any other status
    /// that is not an ending one, as stored (NULL reads as the empty text).
    pub open_by_status: Vec<(String, i64)>,
    /// Sum of `open_by_status`.
    pub open: i64,
    /// Quests completed in the range (by `updated_at`, the completing instant).
    pub completed: i64,
    /// (week `YYYY-Www` as `strftime('%Y-W%W')` names it, completed) for the weeks of the range
    /// from the first quest's creation on, Monday to Sunday, like the flag KPIs' weeks; per
    /// longer slot when the window's slots are longer than a week
    /// ([`super::slots::Slot::table_slot`]).
    pub weekly_completed: Vec<(String, i64)>,
    /// `updated_at − created_at` of the quests completed in the range, in seconds.
    pub time_to_complete: DurationStats,
    /// Quests created in the range whose `broadcast` is a JSON array.
    pub with_thread: i64,
    /// Messages (entries of `broadcast`) of those quests.
    pub messages: i64,
    pub messages_mean: Option<f64>,
    /// The middle value (the mean of the two middle values for an even count).
    pub messages_median: Option<f64>,
    /// Quests created in the range whose `broadcast` is not a JSON array (NULL, malformed, an
    /// object): left out of the message, hand-off and turn figures rather than counted as 0.
    pub broadcast_not_array: i64,
    /// Turn passes in those quests (see [`super::definitions`], `quest-handoffs`).
    pub handoffs: i64,
    pub handoffs_mean: Option<f64>,
    /// Quests that ended in the range (by `updated_at`), by ending status.
    pub ended: i64,
    pub failed: i64,
    pub timeout: i64,
    /// (failed + timeout) ÷ ended.
    pub failed_timeout_share: Option<f64>,
    /// The agents holding the turn longest within the range, longest first (at most [`TOP`]).
    pub turn_holding: Vec<AgentTurns>,
    /// How many agents held the turn for some time within the range.
    pub agents_holding: i64,
    /// The stall threshold used, in hours.
    pub stall_after_hours: f64,
    /// Open quests stalled as of "as of".
    pub stalled: i64,
    /// The longest-stalled of them (at most [`TOP`]).
    pub stalled_longest: Vec<StalledQuest>,
    /// Quests whose `created_at` or `updated_at` is not a readable instant (left out of the
    /// time figures; shown as a warning).
    pub unreadable_times: i64,
}

/// A JSON text at `path` of `column`, or NULL when the column is not valid JSON or holds
/// something else there (never an error on malformed JSON).
fn json_text_sql(column: &str, path: &str) -> String {
    format!(
        "(CASE WHEN typeof({column}) = 'text' AND json_valid({column}) THEN \
           CASE WHEN json_type({column}, '{path}') = 'text' THEN json_extract({column}, '{path}') END END)"
    )
}

/// 1 when `column` is a JSON array, 0 otherwise (NULL, malformed, another JSON type).
fn is_array_sql(column: &str) -> String {
    format!(
        "(CASE WHEN typeof({column}) = 'text' AND json_valid({column}) THEN json_type({column}) = 'array' ELSE 0 END)"
    )
}

/// Whether the file has quests to show: the table exists (v2 and hybrid files).
pub fn applies(facts: &SchemaFacts) -> bool {
    facts.has_table(TABLE)
}

/// [`QuestRun::activity_sql`] read straight from `acolyte_quests` (the same instants,
/// [`instant_sql`] of `created_at` and `updated_at`), for "as of" without a prepared run.
pub fn table_activity_sql() -> String {
    format!(
        "SELECT strftime('%Y-%m-%d %H:%M', max(i), 'unixepoch') AS hi, strftime('%Y-%m-%d %H:%M', min(i), 'unixepoch') AS lo \
         FROM (SELECT {c} AS i FROM {TABLE} UNION ALL SELECT {u} FROM {TABLE})",
        c = instant_sql("created_at"),
        u = instant_sql("updated_at"),
    )
}

/// Window bounds in epoch seconds: (start, end, as of). The end and "as of" are the last second
/// of their minute, so everything stamped within the as-of minute is inside.
fn bounds(w: &Window) -> (f64, f64, f64) {
    let minute = |text: &str| parse_minute(text).unwrap_or(0) as f64 * 60.0;
    (minute(&w.start), minute(&w.end) + 59.0, minute(&w.as_of) + 59.0)
}

/// One computation of the quest figures over temporary tables (the temp schema is never part
/// of the file, so nothing reaches an export). [`QuestRun::prepare`] reads `acolyte_quests`
/// once into the quest table, which also gives the dashboard's window its quest activity
/// ([`QuestRun::activity_sql`]); [`QuestRun::figures`] computes the KPIs for a window;
/// [`QuestRun::finish`] drops the tables. [`quest_kpis`] does all three.
#[derive(Debug)]
pub struct QuestRun {
    /// One row per quest, keyed by the source rowid `k`: id, name, status, open, c, u
    /// (instants, epoch seconds), arr (broadcast is a JSON array), msgs, leader.
    quests: String,
    /// One row per entry of an array broadcast, keyed by (k, idx): to_agent, t (its instant).
    messages: String,
    /// The keys of the quests whose thread needs the slow path: a message without a `to`, with
    /// an unreadable time, or timed before the message before it (see [`QuestRun::turns_sql`]).
    odd: String,
    /// The messages with the turn worked out (see [`QuestRun::turns_sql`]).
    turns: String,
}

impl QuestRun {
    fn named() -> Self {
        let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        QuestRun {
            quests: format!("temp.flagdeck_quests_{run}"),
            messages: format!("temp.flagdeck_quest_messages_{run}"),
            odd: format!("temp.flagdeck_quest_odd_{run}"),
            turns: format!("temp.flagdeck_quest_turns_{run}"),
        }
    }

    /// The statements that read `acolyte_quests` into the quest and message tables.
    fn prepare_sql(&self) -> [String; 6] {
        let leader = format!(
            "COALESCE({}, {})",
            json_text_sql("recruited", "$[0]"),
            json_text_sql("context", "$.leader")
        );
        let ended = ended_list();
        let create_quests = format!(
            "CREATE TABLE {q} (k INTEGER PRIMARY KEY, id, name, status, open, c, u, arr, msgs, leader)",
            q = self.quests
        );
        let fill_quests = format!(
            "INSERT INTO {q} SELECT rowid, quest_id, quest_name, status, (status IS NULL OR status NOT IN {ended}), \
               {c}, {u}, arr, CASE WHEN arr THEN json_array_length(broadcast) END, {leader} \
             FROM (SELECT rowid, *, {arr} AS arr FROM {TABLE})",
            q = self.quests,
            c = instant_sql("created_at"),
            u = instant_sql("updated_at"),
            arr = is_array_sql("broadcast"),
        );
        let create_messages = format!(
            "CREATE TABLE {m} (k INTEGER, idx INTEGER, to_agent, t, PRIMARY KEY (k, idx)) WITHOUT ROWID",
            m = self.messages
        );
        // json_each only ever sees an array: anything else becomes '[]'. Members are read by
        // their path in the whole broadcast (whose parse SQLite keeps for the row), with `->>`
        // (a JSON string as its text); a `to` or `timestamp` that is not a JSON string (a
        // number, an object, an array) counts as missing. MATERIALIZED: each member is read
        // once, not once per use in the expressions below.
        let member = |field: &str| {
            format!("CASE WHEN j.type = 'object' THEN q.broadcast ->> ('$[' || j.key || '].{field}') END")
        };
        let fill_messages = format!(
            "INSERT INTO {m} WITH x AS MATERIALIZED (SELECT q.rowid AS k, j.key AS idx, {to} AS tv, {ts} AS tsv \
               FROM {TABLE} q, json_each(CASE WHEN {arr} THEN q.broadcast ELSE '[]' END) j), \
             y AS (SELECT k, idx, CASE WHEN typeof(tv) = 'text' AND NOT (substr(tv, 1, 1) IN ('{{', '[') AND json_valid(tv)) \
                 THEN tv END AS to_agent, CASE WHEN typeof(tsv) = 'text' THEN tsv END AS ts FROM x) \
             SELECT k, idx, to_agent, {t} FROM y",
            m = self.messages,
            arr = is_array_sql("q.broadcast"),
            to = member("to"),
            ts = member("timestamp"),
            t = instant_sql("ts"),
        );
        let create_odd = format!("CREATE TABLE {o} (k INTEGER PRIMARY KEY)", o = self.odd);
        let fill_odd = format!(
            "INSERT OR IGNORE INTO {o} SELECT a.k FROM {m} a LEFT JOIN {m} p ON p.k = a.k AND p.idx = a.idx - 1 \
             WHERE a.to_agent IS NULL OR a.t IS NULL OR a.t < p.t",
            o = self.odd,
            m = self.messages
        );
        [create_quests, fill_quests, create_messages, fill_messages, create_odd, fill_odd]
    }

    /// The turn table, one row per message. Parameter `?1` = "as of" in epoch seconds. Columns:
    /// k, idx, to_agent; `before` / `after` = who holds the turn before / after the message (the
    /// `to` of the last message up to there that names one, else the leader); `a` / `b` = when
    /// the turn passes before / at the message (the latest readable time so far, never before
    /// created_at); `last` = the quest's last message; `e` = when the last holder's turn ends
    /// (updated_at for an ended quest, "as of" for an open one).
    ///
    /// In a quest whose every message names a `to` and has a readable time no earlier than the
    /// one before (every thread the scripts write), "so far" is the message before: a lookup by
    /// key. The other quests (the odd table) take correlated subqueries over their own few
    /// messages. Window functions would give the same in one pass but cost several times more
    /// on sql.js.
    fn turns_sql(&self) -> String {
        let bound =
            |x: &str| format!("CASE WHEN c IS NULL THEN {x} WHEN {x} IS NULL THEN c ELSE max(c, {x}) END");
        let m = &self.messages;
        let prior_to = format!(
            "(SELECT x.to_agent FROM {m} x WHERE x.k = r.k AND x.idx < r.idx AND x.to_agent IS NOT NULL \
             ORDER BY x.idx DESC LIMIT 1)"
        );
        let prior_t =
            |cmp: &str| format!("(SELECT MAX(x.t) FROM {m} x WHERE x.k = r.k AND x.idx {cmp} r.idx)");
        format!(
            "CREATE TABLE {tt} AS SELECT k, idx, to_agent, before, COALESCE(to_agent, before) AS after, \
               {a} AS a, {b} AS b, last, e \
             FROM (SELECT r.k, r.idx, r.to_agent, q.c, \
                 CASE WHEN o.k IS NULL THEN COALESCE(p.to_agent, q.leader) ELSE COALESCE({prior_to}, q.leader) END AS before, \
                 CASE WHEN o.k IS NULL THEN p.t ELSE {rp} END AS rp, \
                 CASE WHEN o.k IS NULL THEN r.t ELSE {ru} END AS ru, \
                 r.idx = q.msgs - 1 AS last, CASE WHEN q.open THEN ?1 ELSE q.u END AS e \
               FROM {m} r JOIN {q} q ON q.k = r.k LEFT JOIN {m} p ON p.k = r.k AND p.idx = r.idx - 1 \
                 LEFT JOIN {o} o ON o.k = r.k)",
            tt = self.turns,
            q = self.quests,
            o = self.odd,
            rp = prior_t("<"),
            ru = prior_t("<="),
            a = bound("rp"),
            b = bound("ru"),
        )
    }

    /// The turn each quest with an array broadcast ends on: (k, agent, a = since, e = until).
    /// Parameter `?3` = "as of" in epoch seconds.
    fn tails_sql(&self) -> String {
        format!(
            "SELECT k, after AS agent, b AS a, e FROM {tt} WHERE last \
             UNION ALL SELECT k, leader, c, CASE WHEN open THEN ?3 ELSE u END FROM {q} WHERE arr AND msgs = 0",
            tt = self.turns,
            q = self.quests
        )
    }

    /// Reads the quests into the run's temporary tables; `None` (and nothing left behind) when
    /// the file has no quest table. Errors: the database's.
    pub async fn prepare<D: Database>(db: &D, facts: &SchemaFacts) -> Result<Option<QuestRun>, DbError> {
        if !applies(facts) {
            return Ok(None);
        }
        let run = QuestRun::named();
        for sql in run.prepare_sql() {
            if let Err(e) = db.query(&sql, &[]).await {
                run.finish(db).await?;
                return Err(e);
            }
        }
        Ok(Some(run))
    }

    /// One SELECT yielding `(hi, lo)`: the latest and earliest quest instants as
    /// `YYYY-MM-DD HH:MM` (the dashboard's window: "as of" the latest activity includes quest
    /// updates).
    pub fn activity_sql(&self) -> String {
        format!(
            "SELECT strftime('%Y-%m-%d %H:%M', max(i), 'unixepoch') AS hi, strftime('%Y-%m-%d %H:%M', min(i), 'unixepoch') AS lo \
             FROM (SELECT c AS i FROM {q} UNION ALL SELECT u FROM {q})",
            q = self.quests
        )
    }

    /// Drops the run's temporary tables. Errors: the database's.
    pub async fn finish<D: Database>(self, db: &D) -> Result<(), DbError> {
        for table in [&self.quests, &self.messages, &self.odd, &self.turns] {
            db.query(&format!("DROP TABLE IF EXISTS {table}"), &[]).await?;
        }
        Ok(())
    }

    /// Every quest figure for the window `w`; `None` when the file holds no quest.
    /// `stall_after_hours` is the stall threshold (negative or not finite: the default).
    /// Errors: the database's, from any statement.
    pub async fn figures<D: Database>(
        &self,
        db: &D,
        w: &Window,
        stall_after_hours: f64,
    ) -> Result<Option<QuestKpis>, DbError> {
        let stall_after_hours = if stall_after_hours.is_finite() && stall_after_hours >= 0.0 {
            stall_after_hours
        } else {
            DEFAULT_STALL_AFTER_HOURS
        };
        let (ws, we, as_of) = bounds(w);
        let (q, tt) = (&self.quests, &self.turns);
        let mut k = QuestKpis { stall_after_hours, ..Default::default() };

        let rs = db
            .query(
                &format!("SELECT COUNT(*) AS total, SUM(c IS NULL OR u IS NULL) AS unreadable FROM {q}"),
                &[],
            )
            .await?;
        if let Some((total, unreadable)) = rs.map_first(|r| Ok((r.i64("total")?, r.i64("unreadable")?)))? {
            k.total = total;
            k.unreadable_times = unreadable;
        }
        if k.total == 0 {
            return Ok(None);
        }
        db.query(&format!("DROP TABLE IF EXISTS {tt}"), &[]).await?;
        db.query(&self.turns_sql(), &[Value::Real(as_of)]).await?;

        // Open now, by status.
        let rs = db
            .query(
                &format!("SELECT COALESCE(status, '') AS status, COUNT(*) AS n FROM {q} WHERE open GROUP BY 1 ORDER BY 1"),
                &[],
            )
            .await?;
        let mut by_status: Vec<(String, i64)> =
            QuestStatus::ALL.iter().filter(|s| s.is_open()).map(|s| (s.sql().to_owned(), 0)).collect();
        for (status, n) in rs.map_rows(|r| Ok((r.text("status")?, r.i64("n")?)))? {
            match by_status.iter_mut().find(|(s, _)| *s == status) {
                Some(e) => e.1 += n,
                None => by_status.push((status, n)),
            }
        }
        k.open = by_status.iter().map(|(_, n)| n).sum();
        k.open_by_status = by_status;

        let range = [Value::Real(ws), Value::Real(we), Value::Real(as_of)];
        let completed = QuestStatus::Completed.sql();
        // Completions per day of the range, then per Monday-to-Sunday week.
        let rs = db
            .query(
                &format!(
                    "SELECT date(u, 'unixepoch') AS day, COUNT(*) AS n FROM {q} \
                     WHERE status = '{completed}' AND u >= ?1 AND u <= ?2 GROUP BY 1 ORDER BY 1"
                ),
                &range[..2],
            )
            .await?;
        let per_day: Vec<(i64, i64)> = rs
            .map_rows(|r| Ok((r.text("day")?, r.i64("n")?)))?
            .into_iter()
            .filter_map(|(d, n)| parse_day(&d).map(|d| (d, n)))
            .collect();
        k.completed = per_day.iter().map(|(_, n)| n).sum();
        // The weeks start at the range's start, or at the first quest when quests came later
        // (a 1.x project upgraded to 2.x: months of flags before the first quest).
        let first_quest = db
            .query(&format!("SELECT date(min(c), 'unixepoch') AS day FROM {q}"), &[])
            .await?
            .map_first(|r| r.opt_text("day"))?
            .flatten()
            .and_then(|d| parse_day(&d));
        let first = parse_day(&w.start).unwrap_or(w.first_day).max(first_quest.unwrap_or(i64::MIN));
        // Per week; per longer slot when the window's slots are longer than a week.
        k.weekly_completed = table_rows(w.slot, first, w.last_day, &per_day);

        // Time to complete, nearest-rank.
        let (p50, p90) = (rank_sql(50, "n"), rank_sql(90, "n"));
        let rs = db
            .query(
                &format!(
                    "WITH d AS (SELECT u - c AS s FROM {q} WHERE status = '{completed}' AND u >= ?1 AND u <= ?2 AND c IS NOT NULL), \
                     r AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS rn, COUNT(*) OVER () AS n FROM d) \
                     SELECT COUNT(*) AS n, MAX(CASE WHEN rn = {p50} THEN s END) AS p50, \
                       MAX(CASE WHEN rn = {p90} THEN s END) AS p90, MIN(s) AS lo, MAX(s) AS hi FROM r"
                ),
                &range[..2],
            )
            .await?;
        if let Some(d) = rs.map_first(|r| {
            Ok(DurationStats {
                count: r.i64("n")?,
                p50: r.get("p50")?.as_f64(),
                p90: r.get("p90")?.as_f64(),
                min: r.get("lo")?.as_f64(),
                max: r.get("hi")?.as_f64(),
            })
        })? {
            k.time_to_complete = d;
        }

        // Messages per quest created in the range; the median from the count of quests per
        // message count (the middle value, or the mean of the two middle ones).
        let rs = db
            .query(
                &format!(
                    "SELECT SUM(NOT arr) AS not_array, SUM(arr) AS quests, SUM(CASE WHEN arr THEN msgs END) AS messages, \
                       AVG(CASE WHEN arr THEN msgs END) AS mean FROM {q} WHERE c >= ?1 AND c <= ?2"
                ),
                &range[..2],
            )
            .await?;
        if let Some(m) = rs.map_first(|r| {
            Ok((r.i64("not_array")?, r.i64("quests")?, r.i64("messages")?, r.get("mean")?.as_f64()))
        })? {
            (k.broadcast_not_array, k.with_thread, k.messages, k.messages_mean) = m;
        }
        let rs = db
            .query(
                &format!(
                    "WITH v AS (SELECT msgs, COUNT(*) AS n FROM {q} WHERE arr AND c >= ?1 AND c <= ?2 GROUP BY msgs), \
                     r AS (SELECT msgs, SUM(n) OVER (ORDER BY msgs) AS cum, SUM(n) OVER () AS total FROM v) \
                     SELECT (MIN(CASE WHEN cum >= (total + 1) / 2 THEN msgs END) \
                       + MIN(CASE WHEN cum >= (total + 2) / 2 THEN msgs END)) / 2.0 AS median FROM r"
                ),
                &range[..2],
            )
            .await?;
        k.messages_median = rs.map_first(|r| Ok(r.get("median")?.as_f64()))?.flatten();
        // Hand-offs of the same quests.
        let rs = db
            .query(
                &format!(
                    "SELECT SUM(t.to_agent IS NOT NULL AND t.to_agent IS NOT t.before) AS n FROM {tt} t \
                     JOIN {q} q ON q.k = t.k WHERE q.c >= ?1 AND q.c <= ?2"
                ),
                &range[..2],
            )
            .await?;
        k.handoffs = rs.map_first(|r| r.i64("n"))?.unwrap_or(0);
        k.handoffs_mean = (k.with_thread > 0).then(|| k.handoffs as f64 / k.with_thread as f64);

        // Ended in the range, by ending status.
        let rs = db
            .query(
                &format!(
                    "SELECT COUNT(*) AS ended, SUM(status = '{failed}') AS failed, SUM(status = '{timeout}') AS timeout \
                     FROM {q} WHERE NOT open AND u >= ?1 AND u <= ?2",
                    failed = QuestStatus::Failed.sql(),
                    timeout = QuestStatus::Timeout.sql()
                ),
                &range[..2],
            )
            .await?;
        if let Some(e) = rs.map_first(|r| Ok((r.i64("ended")?, r.i64("failed")?, r.i64("timeout")?)))? {
            (k.ended, k.failed, k.timeout) = e;
        }
        k.failed_timeout_share = (k.ended > 0).then(|| (k.failed + k.timeout) as f64 / k.ended as f64);

        // Turn holding per agent, clipped to the range.
        let rs = db
            .query(
                &format!(
                    "WITH s AS (SELECT k, before AS agent, a, b AS e FROM {tt} UNION ALL {tails}), \
                     c AS (SELECT k, agent, max(0.0, min(e, ?2) - max(a, ?1)) AS len FROM s WHERE agent IS NOT NULL), \
                     g AS (SELECT agent, round(SUM(len), 3) AS seconds FROM c WHERE len > 0 GROUP BY agent) \
                     SELECT agent, seconds, COUNT(*) OVER () AS agents FROM g ORDER BY seconds DESC, agent LIMIT {TOP}",
                    tails = self.tails_sql()
                ),
                &range,
            )
            .await?;
        let rows = rs.map_rows(|r| {
            Ok((
                AgentTurns { agent: r.text("agent")?, seconds: r.get("seconds")?.as_f64().unwrap_or(0.0) },
                r.i64("agents")?,
            ))
        })?;
        k.agents_holding = rows.first().map(|(_, n)| *n).unwrap_or(0);
        k.turn_holding = rows.into_iter().map(|(a, _)| a).collect();

        // Stalled now: open quests whose holder has had the turn longer than the threshold.
        let stall = [Value::Real(as_of), Value::Real(stall_after_hours * 3600.0), Value::Real(as_of)];
        let rs = db
            .query(
                &format!(
                    "SELECT q.id, q.name, t.agent AS holder, round(?1 - t.a, 3) AS held, COUNT(*) OVER () AS stalled \
                     FROM ({tails}) t JOIN {q} q ON q.k = t.k \
                     WHERE q.open AND t.agent IS NOT NULL AND t.a IS NOT NULL AND ?1 - t.a > ?2 \
                     ORDER BY held DESC, q.id LIMIT {TOP}",
                    tails = self.tails_sql()
                ),
                &stall,
            )
            .await?;
        let rows = rs.map_rows(|r| {
            Ok((
                StalledQuest {
                    id: r.i64("id")?,
                    name: r.text("name")?,
                    holder: r.text("holder")?,
                    held_seconds: r.get("held")?.as_f64().unwrap_or(0.0),
                },
                r.i64("stalled")?,
            ))
        })?;
        k.stalled = rows.first().map(|(_, n)| *n).unwrap_or(0);
        k.stalled_longest = rows.into_iter().map(|(s, _)| s).collect();
        Ok(Some(k))
    }
}

/// Every quest figure for the window `w` in one call ([`QuestRun::prepare`], then
/// [`QuestRun::figures`], then [`QuestRun::finish`] whatever happened), or `None` when the
/// file has no quest table or no quest. Note that `w` should already count quest activity
/// (the dashboard's [`super::aggregates`] builds it with [`QuestRun::activity_sql`]).
/// Errors: the database's, from any statement.
pub async fn quest_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    w: &Window,
    stall_after_hours: f64,
) -> Result<Option<QuestKpis>, DbError> {
    let Some(run) = QuestRun::prepare(db, facts).await? else { return Ok(None) };
    let result = run.figures(db, w, stall_after_hours).await;
    run.finish(db).await?;
    result
}
