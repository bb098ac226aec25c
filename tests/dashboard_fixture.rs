#![cfg(not(target_arch = "wasm32"))]
//! Dashboard KPIs on the real fixtures: the README's tool table, weekly volumes and growth
//! factor exactly, and every other figure against a plain computation done here.

mod common;

use flagdeck_core::dashboard::stats::{nearest_rank, parse_minute};
use flagdeck_core::dashboard::{aggregates, derive, AsOf, Dashboard, DashboardState, Logs, Range, Verdict};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::SchemaFacts;
use flagdeck_core::Value;
use pollster::block_on;
use serde_json::Value as Json;

fn open(fixture: &str) -> Option<(NativeDb, SchemaFacts, Json)> {
    let bytes = common::fixture_bytes(fixture)?;
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let name = if fixture.starts_with("acolytes") { "facts-v1.json" } else { "facts-v0.json" };
    let path = common::fixtures_dir().unwrap().join("expected").join(name);
    let json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Some((db, facts, json))
}

fn dashboard(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState) -> Dashboard {
    let agg =
        block_on(aggregates(db, facts, state, "2026-11-30 12:00", &|_, _, _| {}, Logs::default())).unwrap();
    common::same_on_the_toollog_path(db, facts, state, "2026-11-30 12:00", &agg);
    derive(agg, state)
}

fn column_f64(db: &NativeDb, sql: &str) -> Vec<f64> {
    let mut v: Vec<f64> =
        db.query_sync(sql, &[]).unwrap().rows.iter().filter_map(|r| r[0].as_f64()).collect();
    v.sort_by(f64::total_cmp);
    v
}

fn scalar(db: &NativeDb, sql: &str) -> i64 {
    db.query_sync(sql, &[]).unwrap().scalar().and_then(Value::as_i64).unwrap()
}

#[test]
fn the_readme_tool_table_weekly_volumes_and_growth_are_reproduced() {
    let Some((db, facts, json)) = open("acolytes-v1-small.db") else { return };
    let d = dashboard(&db, &facts, &DashboardState::default());
    let tools = d.aggregates.tools.as_ref().unwrap();
    let expected = json["tool_logs"]["per_tool"].as_object().unwrap();
    assert_eq!(tools.per_tool.len(), expected.len());
    for stat in &tools.per_tool {
        let e = &expected[&stat.tool];
        assert_eq!(stat.calls, e["count"].as_i64().unwrap(), "{}", stat.tool);
        assert_eq!(stat.failures, e["failures"].as_i64().unwrap(), "{}", stat.tool);
        assert_eq!(stat.latency.p50, e["p50_ms"].as_f64(), "{} p50", stat.tool);
        assert_eq!(stat.latency.p95, e["p95_ms"].as_f64(), "{} p95", stat.tool);
        assert_eq!(stat.latency.max, e["max_ms"].as_f64(), "{} max", stat.tool);
    }
    assert_eq!(tools.calls, 4931);
    assert_eq!(tools.failures, 181 + 16, "hook blocks have success = 0 too");
    assert_eq!(tools.blocked, 16);
    let weeks: Vec<(String, i64)> = json["tool_logs"]["per_week_monday_start"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(w, n)| (w.clone(), n.as_i64().unwrap()))
        .collect();
    assert_eq!(tools.weekly, weeks);
    let fit = d.tool_forecast.fit.expect("13 whole weeks");
    assert_eq!(fit.points, 13);
    let want = json["tool_logs"]["fitted_weekly_growth"].as_f64().unwrap();
    assert!((fit.factor - want).abs() / want < 0.01, "growth {} vs README {want}", fit.factor);

    // Overall and per-day percentiles against a plain sort of the same rows.
    let all = column_f64(&db, "SELECT duration_ms FROM tool_logs");
    assert_eq!(tools.latency.p50, nearest_rank(&all, 50));
    assert_eq!(tools.latency.p95, nearest_rank(&all, 95));
    assert_eq!(tools.latency.p99, nearest_rank(&all, 99));
    let day = &tools.daily[40];
    let rows =
        column_f64(&db, &format!("SELECT duration_ms FROM tool_logs WHERE timestamp LIKE '{}%'", day.day));
    assert_eq!(day.calls as usize, rows.len());
    assert_eq!(day.latency.p95, nearest_rank(&rows, 95));
    assert_eq!(
        tools.peak_per_hour,
        scalar(
            &db,
            "SELECT MAX(c) FROM (SELECT COUNT(*) c FROM tool_logs GROUP BY substr(timestamp, 1, 13))"
        )
    );
}

