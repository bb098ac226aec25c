//! The dashboard's in-memory stores ([`ToolLog`], [`FlagLog`]) read straight from the pages of
//! a database image (issue 14 item 5): the schema table on page 1 gives each table's root page,
//! then both table b-trees are walked together with [`TableScan`], in one pass over the file;
//! no SQL runs over their rows.
//!
//! Why the image: a page walk is one pass at memory speed, where each SQL statement over a
//! million rows is a scan and a sort (the README's dashboard section has the figures).
//! flagdeck never writes `tool_logs`, so its rows in the bytes as opened (the file with its
//! `-wal` applied) are the engine's for the whole session; `flags` in the image are the
//! engine's only until the first edit (the shell reads them through the engine after that).
//! Root pages come from the image's own schema, never from the engine (whose pages an
//! auto-vacuum may have moved after an edit): the image is one consistent snapshot.
//!
//! Driving it: [`ImageScan::new`] with the image's first 100 bytes and the shapes of the tables
//! wanted ([`crate::table_info::table_info`]); then, until [`ImageScan::wanted`] is empty, hand it the pages it
//! asks for ([`ImageScan::feed`], any order; pages it did not ask for are ignored);
//! [`ImageScan::finish`] gives the stores. [`scan_image`] does that synchronously over bytes in
//! memory.

use super::flaglog::{FlagLog, FlagLogBuilder};
use super::toollog::{ToolLog, ToolLogBuilder};
use crate::cell::Cell;
use crate::flag_index::{FlagIndex, FlagIndexBuilder};
use crate::pages::{as_real, real_affinity, Geometry, Row, ScanError, TableScan};
use crate::table_info::TableInfo;

/// Which columns have REAL affinity: an integral real is stored as an integer, read back as the
/// REAL it stands for ([`as_real`]).
fn reals(info: &TableInfo) -> Vec<bool> {
    info.types.iter().map(|t| real_affinity(t)).collect()
}

/// Where a table's rows go.
enum Sink {
    Tools(ToolLogBuilder),
    Flags(FlagLogBuilder),
    /// The flag list's derived layer instead of the dashboard's flag store.
    Index(Box<FlagIndexBuilder>),
}

impl Sink {
    fn push(&mut self, row: &Row<'_>, real: &[bool]) {
        let get = |i: usize| row.get(i).map(|c| if real.get(i) == Some(&true) { as_real(c) } else { c });
        match self {
            Sink::Tools(b) => b.push(row.rowid, get),
            Sink::Flags(b) => b.push(row.rowid, get),
            Sink::Index(b) => b.push(row.rowid, get),
        }
    }
}

struct Part {
    name: &'static str,
    /// The fewest columns a record of the table held (rows older than an added column).
    shortest: usize,
    /// Columns whose default a row lacking them cannot be given ([`TableInfo::unreadable_defaults`]).
    unreadable: Vec<bool>,
    columns: Vec<String>,
    root: Option<u32>,
    scan: Option<TableScan>,
    sink: Sink,
    real: Vec<bool>,
}

impl Part {
    fn new(name: &'static str, info: &TableInfo, sink: Sink) -> Part {
        Part {
            name,
            shortest: usize::MAX,
            unreadable: info.unreadable_defaults.clone(),
            columns: info.columns.clone(),
            root: None,
            scan: None,
            sink,
            real: reals(info),
        }
    }

    /// Refuses the table when a row lacked a column whose default cannot be computed here.
    fn check_defaults(&self) -> Result<(), ScanError> {
        let missing = self.unreadable.iter().enumerate().skip(self.shortest).find(|(_, u)| **u);
        match missing {
            Some((i, _)) => Err(ScanError::Unsupported(format!(
                "rows of {} predate its column {}, whose default is an expression",
                self.name, self.columns[i]
            ))),
            None => Ok(()),
        }
    }
}

/// What [`ImageScan::finish`] gives: a store per table asked for.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Stores {
    pub tools: Option<ToolLog>,
    pub flags: Option<FlagLog>,
    /// The flag list's layer, for a scan made by [`ImageScan::for_flag_index`] (never sent).
    #[serde(skip)]
    pub index: Option<FlagIndex>,
}

/// A resumable read of `tool_logs` and/or `flags` from an image's pages (see the module doc).
pub struct ImageScan {
    geometry: Geometry,
    schema: Option<TableScan>,
    parts: Vec<Part>,
}

impl ImageScan {
    /// A scan of the image of `file_len` bytes whose first 100 bytes are `header`, for the
    /// tables given a shape.
    /// Errors: [`ScanError`] when the header is not one this scan reads (UTF-16 text).
    pub fn new(
        header: &[u8],
        file_len: u64,
        tools: Option<&TableInfo>,
        flags: Option<&TableInfo>,
    ) -> Result<ImageScan, ScanError> {
        let geometry = Geometry::read(header)?.with_file_len(file_len);
        let mut parts = Vec::new();
        if let Some(s) = tools {
            let sink =
                Sink::Tools(ToolLogBuilder::new(&s.columns, &s.defaults, s.rowid_alias).types(&s.types));
            parts.push(Part::new("tool_logs", s, sink));
        }
        if let Some(s) = flags {
            let sink =
                Sink::Flags(FlagLogBuilder::new(&s.columns, &s.defaults, s.rowid_alias).types(&s.types));
            parts.push(Part::new("flags", s, sink));
        }
        Ok(ImageScan { schema: Some(TableScan::new(geometry, 1)), geometry, parts })
    }

