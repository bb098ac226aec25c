//! Query results as CSV or JSON files, built by SQLite itself where the rows are (in the browser:
//! the sql.js worker), so a whole filter is converted off the page's thread and crosses to it as
//! one string. CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return: OWASP's CSV injection list) are neutralised with a
//! leading `'`, so opening an export of hostile flag text in a spreadsheet runs nothing.
//!
//! [`ExportQuery`] names the rows (table, columns, WHERE clause, ORDER BY terms, parameters);
//! [`ExportQuery::csv_sql`] and [`ExportQuery::json_sql`] each give one statement returning one
//! row with one TEXT value (NULL when no row matches), and [`ExportQuery::file`] turns that value
//! into the file's text. Values per storage class:
//!
//! | stored  | CSV cell                                   | JSON value                  |
//! |---------|--------------------------------------------|-----------------------------|
//! | NULL    | empty                                      | `null`                      |
//! | INTEGER | its digits                                 | number                      |
//! | REAL    | SQLite's text of it (*)                    | number (*)                  |
//! | TEXT    | neutralised, quoted when needed (RFC 4180) | string, as stored           |
//! | BLOB    | `<N bytes>`                                | `"<N bytes>"`               |
//!
//! (*) The SQLite of sql.js 1.16 (3.54) writes the shortest text that reads back as the same
//! number; older versions (rusqlite's bundled 3.50 among them) keep 15 significant digits.

use super::schema::quote_ident;
use super::value::Value;

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The same list as an SQL `IN (…)` list of one-character strings.
const FORMULA_START_SQL: &str = "'=', '+', '-', '@', char(9), char(13)";

