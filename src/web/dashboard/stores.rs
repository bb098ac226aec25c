//! The dashboard's in-memory stores of the open file's big tables (issue 14 item 5), and the
//! one place the shell reads pages of a database image for them ([`ImageScan`]).
//!
//! * `tool_logs` ([`ToolLog`]): read from the bytes as opened; flagdeck never writes that
//!   table, so the store stays exact through every edit. Keyed by [`FileIdentity::as_opened`]:
//!   a newer file (follow mode, another copy) or another file replaces it.
//! * `flags` ([`FlagLog`]): from the same read while the engine's rows are the bytes as
//!   opened; once the file was changed (an edit, changes replayed at open), read through the
//!   engine ([`FlagLog::read`]) and keyed by the data version, so the next edit reads it again.
//!
//! How they are read, first choice first:
//! 1. **At open, in the stores worker** ([`OpenDb::stores_read`], started by the loader for a
//!    file a person opened): a module worker running this same wasm reads both stores from a
//!    copy of the bytes ([`flagdeck_read_stores`]) on another core while the engine loads and
//!    checks the file and the summary is drawn, and hands them over as one transferred buffer
//!    ([`wire`]). The first computation waits for what is left of that read, then copies the
//!    buffer's sections ([`wire`]: each large array) straight into the stores' buffers in
//!    [`WINDOW_BYTES`] steps and decodes each store's skeleton in its own task.
//! 2. **Here, from [`OpenDb::image`]** (a followed file's newer read, or the worker failed): the
//!    pages [`ImageScan::wanted`] read in windows of at most [`WINDOW_BYTES`] (gaps of at most
//!    [`MAX_GAP_PAGES`] unwanted pages read through), [`READS_IN_FLIGHT`] `Blob.arrayBuffer()`
//!    calls at a time, decoded [`FEED_BYTES`] at a time with a yield between (the indexing at
//!    the end, `ImageScan::finish`, is one task).
//! 3. **No store**: without an image (a URL's bytes when the worker did not read them) or when
//!    the scan fails (a UTF-16 file, a damaged page, a default it cannot compute) the
//!    dashboard runs its SQL, as it always could; the console says why.
//!
//! Where they are kept: [`STORES`], the UI thread's memory (never the database: nothing of it
//! can reach an export), one file at a time; the file's identity includes its last-modified
//! time, so a newer copy with the same name, size and change counter is another file. Memory:
//! about 72 bytes per tool call and 90 per flag with their distinct values (see [`ToolLog`] and
//! [`FlagLog`]): ~90 MB for the bench's 1M calls and 200k flags, dropped as soon as another
//! file is on screen ([`forget_other_files`]). While the worker reads, it holds a copy of the
//! image and its own stores (~0.6 GB for the bench's 435 MB file, for ~2 s); its answer (~79
//! MB) waits in the page until the dashboard takes it or the file is closed. The image Blob is
//! let go once the stores are read ([`OpenDb::image`]).
//!
//! One read at a time per file: a computation asked while the stores are being read (the
//! range changed meanwhile, the page was left and shown again) waits for that read instead of
//! starting another; a read for a file no longer on screen does not replace the newer one's.
//!
//! [`OpenDb::stores_read`]: crate::web::files::loader::OpenDb::stores_read
//! [`OpenDb::image`]: crate::web::files::loader::OpenDb::image

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;

use flagdeck_core::dashboard::flaglog::{Catalog, FlagLog};
use flagdeck_core::dashboard::imagescan::{ImageScan, Stores};
use flagdeck_core::dashboard::toollog::{read_sessions, SessionJobs, ToolLog};
use flagdeck_core::dashboard::Logs;
use flagdeck_core::header::HeaderInfo;
use flagdeck_core::table_info::{table_info, TableInfo};
use flagdeck_core::wire;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::cache::FileIdentity;
use crate::web::files::loader::Shared;
use crate::web::platform::browser::{warn, yield_to_browser};
use crate::web::platform::fetch::{blob_bytes, blob_bytes_started, blob_slice};
use crate::web::platform::perf::{measure_since, perf_now};

