//! The wire format of the dashboard's stores ([`Stores`]): how a worker that read them from a
//! database image hands them to the page (one `ArrayBuffer`, transferred, no copy). postcard
//! (serde's compact binary format) for the structure, and the large arrays as raw
//! little-endian bytes ([`fixed`], [`bytes`]): a million tool calls cost one copy each way,
//! not a million varints.
//!
//! Nothing of it is stored: both ends are the same build of flagdeck, so the format has no
//! version. Errors: [`WireError`] for bytes that are not a whole encoding (a truncated or
//! foreign buffer), never a panic.

use serde::{Deserialize, Deserializer, Serializer};

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

/// The stores as bytes (about their heap size: 44 bytes per tool call and its timestamp's text,
/// 40 per flag, plus the distinct values).
pub fn encode(stores: &Stores) -> Vec<u8> {
    // Only a failing writer can fail, and a Vec never does.
    postcard::to_allocvec(stores).unwrap_or_default()
}

/// The stores [`encode`] wrote. Errors: [`WireError`].
pub fn decode(bytes: &[u8]) -> Result<Stores, WireError> {
    let (tools, rest) = decode_tools(bytes)?;
    Ok(Stores { tools, flags: decode_flags(rest)? })
}

/// The tool store of [`encode`]'s bytes, and the bytes after it (for [`decode_flags`]): the two
/// halves of [`decode`], for a host that gives the page a turn between them. Errors:
/// [`WireError`].
pub fn decode_tools(bytes: &[u8]) -> Result<(Option<ToolLog>, &[u8]), WireError> {
    postcard::take_from_bytes(bytes).map_err(|e| WireError(e.to_string()))
}

/// The flag store: the rest of [`encode`]'s bytes after [`decode_tools`], all of them.
/// Errors: [`WireError`], also for bytes left over.
pub fn decode_flags(rest: &[u8]) -> Result<Option<FlagLog>, WireError> {
    let (flags, left): (Option<FlagLog>, &[u8]) =
        postcard::take_from_bytes(rest).map_err(|e| WireError(e.to_string()))?;
    if !left.is_empty() {
        return Err(WireError(format!("{} bytes after the stores", left.len())));
    }
    Ok(flags)
}

/// `#[serde(with = "crate::wire::fixed")]`: a `Vec` of plain-old-data values (integers, arrays
/// of them, `#[repr(C)]` rows without padding) as one byte string of their memory: one copy each
/// way. Native byte order: both ends of the wire are the same build on the same machine.
pub mod fixed {
    use bytemuck::Pod;

    use super::*;

    pub fn serialize<T: Pod, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytemuck::cast_slice(v))
    }

    pub fn deserialize<'de, T: Pod, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        let b: &'de [u8] = Deserialize::deserialize(d)?;
        if b.len() % std::mem::size_of::<T>() != 0 {
            return Err(serde::de::Error::custom(format!("{} bytes are no whole number of values", b.len())));
        }
        // Copied into a Vec of `T` (the input need not be aligned for it).
        Ok(bytemuck::pod_collect_to_vec(b))
    }
}

/// `#[serde(with = "crate::wire::bytes")]`: a `Vec<u8>` as one byte string (not a sequence).
pub mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let b: &'de [u8] = Deserialize::deserialize(d)?;
        Ok(b.to_vec())
    }
}

/// `#[serde(with = "crate::wire::flag_counts")]`: the flag store's counts made once (its
/// coverage and two activity passes). The coverage's own serde form leaves out an absent
/// reason (for the JSON of share links), which a format without field names cannot read back:
/// here every field is written.
pub mod flag_counts {
    use serde::Serialize;

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
    use serde::Serialize;

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
