//! Query results as CSV or JSON files, built by SQLite itself where the rows are (in the browser:
//! the sql.js worker), so a whole filter is converted off the page's thread and crosses to it as
//! one string. CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return: OWASP's CSV injection list) are neutralised with a
//! leading `'`, so opening an export of hostile flag text in a spreadsheet runs nothing.
//!
//! [`ExportQuery`] names the rows (table, columns, WHERE clause, ORDER BY terms, parameters);
//! [`export_text`] runs it and gives the file's text in one of the [`ExportFormat`]s. Underneath,
//! [`ExportQuery::blob_probe_sql`] lists the distinct BLOB values of the rows (usually none),
//! [`binary_blobs`] keeps those that are not text ([`crate::value::blob_text`]: valid UTF-8
//! without NUL, which SQLite itself cannot tell), [`ExportQuery::csv_sql`] and
//! [`ExportQuery::json_sql`] each give one statement returning one row with one TEXT value (NULL
//! when no row matches), and [`ExportQuery::file`] turns that value into the file's text.
//! Values per storage class:
//!
//! | stored        | CSV cell                                   | JSON value                        |
//! |---------------|--------------------------------------------|-----------------------------------|
//! | NULL          | empty                                      | `null`                            |
//! | INTEGER       | its digits                                 | number                            |
//! | REAL          | SQLite's text of it (*)                    | number (*)                        |
//! | TEXT          | neutralised, quoted when needed (RFC 4180) | string, as stored                 |
//! | BLOB, text    | its UTF-8 text, as TEXT                    | string: its UTF-8 text            |
//! | BLOB, binary  | `x'1f8b…'`: SQL's BLOB literal, every byte | `{"$blob": "1f8b…"}`, every byte  |
//!
//! Binary BLOBs are written losslessly: every byte as two lowercase hex digits, in CSV inside
//! SQL's BLOB literal `x'…'`, in JSON as an object whose only key is `$blob` (no text column of
//! the tool holds an object, so the shape cannot be mistaken for a stored value; CSV has no
//! types, so a text that itself reads `x'…'` looks the same there). A text BLOB is written as its
//! text: CSV has no types, and JSON readers expect a string.
//!
//! [`ExportFormat::CsvExcel`] is the same CSV preceded by a byte-order mark (EF BB BF), which
//! spreadsheets on Windows need to read UTF-8 (without it they assume the local code page and
//! garble accents, CJK, Arabic and emoji); [`ExportFormat::Csv`] is plain UTF-8 for every other
//! program. Both are neutralised alike.
//!
//! (*) The SQLite of sql.js 1.16 (3.54) writes the shortest text that reads back as the same
//! number; older versions (rusqlite's bundled 3.50 among them) keep 15 significant digits.

use super::port::{Database, DbError};
use super::schema::quote_ident;
use super::value::{blob_text, to_hex, ResultSet, Value};

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The same list as an SQL `IN (…)` list of one-character strings.
const FORMULA_START_SQL: &str = "'=', '+', '-', '@', char(9), char(13)";

/// The byte-order mark [`ExportFormat::CsvExcel`] starts with (U+FEFF, EF BB BF in UTF-8).
pub const BOM: char = '\u{feff}';

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV in plain UTF-8 (RFC 4180, CRLF line ends).
    Csv,
    /// The same CSV preceded by a UTF-8 byte-order mark, for spreadsheets (Excel on Windows
    /// reads a CSV as UTF-8 only with it).
    CsvExcel,
    /// A pretty-printed JSON array of objects.
    Json,
}

impl ExportFormat {
    /// What the button says: `CSV (UTF-8)`, `CSV for Excel (UTF-8 with BOM)`, `JSON`.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV (UTF-8)",
            ExportFormat::CsvExcel => "CSV for Excel (UTF-8 with BOM)",
            ExportFormat::Json => "JSON",
        }
    }

    /// The end of the file name: `.csv`, `-excel.csv`, `.json`.
    pub fn file_suffix(self) -> &'static str {
        match self {
            ExportFormat::Csv => ".csv",
            ExportFormat::CsvExcel => "-excel.csv",
            ExportFormat::Json => ".json",
        }
    }

    /// The media type of the download.
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv | ExportFormat::CsvExcel => "text/csv;charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }

    /// True for both CSV forms.
    pub fn is_csv(self) -> bool {
        self != ExportFormat::Json
    }
}

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

/// Runs the export of `query` and gives the file's text in `format` (see the module's table):
/// the BLOB probe, then the file's statement. Errors: the database's.
pub async fn export_text<D: Database>(
    db: &D,
    query: &ExportQuery,
    format: ExportFormat,
) -> Result<String, DbError> {
    let binary = binary_blobs(&db.query(&query.blob_probe_sql(), &query.params).await?);
    let sql = if format.is_csv() { query.csv_sql(&binary) } else { query.json_sql(&binary) };
    let rs = db.query(&sql, &query.params).await?;
    let file = query.file(format.is_csv(), rs.scalar().unwrap_or(&Value::Null));
    Ok(match format {
        ExportFormat::CsvExcel => format!("{BOM}{file}"),
        _ => file,
    })
}