/// Largest read of one window of pages.
pub const WINDOW_BYTES: usize = 8 << 20;
/// Windows being read at once (see [`blob_bytes_started`]).
pub const READS_IN_FLIGHT: usize = 2;
/// Page bytes decoded in one UI task (~20 ms of decoding at a million rows).
pub const FEED_BYTES: usize = 2 << 20;
/// Unwanted pages read through rather than starting a new window.
pub const MAX_GAP_PAGES: u32 = 16;

/// The stores for one computation; `None` where the SQL path runs (or, for the small tables,
/// where the core reads them itself).
#[derive(Clone, Default)]
pub struct Held {
    pub tools: Option<Rc<ToolLog>>,
    pub flags: Option<Rc<FlagLog>>,
    /// Agent names, sessions and jobs (small tables the figures join), read once per data
    /// version: a range or filter change asks the worker nothing for them.
    pub small: Option<Rc<(Catalog, SessionJobs)>>,
}

impl Held {
    /// What [`aggregates`](flagdeck_core::dashboard::aggregates) takes.
    pub fn logs(&self) -> Logs<'_> {
        Logs {
            tools: self.tools.as_deref(),
            flags: self.flags.as_deref(),
            catalog: self.small.as_ref().map(|s| &s.0),
            sessions: self.small.as_ref().map(|s| &s.1),
        }
    }
}

#[derive(Default)]
struct Kept {
    /// The bytes as opened, and their tool store (`None` inside: the scan failed).
    tools: Option<(FileIdentity, Option<Rc<ToolLog>>)>,
    /// The identity (with its edit key) the flag store was read for.
    flags: Option<(FileIdentity, Option<Rc<FlagLog>>)>,
    /// The small tables, keyed like the flag store.
    small: Option<(FileIdentity, Rc<(Catalog, SessionJobs)>)>,
    /// The read under way: the identity it is for, and who waits for it.
    reading: Option<(FileIdentity, Vec<oneshot::Sender<Held>>)>,
    /// Counts the reads started; only the latest one stores what it read.
    generation: u64,
}

thread_local! {
    static STORES: RefCell<Kept> = RefCell::new(Kept::default());
}

/// The stores of `open` (`file` its identity), read on first use (see the module doc).
pub async fn stores(file: FileIdentity, open: &Shared) -> Held {
    // The same file's stores being read already: wait for them.
    let waiting = STORES.with_borrow_mut(|k| match &mut k.reading {
        Some((f, waiters)) if *f == file => {
            let (tx, rx) = oneshot::channel();
            waiters.push(tx);
            Some(rx)
        }
        _ => None,
    });
    if let Some(rx) = waiting {
        // A read that was dropped (its page gone) sends nothing: read here then.
        if let Ok(held) = rx.await {
            return held;
        }
    }
    let generation = STORES.with_borrow_mut(|k| {
        k.generation += 1;
        k.reading = Some((file.clone(), Vec::new()));
        k.generation
    });
    let held = read_stores(file, open, generation).await;
    let waiters = STORES.with_borrow_mut(|k| {
        let latest = k.generation == generation;
        latest.then(|| k.reading.take().map(|(_, w)| w)).flatten().unwrap_or_default()
    });
    for w in waiters {
        let _ = w.send(held.clone());
    }
    held
}

/// Drops the stores of any file but the one on screen (`current`, with its identity): called
/// whenever another file is opened or swapped in, so a file whose dashboard is never shown
/// again does not keep the previous one's stores.
pub fn forget_other_files(current: Option<&FileIdentity>) {
    STORES.with_borrow_mut(|k| {
        let opened = current.map(FileIdentity::as_opened);
        if k.tools.as_ref().is_some_and(|(f, _)| Some(f) != opened.as_ref()) {
            k.tools = None;
        }
        let other = |f: &FileIdentity| current.is_none_or(|c| c.as_opened() != f.as_opened());
        if k.flags.as_ref().is_some_and(|(f, _)| other(f)) {
            k.flags = None;
        }
        if k.small.as_ref().is_some_and(|(f, _)| other(f)) {
            k.small = None;
        }
    });
}

