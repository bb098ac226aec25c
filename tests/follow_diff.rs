#![cfg(not(target_arch = "wasm32"))]
//! Follow mode's core (`flagdeck_core::follow`) against real SQLite: each fixture is changed with
//! plain SQL the way the agents' scripts change it (new flags, a completion, a lock and an unlock,
//! a new quest, a turn passed, status changes, tool calls logged), and the diff of the snapshots
//! taken before and after must name exactly those rows. Hostile values and missing tables and
//! columns must read without an error or a panic.

mod common;

use std::time::Instant;

use flagdeck_core::follow::{self, ChangeKind, Snapshot, ToolCallChange};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Recording;
use flagdeck_core::schema::{self, SchemaFacts};
use flagdeck_core::Value;
use pollster::block_on;

const FIXTURES: [&str; 4] =
    ["claudesquad-v0-small.db", "acolytes-v1-small.db", "acolytes-v2-small.db", "acolytes-hybrid-small.db"];

fn ids(db: &NativeDb, sql: &str) -> Vec<i64> {
    db.query_sync(sql, &[]).unwrap().rows.iter().map(|r| r[0].as_i64().unwrap()).collect()
}

fn one(db: &NativeDb, sql: &str) -> i64 {
    *ids(db, sql).first().unwrap_or_else(|| panic!("no row for {sql}"))
}