#[test]
fn flag_kpis_match_the_facts_and_a_plain_computation() {
    let Some((db, facts, json)) = open("acolytes-v1-small.db") else { return };
    let d = dashboard(&db, &facts, &DashboardState::default());
    let w = &d.aggregates.window;
    assert_eq!(w.as_of, "2025-08-24 21:40", "latest activity: the last tool call");
    assert_eq!(w.start, "2025-05-26 08:40");
    let k = d.aggregates.flags.as_ref().expect("flag figures");
    let f = &json["flags"];
    for (level, n) in &k.pending_by_impact {
        assert_eq!(*n, f["pending_by_impact"][level].as_i64().unwrap(), "{level}");
    }
    let workable: i64 =
        f["workable_by_impact"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
    assert_eq!((k.pending, k.workable, k.locked_pending), (139, workable, 27));
    assert_eq!((k.created, k.completed), (300, 161));
    assert_eq!(k.completion_rate, Some(161.0 / 300.0));
    assert_eq!(k.daily.last().unwrap().backlog, 139, "the backlog at the end is what is pending");
    assert_eq!(k.daily.iter().map(|d| d.created).sum::<i64>(), 300);
    assert_eq!(k.chains, 36);
    assert_eq!(k.chain_lengths, vec![(2, 19), (3, 10), (4, 7)]);

    // Lead times from the texts, minute arithmetic done here rather than in SQL.
    let mut lead: Vec<f64> = db
        .query_sync("SELECT created_at, completed_at FROM flags WHERE status = 'completed'", &[])
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            let minute = |v: &Value| parse_minute(v.as_str().unwrap()).unwrap();
            (minute(&r[1]) - minute(&r[0])) as f64 / 60.0
        })
        .collect();
    lead.sort_by(f64::total_cmp);
    assert_eq!(k.lead_time_count, 161);
    assert_eq!(k.lead_time_p50_hours, nearest_rank(&lead, 50));
    assert_eq!(k.lead_time_p90_hours, nearest_rank(&lead, 90));

    let oldest = db
        .query_sync(
            "SELECT MIN(created_at) FROM flags WHERE status = 'pending' AND impact_level = 'critical'",
            &[],
        )
        .unwrap();
    let oldest = parse_minute(oldest.scalar().unwrap().as_str().unwrap()).unwrap();
    let as_of = parse_minute(&w.as_of).unwrap();
    assert_eq!(k.oldest_critical_hours, Some((as_of - oldest) as f64 / 60.0));

    // Bottlenecks: the README's per-target table, top 10 by count then name.
    let top: Vec<(String, i64)> = k.bottlenecks.iter().map(|b| (b.target.clone(), b.pending)).collect();
    assert_eq!(top.len(), 10);
    assert_eq!(top[0], ("@acolyte.api".to_owned(), 10));
    assert_eq!(top[2], ("@service.auth".to_owned(), 10));
    assert_eq!(top[3], ("@acolyte.payments".to_owned(), 9));
    let routing = block_on(flagdeck_core::agents::routing_errors(&db, &facts)).unwrap();
    assert_eq!(k.routing_errors, routing.len() as i64);
    assert_eq!(k.routing_error_share, Some(routing.len() as f64 / 139.0));
    assert_eq!(k.critical_pending_ids.len(), 5);
}