/// Reads what is not held yet; stores it unless a newer read (`generation`) began meanwhile.
async fn read_stores(file: FileIdentity, open: &Shared, generation: u64) -> Held {
    let opened = file.as_opened();
    let (tools, flags, small) = STORES.with_borrow(|k| {
        let tools = k.tools.as_ref().filter(|(f, _)| *f == opened).map(|(_, t)| t.clone());
        let flags = k.flags.as_ref().filter(|(f, _)| *f == file).map(|(_, l)| l.clone());
        let small = k.small.as_ref().filter(|(f, _)| *f == file).map(|(_, s)| s.clone());
        (tools, flags, small)
    });
    let small = match small {
        Some(s) => Some(s),
        None => {
            match (Catalog::read(&open.db, &open.facts).await, read_sessions(&open.db, &open.facts).await) {
                (Ok(c), Ok(s)) => {
                    let small = Rc::new((c, s));
                    STORES.with_borrow_mut(|k| {
                        if k.generation == generation {
                            k.small = Some((file.clone(), small.clone()));
                        }
                    });
                    Some(small)
                }
                // The core reads them itself, and says what failed.
                _ => None,
            }
        }
    };
    let has = |t: &str| open.facts.has_table(t);
    // Held already, or the file has no such table: nothing to read (and a read started at the
    // open is not needed: it ends, and its memory goes).
    if (tools.is_some() || !has("tool_logs")) && (flags.is_some() || !has("flags")) {
        open.stores_read.borrow_mut().take();
        return Held { tools: tools.flatten(), flags: flags.flatten(), small };
    }
    let started = perf_now();
    // Flags from the pages only while the engine's rows are the bytes as opened.
    let flags_from_image = flags.is_none() && !file.changed() && has("flags");
    let tools_from_image = tools.is_none() && has("tool_logs");
    let (mut tools, mut flags) = (tools, flags);
    if tools_from_image || flags_from_image {
        // Read at open by the stores worker, if it was started; else (or when it failed) here.
        let read = match from_worker(open).await {
            Some(Ok(stores)) => Ok(stores),
            Some(Err(why)) => {
                warn(&format!("flagdeck: the stores read at open are not usable ({why}); reading them here"));
                read_image(open, tools_from_image, flags_from_image).await
            }
            None => read_image(open, tools_from_image, flags_from_image).await,
        };
        match read {
            Ok(Stores { tools: t, flags: f, .. }) => {
                if tools_from_image {
                    tools = Some(t.map(Rc::new));
                }
                if flags_from_image {
                    flags = Some(f.map(Rc::new));
                }
            }
            Err(why) => {
                warn(&format!("flagdeck: the dashboard reads its tables with SQL ({why})"));
                tools = tools.or(Some(None));
            }
        }
    }
    if flags.is_none() && has("flags") {
        // Changed since opened (or the pages could not be read): the rows as the engine has them.
        flags = Some(match FlagLog::read(&open.db, &open.facts).await {
            Ok(log) => Some(Rc::new(log)),
            Err(e) => {
                warn(&format!("flagdeck: the dashboard reads flags with SQL ({e})"));
                None
            }
        });
    }
    measure_since("flagdeck:dashboard-stores", started);
    let held = Held { tools: tools.clone().flatten(), flags: flags.clone().flatten(), small };
    STORES.with_borrow_mut(|k| {
        if k.generation != generation {
            return;
        }
        if let Some(t) = tools {
            k.tools = Some((opened, t));
        }
        if let Some(f) = flags {
            k.flags = Some((file, f));
        }
    });
    held
}

