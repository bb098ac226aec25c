#![cfg(not(target_arch = "wasm32"))]
//! Issue 12, item 4: a huge cell stays cheap. Lists, previews and the detail page fetch a prefix
//! and the whole length in SQL; the whole value crosses only when asked for. Checked on the
//! field file `huge-text-cell.db` (v0, flag 7's change_description ~0.95 million characters from
//! `HUGE-START` to `HUGE-END`, its context a 109 KB JSON array), and on a copy holding a
//! 9-million-character value made here with plain SQL.

mod common;

use std::cell::RefCell;
use std::path::PathBuf;

use flagdeck_core::agents::{pending_for, pending_from};
use flagdeck_core::flags::{flag_detail, flag_detail_preview, FlagFilter, FlagPageQuery, FlagRow, Preset};
use flagdeck_core::long_text::{flag_cell, flag_cell_pieces, DETAIL_PREFIX_CHARS, LIST_PREFIX_CHARS};
use flagdeck_core::native::NativeDb;
use flagdeck_core::{Database, DbError, ResultSet, Value};
use pollster::block_on;

const HUGE_ID: i64 = 7;

fn field_file(name: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/field-cases");
    if !dir.join(name).exists() {
        eprintln!(
            "NOTE: ../shared/field-cases is absent on this machine: the field-case checks are not run here"
        );
        return None;
    }
    Some(std::fs::read(dir.join(name)).expect("field file is readable"))
}

fn open_huge() -> Option<NativeDb> {
    let bytes = field_file("huge-text-cell.db")?;
    Some(common::open_and_inspect(&bytes).expect("the field file opens").0)
}

/// A database adapter that remembers the longest TEXT or BLOB value any answer carried.
struct Widest<'a> {
    inner: &'a NativeDb,
    widest: RefCell<usize>,
}

impl Database for Widest<'_> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        let rs = self.inner.query(sql, params).await?;
        for v in rs.rows.iter().flatten() {
            let n = match v {
                Value::Text(s) => s.chars().count(),
                Value::Blob(b) => b.len(),
                _ => 0,
            };
            let mut w = self.widest.borrow_mut();
            *w = (*w).max(n);
        }
        Ok(rs)
    }

    async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.inner.execute_batch(sql).await
    }

    async fn export(&self) -> Result<Vec<u8>, DbError> {
        self.inner.export().await
    }
}

fn widest(db: &NativeDb) -> Widest<'_> {
    Widest { inner: db, widest: RefCell::new(0) }
}

/// Plain SQL: the stored value's length and its first `n` characters.
fn stored(db: &NativeDb, column: &str, n: usize) -> (i64, String) {
    let rs = block_on(db.query(
        &format!("SELECT length({column}) AS n, substr({column}, 1, {n}) AS head FROM flags WHERE id = ?"),
        &[Value::Integer(HUGE_ID)],
    ))
    .unwrap();
    rs.map_first(|r| Ok((r.i64("n")?, r.text("head")?))).unwrap().unwrap()
}

/// Every page of the flag list, as the app reads them.
fn all_rows(db: &Widest<'_>, preset: Preset) -> Vec<FlagRow> {
    let mut rows = Vec::new();
    let mut page = 0;
    loop {
        let (sql, params) =
            FlagPageQuery::first(preset.filter(), preset.sort(), 50).at_page(page, None).sql();
        let got = FlagRow::all(&block_on(db.query(&sql, &params)).unwrap()).unwrap();
        let done = got.len() < 50;
        rows.extend(got);
        if done {
            return rows;
        }
        page += 1;
    }
}

#[test]
fn list_pages_carry_a_prefix_and_the_whole_length_never_the_value() {
    let Some(db) = open_huge() else { return };
    let (length, head) = stored(&db, "change_description", LIST_PREFIX_CHARS);
    assert!(length > 900_000, "the field file's flag 7 holds ~0.95 million characters ({length})");
    let w = widest(&db);
    for preset in [Preset::Pending, Preset::All] {
        let rows = all_rows(&w, preset);
        let row = rows.iter().find(|r| r.id == HUGE_ID).expect("flag 7 is listed (it is pending)");
        assert!(
            row.change_description.starts_with("HUGE-START") && !row.change_description.contains("HUGE-END")
        );
        assert_eq!(row.change_description, head, "the prefix is SQLite's substr of the stored value");
        assert_eq!(row.change_description_length as i64, length);
        // Every other flag is short and comes whole, with its length.
        for r in rows.iter().filter(|r| r.id != HUGE_ID) {
            assert_eq!(r.change_description.chars().count(), r.change_description_length, "flag {}", r.id);
        }
    }
    assert!(*w.widest.borrow() <= LIST_PREFIX_CHARS, "no list answer carried more than the prefix");
    // The count shares the filter and carries no text at all.
    let (sql, params) = FlagFilter::default().count_sql();
    block_on(w.query(&sql, &params)).unwrap();
}

