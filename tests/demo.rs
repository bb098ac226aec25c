#![cfg(not(target_arch = "wasm32"))]
//! The demo generator: its v1 script builds a database that flagdeck opens, that is
//! deterministic, whose schema matches what the real `agent_db.py` creates (compared with the
//! v1 fixture pragma by pragma), and whose rows the real tool's triggers accept; and the app's
//! built-in demo is that v1 demo upgraded to 2.x, with quests of every status and stalls.

mod common;

use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::dashboard::{aggregates, DashboardState, Logs};
use flagdeck_core::native::NativeDb;
use flagdeck_core::quests::QuestStatus;
use flagdeck_core::schema::Generation;
use flagdeck_core::search::{Query, SearchIndex};
use flagdeck_core::Value;
use flagdeck_demo::{
    builtin_demo_script, catalog_size, demo_script, generation_script, tool_log_count, DemoGeneration,
    DemoOptions, BUILTIN_DEMO, BUILTIN_QUESTS, DEFAULT_SEED, DEMO_FILE_NAME, NORMAL_AGENTS, V1_SCHEMA,
};

fn build(opts: &DemoOptions) -> NativeDb {
    let db = NativeDb::open_bytes(&[]).expect("an empty database opens");
    db.execute_batch_sync(&demo_script(opts)).expect("the demo script runs");
    db
}

