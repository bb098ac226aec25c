#![cfg(not(target_arch = "wasm32"))]
//! The flag list's derived layer (`flagdeck_core::flag_index`) against plain SQL on the table:
//! random filters × sorts × positions (offsets and keyset cursors) give the same ids and sort
//! keys, counts and facet counts, on every fixture with flags and on a generated 50k-flag file,
//! before and after random edits (hostile values too) that the layer learns from the change
//! log (TEMP triggers), and after the app's own edit paths; the file's bytes are untouched.
//! The rows held in the page (`flagdeck_core::row_mirror`) and the whole order of a list
//! (`FlagIndex::order`) are checked against the same SQL, through the same edits.

mod common;

use flagdeck_core::agents::chains_of;
use flagdeck_core::dashboard::imagescan::scan_flag_index;
use flagdeck_core::flag_index::{FlagIndex, Rows, CHANGE_LOG_SQL, COLUMNS};
use flagdeck_core::flags::{facet_sql, Cursor, Facet, FlagFilter, FlagPageQuery, FlagRow, SortColumn};
use flagdeck_core::native::NativeDb;
use flagdeck_core::port::Database;
use flagdeck_core::row_mirror::{FlagMirrorFill, FlagRowMirror, MirrorRead};
use flagdeck_core::table_info::table_info;
use flagdeck_core::value::{sql_cmp, Value};
use flagdeck_demo::{demo_script, DemoOptions};
use pollster::block_on;

/// A small xorshift generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

fn distinct(db: &NativeDb, column: &str) -> Vec<String> {
    let rs = block_on(
        db.query(&format!("SELECT DISTINCT {column} FROM flags WHERE typeof({column}) = 'text'"), &[]),
    )
    .unwrap();
    rs.rows.into_iter().filter_map(|r| r[0].as_str().map(str::to_owned)).collect()
}

fn random_filter(db: &NativeDb, rng: &mut Rng) -> FlagFilter {
    let mut f = FlagFilter::default();
    // No condition at all ("All flags"): the layer takes an offset as a position in the order.
    if rng.below(5) == 0 {
        return f;
    }
    let some = |rng: &mut Rng, column: &str| -> Vec<String> {
        if rng.below(3) != 0 {
            return Vec::new();
        }
        let values = distinct(db, column);
        (0..1 + rng.below(2)).filter_map(|_| rng.pick(&values).cloned()).collect()
    };
    f.status = some(rng, "status");
    f.impact = some(rng, "impact_level");
    f.flag_type = some(rng, "flag_type");
    f.source = some(rng, "source_agent");
    f.target = some(rng, "target_agent");
    f.locked = match rng.below(4) {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    };
    let dates = distinct(db, "created_at");
    if rng.below(4) == 0 {
        f.created_from = rng.pick(&dates).cloned();
    }
    if rng.below(4) == 0 {
        f.created_to = rng.pick(&dates).cloned();
    }
    if rng.below(6) == 0 {
        f.completed_from = Some("2025-06-01".into());
    }
    // The routing check's "no known agent" test, with names the file has and some it has not
    // (a NULL name, a number, the empty text).
    if rng.below(4) == 0 {
        let targets = distinct(db, "target_agent");
        let mut names: Vec<Value> =
            (0..rng.below(8)).filter_map(|_| rng.pick(&targets).map(|t| Value::from(t.as_str()))).collect();
        match rng.below(6) {
            0 => names.push(Value::Null),
            1 => names.push(Value::Integer(7)),
            2 => names.push(Value::from("")),
            _ => {}
        }
        f.unrouted = Some(names);
    }
    f
}

/// The page by SQL: (id, sort key) rows.
fn sql_page(db: &NativeDb, q: &FlagPageQuery) -> Vec<(i64, Value)> {
    let (sql, params) = q.sql();
    let rs = block_on(db.query(&sql, &params)).unwrap();
    rs.rows.into_iter().map(|r| (r[0].as_i64().unwrap(), r[1].clone())).collect()
}

fn same_keys(a: &[(i64, Value)], b: &[(i64, Value)]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && sql_cmp(&x.1, &y.1).is_eq())
}