/// One CSV cell of a text known in Rust (the header row): neutralised and quoted when needed.
pub fn csv_text(text: &str) -> String {
    let text = if text.starts_with(FORMULA_START) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The rows an export writes: `SELECT <columns> FROM <table> <where_sql> ORDER BY <order_by>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportQuery {
    /// The table the rows come from.
    pub table: String,
    /// Every column, in the table's order (the file's column order).
    pub columns: Vec<String>,
    /// Empty, or ` WHERE …` with `?` placeholders for [`params`](Self::params).
    pub where_sql: String,
    /// ORDER BY terms (without the keywords), e.g. `created_at DESC, id DESC`.
    pub order_by: String,
    /// The values of the `?` placeholders of [`where_sql`](Self::where_sql), in order.
    pub params: Vec<Value>,
}

impl ExportQuery {
    /// The CSV statement: one TEXT value, the data rows joined by CRLF (no header, no final line
    /// end), or NULL for no rows. Give it to [`file`](Self::file) with `csv = true`.
    pub fn csv_sql(&self) -> String {
        let cells: Vec<String> = self.columns.iter().map(|c| csv_cell_sql(&quote_ident(c))).collect();
        format!(
            "SELECT group_concat({}, char(13, 10) ORDER BY {}) FROM {}{}",
            cells.join(" || ',' || "),
            self.order_by,
            quote_ident(&self.table),
            self.where_sql
        )
    }

    /// The JSON statement: one TEXT value, a pretty-printed array with one object per row (keys
    /// in column order), or NULL for no rows. Give it to [`file`](Self::file) with `csv = false`.
    pub fn json_sql(&self) -> String {
        let pairs: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let col = quote_ident(c);
                format!(
                    "{}, CASE WHEN typeof({col}) = 'blob' THEN '<' || length({col}) || ' bytes>' ELSE {col} END",
                    sql_string(c)
                )
            })
            .collect();
        format!(
            "SELECT json_pretty(json_group_array(json_object({}) ORDER BY {})) FROM {}{}",
            pairs.join(", "),
            self.order_by,
            quote_ident(&self.table),
            self.where_sql
        )
    }

    /// The file's text from the value the statement returned: CSV gets its header row and CRLF
    /// line ends (RFC 4180); no rows is a header alone, or `[]`.
    pub fn file(&self, csv: bool, value: &Value) -> String {
        let body = match value {
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        };
        if !csv {
            return body.unwrap_or("[]").to_owned();
        }
        let header: Vec<String> = self.columns.iter().map(|c| csv_text(c)).collect();
        let mut out = header.join(",");
        out.push_str("\r\n");
        if let Some(rows) = body {
            out.push_str(rows);
            out.push_str("\r\n");
        }
        out
    }
}

/// An SQL string literal of `text`.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The SQL expression of one CSV cell of column `col` (an already quoted identifier).
fn csv_cell_sql(col: &str) -> String {
    let neutralised =
        format!("CASE WHEN substr({col}, 1, 1) IN ({FORMULA_START_SQL}) THEN '''' || {col} ELSE {col} END");
    format!(
        "CASE typeof({col}) WHEN 'null' THEN '' WHEN 'integer' THEN CAST({col} AS TEXT) \
         WHEN 'real' THEN CAST({col} AS TEXT) WHEN 'blob' THEN '<' || length({col}) || ' bytes>' \
         ELSE CASE WHEN instr({col}, ',') OR instr({col}, '\"') OR instr({col}, char(10)) OR instr({col}, char(13)) \
         THEN '\"' || replace({n}, '\"', '\"\"') || '\"' ELSE {n} END END",
        n = neutralised
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::native::NativeDb;

    fn table(rows: &str) -> NativeDb {
        let db = NativeDb::open_bytes(&[]).unwrap();
        db.execute_batch_sync(&format!("CREATE TABLE t (id INTEGER, notes TEXT, score); {rows}")).unwrap();
        db
    }

    fn export(db: &NativeDb, csv: bool) -> String {
        let query = ExportQuery {
            table: "t".into(),
            columns: vec!["id".into(), "notes".into(), "score".into()],
            where_sql: " WHERE id <> ?".into(),
            order_by: "id DESC".into(),
            params: vec![Value::Integer(99)],
        };
        let sql = if csv { query.csv_sql() } else { query.json_sql() };
        let rs = db.query_sync(&sql, &query.params).unwrap();
        query.file(csv, rs.scalar().unwrap_or(&Value::Null))
    }

    #[test]
    fn formulas_are_neutralised_and_cells_quoted() {
        let hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"];
        let inserts: Vec<String> = hostile
            .iter()
            .enumerate()
            .map(|(i, h)| format!("INSERT INTO t VALUES ({i}, {}, NULL);", sql_string(h)))
            .collect();
        let csv = export(&table(&inserts.join("")), true);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "id,notes,score");
        assert_eq!(lines[1], "5,\"'\rcmd\",", "newest id first, as ordered; a CR is quoted");
        for line in &lines[2..lines.len() - 1] {
            let cell = line.split_once(',').unwrap().1.trim_start_matches('"');
            assert!(cell.starts_with('\''), "{line:?}");
        }
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "quoted and doubled: {csv:?}");
    }

    #[test]
    fn every_storage_class_and_the_empty_export() {
        let db = table(
            "INSERT INTO t VALUES (1, 'a, \"b\"', 2.5); INSERT INTO t VALUES (2, NULL, 3); \
             INSERT INTO t VALUES (3, 'line\nbreak', x'00ff'); INSERT INTO t VALUES (4, 'plain', -5); \
             INSERT INTO t VALUES (5, '=1+1', 0.25); INSERT INTO t VALUES (99, 'left out', 0);",
        );
        assert_eq!(
            export(&db, true),
            "id,notes,score\r\n5,'=1+1,0.25\r\n4,plain,-5\r\n3,\"line\nbreak\",<2 bytes>\r\n\
             2,,3\r\n1,\"a, \"\"b\"\"\",2.5\r\n"
        );
        let json: serde_json::Value = serde_json::from_str(&export(&db, false)).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0]["notes"], "=1+1", "JSON keeps the text as it is");
        assert_eq!(rows[0]["score"], 0.25);
        assert_eq!(rows[1]["score"], -5);
        assert_eq!(rows[2]["score"], "<2 bytes>");
        assert_eq!(rows[3]["notes"], serde_json::Value::Null);
        assert_eq!(rows[4]["notes"], "a, \"b\"");
        let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3);

        let empty = table("");
        assert_eq!(export(&empty, true), "id,notes,score\r\n");
        assert_eq!(export(&empty, false), "[]");
    }
}
