//! The wire format of the dashboard's stores ([`Stores`]): how a worker that read them from a
//! database image hands them to the page (one `ArrayBuffer`, transferred, no copy).
//!
//! Layout: `[u32 LE directory length][directory][skeleton][section 0][section 1]…`.
//! * The **skeleton** is postcard (serde's compact binary format) of the stores' structure and
//!   small values, each large array replaced by its section number.
//! * Each **section** is one large array (a million tool calls' rows, their timestamps' text…)
//!   as the raw bytes of its memory ([`fixed`], [`bytes`]), native byte order: both ends are
//!   the same build on the same machine.
//! * The **directory** (postcard) gives the skeleton's length and each section's length and
//!   alignment, so a host ([`layout`]) copies each section straight into a buffer aligned for
//!   its values ([`Section::extend_to`], which zero-fills one window before it is copied in), a
//!   window at a time with the page's turn between, and decoding ([`decode_tools`],
//!   [`decode_flags`]) takes those buffers as they are: at a million calls the page copies
//!   each byte once and decodes only the skeleton (~1 ms a section's 8 MB window, ~15 ms the
//!   skeleton's distinct values).
//!
//! Nothing of it is stored: both ends are the same build of flagdeck, so the format has no
//! version. Errors: [`WireError`] for bytes that are not a whole encoding (a truncated or
//! foreign buffer, bytes left over), never a panic.

use std::cell::RefCell;
use std::ops::Range;

use bytemuck::Pod;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dashboard::flaglog::FlagLog;
use crate::dashboard::imagescan::Stores;
use crate::dashboard::toollog::ToolLog;

/// Bytes that do not decode into [`Stores`] (truncated, or not written by [`encode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the stores could not be decoded: {}", self.0)
    }
}

impl std::error::Error for WireError {}

fn error(why: impl Into<String>) -> WireError {
    WireError(why.into())
}

/// One large array of the stores, apart from the skeleton: its bytes in a buffer aligned for
/// its values (1, 4 or 8 bytes), so decoding hands the buffer over as the store's `Vec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Bytes(Vec<u8>),
    Words(Vec<u32>),
    Longs(Vec<u64>),
}

/// Where one section lies in [`encode`]'s bytes, and the alignment of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpec {
    pub range: Range<usize>,
    pub align: usize,
}

/// Where the parts of [`encode`]'s bytes lie ([`layout`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub skeleton: Range<usize>,
    pub sections: Vec<SectionSpec>,
}

/// The directory: the skeleton's length, and each section's (length, alignment).
#[derive(Serialize, Deserialize)]
struct Directory(u64, Vec<(u64, u8)>);

impl Section {
    /// The section of `values` (for [`encode`]).
    fn of<T: Pod>(values: &[T]) -> Section {
        let bytes: &[u8] = bytemuck::cast_slice(values);
        match std::mem::align_of::<T>() {
            8 => Section::Longs(bytemuck::pod_collect_to_vec(bytes)),
            4 => Section::Words(bytemuck::pod_collect_to_vec(bytes)),
            _ => Section::Bytes(bytes.to_vec()),
        }
    }

    /// An empty section with room for `spec`'s bytes, for a host to fill
    /// ([`Section::extend_to`]). Errors: [`WireError`] for an alignment [`encode`] never
    /// writes, a length that is no whole number of values, or no memory for it.
    pub fn for_spec(spec: &SectionSpec) -> Result<Section, WireError> {
        let len = spec.range.len();
        if spec.align == 0 || len % spec.align != 0 {
            return Err(error(format!("a section of {len} bytes aligned to {}", spec.align)));
        }
        let no_memory = |_| error(format!("no memory for a section of {len} bytes"));
        Ok(match spec.align {
            1 => {
                let mut v = Vec::new();
                v.try_reserve_exact(len).map_err(no_memory)?;
                Section::Bytes(v)
            }
            4 => {
                let mut v = Vec::new();
                v.try_reserve_exact(len / 4).map_err(no_memory)?;
                Section::Words(v)
            }
            8 => {
                let mut v = Vec::new();
                v.try_reserve_exact(len / 8).map_err(no_memory)?;
                Section::Longs(v)
            }
            a => return Err(error(format!("a section aligned to {a} bytes"))),
        })
    }