fn run(db: &NativeDb, sql: &str, params: &[Value]) {
    db.query_sync(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn snapshot(db: &NativeDb, facts: &SchemaFacts) -> Snapshot {
    block_on(follow::read(db, facts)).unwrap()
}

fn bare(script: &str) -> (NativeDb, SchemaFacts) {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(script).unwrap();
    let facts = block_on(schema::read_facts(&db)).unwrap();
    (db, facts)
}

/// What the SQL below changed in one fixture, to be found again by the diff.
#[derive(Default, Debug)]
struct Expected {
    new_flags: Vec<i64>,
    completed: Vec<i64>,
    locked: Vec<i64>,
    unlocked: Vec<i64>,
    new_quests: Vec<i64>,
    completed_quests: Vec<i64>,
    /// (id, from, to)
    quest_status: Vec<(i64, String, String)>,
    /// (id, from holder, to holder)
    turns: Vec<(i64, Option<String>, Option<String>)>,
}

/// Flags as agent_db.py changes them: `create-flag` (×3, texts long enough for the v1
/// triggers), `complete-flag`, `lock-flag`, `unlock-flag` (distinct flags, so each changes in
/// one way).
fn change_flags(db: &NativeDb, e: &mut Expected) {
    let max_before = one(db, "SELECT MAX(id) FROM flags");
    let complete =
        one(db, "SELECT id FROM flags WHERE status = 'pending' AND locked = 0 ORDER BY id LIMIT 1");
    let lock = one(
        db,
        &format!("SELECT id FROM flags WHERE status = 'pending' AND locked = 0 AND id > {complete} ORDER BY id LIMIT 1"),
    );
    let unlock = one(db, "SELECT id FROM flags WHERE locked = 1 ORDER BY id LIMIT 1");
    let values = common::new_flag_values(&common::long_action());
    let columns: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let params: Vec<Value> = values.iter().map(|(_, v)| v.clone()).collect();
    let insert = format!(
        "INSERT INTO flags ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    for _ in 0..3 {
        run(db, &insert, &params);
    }
    run(
        db,
        "UPDATE flags SET status = 'completed', completed_at = '2025-09-01 10:30', completed_by = '@frontend.react' \
         WHERE id = ?",
        &[Value::Integer(complete)],
    );
    run(db, "UPDATE flags SET locked = 1 WHERE id = ?", &[Value::Integer(lock)]);
    run(db, "UPDATE flags SET locked = 0 WHERE id = ?", &[Value::Integer(unlock)]);
    e.new_flags = ids(db, &format!("SELECT id FROM flags WHERE id > {max_before} ORDER BY id"));
    assert_eq!(e.new_flags.len(), 3);
    e.completed = vec![complete];
    e.locked = vec![lock];
    e.unlocked = vec![unlock];
}

/// Quests as the 2.x scripts change them: a new quest, the turn of a waiting quest passed,
/// a reviewed quest completed, a timed-out quest reopened.
fn change_quests(db: &NativeDb, e: &mut Expected) {
    run(
        db,
        "INSERT INTO acolyte_quests (quest_name, mission, recruited, current_agent, status) \
         VALUES ('quest-follow-mode', 'Watch the file while agents write', '[\"@acolyte.api\"]', '@acolyte.api', 'working')",
        &[],
    );
    e.new_quests = vec![one(db, "SELECT MAX(quest_id) FROM acolyte_quests")];
    let waiting = db
        .query_sync("SELECT quest_id, current_agent FROM acolyte_quests WHERE status = 'waiting' ORDER BY quest_id LIMIT 1", &[])
        .unwrap();
    let (turn, holder) =
        (waiting.rows[0][0].as_i64().unwrap(), waiting.rows[0][1].as_str().map(str::to_owned));
    run(
        db,
        "UPDATE acolyte_quests SET current_agent = '@follow.next' WHERE quest_id = ?",
        &[Value::Integer(turn)],
    );
    e.turns = vec![(turn, holder, Some("@follow.next".into()))];
    let reviewing =
        one(db, "SELECT quest_id FROM acolyte_quests WHERE status = 'reviewing' ORDER BY quest_id LIMIT 1");
    run(
        db,
        "UPDATE acolyte_quests SET status = 'completed' WHERE quest_id = ?",
        &[Value::Integer(reviewing)],
    );
    e.completed_quests = vec![reviewing];
    let timeout =
        one(db, "SELECT quest_id FROM acolyte_quests WHERE status = 'timeout' ORDER BY quest_id LIMIT 1");
    run(db, "UPDATE acolyte_quests SET status = 'working' WHERE quest_id = ?", &[Value::Integer(timeout)]);
    e.quest_status = vec![(timeout, "timeout".into(), "working".into())];
}

/// Four tool calls as the editor hooks log them.
fn log_tool_calls(db: &NativeDb) {
    for tool in ["Read", "Bash", "Read", "Edit"] {
        run(
            db,
            "INSERT INTO tool_logs (tool_name, success, duration_ms, timestamp) VALUES (?, 1, 12, '2025-09-01 10:31:00')",
            &[Value::from(tool)],
        );
    }
}

#[test]
fn follow_diff_finds_exactly_the_rows_the_scripts_changed() {
    for name in FIXTURES {
        let Some(bytes) = common::fixture_bytes(name) else { return };
        let (db, report, facts) = common::open_and_inspect(&bytes).unwrap();
        let has_flags = facts.has_table("flags");
        let has_quests = facts.has_table("acolyte_quests");
        assert_eq!((has_flags, has_quests), (report.generation.has_flags(), report.generation.has_quests()));

        // One SELECT per table present.
        let recording = Recording::new(&db);
        let before = block_on(follow::read(&recording, &facts)).unwrap();
        assert_eq!(
            recording.statements.borrow().len(),
            1 + has_flags as usize + has_quests as usize,
            "{name}"
        );
        assert_eq!(before.flags.len() as i64, report.counts.flag_total().unwrap_or(0), "{name}");
        assert_eq!(before.quests.len() as i64, report.counts.quests.unwrap_or(0), "{name}");
        assert!(before.flags.windows(2).all(|w| w[0].id < w[1].id));
        let tools = before.tool_calls.unwrap();
        assert_eq!(Some(tools.rows), report.counts.tool_logs, "{name}");

        // A file read twice, the second time in a fresh engine as the app does, has not changed.
        let (again, _, _) = common::open_and_inspect(&bytes).unwrap();
        let same = diff_and_check_empty(&before, &snapshot(&again, &facts));
        assert!(same, "{name}: an unchanged file gave changes");

        let mut e = Expected::default();
        if has_flags {
            change_flags(&db, &mut e);
        }
        if has_quests {
            change_quests(&db, &mut e);
        }
        log_tool_calls(&db);

        let after = snapshot(&db, &facts);
        let c = follow::diff(&before, &after);
        let tid = |ts: &[follow::Transition]| ts.iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(c.new_flags, e.new_flags, "{name}");
        assert!(c.removed_flags.is_empty() && c.removed_quests.is_empty(), "{name}");
        assert_eq!(tid(&c.completed_flags), e.completed, "{name}");
        assert!(c.completed_flags.iter().all(|t| t.from.as_deref() == Some("pending")));
        assert!(c.flag_status_changes.is_empty(), "{name}: {:?}", c.flag_status_changes);
        assert_eq!(c.locked, e.locked, "{name}");
        assert_eq!(c.unlocked, e.unlocked, "{name}");
        assert_eq!(c.new_quests.iter().map(|q| q.id).collect::<Vec<_>>(), e.new_quests, "{name}");
        assert_eq!(tid(&c.completed_quests), e.completed_quests, "{name}");
        let status: Vec<_> = c
            .quest_status_changes
            .iter()
            .map(|t| (t.id, t.from.clone().unwrap(), t.to.clone().unwrap()))
            .collect();
        assert_eq!(status, e.quest_status, "{name}");
        let turns: Vec<_> = c.turns_passed.iter().map(|t| (t.id, t.from.clone(), t.to.clone())).collect();
        assert_eq!(turns, e.turns, "{name}");
        assert_eq!(c.tool_calls, ToolCallChange::New(4), "{name}");
        let by_tool = block_on(follow::new_tool_calls(&db, &facts, tools.max_rowid)).unwrap();
        assert_eq!(by_tool, [("Read".to_owned(), 2), ("Bash".to_owned(), 1), ("Edit".to_owned(), 1)]);

        // The highlights.
        for id in &e.new_flags {
            assert_eq!(c.flag_mark(*id), Some(ChangeKind::New));
        }
        let marks = [(&e.completed, "completed"), (&e.locked, "locked"), (&e.unlocked, "unlocked")];
        for (ids, key) in marks {
            for id in ids {
                assert_eq!(c.flag_mark(*id).map(|k| k.key()), Some(key), "{name} flag #{id}");
            }
        }
        let marked = after.flags.iter().filter(|f| c.flag_mark(f.id).is_some()).count();
        assert_eq!(marked, if has_flags { 6 } else { 0 }, "{name}: only the changed flags are marked");
        for (id, key) in e
            .new_quests
            .iter()
            .map(|id| (*id, "new"))
            .chain(e.completed_quests.iter().map(|id| (*id, "completed")))
            .chain(e.quest_status.iter().map(|(id, ..)| (*id, "status")))
            .chain(e.turns.iter().map(|(id, ..)| (*id, "turn")))
        {
            assert_eq!(c.quest_mark(id).map(|k| k.key()), Some(key), "{name} quest #{id}");
        }
        let marked = after.quests.iter().filter(|q| c.quest_mark(q.id).is_some()).count();
        assert_eq!(marked, if has_quests { 4 } else { 0 }, "{name}");

        // The sentences name them.
        let lines = c.lines(&[]);
        for l in &lines {
            for id in l.flags.iter().chain(&l.quests) {
                assert!(l.text.contains(&format!("#{id}")), "{name}: {:?}", l.text);
            }
            assert!(l.text.ends_with('.'), "{:?}", l.text);
        }
        let line = |kind: &str, flags: bool| {
            lines
                .iter()
                .find(|l| l.kind == kind && (l.flags.is_empty() != flags))
                .unwrap_or_else(|| panic!("{name}: no {kind} line in {lines:#?}"))
        };
        let mut want_kinds = vec!["tools"];
        if has_flags {
            assert_eq!(line("new", true).flags, e.new_flags);
            assert_eq!(line("new", true).text, {
                let [a, b, c] = [e.new_flags[0], e.new_flags[1], e.new_flags[2]];
                format!("3 new flags: #{a}, #{b}, #{c}.")
            });
            assert_eq!(line("completed", true).text, format!("Flag #{} completed.", e.completed[0]));
            assert_eq!(line("locked", true).text, format!("Flag #{} locked.", e.locked[0]));
            assert_eq!(line("unlocked", true).text, format!("Flag #{} unlocked.", e.unlocked[0]));
            want_kinds.extend(["new", "completed", "locked", "unlocked"]);
        }
        if has_quests {
            let (turn, from, _) = &e.turns[0];
            let quest_name = after.quests.iter().find(|q| q.id == *turn).unwrap().name.clone().unwrap();
            assert_eq!(
                line("turn", false).text,
                format!(
                    "Quest #{turn} “{quest_name}”: turn passed from {} to @follow.next.",
                    from.as_deref().unwrap_or("nobody")
                )
            );
            assert_eq!(
                line("new", false).text,
                format!("New quest #{} “quest-follow-mode”.", e.new_quests[0])
            );
            assert!(line("status", false).text.ends_with("status changed from timeout to working."));
            assert!(line("completed", false).text.ends_with(" completed."));
            want_kinds.extend(["new", "completed", "status", "turn"]);
        }
        assert_eq!(line("tools", false).text, "4 new tool calls.");
        let mut got_kinds: Vec<&str> = lines.iter().map(|l| l.kind).collect();
        got_kinds.sort_unstable();
        want_kinds.sort_unstable();
        assert_eq!(got_kinds, want_kinds, "{name}");

        // Nothing more changed after that.
        assert!(diff_and_check_empty(&after, &snapshot(&db, &facts)), "{name}");
    }
}

fn diff_and_check_empty(before: &Snapshot, after: &Snapshot) -> bool {
    let c = follow::diff(before, after);
    c.is_empty() && c.lines(&[]).is_empty()
}

#[test]
fn follow_missing_tables_leave_their_part_empty() {
    if let Some(bytes) = common::fixture_bytes("claudesquad-v0-small.db") {
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        let s = snapshot(&db, &facts);
        assert!(s.quests.is_empty() && s.flags.len() == 150);
    }
    if let Some(bytes) = common::fixture_bytes("acolytes-v2-small.db") {
        let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
        let s = snapshot(&db, &facts);
        assert!(s.flags.is_empty() && s.quests.len() == 40);
    }
    // No table at all.
    let (db, facts) = bare("CREATE TABLE other (x)");
    assert_eq!(snapshot(&db, &facts), Snapshot::default());
    assert!(block_on(follow::new_tool_calls(&db, &facts, 0)).unwrap().is_empty());
    // Tables without the columns read: what is missing reads as NULL / not locked.
    let (db, facts) = bare(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY); INSERT INTO flags VALUES (1), (2);
         CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY); INSERT INTO acolyte_quests VALUES (7);
         CREATE TABLE tool_logs (x); INSERT INTO tool_logs VALUES (1), (2);
         CREATE TABLE unrelated (id); INSERT INTO unrelated VALUES ('a');",
    );
    let s = snapshot(&db, &facts);
    assert_eq!(
        s.flags.iter().map(|f| (f.id, f.status.is_none(), f.locked)).collect::<Vec<_>>(),
        [(1, true, false), (2, true, false)]
    );
    assert_eq!((s.quests[0].id, s.quests[0].holder.is_none(), s.quests[0].name.is_none()), (7, true, true));
    assert_eq!(s.tool_calls, Some(follow::ToolCalls { rows: 2, max_rowid: 2 }));
    assert_eq!(block_on(follow::new_tool_calls(&db, &facts, 0)).unwrap(), [("(none)".to_owned(), 2)]);
    // A flags table without an id column is left out.
    let (db, facts) = bare("CREATE TABLE flags (status); INSERT INTO flags VALUES ('pending');");
    assert!(snapshot(&db, &facts).flags.is_empty());
}