/// The stores the stores worker read at open ([`OpenDb::stores_read`]), once: `None` when none
/// was started (or they were taken already). Waits for the worker if it is still reading.
///
/// [`OpenDb::stores_read`]: crate::web::files::loader::OpenDb::stores_read
async fn from_worker(open: &Shared) -> Option<Result<Stores, String>> {
    let worker = open.stores_read.borrow_mut().take()?;
    let started = perf_now();
    let bytes = match worker.stores().await {
        Ok(bytes) => bytes,
        Err(e) => return Some(Err(e.to_string())),
    };
    drop(worker);
    measure_since("flagdeck:dashboard-stores-wait", started);
    let started = perf_now();
    let stores = take_wire(&bytes).await;
    drop(bytes);
    measure_since("flagdeck:dashboard-stores-wire", started);
    if stores.is_ok() {
        // The image is not needed again: the tool store outlives it.
        open.image.borrow_mut().take();
    }
    Some(stores)
}

/// The stores in `bytes` ([`wire::encode`]'s): each section copied straight into its store's
/// buffer a window of at most [`WINDOW_BYTES`] at a time, the page given a turn after each
/// window, then each store's skeleton decoded in its own task.
async fn take_wire(bytes: &Uint8Array) -> Result<Stores, String> {
    let total = bytes.length() as usize;
    let copy = |from: usize, to: usize| bytes.subarray(from.min(total) as u32, to.min(total) as u32).to_vec();
    let head = copy(0, wire::head_len(&copy(0, 4)).map_err(|e| e.to_string())?);
    let layout = wire::layout(&head, total).map_err(|e| e.to_string())?;
    let skeleton = copy(layout.skeleton.start, layout.skeleton.end);
    // The memory for the sections, grown a window at a time (one growth of ~80 MB took up to
    // 70 ms in one task): one buffer at the top of the heap, extended in place, then given back
    // to the allocator, which places the sections in it.
    let total: usize = layout.sections.iter().map(|s| s.range.len()).sum();
    let mut room: Vec<u8> = Vec::new();
    while room.capacity() < total {
        let want = (room.capacity() + WINDOW_BYTES).min(total);
        if room.try_reserve_exact(want).is_err() {
            break;
        }
        yield_to_browser().await;
    }
    drop(room);
    let mut sections = Vec::with_capacity(layout.sections.len());
    let mut since_turn = 0;
    for spec in &layout.sections {
        let mut section = wire::Section::for_spec(spec).map_err(|e| e.to_string())?;
        let mut at = spec.range.start;
        while at < spec.range.end {
            let end = (at + WINDOW_BYTES).min(spec.range.end);
            let into = section.extend_to(end - spec.range.start);
            if into.len() != end - at {
                return Err(format!("a section window of {} bytes for {}", into.len(), end - at));
            }
            bytes.subarray(at as u32, end as u32).copy_to(into);
            since_turn += end - at;
            at = end;
            if since_turn >= WINDOW_BYTES {
                yield_to_browser().await;
                since_turn = 0;
            }
        }
        sections.push(section);
    }
    yield_to_browser().await;
    let mut sections = wire::Sections::from(sections);
    let (tools, rest) = wire::decode_tools(&skeleton, &mut sections).map_err(|e| e.to_string())?;
    yield_to_browser().await;
    let flags = wire::decode_flags(rest, &mut sections).map_err(|e| e.to_string())?;
    Ok(Stores { tools, flags, index: None })
}