#[test]
fn filters_and_ranges_change_every_figure_they_touch() {
    let Some((db, facts, json)) = open("acolytes-v1-small.db") else { return };
    let state = DashboardState { target: Some("@backend.api".into()), ..Default::default() };
    let d = dashboard(&db, &facts, &state);
    let k = d.aggregates.flags.as_ref().expect("flag figures");
    let focus = &json["flags"]["focus_agent"];
    assert_eq!(k.pending, focus["pending"].as_i64().unwrap());
    assert_eq!(k.locked_pending, focus["pending_locked"].as_i64().unwrap());
    assert_eq!(k.created, focus["all"].as_i64().unwrap());
    let tools = d.aggregates.tools.as_ref().unwrap();
    assert_eq!(tools.calls, scalar(&db, "SELECT COUNT(*) FROM tool_logs WHERE agent_name = '@backend.api'"));

    let state = DashboardState {
        tool: Some("Bash".into()),
        flag_type: Some("security".into()),
        ..Default::default()
    };
    let d = dashboard(&db, &facts, &state);
    assert_eq!(d.aggregates.tools.as_ref().unwrap().calls, 696);
    assert_eq!(d.aggregates.flags.as_ref().unwrap().created, 23);

    // The last 7 days up to the last activity (2025-08-24 21:40).
    let state = DashboardState { range: Range::Days(7), ..Default::default() };
    let d = dashboard(&db, &facts, &state);
    assert_eq!(d.aggregates.window.start, "2025-08-17 21:40");
    let created = scalar(&db, "SELECT COUNT(*) FROM flags WHERE created_at >= '2025-08-17 21:40'");
    assert_eq!(d.aggregates.flags.as_ref().unwrap().created, created);
    let calls = scalar(&db, "SELECT COUNT(*) FROM tool_logs WHERE timestamp >= '2025-08-17 21:40'");
    assert_eq!(d.aggregates.tools.as_ref().unwrap().calls, calls);
    assert_eq!(
        d.aggregates.flags.as_ref().unwrap().pending,
        139,
        "pending is a snapshot, not a range figure"
    );

    let state = DashboardState {
        range: Range::Custom { from: "2025-06-02".into(), to: "2025-06-08".into() },
        ..Default::default()
    };
    let d = dashboard(&db, &facts, &state);
    assert_eq!(d.aggregates.tools.as_ref().unwrap().calls, 300, "2025-W22 of the README");
    // "Now" counts ages from the wall clock given.
    let state = DashboardState { as_of: AsOf::Now, range: Range::Days(30), ..Default::default() };
    let d = dashboard(&db, &facts, &state);
    assert_eq!(d.aggregates.window.as_of, "2026-11-30 12:00");
    assert_eq!(
        d.aggregates.flags.as_ref().unwrap().created,
        0,
        "nothing happened in the last 30 days of wall-clock time"
    );
}

#[test]
fn agent_health_latest_checks_and_statuses() {
    let Some((db, facts, json)) = open("acolytes-v1-small.db") else { return };
    let d = dashboard(&db, &facts, &DashboardState::default());
    let h = d.aggregates.health.as_ref().unwrap();
    let e = &json["agent_health"];
    assert_eq!(h.checks, 60);
    for (status, n) in &h.checks_by_status {
        assert_eq!(*n, e["by_status"][status].as_i64().unwrap(), "{status}");
    }
    assert_eq!(h.checks_needing_compaction, 13);
    assert_eq!(h.latest.len(), 20);
    let latest_compaction = scalar(
        &db,
        "SELECT COUNT(*) FROM agent_health h WHERE needs_compaction = 1 AND checked_at = \
         (SELECT MAX(checked_at) FROM agent_health g WHERE g.agent_name = h.agent_name)",
    );
    assert_eq!(h.needing_compaction.len() as i64, latest_compaction);
    assert!(!h.drift_weekly.is_empty());

    // ClaudeSquad keys health by agents_dynamic.id: named here as flags name them.
    let Some((db, facts, json)) = open("claudesquad-v0-small.db") else { return };
    let d = dashboard(&db, &facts, &DashboardState::default());
    let h = d.aggregates.health.as_ref().unwrap();
    assert_eq!(h.checks, 20);
    assert_eq!(h.latest.len(), 10);
    assert!(h.latest.iter().all(|c| c.agent.starts_with('@')), "{:?}", h.latest);
    let k = d.aggregates.flags.as_ref().expect("flag figures");
    let f = &json["flags"];
    for (level, n) in &k.pending_by_impact {
        assert_eq!(*n, f["pending_by_impact"][level].as_i64().unwrap(), "v0 {level}");
    }
    assert_eq!(k.pending, 76);
    assert_eq!(k.chains, 16);
}