#[test]
fn follow_hostile_values_read_without_panic() {
    let long = "s".repeat(10_000);
    let (db, facts) = bare(&format!(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, status, locked);
         INSERT INTO flags VALUES (1, NULL, '1'), (2, CAST('completed' AS BLOB), 'yes'), (3, ' Completed ', 1),
           (4, x'ff00fe', NULL), (5, 42, 2.0), (6, '{long}', 0), (7, CAST('東京東京' AS BLOB), 0);
         CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY, status, current_agent, quest_name);
         INSERT INTO acolyte_quests VALUES (1, NULL, x'ff', NULL), (2, 'working', CAST('@a' AS BLOB), ''),
           (3, 'done', 7, '{long}');
         CREATE TABLE tool_logs (tool_name);
         INSERT INTO tool_logs VALUES (NULL), ('Read'), (CAST('Read' AS BLOB)), (x'ff');"
    ));
    let before = snapshot(&db, &facts);
    let status: Vec<Option<&str>> = before.flags.iter().map(|f| f.status.as_deref()).collect();
    let clipped = format!("{}…", "s".repeat(79));
    assert_eq!(
        status,
        [
            None,
            Some("completed"),
            Some(" Completed "),
            Some("x'ff00fe' (3 bytes)"),
            Some("42"),
            Some(clipped.as_str()),
            Some("東京東京"),
        ]
    );
    // `locked` as the flag list reads it: only an integer other than 0 is locked.
    let locked: Vec<bool> = before.flags.iter().map(|f| f.locked).collect();
    assert_eq!(locked, [false, false, true, false, true, false, false]);
    assert_eq!(before.quests[0].holder.as_deref(), Some("x'ff' (1 byte)"));
    assert_eq!(before.quests[1].holder.as_deref(), Some("@a"));
    assert_eq!(before.quests[1].name, None, "an empty name is no name");
    assert_eq!(before.quests[2].name.as_deref(), Some(clipped.as_str()));
    assert_eq!(before.tool_calls, Some(follow::ToolCalls { rows: 4, max_rowid: 4 }));
    assert_eq!(
        block_on(follow::new_tool_calls(&db, &facts, 0)).unwrap(),
        [("Read".to_owned(), 2), ("(none)".to_owned(), 1), ("x'ff' (1 byte)".to_owned(), 1)]
    );

    db.execute_batch_sync(
        "UPDATE flags SET status = 'completed' WHERE id = 1;
         UPDATE flags SET status = NULL, locked = '1' WHERE id = 2;
         UPDATE flags SET locked = 'no' WHERE id = 3;
         UPDATE flags SET status = x'00' WHERE id = 4;
         DELETE FROM flags WHERE id = 5;
         INSERT INTO flags VALUES (8, x'c3', x'01');
         UPDATE acolyte_quests SET current_agent = NULL, status = CAST('completed' AS BLOB) WHERE quest_id = 1;
         UPDATE acolyte_quests SET current_agent = x'fe' WHERE quest_id = 2;
         DELETE FROM tool_logs WHERE rowid < 3;",
    )
    .unwrap();
    let after = snapshot(&db, &facts);
    let c = follow::diff(&before, &after);
    assert_eq!(c.new_flags, [8]);
    assert_eq!(c.removed_flags, [5]);
    assert_eq!(c.completed_flags.iter().map(|t| t.id).collect::<Vec<_>>(), [1]);
    assert_eq!(c.flag_status_changes.iter().map(|t| t.id).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(c.unlocked, [3]);
    assert!(c.locked.is_empty(), "text '1' is not locked, as in the flag list");
    assert_eq!(c.completed_quests.iter().map(|t| t.id).collect::<Vec<_>>(), [1]);
    // Quest 1 completed and its turn went to nobody: the completion says it, not a turn passed.
    assert_eq!(c.turns_passed.iter().map(|t| t.id).collect::<Vec<_>>(), [2]);
    assert_eq!(c.tool_calls, ToolCallChange::Rewritten { before: 4, after: 2 });
    let lines = c.lines(&[]);
    assert!(
        lines.iter().any(|l| l.text == "The tool log was rewritten: 4 rows before, 2 now."),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.text == "Flag #5 removed."));
    assert!(lines.iter().any(|l| l.text.starts_with("2 flags changed status: #2 (completed → none), #4 (")));
    assert!(lines
        .iter()
        .any(|l| l.kind == "turn" && l.quests == [2] && l.text.contains(": turn passed from ")));
    // The whole rewrite: everything new, then everything gone.
    assert_eq!(follow::diff(&Snapshot::default(), &after).new_flags.len(), after.flags.len());
    assert_eq!(follow::diff(&after, &Snapshot::default()).removed_quests.len(), after.quests.len());
}

