#![cfg(not(target_arch = "wasm32"))]
//! The dashboard's hook-activity KPIs (`flagdeck_core::dashboard::hooks`) on the v2 fixture
//! (tool_logs written by the real Acolytes hooks) and the v1 fixture (generated durations,
//! failures and hook blocks): every figure against a plain query written here on the file —
//! the rows of the window selected with the window's own bounds, then counted with SQL of its
//! own or walked in Rust (trend, quiet periods, jobs).

mod common;

use std::collections::BTreeMap;

use flagdeck_core::dashboard::hooks::{hook_kpis, HookKpis, NONE, QUIET_HOURS};
use flagdeck_core::dashboard::stats::parse_day;
use flagdeck_core::dashboard::{aggregates, definitions, window, DashboardState, Logs, Range, Window};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::{read_facts, SchemaFacts};
use flagdeck_core::timestamp;
use flagdeck_core::Value;
use pollster::block_on;

fn open(fixture: &str) -> Option<(NativeDb, SchemaFacts)> {
    let dir = common::fixtures_dir()?;
    let db = NativeDb::open_copy(&dir.join(fixture)).unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    Some((db, facts))
}

fn hooks(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState) -> (Window, HookKpis) {
    let agg =
        block_on(aggregates(db, facts, state, "2026-11-30 12:00", &|_, _, _| {}, Logs::default())).unwrap();
    common::same_on_the_toollog_path(db, facts, state, "2026-11-30 12:00", &agg);
    (agg.window.clone(), agg.hooks.expect("the file has tool_logs"))
}

/// `WHERE …` of the window and filters, written here: timestamp as text between the window's
/// start and the last second of its last minute, tool and agent as the filters say.
fn scope(w: &Window, state: &DashboardState) -> String {
    let mut s = format!("WHERE timestamp BETWEEN '{}' AND '{}:59'", w.start, w.end);
    if let Some(t) = &state.tool {
        s.push_str(&format!(" AND tool_name = '{t}'"));
    }
    if let Some(a) = &state.target {
        s.push_str(&format!(" AND agent_name = '{a}'"));
    }
    s
}

fn pairs(db: &NativeDb, sql: &str) -> Vec<(String, i64)> {
    db.query_sync(sql, &[])
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().map(str::to_owned).filter(|s| !s.is_empty()).unwrap_or(NONE.into()),
                r[1].as_i64().unwrap(),
            )
        })
        .collect()
}

fn one(db: &NativeDb, sql: &str) -> Value {
    db.query_sync(sql, &[]).unwrap().rows[0][0].clone()
}