#[test]
fn capacity_what_if_and_budgets() {
    let Some((db, facts, _)) = open("acolytes-v1-small.db") else { return };
    let base = dashboard(&db, &facts, &DashboardState::default());
    let c = &base.capacity;
    assert_eq!(c.days, 28);
    // λ and μ over the last 28 days, by hand.
    let created = scalar(
        &db,
        "SELECT COUNT(*) FROM flags WHERE created_at >= '2025-07-28' AND created_at <= '2025-08-24 21:40'",
    );
    let completed = scalar(
        &db,
        "SELECT COUNT(*) FROM flags WHERE status = 'completed' AND completed_at >= '2025-07-28' AND completed_at <= '2025-08-24 21:40'",
    );
    assert!((c.inflow - created as f64 / 28.0).abs() < 1e-12);
    assert!((c.capacity - completed as f64 / 28.0).abs() < 1e-12);
    assert_eq!(c.backlog, 139.0);

    let state = DashboardState { growth: 3.0, ..Default::default() };
    let grown = derive(base.aggregates.clone(), &state);
    assert!(
        (grown.capacity.inflow_what_if - 4.0 * c.inflow).abs() < 1e-12,
        "+300 % is four times the inflow"
    );
    assert!((grown.capacity.utilisation.unwrap() - 4.0 * c.utilisation.unwrap()).abs() < 1e-9);
    assert!(grown.capacity.days_to_double.is_some());

    let gate = |d: &Dashboard, name: &str| d.budgets.iter().find(|b| b.name == name).cloned().unwrap();
    // Defaults: p95 ≤ 30 s fails on Task (157.8 s) and WebFetch (30.1 s); 5 critical pending.
    let p95 = gate(&base, "tool-p95");
    assert_eq!(p95.verdict, Verdict::Fail);
    assert_eq!(p95.now(), "2.6 min", "Task's p95, in its unit");
    assert_eq!(p95.offenders.len(), 2, "{:?}", p95.offenders);
    assert!(p95.offenders[0].starts_with("Task"));
    let critical = gate(&base, "critical-pending");
    assert_eq!(critical.verdict, Verdict::Fail);
    assert_eq!(critical.now(), "5 flags");
    assert_eq!(critical.offenders.len(), 5);
    let errors = gate(&base, "error-rate");
    assert_eq!(errors.actual, Some(197.0 / 4931.0 * 100.0));
    assert_eq!(errors.verdict, Verdict::Pass, "4.0 % ≤ 5 %");
    assert_eq!(errors.now(), "4.0 %");
    assert!(
        errors.offenders.iter().any(|o| o.starts_with("Bash")),
        "Bash fails 11.6 %: {:?}",
        errors.offenders
    );
    let relaxed = DashboardState {
        budgets: flagdeck_core::dashboard::Budgets {
            tool_p95_ms: Some(200_000.0),
            critical_pending_max: Some(5),
            ..Default::default()
        },
        ..Default::default()
    };
    let d = derive(base.aggregates.clone(), &relaxed);
    assert_eq!(gate(&d, "tool-p95").verdict, Verdict::Pass);
    assert_eq!(gate(&d, "critical-pending").verdict, Verdict::Pass);
}

