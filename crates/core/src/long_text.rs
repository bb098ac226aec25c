//! Long text cells: what lists, previews and the detail page fetch of a free-text column, so
//! that one huge cell (a change_description of millions of characters) costs what a short one
//! costs. The prefix and the full length are computed by SQLite, in the engine (the worker in
//! the browser): the whole value never crosses to the page unless a person asks for it.
//!
//! Lengths are SQLite's `length()`: characters (code points) for TEXT, bytes for a BLOB, the
//! way Python's `len()` counts a `str` / `bytes` value the tool reads.

use crate::port::{Database, DbError};
use crate::value::{NamedRow, Value};

/// Characters a list cell or a preview carries (the flag list, an agent's flags, the routing
/// page, a quest card's mission line): more than any row shows, few enough that a page of rows
/// is cheap whatever the cells hold.
pub const LIST_PREFIX_CHARS: usize = 300;

/// Characters the detail page shows of a long text before "Show all".
pub const DETAIL_PREFIX_CHARS: usize = 20_000;

/// Largest JSON text (characters) the detail page pretty-prints; a longer one is shown as
/// stored (prefix and "Show all") with a note, as parsing and laying out a pretty copy of it
/// would hold the page. The same as [`DETAIL_PREFIX_CHARS`], so a JSON text pretty-printed is
/// always one the detail read whole.
pub const PRETTY_JSON_MAX_CHARS: usize = DETAIL_PREFIX_CHARS;

/// The alias of the full length of `column` next to its prefix (`change_description_length`).
pub fn length_alias(column: &str) -> String {
    format!("{column}_length")
}

/// SQL for the first `chars` characters of `column` (bytes for a BLOB, which stays a BLOB;
/// NULL and numbers pass unchanged), aliased as the column itself, then its full length aliased
/// [`length_alias`] (NULL for NULL). `column` is a plain column name of the crate's own
/// vocabulary, never user input.
pub fn prefix_select(column: &str, chars: usize) -> String {
    format!(
        "CASE WHEN typeof({column}) IN ('text', 'blob') THEN substr({column}, 1, {chars}) ELSE {column} END AS {column}, \
         CASE WHEN typeof({column}) IN ('text', 'blob') THEN length({column}) END AS {len}",
        len = length_alias(column)
    )
}

/// A text cell as a list carries it: a prefix and the length of the whole value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextPrefix {
    /// The first characters (all of them when the value is short); empty for NULL.
    pub text: String,
    /// Characters (bytes for a BLOB) of the whole value as SQLite counts them.
    pub length: usize,
}

impl TextPrefix {
    /// Reads the columns of [`prefix_select`] by name. Errors: a column missing from the result.
    pub fn from_row(r: &NamedRow<'_>, column: &str) -> Result<TextPrefix, DbError> {
        // A BLOB's start was cut in bytes: a partial last character is dropped (see `whole_chars`).
        let text = crate::value::whole_chars(r.get(column)?.clone()).display();
        let length = r.opt_i64(&length_alias(column))?.map_or(0, |n| n.max(0) as usize);
        Ok(TextPrefix { text, length })
    }

    /// A value held whole (in memory, e.g. pretty-printed JSON), cut to `chars` characters.
    pub fn of(whole: &str, chars: usize) -> TextPrefix {
        let (text, _) = cut(whole, chars);
        TextPrefix { text: text.to_owned(), length: whole.chars().count() }
    }

    /// Whether the whole value is longer than the prefix.
    pub fn is_cut(&self) -> bool {
        self.length > self.text.chars().count()
    }
}

/// The first `chars` characters of `text` and whether anything was left out. Walks the prefix
/// only, so it costs the same for a short text and a huge one.
pub fn cut(text: &str, chars: usize) -> (&str, bool) {
    match text.char_indices().nth(chars) {
        Some((at, _)) => (&text[..at], true),
        None => (text, false),
    }
}

/// A short form for a one-line place (a list of changes, a tooltip): the first `chars`
/// characters and `…` when there is more. Cost: the prefix only.
pub fn ellipsis(text: &str, chars: usize) -> String {
    match cut(text, chars) {
        (head, true) => format!("{head}…"),
        (head, false) => head.to_owned(),
    }
}

/// Where the piece of `text` starting at byte `start` ends (see [`chunk_bounds`]): about
/// `chars` characters on, at the last line break or space of the piece's second half when there
/// is one. Walks that piece only. `start` must be a character boundary below `text.len()`.
pub fn chunk_end(text: &str, start: usize, chars: usize) -> usize {
    let chars = chars.max(1);
    let rest = &text[start..];
    match rest.char_indices().nth(chars) {
        None => text.len(),
        Some((at, _)) => {
            let window = &rest[..at];
            let floor = window.char_indices().nth(chars - chars / 2).map_or(0, |(i, _)| i);
            match window[floor..].rfind(['\n', ' ']) {
                Some(i) => start + floor + i + 1,
                None => start + at,
            }
        }
    }
}