    /// The bytes held.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Section::Bytes(v) => v,
            Section::Words(v) => bytemuck::cast_slice(v),
            Section::Longs(v) => bytemuck::cast_slice(v),
        }
    }

    /// Grows the section to `upto` bytes (zeros, in the room [`Section::for_spec`] made) and
    /// gives the bytes added, for the host to fill: `upto` rounds up to whole values, so a
    /// host filling windows whose ends are multiples of 8 bytes (and the last at the
    /// section's end) fills it exactly.
    pub fn extend_to(&mut self, upto: usize) -> &mut [u8] {
        fn grow<T: Pod>(v: &mut Vec<T>, upto: usize) -> &mut [u8] {
            let size = std::mem::size_of::<T>();
            let from = v.len() * size;
            v.resize(upto.div_ceil(size).max(v.len()), T::zeroed());
            &mut bytemuck::cast_slice_mut(v)[from..]
        }
        match self {
            Section::Bytes(v) => grow(v, upto),
            Section::Words(v) => grow(v, upto),
            Section::Longs(v) => grow(v, upto),
        }
    }

    /// The values of type `T` held: the buffer itself when its alignment is `T`'s, else a copy.
    /// Errors: bytes that are no whole number of `T`.
    fn into_vec<T: Pod>(self) -> Result<Vec<T>, WireError> {
        let size = std::mem::size_of::<T>().max(1);
        let len = self.as_bytes().len();
        if len % size != 0 {
            return Err(error(format!("{len} bytes are no whole number of values")));
        }
        let copy = |s: &Section| bytemuck::pod_collect_to_vec(s.as_bytes());
        Ok(match self {
            Section::Bytes(v) => {
                bytemuck::allocation::try_cast_vec(v).unwrap_or_else(|(_, v)| copy(&Section::Bytes(v)))
            }
            Section::Words(v) => {
                bytemuck::allocation::try_cast_vec(v).unwrap_or_else(|(_, v)| copy(&Section::Words(v)))
            }
            Section::Longs(v) => {
                bytemuck::allocation::try_cast_vec(v).unwrap_or_else(|(_, v)| copy(&Section::Longs(v)))
            }
        })
    }
}

thread_local! {
    /// The sections [`encode`] gathers while it writes the skeleton.
    static WRITING: RefCell<Option<Vec<Section>>> = const { RefCell::new(None) };
    /// The sections decoding takes from while it reads a skeleton.
    static READING: RefCell<Option<Vec<Option<Section>>>> = const { RefCell::new(None) };
}

