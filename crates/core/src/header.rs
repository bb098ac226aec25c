//! Checks the 100-byte SQLite header before any engine sees the bytes, so that a person gets a
//! precise reason ("truncated", "not SQLite", "damaged header") instead of an engine error.
//! Layout: <https://www.sqlite.org/fileformat.html#the_database_header>.

use std::fmt;

pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";
pub const HEADER_LEN: usize = 100;

/// Journal mode as the header records it (bytes 18 and 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMode {
    Rollback,
    Wal,
}

/// What the header says about a file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    pub page_size: u32,
    pub page_count: u32,
    pub file_bytes: usize,
    pub journal_mode: JournalMode,
    pub user_version: u32,
    /// The file change counter (offset 24): with the size, how the stored copy of an opened file
    /// is recognised as the same bytes.
    pub change_counter: u32,
}

/// Why bytes cannot be opened as a database. Each variant reads as a sentence for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    Empty,
    NotSqlite { starts_with: String },
    TooShort { bytes: usize },
    Damaged(String),
    Truncated { expected: u64, actual: usize },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Empty => write!(f, "The file is empty (0 bytes), so there is no database in it."),
            HeaderError::NotSqlite { starts_with } => write!(
                f,
                "This is not a SQLite database: a SQLite file starts with \"SQLite format 3\", this one starts with {starts_with}."
            ),
            HeaderError::TooShort { bytes } => write!(
                f,
                "The file is only {bytes} bytes long: it is cut off before the end of the 100-byte SQLite header."
            ),
            HeaderError::Damaged(why) => write!(f, "The SQLite header of this file is damaged: {why}."),
            HeaderError::Truncated { expected, actual } => write!(
                f,
                "The file is truncated: its header describes {expected} bytes but only {actual} bytes are there. \
                 It was probably cut off while copying or downloading."
            ),
        }
    }
}

impl std::error::Error for HeaderError {}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Shows the first bytes of a non-SQLite file as a quoted, printable snippet.
fn snippet(bytes: &[u8]) -> String {
    let shown: String =
        bytes.iter().take(16).map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
    format!("\"{shown}\"")
}

/// Validates the header and the file length against it.
pub fn check(bytes: &[u8]) -> Result<HeaderInfo, HeaderError> {
    check_head(&bytes[..bytes.len().min(HEADER_LEN)], bytes.len())
}

/// The same check from the first bytes of a file (at least [`HEADER_LEN`] when the file has
/// them) and its total length: the browser checks a file without copying all of it.
pub fn check_head(bytes: &[u8], len: usize) -> Result<HeaderInfo, HeaderError> {
    if len == 0 {
        return Err(HeaderError::Empty);
    }
    let prefix = &bytes[..bytes.len().min(MAGIC.len())];
    if prefix != &MAGIC[..prefix.len()] {
        return Err(HeaderError::NotSqlite { starts_with: snippet(bytes) });
    }
    if len < HEADER_LEN || bytes.len() < HEADER_LEN {
        return Err(HeaderError::TooShort { bytes: len });
    }

    let raw_page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as u32;
    let page_size = if raw_page_size == 1 { 65536 } else { raw_page_size };
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(HeaderError::Damaged(format!(
            "the page size {raw_page_size} is not a power of two between 512 and 65536"
        )));
    }
    let (write_version, read_version) = (bytes[18], bytes[19]);
    let journal_mode = match (write_version, read_version) {
        (1, 1) => JournalMode::Rollback,
        (2, 2) => JournalMode::Wal,
        _ => {
            return Err(HeaderError::Damaged(format!(
                "the file format versions are {write_version}/{read_version} where 1/1 or 2/2 is expected"
            )))
        }
    };
    if bytes[21] != 64 || bytes[22] != 32 || bytes[23] != 32 {
        return Err(HeaderError::Damaged("the payload fractions are not the fixed values 64, 32, 32".into()));
    }
    let reserved = bytes[20] as u32;
    if page_size - reserved < 480 {
        return Err(HeaderError::Damaged(format!(
            "{reserved} reserved bytes per page leave too little room"
        )));
    }
    let encoding = be_u32(bytes, 56);
    if encoding > 3 {
        return Err(HeaderError::Damaged(format!("the text encoding {encoding} is not 1, 2 or 3")));
    }

    // The in-header page count is only trusted when the change counter matches the
    // version-valid-for number (otherwise a legacy writer did not maintain it).
    let in_header_pages = be_u32(bytes, 28);
    let counter_valid = be_u32(bytes, 24) == be_u32(bytes, 92);
    if counter_valid && in_header_pages > 0 {
        let expected = in_header_pages as u64 * page_size as u64;
        if (len as u64) < expected {
            return Err(HeaderError::Truncated { expected, actual: len });
        }
    }
    if len % page_size as usize != 0 {
        let expected = (len / page_size as usize + 1) as u64 * page_size as u64;
        return Err(HeaderError::Truncated { expected, actual: len });
    }
    let page_count = if counter_valid && in_header_pages > 0 {
        in_header_pages
    } else {
        (len / page_size as usize) as u32
    };

    Ok(HeaderInfo {
        page_size,
        page_count,
        file_bytes: len,
        journal_mode,
        user_version: be_u32(bytes, 60),
        change_counter: be_u32(bytes, 24),
    })
}