/// Random questions, each answered by the layer and by SQL.
fn compare(
    db: &NativeDb,
    index: &FlagIndex,
    mirror: &Mirror,
    rng: &mut Rng,
    rounds: usize,
    label: &str,
) -> usize {
    let mut answered = 0;
    for round in 0..rounds {
        let filter = random_filter(db, rng);
        let sort = SortColumn::ALL[rng.below(SortColumn::ALL.len())];
        let descending = rng.below(2) == 0;
        let limit = [1, 7, 50][rng.below(3)];
        let first = FlagPageQuery::first(filter.clone(), (sort, descending), limit);
        let (count_sql, params) = filter.count_sql();
        let total = block_on(db.query(&count_sql, &params)).unwrap().rows[0][0].as_i64().unwrap();
        assert_eq!(index.count(&filter), Some(total), "{label} round {round}: count of {filter:?}");
        // Positions: the start, a jump by offset, and a keyset step from a row of the SQL answer.
        let jump = first.clone().at_page(rng.below((total as usize / limit).max(1) + 1), None);
        // And one past the end, which gives no row.
        let past = FlagPageQuery { offset: total as usize + rng.below(3), ..first.clone() };
        let mut queries = vec![first.clone(), jump.clone(), past];
        let whole = sql_page(db, &FlagPageQuery { limit: total as usize + 1, ..first.clone() });
        // The whole list in one array, as the page holds it to draw any position.
        match index.order(&jump) {
            Some(order) => assert_eq!(
                order,
                whole.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
                "{label} round {round}: the whole order of {sort:?} desc={descending} filter={filter:?}"
            ),
            None => assert_eq!(sort, SortColumn::ToolOrder, "only the tool order may be declined"),
        }
        if let Some((id, key)) = rng.pick(&whole).cloned() {
            queries.push(first.clone().at_page(1, Some(Cursor { key, id })));
        }
        for q in &queries {
            match index.page(q) {
                Some(got) => {
                    let want = sql_page(db, q);
                    assert!(
                        same_keys(&got, &want),
                        "{label} round {round}: {sort:?} desc={descending} offset={} after={:?} filter={filter:?}\n layer {got:?}\n   sql {want:?}",
                        q.offset,
                        q.after
                    );
                    answered += 1;
                    // The page's rows by id, as the list reads them: what the list's own statement gives.
                    let ids: Vec<i64> = got.iter().map(|(id, _)| *id).collect();
                    let (sql, params) = q.rows_sql(&ids);
                    let by_id = FlagRow::all(&block_on(db.query(&sql, &params)).unwrap());
                    let (sql, params) = q.sql();
                    let direct = FlagRow::all(&block_on(db.query(&sql, &params)).unwrap());
                    assert_eq!(by_id.is_ok(), direct.is_ok(), "{label} round {round}: the rows read alike");
                    if let (Ok(a), Ok(b)) = (by_id, direct) {
                        assert_eq!(a, b, "{label} round {round}: the page's rows by id");
                        // The same rows from the mirror, where it holds them all (it holds
                        // every flag once filled), with no sort key.
                        if mirror.1.complete() {
                            let held =
                                mirror.0.rows(&ids).expect("a filled mirror holds every flag of a page");
                            let want: Vec<FlagRow> =
                                a.into_iter().map(|r| FlagRow { sort_key: Value::Null, ..r }).collect();
                            assert_eq!(held, want, "{label} round {round}: the page's rows from the mirror");
                        }
                    }
                }
                None => assert_eq!(sort, SortColumn::ToolOrder, "only the tool order may be declined"),
            }
        }
        for facet in
            [Facet::Status, Facet::Impact, Facet::FlagType, Facet::Source, Facet::Target, Facet::Locked]
        {
            let (sql, params) = facet_sql(&filter, facet);
            let want: Vec<(Value, i64)> = block_on(db.query(&sql, &params))
                .unwrap()
                .rows
                .into_iter()
                .map(|r| (r[0].clone(), r[1].as_i64().unwrap()))
                .collect();
            let got = index.facet_counts(&filter, facet).unwrap();
            assert!(
                same_keys(
                    &got.iter().map(|(v, n)| (*n, v.clone())).collect::<Vec<_>>(),
                    &want.iter().map(|(v, n)| (*n, v.clone())).collect::<Vec<_>>()
                ),
                "{label} round {round}: facet {facet:?} of {filter:?}\n layer {got:?}\n   sql {want:?}"
            );
        }
        // The agent page's chains of an agent of the file: as chains_of's statement reads them.
        let agents = distinct(db, if rng.below(2) == 0 { "source_agent" } else { "target_agent" });
        if let Some(agent) = rng.pick(&agents) {
            let want = block_on(chains_of(db, agent));
            match index.chains(agent) {
                Some(got) => assert_eq!(Ok(got), want, "{label} round {round}: chains of {agent}"),
                None => {
                    let odd = block_on(db.query(
                        "SELECT count(*) FROM flags WHERE typeof(chain_origin_id) NOT IN ('null', 'integer')",
                        &[],
                    ))
                    .unwrap()
                    .rows[0][0]
                        .as_i64()
                        .unwrap();
                    assert!(
                        odd > 0 || want.is_err(),
                        "{label} round {round}: chains of {agent} declined, yet every origin is an integer: {want:?}"
                    );
                }
            }
        }
    }
    answered
}

/// Random edits through SQL (some refused by the file's own triggers), each taught to the layer
/// from the rows as they are afterwards.
fn edit(db: &NativeDb, index: &mut FlagIndex, mirror: &mut Mirror, rng: &mut Rng, edits: usize) {
    let hostile = [
        Value::Null,
        Value::Integer(1),
        Value::Integer(0),
        Value::Real(1.0),
        Value::Real(2.5),
        Value::Text(String::new()),
        Value::Text("1".into()),
        Value::Text("pending".into()),
        Value::Text("completed".into()),
        Value::Text("critical".into()),
        Value::Text("high".into()),
        Value::Text("2026-01-01 10:00".into()),
        Value::Text("@backend".into()),
        Value::Blob(vec![0x70, 0x65]),
    ];
    let ids: Vec<i64> = block_on(db.query("SELECT id FROM flags", &[]))
        .unwrap()
        .rows
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect();
    // A mirror read made before the edits and handed in after them: thrown away.
    let before = mirror.1.next().map(|(read, epoch)| {
        let (sql, params) = read.sql();
        (read, epoch, FlagRow::all(&block_on(db.query(&sql, &params)).unwrap()).unwrap())
    });
    // The flags written (a statement that succeeded and changed a row; the file's own triggers
    // refuse some hostile values, and an id may be gone already).
    let mut touched = Vec::new();
    let wrote = |ok: bool| {
        ok && block_on(db.query("SELECT changes()", &[]))
            .unwrap()
            .scalar()
            .and_then(Value::as_i64)
            .unwrap_or(0)
            > 0
    };
    for _ in 0..edits {
        let Some(&id) = rng.pick(&ids) else { return };
        match rng.below(10) {
            0 => {
                let done = block_on(db.query("DELETE FROM flags WHERE id = ?1", &[Value::Integer(id)]));
                if wrote(done.is_ok()) {
                    touched.push(id);
                }
            }
            1 => {
                // A copy of a row under a new id (every column, so the table's rules hold).
                let new_id = 10_000_000 + rng.below(1_000_000) as i64;
                let cols: Vec<String> =
                    block_on(db.query("SELECT name FROM pragma_table_info('flags')", &[]))
                        .unwrap()
                        .rows
                        .iter()
                        .filter_map(|r| r[0].as_str().map(str::to_owned))
                        .filter(|c| c != "id")
                        .collect();
                let list = cols.join(", ");
                let done = block_on(db.query(
                    &format!("INSERT INTO flags (id, {list}) SELECT ?1, {list} FROM flags WHERE id = ?2"),
                    &[Value::Integer(new_id), Value::Integer(id)],
                ));
                if wrote(done.is_ok()) {
                    touched.push(new_id);
                }
            }
            _ => {
                let column = COLUMNS[rng.below(COLUMNS.len())];
                // A chain origin is mostly another flag's id (chains grow and merge), at times
                // a hostile value.
                let value = if column == "chain_origin_id" && rng.below(4) != 0 {
                    Value::Integer(*rng.pick(&ids).unwrap())
                } else {
                    rng.pick(&hostile).unwrap().clone()
                };
                let done = block_on(db.query(
                    &format!("UPDATE flags SET {column} = ?1 WHERE id = ?2"),
                    &[value, Value::Integer(id)],
                ));
                if wrote(done.is_ok()) {
                    touched.push(id);
                }
            }
        }
    }
    // What the layer learns: the rows the change log noted (the edits', and those the file's
    // own triggers and foreign keys changed with them); the comparisons that follow say
    // whether any was missed.
    let changes = block_on(FlagIndex::take_changes(db)).unwrap();
    let noted: std::collections::HashSet<i64> =
        changes.rows.iter().map(|r| r.id).chain(changes.gone.iter().copied()).collect();
    assert!(!touched.is_empty(), "some of the {edits} edits wrote");
    assert!(touched.iter().all(|id| noted.contains(id)), "the log noted every flag written");
    let (held, fill) = (&mut mirror.0, &mut mirror.1);
    fill.invalidate(held, changes.rows.iter().map(|r| r.id).chain(changes.gone.iter().copied()));
    index.apply(changes);
    if let Some((read, epoch, rows)) = before {
        assert!(!fill.accept(held, &read, epoch, &rows), "a read from before the edits is thrown away");
    }
    fill_mirror(db, mirror);
}