/// One pass over the image's pages for the tables asked for.
async fn read_image(open: &Shared, tools: bool, flags: bool) -> Result<Stores, String> {
    let image = open
        .image
        .borrow()
        .clone()
        .ok_or("the bytes as opened are not kept (a URL's file), or were read already")?;
    let shape = |table: &'static str, wanted: bool| async move {
        if !wanted {
            return Ok::<Option<TableInfo>, String>(None);
        }
        table_info(&open.db, table).await.map_err(|e| e.to_string())
    };
    let tool_shape = shape("tool_logs", tools).await?;
    let flag_shape = shape("flags", flags).await?;
    let size = image.size() as usize;
    let slice =
        |from: usize, to: usize| blob_slice(&image, from.min(size), to.min(size)).map_err(|e| e.to_string());
    let head = blob_bytes(&slice(0, 100)?).await.map_err(|e| e.to_string())?.to_vec();
    let mut scan = ImageScan::new(&head, size as u64, tool_shape.as_ref(), flag_shape.as_ref())
        .map_err(|e| e.to_string())?;
    let page = scan.page_size();
    let per_window = (WINDOW_BYTES / page).max(1) as u32;
    // One buffer for every window: each read is copied into wasm memory once.
    let mut buf = Vec::new();
    let mut feeding = 0.0;
    loop {
        let wanted = scan.wanted();
        if wanted.is_empty() {
            break;
        }
        let windows = windows(&wanted, per_window);
        let mut reads = std::collections::VecDeque::new();
        let mut next = 0;
        let start = |next: &mut usize, reads: &mut std::collections::VecDeque<_>| -> Result<(), String> {
            if let Some(&(lo, hi, _, _)) = windows.get(*next) {
                let s = slice((lo as usize - 1) * page, hi as usize * page)?;
                reads.push_back(blob_bytes_started(&s));
                *next += 1;
            }
            Ok(())
        };
        while next < READS_IN_FLIGHT.min(windows.len()) {
            start(&mut next, &mut reads)?;
        }
        for &(lo, hi, from, to) in &windows {
            let bytes = reads.pop_front().ok_or("a read went missing")?.await.map_err(|e| e.to_string())?;
            start(&mut next, &mut reads)?;
            let mut started = perf_now();
            buf.clear();
            buf.resize(bytes.length() as usize, 0);
            bytes.copy_to(&mut buf);
            // A page past the end of the image reads as zeros (the scan then names it).
            buf.resize((hi - lo + 1) as usize * page, 0);
            let mut fed = 0;
            for &pgno in &wanted[from..to] {
                let at = (pgno - lo) as usize * page;
                scan.feed(pgno, &buf[at..at + page]).map_err(|e| e.to_string())?;
                fed += page;
                // Short UI tasks: the browser gets a turn every FEED_BYTES decoded.
                if fed >= FEED_BYTES {
                    feeding += perf_now() - started;
                    yield_to_browser().await;
                    started = perf_now();
                    fed = 0;
                }
            }
            feeding += perf_now() - started;
        }
    }
    // The time spent decoding pages into the stores, as one span ending now (the rest of
    // `flagdeck:dashboard-stores` is reading the Blob and building the stores' indexes).
    measure_since("flagdeck:dashboard-stores-feed", perf_now() - feeding);
    let started = perf_now();
    let stores = scan.finish().map_err(|e| e.to_string())?;
    measure_since("flagdeck:dashboard-stores-finish", started);
    if tools {
        // The tool store outlives the bytes: they are not needed again.
        open.image.borrow_mut().take();
    }
    Ok(stores)
}