#[test]
fn follow_a_hundred_thousand_flags() {
    let (db, facts) = bare(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT DEFAULT 'pending', locked BOOLEAN DEFAULT FALSE);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO flags (id, status, locked)
           SELECT i, CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END, i % 10 = 0 FROM n;",
    );
    let started = Instant::now();
    let before = snapshot(&db, &facts);
    let read_time = started.elapsed();
    assert_eq!(before.flags.len(), 100_000);
    // The tools' statuses are shared, not allocated: the marks are the whole cost.
    assert!(before.flags.iter().all(|f| matches!(f.status, Some(std::borrow::Cow::Borrowed(_)))));
    let bytes = before.flags.capacity() * std::mem::size_of::<follow::FlagMark>();
    assert!(bytes <= 4_000_000, "{bytes} bytes");
    db.execute_batch_sync(
        "UPDATE flags SET status = 'completed' WHERE id = 99999;
         UPDATE flags SET locked = 1 WHERE id = 3;
         INSERT INTO flags (status) VALUES ('pending');",
    )
    .unwrap();
    let after = snapshot(&db, &facts);
    let started = Instant::now();
    let c = follow::diff(&before, &after);
    let diff_time = started.elapsed();
    assert_eq!(c.new_flags, [100_001]);
    assert_eq!(c.completed_flags.iter().map(|t| t.id).collect::<Vec<_>>(), [99_999]);
    assert_eq!(c.locked, [3]);
    eprintln!("100,000 flags: read in {read_time:?}, diff in {diff_time:?}, marks {bytes} bytes");
}