/// The rows held in the page and their filling.
type Mirror = (FlagRowMirror, FlagMirrorFill);

/// A mirror never filled: the comparisons skip it.
fn no_mirror() -> Mirror {
    (FlagRowMirror::new(), FlagMirrorFill::new())
}

/// Fills `mirror` until it is complete, as the page does between questions.
fn fill_mirror(db: &NativeDb, mirror: &mut Mirror) {
    while block_on(mirror.1.step(db, &mut mirror.0)).unwrap() {}
}

/// The layer as the list worker builds it: from the records in the file's pages.
fn from_image(image: &[u8], db: &NativeDb) -> FlagIndex {
    let info = block_on(table_info(db, "flags")).unwrap().expect("a flags table");
    scan_flag_index(image, &info).unwrap()
}

/// As the app does it: the change log installed when the file is opened, the layer built from
/// the bytes as opened (by then edits may have been made: the log has them), then kept up to
/// date by the log.
fn check(db: &NativeDb, label: &str, seed: u64, rounds: usize) {
    assert!(block_on(FlagIndex::applies(db)).unwrap(), "{label}: the layer applies to this file");
    let image = db.export_sync().unwrap();
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    let mut index = from_image(&image, db);
    let (affinity, rows) = block_on(FlagIndex::read_rows(db, Rows::All)).unwrap();
    let by_sql = FlagIndex::build(affinity, rows);
    assert_eq!(index.len(), by_sql.len(), "{label}: the page walk and SQL read the same flags");
    let total = block_on(db.query("SELECT count(*) FROM flags", &[])).unwrap().rows[0][0].as_i64().unwrap();
    assert_eq!(index.len() as i64, total, "{label}: every flag held");
    let mut rng = Rng(seed);
    let mut mirror: Mirror = (FlagRowMirror::new(), FlagMirrorFill::new());
    // The first edits come while the mirror is half filled (its walk in rowid order stopped
    // part way), so some edited flags are behind the walk and some ahead of it.
    for _ in 0..(total as usize / 2).div_ceil(flagdeck_core::row_mirror::FILL_CHUNK) {
        block_on(mirror.1.step(db, &mut mirror.0)).unwrap();
    }
    let answered = compare(db, &index, &mirror, &mut rng, rounds, label);
    assert!(answered > rounds, "{label}: the layer answered ({answered} pages)");
    for step in 0..3 {
        edit(db, &mut index, &mut mirror, &mut rng, 40);
        let total =
            block_on(db.query("SELECT count(*) FROM flags", &[])).unwrap().rows[0][0].as_i64().unwrap();
        assert_eq!(index.len() as i64, total, "{label}: every flag held after edits {step}");
        assert_eq!(mirror.0.len() as i64, total, "{label}: every flag in the mirror after edits {step}");
        compare(db, &index, &mirror, &mut rng, rounds / 2, &format!("{label} after edits {step}"));
    }
}

#[test]
fn the_layer_answers_as_sql_on_every_fixture_before_and_after_edits() {
    for name in ["claudesquad-v0-small.db", "acolytes-v1-small.db", "acolytes-hybrid-small.db"] {
        let Some(bytes) = common::fixture_bytes(name) else { return };
        let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
        check(&db, name, 0x9e37_79b9_7f4a_7c15, 60);
    }
}

#[test]
fn the_layer_answers_as_sql_on_a_generated_50k_file() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 50_000, ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    check(&db, "generated 50k", 0x2545_f491_4f6c_dd1d, 16);
}

