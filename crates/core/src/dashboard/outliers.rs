//! Where a file's activity is, and which timestamps are outliers (placeholder dates such as
//! `1970-01-01 00:00` or `2099-12-31 23:59`, clocks set wrong) or cannot be read at all.
//!
//! The rule ([`RULE`], shown on the dashboard), on the activity instants of the file — flag
//! `created_at` and `completed_at`, tool call `timestamp`, health `checked_at`, quest
//! `created_at` and `updated_at` — each read to its day:
//! 1. a day before [`PLACEHOLDER_BEFORE`] (2020-01-01) is a placeholder: the tools flagdeck
//!    reads (ClaudeSquad, Acolytes) date from 2025, so such a day is a default value such as
//!    epoch 0;
//! 2. of the other days, counted once per instant, take the nearest-rank quartiles Q1 and Q3;
//!    a day more than [`FENCE_SPREADS`] × max(Q3 − Q1, [`MIN_SPREAD_DAYS`]) days before Q1 or
//!    after Q3 is an outlier (Tukey's "far out" fences on the days of activity, with a floor so
//!    that a file whose activity fits in a few days keeps its next weeks);
//! 3. outliers are a few stray dates: when the days beyond one fence hold more than
//!    [`MAX_OUTLIER_PERCENT`] (1 %) of the instants, they are activity (a project used in
//!    bursts months apart) and that fence moves out to include them.
//!
//! The rule does not look at the wall clock, so it gives the same answer on every machine and
//! whatever "as of" is. A timestamp that is neither NULL nor the empty text and cannot be read (not `YYYY-MM-DD…` text,
//! or for quests none of the forms [`crate::timestamp::instant_sql`] reads) is unreadable; it
//! takes part in no figure, and is counted with the outliers.

use serde::{Deserialize, Serialize};

use super::stats::{day_text, nearest_rank, parse_day, parse_minute};
use super::DATE_GLOB;
use crate::calendar::days_from_civil;
use crate::port::{Database, DbError};
use crate::schema::SchemaFacts;
use crate::table_info;
use crate::timestamp::instant_sql;
use crate::value::{sql_max, sql_min, Value};

/// Days before this (`YYYY-MM-DD`) are placeholders, whatever the rest of the file holds.
pub const PLACEHOLDER_BEFORE: &str = "2020-01-01";
/// The fences are this many spreads outside the quartiles (Tukey's "far out": 3).
pub const FENCE_SPREADS: i64 = 3;
/// The smallest spread (days) the fences are measured in.
pub const MIN_SPREAD_DAYS: i64 = 7;
/// Beyond a fence, more than this share (percent) of the instants is activity, not outliers.
pub const MAX_OUTLIER_PERCENT: i64 = 1;
/// Rows of each source listed by id in the notice (the count is always whole).
pub const LISTED_ROWS: usize = 20;

/// The rule in one sentence, for the dashboard's notice.
pub const RULE: &str = "A date is an outlier when it is before 2020-01-01 (a placeholder such as 1970-01-01) \
     or more than 3 × the interquartile range of the file's activity days (at least 3 × 7 days) before its first \
     quartile or after its third, unless that side holds more than 1% of the dates (then it is activity); outliers and unreadable dates are left out of the default window and of \"as of\".";

/// The days inside which activity counts (both included); outside them is an outlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fences {
    pub low_day: i64,
    pub high_day: i64,
}

impl Fences {
    pub fn contains(&self, day: i64) -> bool {
        (self.low_day..=self.high_day).contains(&day)
    }
}

/// The fences of [`RULE`] for activity counted per day: `(day number, instants that day)`, any
/// order. `None` when no day is left after the placeholders (no activity to speak of).
pub fn fences(per_day: &[(i64, i64)]) -> Option<Fences> {
    let floor = parse_day(PLACEHOLDER_BEFORE).unwrap_or(days_from_civil(2020, 1, 1));
    let mut days: Vec<(i64, i64)> = per_day.iter().copied().filter(|(d, n)| *d >= floor && *n > 0).collect();
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let total: i64 = days.iter().map(|(_, n)| n).sum();
    // Nearest rank over the instants, without expanding them: the day where the running count
    // reaches the rank.
    let at_rank = |p: u32| {
        let rank = (p as i64 * total + 99) / 100;
        let mut seen = 0;
        for (d, n) in &days {
            seen += n;
            if seen >= rank.max(1) {
                return *d;
            }
        }
        days[days.len() - 1].0
    };
    let (q1, q3) = (at_rank(25), at_rank(75));
    let spread = (q3 - q1).max(MIN_SPREAD_DAYS);
    let (mut low_day, mut high_day) = ((q1 - FENCE_SPREADS * spread).max(floor), q3 + FENCE_SPREADS * spread);
    // Outliers are a few stray dates: a side beyond its fence holding more than
    // MAX_OUTLIER_PERCENT of the instants is activity (a project used in bursts), kept in.
    let beyond =
        |keep: &dyn Fn(i64) -> bool| days.iter().filter(|(d, _)| keep(*d)).map(|(_, n)| n).sum::<i64>();
    if beyond(&|d| d < low_day) * 100 > total * MAX_OUTLIER_PERCENT {
        low_day = days[0].0;
    }
    if beyond(&|d| d > high_day) * 100 > total * MAX_OUTLIER_PERCENT {
        high_day = days[days.len() - 1].0;
    }
    Some(Fences { low_day, high_day })
}

