#![cfg(not(target_arch = "wasm32"))]
//! Flag list queries, the workable preset and the creation rules, against the real fixtures.

mod common;

use std::collections::BTreeMap;

use flagdeck_core::flags::{
    facet_counts, validate, workable_groups, Cursor, Facet, FlagDraft, FlagFilter, FlagPageQuery, SortColumn,
};
use flagdeck_core::native::NativeDb;
use flagdeck_core::table_export::{export_text, ExportFormat};
use flagdeck_core::Value;
use pollster::block_on;

fn open(name: &str) -> Option<NativeDb> {
    let bytes = common::fixture_bytes(name)?;
    Some(common::open_and_inspect(&bytes).unwrap().0)
}

fn expected(file: &str) -> serde_json::Value {
    let path = common::fixtures_dir().unwrap().join("expected").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn workable_groups_match_get_workable_flags() {
    for (fixture, file) in [
        ("acolytes-v1-small.db", "get-workable-flags.json"),
        ("claudesquad-v0-small.db", "v0-get-workable-flags.json"),
    ] {
        let Some(db) = open(fixture) else { return };
        let groups = block_on(workable_groups(&db)).unwrap();
        let ours: BTreeMap<String, (i64, String)> = groups
            .iter()
            .map(|g| (g.target_agent.clone(), (g.workable_flags, g.tool_highest_priority.clone())))
            .collect();
        let theirs: BTreeMap<String, (i64, String)> = expected(file)
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["target_agent"].as_str().unwrap().to_owned(),
                    (
                        g["workable_flags"].as_i64().unwrap(),
                        g["highest_priority"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect();
        assert_eq!(ours, theirs, "{fixture}");
        assert!(groups.windows(2).all(|w| w[0].workable_flags >= w[1].workable_flags));
        // The tool's "highest" is alphabetical; the most severe level is reported separately.
        let api = groups.iter().find(|g| g.target_agent == "@backend.api").unwrap();
        assert_eq!(api.tool_highest_priority, "medium");
        if fixture.starts_with("acolytes") {
            assert_eq!(api.most_severe, "critical");
        }
    }
}

fn all_ids(db: &NativeDb, query: &FlagPageQuery) -> Vec<i64> {
    let mut q = query.clone();
    q.after = None;
    q.limit = usize::MAX >> 1;
    let (sql, params) = q.sql();
    db.query_sync(&sql, &params).unwrap().rows.iter().map(|r| r[0].as_i64().unwrap()).collect()
}

fn ids(db: &NativeDb, query: &FlagPageQuery) -> Vec<i64> {
    let (sql, params) = query.sql();
    db.query_sync(&sql, &params).unwrap().rows.iter().map(|r| r[0].as_i64().unwrap()).collect()
}

/// Every page's ids, each page read with the keyset cursor after the previous page's last row.
fn keyset_pages(db: &NativeDb, query: &mut FlagPageQuery) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    loop {
        let (sql, params) = query.sql();
        let rows = db.query_sync(&sql, &params).unwrap().rows;
        let Some(last) = rows.last() else { break };
        query.after = Some(Cursor { key: last[1].clone(), id: last[0].as_i64().unwrap() });
        pages.push(rows.iter().map(|r| r[0].as_i64().unwrap()).collect());
    }
    pages
}

/// The same pages, each read on its own by OFFSET, as a jump deep into the list reads them.
fn offset_pages(db: &NativeDb, query: &FlagPageQuery, count: usize) -> Vec<Vec<i64>> {
    (0..count).map(|page| ids(db, &query.clone().at_page(page, None))).collect()
}

#[test]
fn keyset_and_offset_pages_agree_on_a_generated_database() {
    use flagdeck_core::flags::Preset;
    use flagdeck_demo::{demo_script, DemoOptions};
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(&demo_script(&DemoOptions { flags: 2_500, ..DemoOptions::default() })).unwrap();
    for preset in [Preset::All, Preset::Pending, Preset::Workable] {
        let mut query = FlagPageQuery::first(preset.filter(), preset.sort(), 200);
        let expected = all_ids(&db, &query);
        let paged = keyset_pages(&db, &mut query);
        assert!(paged.len() > 3, "{preset:?}: {} pages", paged.len());
        assert_eq!(paged.concat(), expected, "{preset:?}");
        assert_eq!(offset_pages(&db, &query, paged.len()), paged, "{preset:?}");
        // A page after a loaded one uses the cursor and no OFFSET; the same page reached
        // directly uses OFFSET and no cursor.
        let (sql, params) = query.clone().at_page(1, None).sql();
        let rows = db.query_sync(&sql, &params).unwrap().rows;
        let last = rows.last().unwrap();
        let keyset =
            query.clone().at_page(2, Some(Cursor { key: last[1].clone(), id: last[0].as_i64().unwrap() }));
        assert_eq!((keyset.offset, keyset.sql().0.contains("OFFSET")), (0, false));
        let direct = query.clone().at_page(2, None);
        assert_eq!((direct.after.is_none(), direct.offset), (true, 400));
        assert_eq!(ids(&db, &keyset), paged[2]);
        assert_eq!(ids(&db, &direct), paged[2]);
    }
}

#[test]
fn keyset_pages_cover_the_list_exactly_once_in_order() {
    let Some(db) = open("acolytes-v1-small.db") else { return };
    let filters = [
        FlagFilter::default(),
        FlagFilter { status: vec!["pending".into()], ..Default::default() },
        FlagFilter {
            impact: vec!["high".into(), "critical".into()],
            locked: Some(false),
            ..Default::default()
        },
        FlagFilter { text: Some("src/api".into()), ..Default::default() },
        FlagFilter {
            created_from: Some("2025-07-01 00:00".into()),
            created_to: Some("2025-07-31 23:59".into()),
            ..Default::default()
        },
    ];
    let sorts = SortColumn::ALL;
    for filter in &filters {
        for sort in sorts {
            for descending in [false, true] {
                let mut query = FlagPageQuery {
                    filter: filter.clone(),
                    sort,
                    descending,
                    after: None,
                    offset: 0,
                    limit: 37,
                };
                let expected = all_ids(&db, &query);
                let paged = keyset_pages(&db, &mut query);
                let by_offset = offset_pages(&db, &query, paged.len());
                assert_eq!(paged.concat(), expected, "{filter:?} {sort:?} desc={descending}");
                assert_eq!(by_offset, paged, "OFFSET pages: {filter:?} {sort:?} desc={descending}");
            }
        }
    }
}

#[test]
fn tool_order_pages_give_get_pending_flags() {
    let Some(db) = open("acolytes-v1-small.db") else { return };
    let filter = FlagFilter {
        status: vec!["pending".into()],
        target: vec!["@backend.api".into()],
        ..Default::default()
    };
    let query = FlagPageQuery {
        filter,
        sort: SortColumn::ToolOrder,
        descending: false,
        after: None,
        offset: 0,
        limit: 3,
    };
    let expected: Vec<i64> = expected("get-pending-flags-backend.api.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(all_ids(&db, &query), expected);
}

#[test]
fn filters_and_facet_counts_agree_with_the_documented_facts() {
    let Some(db) = open("acolytes-v1-small.db") else { return };
    let status = block_on(facet_counts(&db, &FlagFilter::default(), Facet::Status)).unwrap();
    assert_eq!(status, [(Value::from("completed"), 161), (Value::from("pending"), 139)]);
    // Counts of a facet ignore that facet's own selection but honour the others.
    let pending_only = FlagFilter { status: vec!["pending".into()], ..Default::default() };
    let status = block_on(facet_counts(&db, &pending_only, Facet::Status)).unwrap();
    assert_eq!(status.iter().map(|(_, n)| n).sum::<i64>(), 300);
    let impact = block_on(facet_counts(&db, &pending_only, Facet::Impact)).unwrap();
    let impact: BTreeMap<String, i64> = impact.into_iter().map(|(v, n)| (v.display(), n)).collect();
    assert_eq!(
        impact,
        BTreeMap::from([
            ("critical".into(), 5),
            ("high".into(), 27),
            ("medium".into(), 75),
            ("low".into(), 32)
        ])
    );
    let workable = FlagFilter { status: vec!["pending".into()], locked: Some(false), ..Default::default() };
    let (sql, params) = workable.count_sql();
    assert_eq!(db.query_sync(&sql, &params).unwrap().scalar(), Some(&Value::Integer(112)));
    let locked = block_on(facet_counts(&db, &workable, Facet::Locked)).unwrap();
    assert_eq!(locked, [(Value::Integer(0), 112), (Value::Integer(1), 27)]);
    // Text search is literal: % and _ are not wildcards.
    let none = FlagFilter { text: Some("%".into()), ..Default::default() };
    let q = FlagPageQuery {
        filter: none,
        sort: SortColumn::Id,
        descending: false,
        after: None,
        offset: 0,
        limit: 10,
    };
    let (sql, params) = q.sql();
    let with_percent = db
        .query_sync(
            "SELECT count(*) FROM flags WHERE instr(IFNULL(change_description,'') || IFNULL(action_required,'') || \
             IFNULL(related_files,'') || IFNULL(code_location,'') || IFNULL(notes,''), '%') > 0",
            &[],
        )
        .unwrap();
    let n = db.query_sync(&sql, &params).unwrap().rows.len() as i64;
    assert_eq!(n, with_percent.scalar().unwrap().as_i64().unwrap().min(10));
}

#[test]
fn the_rules_accept_exactly_what_the_v1_triggers_accept() {
    let Some(db) = open("acolytes-v1-small.db") else { return };
    let long = |n: usize| "x".repeat(n);
    let cases = [
        ("medium", "change", 50, 100),
        ("medium", "change", 49, 100),
        ("medium", "change", 50, 99),
        ("critical", "change", 50, 100),
        ("critical", "security", 50, 100),
        ("critical", "data_loss", 50, 100),
        ("low", "security", 50, 100),
        ("low", "breaking_change", 50, 100),
        ("low", "refactor", 50, 100),
        ("high", "enhancement", 50, 100),
    ];
    for (level, kind, change, action) in cases {
        let draft = FlagDraft {
            flag_type: kind.into(),
            source_agent: "@a".into(),
            target_agent: "@backend.api".into(),
            change_description: long(change),
            action_required: long(action),
            impact_level: level.into(),
        };
        let violations = validate(&draft, true);
        let inserted = db.query_sync(
            "INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, '2025-09-01 10:00')",
            &[
                Value::from(kind),
                Value::from("@a"),
                Value::from("@backend.api"),
                Value::from(draft.change_description.as_str()),
                Value::from(draft.action_required.as_str()),
                Value::from(level),
            ],
        );
        match (violations.first(), inserted) {
            (None, Ok(_)) => {}
            (Some(v), Err(e)) => {
                let ours = v.to_string();
                assert!(
                    ours.starts_with(e.message()),
                    "{level}/{kind}: ours {ours:?}, trigger {:?}",
                    e.message()
                );
            }
            (v, r) => panic!("{level}/{kind} {change}/{action}: rules say {v:?}, trigger says {r:?}"),
        }
    }
    // A high flag with a NULL target: the trigger refuses it, the rules (empty target) too.
    let draft = FlagDraft { impact_level: "high".into(), ..Default::default() };
    assert!(validate(&draft, true).contains(&flagdeck_core::flags::RuleViolation::HighImpactNeedsTarget));
}

#[test]
fn flag_detail_has_every_column_and_its_chain() {
    use flagdeck_core::flags::flag_detail;
    let Some(db) = open("acolytes-v1-small.db") else { return };
    let chained = db
        .query_sync(
            "SELECT id, chain_origin_id FROM flags WHERE chain_origin_id IS NOT NULL ORDER BY id LIMIT 1",
            &[],
        )
        .unwrap();
    let (follow_up, origin) = (chained.rows[0][0].as_i64().unwrap(), chained.rows[0][1].as_i64().unwrap());
    let detail = block_on(flag_detail(&db, follow_up)).unwrap().unwrap();
    assert_eq!(detail.columns.len(), 20);
    assert_eq!(detail.get("chain_origin_id"), Some(&Value::Integer(origin)));
    assert_eq!(detail.chain.first().map(|l| (l.id, l.is_origin)), Some((origin, true)));
    assert!(detail.chain.iter().any(|l| l.id == follow_up));
    let expected_len = db
        .query_sync("SELECT 1 + count(*) FROM flags WHERE chain_origin_id = ?", &[Value::Integer(origin)])
        .unwrap();
    assert_eq!(detail.chain.len() as i64, expected_len.scalar().unwrap().as_i64().unwrap());
    // The origin's page shows the same chain.
    let from_origin = block_on(flag_detail(&db, origin)).unwrap().unwrap();
    assert_eq!(from_origin.chain, detail.chain);
    assert!(block_on(flag_detail(&db, 999_999)).unwrap().is_none());

    // A missing origin and a self-reference do not break anything (triggers are bypassed by
    // dropping them in this private copy, as old files predate them).
    db.execute_batch_sync(
        "DROP TRIGGER validate_flag_quality_update; PRAGMA foreign_keys = OFF; \
         UPDATE flags SET chain_origin_id = 5000 WHERE id = 1; UPDATE flags SET chain_origin_id = 2 WHERE id = 2;",
    )
    .unwrap();
    let orphan = block_on(flag_detail(&db, 1)).unwrap().unwrap();
    assert_eq!(orphan.missing_origin, Some(5000));
    let own = block_on(flag_detail(&db, 2)).unwrap().unwrap();
    assert!(own.chain.iter().filter(|l| l.id == 2).count() <= 1, "{:?}", own.chain);
    assert_eq!(own.missing_origin, None);
}

#[test]
fn csv_and_json_exports_hold_every_row_of_the_filter_in_list_order() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let columns = facts.tables["flags"].clone();
    let filters = [
        FlagFilter::default(),
        FlagFilter { status: vec!["pending".into()], ..Default::default() },
        FlagFilter { text: Some("no flag says this".into()), ..Default::default() },
    ];
    for filter in filters {
        for (sort, descending) in [(SortColumn::ToolOrder, false), (SortColumn::CreatedAt, true)] {
            let listed = all_ids(&db, &FlagPageQuery::first(filter.clone(), (sort, descending), 50));
            let export = filter.export_query(columns.clone(), sort, descending);
            let file = |format| block_on(export_text(&db, &export, format)).unwrap();

            let csv = file(ExportFormat::Csv);
            let mut lines = csv.split("\r\n");
            assert_eq!(lines.next().unwrap(), columns.join(","), "the header names every column");
            // Ids are the first column; a quoted cell may hold a line break, so only lines that
            // start with a number followed by a comma begin a row.
            let ids: Vec<i64> = csv
                .split("\r\n")
                .skip(1)
                .filter_map(|l| l.split_once(',').and_then(|(id, _)| id.parse().ok()))
                .collect();
            assert_eq!(ids, listed, "CSV: {filter:?} {sort:?}");
            assert!(csv.ends_with("\r\n"));

            let json: serde_json::Value = serde_json::from_str(&file(ExportFormat::Json)).unwrap();
            let rows = json.as_array().unwrap();
            let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
            assert_eq!(ids, listed, "JSON: {filter:?} {sort:?}");
            for row in rows {
                assert_eq!(row.as_object().unwrap().len(), columns.len(), "every column");
            }
        }
    }
}
