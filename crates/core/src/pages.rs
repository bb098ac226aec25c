//! Reads the rows of one table straight from the bytes of an SQLite database file, without an
//! engine: a read-only walk of the table's b-tree, as the file format defines it
//! (<https://www.sqlite.org/fileformat2.html>, sections 1.3 "The database header", 1.6 "B-tree
//! pages", 1.7 "Cell payload overflow pages" and 2.1 "Record format").
//!
//! Why: decoding a million rows through sql.js costs seconds (every value crosses into
//! JavaScript as a string); reading the pages in Rust borrows every value from the page instead.
//!
//! The scan is resumable ([`TableScan`]) because in the browser the pages arrive asynchronously,
//! in chunks read from a `Blob`: the caller asks which pages are [`TableScan::wanted`] next,
//! reads them in any order and [`TableScan::feed`]s them; rows come out of `feed` as soon as
//! they are complete. [`scan_bytes`] does the same over a file image held in memory.
//!
//! What it reads: rowid tables (interior pages of type 0x05, leaf pages of type 0x0D) and their
//! overflow chains, in UTF-8 databases. Index b-trees (`WITHOUT ROWID` tables) are refused as an
//! unexpected page type. The file is trusted for nothing: every offset, length, page number and
//! varint is checked, damage becomes a [`ScanError::Corrupt`] sentence, and no input panics.
//!
//! What the caller must know about the rows ([`Row`]):
//! * An `INTEGER PRIMARY KEY` column (the rowid alias) is stored as NULL in the record: the caller
//!   substitutes [`Row::rowid`] for that column.
//! * A record may hold fewer columns than the table has: columns added by `ALTER TABLE ADD
//!   COLUMN` after the row was written are absent ([`Row::get`] is `None`), and the caller applies
//!   the column's declared default (NULL when none).
//! * A column of REAL affinity (declared type containing "REAL", "FLOA" or "DOUB" and not
//!   "INT") may hold an integral real stored as an integer, which SQLite turns back into a REAL
//!   when it reads it (file format 2.1, "Record format"; datatype3 "Type affinity"): the caller
//!   converts with [`real_affinity`] / [`as_real`] (an integer in such a column is always such a
//!   real, since the column converts integers it is given to REAL).
//! * Rows come in no particular order (a row with overflow pages is yielded when its last
//!   overflow page is fed).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use crate::cell::Cell;
use crate::header::{HEADER_LEN, MAGIC};

/// Why a scan stopped. Each variant reads as a sentence for the UI ([`fmt::Display`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The header's text encoding (offset 56) is not UTF-8: 2 = UTF-16le, 3 = UTF-16be.
    Encoding(u8),
    /// The bytes do not follow the file format; the text says where and how.
    Corrupt(String),
    /// The rows are readable but a reader cannot give them as SQLite would (the text says
    /// why, e.g. a default it cannot compute for rows older than their column).
    Unsupported(String),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Encoding(e) => {
                let name = match e {
                    2 => "UTF-16le",
                    3 => "UTF-16be",
                    _ => "an unknown encoding",
                };
                write!(
                    f,
                    "The database stores its text as {name} (encoding {e}); only UTF-8 databases \
                     can be read page by page."
                )
            }
            ScanError::Corrupt(why) => write!(f, "The database file is damaged: {why}."),
            ScanError::Unsupported(why) => write!(f, "The rows cannot be read page by page: {why}."),
        }
    }
}

impl std::error::Error for ScanError {}

fn corrupt(why: String) -> ScanError {
    ScanError::Corrupt(why)
}

/// The page geometry of a database file, from its 100-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Page size in bytes: a power of two from 512 to 65536 (header offset 16; the stored value
    /// 1 means 65536).
    pub page_size: u32,
    /// Usable bytes per page: the page size minus the reserved bytes at the end of each page
    /// (header offset 20), at least 480 as the format requires. The b-tree never uses the
    /// reserved bytes.
    pub usable: u32,
    /// Pages in the database: the header's "in-header database size" (offset 28) when it is
    /// valid (non-zero, and the change counter at offset 24 equals the "version-valid-for" number
    /// at offset 92), else 0 = unknown. A caller that knows the file's length may set it with
    /// [`Geometry::with_file_len`]. Page numbers above it are refused as out of range; 0 checks
    /// nothing.
    pub page_count: u32,
}