/// [`fences`] checked against a plain expansion: the same quartiles as [`nearest_rank`] over
/// one value per instant (used by the tests).
pub fn quartiles_plain(per_day: &[(i64, i64)]) -> Option<(f64, f64)> {
    let mut all: Vec<f64> =
        per_day.iter().flat_map(|(d, n)| std::iter::repeat_n(*d as f64, (*n).max(0) as usize)).collect();
    all.sort_by(f64::total_cmp);
    Some((nearest_rank(&all, 25)?, nearest_rank(&all, 75)?))
}

/// One stored timestamp left out: the row's id (`rowid` when the table has no `id`; for
/// quests `quest_id`) and the stored value (its first 40 characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierRow {
    pub id: i64,
    pub value: String,
    /// Whether the value could not be read at all (otherwise: a date outside the fences).
    pub unreadable: bool,
}

/// The outliers and unreadable values of one timestamp column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierSource {
    /// `flags`, `tool_logs`, `agent_health` or `acolyte_quests`.
    pub table: String,
    pub column: String,
    /// Readable dates outside the fences.
    pub outside: i64,
    /// Values that are neither NULL nor empty and cannot be read.
    pub unreadable: i64,
    /// The first [`LISTED_ROWS`] of them by id.
    pub rows: Vec<OutlierRow>,
}

/// What the dashboard's notice says: the fences, and the timestamps outside them or unreadable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Outliers {
    /// The fences as dates (`YYYY-MM-DD`, both included); `None` without activity.
    pub fences: Option<(String, String)>,
    /// Only the columns with something to report.
    pub sources: Vec<OutlierSource>,
    /// Whether the window shown includes the outliers (the range "all time including
    /// outliers", or a custom range around them).
    pub included: bool,
}

impl Outliers {
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Outside the fences, over every column.
    pub fn outside(&self) -> i64 {
        self.sources.iter().map(|s| s.outside).sum()
    }

    /// Unreadable, over every column.
    pub fn unreadable(&self) -> i64 {
        self.sources.iter().map(|s| s.unreadable).sum()
    }