/// The app's own edit paths (complete, lock, a field, a new flag, undo) reach the layer
/// through the change log, and the log leaves the main database as it was.
/// Undoes `steps` newest first, then brings the layer up to date and compares it with SQL.
fn undo_all(
    db: &NativeDb,
    index: &mut FlagIndex,
    rng: &mut Rng,
    steps: &[Vec<flagdeck_core::edits::Edit>],
    label: &str,
) {
    for edits_of_step in steps.iter().rev() {
        block_on(flagdeck_core::edits::run_all(db, edits_of_step, false)).unwrap();
    }
    block_on(index.sync(db)).unwrap();
    compare(db, index, &no_mirror(), rng, 4, label);
}

#[test]
fn every_edit_path_reaches_the_layer_and_the_file_keeps_its_bytes() {
    use flagdeck_core::edits::{self, complete_values, lock_values};
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, facts) = common::open_and_inspect(&bytes).unwrap();
    let before = db.export_sync().unwrap();
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let mut index = FlagIndex::build(affinity, rows);
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    assert_eq!(db.export_sync().unwrap(), before, "the change log is not in the file");
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    let pending: Vec<i64> =
        block_on(db.query("SELECT id FROM flags WHERE status = 'pending' ORDER BY id LIMIT 5", &[]))
            .unwrap()
            .rows
            .iter()
            .filter_map(|r| r[0].as_i64())
            .collect();
    let mut steps = Vec::new();
    let plans = [
        ("complete", complete_values("2026-12-01 10:00", Some("@backend"), Some("done"))),
        ("lock", lock_values(true)),
        ("edit", vec![("impact_level", Value::from("high")), ("target_agent", Value::from("@frontend"))]),
    ];
    for (i, (label, values)) in plans.iter().enumerate() {
        let edit = block_on(edits::plan(&db, pending[i], label, values)).unwrap().expect("a change");
        block_on(edits::apply(&db, &edit)).unwrap();
        steps.push(vec![edit]);
        assert!(block_on(index.sync(&db)).unwrap() >= 1, "{label}: noted");
        compare(&db, &index, &no_mirror(), &mut rng, 6, label);
    }
    let action = common::long_action();
    let step = block_on(edits::create_flag(&db, &facts, &common::new_flag_values(&action), Some(pending[3])))
        .unwrap();
    assert_eq!(block_on(index.sync(&db)).unwrap(), 2, "the new flag and the flag it locks");
    compare(&db, &index, &no_mirror(), &mut rng, 6, "new flag");
    steps.push(step.edits);
    // A bulk action, as the list runs it: one plan per chosen flag, all in one transaction.
    let mut bulk = Vec::new();
    for &id in &pending {
        bulk.extend(block_on(edits::plan(&db, id, "bulk lock", &lock_values(true))).unwrap());
    }
    assert!(bulk.len() >= 2, "the bulk action changes several flags");
    block_on(edits::run_all(&db, &bulk, true)).unwrap();
    assert_eq!(block_on(index.sync(&db)).unwrap(), bulk.len(), "bulk: every flag noted");
    compare(&db, &index, &no_mirror(), &mut rng, 6, "bulk");
    steps.push(bulk);
    // Undo every step, newest first, then redo them, oldest first.
    for edits_of_step in steps.iter().rev() {
        block_on(edits::run_all(&db, edits_of_step, false)).unwrap();
        block_on(index.sync(&db)).unwrap();
        compare(&db, &index, &no_mirror(), &mut rng, 4, "undo");
    }
    for edits_of_step in &steps {
        block_on(edits::run_all(&db, edits_of_step, true)).unwrap();
        assert!(block_on(index.sync(&db)).unwrap() >= 1, "redo: noted");
        compare(&db, &index, &no_mirror(), &mut rng, 4, "redo");
    }
    // Undone again, then replayed as a save onto a newer file replays a working copy's steps.
    undo_all(&db, &mut index, &mut rng, &steps, "undone again");
    let replayed: Vec<edits::Step> =
        steps.iter().map(|e| edits::Step { label: "replayed".into(), edits: e.clone() }).collect();
    let merge = block_on(flagdeck_core::journal::replay_onto(&db, &replayed));
    assert_eq!((merge.applied.len(), merge.conflicts.len()), (steps.len(), 0), "every step replayed");
    assert!(block_on(index.sync(&db)).unwrap() >= 1, "replay: noted");
    compare(&db, &index, &no_mirror(), &mut rng, 6, "replay");
    undo_all(&db, &mut index, &mut rng, &steps, "undone after the replay");
    // Resumed: a working copy's history made again on the original bytes.
    let history = edits::History { done: replayed.clone(), undone: Vec::new() };
    let (resumed, failure) = block_on(flagdeck_core::journal::replay(&db, &history));
    assert!(failure.is_none() && resumed.done.len() == steps.len(), "every step made again");
    assert!(block_on(index.sync(&db)).unwrap() >= 1, "resume: noted");
    compare(&db, &index, &no_mirror(), &mut rng, 6, "resume");
    undo_all(&db, &mut index, &mut rng, &steps, "undone after the resume");
    let (_, fresh) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    assert_eq!(index.len(), fresh.len(), "the new flag is gone again");
    let ok = block_on(db.query("PRAGMA main.integrity_check", &[])).unwrap();
    assert_eq!(ok.rows[0][0], Value::from("ok"));
    let in_main =
        block_on(db.query("SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'flagdeck%'", &[]))
            .unwrap();
    assert_eq!(in_main.rows[0][0], Value::Integer(0), "nothing of the layer in the main schema");
}