impl Geometry {
    /// Reads the geometry from the start of the file (at least the 100-byte header).
    ///
    /// Errors: [`ScanError::Corrupt`] for a short or foreign header, an invalid page size or a
    /// usable size below 480; [`ScanError::Encoding`] for a UTF-16 database (text encoding 2 or
    /// 3). Encoding 0 (a database that has never held a table) is taken as UTF-8.
    pub fn read(header: &[u8]) -> Result<Geometry, ScanError> {
        if header.len() < HEADER_LEN {
            return Err(corrupt(format!(
                "the file has {} bytes, fewer than the 100-byte SQLite header",
                header.len()
            )));
        }
        if &header[..16] != MAGIC {
            return Err(corrupt("the file does not start with the SQLite header".into()));
        }
        let raw = u16::from_be_bytes([header[16], header[17]]) as u32;
        let page_size = if raw == 1 { 65536 } else { raw };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(corrupt(format!("the header gives an invalid page size ({raw})")));
        }
        let reserved = header[20] as u32;
        let usable = page_size - reserved;
        if usable < 480 {
            return Err(corrupt(format!(
                "the header reserves {reserved} bytes of each {page_size}-byte page, leaving \
                 fewer than 480"
            )));
        }
        match be32(header, 56) {
            0 | 1 => {}
            e @ (2 | 3) => return Err(ScanError::Encoding(e as u8)),
            e => return Err(corrupt(format!("the header gives an unknown text encoding ({e})"))),
        }
        let count = be32(header, 28);
        let page_count = if count != 0 && be32(header, 24) == be32(header, 92) { count } else { 0 };
        Ok(Geometry { page_size, usable, page_count })
    }

    /// The geometry with [`Geometry::page_count`] taken from the file's length in bytes when the
    /// header did not give it (SQLite does the same). A valid header count is kept.
    pub fn with_file_len(self, len: u64) -> Geometry {
        if self.page_count != 0 {
            return self;
        }
        let pages = (len / self.page_size as u64).min(u32::MAX as u64) as u32;
        Geometry { page_count: pages, ..self }
    }

    /// `Ok` when `pgno` names a page of the file (1 ..= page_count; any page from 1 when the
    /// count is unknown). The error names the page that pointed there, if any.
    pub fn check_page(&self, pgno: u32, from: Option<u32>) -> Result<(), ScanError> {
        if pgno == 0 || (self.page_count != 0 && pgno > self.page_count) {
            let whence = match from {
                Some(p) => format!("page {p} points to page {pgno}"),
                None => format!("page {pgno} is wanted"),
            };
            let range = match self.page_count {
                _ if pgno == 0 => "page numbers start at 1".to_string(),
                n => format!("pages 1 to {n}"),
            };
            return Err(corrupt(format!("{whence}, which is not in the file ({range})")));
        }
        Ok(())
    }
}

#[inline(always)]
fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

#[inline(always)]
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// An SQLite varint at `at` within `b`: 1 to 9 bytes, big-endian, 7 bits per byte with the high
/// bit meaning "more", and all 8 bits of a ninth byte. `None` when it runs past `b`.
#[inline(always)]
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    if first < 0x80 {
        return Some((first as u64, at + 1));
    }
    let mut v: u64 = 0;
    for i in 0..8 {
        let byte = *b.get(at + i)?;
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte < 0x80 {
            return Some((v, at + i + 1));
        }
    }
    let byte = *b.get(at + 8)?;
    Some(((v << 8) | byte as u64, at + 9))
}

/// Bytes of the value of a serial type in the record body; `None` for the reserved types 10, 11.
#[inline]
const fn serial_len(serial: u64) -> Option<u64> {
    Some(match serial {
        0 | 8 | 9 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return None,
        n => (n - 12) / 2,
    })
}

/// Where one column's value lies: its serial type and its offset in the payload.
#[derive(Debug, Clone, Copy)]
struct Col {
    serial: u64,
    at: u32,
}

/// One row of the table, borrowed from the page (or from the assembled payload of a row with
/// overflow pages): valid only inside the callback that receives it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The row's rowid, the key of the table b-tree. It is also the value of an `INTEGER
    /// PRIMARY KEY` column, which the record stores as NULL.
    pub rowid: i64,
    payload: &'a [u8],
    cols: &'a [Col],
}

