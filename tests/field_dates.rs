#![cfg(not(target_arch = "wasm32"))]
//! Placeholder dates (issue 12, item 5) on `../shared/field-cases/placeholder-dates.db`: the v1
//! fixture with flag 1 created `1970-01-01 00:00`, flag 300 created `2099-12-31 23:59` and the
//! first tool call at `1970-01-01 00:00:00`. The dashboard's default window and "as of" are
//! those of the real activity, the outliers and unreadable timestamps are listed, "all time
//! including outliers" and any custom range reach them, and every series stays at most
//! `MAX_SLOTS` long so the snapshot link stays under 8 KB for any range.

mod common;

use flagdeck_core::dashboard::outliers::{fences, quartiles_plain, MIN_SPREAD_DAYS, RULE};
use flagdeck_core::dashboard::share::{encode_snapshot, Snapshot};
use flagdeck_core::dashboard::slots::{Slot, MAX_SLOTS};
use flagdeck_core::dashboard::stats::{day_text, parse_day, parse_minute};
use flagdeck_core::dashboard::{
    aggregates, as_of_minute, derive, AsOf, Dashboard, DashboardState, Logs, Range,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::schema::SchemaFacts;
use flagdeck_core::Value;
use pollster::block_on;

const NOW: &str = "2026-11-30 12:00";
/// The widest range a custom From/To can name (four-digit years).
const WIDEST: (&str, &str) = ("0001-01-01", "9999-12-31");
/// The snapshot link's limit, in characters.
const LINK_LIMIT: usize = 8 * 1024;

fn field_bytes(name: &str) -> Option<Vec<u8>> {
    let dir = common::fixtures_dir()?.join("../field-cases");
    if !dir.join(name).exists() {
        eprintln!(
            "NOTE: ../shared/field-cases/{name} is absent on this machine: its checks are not run here"
        );
        return None;
    }
    Some(std::fs::read(dir.join(name)).unwrap())
}

fn open_field() -> Option<(NativeDb, SchemaFacts)> {
    let (db, _, facts) = common::open_and_inspect(&field_bytes("placeholder-dates.db")?).unwrap();
    Some((db, facts))
}

fn open_v1() -> Option<(NativeDb, SchemaFacts)> {
    let (db, _, facts) = common::open_and_inspect(&common::fixture_bytes("acolytes-v1-small.db")?).unwrap();
    Some((db, facts))
}

fn dashboard(db: &NativeDb, facts: &SchemaFacts, state: &DashboardState) -> Dashboard {
    derive(block_on(aggregates(db, facts, state, NOW, &|_, _, _| {}, Logs::default())).unwrap(), state)
}

fn text(db: &NativeDb, sql: &str) -> String {
    db.query_sync(sql, &[]).unwrap().scalar().unwrap().display()
}

fn int(db: &NativeDb, sql: &str) -> i64 {
    db.query_sync(sql, &[]).unwrap().scalar().and_then(Value::as_i64).unwrap()
}

/// The activity bounds of the file by plain SQL, leaving out the rows named.
fn plain_bounds(db: &NativeDb, without_flags: &str, without_tool_logs: &str) -> (String, String) {
    let all = format!(
        "SELECT created_at AS t FROM flags WHERE id NOT IN ({without_flags}) \
         UNION ALL SELECT completed_at FROM flags WHERE completed_at IS NOT NULL AND id NOT IN ({without_flags}) \
         UNION ALL SELECT substr(timestamp, 1, 16) FROM tool_logs WHERE id NOT IN ({without_tool_logs}) \
         UNION ALL SELECT checked_at FROM agent_health"
    );
    (text(db, &format!("SELECT min(t) FROM ({all})")), text(db, &format!("SELECT max(t) FROM ({all})")))
}

#[test]
fn the_placeholders_are_recognised_and_the_window_is_the_real_activity() {
    let Some((db, facts)) = open_field() else { return };
    let first_log = int(&db, "SELECT id FROM tool_logs ORDER BY timestamp, id LIMIT 1");
    assert_eq!(
        text(&db, &format!("SELECT timestamp FROM tool_logs WHERE id = {first_log}")),
        "1970-01-01 00:00:00"
    );
    let d = dashboard(&db, &facts, &DashboardState::default());
    let w = &d.aggregates.window;
    let (earliest, latest) = plain_bounds(&db, "1, 300", &first_log.to_string());
    assert_eq!(
        (w.start.as_str(), w.as_of.as_str(), w.end.as_str()),
        (earliest.as_str(), latest.as_str(), latest.as_str())
    );
    assert_eq!(w.slot, Slot::Day, "the real activity is 91 days: one slot per day, as before");

    // The notice's facts: two flag dates and one tool call, by id, nothing unreadable.
    let o = &w.outliers;
    assert_eq!((o.outside(), o.unreadable()), (3, 0));
    assert!(!o.included);
    assert_eq!(o.flag_ids(), vec![1, 300]);
    let created =
        o.sources.iter().find(|s| (s.table.as_str(), s.column.as_str()) == ("flags", "created_at")).unwrap();
    let listed: Vec<(i64, &str)> = created.rows.iter().map(|r| (r.id, r.value.as_str())).collect();
    assert_eq!(listed, vec![(1, "1970-01-01 00:00"), (300, "2099-12-31 23:59")]);
    let logs = o.sources.iter().find(|s| s.table == "tool_logs").unwrap();
    assert_eq!((logs.outside, logs.rows[0].id), (1, first_log));
    assert_eq!(o.sources.len(), 2, "no other column has outliers: {:?}", o.sources);

    // The fences are the rule's, from the nearest-rank quartiles of the days of activity.
    let per_day: Vec<(i64, i64)> = db
        .query_sync(
            "SELECT substr(t, 1, 10), COUNT(*) FROM (SELECT created_at AS t FROM flags UNION ALL \
             SELECT completed_at FROM flags WHERE completed_at IS NOT NULL UNION ALL SELECT timestamp FROM tool_logs \
             UNION ALL SELECT checked_at FROM agent_health) GROUP BY 1",
            &[],
        )
        .unwrap()
        .rows
        .iter()
        .map(|r| (parse_day(r[0].as_str().unwrap()).unwrap(), r[1].as_i64().unwrap()))
        .collect();
    let kept: Vec<(i64, i64)> =
        per_day.iter().copied().filter(|(d, _)| *d >= parse_day("2020-01-01").unwrap()).collect();
    let (q1, q3) = quartiles_plain(&kept).unwrap();
    let spread = ((q3 - q1) as i64).max(MIN_SPREAD_DAYS);
    let f = fences(&per_day).unwrap();
    assert_eq!((f.low_day, f.high_day), (q1 as i64 - 3 * spread, q3 as i64 + 3 * spread));
    assert_eq!(o.fences, Some((day_text(f.low_day), day_text(f.high_day))));
    assert!(RULE.contains("2020-01-01") && RULE.contains("interquartile"));

    // The figures: every flag still pending counts; ages leave the placeholders out.
    let k = d.aggregates.flags.as_ref().unwrap();
    assert_eq!(k.pending, 139);
    assert_eq!(k.created, 298, "flags created in the window: all but 1 and 300");
    assert_eq!(k.daily.last().unwrap().backlog, 138, "flag 300 is not created yet at the window's end");
    let api = k.bottlenecks.iter().find(|b| b.target == "@acolyte.api").unwrap();
    let oldest = text(
        &db,
        "SELECT min(created_at) FROM flags WHERE status = 'pending' AND target_agent = '@acolyte.api' AND id <> 1",
    );
    let hours = (parse_minute(&w.as_of).unwrap() - parse_minute(&oldest).unwrap()) as f64 / 60.0;
    assert_eq!(api.oldest_hours, Some(hours), "the 1970 placeholder is no age");
    assert_eq!(d.aggregates.tools.as_ref().unwrap().calls, 4930);

    // The quest pages' "as of" follows the same rule.
    assert_eq!(block_on(as_of_minute(&db, &facts, AsOf::Latest, NOW)).unwrap(), w.as_of);
}

#[test]
fn all_time_including_outliers_and_a_custom_range_reach_them_with_longer_slots() {
    let Some((db, facts)) = open_field() else { return };
    let state = DashboardState { range: Range::Everything, ..Default::default() };
    let d = dashboard(&db, &facts, &state);
    let w = &d.aggregates.window;
    assert_eq!((w.start.as_str(), w.end.as_str()), ("1970-01-01 00:00", "2099-12-31 23:59"));
    assert_eq!(
        w.as_of,
        dashboard(&db, &facts, &DashboardState::default()).aggregates.window.as_of,
        "as of stays"
    );
    assert!(w.outliers.included);
    assert_eq!(w.slot, Slot::for_days(0, parse_day("2099-12-31").unwrap()));
    assert!(matches!(w.slot, Slot::Years(_)), "130 years: {:?}", w.slot);
    let k = d.aggregates.flags.as_ref().unwrap();
    assert_eq!(k.created, 300);
    assert_eq!(k.daily.iter().map(|s| s.created).sum::<i64>(), 300);
    assert_eq!(k.daily.last().unwrap().backlog, 139);
    assert_eq!(k.daily.len() as i64, w.slot.count(w.first_day, w.last_day));
    let tools = d.aggregates.tools.as_ref().unwrap();
    assert_eq!(tools.calls, 4931);
    assert_eq!(tools.daily.iter().map(|t| t.calls).sum::<i64>(), 4931);
    // Ages include the placeholders when asked to.
    let api = k.bottlenecks.iter().find(|b| b.target == "@acolyte.api").unwrap();
    assert!(api.oldest_hours.unwrap() > 50.0 * 365.0 * 24.0);
    // The forecast and capacity work from the last 52 weeks' days (2099 here: one flag).
    assert_eq!(d.aggregates.created_daily.values().sum::<f64>(), 1.0);

    // A custom range around them includes them too.
    let custom = DashboardState {
        range: Range::Custom { from: "1970-01-01".into(), to: "2099-12-31".into() },
        ..Default::default()
    };
    let c = dashboard(&db, &facts, &custom);
    assert!(c.aggregates.window.outliers.included);
    assert_eq!(c.aggregates.flags.as_ref().unwrap().created, 300);
}

/// Every series the dashboard draws or carries, by length.
fn series_lengths(d: &Dashboard) -> Vec<(&'static str, usize)> {
    let a = &d.aggregates;
    let mut out = vec![
        ("flag forecast history", d.flag_forecast.history.len()),
        ("tool forecast history", d.tool_forecast.history.len()),
        ("recent days", a.recent_days.len()),
    ];
    if let Some(k) = &a.flags {
        out.push(("flags daily", k.daily.len()));
        out.push(("flags weekly", k.weekly.len()));
    }
    if let Some(t) = &a.tools {
        out.push(("tools daily", t.daily.len()));
        out.push(("tools weekly", t.weekly.len()));
    }
    if let Some(h) = &a.health {
        out.push(("drift weekly", h.drift_weekly.len()));
    }
    out
}

#[test]
fn the_widest_range_keeps_the_link_under_8_kb_and_the_report_bounded() {
    for (name, opened) in [("placeholder-dates.db", open_field()), ("acolytes-v1-small.db", open_v1())] {
        let Some((db, facts)) = opened else { continue };
        for range in [
            Range::All,
            Range::Everything,
            Range::Days(400_000),
            Range::Custom { from: "1970-01-01".into(), to: "2099-12-31".into() },
            Range::Custom { from: WIDEST.0.into(), to: WIDEST.1.into() },
        ] {
            let state = DashboardState { range: range.clone(), ..Default::default() };
            let d = dashboard(&db, &facts, &state);
            for (series, len) in series_lengths(&d) {
                let limit = if series == "recent days" { 364 } else { MAX_SLOTS as usize };
                assert!(len <= limit, "{name} {range:?}: {series} has {len} entries");
            }
            let link = encode_snapshot(&Snapshot {
                file: Some(name.into()),
                made_at: NOW.into(),
                redacted: false,
                state: state.clone(),
                aggregates: d.aggregates.clone(),
            });
            assert!(link.len() < LINK_LIMIT, "{name} {range:?}: snapshot link of {} characters", link.len());
            // What the report draws is this dashboard: bounded whatever the range.
            let json = serde_json::to_string(&d).unwrap();
            assert!(json.len() < 64 * 1024, "{name} {range:?}: {} bytes of figures", json.len());
            eprintln!(
                "{name} {range:?}: slot {:?}, link {} characters, figures {} bytes",
                d.aggregates.window.slot,
                link.len(),
                json.len()
            );
        }
    }
}

#[test]
fn the_v1_fixture_has_no_outliers_and_all_time_is_its_window() {
    let Some((db, facts)) = open_v1() else { return };
    let all = dashboard(&db, &facts, &DashboardState::default());
    assert!(all.aggregates.window.outliers.is_empty());
    assert_eq!(all.aggregates.window.slot, Slot::Day);
    let everything =
        dashboard(&db, &facts, &DashboardState { range: Range::Everything, ..Default::default() });
    assert_eq!(everything.aggregates, all.aggregates);
}

#[test]
fn unreadable_timestamps_are_counted_listed_and_left_out() {
    let Some(bytes) = field_bytes("placeholder-dates.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    // Three kinds of unreadable value, an empty text (no date: not counted) and a NULL.
    db.query_sync("UPDATE flags SET created_at = 'yesterday' WHERE id = 5", &[]).unwrap();
    db.query_sync("UPDATE flags SET created_at = 0 WHERE id = 6", &[]).unwrap();
    // Date-shaped, but month 13 day 45: no date either, and listed as such.
    db.query_sync("UPDATE flags SET created_at = '2025-13-45 10:00' WHERE id = 8", &[]).unwrap();
    db.query_sync("UPDATE tool_logs SET timestamp = '24/08/2025 10:00' WHERE id = 7", &[]).unwrap();
    db.query_sync("UPDATE agent_health SET checked_at = '' WHERE id = 2", &[]).unwrap();
    let d = dashboard(&db, &facts, &DashboardState::default());
    let o = &d.aggregates.window.outliers;
    assert_eq!((o.outside(), o.unreadable()), (3, 4));
    let created =
        o.sources.iter().find(|s| (s.table.as_str(), s.column.as_str()) == ("flags", "created_at")).unwrap();
    let unreadable: Vec<(i64, &str)> =
        created.rows.iter().filter(|r| r.unreadable).map(|r| (r.id, r.value.as_str())).collect();
    assert_eq!(unreadable, vec![(5, "yesterday"), (6, "0"), (8, "2025-13-45 10:00")]);
    assert_eq!(o.flag_ids(), vec![1, 5, 6, 8, 300]);
    let logs = o.sources.iter().find(|s| s.table == "tool_logs").unwrap();
    assert_eq!((logs.outside, logs.unreadable), (1, 1));
    assert!(
        o.sources.iter().all(|s| s.table != "agent_health"),
        "an empty text is no date, not an unreadable one"
    );
    // They take part in no figure.
    assert_eq!(d.aggregates.flags.as_ref().unwrap().created, 295);
    assert_eq!(d.aggregates.tools.as_ref().unwrap().calls, 4929);
}

#[test]
fn the_sql_slot_starts_are_the_rust_ones() {
    let Some((db, _)) = open_v1() else { return };
    let days: Vec<i64> = (0..400).map(|i| parse_day("2024-12-20").unwrap() + i * 3).collect();
    for slot in [Slot::Day, Slot::Week, Slot::Month, Slot::Quarter, Slot::Years(1), Slot::Years(7)] {
        for day in &days {
            let sql = format!("SELECT {}", slot.start_sql("?1"));
            let got = db.query_sync(&sql, &[Value::from(format!("{} 13:45:00", day_text(*day)))]).unwrap();
            assert_eq!(
                got.scalar().unwrap().display(),
                day_text(slot.start_of(*day)),
                "{slot:?} {}",
                day_text(*day)
            );
        }
    }
}