/// Files whose `flags` the layer could not answer for exactly: it says so, and the list keeps
/// its SQL there.
#[test]
fn the_layer_declines_files_it_cannot_answer_for_exactly() {
    let table = |ddl: &str, encoding: &str| {
        let db = NativeDb::open_bytes(&[]).unwrap();
        db.execute_batch_sync(&format!("PRAGMA encoding = '{encoding}'; {ddl}")).unwrap();
        block_on(FlagIndex::applies(&db)).unwrap()
    };
    let cols = "status TEXT, impact_level TEXT, flag_type TEXT, source_agent TEXT, target_agent TEXT, \
                locked BOOLEAN, created_at TEXT, completed_at TEXT";
    assert!(table(&format!("CREATE TABLE flags (id INTEGER PRIMARY KEY AUTOINCREMENT, {cols})"), "UTF-8"));
    for (ddl, why) in [
        (format!("CREATE TABLE flags (id TEXT PRIMARY KEY, {cols})"), "a text id"),
        (format!("CREATE TABLE flags (id INTEGER, {cols})"), "an id that is not the rowid"),
        (format!("CREATE TABLE flags (id INTEGER PRIMARY KEY, {cols}, note TEXT COLLATE NOCASE)"), "a collation"),
        (format!("CREATE TABLE flags (id INTEGER PRIMARY KEY, {cols}, UNIQUE (created_at))"), "a UNIQUE constraint"),
        (
            format!("CREATE TABLE flags (id INTEGER PRIMARY KEY, {cols}); CREATE UNIQUE INDEX u ON flags (source_agent)"),
            "a unique index",
        ),
        (format!("CREATE TABLE flags (id INTEGER PRIMARY KEY DESC, {cols})"), "a DESC key, which is not the rowid"),
        (format!("CREATE TABLE flags (id INTEGER PRIMARY KEY, {cols}) WITHOUT ROWID"), "a table without rowid"),
        (
            "CREATE TABLE flags (id INTEGER PRIMARY KEY, s TEXT, status TEXT GENERATED ALWAYS AS (upper(s)), \
             impact_level TEXT, flag_type TEXT, source_agent TEXT, target_agent TEXT, locked BOOLEAN, \
             created_at TEXT, completed_at TEXT)"
                .to_owned(),
            "a generated column",
        ),
    ] {
        assert!(!table(&ddl, "UTF-8"), "{why}: declined");
    }
    assert!(
        !table(&format!("CREATE TABLE flags (id INTEGER PRIMARY KEY, {cols})"), "UTF-16le"),
        "UTF-16: declined"
    );
    assert!(!block_on(FlagIndex::applies(&NativeDb::open_bytes(&[]).unwrap())).unwrap(), "no flags table");
}

/// A database of a small `flags` table holding two pending flags (ids 1 and 2).
fn two_pending_flags() -> NativeDb {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT, impact_level TEXT, flag_type TEXT,
             source_agent TEXT, target_agent TEXT, locked BOOLEAN, created_at TEXT, completed_at TEXT);
         INSERT INTO flags (id, status, created_at) VALUES (1, 'pending', '2026-01-01'), (2, 'pending', '2026-01-02');",
    )
    .unwrap();
    db
}

/// A statement with its own conflict clause still writes with the change log installed, and
/// its change reaches the layer.
#[test]
fn the_change_log_never_makes_a_write_fail() {
    let db = two_pending_flags();
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let mut index = FlagIndex::build(affinity, rows);
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    db.execute_batch_sync("UPDATE OR ABORT flags SET status = 'completed' WHERE id = 1").unwrap();
    db.execute_batch_sync("UPDATE OR ROLLBACK flags SET status = 'completed' WHERE id = 1").unwrap();
    db.execute_batch_sync("INSERT OR FAIL INTO flags (id, status) VALUES (3, 'pending')").unwrap();
    db.execute_batch_sync("UPDATE OR FAIL flags SET id = 4 WHERE id = 3").unwrap();
    assert_eq!(block_on(index.sync(&db)).unwrap(), 3, "ids 1, 3 and 4, each once");
    let done = FlagFilter { status: vec!["completed".into()], ..Default::default() };
    assert_eq!(index.count(&done), Some(1));
    assert_eq!(index.count(&FlagFilter::default()), Some(3));
    assert_eq!(block_on(index.sync(&db)).unwrap(), 0, "the log was emptied");
}

/// A change log that lost a trigger (the flags table dropped and made again, or the trigger
/// dropped) cannot say what was written since: the take fails (the app then turns the layer
/// off and the lists run their SQL) rather than answering from rows that may be stale.
#[test]
fn a_change_log_without_its_triggers_is_refused() {
    let db = two_pending_flags();
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    assert!(block_on(FlagIndex::take_changes(&db)).unwrap().is_empty(), "nothing noted yet");
    db.execute_batch_sync(
        "DROP TRIGGER temp.flagdeck_flags_updated; UPDATE flags SET status = 'completed' WHERE id = 1",
    )
    .unwrap();
    assert!(block_on(FlagIndex::take_changes(&db)).is_err(), "one trigger gone: refused");
    db.execute_batch_sync(
        "DROP TABLE flags; CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT);
         INSERT INTO flags (id, status) VALUES (1, 'completed');",
    )
    .unwrap();
    assert!(block_on(FlagIndex::take_changes(&db)).is_err(), "the table made again: refused");
}