/// The stores as bytes (about their heap size: 44 bytes per tool call and its timestamp's text,
/// 40 per flag, plus the distinct values).
pub fn encode(stores: &Stores) -> Vec<u8> {
    WRITING.with_borrow_mut(|w| *w = Some(Vec::new()));
    // Only a failing writer can fail, and a Vec never does.
    let skeleton = postcard::to_allocvec(stores).unwrap_or_default();
    let sections = WRITING.with_borrow_mut(Option::take).unwrap_or_default();
    let directory = Directory(
        skeleton.len() as u64,
        sections.iter().map(|s| (s.as_bytes().len() as u64, section_align(s))).collect(),
    );
    let directory = postcard::to_allocvec(&directory).unwrap_or_default();
    let total =
        4 + directory.len() + skeleton.len() + sections.iter().map(|s| s.as_bytes().len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    out.extend_from_slice(&directory);
    out.extend_from_slice(&skeleton);
    for s in &sections {
        out.extend_from_slice(s.as_bytes());
    }
    out
}

fn section_align(s: &Section) -> u8 {
    match s {
        Section::Bytes(_) => 1,
        Section::Words(_) => 4,
        Section::Longs(_) => 8,
    }
}

/// How many of [`encode`]'s first bytes [`layout`] reads, from its first 4. Errors: fewer
/// than 4 bytes.
pub fn head_len(first: &[u8]) -> Result<usize, WireError> {
    let n: [u8; 4] = first.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(|| error("no directory"))?;
    (u32::from_le_bytes(n) as usize).checked_add(4).ok_or_else(|| error("a directory longer than memory"))
}

/// Where the skeleton and sections lie in [`encode`]'s `total` bytes, from their first
/// [`head_len`] bytes (`head`). Errors: [`WireError`] for a directory that does not decode or
/// does not add up to `total` (bytes cut or left over).
pub fn layout(head: &[u8], total: usize) -> Result<Layout, WireError> {
    let len = head_len(head)?;
    let bytes = head.get(4..len).ok_or_else(|| error("the directory is cut"))?;
    let (Directory(skeleton, sections), left): (Directory, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| error(e.to_string()))?;
    if !left.is_empty() {
        return Err(error("bytes after the directory"));
    }
    let mut at = len as u64;
    let mut next = |n: u64| {
        let r = at..at.saturating_add(n);
        at = r.end;
        r
    };
    let skeleton = next(skeleton);
    let sections: Vec<(Range<u64>, u8)> = sections.into_iter().map(|(n, a)| (next(n), a)).collect();
    if at != total as u64 {
        return Err(error(format!("the directory names {at} bytes, the buffer has {total}")));
    }
    let r = |r: Range<u64>| r.start as usize..r.end as usize;
    Ok(Layout {
        skeleton: r(skeleton),
        sections: sections
            .into_iter()
            .map(|(range, a)| SectionSpec { range: r(range), align: a as usize })
            .collect(),
    })
}

/// The stores [`encode`] wrote. Errors: [`WireError`].
pub fn decode(bytes: &[u8]) -> Result<Stores, WireError> {
    let layout = layout(bytes, bytes.len())?;
    let mut sections = Vec::with_capacity(layout.sections.len());
    for spec in &layout.sections {
        let mut s = Section::for_spec(spec)?;
        s.extend_to(spec.range.len()).copy_from_slice(&bytes[spec.range.clone()]);
        sections.push(s);
    }
    let mut sections = Sections::from(sections);
    let (tools, rest) = decode_tools(&bytes[layout.skeleton], &mut sections)?;
    Ok(Stores { tools, flags: decode_flags(rest, &mut sections)?, index: None })
}

/// The sections of one encoding, for [`decode_tools`] and [`decode_flags`]; each is taken by
/// the store field it belongs to.
#[derive(Debug, Default)]
pub struct Sections(Vec<Option<Section>>);

impl From<Vec<Section>> for Sections {
    fn from(v: Vec<Section>) -> Sections {
        Sections(v.into_iter().map(Some).collect())
    }
}

/// Runs `read` with `sections` available to the [`fixed`] and [`bytes`] fields it decodes.
fn reading<T>(sections: &mut Sections, read: impl FnOnce() -> Result<T, WireError>) -> Result<T, WireError> {
    READING.with_borrow_mut(|r| *r = Some(std::mem::take(&mut sections.0)));
    let out = read();
    sections.0 = READING.with_borrow_mut(Option::take).unwrap_or_default();
    out
}

/// The tool store of the skeleton ([`Layout::skeleton`]'s bytes), and the skeleton's bytes
/// after it (for [`decode_flags`]): the two halves of [`decode`], for a host that gives the
/// page a turn between them. Errors: [`WireError`].
pub fn decode_tools<'a>(
    skeleton: &'a [u8],
    sections: &mut Sections,
) -> Result<(Option<ToolLog>, &'a [u8]), WireError> {
    reading(sections, || postcard::take_from_bytes(skeleton).map_err(|e| error(e.to_string())))
}

/// The flag store: the rest of the skeleton after [`decode_tools`], all of it. Errors:
/// [`WireError`], also for bytes or sections left over.
pub fn decode_flags(rest: &[u8], sections: &mut Sections) -> Result<Option<FlagLog>, WireError> {
    let (flags, left): (Option<FlagLog>, &[u8]) =
        reading(sections, || postcard::take_from_bytes(rest).map_err(|e| error(e.to_string())))?;
    if !left.is_empty() {
        return Err(error(format!("{} bytes after the stores", left.len())));
    }
    if sections.0.iter().any(Option::is_some) {
        return Err(error("sections no store field took"));
    }
    Ok(flags)
}

/// Writes `section` apart from the skeleton (inside [`encode`]): the skeleton holds its number.
fn write_section<S: Serializer>(section: Section, s: S) -> Result<S::Ok, S::Error> {
    let at = WRITING.with_borrow_mut(|w| {
        w.as_mut().map(|w| {
            w.push(section);
            w.len() as u32 - 1
        })
    });
    match at {
        Some(at) => s.serialize_u32(at),
        None => Err(serde::ser::Error::custom("the stores' arrays are written by wire::encode only")),
    }
}