    /// The flag ids listed (any column), ascending, each once.
    pub fn flag_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .sources
            .iter()
            .filter(|s| s.table == "flags")
            .flat_map(|s| s.rows.iter().map(|r| r.id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// SQL text bounds of the fences for a `YYYY-MM-DD…` column: `col >= low AND col < high`.
    pub fn text_bounds(&self) -> Option<(String, String)> {
        let (lo, hi) = self.fences.as_ref()?;
        Some((lo.clone(), day_text(parse_day(hi)? + 1)))
    }
}

/// One timestamp column the dashboard reads.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub table: &'static str,
    pub column: &'static str,
    /// The id shown for a row.
    pub id: &'static str,
    /// SQL giving the instant as `YYYY-MM-DD HH:MM` text (more characters allowed), NULL when
    /// it cannot be read.
    pub minute: String,
    /// What the counting pass groups and orders: `minute`, or for calendar text the column
    /// itself (its first 10 characters are the day; whether they are one is decided after
    /// grouping, so the pass does no per-row test).
    pub scan: String,
}

impl Source {
    fn calendar(table: &'static str, column: &'static str, id: &'static str) -> Source {
        Source {
            table,
            column,
            id,
            minute: format!("CASE WHEN {column} GLOB {DATE_GLOB} THEN substr({column}, 1, 16) END"),
            scan: column.to_owned(),
        }
    }
}

/// The timestamp columns of this file the dashboard reads (see the module's rule).
pub(super) fn sources(facts: &SchemaFacts, has_flags: bool, quests: bool) -> Vec<Source> {
    let id = |table: &str| {
        if facts.tables.get(table).is_some_and(|c| c.iter().any(|c| c == "id")) {
            "id"
        } else {
            "rowid"
        }
    };
    let mut out = Vec::new();
    if has_flags {
        out.push(Source::calendar("flags", "created_at", id("flags")));
        out.push(Source::calendar("flags", "completed_at", id("flags")));
    }
    if quests {
        for column in ["created_at", "updated_at"] {
            let minute = format!("strftime('%Y-%m-%d %H:%M', {}, 'unixepoch')", instant_sql(column));
            out.push(Source {
                table: "acolyte_quests",
                column,
                id: "quest_id",
                scan: minute.clone(),
                minute,
            });
        }
    }
    if facts.has_table("tool_logs") {
        out.push(Source::calendar("tool_logs", "timestamp", id("tool_logs")));
    }
    if facts.tables.get("agent_health").is_some_and(|c| c.iter().any(|c| c == "checked_at")) {
        out.push(Source::calendar("agent_health", "checked_at", id("agent_health")));
    }
    out
}

/// One group of a source's counting pass, as its statement gives it: the day (the first 10
/// characters, or bytes of a blob), the instants that day, and the least and greatest of them
/// by SQLite's order.
type DayGroup = (Value, i64, Value, Value);

/// The counting pass over one source in SQL, grouped by day: one statement, or for a table
/// whose row key is the source's id and its rowid ([`table_info::is_keyed_by_rowid`]: no
/// collation declared, so every comparison is BINARY) one per `step` rows by key (keyset
/// steps, [`table_info::KeysetSteps`]), their groups merged: a day's rows are the steps' sum and its
/// least and greatest values the least and greatest of theirs by SQLite's order ([`sql_min`] /
/// [`sql_max`], by [`sql_cmp`](crate::value::sql_cmp): numbers, then text, then blobs; NULL
/// ignored, as by `min`/`max`), days equal as `GROUP BY` makes them (a text day and a blob day of the same bytes are two). So the
/// groups are those of one statement. Errors: the database's.
async fn source_days<D: Database>(db: &D, s: &Source, step: usize) -> Result<Vec<DayGroup>, DbError> {
    let group = |range: &str| {
        format!(
            "SELECT substr(m, 1, 10) AS day, COUNT(*) AS n, min(m) AS lo, max(m) AS hi FROM \
             (SELECT {m} AS m FROM {t} WHERE {c} IS NOT NULL AND {c} <> ''{range}) GROUP BY 1",
            m = s.scan,
            c = s.column,
            t = s.table
        )
    };
    let read = |rs: crate::value::ResultSet| {
        rs.map_rows(|r| Ok((r.get("day")?.clone(), r.i64("n")?, r.get("lo")?.clone(), r.get("hi")?.clone())))
    };
    if !table_info::is_keyed_by_rowid(db, s.table, s.id).await? {
        return read(db.query(&group(""), &[]).await?);
    }
    // A day's key as GROUP BY tells days apart: its kind (substr gives NULL, text or a blob)
    // and its bytes.
    let key = |day: &Value| match day {
        Value::Text(t) => (1u8, t.as_bytes().to_vec()),
        Value::Blob(b) => (2, b.clone()),
        other => (0, other.display().into_bytes()),
    };
    let mut merged: std::collections::BTreeMap<(u8, Vec<u8>), DayGroup> = Default::default();
    let mut steps = table_info::KeysetSteps::new(s.table, s.id, step);
    while let Some((after, upto)) = steps.next(db).await? {
        let range = table_info::step_range(s.id, after, upto);
        for (day, n, lo, hi) in read(db.query(&group(&range), &[]).await?)? {
            match merged.remove(&key(&day)) {
                None => merged.insert(key(&day), (day, n, lo, hi)),
                Some((day, m, l, h)) => {
                    merged.insert(key(&day), (day, m + n, sql_min(l, lo), sql_max(h, hi)))
                }
            };
        }
    }
    Ok(merged.into_values().collect())
}

/// The activity of a file: its bounds inside the fences and over everything, and its outliers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Activity {
    /// Earliest and latest instants inside the fences (minutes since 1970).
    pub earliest: Option<i64>,
    pub latest: Option<i64>,
    /// Earliest and latest readable instants, outliers included.
    pub earliest_any: Option<i64>,
    pub latest_any: Option<i64>,
    pub outliers: Outliers,
}