#[test]
fn a_snapshot_of_the_fixture_dashboard_round_trips_and_redacts_every_agent() {
    use flagdeck_core::dashboard::share::{decode_snapshot, encode_snapshot, redact, Snapshot};
    let Some((db, facts, _)) = open("acolytes-v1-small.db") else { return };
    let state = DashboardState::default();
    let agg = block_on(aggregates(&db, &facts, &state, "2026-11-30 12:00", &|_, _, _| {}, Logs::default()))
        .unwrap();
    let snapshot = Snapshot {
        file: Some("acolytes-v1-small.db".into()),
        made_at: "2026-11-30 12:00".into(),
        redacted: false,
        state,
        aggregates: agg,
    };
    let link = encode_snapshot(&snapshot);
    let back = decode_snapshot(&link).unwrap();
    // The view made from the snapshot is the view made from the database.
    assert_eq!(back.aggregates.created_daily, snapshot.aggregates.created_daily);
    assert_eq!(back.aggregates.completed_daily, snapshot.aggregates.completed_daily);
    assert_eq!(back.aggregates.calls_daily, snapshot.aggregates.calls_daily);
    assert_eq!(back.aggregates.flags, snapshot.aggregates.flags);
    assert_eq!(back.aggregates.tools, snapshot.aggregates.tools);
    assert_eq!(back.aggregates.health, snapshot.aggregates.health);
    // The hook figures come back without the lists a link does not carry (per day, the
    // project's file paths, sessions, jobs, messages and quiet periods).
    let mut carried = snapshot.aggregates.hooks.clone().expect("hook figures");
    assert!(!carried.top_files.is_empty() && !carried.per_day.is_empty(), "the file has them");
    carried.per_day.clear();
    carried.block_reasons.clear();
    carried.failure_reasons.clear();
    carried.top_files.clear();
    carried.top_sessions.clear();
    carried.jobs.clear();
    carried.quiet.clear();
    assert_eq!(back.aggregates.hooks, Some(carried.clone()));
    assert_eq!(back.aggregates.window, snapshot.aggregates.window);
    let mut carried_aggregates = snapshot.aggregates.clone();
    carried_aggregates.hooks = Some(carried);
    assert_eq!(derive(back.aggregates.clone(), &back.state), derive(carried_aggregates, &snapshot.state));
    eprintln!("snapshot link of the v1 default dashboard: {} characters", link.len());

    let mut redacted = snapshot.clone();
    redact(&mut redacted);
    let text = serde_json::to_string(&redacted).unwrap();
    for agent in db.query_sync("SELECT name FROM agents_catalog", &[]).unwrap().rows {
        let name = agent[0].display();
        assert!(!text.contains(&format!("\"{name}\"")), "{name} left in a redacted snapshot");
    }
}