/// The section a skeleton's number names (inside [`decode_tools`] / [`decode_flags`]), once.
fn read_section<'de, D: Deserializer<'de>>(d: D) -> Result<Section, D::Error> {
    let at = u32::deserialize(d)? as usize;
    READING
        .with_borrow_mut(|r| r.as_mut().and_then(|r| r.get_mut(at)).and_then(Option::take))
        .ok_or_else(|| serde::de::Error::custom(format!("no section {at}, or it was taken already")))
}

/// `#[serde(with = "crate::wire::fixed")]`: a `Vec` of plain-old-data values (integers, arrays
/// of them, `#[repr(C)]` rows without padding) as a section of its memory: one copy each way.
pub mod fixed {
    use super::*;

    pub fn serialize<T: Pod, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        write_section(Section::of(v), s)
    }

    pub fn deserialize<'de, T: Pod, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        read_section(d)?.into_vec().map_err(|e| serde::de::Error::custom(e.0))
    }
}

/// `#[serde(with = "crate::wire::bytes")]`: a `Vec<u8>` as a section.
pub mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        fixed::serialize(v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        fixed::deserialize(d)
    }
}

/// `#[serde(with = "crate::wire::flag_counts")]`: the flag store's counts made once (its
/// coverage and two activity passes). The coverage's own serde form leaves out an absent
/// reason (for the JSON of share links), which a format without field names cannot read back:
/// here every field is written.
pub mod flag_counts {

    use super::*;
    use crate::dashboard::coverage::{FieldCoverage, SectionCoverage};
    use crate::dashboard::outliers::Day;

    type Counts = (Option<SectionCoverage>, Option<Vec<Day>>, Option<Vec<Day>>);
    type Fields = Vec<(String, i64, i64, Option<String>)>;
    type Plain = (Option<(String, String, i64, Fields)>, Option<Vec<Day>>, Option<Vec<Day>>);

    pub fn serialize<S: Serializer>(c: &Counts, s: S) -> Result<S::Ok, S::Error> {
        let coverage = c.0.as_ref().map(|c| {
            let fields: Fields =
                c.fields.iter().map(|f| (f.field.clone(), f.rows, f.having, f.reason.clone())).collect();
            (c.section.clone(), c.table.clone(), c.rows, fields)
        });
        (coverage, &c.1, &c.2).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Counts, D::Error> {
        let (coverage, created, completed): Plain = Deserialize::deserialize(d)?;
        let coverage = coverage.map(|(section, table, rows, fields)| SectionCoverage {
            section,
            table,
            rows,
            fields: fields
                .into_iter()
                .map(|(field, rows, having, reason)| FieldCoverage { field, rows, having, reason })
                .collect(),
        });
        Ok((coverage, created, completed))
    }
}

/// `#[serde(with = "crate::wire::lists")]`: lists of `u32` by a `u32` key (the tool store's rows
/// per tool) as three byte strings (keys, lengths, every list's items one after another).
pub mod lists {
    use rustc_hash::FxHashMap;

    use super::*;

    #[derive(Serialize)]
    struct Out<'a>(
        #[serde(with = "super::fixed")] Vec<u32>,
        #[serde(with = "super::fixed")] Vec<u32>,
        #[serde(with = "super::fixed")] &'a [u32],
    );

    #[derive(Deserialize)]
    struct In(
        #[serde(with = "super::fixed")] Vec<u32>,
        #[serde(with = "super::fixed")] Vec<u32>,
        #[serde(with = "super::fixed")] Vec<u32>,
    );

    pub fn serialize<S: Serializer>(m: &FxHashMap<u32, Vec<u32>>, s: S) -> Result<S::Ok, S::Error> {
        let mut keys: Vec<u32> = m.keys().copied().collect();
        keys.sort_unstable();
        let lens = keys.iter().map(|k| m[k].len() as u32).collect();
        let items: Vec<u32> = keys.iter().flat_map(|k| m[k].iter().copied()).collect();
        Out(keys, lens, &items).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FxHashMap<u32, Vec<u32>>, D::Error> {
        let In(keys, lens, items) = Deserialize::deserialize(d)?;
        let total: u64 = lens.iter().map(|l| *l as u64).sum();
        if keys.len() != lens.len() || total != items.len() as u64 {
            return Err(serde::de::Error::custom("lists whose lengths do not add up"));
        }
        let mut at = 0;
        let mut m = FxHashMap::default();
        for (k, l) in keys.into_iter().zip(lens) {
            m.insert(k, items[at..at + l as usize].to_vec());
            at += l as usize;
        }
        Ok(m)
    }
}