/// Every figure of `k` against the file.
fn check(db: &NativeDb, w: &Window, state: &DashboardState, k: &HookKpis) {
    let s = scope(w, state);
    let count =
        |extra: &str| one(db, &format!("SELECT COUNT(*) FROM tool_logs {s}{extra}")).as_i64().unwrap();
    assert_eq!(k.calls, count(""));
    assert!(k.calls > 0, "the window holds calls");
    assert_eq!(k.blocked, count(" AND blocked_by_hook = 1"));
    assert_eq!(k.failures, count(" AND success = 0"));
    assert_eq!(k.calls_with_file, count(" AND length(file_affected) > 0"));
    assert_eq!(k.calls_with_duration, count(" AND duration_ms IS NOT NULL"));
    assert_eq!(k.calls_with_agent, count(" AND agent_name IS NOT NULL"));
    assert_eq!(k.lines_changed, one(db, &format!("SELECT SUM(lines_changed) FROM tool_logs {s}")).as_i64());
    assert_eq!(
        k.bytes_processed,
        one(db, &format!("SELECT SUM(bytes_processed) FROM tool_logs {s}")).as_i64()
    );
    assert_eq!(
        k.files,
        one(db, &format!("SELECT COUNT(*) FROM (SELECT DISTINCT file_affected FROM tool_logs {s} AND length(file_affected) > 0)"))
            .as_i64()
            .unwrap()
    );

    // Per day, per hour (strftime here, substr there), and the per-day series sums to the calls.
    let days =
        pairs(db, &format!("SELECT date(timestamp), COUNT(*) FROM tool_logs {s} GROUP BY 1 ORDER BY 1"));
    assert_eq!(k.per_day, days);
    let mut hours = vec![0i64; 24];
    for (h, n) in
        pairs(db, &format!("SELECT strftime('%H', timestamp), COUNT(*) FROM tool_logs {s} GROUP BY 1"))
    {
        hours[h.parse::<usize>().unwrap()] = n;
    }
    assert_eq!(k.per_hour, hours);
    // The chart's slots hold every call, at most MAX_SLOTS of them, one per day on a short range.
    let (slot, slots) = k.per_slot();
    assert_eq!(slots.iter().map(|(_, n)| n).sum::<i64>(), k.calls);
    assert!(slots.len() as i64 <= flagdeck_core::dashboard::slots::MAX_SLOTS);
    assert_eq!(slots.len() as i64, slot.count(k.first_day, k.last_day));

    // Trend: halves of the window's days, walked here.
    let first = parse_day(&w.start).unwrap();
    let last = parse_day(&w.end).unwrap();
    assert_eq!((k.first_day, k.last_day), (first, last));
    let half = (last - first + 1) / 2;
    let by_day: BTreeMap<i64, i64> = days.iter().map(|(d, n)| (parse_day(d).unwrap(), *n)).collect();
    let a: i64 = by_day.range(first..first + half).map(|(_, n)| n).sum();
    let b: i64 = by_day.range(last - half + 1..=last).map(|(_, n)| n).sum();
    assert_eq!((k.first_half, k.second_half), (a, b));
    assert_eq!(k.trend, (a > 0 && half > 0).then(|| (b - a) as f64 / a as f64));

    // Tool mix with volumes.
    let rs = db
        .query_sync(
            &format!(
                "SELECT tool_name, COUNT(*), SUM(lines_changed), SUM(bytes_processed) FROM tool_logs {s} \
                 GROUP BY tool_name ORDER BY COUNT(*) DESC, tool_name"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(k.tool_mix.len(), rs.rows.len());
    for (m, r) in k.tool_mix.iter().zip(&rs.rows) {
        assert_eq!(m.tool, r[0].display());
        assert_eq!(m.calls, r[1].as_i64().unwrap());
        assert!((m.share - m.calls as f64 / k.calls as f64).abs() < 1e-12);
        assert_eq!((m.lines_changed, m.bytes_processed), (r[2].as_i64(), r[3].as_i64()));
    }
    assert!((k.tool_mix.iter().map(|m| m.share).sum::<f64>() - 1.0).abs() < 1e-9);

    // Top reasons, files, agents.
    let top = |col: &str, cond: &str, n: usize| {
        pairs(db, &format!("SELECT {col}, COUNT(*) FROM tool_logs {s} AND {cond} GROUP BY {col} ORDER BY 2 DESC, 1 LIMIT {n}"))
    };
    assert_eq!(k.block_reasons, top("hook_message", "blocked_by_hook = 1", 5));
    assert_eq!(k.failure_reasons, top("error_message", "success = 0", 5));
    assert_eq!(k.top_files, top("file_affected", "length(file_affected) > 0", 10));
    assert_eq!(k.agents, top("agent_name", "agent_name IS NOT NULL", 10));

    // Sessions and jobs: sessions counted here, jobs summed in Rust from sessions.job_id.
    assert_eq!(
        k.sessions,
        one(db, &format!("SELECT COUNT(*) FROM (SELECT DISTINCT session_id FROM tool_logs {s})"))
            .as_i64()
            .unwrap()
    );
    let per_session =
        pairs(db, &format!("SELECT session_id, COUNT(*) FROM tool_logs {s} GROUP BY 1 ORDER BY 2 DESC, 1"));
    let listed: Vec<(String, i64)> = k.top_sessions.iter().map(|x| (x.session.clone(), x.calls)).collect();
    assert_eq!(listed, per_session.iter().take(10).cloned().collect::<Vec<_>>());
    let job_of: BTreeMap<String, String> = pairs_text(db, "SELECT id, job_id FROM sessions");
    let title_of: BTreeMap<String, String> = pairs_text(db, "SELECT id, title FROM jobs");
    for x in &k.top_sessions {
        assert_eq!(x.job_id.as_ref(), job_of.get(&x.session));
        assert_eq!(x.job_title.as_ref(), x.job_id.as_ref().and_then(|j| title_of.get(j)));
    }
    let mut jobs: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for (session, n) in &per_session {
        *jobs.entry(job_of.get(session).cloned()).or_default() += n;
    }
    let got: BTreeMap<Option<String>, i64> = k.jobs.iter().map(|j| (j.job_id.clone(), j.calls)).collect();
    assert_eq!(got, jobs);
    assert_eq!(k.jobs.iter().map(|j| j.calls).sum::<i64>(), k.calls);

    // Quiet periods: the instants read with timestamp::read, sorted, gaps walked here.
    let mut instants: Vec<(i64, String)> = db
        .query_sync(&format!("SELECT timestamp FROM tool_logs {s}"), &[])
        .unwrap()
        .rows
        .iter()
        .filter_map(|r| Some((timestamp::read(&r[0])?.epoch_ms, r[0].display())))
        .collect();
    instants.sort();
    let mut gaps: Vec<(f64, String, String)> = instants
        .windows(2)
        .map(|p| ((p[1].0 - p[0].0) as f64 / 3_600_000.0, p[0].1.clone(), p[1].1.clone()))
        .filter(|g| g.0 > QUIET_HOURS)
        .collect();
    gaps.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    assert_eq!(k.quiet_count, gaps.len() as i64);
    assert!((k.quiet_hours - gaps.iter().map(|g| g.0).sum::<f64>()).abs() < 1e-3);
    assert_eq!(k.quiet.len(), gaps.len().min(5));
    for (q, g) in k.quiet.iter().zip(&gaps) {
        assert_eq!((&q.start, &q.end), (&g.1, &g.2));
        assert!((q.hours - g.0).abs() < 1e-3, "{q:?} {g:?}");
    }
}

fn pairs_text(db: &NativeDb, sql: &str) -> BTreeMap<String, String> {
    db.query_sync(sql, &[])
        .unwrap()
        .rows
        .iter()
        .filter_map(|r| Some((r[0].as_str()?.to_owned(), r[1].as_str()?.to_owned())))
        .collect()
}

#[test]
fn v2_real_hooks_every_figure_equals_plain_sql() {
    let Some((db, facts)) = open("acolytes-v2-small.db") else { return };
    let state = DashboardState::default();
    let (w, k) = hooks(&db, &facts, &state);
    check(&db, &w, &state, &k);
    // The fixture's facts (README): 2429 calls, nothing blocked, no error, 1194 with a file,
    // no durations and no agents written by the hooks.
    assert_eq!((k.calls, k.blocked, k.failures, k.calls_with_file), (2429, 0, 0, 1194));
    assert_eq!((k.calls_with_duration, k.calls_with_agent), (0, 0));
    assert!(k.agents.is_empty() && k.block_reasons.is_empty() && k.failure_reasons.is_empty());
    assert_eq!(k.tool_mix[0].tool, "Bash");
    assert!(k.top_sessions.iter().all(|s| s.job_title.is_some()), "v2 sessions name their job");
    assert!(k.quiet_count > 0);
    // Filters: one tool, then the last 7 days.
    for state in [
        DashboardState { tool: Some("Read".into()), ..Default::default() },
        DashboardState { range: Range::Days(7), ..Default::default() },
    ] {
        let (w, k) = hooks(&db, &facts, &state);
        check(&db, &w, &state, &k);
    }
}

#[test]
fn v1_generated_durations_blocks_and_failures_equal_plain_sql() {
    let Some((db, facts)) = open("acolytes-v1-small.db") else { return };
    for state in [
        DashboardState::default(),
        DashboardState { tool: Some("Bash".into()), ..Default::default() },
        DashboardState {
            range: Range::Custom { from: "2025-06-02".into(), to: "2025-06-15".into() },
            ..Default::default()
        },
    ] {
        let (w, k) = hooks(&db, &facts, &state);
        check(&db, &w, &state, &k);
    }
    let (_, k) = hooks(&db, &facts, &DashboardState::default());
    assert!(k.blocked > 0 && k.failures > 0 && !k.block_reasons.is_empty() && !k.failure_reasons.is_empty());
    assert!(k.lines_changed.is_some() && k.calls_with_duration > 0 && !k.agents.is_empty());
}

#[test]
fn missing_columns_read_as_null_and_missing_tables_leave_the_joins_out() {
    let Some((db, _)) = open("acolytes-v2-small.db") else { return };
    db.execute_batch_sync(
        "CREATE TABLE slim AS SELECT tool_name, timestamp, session_id FROM tool_logs; DROP TABLE tool_logs; \
         ALTER TABLE slim RENAME TO tool_logs; DROP TABLE sessions;",
    )
    .unwrap();
    let facts = block_on(read_facts(&db)).unwrap();
    let state = DashboardState::default();
    let w = block_on(window(&db, &facts, &state, "2026-11-30 12:00", None)).unwrap();
    let k = block_on(hook_kpis(&db, &facts, &state, &w)).unwrap().unwrap();
    assert_eq!(k.calls, 2429);
    assert_eq!((k.blocked, k.failures, k.calls_with_file, k.calls_with_agent), (0, 0, 0, 0));
    assert_eq!((k.lines_changed, k.bytes_processed), (None, None));
    assert!(k.top_sessions.iter().all(|s| s.job_id.is_none()));
    assert_eq!(k.jobs.len(), 1);
    assert_eq!(k.jobs[0].calls, 2429);
    // The whole dashboard reads the same table, also filtered by an agent the table cannot name.
    let by_agent = DashboardState { target: Some("@backend.api".into()), ..DashboardState::default() };
    for state in [state, by_agent] {
        let agg = block_on(flagdeck_core::dashboard::aggregates(
            &db,
            &facts,
            &state,
            "2026-11-30 12:00",
            &|_, _, _| {},
            flagdeck_core::dashboard::Logs::default(),
        ))
        .expect("the dashboard reads a tool_logs without duration_ms or agent_name");
        let tools = agg.tools.expect("tool figures");
        assert_eq!(tools.latency.p95, None, "no duration: no p95, not 0");
        assert_eq!(tools.calls, if state.target.is_some() { 0 } else { 2429 });
    }
}

#[test]
fn every_hook_figure_has_a_definition() {
    for key in [
        "hook-calls-per-day",
        "hook-calls-per-hour",
        "hook-trend",
        "hook-tool-mix",
        "hook-blocked",
        "hook-failures",
        "hook-lines-changed",
        "hook-bytes-processed",
        "hook-files",
        "hook-sessions",
        "hook-quiet",
        "hook-agents",
    ] {
        assert!(definitions().iter().any(|(k, d)| *k == key && !d.is_empty()), "{key}");
    }
}
