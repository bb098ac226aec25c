//! Quest KPIs of the dashboard for Acolytes 2.x files (v2 and hybrid): open quests by status,
//! completions per week, time to complete, messages and hand-offs per quest, the failed and
//! timed-out share, who holds the turn longest, and quests stalled now.
//!
//! Every figure is an SQL aggregate over `acolyte_quests` (run where the database lives: the
//! sql.js worker in the browser). Times are read with [`timestamp::instant_sql`], so the mixed
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

use super::stats::{parse_day, parse_minute, rank_sql, week_label};
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
    /// Quests in which it held the turn for some time within the range.
    pub quests: i64,
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
    /// (week `YYYY-Www` as `strftime('%Y-W%W')` names it, completed) for the weeks of the range,
    /// Monday to Sunday, like the flag KPIs' weeks.
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

/// The temporary tables of one run (the temp schema is never part of the file).
struct Tables {
    /// One row per quest: id, name, status, open, c, u (instants), arr, msgs, leader.
    quests: String,
    /// One row per message of an array broadcast: id, idx, to_agent, ts (raw text).
    raw: String,
    /// The messages with the turn worked out: id, idx, to_agent, before, after, a, b.
    turns: String,
    /// The turn each quest ends on: id, agent, a (turn start), e (turn end).
    tails: String,
}

impl Tables {
    fn new() -> Self {
        let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Tables {
            quests: format!("temp.flagdeck_quests_{run}"),
            raw: format!("temp.flagdeck_quest_raw_{run}"),
            turns: format!("temp.flagdeck_quest_turns_{run}"),
            tails: format!("temp.flagdeck_quest_tails_{run}"),
        }
    }

    fn all(&self) -> [&str; 4] {
        [&self.quests, &self.raw, &self.turns, &self.tails]
    }
}

/// The statements that build the temporary tables. Parameters: `?1` = "as of" in epoch seconds.
fn build_sql(t: &Tables) -> [String; 4] {
    let ended = ended_list();
    let arr = is_array_sql("broadcast");
    let leader =
        format!("COALESCE({}, {})", json_text_sql("recruited", "$[0]"), json_text_sql("context", "$.leader"));
    let quests = format!(
        "CREATE TABLE {q} AS SELECT quest_id AS id, quest_name AS name, status, \
           (status IS NULL OR status NOT IN {ended}) AS open, \
           {c} AS c, {u} AS u, arr, CASE WHEN arr THEN json_array_length(broadcast) END AS msgs, {leader} AS leader \
         FROM (SELECT *, {arr} AS arr FROM {TABLE})",
        q = t.quests,
        c = instant_sql("created_at"),
        u = instant_sql("updated_at"),
    );
    // json_each only ever sees an array: anything else becomes '[]'.
    let member = |field: &str| {
        format!(
            "CASE WHEN j.type = 'object' AND json_type(j.value, '$.{field}') = 'text' THEN json_extract(j.value, '$.{field}') END"
        )
    };
    let raw = format!(
        "CREATE TABLE {r} AS SELECT q.quest_id AS id, CAST(j.key AS INTEGER) AS idx, {to} AS to_agent, {ts} AS ts \
         FROM {TABLE} q, json_each(CASE WHEN {arr} THEN q.broadcast ELSE '[]' END) j",
        r = t.raw,
        arr = is_array_sql("q.broadcast"),
        to = member("to"),
        ts = member("timestamp"),
    );
    // b: the instant the message passes the turn, never before the one before it (nor before
    // created_at); grp numbers the messages that name a `to`, so the holder after a message is
    // the `to` of the last one that named one (or the leader).
    let turns = format!(
        "CREATE TABLE {tt} AS \
         WITH m AS (SELECT r.id, r.idx, r.to_agent, {t} AS t, q.c, q.leader FROM {r} r JOIN {q} q ON q.id = r.id), \
         g AS (SELECT *, COUNT(to_agent) OVER w AS grp, MAX(t) OVER w AS rt FROM m \
               WINDOW w AS (PARTITION BY id ORDER BY idx ROWS UNBOUNDED PRECEDING)), \
         h AS (SELECT *, CASE WHEN c IS NULL THEN rt WHEN rt IS NULL THEN c ELSE max(c, rt) END AS b, \
               COALESCE(MAX(to_agent) OVER (PARTITION BY id, grp), leader) AS after FROM g) \
         SELECT id, idx, to_agent, after, b, \
           COALESCE(LAG(after) OVER p, leader) AS before, COALESCE(LAG(b) OVER p, c) AS a \
         FROM h WINDOW p AS (PARTITION BY id ORDER BY idx)",
        tt = t.turns,
        r = t.raw,
        q = t.quests,
        t = instant_sql("r.ts"),
    );
    let tails = format!(
        "CREATE TABLE {tl} AS SELECT q.id, COALESCE(s.after, q.leader) AS agent, COALESCE(s.b, q.c) AS a, \
           CASE WHEN q.open THEN ?1 ELSE q.u END AS e \
         FROM {q} q LEFT JOIN {tt} s ON s.id = q.id AND s.idx = q.msgs - 1 WHERE q.arr",
        tl = t.tails,
        q = t.quests,
        tt = t.turns,
    );
    [quests, raw, turns, tails]
}