/// Mixed storage classes in every held column (declared without a type, so nothing is
/// converted), numbers in the sort columns, 1 beside 1.0, '' beside NULL: every order, filter
/// and position gives the same rows and the same sort keys, storage class included.
#[test]
fn mixed_storage_classes_order_and_filter_as_sqlite_does() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, status, impact_level, flag_type, source_agent,
             target_agent, locked, created_at, completed_at, change_description, action_required,
             related_files, code_location, notes, chain_origin_id INTEGER);",
    )
    .unwrap();
    let pool = [
        "NULL",
        "''",
        "1",
        "1.0",
        "2.5",
        "-3",
        "'1'",
        "'pending'",
        "'completed'",
        "'critical'",
        "'high'",
        "'2026-01-01 10:00'",
        "'2025-12-31'",
        "x'00ff'",
        "x'70656e64696e67'",
        "'Pending'",
    ];
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for id in 1..=400 {
        let mut v = || pool[rng.below(pool.len())];
        let row = format!(
            "INSERT INTO flags (id, status, impact_level, flag_type, source_agent, target_agent, locked,
                 created_at, completed_at, change_description) VALUES ({id}, {}, {}, {}, {}, {}, {}, {}, {}, 'x')",
            v(), v(), v(), v(), v(), v(), v(), v()
        );
        db.execute_batch_sync(&row).unwrap();
    }
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let index = FlagIndex::build(affinity, rows);
    let filters = [
        FlagFilter::default(),
        FlagFilter { status: vec!["pending".into(), "1".into()], ..Default::default() },
        FlagFilter { locked: Some(true), ..Default::default() },
        FlagFilter { locked: Some(false), impact: vec!["critical".into()], ..Default::default() },
        FlagFilter { created_from: Some("1".into()), created_to: Some("2026".into()), ..Default::default() },
        FlagFilter { completed_from: Some("".into()), ..Default::default() },
    ];
    for filter in &filters {
        for sort in SortColumn::ALL {
            for descending in [false, true] {
                let q = FlagPageQuery::first(filter.clone(), (sort, descending), 500);
                let want = sql_page(&db, &q);
                match index.page(&q) {
                    // Exactly: the same values, storage class included (1 is not 1.0).
                    Some(got) => assert_eq!(got, want, "{sort:?} desc={descending} {filter:?}"),
                    None => assert_eq!(sort, SortColumn::ToolOrder, "only the tool order may be declined"),
                }
                if let Some((id, key)) = want.get(want.len() / 2).cloned() {
                    let step = FlagPageQuery::first(filter.clone(), (sort, descending), 7)
                        .at_page(1, Some(Cursor { key, id }));
                    if let Some(got) = index.page(&step) {
                        assert_eq!(got, sql_page(&db, &step), "keyset {sort:?} desc={descending} {filter:?}");
                    }
                }
            }
        }
        let (sql, params) = filter.count_sql();
        let n = block_on(db.query(&sql, &params)).unwrap().rows[0][0].as_i64().unwrap();
        assert_eq!(index.count(filter), Some(n), "count {filter:?}");
    }
}

/// The list worker's protocol: a request and its answer survive their JSON form exactly
/// (storage classes of the sort keys included), and a batch of changes applied through it
/// leaves the layer answering as SQL does.
#[test]
fn requests_and_answers_keep_their_values_through_json() {
    use flagdeck_core::flag_index::{Answer, Request};
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    let mut index = from_image(&bytes_of(&db), &db);
    // Sort keys of every storage class.
    db.execute_batch_sync(
        "UPDATE flags SET created_at = 1.5 WHERE id = (SELECT min(id) FROM flags);
         UPDATE flags SET created_at = x'00ff' WHERE id = (SELECT max(id) FROM flags);
         UPDATE flags SET created_at = 20260101 WHERE id = (SELECT min(id) + 1 FROM flags);",
    )
    .unwrap();
    let changes = block_on(FlagIndex::take_changes(&db)).unwrap();
    assert_eq!(changes.rows.len(), 3, "three rows changed");
    let round =
        |r: &Request| -> Request { serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap() };
    let answered =
        |a: Answer| -> Answer { serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap() };
    let apply = Request::Apply(changes);
    assert_eq!(round(&apply), apply);
    assert!(matches!(index.answer(round(&apply)), Answer::Applied(_)));
    for descending in [false, true] {
        let q = FlagPageQuery::first(FlagFilter::default(), (SortColumn::CreatedAt, descending), 500);
        let Answer::Page(Some(got)) = answered(index.answer(round(&Request::Page(q.clone())))) else {
            panic!("a page")
        };
        let want = sql_page(&db, &q);
        assert_eq!(got, want, "ids and sort keys with their storage classes");
    }
    // A batch: each answer in the order asked, as that question alone gives it (its JSON form
    // too), a change applied inside it counted by the questions after it.
    let target = |i: usize| {
        let rs = block_on(db.query("SELECT DISTINCT target_agent FROM flags ORDER BY 1", &[])).unwrap();
        rs.rows[i % rs.rows.len()][0].as_str().unwrap_or_default().to_owned()
    };
    let pending =
        FlagFilter { status: vec!["pending".into()], target: vec![target(0)], ..Default::default() };
    let questions = vec![
        Request::Count(pending.clone()),
        Request::Count(FlagFilter { locked: Some(true), ..pending.clone() }),
        Request::Page(FlagPageQuery::first(pending.clone(), (SortColumn::ToolOrder, false), 50)),
        Request::Chains(target(1)),
        Request::Facets(FlagFilter::default(), vec![Facet::Status, Facet::Target]),
    ];
    let one_by_one: Vec<Answer> = questions.iter().map(|q| index.answer(q.clone())).collect();
    let Answer::Batch(together) = answered(index.answer(round(&Request::Batch(questions.clone())))) else {
        panic!("a batch's answer")
    };
    assert_eq!(together, one_by_one);
    db.execute_batch_sync("UPDATE flags SET status = 'completed' WHERE status = 'pending'").unwrap();
    let apply = Request::Apply(block_on(FlagIndex::take_changes(&db)).unwrap());
    let Answer::Batch(after) = index.answer(Request::Batch(vec![apply, questions[0].clone()])) else {
        panic!("a batch's answer")
    };
    assert!(matches!(after[0], Answer::Applied(_)));
    assert_eq!(after[1], Answer::Count(Some(0)), "the count after the change applied before it");
    assert_ne!(one_by_one[0], Answer::Count(Some(0)), "the fixture has pending flags to that target");
}

fn bytes_of(db: &NativeDb) -> Vec<u8> {
    db.export_sync().unwrap()
}