/// The binary BLOBs of the probe's answer ([`ExportQuery::blob_probe_sql`]): the values that are
/// not text ([`blob_text`]), each once.
pub fn binary_blobs(probe: &ResultSet) -> Vec<Vec<u8>> {
    probe
        .rows
        .iter()
        .filter_map(|r| match r.first() {
            Some(Value::Blob(b)) if blob_text(b).is_none() => Some(b.clone()),
            _ => None,
        })
        .collect()
}

impl ExportQuery {
    /// The statement listing each distinct BLOB value of the exported cells (one column `v`; no
    /// row when there is none, the usual case). Same parameters as the export.
    pub fn blob_probe_sql(&self) -> String {
        let cols: Vec<String> = self.columns.iter().map(|c| quote_ident(c)).collect();
        let each: Vec<String> = cols.iter().map(|c| format!("SELECT {c} AS v FROM kept")).collect();
        format!(
            "WITH kept AS (SELECT {} FROM {}{}) SELECT DISTINCT v FROM ({}) WHERE typeof(v) = 'blob'",
            cols.join(", "),
            quote_ident(&self.table),
            self.where_sql,
            each.join(" UNION ALL ")
        )
    }

    /// The CSV statement: one TEXT value, the data rows joined by CRLF (no header, no final line
    /// end), or NULL for no rows. `binary` lists the BLOB values written as `x'…'` (the probe's
    /// [`binary_blobs`]); any other BLOB is written as its text. Give the value to
    /// [`file`](Self::file) with `csv = true`.
    pub fn csv_sql(&self, binary: &[Vec<u8>]) -> String {
        let cells: Vec<String> = self.columns.iter().map(|c| csv_cell_sql(&quote_ident(c), binary)).collect();
        format!(
            "SELECT group_concat({}, char(13, 10) ORDER BY {}) FROM {}{}",
            cells.join(" || ',' || "),
            self.order_by,
            quote_ident(&self.table),
            self.where_sql
        )
    }

    /// The JSON statement: one TEXT value, a pretty-printed array with one object per row (keys
    /// in column order), or NULL for no rows. `binary` lists the BLOB values written as
    /// `{"$blob": "<hex>"}`; any other BLOB is written as its text. Give the value to
    /// [`file`](Self::file) with `csv = false`.
    pub fn json_sql(&self, binary: &[Vec<u8>]) -> String {
        let pairs: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let col = quote_ident(c);
                let blob = match in_list(&col, binary) {
                    Some(is_binary) => format!(
                        "CASE WHEN {is_binary} THEN json_object('$blob', lower(hex({col}))) ELSE CAST({col} AS TEXT) END"
                    ),
                    None => format!("CAST({col} AS TEXT)"),
                };
                format!("{}, CASE WHEN typeof({col}) = 'blob' THEN {blob} ELSE {col} END", sql_string(c))
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

/// `col IN (x'…', …)` over the binary values, or `None` when there is none.
fn in_list(col: &str, binary: &[Vec<u8>]) -> Option<String> {
    (!binary.is_empty()).then(|| {
        let literals: Vec<String> = binary.iter().map(|b| format!("x'{}'", to_hex(b))).collect();
        format!("{col} IN ({})", literals.join(", "))
    })
}

/// The SQL expression of one CSV text cell of `v` (a TEXT expression): neutralised, quoted when
/// needed.
fn csv_text_sql(v: &str) -> String {
    let neutralised =
        format!("CASE WHEN substr({v}, 1, 1) IN ({FORMULA_START_SQL}) THEN '''' || {v} ELSE {v} END");
    format!(
        "CASE WHEN instr({v}, ',') OR instr({v}, '\"') OR instr({v}, char(10)) OR instr({v}, char(13)) \
         THEN '\"' || replace({n}, '\"', '\"\"') || '\"' ELSE {n} END",
        n = neutralised
    )
}

/// The SQL expression of one CSV cell of column `col` (an already quoted identifier); the BLOBs
/// of `binary` become `x'…'`, any other BLOB is written as its text.
fn csv_cell_sql(col: &str, binary: &[Vec<u8>]) -> String {
    let as_text = csv_text_sql(&format!("CAST({col} AS TEXT)"));
    let blob = match in_list(col, binary) {
        Some(is_binary) => {
            format!("CASE WHEN {is_binary} THEN 'x''' || lower(hex({col})) || '''' ELSE {as_text} END")
        }
        None => as_text,
    };
    format!(
        "CASE typeof({col}) WHEN 'null' THEN '' WHEN 'integer' THEN CAST({col} AS TEXT) \
         WHEN 'real' THEN CAST({col} AS TEXT) WHEN 'blob' THEN {blob} ELSE {} END",
        csv_text_sql(col)
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

    fn query() -> ExportQuery {
        ExportQuery {
            table: "t".into(),
            columns: vec!["id".into(), "notes".into(), "score".into()],
            where_sql: " WHERE id <> ?".into(),
            order_by: "id DESC".into(),
            params: vec![Value::Integer(99)],
        }
    }

    fn export_as(db: &NativeDb, format: ExportFormat) -> String {
        pollster::block_on(export_text(db, &query(), format)).unwrap()
    }

    fn export(db: &NativeDb, csv: bool) -> String {
        export_as(db, if csv { ExportFormat::Csv } else { ExportFormat::Json })
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
            "id,notes,score\r\n5,'=1+1,0.25\r\n4,plain,-5\r\n3,\"line\nbreak\",x'00ff'\r\n\
             2,,3\r\n1,\"a, \"\"b\"\"\",2.5\r\n"
        );
        let json: serde_json::Value = serde_json::from_str(&export(&db, false)).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0]["notes"], "=1+1", "JSON keeps the text as it is");
        assert_eq!(rows[0]["score"], 0.25);
        assert_eq!(rows[1]["score"], -5);
        assert_eq!(rows[2]["score"], serde_json::json!({"$blob": "00ff"}), "binary: every byte");
        assert_eq!(rows[3]["notes"], serde_json::Value::Null);
        assert_eq!(rows[4]["notes"], "a, \"b\"");
        let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3);

