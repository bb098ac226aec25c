//! Lists of names inside messages, bounded: an alert or a summary line names a few and says how
//! many more ("t1, t2, t3, t4, t5 … and 2,995 more"), so a file with 3,000 tables (or 3,000
//! problems, or a dropped folder of 3,000 files) never makes a message of tens of kilobytes.

/// How many names a message shows before "… and N more".
pub const SHOWN: usize = 5;

/// How many required columns a "lacks …" or "Missing: …" message shows: the required lists are
/// short constants (`flags` has the most), so in practice all of them, bounded all the same.
pub const REQUIRED_SHOWN: usize = 24;

/// The longest a single name may be in a message, in characters; a longer one is cut with `…`.
pub const NAME_CHARS: usize = 80;

/// `n` with a comma every three digits: `2994` → `2,994`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `name` cut to [`NAME_CHARS`] characters (with `…` when cut).
pub fn clip(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let mut cut: String = name.chars().take(NAME_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// The first `shown` of `items` (each [`clip`]ped) joined with `sep`, then ` … and N more` when
/// some are left out. An empty list gives an empty string. The result is at most about
/// `shown × (NAME_CHARS + sep)` plus 30 characters, whatever the list's length.
///
/// `some_of(&["a", "b", "c"], 2, ", ")` is `"a, b … and 1 more"`.
pub fn some_of<S: AsRef<str>>(items: &[S], shown: usize, sep: &str) -> String {
    let first: Vec<String> = items.iter().take(shown).map(|s| clip(s.as_ref())).collect();
    let rest = items.len().saturating_sub(shown);
    let mut text = first.join(sep);
    if rest > 0 {
        text.push_str(&format!(" … and {} more", thousands(rest)));
    }
    text
}

/// [`some_of`] with [`SHOWN`] names and `", "`: the form every message listing names uses.
pub fn names<S: AsRef<str>>(items: &[S]) -> String {
    some_of(items, SHOWN, ", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        let cases =
            [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (2994, "2,994"), (1234567, "1,234,567")];
        for (n, want) in cases {
            assert_eq!(thousands(n), want);
        }
    }

    #[test]
    fn short_lists_are_whole_and_long_ones_say_how_many_more() {
        assert_eq!(names::<&str>(&[]), "");
        assert_eq!(names(&["a"]), "a");
        assert_eq!(names(&["a", "b", "c", "d", "e"]), "a, b, c, d, e");
        let many: Vec<String> = (1..=3000).map(|i| format!("t{i}")).collect();
        let text = names(&many);
        assert_eq!(text, format!("t1, t2, t3, t4, t5 … and {} more", thousands(3000 - SHOWN)));
        assert_eq!(some_of(&["a", "b", "c"], 2, "; "), "a; b … and 1 more");
    }

    #[test]
    fn a_long_name_is_clipped() {
        let long = "x".repeat(10_000);
        let text = names(&[long.as_str(), "y"]);
        assert_eq!(text.chars().count(), NAME_CHARS + ", y".len());
        assert!(text.starts_with(&"x".repeat(NAME_CHARS - 1)));
        assert!(text.contains('…'));
    }
}