fn int(db: &NativeDb, sql: &str) -> i64 {
    let rs = db.query_sync(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rs.scalar().and_then(Value::as_i64).unwrap_or_else(|| panic!("{sql}: not an integer"))
}

fn text(db: &NativeDb, sql: &str) -> String {
    let rs = db.query_sync(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rs.scalar().map(Value::display).unwrap_or_default()
}

fn rows(db: &NativeDb, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
    db.query_sync(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}")).rows
}

fn texts(db: &NativeDb, sql: &str) -> Vec<String> {
    rows(db, sql, &[]).into_iter().map(|r| r[0].display()).collect()
}

/// A path in the temp folder that is removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn with_bytes(tag: &str, bytes: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("flagdeck-demo-test-{}-{tag}.db", std::process::id()));
        std::fs::write(&path, bytes).expect("temp file is writable");
        TempFile(path)
    }

    fn sql_literal(&self) -> String {
        format!("'{}'", self.0.display().to_string().replace('\'', "''"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const TABLES_IN_DEPENDENCY_ORDER: &[&str] = &[
    "schema_migrations",
    "agents_catalog",
    "agents_memory",
    "jobs",
    "sessions",
    "messages",
    "flags",
    "agent_health",
    "tool_logs",
    "todos",
];

#[test]
fn default_v1_demo_opens_as_v1_with_the_counts_the_generator_intends() {
    assert_eq!(DEMO_FILE_NAME, "flagdeck-demo.db");
    assert_eq!(
        DemoOptions::default(),
        DemoOptions { flags: 300, seed: DEFAULT_SEED, agents: None, tool_logs: None }
    );
    let db = build(&DemoOptions::default());
    let bytes = db.export_sync().expect("export");
    let (db, report, facts) = common::open_and_inspect(&bytes).expect("the demo opens like any file");
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.user_version, 1);
    assert!(!report.wal);
    assert_eq!(report.page_size, 4096);
    assert_eq!((report.triggers, report.views), (7, 2));
    assert!(facts.has_table("schema_migrations"));

    // the report agrees with counts taken directly
    let (counts, c) = (&report.counts, report.counts.flags.as_ref().expect("flag counts"));
    assert_eq!(counts.quests, None);
    assert_eq!(c.total, int(&db, "SELECT COUNT(*) FROM flags"));
    assert_eq!(c.pending, int(&db, "SELECT COUNT(*) FROM flags WHERE status = 'pending'"));
    assert_eq!(c.completed, int(&db, "SELECT COUNT(*) FROM flags WHERE completed_at IS NOT NULL"));
    assert_eq!(c.locked, int(&db, "SELECT COUNT(*) FROM flags WHERE locked"));
    assert_eq!(
        c.locked_pending,
        int(&db, "SELECT COUNT(*) FROM flags WHERE locked AND completed_at IS NULL")
    );
    assert_eq!(
        c.workable,
        int(&db, "SELECT COUNT(*) FROM pending_flags WHERE NOT locked AND target_agent IS NOT NULL")
    );
    assert_eq!(counts.agents, int(&db, "SELECT COUNT(DISTINCT name) FROM agents_catalog"));
    assert_eq!(counts.tool_logs, Some(int(&db, "SELECT MAX(id) FROM tool_logs")));
    assert_eq!(counts.agent_health, Some(int(&db, "SELECT COUNT(*) FROM agent_health")));

    // … and the generator's intentions
    assert_eq!(c.total, 300);
    assert_eq!(c.pending + c.completed, 300);
    assert!((110..=190).contains(&c.completed), "about half completed: {}", c.completed);
    assert!((15..=50).contains(&c.locked), "locked {}", c.locked);
    assert!(c.locked > c.locked_pending, "some completed flags stay locked");
    assert_eq!(c.workable, c.pending - c.locked_pending, "no NULL targets");
    assert!((40..=60).contains(&counts.agents), "agents {}", counts.agents);
    assert_eq!(counts.tool_logs, Some(tool_log_count(300) as i64));
    assert!((4_500..=5_500).contains(&counts.tool_logs.unwrap()));
    assert_eq!(counts.agent_health, Some(60));

    assert_eq!(text(&db, "PRAGMA integrity_check"), "ok");
    assert!(rows(&db, "PRAGMA foreign_key_check", &[]).is_empty());
    assert_eq!(int(&db, "PRAGMA user_version"), 1);
    assert_eq!(
        int(
            &db,
            "SELECT COUNT(*) FROM schema_migrations WHERE version = 1 AND applied_at LIKE '2026-07-13 08:%'"
        ),
        1
    );
    // AUTOINCREMENT bookkeeping is what the real tool would find
    assert_eq!(int(&db, "SELECT seq FROM sqlite_sequence WHERE name = 'flags'"), 300);
}

#[test]
fn demo_rows_have_realistic_shapes() {
    let db = build(&DemoOptions::default());
    let count = |sql: &str| int(&db, sql);

    // times: the thirteen-week window, agent_db.py's formats
    let minute = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]'";
    let second = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'";
    assert_eq!(count(&format!("SELECT COUNT(*) FROM flags WHERE created_at NOT GLOB {minute}")), 0);
    assert_eq!(count(&format!("SELECT COUNT(*) FROM flags WHERE completed_at NOT GLOB {minute}")), 0);
    assert_eq!(count(&format!("SELECT COUNT(*) FROM agent_health WHERE checked_at NOT GLOB {minute}")), 0);
    assert_eq!(count(&format!("SELECT COUNT(*) FROM tool_logs WHERE timestamp NOT GLOB {second}")), 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM flags WHERE created_at < '2026-07-13' OR created_at >= '2026-10-12' OR completed_at >= '2026-10-12'"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM tool_logs WHERE timestamp < '2026-07-13' OR timestamp >= '2026-10-12'"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE completed_at <= created_at"), 0);
    assert_eq!(count("SELECT COUNT(DISTINCT created_at) FROM flags"), 300, "no two flags share a minute");
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM flags a JOIN flags b ON b.id = a.id + 1 WHERE b.created_at <= a.created_at"
        ),
        0
    );

    // the v1 rules (the triggers would have refused otherwise, but say it plainly)
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE length(action_required) < 100 OR length(change_description) < 50"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE impact_level IN ('high', 'critical') AND COALESCE(target_agent, '') = ''"), 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM flags WHERE impact_level = 'critical' AND flag_type NOT IN ('breaking_change', 'security', 'data_loss')"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE impact_level = 'low' AND flag_type IN ('breaking_change', 'security')"), 0);

    // impact mix: medium most common, critical rare but present
    let impact = |level: &str| count(&format!("SELECT COUNT(*) FROM flags WHERE impact_level = '{level}'"));
    let (critical, high, medium, low) = (impact("critical"), impact("high"), impact("medium"), impact("low"));
    assert_eq!(critical + high + medium + low, 300);
    assert!(
        medium > high && medium > low && high > critical && low > critical,
        "{critical} {high} {medium} {low}"
    );
    assert!((5..=30).contains(&critical), "critical {critical}");
    assert_eq!(count("SELECT COUNT(DISTINCT flag_type) FROM flags"), 8);

    // broadcast flags use the empty string, never NULL
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE target_agent IS NULL"), 0);
    assert!((1..=15).contains(&count("SELECT COUNT(*) FROM flags WHERE target_agent = ''")));
    assert!(count("SELECT COUNT(DISTINCT target_agent) FROM flags WHERE target_agent <> ''") >= 20);
    assert!(count("SELECT COUNT(DISTINCT source_agent) FROM flags") >= 20);
    // pending work concentrates on a few agents
    let top = count(
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM flags WHERE status = 'pending' AND target_agent <> '' GROUP BY target_agent)",
    );
    assert!(top >= 6, "busiest target has {top} pending flags");

    // completion: mostly by someone, sometimes without the leading @, sometimes by nobody
    assert!(
        count("SELECT COUNT(*) FROM flags WHERE status = 'completed' AND completed_by IS NOT NULL") * 10
            > count("SELECT COUNT(*) FROM flags WHERE status = 'completed'") * 9
    );
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE status = 'pending' AND (completed_at IS NOT NULL OR completed_by IS NOT NULL)"), 0);

    // chains: follow-ups point at the first flag of a chain, 2 to 4 flags long
    assert_eq!(
        count("SELECT COUNT(*) FROM flags f JOIN flags o ON o.id = f.chain_origin_id WHERE o.chain_origin_id IS NOT NULL OR o.id >= f.id"),
        0
    );
    let lengths = texts(
        &db,
        "SELECT COUNT(*) + 1 FROM flags WHERE chain_origin_id IS NOT NULL GROUP BY chain_origin_id",
    );
    assert!(lengths.len() >= 15, "{} chains", lengths.len());
    assert!(lengths.iter().all(|l| ["2", "3", "4"].contains(&l.as_str())), "{lengths:?}");
    assert!(lengths.iter().any(|l| l == "4") && lengths.iter().any(|l| l == "2"));

    // optional columns: some of each, JSON where JSON belongs
    for (column, lo, hi) in [
        ("related_files", 150, 260),
        ("code_location", 80, 180),
        ("example_usage", 40, 110),
        ("context", 10, 60),
    ] {
        let n = count(&format!("SELECT COUNT(*) FROM flags WHERE {column} IS NOT NULL"));
        assert!((lo..=hi).contains(&n), "{column}: {n}");
    }
    assert_eq!(count("SELECT COUNT(*) FROM flags WHERE context IS NOT NULL AND NOT json_valid(context)"), 0);
    assert!(count("SELECT COUNT(*) FROM flags WHERE related_files LIKE '%, %'") > 0);
    assert!(
        count("SELECT COUNT(*) FROM flags WHERE related_files LIKE '%,%' AND related_files NOT LIKE '%, %'")
            > 0
    );
    // a few international texts, with quotes that needed escaping
    let non_ascii = count("SELECT COUNT(*) FROM flags WHERE length(CAST(change_description AS BLOB)) <> length(change_description)");
    assert!((3..=30).contains(&non_ascii), "non-ASCII flags {non_ascii}");
    assert!(count("SELECT COUNT(*) FROM flags WHERE instr(change_description || action_required || COALESCE(example_usage, ''), '''') > 0") > 0);

    // sessions laid end to end; everything points at the session it falls in
    let sessions = count("SELECT COUNT(*) FROM sessions");
    assert!((80..=200).contains(&sessions), "sessions {sessions}");
    assert_eq!(count("SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM messages"), sessions - 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM sessions a WHERE ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sessions b WHERE b.created_at = a.ended_at)"),
        0
    );
    assert_eq!(text(&db, "SELECT ended_at IS NULL FROM latest_session"), "1");
    let outside = |table: &str, column: &str| {
        count(&format!(
            "SELECT COUNT(*) FROM {table} t JOIN sessions s ON s.id = t.session_id \
             WHERE t.{column} < s.created_at OR (s.ended_at IS NOT NULL AND t.{column} >= s.ended_at)"
        ))
    };
    assert_eq!(outside("flags", "created_at"), 0);
    assert_eq!(outside("agent_health", "checked_at"), 0);
    assert_eq!(outside("tool_logs", "timestamp"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM tool_logs WHERE session_id IS NULL"), 0);

    // one active job, the others paused or completed; valid descriptions
    assert_eq!(count("SELECT COUNT(*) FROM jobs WHERE status = 'active'"), 1);
    assert!(count("SELECT COUNT(*) FROM jobs") >= 4);
    assert_eq!(count("SELECT COUNT(*) FROM sessions s JOIN jobs j ON j.id = s.job_id WHERE s.created_at < j.created_at"), 0);

    // tool calls: durations and failures per tool, hooks, growth, agents
    let median = |tool: &str| {
        count(&format!(
            "SELECT duration_ms FROM tool_logs WHERE tool_name = '{tool}' ORDER BY duration_ms \
             LIMIT 1 OFFSET (SELECT (COUNT(*) - 1) / 2 FROM tool_logs WHERE tool_name = '{tool}')"
        ))
    };
    let (read, bash, task, fetch) = (median("Read"), median("Bash"), median("Task"), median("WebFetch"));
    assert!((30..=65).contains(&read), "Read median {read}");
    assert!((800..=2_200).contains(&bash), "Bash median {bash}");
    assert!((25_000..=60_000).contains(&task), "Task median {task}");
    assert!((1_000..=6_000).contains(&fetch), "WebFetch median {fetch}");
    let worst = text(
        &db,
        "SELECT tool_name FROM tool_logs GROUP BY tool_name HAVING COUNT(*) >= 100 \
         ORDER BY AVG(success = 0) DESC LIMIT 1",
    );
    assert_eq!(worst, "Bash");
    let blocked = count("SELECT COUNT(*) FROM tool_logs WHERE blocked_by_hook = 1");
    assert!((3..=40).contains(&blocked), "blocked {blocked}");
    assert_eq!(count("SELECT COUNT(*) FROM tool_logs WHERE blocked_by_hook = 1 AND (success <> 0 OR hook_message IS NULL)"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM tool_logs WHERE success = 0 AND blocked_by_hook = 0 AND error_message IS NULL"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM tool_logs WHERE NOT json_valid(parameters)"), 0);
    let logs = count("SELECT COUNT(*) FROM tool_logs");
    let named = count("SELECT COUNT(*) FROM tool_logs WHERE agent_name IS NOT NULL");
    assert!((named * 100 / logs) >= 33 && (named * 100 / logs) <= 47, "{named} of {logs} name an agent");
    let weeks: Vec<i64> = texts(&db, "SELECT COUNT(*) FROM tool_logs GROUP BY strftime('%Y-%W', timestamp) ORDER BY 1 IS NULL, MIN(timestamp)")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(weeks.len(), 13, "{weeks:?}");
    let early: i64 = weeks[..3].iter().sum();
    let late: i64 = weeks[10..].iter().sum();
    // 1.05^10 ≈ 1.63
    assert!(late * 100 > early * 135 && late * 100 < early * 200, "{weeks:?}");

    // agent health: 20 agents, three checks each, the three statuses, a few REAL sizes
    assert_eq!(count("SELECT COUNT(DISTINCT agent_name) FROM agent_health"), 20);
    assert_eq!(count("SELECT COUNT(*) FROM (SELECT agent_name FROM agent_health GROUP BY agent_name HAVING COUNT(*) <> 3)"), 0);
    assert_eq!(
        texts(&db, "SELECT DISTINCT status FROM agent_health ORDER BY 1"),
        ["degraded", "healthy", "oversized"]
    );
    let compaction = count("SELECT COUNT(*) FROM agent_health WHERE needs_compaction = 1");
    assert!((3..=30).contains(&compaction), "needs_compaction {compaction}");
    assert!(count("SELECT COUNT(*) FROM agent_health WHERE typeof(memory_size_kb) = 'real'") >= 2);
    assert!(count("SELECT COUNT(*) FROM agent_health WHERE typeof(memory_size_kb) = 'integer'") >= 30);
    assert_eq!(count("SELECT COUNT(*) FROM agent_health WHERE drift_score NOT BETWEEN 0 AND 100 OR confidence_score NOT BETWEEN 0 AND 100"), 0);

    // catalog and memories
    assert_eq!(
        count("SELECT COUNT(*) FROM agents_catalog WHERE type = 'acolyte' AND module IS NOT NULL"),
        count("SELECT COUNT(*) FROM agents_catalog WHERE type = 'acolyte'")
    );
    assert!(count("SELECT COUNT(*) FROM agents_catalog WHERE sub_module IS NOT NULL") >= 1);
    assert!(count("SELECT COUNT(DISTINCT type) FROM agents_catalog") >= 11);
    for column in ["role", "tech_stack", "scenarios", "tags", "connections"] {
        assert_eq!(
            count(&format!("SELECT COUNT(*) FROM agents_catalog WHERE type <> 'acolyte' AND (json_type({column}) IS NOT 'array' OR json_array_length({column}) = 0)")),
            0,
            "{column}"
        );
    }
    assert!(count("SELECT COUNT(*) FROM agents_catalog, json_each(connections) WHERE json_each.value LIKE '@%[%seq:%]'") > 10);
    assert!(count("SELECT COUNT(*) FROM agents_memory") >= 14);
    assert_eq!(
        count("SELECT COUNT(*) FROM agents_memory WHERE NOT json_valid(content) OR updated_at < created_at"),
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM agents_memory m LEFT JOIN agents_catalog c ON c.name = m.agent_name WHERE c.id IS NULL"), 0);
}

#[test]
fn same_seed_same_script_other_seed_other_data() {
    let a = demo_script(&DemoOptions::default());
    let b = demo_script(&DemoOptions::default());
    assert_eq!(a, b, "byte-identical for the same options");
    let other = DemoOptions { seed: DEFAULT_SEED ^ 1, ..DemoOptions::default() };
    let c = demo_script(&other);
    assert_ne!(a, c);
    // different data, not just different ids: the flag texts and times differ
    let db_a = build(&DemoOptions::default());
    let db_c = build(&other);
    let digest = "SELECT group_concat(created_at || source_agent || target_agent || impact_level, '|') FROM (SELECT * FROM flags ORDER BY id)";
    assert_ne!(text(&db_a, digest), text(&db_c, digest));
    // the size of the data does not depend on the seed
    assert_eq!(int(&db_c, "SELECT COUNT(*) FROM flags"), 300);
    assert_eq!(int(&db_c, "SELECT COUNT(*) FROM tool_logs"), tool_log_count(300) as i64);
}

#[test]
fn other_seeds_and_sizes_build_and_stay_within_the_rules() {
    for (flags, seed) in [(0, 5), (1, 5), (7, 5), (400, 1), (400, 2), (400, 42), (400, u64::MAX)] {
        // the script runs through our own triggers, so any rule-breaking row would abort it
        let db = build(&DemoOptions { flags, seed, agents: None, tool_logs: None });
        assert_eq!(int(&db, "SELECT COUNT(*) FROM flags"), flags as i64);
        assert_eq!(int(&db, "SELECT COUNT(*) FROM tool_logs"), tool_log_count(flags) as i64);
        assert_eq!(int(&db, "SELECT COUNT(*) FROM agent_health"), 60);
        assert_eq!(int(&db, "SELECT COUNT(*) FROM jobs WHERE status = 'active'"), 1);
        assert!(rows(&db, "PRAGMA foreign_key_check", &[]).is_empty());
        assert_eq!(
            int(&db, "SELECT COUNT(*) FROM flags f JOIN flags o ON o.id = f.chain_origin_id WHERE o.chain_origin_id IS NOT NULL"),
            0
        );
    }
}

#[test]
fn ten_thousand_flags() {
    let opts = DemoOptions { flags: 10_000, seed: 11, agents: None, tool_logs: None };
    let db = build(&opts);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM flags"), 10_000);
    assert_eq!(int(&db, "SELECT MAX(id) FROM flags"), 10_000);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM tool_logs"), tool_log_count(10_000) as i64);
    assert_eq!(int(&db, "SELECT COUNT(DISTINCT created_at) FROM flags"), 10_000);
    assert_eq!(text(&db, "PRAGMA quick_check"), "ok");
    let distinct_changes = int(&db, "SELECT COUNT(DISTINCT change_description) FROM flags");
    assert!(distinct_changes > 5_000, "varied texts: {distinct_changes}");
}

#[test]
fn v1_schema_alone_makes_an_empty_v1_database() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(V1_SCHEMA).unwrap();
    let bytes = db.export_sync().unwrap();
    let (db, report, _) = common::open_and_inspect(&bytes).expect("an empty v1 database opens");
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.user_version, 1);
    assert_eq!(report.counts.flag_total(), Some(0));
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1 AND applied_at IS NOT NULL"),
        1
    );
}