/// One group of the counting pass: a source's instants sharing their first 10 characters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Day {
    /// Index of the source.
    pub src: usize,
    /// The day number; `None` when the 10 characters are no day (unreadable).
    pub day: Option<i64>,
    pub n: i64,
    /// First and last minute of the group (`None` when the value is not a readable text).
    pub lo: Option<i64>,
    pub hi: Option<i64>,
}

/// Rows counted by one statement of the activity's counting pass (its keyset steps over a
/// table keyed by its rowid, [`table_info::step_end`]): ~19 ms of the app's worker at a time for quests (a time in any form read
/// per row), less for the other tables, so that a read asked meanwhile (an agent's page after
/// a quest's edit) waits at most that long. One statement over 100k quests took 0.3–0.45 s,
/// over 100k tool calls ~155 ms, and the quest pages read the activity after every edit.
pub const ACTIVITY_STEP: usize = 5_000;

/// Reads the activity of `sources` in one pass over each (instants counted per day with the
/// day's first and last minute; unreadable values as the day NULL) and, only when there is
/// something to report, one more listing the first rows. Errors: the database's.
/// With stores in `logs`, their tables' sources are read from them instead (no SQL over flags
/// or tool_logs). A source whose table is keyed by its rowid is read in keyset steps of
/// [`ACTIVITY_STEP`] rows ([`source_days`]).
pub(super) async fn activity<D: Database>(
    db: &D,
    sources: &[Source],
    logs: super::Logs<'_>,
) -> Result<Activity, DbError> {
    activity_in_steps(db, sources, logs, ACTIVITY_STEP).await
}