/// Rows written before a column was added read its default, as SQLite gives it: the page walk
/// and SQL agree.
#[test]
fn rows_older_than_an_added_column_read_its_default_in_the_page_walk() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    db.execute_batch_sync(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, status TEXT, impact_level TEXT, flag_type TEXT,
           source_agent TEXT, target_agent TEXT, created_at TEXT, completed_at TEXT,
           change_description TEXT, chain_origin_id INTEGER);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO flags SELECT i, CASE i % 3 WHEN 0 THEN 'pending' ELSE 'completed' END, 'high', 'api_change',
           '@a', '@b', printf('2025-01-%02d 10:00', 1 + i % 28), NULL, 'a change', NULL FROM n;
         ALTER TABLE flags ADD COLUMN locked BOOLEAN DEFAULT 1;
         INSERT INTO flags (id, status, locked, created_at) VALUES (301, 'pending', 0, '2025-02-01 09:00');",
    )
    .unwrap();
    let image = db.export_sync().unwrap();
    let index = from_image(&image, &db);
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let by_sql = FlagIndex::build(affinity, rows);
    for locked in [Some(true), Some(false), None] {
        let f = FlagFilter { locked, ..Default::default() };
        assert_eq!(index.count(&f), by_sql.count(&f), "locked = {locked:?}");
        let q = FlagPageQuery::first(f, (SortColumn::CreatedAt, true), 50);
        assert_eq!(index.page(&q), by_sql.page(&q));
        assert!(same_keys(&index.page(&q).unwrap(), &sql_page(&db, &q)));
    }
    assert_eq!(index.count(&FlagFilter { locked: Some(true), ..Default::default() }), Some(300));
}

/// What an export makes the app carry over (the change log's noted ids, read by id after it):
/// present rows as they are now, and the ids that are gone; applied, the layer answers as SQL.
#[test]
fn flags_read_by_id_bring_the_layer_up_to_date() {
    let Some(bytes) = common::fixture_bytes("acolytes-v1-small.db") else { return };
    let (db, _, _) = common::open_and_inspect(&bytes).unwrap();
    let mut index = from_image(&bytes_of(&db), &db);
    let ids: Vec<i64> = block_on(db.query("SELECT id FROM flags ORDER BY id LIMIT 3", &[]))
        .unwrap()
        .rows
        .iter()
        .filter_map(|r| r[0].as_i64())
        .collect();
    db.execute_batch_sync(&format!(
        "UPDATE flags SET status = 'completed', created_at = '2030-01-01 00:00' WHERE id = {}; DELETE FROM flags WHERE id = {};",
        ids[0], ids[1]
    ))
    .unwrap();
    let changes = block_on(FlagIndex::read_ids(&db, &[ids[0], ids[1], ids[2], 987_654_321])).unwrap();
    assert_eq!(changes.rows.len(), 2, "the updated and the untouched flag");
    assert_eq!(changes.gone, vec![ids[1], 987_654_321]);
    index.apply(changes);
    let mut rng = Rng(0x1234_5678_9abc_def1);
    compare(&db, &index, &no_mirror(), &mut rng, 12, "after read_ids");
}

/// The race the mirror's epoch closes: a read of a flag asked before a write and handed in
/// after the write's invalidation would put the old row back. It is thrown away, read again,
/// and the mirror ends with the row as the table holds it.
#[test]
fn a_mirror_read_from_before_a_write_never_comes_back() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 1_200, ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    db.execute_batch_sync(CHANGE_LOG_SQL).unwrap();
    let mut mirror = no_mirror();
    fill_mirror(&db, &mut mirror);
    assert!(mirror.1.complete());
    assert_eq!(mirror.0.len(), 1_200);
    let row = |id: i64| {
        let (sql, params) = MirrorRead::Ids(vec![id]).sql();
        FlagRow::all(&block_on(db.query(&sql, &params)).unwrap()).unwrap().pop()
    };
    // Flag 7 is read again after a first write; the read is asked, then a second write lands
    // before its answer is handed in.
    db.execute_batch_sync("UPDATE flags SET source_agent = '@first' WHERE id = 7").unwrap();
    let changes = block_on(FlagIndex::take_changes(&db)).unwrap();
    mirror.1.invalidate(&mut mirror.0, changes.rows.iter().map(|r| r.id));
    assert!(!mirror.0.contains(7), "an invalidated flag is not held");
    let (read, epoch) = mirror.1.next().expect("flag 7 waits to be read again");
    assert_eq!(read, MirrorRead::Ids(vec![7]));
    let (sql, params) = read.sql();
    let stale = FlagRow::all(&block_on(db.query(&sql, &params)).unwrap()).unwrap();
    assert_eq!(stale[0].source_agent, "@first");
    db.execute_batch_sync("UPDATE flags SET source_agent = '@second', change_description = 'Moved the retry budget into the shared client; every caller now inherits it.' WHERE id = 7")
        .unwrap();
    let changes = block_on(FlagIndex::take_changes(&db)).unwrap();
    mirror.1.invalidate(&mut mirror.0, changes.rows.iter().map(|r| r.id));
    assert!(!mirror.1.accept(&mut mirror.0, &read, epoch, &stale), "the stale read is thrown away");
    assert!(!mirror.0.contains(7));
    fill_mirror(&db, &mut mirror);
    assert_eq!(mirror.0.get(7), row(7));
    assert_eq!(mirror.0.get(7).unwrap().source_agent, "@second");
    // A deleted flag leaves; a new one comes in.
    db.execute_batch_sync("DELETE FROM flags WHERE id = 8; INSERT INTO flags (id, flag_type, source_agent, target_agent, change_description, action_required, impact_level, created_at) SELECT 90001, flag_type, source_agent, target_agent, change_description, action_required, impact_level, created_at FROM flags WHERE id = 9")
        .unwrap();
    let changes = block_on(FlagIndex::take_changes(&db)).unwrap();
    mirror.1.invalidate(&mut mirror.0, changes.rows.iter().map(|r| r.id).chain(changes.gone.iter().copied()));
    fill_mirror(&db, &mut mirror);
    assert_eq!(mirror.0.get(8), None);
    assert_eq!(mirror.0.get(90001), row(90001));
    assert!(mirror.0.get(90001).is_some());
    assert_eq!(mirror.0.len(), 1_200);
}