/// FNV-1a 64 of a text (the same digest `cargo xtask inspect-db` uses for rows).
fn fnv64(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[test]
fn default_demo_script_is_unchanged_byte_for_byte() {
    // The built-in demo is a fixed artefact: the app's demo button, the e2e tests and anyone's
    // saved copy must keep meaning the same database. Its 1.x part is the default v1 script, which
    // the benchmarks and the hybrid generator build on too. A change to the generator that alters
    // either script must be deliberate, and update these digests in the same commit.
    let script = demo_script(&DemoOptions::default());
    assert_eq!(
        (script.len(), format!("{:016x}", fnv64(&script))),
        (1_661_349, "e9171a7a055bb939".to_owned())
    );
    let builtin = builtin_demo_script();
    assert_eq!((builtin.len(), format!("{:016x}", fnv64(&builtin))), (BUILTIN_LEN, BUILTIN_FNV.to_owned()));
    // a catalog size at or below the normal catalog is the normal catalog
    assert_eq!(NORMAL_AGENTS, 57);
    for agents in [Some(0), Some(10), Some(NORMAL_AGENTS)] {
        let opts = DemoOptions { agents, ..DemoOptions::default() };
        assert_eq!(catalog_size(&opts), NORMAL_AGENTS);
        assert!(demo_script(&opts) == script, "agents {agents:?} changes the default script");
    }
}

#[test]
fn builtin_demo_is_the_v1_demo_upgraded_with_quests_of_every_status_and_stalls() {
    assert_eq!(BUILTIN_DEMO, DemoGeneration::Hybrid { quests: BUILTIN_QUESTS });
    let script = builtin_demo_script();
    assert!(script == generation_script(BUILTIN_DEMO, &DemoOptions::default()));
    // the v1 demo, then the upgrade
    assert!(script.starts_with(demo_script(&DemoOptions::default()).trim_end_matches("COMMIT;\n")));

    let db = NativeDb::open_bytes(&[]).expect("an empty database opens");
    db.execute_batch_sync(&script).expect("the built-in demo script runs");
    let bytes = db.export_sync().expect("export");
    let (db, report, facts) =
        common::open_and_inspect(&bytes).expect("the built-in demo opens like any file");
    assert_eq!(report.generation, Generation::Hybrid);
    assert_eq!(report.generation.code(), "hybrid");
    assert!(!report.wal, "built in rollback mode (the asset keeps that header: no -wal notice)");
    assert_eq!(text(&db, "PRAGMA integrity_check"), "ok");
    assert!(rows(&db, "PRAGMA foreign_key_check", &[]).is_empty());

    // the counts the summary shows agree with plain SQL, and with the generator's intentions
    let quests = int(&db, "SELECT COUNT(*) FROM acolyte_quests");
    assert_eq!(report.counts.quests, Some(quests));
    assert_eq!(quests, BUILTIN_QUESTS as i64);
    assert_eq!(report.counts.flag_total(), Some(int(&db, "SELECT COUNT(*) FROM flags")));
    assert_eq!(report.counts.flag_total(), Some(300));
    assert_eq!(report.counts.agent_health, Some(60));

    // every status the quest scripts write is on the board, and an open quest waits on its holder
    for status in QuestStatus::ALL {
        let n = int(&db, &format!("SELECT COUNT(*) FROM acolyte_quests WHERE status = '{}'", status.sql()));
        assert!(n > 0, "no {} quest in the demo", status.sql());
    }
    assert!(
        int(
            &db,
            "SELECT COUNT(*) FROM acolyte_quests WHERE status = 'waiting' AND current_agent IS NOT NULL"
        ) > 0,
        "a waiting quest with a turn holder"
    );
    assert!(int(&db, "SELECT COUNT(*) FROM acolyte_quests WHERE json_array_length(broadcast) > 1") > 0);

    // the dashboard's quest KPIs have open and stalled quests (default threshold: a day)
    let state = DashboardState::default();
    let agg = pollster::block_on(aggregates(
        &db,
        &facts,
        &state,
        "2026-01-01 00:00",
        &|_, _, _| {},
        Logs::default(),
    ))
    .expect("the dashboard reads the demo");
    let kpis = agg.quests.expect("quest KPIs for a hybrid file");
    let open = int(
        &db,
        "SELECT COUNT(*) FROM acolyte_quests WHERE status NOT IN ('completed', 'failed', 'timeout')",
    );
    assert_eq!(kpis.total, quests);
    assert_eq!(kpis.open, open);
    assert!(kpis.stalled > 0 && kpis.stalled <= open, "stalled {} of {open} open", kpis.stalled);
    for q in &kpis.stalled_longest {
        let status = text(&db, &format!("SELECT status FROM acolyte_quests WHERE quest_id = {}", q.id));
        assert!(QuestStatus::parse(&status).is_some_and(QuestStatus::is_open), "quest {} is {status}", q.id);
        assert!(q.held_seconds >= state.stall_after_hours * 3600.0);
    }
}

/// Length and FNV-1a 64 digest of [`builtin_demo_script`] (see
/// `default_demo_script_is_unchanged_byte_for_byte`).
const BUILTIN_LEN: usize = 2_022_644;
const BUILTIN_FNV: &str = "0bc1be5b0abf6b61";

fn search_index(db: &NativeDb) -> (Vec<CatalogAgent>, SearchIndex) {
    let catalog = pollster::block_on(read_catalog(db, Generation::V1)).expect("the catalog reads");
    let index = SearchIndex::new(&catalog.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    (catalog, index)
}

const CHECK_TYPES: &[&str] = &[
    "analyst",
    "audit",
    "backend",
    "business",
    "coordinator",
    "database",
    "docs",
    "frontend",
    "ops",
    "service",
    "test",
];

#[test]
fn benchmark_catalog_holds_n_agents_that_search_finds_with_varied_scores() {
    let n = 3_000;
    let opts = DemoOptions { flags: 60, agents: Some(n), ..DemoOptions::default() };
    assert_eq!(catalog_size(&opts), n);
    let script = demo_script(&opts);
    assert_eq!(script, demo_script(&opts), "deterministic");
    let db = build(&opts);
    let bytes = db.export_sync().expect("export");
    let (db, report, _) = common::open_and_inspect(&bytes).expect("a benchmark database opens like any file");
    assert_eq!(report.generation, Generation::V1);
    assert_eq!(report.counts.agents, n as i64);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM agents_catalog"), n as i64);
    assert_eq!(text(&db, "PRAGMA integrity_check"), "ok");

    // The script is the normal one with more catalog rows: the same statements in the same
    // order once the catalog's are set aside, and the normal catalog's statements come first.
    let normal = demo_script(&DemoOptions { flags: 60, ..DemoOptions::default() });
    let split = |s: &str| -> (Vec<String>, Vec<String>) {
        let (catalog, rest): (Vec<&str>, Vec<&str>) =
            s.split(";\n").partition(|st| st.starts_with("INSERT INTO agents_catalog "));
        (catalog.into_iter().map(str::to_owned).collect(), rest.into_iter().map(str::to_owned).collect())
    };
    let (big_catalog, big_rest) = split(&script);
    let (normal_catalog, normal_rest) = split(&normal);
    assert!(big_rest == normal_rest, "only agents_catalog differs");
    assert_eq!(big_catalog[..normal_catalog.len()], normal_catalog[..]);
    assert!(big_catalog.len() > normal_catalog.len());
    let normal = build(&DemoOptions { flags: 60, ..DemoOptions::default() });
    assert_eq!(int(&normal, "SELECT COUNT(*) FROM agents_catalog"), NORMAL_AGENTS as i64);
    let head = "SELECT group_concat(id || name || type || ifnull(role, '') || ifnull(tags, ''), '|') \
                FROM (SELECT * FROM agents_catalog WHERE id <= 57 ORDER BY id)";
    assert_eq!(text(&db, head), text(&normal, head));

    // synthetic names: @<type>.<word>-<k>, k = 1.. in id order, types of the CHECK list
    let synthetic = rows(&db, "SELECT id, name, type FROM agents_catalog WHERE id > 57 ORDER BY id", &[]);
    assert_eq!(synthetic.len(), n - NORMAL_AGENTS);
    for (i, row) in synthetic.iter().enumerate() {
        let (name, kind) = (row[1].display(), row[2].display());
        let rest = name
            .strip_prefix('@')
            .and_then(|r| r.strip_prefix(kind.as_str()))
            .and_then(|r| r.strip_prefix('.'));
        let (word, k) = rest.and_then(|r| r.rsplit_once('-')).unwrap_or_else(|| panic!("bad name {name}"));
        assert!(!word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()), "{name}");
        assert_eq!(k, (i + 1).to_string(), "{name}");
        assert!(CHECK_TYPES.contains(&kind.as_str()), "{name}: {kind}");
    }
    assert_eq!(
        int(&db, "SELECT COUNT(DISTINCT type) FROM agents_catalog WHERE id > 57"),
        CHECK_TYPES.len() as i64
    );
    // five JSON arrays of text per synthetic agent, module agents' columns stay NULL
    for col in ["role", "tech_stack", "scenarios", "tags", "connections"] {
        assert_eq!(
            int(&db, &format!("SELECT COUNT(*) FROM agents_catalog WHERE id > 57 AND json_valid({col}) AND json_type({col}) = 'array' AND json_array_length({col}) > 0")),
            (n - NORMAL_AGENTS) as i64,
            "{col}"
        );
        assert_eq!(
            int(&db, &format!("SELECT COUNT(*) FROM agents_catalog c, json_each(c.{col}) e WHERE c.id > 57 AND e.type != 'text'")),
            0,
            "{col}"
        );
    }
    assert_eq!(int(&db, "SELECT COUNT(*) FROM agents_catalog WHERE id > 57 AND (module IS NOT NULL OR sub_module IS NOT NULL)"), 0);
    // connections name agents of the catalog
    let dangling = "SELECT COUNT(*) FROM agents_catalog c, json_each(c.connections) e \
                    WHERE substr(e.value, 1, instr(e.value, ' ') - 1) NOT IN (SELECT name FROM agents_catalog)";
    assert_eq!(int(&db, dangling), 0);
    // varied descriptions, not one agent repeated
    assert!(int(&db, "SELECT COUNT(DISTINCT tags) FROM agents_catalog") > (n as i64) * 9 / 10);
    assert!(int(&db, "SELECT COUNT(DISTINCT role) FROM agents_catalog") > 500);

    // searching: every synthetic row indexes without a warning, realistic queries match many
    // agents with many different scores, and the ranking is the search-agents one
    let (catalog, index) = search_index(&db);
    assert_eq!(catalog.len(), n);
    assert!(index.agents.iter().all(|a| a.warning.is_none()));
    let queries = [
        "JWT authentication implementation",
        "PostgreSQL query performance tuning",
        "React component state management",
        "payment webhook retry with Stripe",
        "MongoDB aggregation pipeline",
        "Kubernetes autoscaling",
        "load testing with k6",
        "GDPR data retention",
    ];
    let mut all_scores = std::collections::BTreeSet::new();
    for q in queries {
        let top = index.search_text(q);
        assert_eq!(top.len(), 5, "{q}: {top:?}");
        assert!(top.windows(2).all(|w| w[0].score >= w[1].score), "{q}");
        assert!(top.iter().any(|h| h.index >= NORMAL_AGENTS), "{q}: synthetic agents rank in the top five");
        let every = index.search(&Query::new(q).unwrap(), usize::MAX);
        let scores: std::collections::BTreeSet<u32> = every.iter().map(|h| h.score).collect();
        assert!(every.len() > 50, "{q}: {} matches", every.len());
        assert!(scores.len() >= 10, "{q}: scores {scores:?}");
        all_scores.extend(scores);
        // stable order: ties keep catalog order
        assert!(every.windows(2).all(|w| w[0].score > w[1].score || w[0].index < w[1].index), "{q}");
    }
    assert!(all_scores.len() >= 20, "{all_scores:?}");
    // the scoring rules all occur: an exact-tag match, and the multi-criteria bonus
    let hits = index.search(&Query::new("PostgreSQL query performance tuning").unwrap(), usize::MAX);
    let reasons: Vec<String> = hits.iter().flat_map(|h| h.reasons.iter().map(ToString::to_string)).collect();
    for prefix in ["exact tag: ", "tag match: ", "tech_stack: ", "role: ", "scenario: ", "multi-criteria"] {
        assert!(reasons.iter().any(|r| r.starts_with(prefix)), "no {prefix} reason");
    }
}

#[test]
fn the_real_tools_schema_accepts_a_benchmark_catalog() {
    let Some(real) = fixture_copy() else { return };
    let generated = build(&DemoOptions { flags: 10, agents: Some(600), ..DemoOptions::default() });
    let file = TempFile::with_bytes("catalog", &generated.export_sync().unwrap());
    real.execute_batch_sync(&format!(
        "PRAGMA foreign_keys = OFF; DELETE FROM main.agents_catalog; ATTACH DATABASE {} AS gen; \
         INSERT INTO main.agents_catalog SELECT * FROM gen.agents_catalog; DETACH DATABASE gen;",
        file.sql_literal()
    ))
    .expect("the real agents_catalog (CHECK on type, UNIQUE name) accepts every generated row");
    assert_eq!(int(&real, "SELECT COUNT(*) FROM agents_catalog"), 600);
}

// ---------------------------------------------------------------- parity with the real tool

fn fixture_copy() -> Option<NativeDb> {
    let dir = common::fixtures_dir()?;
    Some(NativeDb::open_copy(&dir.join("acolytes-v1-small.db")).expect("the v1 fixture opens"))
}

fn fresh_schema() -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(V1_SCHEMA).unwrap();
    db
}