#[test]
fn saved_dashboards_live_in_their_own_table_created_on_first_save() {
    use flagdeck_core::dashboard::saved::{delete, list, save, TABLE};
    use flagdeck_core::schema::{detect, Generation};
    let Some((db, _, _)) = open("acolytes-v1-small.db") else { return };
    let tables =
        |db: &NativeDb| scalar(db, &format!("SELECT COUNT(*) FROM sqlite_master WHERE name = '{TABLE}'"));
    assert!(block_on(list(&db)).unwrap().is_empty());
    assert_eq!(tables(&db), 0, "listing creates nothing");
    let state = DashboardState { range: Range::Days(30), growth: 3.0, ..Default::default() };
    block_on(save(&db, "Weekly review", &state, "2026-11-30 12:00")).unwrap();
    block_on(save(&db, "Weekly review", &DashboardState::default(), "2026-11-30 12:05")).unwrap();
    block_on(save(&db, "Release gate", &state, "2026-11-30 12:10")).unwrap();
    assert_eq!(tables(&db), 1);
    let saved = block_on(list(&db)).unwrap();
    assert_eq!(saved.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Release gate", "Weekly review"]);
    assert_eq!(saved[0].state, Ok(state));
    assert_eq!(saved[1].state, Ok(DashboardState::default()), "saving again replaces");
    // A hand-edited row is reported, not fatal.
    db.execute_batch_sync(&format!("UPDATE {TABLE} SET state = '{{broken' WHERE name = 'Release gate'"))
        .unwrap();
    assert!(block_on(list(&db)).unwrap()[0].state.is_err());
    block_on(delete(&db, "Release gate")).unwrap();
    assert_eq!(block_on(list(&db)).unwrap().len(), 1);

    // The file stays a v1 flag database and the tool's triggers still guard its flags.
    let facts = block_on(flagdeck_core::schema::read_facts(&db)).unwrap();
    assert_eq!(detect(&facts).generation, Generation::V1);
    let refused = db.execute_batch_sync(
        "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, status) \
         VALUES ('change', '@a', '@b', 'short', 'short', 'low', 'pending')",
    );
    assert!(refused.is_err());
    let check = db.query_sync("PRAGMA integrity_check", &[]).unwrap();
    assert_eq!(check.scalar(), Some(&Value::from("ok")));
}

/// The first tiles (issue 14 item 5) are the plain counts, and the pending one is the full
/// dashboard's "Pending" tile.
#[test]
fn first_tiles_are_the_plain_counts_and_the_full_pending() {
    use flagdeck_core::dashboard::first::first_tiles;
    for fixture in ["acolytes-v1-small.db", "acolytes-v2-small.db"] {
        let Some(bytes) = common::fixture_bytes(fixture) else { continue };
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        let state = DashboardState::default();
        let first = block_on(first_tiles(&db, &facts, &state)).unwrap();
        assert_eq!(first.tool_calls, Some(scalar(&db, "SELECT COUNT(*) FROM tool_logs")), "{fixture}");
        let d = dashboard(&db, &facts, &state);
        assert_eq!(first.pending, d.aggregates.flags.as_ref().map(|f| f.pending), "{fixture}");
        if fixture.contains("v1") {
            assert!(first.pending.is_some_and(|n| n > 0), "the v1 fixture has pending flags");
            let tool = d.aggregates.tools.as_ref().unwrap().per_tool[0].tool.clone();
            let filtered = DashboardState { tool: Some(tool.clone()), ..DashboardState::default() };
            let f = block_on(first_tiles(&db, &facts, &filtered)).unwrap();
            let plain = db
                .query_sync(
                    "SELECT COUNT(*) FROM tool_logs WHERE tool_name = ?1",
                    &[Value::from(tool.as_str())],
                )
                .unwrap()
                .scalar()
                .and_then(Value::as_i64);
            assert_eq!(f.tool_calls, plain);
        } else {
            assert_eq!(first.pending, None, "a 2.x file has no flags");
        }
    }
}

/// The dashboard's TEMP tables live in the temp schema, never in main: an export made while
/// one exists (and after a whole run) holds exactly the tables the file had.
#[test]
fn temp_tables_of_the_dashboard_never_reach_an_export() {
    // v1 (the tool tables) and the hybrid (the quest tables too).
    for fixture in ["acolytes-v1-small.db", "acolytes-hybrid-small.db"] {
        temp_tables_stay_out_of_the_export(fixture);
    }
}

fn temp_tables_stay_out_of_the_export(fixture: &str) {
    let Some((db, facts, _)) = open(fixture) else { return };
    let tables = |bytes: &[u8]| {
        let copy = flagdeck_core::native::NativeDb::open_bytes(bytes).unwrap();
        copy.query_sync("SELECT name FROM sqlite_schema ORDER BY name", &[])
            .unwrap()
            .rows
            .iter()
            .map(|r| r[0].display())
            .collect::<Vec<_>>()
    };
    let before = tables(&db.export_sync().unwrap());
    db.query_sync("CREATE TABLE temp.flagdeck_probe AS SELECT 1 AS x", &[]).unwrap();
    let during = tables(&db.export_sync().unwrap());
    assert_eq!(during, before, "a TEMP table is not part of the exported main database");
    assert!(scalar(&db, "SELECT COUNT(*) FROM temp.sqlite_schema WHERE name = 'flagdeck_probe'") == 1);
    let _ = dashboard(&db, &facts, &DashboardState::default());
    assert_eq!(tables(&db.export_sync().unwrap()), before);
    assert!(!before.iter().any(|t| t.starts_with("flagdeck_")));
}