/// The stores worker's entry (`static/stores-worker.js` calls it; the page never does): the
/// stores of the tables whose shapes are given (`tools`, `flags`: [`TableInfo`] as JSON, `null`
/// for none) read from `image`, a whole database image, in windows of [`WINDOW_BYTES`]; as
/// [`wire::encode`] bytes. Errors: a shape that is not JSON of a `TableInfo`, and the scan's
/// ([`ImageScan`]: a UTF-16 file, a damaged page, a default it cannot compute), as a JS `Error`.
#[wasm_bindgen]
pub fn flagdeck_read_stores(
    image: Uint8Array,
    tools: Option<String>,
    flags: Option<String>,
) -> Result<Uint8Array, JsError> {
    let shape = |json: Option<String>| -> Result<Option<TableInfo>, JsError> {
        json.map(|j| serde_json::from_str(&j).map_err(|e| JsError::new(&format!("a table shape: {e}"))))
            .transpose()
    };
    let (tools, flags) = (shape(tools)?, shape(flags)?);
    let size = image.length() as usize;
    let head = image.subarray(0, size.min(100) as u32).to_vec();
    let mut scan = ImageScan::new(&head, size as u64, tools.as_ref(), flags.as_ref())?;
    feed_all(&mut scan, size, |start, end| Ok(image.subarray(start as u32, end as u32)))?;
    let bytes = wire::encode(&scan.finish()?);
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// Feeds `scan` every page it asks for from an image of `size` bytes, read a window of at most
/// [`WINDOW_BYTES`] at a time: `read(start, end)` gives the image's bytes `start..end` (`end`
/// within `size`). A page past the end of the image reads as zeros (the scan then names it).
/// Errors: `read`'s, and the scan's.
pub(crate) fn feed_all(
    scan: &mut ImageScan,
    size: usize,
    mut read: impl FnMut(usize, usize) -> Result<Uint8Array, JsError>,
) -> Result<(), JsError> {
    let page = scan.page_size();
    let per_window = (WINDOW_BYTES / page).max(1) as u32;
    let mut buf = Vec::new();
    loop {
        let wanted = scan.wanted();
        if wanted.is_empty() {
            return Ok(());
        }
        for (lo, hi, from, to) in windows(&wanted, per_window) {
            let (start, end) = ((lo as usize - 1) * page, hi as usize * page);
            buf.clear();
            if start < size {
                let bytes = read(start, end.min(size))?;
                buf.resize(bytes.length() as usize, 0);
                bytes.copy_to(&mut buf);
            }
            buf.resize(end - start, 0);
            for &pgno in &wanted[from..to] {
                let at = (pgno - lo) as usize * page;
                scan.feed(pgno, &buf[at..at + page])?;
            }
        }
    }
}

/// The windows that cover `wanted` (ascending): `(first page, last page, from, to)` with
/// `wanted[from..to]` inside, at most `per_window` pages long, and unwanted gaps of at most
/// [`MAX_GAP_PAGES`] read through.
fn windows(wanted: &[u32], per_window: u32) -> Vec<(u32, u32, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < wanted.len() {
        let lo = wanted[i];
        let mut j = i + 1;
        while j < wanted.len()
            && wanted[j] - wanted[j - 1] <= MAX_GAP_PAGES + 1
            && wanted[j] - lo < per_window
        {
            j += 1;
        }
        out.push((lo, wanted[j - 1], i, j));
        i = j;
    }
    out
}

/// Whether every store `stores` would read for `file` (those of the tables `open` has) is held
/// already: then a computation reads nothing big.
pub fn held(file: &FileIdentity, open: &Shared) -> bool {
    let opened = file.as_opened();
    let has = |t: &str| open.facts.has_table(t);
    STORES.with_borrow(|k| {
        (!has("tool_logs") || k.tools.as_ref().is_some_and(|(f, _)| *f == opened))
            && (!has("flags") || k.flags.as_ref().is_some_and(|(f, _)| f == file))
    })
}

/// Whether a tool store (or the knowledge that the file's pages cannot give one) is held for a
/// file on disk that may be these bytes (the file `name` with this header, its last-modified
/// time not known yet): an open then starts no stores worker, whose read would not be used. A
/// different file taken for this one only means its stores are read when asked.
pub fn tool_store_may_be_held(name: &str, header: &HeaderInfo) -> bool {
    STORES.with_borrow(|k| k.tools.as_ref().is_some_and(|(f, _)| f.may_be(name, header)))
}

/// The stores of `file` that are held now (nothing is read): what the filter choices use.
pub fn held_now(file: &FileIdentity) -> Held {
    let opened = file.as_opened();
    STORES.with_borrow(|k| Held {
        tools: k.tools.as_ref().filter(|(f, _)| *f == opened).and_then(|(_, t)| t.clone()),
        flags: k.flags.as_ref().filter(|(f, _)| f == file).and_then(|(_, l)| l.clone()),
        small: None,
    })
}