        let empty = table("");
        assert_eq!(export(&empty, true), "id,notes,score\r\n");
        assert_eq!(export(&empty, false), "[]");
    }

    /// A text BLOB is exported as its text (neutralised in CSV like any text), a binary one as
    /// every byte in hex (`x'…'` in CSV, `{"$blob": …}` in JSON), whatever the column.
    #[test]
    fn text_blobs_export_as_text_and_binary_ones_losslessly() {
        let text = "Café, 東京 \"مرحبا\" 🚀";
        let hostile = "=1+2";
        let binary: Vec<u8> = vec![0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x41];
        let db = table(&format!(
            "INSERT INTO t VALUES (1, x'{}', x'{}'); INSERT INTO t VALUES (2, x'{}', 'x'); \
             INSERT INTO t VALUES (3, x'{}', NULL);",
            to_hex(text.as_bytes()),
            to_hex(&binary),
            to_hex(hostile.as_bytes()),
            to_hex(b"nul\0inside"),
        ));
        let probe = db.query_sync(&query().blob_probe_sql(), &query().params).unwrap();
        assert_eq!(probe.rows.len(), 4, "each distinct BLOB once");
        assert_eq!(binary_blobs(&probe).len(), 2, "the gzip-like bytes and the text with a NUL");

        let csv = export(&db, true);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[1], format!("3,x'{}',", to_hex(b"nul\0inside")));
        assert_eq!(lines[2], "2,'=1+2,x", "a text BLOB is neutralised like text");
        assert_eq!(lines[3], format!("1,\"{}\",x'{}'", text.replace('"', "\"\""), to_hex(&binary)));

        let json: serde_json::Value = serde_json::from_str(&export(&db, false)).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows[2]["notes"], text);
        assert_eq!(rows[2]["score"], serde_json::json!({ "$blob": to_hex(&binary) }));
        assert_eq!(rows[1]["notes"], hostile, "JSON keeps the text as it is");
        assert_eq!(rows[0]["notes"], serde_json::json!({ "$blob": to_hex(b"nul\0inside") }));
    }

    /// The Excel form is the plain CSV after a byte-order mark, byte for byte; accents, CJK,
    /// Arabic and emoji are the same UTF-8 in both.
    #[test]
    fn the_excel_csv_is_the_plain_one_after_a_byte_order_mark() {
        let words = ["Café crème", "東京タワー", "مرحبا بالعالم", "🚀✨ done"];
        let inserts: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("INSERT INTO t VALUES ({i}, {}, NULL);", sql_string(w)))
            .collect();
        let db = table(&inserts.join(""));
        let plain = export_as(&db, ExportFormat::Csv);
        let excel = export_as(&db, ExportFormat::CsvExcel);
        assert_eq!(&excel.as_bytes()[..3], [0xef, 0xbb, 0xbf]);
        assert_eq!(&excel.as_bytes()[3..], plain.as_bytes());
        assert!(!plain.starts_with(BOM));
        for w in words {
            assert!(plain.contains(w), "{w}");
        }
        assert_ne!(ExportFormat::Csv.label(), ExportFormat::CsvExcel.label());
        assert!(ExportFormat::CsvExcel.label().contains("BOM"));
    }
}