#[test]
fn an_agents_flag_lists_carry_the_prefix_too() {
    let Some(db) = open_huge() else { return };
    let rs = block_on(
        db.query("SELECT source_agent, target_agent FROM flags WHERE id = ?", &[Value::Integer(HUGE_ID)]),
    )
    .unwrap();
    let (source, target) =
        rs.map_first(|r| Ok((r.text("source_agent")?, r.text("target_agent")?))).unwrap().unwrap();
    let w = widest(&db);
    let to = block_on(pending_for(&w, &target)).unwrap();
    let from = block_on(pending_from(&w, &source)).unwrap();
    for list in [to, from] {
        let row = list.iter().find(|r| r.id == HUGE_ID).expect("flag 7 is pending between these agents");
        assert!(row.change_description.starts_with("HUGE-START"));
        assert!(row.change_description_length > LIST_PREFIX_CHARS);
    }
    assert!(*w.widest.borrow() <= LIST_PREFIX_CHARS);
}

#[test]
fn the_detail_preview_cuts_long_cells_and_the_whole_value_comes_on_demand() {
    let Some(db) = open_huge() else { return };
    let (change_len, change_head) = stored(&db, "change_description", DETAIL_PREFIX_CHARS);
    let (context_len, context_head) = stored(&db, "context", DETAIL_PREFIX_CHARS);
    let w = widest(&db);
    let preview = block_on(flag_detail_preview(&w, HUGE_ID, DETAIL_PREFIX_CHARS)).unwrap().unwrap();
    assert!(*w.widest.borrow() <= DETAIL_PREFIX_CHARS, "the preview carried no whole long value");
    assert_eq!(preview.get("change_description"), Some(&Value::from(change_head)));
    assert_eq!(preview.cut_length("change_description"), Some(change_len as usize));
    assert_eq!(preview.get("context"), Some(&Value::from(context_head)));
    assert_eq!(preview.cut_length("context"), Some(context_len as usize));
    // Every other column comes as stored, in table order, and the chain is the same.
    let whole = block_on(flag_detail(&db, HUGE_ID)).unwrap().unwrap();
    assert!(whole.cut.is_empty());
    let names =
        |d: &flagdeck_core::flags::FlagDetail| d.columns.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>();
    assert_eq!(names(&preview), names(&whole));
    for (column, value) in &whole.columns {
        if preview.cut_length(column).is_none() {
            assert_eq!(preview.get(column), Some(value), "{column} is not cut and comes as stored");
        }
    }
    assert_eq!(preview.chain, whole.chain);
    // The whole value, byte for byte, when asked for.
    let cell = block_on(flag_cell(&db, HUGE_ID, "change_description")).unwrap().unwrap();
    assert_eq!(Some(&cell), whole.get("change_description"));
    let text = cell.as_str().unwrap();
    assert!(text.starts_with("HUGE-START") && text.ends_with("HUGE-END"));
    assert_eq!(block_on(flag_cell(&db, 999_999, "change_description")).unwrap(), None);
    // Short flags are not cut at all.
    let short = block_on(flag_detail_preview(&db, 1, DETAIL_PREFIX_CHARS)).unwrap().unwrap();
    assert!(short.cut.is_empty());
    assert_eq!(short.columns, block_on(flag_detail(&db, 1)).unwrap().unwrap().columns);
    assert!(block_on(flag_detail_preview(&db, 999_999, DETAIL_PREFIX_CHARS)).unwrap().is_none());
}

#[test]
fn a_nine_million_character_value_is_cut_the_same_way() {
    let Some(db) = open_huge() else { return };
    block_on(db.execute_batch(
        "UPDATE flags SET change_description = 'HUGE-START' || replace(hex(zeroblob(4500000)), '00', 'ab') || 'HUGE-END' WHERE id = 7",
    ))
    .unwrap();
    let (length, _) = stored(&db, "change_description", 1);
    assert_eq!(length, 10 + 9_000_000 + 8);
    let w = widest(&db);
    let row = all_rows(&w, Preset::Pending).into_iter().find(|r| r.id == HUGE_ID).unwrap();
    assert_eq!(row.change_description_length as i64, length);
    assert_eq!(row.change_description, format!("HUGE-START{}", "ab".repeat((LIST_PREFIX_CHARS - 10) / 2)));
    let preview = block_on(flag_detail_preview(&w, HUGE_ID, DETAIL_PREFIX_CHARS)).unwrap().unwrap();
    assert_eq!(preview.cut_length("change_description"), Some(length as usize));
    assert!(*w.widest.borrow() <= DETAIL_PREFIX_CHARS);
    assert_whole_in_pieces(&db, "change_description", 1_000_000);
}