    /// A scan of the image that builds the flag list's derived layer ([`FlagIndex`]) from the
    /// records of `flags`, of shape `info`; [`ImageScan::finish`] gives it in [`Stores::index`].
    /// Errors: as [`ImageScan::new`].
    pub fn for_flag_index(header: &[u8], file_len: u64, info: &TableInfo) -> Result<ImageScan, ScanError> {
        let geometry = Geometry::read(header)?.with_file_len(file_len);
        let part = Part::new("flags", info, Sink::Index(Box::new(FlagIndexBuilder::new(info))));
        Ok(ImageScan { schema: Some(TableScan::new(geometry, 1)), geometry, parts: vec![part] })
    }

    /// Bytes per page: what [`ImageScan::feed`] takes.
    pub fn page_size(&self) -> usize {
        self.geometry.page_size as usize
    }

    /// The page numbers needed next, ascending; empty when the scan is complete.
    pub fn wanted(&self) -> Vec<u32> {
        if let Some(schema) = &self.schema {
            return schema.wanted();
        }
        let mut all: Vec<u32> =
            self.parts.iter().filter_map(|p| p.scan.as_ref()).flat_map(TableScan::wanted).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Hands over page `pgno` (`page_size` bytes).
    /// Errors: [`ScanError`] for a damaged page, or when the schema lacks a table asked for.
    pub fn feed(&mut self, pgno: u32, page: &[u8]) -> Result<(), ScanError> {
        self.geometry.check_page(pgno, None)?;
        if let Some(schema) = &mut self.schema {
            let parts = &mut self.parts;
            schema.feed(pgno, page, &mut |row| {
                let text = |i| match row.get(i) {
                    Some(Cell::Text(t)) => Some(t),
                    _ => None,
                };
                if text(0) != Some(b"table".as_slice()) {
                    return;
                }
                for part in parts.iter_mut() {
                    if text(1).is_some_and(|n| n.eq_ignore_ascii_case(part.name.as_bytes())) {
                        if let Some(Cell::Int(r)) = row.get(3) {
                            part.root = u32::try_from(r).ok().filter(|r| *r > 1);
                        }
                    }
                }
            })?;
            if schema.done() {
                self.schema = None;
                for part in &mut self.parts {
                    let root = part.root.ok_or_else(|| {
                        ScanError::Corrupt(format!("the file's schema gives no root page for {}", part.name))
                    })?;
                    part.scan = Some(TableScan::new(self.geometry, root));
                }
            }
            return Ok(());
        }
        for part in &mut self.parts {
            if let Some(scan) = &mut part.scan {
                let (sink, real, shortest) = (&mut part.sink, &part.real, &mut part.shortest);
                scan.feed(pgno, page, &mut |row| {
                    *shortest = (*shortest).min(row.len());
                    sink.push(row, real)
                })?;
            }
        }
        Ok(())
    }

    /// The stores, once every wanted page was fed.
    /// Errors: [`ScanError::Corrupt`] when pages are still missing; [`ScanError::Unsupported`]
    /// when rows lack a column whose default is an expression.
    pub fn finish(self) -> Result<Stores, ScanError> {
        if self.schema.is_some() || self.parts.iter().any(|p| !p.scan.as_ref().is_some_and(TableScan::done)) {
            return Err(ScanError::Corrupt("the read stopped before the last page".into()));
        }
        for part in &self.parts {
            part.check_defaults()?;
        }
        let mut stores = Stores::default();
        for part in self.parts {
            match part.sink {
                Sink::Tools(b) => stores.tools = Some(b.finish()),
                Sink::Flags(b) => stores.flags = Some(b.finish()),
                Sink::Index(b) => stores.index = Some(b.finish()),
            }
        }
        Ok(stores)
    }
}

/// Reads the stores from a whole image in memory (native tests and small files).
/// Errors: as [`ImageScan::feed`]; a page past the end of `image` reads as zeros.
pub fn scan_image(
    image: &[u8],
    tools: Option<&TableInfo>,
    flags: Option<&TableInfo>,
) -> Result<Stores, ScanError> {
    let scan = ImageScan::new(image.get(..100).unwrap_or(image), image.len() as u64, tools, flags)?;
    drive(scan, image)
}

/// The flag list's layer read from a whole image in memory, for a `flags` table of shape
/// `info` (native tests; the list worker reads its image in windows).
/// Errors: as [`scan_image`].
pub fn scan_flag_index(image: &[u8], info: &TableInfo) -> Result<FlagIndex, ScanError> {
    let scan = ImageScan::for_flag_index(image.get(..100).unwrap_or(image), image.len() as u64, info)?;
    drive(scan, image)?.index.ok_or_else(|| ScanError::Corrupt("no flags table was read".into()))
}

/// Feeds every page `scan` asks for from `image`, then finishes it.
fn drive(mut scan: ImageScan, image: &[u8]) -> Result<Stores, ScanError> {
    let size = scan.page_size();
    let zeros = vec![0u8; size];
    loop {
        let wanted = scan.wanted();
        if wanted.is_empty() {
            break;
        }
        for pgno in wanted {
            let at = (pgno as usize - 1) * size;
            scan.feed(pgno, image.get(at..at + size).unwrap_or(&zeros))?;
        }
    }
    scan.finish()
}
