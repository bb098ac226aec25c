//! Writing SQL literals and multi-row INSERT batches into one script string, plus the bit of
//! JSON text the demo rows carry.

use std::fmt::Write as _;

/// Appends a SQL text literal: single quotes doubled, NUL characters dropped (SQLite would end
/// the string there).
pub fn push_text(out: &mut String, s: &str) {
    out.push('\'');
    if s.contains(['\'', '\0']) {
        for c in s.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\0' => {}
                c => out.push(c),
            }
        }
    } else {
        out.push_str(s);
    }
    out.push('\'');
}

/// Appends a JSON string literal (with its quotes).
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a JSON string literal as Python's `json.dumps` writes it by default
/// (`ensure_ascii=True`): every character outside ASCII as a `\uXXXX` escape (a UTF-16
/// surrogate pair above U+FFFF), `\b` and `\f` by name, other control characters as `\u00XX`.
/// The quest scripts store `broadcast`, `context` and `result` this way.
pub fn push_py_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON array of strings, formatted the way Python's `json.dumps` does (`", "` separators).
pub fn json_array<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_json_str(&mut out, item.as_ref());
    }
    out.push(']');
    out
}

/// Builds a JSON object in insertion order with Python-style separators.
#[derive(Default)]
pub struct JsonObject {
    out: String,
}

impl JsonObject {
    pub fn new() -> Self {
        JsonObject { out: String::from("{") }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push_str(", ");
        }
        push_json_str(&mut self.out, key);
        self.out.push_str(": ");
    }

    pub fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_str(&mut self.out, value);
        self
    }

    /// A value that is already JSON text (number, array, object, `null`, `true`).
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    pub fn int(mut self, key: &str, value: i64) -> Self {
        self.key(key);
        let _ = write!(self.out, "{value}");
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// One row being written: values are separated automatically.
pub struct Row<'a> {
    out: &'a mut String,
    first: bool,
}

impl Row<'_> {
    fn sep(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.out.push_str(", ");
        }
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        push_text(self.out, s);
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// A REAL written with Rust's shortest round-trip text (always with a decimal point, so
    /// SQLite stores a REAL; the same text on every platform).
    pub fn real(&mut self, v: f64) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{v:?}");
        self
    }

    /// A REAL written with one decimal from a value in tenths (exact text, no float printing).
    pub fn tenths(&mut self, tenths: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{}.{}", tenths / 10, tenths % 10);
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.out.push_str("NULL");
        self
    }

    /// Appends `YYYY-MM-DD HH:MM` as a text literal.
    pub fn minute(&mut self, minutes: i64) -> &mut Self {
        self.sep();
        self.out.push('\'');
        super::time::push_minute(self.out, minutes);
        self.out.push('\'');
        self
    }

    /// Appends `YYYY-MM-DD HH:MM:SS` as a text literal.
    pub fn second(&mut self, seconds: i64) -> &mut Self {
        self.sep();
        self.out.push('\'');
        super::time::push_second(self.out, seconds);
        self.out.push('\'');
        self
    }
}

/// Multi-row `INSERT INTO t (cols) VALUES (...), (...);` statements of at most `per_statement`
/// rows each. Writes nothing when no row is added.
pub struct Inserts<'a> {
    out: &'a mut String,
    head: String,
    per_statement: usize,
    in_statement: usize,
    rows: usize,
}

impl<'a> Inserts<'a> {
    pub fn new(out: &'a mut String, table: &str, columns: &[&str], per_statement: usize) -> Self {
        let head = format!("INSERT INTO {table} ({}) VALUES\n", columns.join(", "));
        Inserts { out, head, per_statement: per_statement.max(1), in_statement: 0, rows: 0 }
    }

    pub fn row(&mut self, fill: impl FnOnce(&mut Row<'_>)) {
        if self.in_statement == 0 {
            self.out.push_str(&self.head);
        } else {
            self.out.push_str(",\n");
        }
        self.out.push('(');
        let mut row = Row { out: self.out, first: true };
        fill(&mut row);
        self.out.push(')');
        self.in_statement += 1;
        self.rows += 1;
        if self.in_statement == self.per_statement {
            self.out.push_str(";\n");
            self.in_statement = 0;
        }
    }

    /// Closes the last statement; returns how many rows were written.
    pub fn finish(self) -> usize {
        if self.in_statement > 0 {
            self.out.push_str(";\n");
        }
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted() {
        let mut s = String::new();
        push_text(&mut s, "it's a\0 test");
        assert_eq!(s, "'it''s a test'");
        assert_eq!(json_array(&["a\"b", "c\\d\n"]), r#"["a\"b", "c\\d\n"]"#);
        let o = JsonObject::new().str("k", "v").int("n", 3).raw("x", "null").finish();
        assert_eq!(o, r#"{"k": "v", "n": 3, "x": null}"#);
        let mut p = String::new();
        push_py_json_str(&mut p, "Añadir \"x\"\\ 🚀\n\u{7f}\u{1}");
        assert_eq!(p, r#""A\u00f1adir \"x\"\\ \ud83d\ude80\n\u007f\u0001""#);
    }

    #[test]
    fn batches_split_and_close() {
        let mut s = String::new();
        let mut ins = Inserts::new(&mut s, "t", &["a", "b"], 2);
        for i in 0..3 {
            ins.row(|r| {
                r.int(i).text("x");
            });
        }
        assert_eq!(ins.finish(), 3);
        assert_eq!(
            s,
            "INSERT INTO t (a, b) VALUES\n(0, 'x'),\n(1, 'x');\nINSERT INTO t (a, b) VALUES\n(2, 'x');\n"
        );
        let mut e = String::new();
        assert_eq!(Inserts::new(&mut e, "t", &["a"], 10).finish(), 0);
        assert!(e.is_empty());
    }
}