impl<'a> Row<'a> {
    /// Columns in the record. Fewer than the table's columns when columns were added by `ALTER
    /// TABLE ADD COLUMN` after this row was written.
    pub fn len(&self) -> usize {
        self.cols.len()
    }

    /// True for a record with no column at all.
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }

    /// Column `i` (0-based, in the table's declared order) as stored: `None` past the end of the
    /// record (the caller applies the column's declared default, see the module doc); a rowid
    /// alias column reads as [`Cell::Null`] (the caller substitutes [`Row::rowid`]); an integral
    /// real in a REAL-affinity column may read as [`Cell::Int`] (the caller applies [`as_real`]).
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<Cell<'a>> {
        let c = *self.cols.get(i)?;
        let at = c.at as usize;
        let p = self.payload;
        // The record header was checked when the row was read: every value lies in `payload`.
        Some(match c.serial {
            0 => Cell::Null,
            1 => Cell::Int(p[at] as i8 as i64),
            2 => Cell::Int(i16::from_be_bytes([p[at], p[at + 1]]) as i64),
            3 => Cell::Int(sign_extend(&p[at..at + 3])),
            4 => Cell::Int(i32::from_be_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]]) as i64),
            5 => Cell::Int(sign_extend(&p[at..at + 6])),
            6 => Cell::Int(i64::from_be_bytes(eight(p, at))),
            // SQLite reads a stored NaN as NULL.
            7 => match f64::from_bits(u64::from_be_bytes(eight(p, at))) {
                f if f.is_nan() => Cell::Null,
                f => Cell::Real(f),
            },
            8 => Cell::Int(0),
            9 => Cell::Int(1),
            n => {
                let len = ((n - 12) / 2) as usize;
                let bytes = &p[at..at + len];
                if n % 2 == 0 {
                    Cell::Blob(bytes)
                } else {
                    Cell::Text(bytes)
                }
            }
        })
    }

    /// Every column of the record, in order.
    pub fn cells(&self) -> impl Iterator<Item = Cell<'a>> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

#[inline(always)]
fn eight(p: &[u8], at: usize) -> [u8; 8] {
    let mut b = [0u8; 8];
    b.copy_from_slice(&p[at..at + 8]);
    b
}

/// A big-endian two's-complement integer of 1 to 8 bytes, sign-extended to i64.
#[inline(always)]
fn sign_extend(bytes: &[u8]) -> i64 {
    let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes {
        v = (v << 8) | b as i64;
    }
    v
}

/// Bytes of the value of each one-byte serial type (0 to 127); `u8::MAX` for the reserved 10, 11.
const SERIAL_LEN: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut n = 0;
    while n < 128 {
        t[n] = match serial_len(n as u64) {
            Some(len) => len as u8,
            None => u8::MAX,
        };
        n += 1;
    }
    t
};

/// Reads the record header of `payload` into the first entries of `cols` (grown when a record
/// has more columns than any before; never shrunk, so that no row allocates) and returns how
/// many, checking that every value lies inside the payload. `rowid` only names the row in an
/// error.
#[inline(always)]
fn parse_record(payload: &[u8], cols: &mut Vec<Col>, rowid: i64) -> Result<usize, ScanError> {
    let mut n = 0;
    let (header_len, mut pos) = match payload.first() {
        Some(&b) if b < 0x80 => (b as u64, 1),
        _ => match varint(payload, 0) {
            Some(v) => v,
            None => return Err(bad_record(rowid, "a malformed header length")),
        },
    };
    if header_len > payload.len() as u64 || header_len < pos as u64 {
        return Err(bad_record(rowid, "a header length outside its payload"));
    }
    let header_len = header_len as usize;
    let head = &payload[..header_len];
    let room = payload.len() as u64;
    let mut at = header_len as u64;
    while pos < header_len {
        let b = head[pos];
        let (serial, len) = if b < 0x80 {
            pos += 1;
            let len = SERIAL_LEN[b as usize];
            if len == u8::MAX {
                return Err(bad_record(rowid, "a reserved serial type (10 or 11)"));
            }
            (b as u64, len as u64)
        } else {
            let Some((serial, next)) = varint(head, pos) else {
                return Err(bad_record(rowid, "a malformed serial type"));
            };
            pos = next;
            let Some(len) = serial_len(serial) else {
                return Err(bad_record(rowid, "a reserved serial type (10 or 11)"));
            };
            (serial, len)
        };
        if len > room - at {
            return Err(bad_record(rowid, "a value that runs past the end of its payload"));
        }
        let col = Col { serial, at: at as u32 };
        // An indexed store, not `push`: the app's size-optimised build does not inline `push`.
        match cols.get_mut(n) {
            Some(slot) => *slot = col,
            None => cols.push(col),
        }
        n += 1;
        at += len;
    }
    Ok(n)
}