/// [`activity`], its sources read `step` rows a statement where they can be.
async fn activity_in_steps<D: Database>(
    db: &D,
    sources: &[Source],
    logs: super::Logs<'_>,
    step: usize,
) -> Result<Activity, DbError> {
    if sources.is_empty() {
        return Ok(Activity::default());
    }
    let from_log = |s: &Source| {
        (logs.flags.is_some() && s.table == "flags") || (logs.tools.is_some() && s.table == "tool_logs")
    };
    let minute = |t: Option<String>| t.as_deref().and_then(parse_minute);
    // Each statement posted once the one before has answered: an engine that answers in order
    // (the app's worker) then runs a user's query after one statement, not after all of them.
    let mut days: Vec<Day> = Vec::new();
    for (i, s) in sources.iter().enumerate().filter(|(_, s)| !from_log(s)) {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        days.extend(source_days(db, s, step).await?.into_iter().map(|(day, n, lo, hi)| Day {
            src: i,
            // A day that is not one (NULL, odd text, a number) is unreadable.
            day: day.as_str().filter(|d| d.len() == 10).and_then(parse_day),
            n,
            lo: minute(text(&lo)),
            hi: minute(text(&hi)),
        }));
    }
    if let Some(log) = logs.flags {
        for (i, s) in sources.iter().enumerate().filter(|(_, s)| s.table == "flags") {
            days.extend(log.activity_days(i, s.column));
        }
    }
    if let (Some(log), Some(src)) = (logs.tools, sources.iter().position(|s| s.table == "tool_logs")) {
        for (day, n, lo, hi) in log.activity_days() {
            days.push(Day {
                src,
                day: day.as_deref().filter(|d| d.len() == 10).and_then(parse_day),
                n,
                lo: minute(lo),
                hi: minute(hi),
            });
        }
    }
    let mut per_day: Vec<(i64, i64)> = days.iter().filter_map(|d| Some((d.day?, d.n))).collect();
    per_day.sort_unstable();
    let fences = fences(&per_day);
    let mut a = Activity::default();
    let (mut outside, mut unreadable) = (vec![0i64; sources.len()], vec![0i64; sources.len()]);
    let min = |a: Option<i64>, b: Option<i64>| a.into_iter().chain(b).min();
    let max = |a: Option<i64>, b: Option<i64>| a.into_iter().chain(b).max();
    for d in &days {
        let Some(day) = d.day.filter(|_| d.lo.is_some()) else {
            unreadable[d.src.min(sources.len() - 1)] += d.n;
            continue;
        };
        a.earliest_any = min(a.earliest_any, d.lo);
        a.latest_any = max(a.latest_any, d.hi);
        if fences.is_some_and(|f| f.contains(day)) {
            a.earliest = min(a.earliest, d.lo);
            a.latest = max(a.latest, d.hi);
        } else {
            outside[d.src.min(sources.len() - 1)] += d.n;
        }
    }
    let mut outliers = Outliers {
        fences: fences.map(|f| (day_text(f.low_day), day_text(f.high_day))),
        ..Default::default()
    };
    // Text bounds: inside is `m >= ?1 AND m < ?2` (no activity: nothing is inside).
    let (lo, hi) = outliers.text_bounds().unwrap_or_else(|| ("9".into(), "0".into()));
    let params = [Value::from(lo.as_str()), Value::from(hi.as_str())];
    for (i, s) in sources.iter().enumerate() {
        if outside[i] + unreadable[i] == 0 {
            continue;
        }
        let rows = if let Some(log) = logs.flags.filter(|_| s.table == "flags") {
            log.outlier_rows(s, &lo, &hi, LISTED_ROWS)
        } else {
            db
            .query(
                &format!(
                    "SELECT {id} AS id, substr(CAST(v AS TEXT), 1, 40) AS value, m AS minute, m IS NULL AS unreadable FROM \
                     (SELECT {id}, {m} AS m, {c} AS v FROM {t}) WHERE v IS NOT NULL AND v <> '' AND (m IS NULL OR NOT (m >= ?1 AND m < ?2)) \
                     ORDER BY {id} LIMIT {LISTED_ROWS}",
                    id = s.id,
                    m = s.minute,
                    c = s.column,
                    t = s.table
                ),
                &params,
            )
            .await?
            .map_rows(|r| {
                Ok(OutlierRow {
                    id: r.get("id")?.as_i64().unwrap_or(0),
                    value: r.get("value")?.display(),
                    // Date-shaped text that is no date (`2025-13-45 10:00`) is unreadable too,
                    // as the counts above say (the minute does not parse).
                    unreadable: r.flag("unreadable")?
                        || r.get("minute")?.as_str().and_then(parse_minute).is_none(),
                })
            })?
        };
        outliers.sources.push(OutlierSource {
            table: s.table.into(),
            column: s.column.into(),
            outside: outside[i],
            unreadable: unreadable[i],
            rows,
        });
    }
    a.outliers = outliers;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The activity read in keyset steps (of 1, 2, 3 and 7 rows) is the one statement's, for
    /// quests, flags and tool calls, over values of every kind (calendar text in several forms,
    /// epoch numbers, odd text, text and numbers and blobs in one day's group, NULL, empty), ids
    /// with gaps, outliers and days split across steps; and it takes one statement a step.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn quest_activity_in_keyset_steps_is_the_one_statement_s() {
        use crate::native::NativeDb;
        use crate::port::Recording;
        let db = NativeDb::open_bytes(&[]).unwrap();
        let mut sql = String::from(
            "CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY, created_at, updated_at, current_agent TEXT);\n\
             CREATE TABLE flags (id INTEGER PRIMARY KEY, created_at, completed_at);\n\
             CREATE TABLE tool_logs (id INTEGER PRIMARY KEY, timestamp);\n",
        );
        let values = [
            "'2025-03-01 10:00:00'",
            "'2025-03-01T09:30:00Z'",
            "'2025-03-01 23:59'",
            "1740826800",
            "1740826800.5",
            "'1740830400'",
            "'2025-03-02 08:00:00+02:00'",
            "'not a date'",
            "'2025-13-45 10:00'",
            "NULL",
            "''",
            "X'323032352D30332D3031'",
            "'1970-01-01 00:00:00'",
            "'2025-02-28 23:59:59.999'",
            "'now'",
            "-5",
            "'2025-03-03 12:00'",
            "'2025-02-28 2R:10'",
            "'2025-03-03 1R:30'",
            "'1740826800xyz'",
            "X'00FF'",
            "'2025-03-01'",
        ];
        let mut id = 3;
        for round in 0..4 {
            // The first and last days' least and greatest minutes are in the second round's
            // quests, in a step of its own (neither the first nor the last).
            let at = |v: &str| {
                v.replace("2R", ["21", "20", "22", "23"][round])
                    .replace("1R", ["12", "14", "13", "11"][round])
            };
            for (k, v) in values.iter().enumerate() {
                id += 1 + (k * 7 + round) % 5;
                let (v, other) = (at(v), at(values[(k + round + 1) % values.len()]));
                sql.push_str(&format!(
                    "INSERT INTO acolyte_quests VALUES ({id}, {v}, {other}, 'a');\n\
                     INSERT INTO flags VALUES ({id}, {other}, {v});\n\
                     INSERT INTO tool_logs VALUES ({id}, {v});\n"
                ));
            }
        }
        db.execute_batch_sync(&sql).unwrap();
        let facts = pollster::block_on(crate::schema::read_facts(&db)).unwrap();
        let all = sources(&facts, true, true);
        assert_eq!(all.len(), 5, "the quests', flags' and tool calls' times");
        let whole = pollster::block_on(activity_in_steps(&db, &all, Default::default(), usize::MAX)).unwrap();
        assert!(!whole.outliers.is_empty(), "the file has outliers");
        let day = |m: Option<i64>| m.map(|m| day_text(m.div_euclid(24 * 60)));
        assert_eq!(day(whole.earliest), Some("2025-02-28".into()));
        assert_eq!(day(whole.latest), Some("2025-03-03".into()));
        assert_eq!((whole.earliest.unwrap() % 60, whole.latest.unwrap() % 60), (10, 30), "{whole:?}");
        for step in [1, 2, 3, 7] {
            let rec = Recording::new(&db);
            let stepped =
                pollster::block_on(activity_in_steps(&rec, &all, Default::default(), step)).unwrap();
            assert_eq!(stepped, whole, "steps of {step}");
            let counts = rec.statements.borrow().iter().filter(|(s, _)| s.contains("GROUP BY")).count();
            let rows = values.len() * 4;
            assert_eq!(counts, 5 * (rows.div_ceil(step) + usize::from(rows % step == 0)), "steps of {step}");
        }
    }

    fn d(text: &str) -> i64 {
        parse_day(text).unwrap()
    }

    #[test]
    fn placeholders_and_far_days_fall_outside_and_the_quartiles_are_nearest_rank() {
        // Ninety days of steady activity, plus epoch 0, 2099 and 2001.
        let mut per_day: Vec<(i64, i64)> = (0..90).map(|i| (d("2025-05-26") + i, 10)).collect();
        per_day.push((0, 1));
        per_day.push((d("2099-12-31"), 1));
        per_day.push((d("2001-01-01"), 3));
        let f = fences(&per_day).unwrap();
        assert!(!f.contains(0), "epoch 0");
        assert!(!f.contains(d("2001-01-01")), "before 2020");
        assert!(!f.contains(d("2099-12-31")), "far after the third quartile");
        for (day, _) in per_day.iter().filter(|(d0, _)| *d0 >= d("2025-05-26") && *d0 < d("2026-01-01")) {
            assert!(f.contains(*day));
        }
        // The fences come from the nearest-rank quartiles of the days from 2020 on (2099 is
        // counted in the ranks: it is a row too).
        let kept: Vec<(i64, i64)> = per_day.iter().copied().filter(|(x, _)| *x >= d("2020-01-01")).collect();
        let (q1, q3) = quartiles_plain(&kept).unwrap();
        let spread = ((q3 - q1) as i64).max(MIN_SPREAD_DAYS);
        assert_eq!(f, Fences { low_day: q1 as i64 - 3 * spread, high_day: q3 as i64 + 3 * spread });
    }

    #[test]
    fn activity_months_before_the_main_burst_is_activity_not_an_outlier() {
        // A week of heavy use, and 5% of the rows half a year earlier: beyond the fence but
        // too many to be stray dates, so the fence moves out to them.
        let mut per_day: Vec<(i64, i64)> = (0..7).map(|i| (d("2025-09-01") + i, 100)).collect();
        per_day.extend((0..5).map(|i| (d("2025-03-01") + i, 7)));
        let f = fences(&per_day).unwrap();
        assert_eq!(f.low_day, d("2025-03-01"));
        // One stray day (under 1% of the rows) on the same side stays an outlier.
        let mut stray: Vec<(i64, i64)> = (0..7).map(|i| (d("2025-09-01") + i, 100)).collect();
        stray.push((d("2025-03-01"), 3));
        let f = fences(&stray).unwrap();
        assert!(!f.contains(d("2025-03-01")));
        assert!(f.contains(d("2025-09-01")));
    }

    #[test]
    fn a_burst_keeps_its_next_weeks_and_nothing_is_no_fence() {
        // Everything on one day, then a little three weeks later: the 7-day floor keeps it.
        let per_day = [(d("2025-06-01"), 500), (d("2025-06-22"), 2)];
        let f = fences(&per_day).unwrap();
        assert!(f.contains(d("2025-06-22")));
        assert_eq!(fences(&[]), None);
        assert_eq!(fences(&[(0, 5)]), None, "only placeholders: no activity to fence");
    }
}
