//! Query results as CSV or JSON files. CSV cells that a spreadsheet would run as a formula
//! (text starting with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's CSV injection
//! list) are neutralised with a leading `'`, so opening an export of hostile flag text in a
//! spreadsheet runs nothing.

use super::value::{ResultSet, Value};

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV cell: text neutralised and quoted when needed; numbers as numbers; NULL empty.
pub fn csv_cell(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::Integer(i) => return i.to_string(),
        Value::Real(f) => return f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => format!("<{} bytes>", b.len()),
    };
    let text = if text.starts_with(FORMULA_START) { format!("'{text}") } else { text };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// RFC 4180 CSV with a header row and CRLF line ends.
pub fn to_csv(rs: &ResultSet) -> String {
    let mut out = String::new();
    let header: Vec<String> = rs.columns.iter().map(|c| csv_cell(&Value::from(c.as_str()))).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &rs.rows {
        let cells: Vec<String> = row.iter().map(csv_cell).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::json!(i),
        Value::Real(f) => serde_json::json!(f),
        Value::Text(s) => serde_json::json!(s),
        Value::Blob(b) => serde_json::json!(format!("<{} bytes>", b.len())),
    }
}

/// A JSON array with one object per row, columns as keys, values with their own types.
pub fn to_json(rs: &ResultSet) -> String {
    let rows: Vec<serde_json::Value> = rs
        .rows
        .iter()
        .map(|r| {
            serde_json::Value::Object(rs.columns.iter().cloned().zip(r.iter().map(json_value)).collect())
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_cells_quoted() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"] {
            let cell = csv_cell(&Value::from(hostile));
            let unquoted = cell.trim_start_matches('"');
            assert!(unquoted.starts_with('\''), "{hostile:?} -> {cell:?}");
        }
        assert_eq!(csv_cell(&Value::from("a, \"b\"")), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_cell(&Value::from("line\nbreak")), "\"line\nbreak\"");
        assert_eq!(csv_cell(&Value::from("plain")), "plain");
        assert_eq!(csv_cell(&Value::Integer(-5)), "-5", "numbers stay numbers");
        assert_eq!(csv_cell(&Value::Null), "");
    }

    #[test]
    fn csv_and_json_keep_every_row_and_type() {
        let rs = ResultSet {
            columns: vec!["id".into(), "notes".into(), "score".into()],
            rows: vec![
                vec![Value::Integer(1), Value::from("=1+1"), Value::Real(2.5)],
                vec![Value::Integer(2), Value::Null, Value::Integer(3)],
            ],
        };
        assert_eq!(to_csv(&rs), "id,notes,score\r\n1,'=1+1,2.5\r\n2,,3\r\n");
        let json: serde_json::Value = serde_json::from_str(&to_json(&rs)).unwrap();
        assert_eq!(json[0]["notes"], "=1+1", "JSON keeps the text as it is");
        assert_eq!(json[1]["notes"], serde_json::Value::Null);
        assert_eq!(json[0]["score"], 2.5);
    }
}