/// The whole value read in pieces of `piece` characters: no answer larger than a piece, and
/// joined they are the stored value.
fn assert_whole_in_pieces(db: &NativeDb, column: &str, piece: usize) {
    let whole = block_on(flag_cell(db, HUGE_ID, column)).unwrap().unwrap();
    let w = widest(db);
    let pieces = block_on(flag_cell_pieces(&w, HUGE_ID, column, piece)).unwrap().unwrap();
    assert!(*w.widest.borrow() <= piece, "no answer carried more than a piece");
    let n = whole.as_str().unwrap().chars().count();
    assert_eq!(pieces.len(), n.div_ceil(piece), "{column}: one read per piece");
    let joined: String = pieces.iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(Value::from(joined), whole, "{column}: the pieces joined are the stored value");
}

#[test]
fn the_whole_value_is_read_in_pieces_that_join_to_the_stored_value() {
    let Some(db) = open_huge() else { return };
    assert_whole_in_pieces(&db, "change_description", 100_000);
    assert_whole_in_pieces(&db, "context", 7_000);
    assert_eq!(block_on(flag_cell_pieces(&db, 999_999, "context", 10)).unwrap(), None);
    // NULL and numbers come as one piece; an empty text as none.
    block_on(db.execute_batch("UPDATE flags SET notes = NULL, code_location = '', locked = 0 WHERE id = 7"))
        .unwrap();
    assert_eq!(block_on(flag_cell_pieces(&db, HUGE_ID, "notes", 10)).unwrap(), Some(vec![Value::Null]));
    assert_eq!(block_on(flag_cell_pieces(&db, HUGE_ID, "code_location", 10)).unwrap(), Some(vec![]));
    assert_eq!(
        block_on(flag_cell_pieces(&db, HUGE_ID, "locked", 10)).unwrap(),
        Some(vec![Value::Integer(0)])
    );
}

#[test]
fn a_blob_cell_is_cut_in_bytes_and_stays_a_blob() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    block_on(db.execute_batch(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, change_description, context, chain_origin_id INTEGER,
           source_agent TEXT, target_agent TEXT, status TEXT, created_at TEXT);
         INSERT INTO flags (id, change_description, context) VALUES (1, zeroblob(30000), NULL), (2, 12345, 'short');",
    ))
    .unwrap();
    let preview = block_on(flag_detail_preview(&db, 1, 100)).unwrap().unwrap();
    assert_eq!(preview.get("change_description"), Some(&Value::Blob(vec![0; 100])));
    assert_eq!(preview.cut_length("change_description"), Some(30_000));
    assert_eq!(preview.get("context"), Some(&Value::Null));
    let numbers = block_on(flag_detail_preview(&db, 2, 3)).unwrap().unwrap();
    assert_eq!(numbers.get("change_description"), Some(&Value::Integer(12345)), "numbers are never cut");
    assert_eq!(numbers.cut, [("context".to_owned(), 5)]);
    // A BLOB is read in byte pieces that join to its bytes.
    let pieces = block_on(flag_cell_pieces(&db, 1, "change_description", 7_000)).unwrap().unwrap();
    assert_eq!(pieces.len(), 5);
    let bytes: Vec<u8> = pieces
        .iter()
        .flat_map(|v| match v {
            Value::Blob(b) => b.clone(),
            other => panic!("a BLOB piece, not {other:?}"),
        })
        .collect();
    assert_eq!(bytes, vec![0; 30_000]);
}

#[test]
fn a_text_blob_cut_inside_a_character_still_reads_as_text_in_the_preview_and_the_list() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    block_on(db.execute_batch(
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, flag_type TEXT, impact_level TEXT, status TEXT, locked INTEGER,
           source_agent TEXT, target_agent TEXT, change_description, action_required TEXT, context,
           chain_origin_id INTEGER, created_at TEXT, completed_at TEXT);",
    ))
    .unwrap();
    // 30,000 three-byte characters stored as a BLOB: SQL's substr cuts it in bytes.
    let text = "東".repeat(30_000);
    block_on(db.query(
        "INSERT INTO flags (id, status, locked, change_description, created_at) VALUES (1, 'pending', 0, ?, '2025-08-01 10:00')",
        &[Value::Blob(text.as_bytes().to_vec())],
    ))
    .unwrap();
    let preview = block_on(flag_detail_preview(&db, 1, 1_000)).unwrap().unwrap();
    let shown = preview.get("change_description").unwrap();
    assert!(shown.is_blob(), "the start of a BLOB stays a BLOB");
    // 1,000 bytes hold 333 whole characters; the partial 334th is dropped.
    assert_eq!(shown.as_str(), Some("東".repeat(333).as_str()));
    assert_eq!(preview.cut_length("change_description"), Some(text.len()));
    let rows = all_rows(&widest(&db), Preset::All);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].change_description.starts_with('東'),
        "the list shows text, not hex: {:?}",
        &rows[0].change_description[..20]
    );
    assert!(rows[0].change_description.chars().all(|c| c == '東'));
}