/// Every page, by keyset and by offset, of `filter` in every order and direction: the layer's
/// against SQL's.
fn every_page_alike(db: &NativeDb, index: &FlagIndex, filter: &FlagFilter, label: &str) -> usize {
    let mut pages = 0;
    for sort in SortColumn::ALL {
        for descending in [false, true] {
            let first = FlagPageQuery::first(filter.clone(), (sort, descending), 7);
            let mut q = first.clone();
            for page in 0.. {
                let got = index.page(&q).expect("the layer answers this file's pages");
                let want = sql_page(db, &q);
                assert!(
                    same_keys(&got, &want),
                    "{label}: {sort:?} desc={descending} page {page}\n layer {got:?}\n   sql {want:?}"
                );
                let by_offset = first.clone().at_page(page, None);
                let got_offset = index.page(&by_offset).expect("the layer answers this file's pages");
                assert!(
                    same_keys(&got_offset, &want),
                    "{label}: {sort:?} desc={descending} page {page} by offset"
                );
                pages += 1;
                let Some((id, key)) = got.last().cloned() else { break };
                q = first.clone().at_page(page + 1, Some(Cursor { key, id }));
            }
            let whole: Vec<i64> = sql_page(db, &FlagPageQuery { limit: usize::MAX >> 1, ..first.clone() })
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            assert_eq!(
                index.order(&first),
                Some(whole),
                "{label}: the whole order of {sort:?} desc={descending}"
            );
        }
    }
    pages
}

/// A filter keeping few agents' flags, most of them at one end of the orders: the page walk
/// stops early and takes the rest from those agents' postings by position. Every page, both
/// ways, by keyset and by offset, is SQL's page, before and after edits move flags in and out.
#[test]
fn pages_of_a_few_agents_flags_far_down_the_order_are_sqls_pages() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    let opts = DemoOptions { flags: 3_000, ..Default::default() };
    db.execute_batch_sync(&demo_script(&opts)).unwrap();
    let rare = "@rare.agent";
    // 80 of the newest flags and 5 of the oldest go to (and 40 come from) an agent of its own.
    db.execute_batch_sync(&format!(
        "UPDATE flags SET target_agent = '{rare}' WHERE id IN (SELECT id FROM flags ORDER BY created_at DESC, id DESC LIMIT 80);
         UPDATE flags SET target_agent = '{rare}' WHERE id IN (SELECT id FROM flags ORDER BY created_at, id LIMIT 5);
         UPDATE flags SET source_agent = '{rare}' WHERE id IN (SELECT id FROM flags ORDER BY id DESC LIMIT 40);"
    ))
    .unwrap();
    // Three flags to an agent of their own, one of them among the newest: a walk of one slot.
    db.execute_batch_sync(
        "UPDATE flags SET target_agent = '@lone.agent' WHERE id IN (7, 1500, (SELECT max(id) FROM flags));",
    )
    .unwrap();
    let (affinity, rows) = block_on(FlagIndex::read_rows(&db, Rows::All)).unwrap();
    let mut index = FlagIndex::build(affinity, rows);
    let targets = distinct(&db, "target_agent");
    let known: Vec<Value> = targets.iter().filter(|t| *t != rare).map(|t| Value::from(t.as_str())).collect();
    let filters = [
        FlagFilter { target: vec!["@lone.agent".into()], ..Default::default() },
        FlagFilter { target: vec![rare.into()], ..Default::default() },
        // Both agent columns kept: the narrower one's postings are read.
        FlagFilter {
            source: vec![rare.into()],
            target: vec![rare.into(), "@backend.api".into()],
            ..Default::default()
        },
        FlagFilter { status: vec!["pending".into()], target: vec![rare.into()], ..Default::default() },
        FlagFilter { source: vec![rare.into()], locked: Some(false), ..Default::default() },
        FlagFilter { status: vec!["pending".into()], unrouted: Some(known), ..Default::default() },
    ];
    for (step, edit) in [
        "",
        // Flags from the middle of the orders join, some leave, one is deleted and new ones
        // are added (new slots), one of them the newest.
        "UPDATE flags SET target_agent = '@rare.agent' WHERE id % 97 = 0;
         INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, status, created_at)
           SELECT flag_type, '@rare.agent', '@rare.agent', change_description, action_required, impact_level, 'pending', created_at
           FROM flags WHERE id % 211 = 0;
         INSERT INTO flags (flag_type, source_agent, target_agent, change_description, action_required, impact_level, status, created_at)
           SELECT flag_type, '@rare.agent', '@lone.agent', change_description, action_required, 'high', 'pending', '2099-01-01 00:00'
           FROM flags WHERE id = 1;
         UPDATE flags SET target_agent = '@backend.api' WHERE target_agent = '@rare.agent' AND id % 3 = 0;
         DELETE FROM flags WHERE id = (SELECT max(id) FROM flags WHERE target_agent = '@rare.agent');",
    ]
    .into_iter()
    .enumerate()
    {
        if !edit.is_empty() {
            db.execute_batch_sync(edit).unwrap();
            // Every id there was and is now: those gone are read as gone.
            let ids: Vec<i64> = (1..=block_on(db.query("SELECT max(id) FROM flags", &[])).unwrap().rows[0][0]
                .as_i64()
                .unwrap())
                .collect();
            index.apply(block_on(FlagIndex::read_ids(&db, &ids)).unwrap());
        }
        for (i, f) in filters.iter().enumerate() {
            let pages = every_page_alike(&db, &index, f, &format!("step {step} filter {i}"));
            assert!(
                pages >= SortColumn::ALL.len() * 2 * 2,
                "step {step} filter {i}: a page and the end each way ({pages})"
            );
        }
    }
}
