//! Widgets and formats shared by several pages.

pub mod charts;
pub mod drawn;
pub mod html;
pub mod long_text;
pub mod table_parts;
pub mod time;

/// "1.9 MB (1,998,848 bytes)".
pub fn human_size(bytes: usize) -> String {
    let exact = group_digits(bytes as i64);
    let b = bytes as f64;
    let short = if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        return format!("{exact} bytes");
    };
    format!("{short} ({exact} bytes)")
}

/// A paged list's footer text: "Showing 1,250 of 18,305." (`shown` rows of `total`).
pub fn showing_of(shown: usize, total: usize) -> String {
    format!("Showing {} of {}.", group_digits(shown as i64), group_digits(total as i64))
}

pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}