/// Whether the file has quests to show: the table exists (v2 and hybrid files).
pub fn applies(facts: &SchemaFacts) -> bool {
    facts.has_table(TABLE)
}

/// Window bounds in epoch seconds: (start, end, as of). The end and "as of" are the last second
/// of their minute, so everything stamped within the as-of minute is inside.
fn bounds(w: &Window) -> (f64, f64, f64) {
    let minute = |text: &str| parse_minute(text).unwrap_or(0) as f64 * 60.0;
    (minute(&w.start), minute(&w.end) + 59.0, minute(&w.as_of) + 59.0)
}

/// Every quest figure for the window `w`, or `None` when the file has no quest table or no
/// quest. `stall_after_hours` is the stall threshold (negative or not finite: the default).
/// Errors: the database's, from any statement (the temporary tables are dropped either way).
pub async fn quest_kpis<D: Database>(
    db: &D,
    facts: &SchemaFacts,
    w: &Window,
    stall_after_hours: f64,
) -> Result<Option<QuestKpis>, DbError> {
    if !applies(facts) {
        return Ok(None);
    }
    let tables = Tables::new();
    let result = figures(db, &tables, w, stall_after_hours).await;
    for table in tables.all() {
        db.query(&format!("DROP TABLE IF EXISTS {table}"), &[]).await?;
    }
    result
}

