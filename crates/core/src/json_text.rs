//! JSON text re-indented for reading, with every token exactly as stored.
//!
//! Parsing into `serde_json::Value` and printing it again loses what a flag's `context` holds
//! beyond a double: a number of more than 19 digits (`123456789012345678901234567890` would
//! come back as `1.2345678901234568e29`), the spelling of a number (`1.50`, `1E3`), the escapes
//! of a string and the order of an object's keys (serde_json's map sorts them). [`pretty`]
//! validates the text with serde_json and then only changes the whitespace between tokens, so
//! the shown JSON is the stored JSON, indented.

use serde::de::IgnoredAny;

/// `raw` indented the way `serde_json::to_string_pretty` indents (two spaces, `"key": value`,
/// empty `[]` and `{}` kept on one line), every string, number and literal copied as stored,
/// keys in stored order. Errors: serde_json's message when `raw` is not valid JSON.
pub fn pretty(raw: &str) -> Result<String, serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(raw)?;
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let skip_space = |mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    let mut i = skip_space(0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                // Valid JSON: the string ends at the first quote not escaped by a backslash.
                let mut j = i + 1;
                while b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push_str(&raw[i..=j]);
                i = j + 1;
            }
            open @ (b'{' | b'[') => {
                let next = skip_space(i + 1);
                out.push(open as char);
                if matches!(b[next], b'}' | b']') {
                    out.push(b[next] as char);
                    i = next + 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                    i = next;
                }
            }
            close @ (b'}' | b']') => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(close as char);
                i += 1;
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
                i = skip_space(i + 1);
            }
            b':' => {
                out.push_str(": ");
                i = skip_space(i + 1);
            }
            _ => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                let end = b[i..]
                    .iter()
                    .position(|c| matches!(c, b',' | b':' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(b.len(), |n| i + n);
                out.push_str(&raw[i..end]);
                i = end;
            }
        }
        i = skip_space(i);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn indents_as_serde_json_does() {
        // Keys already sorted and no number beyond a double: serde_json's own output is the target.
        for raw in [
            r#"{"a":1,"b":[1,2,{"c":null,"d":true}],"e":{},"f":[],"g":"x, y: [z]"}"#,
            "[]",
            "  {  }  ",
            r#"[ [ ], { "k" : [ false ] } ]"#,
            r#""just a string""#,
            "-12.5",
            r#"{"a\"b":"q\\","b":"é ✓ 🚩"}"#,
        ] {
            let parsed: serde_json::Value = serde_json::from_str(raw).unwrap();
            assert_eq!(pretty(raw).unwrap(), serde_json::to_string_pretty(&parsed).unwrap(), "{raw}");
        }
    }

    #[test]
    fn tokens_stay_as_stored() {
        let raw = r#"{"run": 9007199254740993, "build_id": 123456789012345678901234567890, "z": 1.50, "a": "\u00e9"}"#;
        let shown = pretty(raw).unwrap();
        assert_eq!(
            shown,
            "{\n  \"run\": 9007199254740993,\n  \"build_id\": 123456789012345678901234567890,\n  \"z\": 1.50,\n  \"a\": \"\\u00e9\"\n}"
        );
        // The same JSON as stored: removing the added whitespace gives the stored text back.
        let squeeze = |s: &str| s.replace([' ', '\n'], "");
        assert_eq!(squeeze(&shown), squeeze(raw));
        // serde_json's round trip would have lost the 30 digits.
        let via_value =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(raw).unwrap()).unwrap();
        assert!(!via_value.contains("123456789012345678901234567890"), "{via_value}");
    }

    #[test]
    fn invalid_json_is_refused_with_serde_jsons_message() {
        for raw in ["", "{", r#"{"a":}"#, "[1,]", "nul", r#""open"#, "1 2"] {
            assert!(pretty(raw).is_err(), "{raw}");
        }
    }
}