/// Splits `text` into consecutive byte ranges of about `chars` characters each (at least one
/// character, never inside a character), ending each at the last line break or space of its
/// second half when there is one, so a long text can be put on a page one piece at a time
/// without cutting words where it can be helped. The ranges cover `text` exactly, in order;
/// none for an empty text.
pub fn chunk_bounds(text: &str, chars: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = chunk_end(text, start, chars);
        out.push(start..end);
        start = end;
    }
    out
}

/// The whole value of one cell of `flags` (Show all, Copy, Download). `column` must be a
/// column of the table (the caller's vocabulary, never user input); `None` when the flag is
/// missing. Errors: the engine's.
pub async fn flag_cell<D: Database>(db: &D, id: i64, column: &str) -> Result<Option<Value>, DbError> {
    let rs =
        db.query(&format!("SELECT {column} AS value FROM flags WHERE id = ?"), &[Value::Integer(id)]).await?;
    rs.map_first(|r| Ok(r.get("value")?.clone()))
}

/// Characters (bytes for a BLOB) of each read of [`flag_cell_pieces`]: one answer of the
/// engine, converted for the page in one task, stays this small whatever the cell holds.
pub const READ_PIECE_CHARS: usize = 1_000_000;

/// The whole value of one cell of `flags` read in consecutive pieces of at most `piece`
/// characters (bytes for a BLOB), one statement each (`substr`), so no single answer is larger
/// than a piece; joined, they are the value. NULL and numbers come as one piece, an empty text
/// as none. `None` when the flag is missing. `column` must be a column of the table (the
/// caller's vocabulary, never user input). Errors: the engine's.
pub async fn flag_cell_pieces<D: Database>(
    db: &D,
    id: i64,
    column: &str,
    piece: usize,
) -> Result<Option<Vec<Value>>, DbError> {
    let rs = db
        .query(
            &format!("SELECT typeof({column}) AS kind, length({column}) AS n FROM flags WHERE id = ?"),
            &[Value::Integer(id)],
        )
        .await?;
    let Some((kind, n)) = rs.map_first(|r| Ok((r.text("kind")?, r.i64("n")?)))? else { return Ok(None) };
    if kind != "text" && kind != "blob" {
        return Ok(flag_cell(db, id, column).await?.map(|v| vec![v]));
    }
    let piece = piece.max(1);
    let mut out = Vec::new();
    let mut start = 1usize;
    while (start as i64) <= n {
        let rs = db
            .query(
                &format!("SELECT substr({column}, ?, {piece}) AS value FROM flags WHERE id = ?"),
                &[Value::Integer(start as i64), Value::Integer(id)],
            )
            .await?;
        match rs.map_first(|r| Ok(r.get("value")?.clone()))? {
            Some(v) => out.push(v),
            None => return Ok(None),
        }
        start += piece;
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_walks_characters_not_bytes() {
        assert_eq!(cut("ñandú 🦀 x", 7), ("ñandú 🦀", true));
        assert_eq!(cut("abc", 3), ("abc", false));
        assert_eq!(cut("", 0), ("", false));
        assert_eq!(ellipsis("日本語テキスト", 3), "日本語…");
        assert_eq!(ellipsis("short", 60), "short");
    }

    #[test]
    fn chunks_cover_the_text_and_break_after_a_space_when_they_can() {
        let text = "aaaa bbbb cccc dddd 日本語日本語日本語 🦀🦀🦀";
        for n in 1..12 {
            let chunks = chunk_bounds(text, n);
            let joined: String = chunks.iter().map(|r| &text[r.clone()]).collect();
            assert_eq!(joined, text, "chunks of {n} cover the text in order");
            assert!(chunks.iter().all(|r| !r.is_empty() && text[r.clone()].chars().count() <= n));
        }
        let chunks = chunk_bounds(text, 8);
        assert_eq!(&text[chunks[0].clone()], "aaaa ", "a space in the second half ends the chunk");
        assert_eq!(&text[chunks[1].clone()], "bbbb ");
        assert!(chunk_bounds("", 5).is_empty());
        assert_eq!(chunk_bounds("日本語日本語", 4), [0..12, 12..18], "no space: cut at the size");
    }

    #[test]
    fn a_prefix_held_in_memory_knows_it_is_cut() {
        let p = TextPrefix::of("αβγδε", 2);
        assert_eq!((p.text.as_str(), p.length, p.is_cut()), ("αβ", 5, true));
        assert!(!TextPrefix::of("αβ", 2).is_cut());
    }
}