/// Header bytes 18 and 19 (write and read format versions) for each journal mode.
pub const JOURNAL_BYTES_AT: usize = 18;

/// The value of header bytes 18 and 19 for a journal mode.
pub fn journal_byte(mode: JournalMode) -> u8 {
    match mode {
        JournalMode::Rollback => 1,
        JournalMode::Wal => 2,
    }
}

/// The bytes the engine should open. A WAL-mode file is handed over in rollback mode: an
/// in-memory engine (sql.js keeps the file in Emscripten's MEMFS) has no `-wal` file next to it
/// and no shared memory, and the header's WAL flag is all that differs between the two modes.
pub fn for_engine(bytes: &[u8], info: &HeaderInfo) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if info.journal_mode == JournalMode::Wal {
        out[JOURNAL_BYTES_AT] = journal_byte(JournalMode::Rollback);
        out[JOURNAL_BYTES_AT + 1] = journal_byte(JournalMode::Rollback);
    }
    out
}

/// Puts the journal mode of the opened file back into exported bytes, so that exporting a WAL
/// database gives back a WAL database (agent_db.py and SQLite open it as they did before).
pub fn restore_journal_mode(mut exported: Vec<u8>, original: JournalMode) -> Vec<u8> {
    if original == JournalMode::Wal && exported.len() >= HEADER_LEN {
        exported[JOURNAL_BYTES_AT] = journal_byte(JournalMode::Wal);
        exported[JOURNAL_BYTES_AT + 1] = journal_byte(JournalMode::Wal);
    }
    exported
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal_header(page_size: u16, pages: u32) -> Vec<u8> {
        let mut b = vec![0u8; page_size as usize * pages as usize];
        b[..16].copy_from_slice(MAGIC);
        b[16..18].copy_from_slice(&page_size.to_be_bytes());
        b[18] = 1;
        b[19] = 1;
        b[21] = 64;
        b[22] = 32;
        b[23] = 32;
        b[28..32].copy_from_slice(&pages.to_be_bytes());
        b[56..60].copy_from_slice(&1u32.to_be_bytes());
        b
    }

    #[test]
    fn accepts_a_minimal_header() {
        let info = check(&minimal_header(4096, 2)).unwrap();
        assert_eq!(info.page_size, 4096);
        assert_eq!(info.page_count, 2);
        assert_eq!(info.journal_mode, JournalMode::Rollback);
    }

    #[test]
    fn rejects_empty_and_foreign_files() {
        assert_eq!(check(&[]), Err(HeaderError::Empty));
        match check(b"PK\x03\x04 this is a zip") {
            Err(HeaderError::NotSqlite { starts_with }) => assert!(starts_with.starts_with("\"PK")),
            other => panic!("{other:?}"),
        }
        assert_eq!(check(b"SQLite format 3\0abc"), Err(HeaderError::TooShort { bytes: 19 }));
    }

    #[test]
    fn reports_damaged_fields() {
        let mut b = minimal_header(4096, 1);
        b[16..18].copy_from_slice(&1000u16.to_be_bytes());
        assert!(matches!(check(&b), Err(HeaderError::Damaged(m)) if m.contains("page size 1000")));
        let mut b = minimal_header(4096, 1);
        b[18] = 7;
        assert!(matches!(check(&b), Err(HeaderError::Damaged(m)) if m.contains("versions")));
    }

    #[test]
    fn reports_truncation() {
        let b = minimal_header(4096, 3);
        assert_eq!(check(&b[..4096 * 2]), Err(HeaderError::Truncated { expected: 4096 * 3, actual: 8192 }));
        assert!(matches!(check(&b[..5000]), Err(HeaderError::Truncated { .. })));
    }

    #[test]
    fn wal_is_opened_as_rollback_and_restored_on_export() {
        let mut b = minimal_header(4096, 1);
        b[18] = 2;
        b[19] = 2;
        let info = check(&b).unwrap();
        assert_eq!(info.journal_mode, JournalMode::Wal);
        let engine = for_engine(&b, &info);
        assert_eq!((engine[18], engine[19]), (1, 1));
        let back = restore_journal_mode(engine, info.journal_mode);
        assert_eq!(back, b);
    }
}