fn schema_objects(db: &NativeDb, kind: &str) -> Vec<String> {
    texts(db, &format!("SELECT name FROM sqlite_master WHERE type = '{kind}' ORDER BY name"))
}

#[test]
fn schema_matches_the_real_tool_pragma_by_pragma() {
    let Some(real) = fixture_copy() else { return };
    let ours = fresh_schema();

    let tables = schema_objects(&real, "table");
    assert_eq!(schema_objects(&ours, "table"), tables);
    assert_eq!(tables.len(), 11, "{tables:?}"); // ten tables and sqlite_sequence
    assert_eq!(schema_objects(&ours, "trigger"), schema_objects(&real, "trigger"));
    assert_eq!(schema_objects(&ours, "trigger").len(), 7);
    assert_eq!(schema_objects(&ours, "view"), schema_objects(&real, "view"));
    assert_eq!(schema_objects(&ours, "index"), schema_objects(&real, "index"));
    assert_eq!(int(&ours, "PRAGMA user_version"), int(&real, "PRAGMA user_version"));
    // what each trigger is attached to
    let triggers = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name";
    assert_eq!(rows(&ours, triggers, &[]), rows(&real, triggers, &[]));

    let compare = |sql: &str, arg: &str| {
        let p = [Value::from(arg)];
        let (a, b) = (rows(&ours, sql, &p), rows(&real, sql, &p));
        assert_eq!(a, b, "{sql} for {arg}");
        a.len()
    };
    for table in tables.iter().chain(schema_objects(&real, "view").iter()) {
        let columns = compare(
            "SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
            table,
        );
        assert!(columns > 0 || table == "sqlite_sequence", "{table} has columns");
        compare("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", table);
        compare(
            "SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY seq",
            table,
        );
    }
    for index in schema_objects(&real, "index") {
        compare(
            "SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo(?) ORDER BY seqno",
            &index,
        );
    }
    // the partial-index conditions and expression indexes say the same thing
    let normalise = |db: &NativeDb| -> Vec<String> {
        texts(db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .into_iter()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ").replace(" (", "("))
            .collect()
    };
    assert_eq!(normalise(&ours), normalise(&real));
}

#[test]
fn the_real_tools_schema_accepts_every_generated_row() {
    let Some(real) = fixture_copy() else { return };
    let generated = build(&DemoOptions::default());
    let file = TempFile::with_bytes("accept", &generated.export_sync().unwrap());

    real.execute_batch_sync("PRAGMA foreign_keys = ON;").unwrap();
    let mut wipe = String::from("BEGIN;\n");
    for table in TABLES_IN_DEPENDENCY_ORDER.iter().rev() {
        wipe.push_str(&format!("DELETE FROM main.{table};\n"));
    }
    wipe.push_str("DELETE FROM main.sqlite_sequence;\nCOMMIT;\n");
    real.execute_batch_sync(&wipe).unwrap();
    assert_eq!(int(&real, "SELECT COUNT(*) FROM flags"), 0);

    real.execute_batch_sync(&format!("ATTACH DATABASE {} AS gen;", file.sql_literal())).unwrap();
    for table in TABLES_IN_DEPENDENCY_ORDER {
        // one statement per table, so a refused row names its table
        real.execute_batch_sync(&format!("INSERT INTO main.{table} SELECT * FROM gen.{table};"))
            .unwrap_or_else(|e| panic!("the real schema refused a generated {table} row: {e}"));
        assert_eq!(
            int(&real, &format!("SELECT COUNT(*) FROM main.{table}")),
            int(&real, &format!("SELECT COUNT(*) FROM gen.{table}")),
            "{table}"
        );
    }
    assert!(int(&real, "SELECT COUNT(*) FROM main.flags") == 300);
    assert!(rows(&real, "PRAGMA main.foreign_key_check", &[]).is_empty());
    // the real tool's update trigger accepts the rows too (complete-flag / lock-flag rewrite them)
    real.execute_batch_sync("UPDATE main.flags SET locked = locked; UPDATE main.jobs SET title = title;")
        .unwrap();
    // AUTOINCREMENT counters continue after the copied ids
    assert_eq!(
        int(&real, "SELECT seq FROM main.sqlite_sequence WHERE name = 'tool_logs'"),
        int(&real, "SELECT MAX(id) FROM main.tool_logs")
    );
    real.execute_batch_sync("DETACH DATABASE gen;").unwrap();
    assert_eq!(text(&real, "PRAGMA integrity_check"), "ok");

    // the views order the same rows the same way, including an impact level outside the four
    // known ones (no ELSE branch: it sorts first)
    let unknown = "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, \
                   impact_level, created_at) VALUES ('change', '@ops.git', '@backend.api', \
                   'Renamed the release branch prefix from rel/ to release/ in every workflow file.', \
                   'Update the branch filters in .github/workflows/deploy.yml and .github/workflows/ci.yml, then re-run the last release pipeline to prove it still triggers.', \
                   'urgent', '2026-09-30 12:00')";
    real.execute_batch_sync(unknown).unwrap();
    generated.execute_batch_sync(unknown).unwrap();
    let pending = "SELECT id FROM pending_flags";
    let order = texts(&generated, pending);
    assert_eq!(order, texts(&real, pending));
    assert_eq!(order.len() as i64, int(&generated, "SELECT COUNT(*) FROM flags WHERE status = 'pending'"));
    assert_eq!(order[0], "301", "the unknown level sorts before critical");
    let latest = "SELECT id FROM latest_session";
    assert_eq!(texts(&generated, latest), texts(&real, latest));
}

#[test]
fn our_triggers_and_checks_refuse_what_the_real_ones_refuse_with_the_same_words() {
    let Some(real) = fixture_copy() else { return };
    let ours = fresh_schema();
    for db in [&real, &ours] {
        db.execute_batch_sync("PRAGMA foreign_keys = ON;").unwrap();
    }
    let long_action = "Update every caller in services/api/src/routes/shipments.ts (line 120) and add a regression test next to it, then link the pull request.";
    let long_change = "listShipments() now paginates with opaque cursors instead of offsets.";
    let flag = |change: &str, action: &str, impact: &str, kind: &str, target: Option<&str>| {
        format!(
            "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, created_at) \
             VALUES ('{kind}', '@backend.api', {}, '{change}', '{action}', '{impact}', '2026-08-01 10:00')",
            target.map(|t| format!("'{t}'")).unwrap_or_else(|| "NULL".into())
        )
    };
    let job = |id: &str, status: &str, description: &str| {
        format!("INSERT INTO jobs (id, title, description, status, created_at) VALUES ('{id}', 'T', '{description}', '{status}', '2026-08-01 10:00')")
    };
    let good_job = r#"{"summary": "A job summary long enough", "goals": ["a"], "priority": "high"}"#;

    // statements that must succeed in both, to set the stage
    let setup = [
        flag(long_change, long_action, "medium", "change", Some("@acolyte.api")),
        flag(long_change, long_action, "low", "change", Some("")),
        job("job_test_paused", "paused", good_job),
    ];
    for sql in &setup {
        ours.execute_batch_sync(sql).unwrap_or_else(|e| panic!("ours refused {sql}: {e}"));
        real.execute_batch_sync(sql).unwrap_or_else(|e| panic!("the real schema refused {sql}: {e}"));
    }

    let bad = [
        flag(long_change, "too short", "medium", "change", Some("@acolyte.api")),
        flag("too short", long_action, "medium", "change", Some("@acolyte.api")),
        flag(long_change, long_action, "critical", "change", Some("@acolyte.api")),
        flag(long_change, long_action, "low", "security", Some("@acolyte.api")),
        flag(long_change, long_action, "low", "breaking_change", Some("@acolyte.api")),
        flag(long_change, long_action, "high", "change", None),
        flag(long_change, long_action, "critical", "security", None),
        "UPDATE flags SET action_required = 'short' WHERE id = (SELECT MAX(id) FROM flags)".to_owned(),
        "UPDATE flags SET impact_level = 'high', target_agent = NULL WHERE id = (SELECT MAX(id) FROM flags)".to_owned(),
        job("job_test_bad_priority", "paused", r#"{"summary": "A job summary long enough", "goals": [], "priority": "urgent"}"#),
        job("job_test_bad_goals", "paused", r#"{"summary": "A job summary long enough", "goals": "one", "priority": "low"}"#),
        job("job_test_short", "paused", r#"{"summary": "short", "goals": [], "priority": "low"}"#),
        job("job_test_second_active", "active", good_job),
        job("job_test_bad_status", "archived", good_job),
        "UPDATE jobs SET status = 'active' WHERE id = 'job_test_paused'".to_owned(),
        "UPDATE jobs SET description = '{\"summary\": \"long enough summary\", \"priority\": \"none\"}' WHERE id = 'job_test_paused'".to_owned(),
        "INSERT INTO agents_catalog (name, type) VALUES ('@robot.x', 'robot')".to_owned(),
        "INSERT INTO agents_catalog (name, type) VALUES ('@backend.api', 'backend')".to_owned(),
        "INSERT INTO agents_memory (agent_name, memory_type, content, created_at, updated_at) VALUES ('@backend.api', 'dreams', '{}', 'x', 'x')".to_owned(),
        "INSERT INTO agents_memory (agent_name, memory_type, content, created_at, updated_at) VALUES ('@nobody', 'knowledge', '{}', 'x', 'x')".to_owned(),
        "INSERT INTO schema_migrations (version, description) VALUES (1, 'again')".to_owned(),
    ];
    // ours needs the catalog row the fixture already has for the UNIQUE and memory checks
    ours.execute_batch_sync("INSERT INTO agents_catalog (name, type) VALUES ('@backend.api', 'backend')")
        .unwrap();
    // the fixture's single active job exists; give ours one too
    ours.execute_batch_sync(&job("job_test_active", "active", good_job)).unwrap();

    for sql in &bad {
        let mine = ours.execute_batch_sync(sql).expect_err(&format!("ours accepted {sql}"));
        let theirs = real.execute_batch_sync(sql).expect_err(&format!("the real schema accepted {sql}"));
        assert_eq!(mine, theirs, "{sql}");
    }
    // spot-check that the messages are the triggers' own words
    let err = ours.execute_batch_sync(&bad[0]).unwrap_err();
    assert!(err.message().starts_with("action_required must be at least 100 characters"), "{err}");
    let err = ours.execute_batch_sync(&bad[12]).unwrap_err();
    assert!(err.message().starts_with("Cannot create active job"), "{err}");
}