async fn figures<D: Database>(
    db: &D,
    t: &Tables,
    w: &Window,
    stall_after_hours: f64,
) -> Result<Option<QuestKpis>, DbError> {
    let stall_after_hours = if stall_after_hours.is_finite() && stall_after_hours >= 0.0 {
        stall_after_hours
    } else {
        DEFAULT_STALL_AFTER_HOURS
    };
    let (ws, we, as_of) = bounds(w);
    let [quests, raw, turns, tails] = build_sql(t);
    db.query(&quests, &[]).await?;
    let q = &t.quests;
    let mut k = QuestKpis { stall_after_hours, ..Default::default() };

    let rs = db
        .query(&format!("SELECT COUNT(*) AS total, SUM(c IS NULL OR u IS NULL) AS unreadable FROM {q}"), &[])
        .await?;
    if let Some((total, unreadable)) = rs.map_first(|r| Ok((r.i64("total")?, r.i64("unreadable")?)))? {
        k.total = total;
        k.unreadable_times = unreadable;
    }
    if k.total == 0 {
        return Ok(None);
    }
    db.query(&raw, &[]).await?;
    db.query(&turns, &[]).await?;
    db.query(&tails, &[Value::Real(as_of)]).await?;

    // Open now, by status.
    let rs = db
        .query(&format!("SELECT COALESCE(status, '') AS status, COUNT(*) AS n FROM {q} WHERE open GROUP BY 1 ORDER BY 1"), &[])
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

    let range = [Value::Real(ws), Value::Real(we)];
    // Completions per day of the range, then per Monday-to-Sunday week.
    let rs = db
        .query(
            &format!(
                "SELECT date(u, 'unixepoch') AS day, COUNT(*) AS n FROM {q} \
                 WHERE status = '{completed}' AND u >= ?1 AND u <= ?2 GROUP BY 1 ORDER BY 1",
                completed = QuestStatus::Completed.sql()
            ),
            &range,
        )
        .await?;
    let per_day: Vec<(i64, i64)> = rs
        .map_rows(|r| Ok((r.text("day")?, r.i64("n")?)))?
        .into_iter()
        .filter_map(|(d, n)| parse_day(&d).map(|d| (d, n)))
        .collect();
    k.completed = per_day.iter().map(|(_, n)| n).sum();
    let first = parse_day(&w.start).unwrap_or(w.first_day);
    let mut weekly: Vec<(String, i64)> = Vec::new();
    for day in first..=w.last_day {
        let n: i64 = per_day.iter().filter(|(d, _)| *d == day).map(|(_, n)| n).sum();
        let week = week_label(day);
        match weekly.last_mut() {
            Some((label, c)) if *label == week => *c += n,
            _ => weekly.push((week, n)),
        }
    }
    k.weekly_completed = weekly;

    // Time to complete, nearest-rank.
    let (p50, p90) = (rank_sql(50, "n"), rank_sql(90, "n"));
    let rs = db
        .query(
            &format!(
                "WITH d AS (SELECT u - c AS s FROM {q} WHERE status = '{completed}' AND u >= ?1 AND u <= ?2 AND c IS NOT NULL), \
                 r AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS rn, COUNT(*) OVER () AS n FROM d) \
                 SELECT COUNT(*) AS n, MAX(CASE WHEN rn = {p50} THEN s END) AS p50, \
                   MAX(CASE WHEN rn = {p90} THEN s END) AS p90, MIN(s) AS lo, MAX(s) AS hi FROM r",
                completed = QuestStatus::Completed.sql()
            ),
            &range,
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

    // Messages and hand-offs per quest created in the range.
    let tt = &t.turns;
    let rs = db
        .query(
            &format!(
                "WITH x AS (SELECT q.id, q.arr, q.msgs, COALESCE(h.n, 0) AS handoffs FROM {q} q \
                   LEFT JOIN (SELECT id, SUM(to_agent IS NOT NULL AND to_agent IS NOT before) AS n FROM {tt} GROUP BY id) h \
                   ON h.id = q.id WHERE q.c >= ?1 AND q.c <= ?2), \
                 r AS (SELECT msgs, handoffs, ROW_NUMBER() OVER (ORDER BY msgs) AS rn, COUNT(*) OVER () AS n FROM x WHERE arr) \
                 SELECT (SELECT COUNT(*) FROM x WHERE NOT arr) AS not_array, COUNT(*) AS quests, \
                   SUM(msgs) AS messages, AVG(msgs) AS mean, \
                   AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN msgs END) AS median, \
                   SUM(handoffs) AS handoffs, AVG(handoffs) AS handoffs_mean FROM r"
            ),
            &range,
        )
        .await?;
    let read = rs.map_first(|r| {
        Ok(QuestKpis {
            broadcast_not_array: r.i64("not_array")?,
            with_thread: r.i64("quests")?,
            messages: r.i64("messages")?,
            messages_mean: r.get("mean")?.as_f64(),
            messages_median: r.get("median")?.as_f64(),
            handoffs: r.i64("handoffs")?,
            handoffs_mean: r.get("handoffs_mean")?.as_f64(),
            ..Default::default()
        })
    })?;
    if let Some(m) = read {
        k.broadcast_not_array = m.broadcast_not_array;
        k.with_thread = m.with_thread;
        k.messages = m.messages;
        k.messages_mean = m.messages_mean;
        k.messages_median = m.messages_median;
        k.handoffs = m.handoffs;
        k.handoffs_mean = m.handoffs_mean;
    }

    // Ended in the range, by ending status.
    let rs = db
        .query(
            &format!(
                "SELECT COUNT(*) AS ended, SUM(status = '{failed}') AS failed, SUM(status = '{timeout}') AS timeout \
                 FROM {q} WHERE NOT open AND u >= ?1 AND u <= ?2",
                failed = QuestStatus::Failed.sql(),
                timeout = QuestStatus::Timeout.sql()
            ),
            &range,
        )
        .await?;
    if let Some((ended, failed, timeout)) =
        rs.map_first(|r| Ok((r.i64("ended")?, r.i64("failed")?, r.i64("timeout")?)))?
    {
        (k.ended, k.failed, k.timeout) = (ended, failed, timeout);
    }
    k.failed_timeout_share = (k.ended > 0).then(|| (k.failed + k.timeout) as f64 / k.ended as f64);

    // Turn holding per agent, clipped to the range.
    let tl = &t.tails;
    let rs = db
        .query(
            &format!(
                "WITH s AS (SELECT id, before AS agent, a, b AS e FROM {tt} UNION ALL SELECT id, agent, a, e FROM {tl}), \
                 c AS (SELECT id, agent, max(0.0, min(e, ?2) - max(a, ?1)) AS len FROM s WHERE agent IS NOT NULL), \
                 g AS (SELECT agent, round(SUM(len), 3) AS seconds, COUNT(DISTINCT id) AS quests FROM c WHERE len > 0 GROUP BY agent) \
                 SELECT agent, seconds, quests, COUNT(*) OVER () AS agents FROM g ORDER BY seconds DESC, agent LIMIT {TOP}"
            ),
            &range,
        )
        .await?;
    let rows = rs.map_rows(|r| {
        Ok((
            AgentTurns {
                agent: r.text("agent")?,
                seconds: r.get("seconds")?.as_f64().unwrap_or(0.0),
                quests: r.i64("quests")?,
            },
            r.i64("agents")?,
        ))
    })?;
    k.agents_holding = rows.first().map(|(_, n)| *n).unwrap_or(0);
    k.turn_holding = rows.into_iter().map(|(a, _)| a).collect();

    // Stalled now.
    let stall = [Value::Real(as_of), Value::Real(stall_after_hours * 3600.0)];
    let rs = db
        .query(
            &format!(
                "SELECT q.id, q.name, t.agent AS holder, round(?1 - t.a, 3) AS held, COUNT(*) OVER () AS stalled \
                 FROM {tl} t JOIN {q} q ON q.id = t.id \
                 WHERE q.open AND t.agent IS NOT NULL AND t.a IS NOT NULL AND ?1 - t.a > ?2 \
                 ORDER BY held DESC, q.id LIMIT {TOP}"
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

/// The earliest and latest quest instants as `YYYY-MM-DD HH:MM` (for the dashboard's window:
/// "as of" the latest activity includes quest updates). One SELECT yielding `(hi, lo)`.
pub fn activity_sql() -> String {
    format!(
        "SELECT strftime('%Y-%m-%d %H:%M', max(i), 'unixepoch') AS hi, strftime('%Y-%m-%d %H:%M', min(i), 'unixepoch') AS lo \
         FROM (SELECT {} AS i FROM {TABLE} UNION ALL SELECT {} FROM {TABLE})",
        instant_sql("created_at"),
        instant_sql("updated_at")
    )
}