#[cold]
fn bad_cell(i: usize, pgno: u32) -> ScanError {
    corrupt(format!("cell {i} of page {pgno} has a malformed varint"))
}

#[cold]
fn bad_record(rowid: i64, what: &str) -> ScanError {
    corrupt(format!("the record of row {rowid} has {what}"))
}

/// True when a column declared with type `declared` has REAL affinity, by SQLite's rules in
/// order (<https://www.sqlite.org/datatype3.html#determination_of_column_affinity>): "INT" gives
/// INTEGER; else "CHAR", "CLOB" or "TEXT" gives TEXT; else "BLOB" or no type gives BLOB; else
/// "REAL", "FLOA" or "DOUB" gives REAL. Case-insensitive.
pub fn real_affinity(declared: &str) -> bool {
    crate::table_info::Affinity::of(Some(declared)) == crate::table_info::Affinity::Real
}

/// A cell of a REAL-affinity column as SQLite reads it: an integer (how SQLite stores an
/// integral real to save space) becomes the REAL it stands for; every other cell is unchanged.
pub fn as_real(cell: Cell<'_>) -> Cell<'_> {
    match cell {
        Cell::Int(i) => Cell::Real(i as f64),
        other => other,
    }
}

/// The part of a payload of `p` bytes stored on a table leaf page with `u` usable bytes
/// (file format 1.6: X = U-35; M = ((U-12)*32/255)-23; K = M+((P-M)%(U-4)); all of it when
/// P <= X, else K when K <= X, else M).
#[inline(always)]
fn local_size(p: u64, u: u64) -> u64 {
    let x = u - 35;
    if p <= x {
        return p;
    }
    let m = ((u - 12) * 32 / 255) - 23;
    let k = m + ((p - m) % (u - 4));
    if k <= x {
        k
    } else {
        m
    }
}

/// A row whose payload spills into overflow pages, waiting for the next page of its chain.
#[derive(Debug)]
struct Partial {
    rowid: i64,
    total: usize,
    buf: Vec<u8>,
}

/// A resumable read of one table b-tree. Usage: while `!done()`, read the pages of
/// [`TableScan::wanted`] and [`TableScan::feed`] each; rows are passed to the callback of
/// `feed`. After an error the scan must be abandoned (its state is then unspecified).
///
/// Memory: the wanted page numbers (4 bytes each, every leaf once the interior levels are read),
/// every page number reached (for the loop check), and for each row whose payload spills and
/// whose overflow chain is not complete yet, the payload read so far. SQLite allocates a row's
/// overflow pages when it writes the row, so for a table written in order feeding the wanted
/// pages in ascending chunks usually completes a chain within the chunk of its leaf or the next;
/// [`scan_bytes`] follows each chain at once.
#[derive(Debug)]
pub struct TableScan {
    geometry: Geometry,
    /// B-tree pages queued and not yet fed.
    btree: BTreeSet<u32>,
    /// Overflow pages queued, each with the row it continues.
    overflow: HashMap<u32, Partial>,
    /// Every page ever queued: a page reached twice means a loop.
    seen: HashSet<u32>,
    /// Scratch for the column offsets of the row being yielded (no allocation per row).
    cols: Vec<Col>,
}

impl TableScan {
    /// A scan of the table whose root page is `root_page` (`sqlite_schema.rootpage`; 1 is the
    /// schema table itself). The root is the first page wanted, even when it is out of range:
    /// a caller checks what it reads with [`Geometry::check_page`] (as [`scan_bytes`] does).
    pub fn new(geometry: Geometry, root_page: u32) -> TableScan {
        let mut btree = BTreeSet::new();
        btree.insert(root_page);
        let mut seen = HashSet::new();
        seen.insert(root_page);
        TableScan { geometry, btree, overflow: HashMap::new(), seen, cols: Vec::new() }
    }

    /// The geometry the scan was made with.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Page numbers the scan needs next, ascending, without duplicates; empty when done.
    pub fn wanted(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.btree.iter().copied().collect();
        if !self.overflow.is_empty() {
            v.extend(self.overflow.keys().copied());
            v.sort_unstable();
        }
        v
    }

    /// True when every page has been fed and every row yielded.
    pub fn done(&self) -> bool {
        self.btree.is_empty() && self.overflow.is_empty()
    }

    /// Feeds page `pgno` (its `page_size` bytes; page 1 starts with the file header). A page
    /// that is not wanted is ignored. Rows completed by this page are passed to `row`. Interior
    /// pages queue their children, leaf cells whose payload spills queue their first overflow
    /// page, and overflow pages queue the next page of their chain.
    ///
    /// Errors ([`ScanError::Corrupt`]): a page of the wrong length, a b-tree page that is not a
    /// table page, a cell or record that does not fit its page or payload, a malformed varint, a
    /// child or overflow page out of range or reached twice, an overflow chain too short or too
    /// long for its payload.
    pub fn feed(&mut self, pgno: u32, page: &[u8], row: &mut dyn FnMut(&Row<'_>)) -> Result<(), ScanError> {
        let is_btree = self.btree.contains(&pgno);
        if !is_btree && !self.overflow.contains_key(&pgno) {
            return Ok(());
        }
        if page.len() != self.geometry.page_size as usize {
            return Err(corrupt(format!(
                "page {pgno} has {} bytes where the page size is {}",
                page.len(),
                self.geometry.page_size
            )));
        }
        if is_btree {
            self.btree.remove(&pgno);
            self.btree_page(pgno, page, row)
        } else {
            let partial = self.overflow.remove(&pgno).expect("checked above");
            self.overflow_page(pgno, page, partial, row)
        }
    }

    /// Marks `pgno` (pointed to by page `from`) as queued; refuses a page out of range or seen.
    fn claim(&mut self, pgno: u32, from: u32) -> Result<(), ScanError> {
        self.geometry.check_page(pgno, Some(from))?;
        // Page 1 is the schema's root: no other page may point to it.
        if pgno == 1 {
            return Err(corrupt(format!("page {from} points to page 1, the schema's root")));
        }
        if !self.seen.insert(pgno) {
            return Err(corrupt(format!(
                "page {from} points to page {pgno}, which was reached before (a loop)"
            )));
        }
        Ok(())
    }

    fn btree_page(&mut self, pgno: u32, page: &[u8], row: &mut dyn FnMut(&Row<'_>)) -> Result<(), ScanError> {
        let usable = self.geometry.usable as usize;
        let page = &page[..usable];
        let hdr = if pgno == 1 { HEADER_LEN } else { 0 };
        let kind = page[hdr];
        let (head_len, leaf) = match kind {
            0x05 => (12, false),
            0x0D => (8, true),
            other => {
                return Err(corrupt(format!(
                    "page {pgno} should be a table b-tree page but has type {other:#04x}"
                )))
            }
        };
        let cells = be16(page, hdr + 3);
        let ptrs = hdr + head_len;
        let ptrs_end = ptrs + 2 * cells;
        if ptrs_end > usable {
            return Err(corrupt(format!("page {pgno} claims {cells} cells, more than fit in the page")));
        }
        let cell_at = |i: usize| -> Result<usize, ScanError> {
            let off = be16(page, ptrs + 2 * i);
            if off < ptrs_end || off >= usable {
                return Err(corrupt(format!(
                    "cell {i} of page {pgno} starts at offset {off}, outside the cell area"
                )));
            }
            Ok(off)
        };
        if !leaf {
            for i in 0..cells {
                let off = cell_at(i)?;
                if off + 4 > usable {
                    return Err(corrupt(format!("cell {i} of page {pgno} runs past the page")));
                }
                let child = be32(page, off);
                self.claim(child, pgno)?;
                self.btree.insert(child);
            }
            let right = be32(page, hdr + 8);
            self.claim(right, pgno)?;
            self.btree.insert(right);
            return Ok(());
        }
        let mut cols = std::mem::take(&mut self.cols);
        let u = usable as u64;
        // Cells in pointer order: a leaf's rows come in rowid order, so the rows of a table
        // written in time order (the hooks' tool_logs) come in time order when its leaves are
        // fed in page order, and the stores' sort by time is a check (reverse pointer order
        // walks ascending addresses and scanned ~5% faster, but made that sort a real one:
        // ~250 ms on a million rows). Rows come in no promised order.
        for i in 0..cells {
            let off = cell_at(i)?;
            let Some((p, a)) = varint(page, off) else { return Err(bad_cell(i, pgno)) };
            let Some((rowid, b)) = varint(page, a) else { return Err(bad_cell(i, pgno)) };
            let rowid = rowid as i64;
            if p > i32::MAX as u64 {
                return Err(corrupt(format!("row {rowid} on page {pgno} claims a payload of {p} bytes")));
            }
            let local = local_size(p, u) as usize;
            let spills = local as u64 != p;
            let end = b + local + if spills { 4 } else { 0 };
            if end > usable {
                return Err(corrupt(format!("row {rowid} runs past the end of page {pgno}")));
            }
            if !spills {
                let payload = &page[b..b + local];
                let n = parse_record(payload, &mut cols, rowid)?;
                row(&Row { rowid, payload, cols: &cols[..n] });
            } else {
                let first = be32(page, b + local);
                self.claim(first, pgno)?;
                let total = p as usize;
                let mut buf = Vec::with_capacity(total.min(1 << 20));
                buf.extend_from_slice(&page[b..b + local]);
                self.overflow.insert(first, Partial { rowid, total, buf });
            }
        }
        self.cols = cols;
        Ok(())
    }

    fn overflow_page(
        &mut self,
        pgno: u32,
        page: &[u8],
        mut partial: Partial,
        row: &mut dyn FnMut(&Row<'_>),
    ) -> Result<(), ScanError> {
        let usable = self.geometry.usable as usize;
        let next = be32(page, 0);
        let take = (partial.total - partial.buf.len()).min(usable - 4);
        partial.buf.extend_from_slice(&page[4..4 + take]);
        let rowid = partial.rowid;
        if partial.buf.len() < partial.total {
            if next == 0 {
                return Err(corrupt(format!(
                    "the overflow chain of row {rowid} ends at page {pgno} with {} of its {} \
                     bytes",
                    partial.buf.len(),
                    partial.total
                )));
            }
            self.claim(next, pgno)?;
            self.overflow.insert(next, partial);
            return Ok(());
        }
        if next != 0 {
            return Err(corrupt(format!(
                "the overflow chain of row {rowid} goes on past its last page {pgno} (to page \
                 {next})"
            )));
        }
        let mut cols = std::mem::take(&mut self.cols);
        let n = parse_record(&partial.buf, &mut cols, rowid)?;
        row(&Row { rowid, payload: &partial.buf, cols: &cols[..n] });
        self.cols = cols;
        Ok(())
    }
}

/// The bytes of page `pgno` of an in-memory file image.
fn page_of(bytes: &[u8], g: Geometry, pgno: u32) -> Result<&[u8], ScanError> {
    g.check_page(pgno, None)?;
    let size = g.page_size as u64;
    let start = (pgno as u64 - 1) * size;
    let range = usize::try_from(start).ok().and_then(|s| Some(s..s.checked_add(size as usize)?));
    range
        .and_then(|r| bytes.get(r))
        .ok_or_else(|| corrupt(format!("page {pgno} lies past the end of the file ({} bytes)", bytes.len())))
}

/// Scans the table rooted at page `root` of a whole database image held in memory (a file read
/// into memory, or a WAL image from [`crate::wal::apply`]) and passes every row to `row`.
/// The page count comes from the header, or the image's length when the header's is not valid.
/// Errors: those of [`Geometry::read`] and [`TableScan::feed`], and a page past the image's end.
pub fn scan_bytes(bytes: &[u8], root: u32, mut row: impl FnMut(&Row<'_>)) -> Result<(), ScanError> {
    let g = Geometry::read(bytes)?.with_file_len(bytes.len() as u64);
    let mut scan = TableScan::new(g, root);
    loop {
        let want = scan.wanted();
        if want.is_empty() {
            return Ok(());
        }
        for pgno in want {
            scan.feed(pgno, page_of(bytes, g, pgno)?, &mut row)?;
            // Finish the overflow chains this page began before the next page: then only one
            // leaf's spilled rows are ever held in memory.
            while let Some(&next) = scan.overflow.keys().next() {
                scan.feed(next, page_of(bytes, g, next)?, &mut row)?;
            }
        }
    }
}
