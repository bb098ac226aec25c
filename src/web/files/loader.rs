//! Getting bytes into the engine and back out: files, URLs, the demo, and export.
//! Nothing here touches the DOM beyond what a download needs; the UI calls these and shows
//! the result or the error.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use js_sys::Uint8Array;

use flagdeck_core::agents::{
    catalog_names_may_change, dynamic_agents, known_targets, pending_by_target, DynamicAgent,
};
use flagdeck_core::catalog::{read_catalog, CatalogAgent};
use flagdeck_core::header::{self, HeaderInfo, JournalMode};
use flagdeck_core::inspect::{self, OpenError, Report};
use flagdeck_core::schema::{Generation, SchemaFacts};
use flagdeck_core::search::SearchIndex;
use flagdeck_core::wal::{self, WalReport};
use flagdeck_core::{Database, DbError, Value};

use crate::web::flags::layer::FlagLayer;
use crate::web::platform::browser::{warn, yield_to_browser};
use crate::web::platform::describe;
use crate::web::platform::download::{self, DownloadError};
use crate::web::platform::fetch::{self, FetchError};
use crate::web::platform::perf::mark;
use crate::web::platform::sqljs::{SqlJsWorker, WORKER_URL};
use crate::web::platform::stores_worker::StoresWorker;
use flagdeck_core::table_info::{table_info, TableInfo};
use wasm_bindgen::{JsCast, JsValue};

/// Where an opened database came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    File,
    Url(String),
    Demo,
}

/// A database that opened, passed every check and is being looked at.
pub struct OpenDb {
    pub name: String,
    pub source: Source,
    pub header: HeaderInfo,
    pub report: Report,
    pub facts: SchemaFacts,
    pub db: SqlJsWorker,
    /// The bytes as opened, in JavaScript memory (a picked file is its own Blob), until they are
    /// stored as the working copy; then taken, so the tab does not hold a second copy.
    pub original: std::cell::RefCell<Option<web_sys::Blob>>,
    /// The same bytes as opened, kept for reading pages straight from them (the dashboard's
    /// stores, `src/web/dashboard/stores.rs`): a picked file's own Blob (read from disk, no copy),
    /// the `-wal` image (slices of the file and the WAL's pages), the demo, or the stored
    /// original of a resumed working copy. `None` for a URL's bytes, which would be a second copy
    /// in memory (the stores worker reads them at open; without it the dashboard reads with
    /// SQL). Taken once the dashboard's stores are read (they outlive it; a demo's or a `-wal`
    /// image's bytes are then freed).
    pub image: std::cell::RefCell<Option<web_sys::Blob>>,
    /// When the picked or dropped file (and its `-wal`) was last modified (ms since 1970, as the
    /// browser reports it): part of the file's identity ([`crate::web::dashboard`]'s stores and
    /// cache), since a WAL-mode file keeps its change counter and often its size across
    /// commits. `None` for bytes that are not a file on disk (the demo, a URL, a stored copy).
    pub modified: Option<(f64, Option<f64>)>,
    /// Changes were made to the engine before it was shown (a resumed working copy replayed, a
    /// follow-mode replay onto a newer read): its rows may differ from [`OpenDb::image`]'s.
    pub rewritten: std::cell::Cell<bool>,
    /// The `-wal` file opened together with the database, if one was.
    pub wal: Option<WalOutcome>,
    /// The dashboard's stores being read at open, on another core, from a copy of the bytes
    /// as opened ([`StoresRead::AtOpen`]); taken by the dashboard's first computation
    /// (`src/web/dashboard/stores.rs`). Dropping it ends the worker.
    pub stores_read: std::cell::RefCell<Option<StoresWorker>>,
    /// The flag list's derived layer, built at open in the list worker and kept exact by the
    /// change log installed before anything could write (`src/web/flags/layer.rs`); `None`
    /// where the list runs its SQL (no `flags`, a table the layer declines, no worker).
    pub layer: Option<std::rc::Rc<FlagLayer>>,
    /// Which open of this tab it is (1, 2, …): what tells two opens of bytes that have no
    /// last-modified time apart (the dashboard's stores and cache).
    pub serial: u64,
}

thread_local! {
    /// Opens so far in this tab ([`OpenDb::serial`]).
    static OPENS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Whether an open starts reading the dashboard's stores at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoresRead {
    /// A file a person opened: a worker reads the stores from a copy of the bytes while the
    /// file is checked and its summary shown, so the dashboard asked next has them at hand.
    AtOpen,
    /// A newer read of a followed file, or bytes opened to be compared or saved: the stores are
    /// read (from [`OpenDb::image`]) only if the dashboard is shown.
    WhenAsked,
}

/// The largest image whose stores are read at open: the copy (a picked file's) and the
/// worker's own hold the bytes twice more for the time of the read (~2 s at 435 MB).
pub const STORES_AT_OPEN_MAX_BYTES: u32 = 768 << 20;

/// Bytes copied between two yields to the browser, for the copy the stores worker reads.
const COPY_STEP_BYTES: u32 = 32 << 20;

/// What became of the `-wal` file picked or dropped with a database.
#[derive(Debug, Clone, PartialEq)]
pub enum WalOutcome {
    /// Its committed transactions are part of what is shown (see [`wal::apply`]).
    Applied { name: String, report: WalReport },
    /// It was refused (the sentence says why); the database opened alone.
    Refused { name: String, why: String },
}

/// Why nothing new was opened. The previous database, if any, stays as it was.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    Open(OpenError),
    Read(String),
    Fetch {
        url: String,
        why: FetchFailure,
    },
    /// The built-in demo database could not be fetched or inflated.
    Demo(String),
    Export(DbError),
    /// The stored working copy could not be opened (it stays stored).
    Restore(String),
    /// The `-wal` file opened with the database cannot be applied (the sentence says why).
    Wal(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchFailure {
    /// The request never produced a response: offline, refused, or blocked by CORS (the
    /// browser does not tell which, on purpose).
    Network(String),
    Status(u16, String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Open(e) => e.fmt(f),
            LoadError::Read(why) => write!(f, "The file could not be read: {why}."),
            LoadError::Fetch { url, why: FetchFailure::Network(detail) } => write!(
                f,
                "Could not download {url}: the server did not answer, or it does not allow this page to \
                 read the file (a CORS restriction: the server must send Access-Control-Allow-Origin). \
                 Download the file and open it from disk instead. ({detail})"
            ),
            LoadError::Fetch { url, why: FetchFailure::Status(code, text) } => {
                write!(f, "Could not download {url}: the server answered {code} {text}")?;
                if *code == 404 {
                    write!(f, " (no file at that address)")?;
                }
                write!(f, ".")
            }
            LoadError::Demo(why) => write!(
                f,
                "The demo database could not be loaded: {why}. Reload the page (offline, it is \
                 available once the app has been opened online once)."
            ),
            LoadError::Export(e) => write!(f, "The database could not be exported: {}", e.message()),
            LoadError::Wal(why) => write!(f, "{why}"),
            LoadError::Restore(why) => write!(
                f,
                "The working copy could not be restored: {why}. It is still stored: try again, or discard it."
            ),
        }
    }
}

impl From<OpenError> for LoadError {
    fn from(e: OpenError) -> Self {
        LoadError::Open(e)
    }
}

thread_local! {
    /// A worker that has already loaded sql.js, ready for the next open.
    static SPARE: std::cell::RefCell<Option<SqlJsWorker>> = const { std::cell::RefCell::new(None) };
    /// Whether a worker was taken for an open.
    static TAKEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts the spare worker if there is none, so that opening a file does not wait for sql.js to
/// download and compile (about 80 ms). Called once the page is up and after each open.
pub fn prepare_spare_worker() {
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.is_none() {
            // A failure here shows up when the worker is used.
            *spare = SqlJsWorker::start(WORKER_URL).ok();
        }
    });
}

/// [`WARM_UP_AFTER_MS`] after the app starts, the spare worker runs
/// [`inspect::ENGINE_WARM_UP`] on its empty database ([`SqlJsWorker::warm_up`]) unless the app
/// is `busy` then (a file being read or opened, or an export) or a worker was taken for an open
/// already: the first open's integrity check then runs sql.js' code compiled for speed (~150 ms
/// sooner at 277 MB). Workers started later share that code (their warm-up took ~20 ms), so
/// this is done once, by the app at start.
pub fn warm_up_spare_worker_later(busy: impl Fn() -> bool + 'static) {
    leptos::task::spawn_local(async move {
        crate::web::platform::browser::sleep_ms(WARM_UP_AFTER_MS).await;
        // A file being opened would wait for it; one opened already ran its check on that
        // code, which every worker shares.
        if busy() || TAKEN.with(std::cell::Cell::get) {
            return;
        }
        SPARE.with(|spare| {
            if let Some(worker) = spare.borrow().as_ref() {
                worker.warm_up(inspect::ENGINE_WARM_UP);
            }
        });
    });
}

/// How long after the app starts the spare worker warms up (ms): past the page's first paint.
/// A file opened sooner is opened on cold code, as before; one picked during the warm-up waits
/// for it (at most ~160 ms, then checks on the warm code).
const WARM_UP_AFTER_MS: u32 = 250;

/// The spare worker, or a new one; then a new spare is started for next time.
fn take_worker() -> Result<SqlJsWorker, DbError> {
    TAKEN.with(|t| t.set(true));
    let worker = SPARE.with(|spare| spare.borrow_mut().take());
    let worker = match worker {
        Some(w) => w,
        None => SqlJsWorker::start(WORKER_URL)?,
    };
    prepare_spare_worker();
    Ok(worker)
}

/// Header bytes 18 and 19 in place, on bytes held by JavaScript (see [`header::for_engine`]).
fn set_journal_mode(bytes: &Uint8Array, mode: JournalMode) {
    let value = header::journal_byte(mode);
    bytes.set_index(header::JOURNAL_BYTES_AT as u32, value);
    bytes.set_index(header::JOURNAL_BYTES_AT as u32 + 1, value);
}

/// Checks the header of bytes held by JavaScript: only the first 100 bytes enter wasm memory.
fn check_array(bytes: &Uint8Array) -> Result<HeaderInfo, LoadError> {
    let head = bytes.subarray(0, bytes.length().min(header::HEADER_LEN as u32)).to_vec();
    Ok(inspect::check_head(&head, bytes.length() as usize)?)
}

/// The bytes as a Blob, copied inside JavaScript memory: kept as the working copy's original
/// while `bytes` themselves go to the worker.
pub fn blob_of(bytes: &Uint8Array) -> Result<web_sys::Blob, LoadError> {
    fetch::blob_of(bytes).map_err(|e| LoadError::Read(e.to_string()))
}

/// Checks, opens and inspects `bytes` in a new worker. On any failure the worker is dropped.
/// The bytes go to the worker without a copy (see [`header::for_engine`] for the WAL flag);
/// `original` is the same bytes as a Blob, untouched, for the working copy.
pub async fn open_bytes(
    name: String,
    source: Source,
    bytes: Uint8Array,
    original: web_sys::Blob,
    stores: StoresRead,
) -> Result<OpenDb, LoadError> {
    mark("flagdeck:bytes-read");
    let info = check_array(&bytes)?;
    if info.journal_mode == JournalMode::Wal {
        set_journal_mode(&bytes, JournalMode::Rollback);
    }
    // What the stores worker reads: a picked file's bytes are copied (its Blob is on disk, far
    // slower to read again); a URL's or the demo's Blob is a copy in memory already.
    let image: Option<JsValue> = match stores {
        StoresRead::AtOpen
            if bytes.length() <= STORES_AT_OPEN_MAX_BYTES
                && !crate::web::dashboard::tool_store_may_be_held(&name, &info) =>
        {
            match source {
                Source::File => copy_of(&bytes).await.map(JsValue::from),
                Source::Url(_) | Source::Demo => Some(original.clone().into()),
            }
        }
        _ => None,
    };
    let db = take_worker().map_err(OpenError::Engine)?;
    db.load(Some(bytes)).await.map_err(OpenError::Engine)?;
    mark("flagdeck:engine-loaded");
    // Before anything can write: the layer's change log must see every write. (Bytes that are
    // no database fail here quietly: `inspect` says what is wrong with them.)
    // The same settings `inspect` makes before its checks, which have not run yet: the schema
    // of an unchecked file is read with them only.
    let (layer, stores_read) = match db.execute_batch(inspect::SAFETY_PRAGMAS).await {
        Ok(()) => {
            let flags = table_info(&db, "flags").await;
            let layer = FlagLayer::start(&db, &original, &flags).await;
            let stores_read = match image {
                Some(image) => start_stores_read(&db, image, flags.ok().flatten()).await,
                None => None,
            };
            (layer, stores_read)
        }
        Err(_) => (None, None),
    };
    let (report, facts) = inspect::inspect(&db, &info).await?;
    mark("flagdeck:inspected");
    let image = (!matches!(source, Source::Url(_))).then(|| original.clone());
    Ok(OpenDb {
        name,
        source,
        header: info,
        report,
        facts,
        db,
        original: Some(original).into(),
        image: image.into(),
        modified: None,
        rewritten: false.into(),
        wal: None,
        stores_read: stores_read.into(),
        layer,
        serial: OPENS.with(|n| {
            n.set(n.get() + 1);
            n.get()
        }),
    })
}

/// A copy of `bytes` in JavaScript memory, made [`COPY_STEP_BYTES`] at a time with a turn for
/// the browser between; `None` when the memory cannot be had (the open goes on without it).
async fn copy_of(bytes: &Uint8Array) -> Option<Uint8Array> {
    let len = bytes.length();
    let ctor: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Uint8Array")).ok()?.dyn_into().ok()?;
    // Through Reflect.construct: an allocation the browser refuses is an error here, not a trap.
    let out: Uint8Array =
        js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&JsValue::from(len))).ok()?.dyn_into().ok()?;
    let mut at = 0;
    while at < len {
        let end = at.saturating_add(COPY_STEP_BYTES).min(len);
        out.set(&bytes.subarray(at, end), at);
        at = end;
        if at < len {
            yield_to_browser().await;
        }
    }
    Some(out)
}

/// Starts the stores worker on `image` (a `Uint8Array` or a Blob) with the shapes of `tool_logs`
/// (read here) and `flags` (read already) as the engine
/// describes them; `None` when the file has neither table or the worker cannot start (the
/// dashboard then reads them itself, and the console says why).
async fn start_stores_read(
    db: &SqlJsWorker,
    image: JsValue,
    flags: Option<TableInfo>,
) -> Option<StoresWorker> {
    let shape = |t: Option<TableInfo>| t.and_then(|t| serde_json::to_string(&t).ok());
    let tools = shape(table_info(db, "tool_logs").await.ok().flatten());
    let flags = shape(flags);
    if tools.is_none() && flags.is_none() {
        return None;
    }
    match StoresWorker::read(image, tools, flags) {
        Ok(worker) => Some(worker),
        Err(e) => {
            warn(&format!("flagdeck: the dashboard's stores are read when it is shown ({e})"));
            None
        }
    }
}

/// The image SQLite would see through `wal`, as a Blob of the pages [`wal::plan`] takes from
/// the WAL and slices of the database file `main` for the rest (the browser references those
/// without copying them; pages past the end of `main` that the WAL does not hold are zeros, as in
/// [`wal::apply`]). Only the WAL and the first 100 bytes of `main` enter wasm memory. `None` for
/// the image when nothing is applied (then `main` itself is the image).
async fn image_with_wal(
    main: &web_sys::Blob,
    wal: &[u8],
) -> Result<(Option<web_sys::Blob>, WalReport), LoadError> {
    let len = main.size() as usize;
    let head = fetch::blob_slice(main, 0, len.min(header::HEADER_LEN))
        .map_err(|e| LoadError::Read(e.to_string()))?;
    let head = fetch::blob_bytes(&head).await.map_err(|e| LoadError::Read(e.to_string()))?.to_vec();
    let plan = wal::plan(&head, len, wal).map_err(|e| LoadError::Wal(e.to_string()))?;
    let Some(pages) = plan.size_pages else { return Ok((None, plan.report)) };
    let page = plan.page_size as usize;
    let parts = js_sys::Array::new();
    let failed = |e: fetch::BlobError| LoadError::Read(e.to_string());
    // Bytes `from..to` of the image that no WAL frame holds.
    let from_main = |from: usize, to: usize| -> Result<(), LoadError> {
        let end = to.min(len).max(from);
        if from < end {
            parts.push(&fetch::blob_slice(main, from, end).map_err(failed)?.into());
        }
        if end < to {
            parts.push(&Uint8Array::new_with_length((to - end) as u32));
        }
        Ok(())
    };
    let mut cursor = 0;
    for (pgno, at) in plan.pages {
        let to = (pgno as usize - 1) * page;
        from_main(cursor, to)?;
        parts.push(&Uint8Array::from(&wal[at..at + page]));
        cursor = to + page;
    }
    from_main(cursor, pages as usize * page)?;
    Ok((Some(fetch::blob_of_parts(&parts).map_err(failed)?), plan.report))
}

/// Opens a database file together with its `-wal` file, as SQLite would read the pair: the
/// committed transactions of the WAL applied to a copy of the database bytes (nothing is written
/// to either file). A WAL that [`wal::plan`] refuses, or whose result fails the open checks (a
/// WAL of another database with the same page size), is left out: the database opens alone and
/// [`OpenDb::wal`] says why.
pub async fn open_with_wal(file: &web_sys::File, wal_file: &web_sys::File) -> Result<OpenDb, LoadError> {
    let wal_name = wal_file.name();
    match open_disk(file, Some(wal_file), StoresRead::AtOpen).await {
        Err(LoadError::Wal(why)) => {
            let mut open = open_bytes(
                file.name(),
                Source::File,
                read_file(file).await?,
                file.clone().into(),
                StoresRead::AtOpen,
            )
            .await?;
            open.modified = Some((file.last_modified(), None));
            open.wal = Some(WalOutcome::Refused { name: wal_name, why });
            Ok(open)
        }
        other => other,
    }
}

/// Opens a database file and, when given, its `-wal` as SQLite reads the pair; any failure of
/// the WAL (refused by [`wal::plan`], or an image that fails the open checks) is
/// [`LoadError::Wal`] and nothing opens: what follow mode needs, where such a read caught a
/// write half-way and is tried again later.
pub async fn open_disk(
    file: &web_sys::File,
    wal_file: Option<&web_sys::File>,
    stores: StoresRead,
) -> Result<OpenDb, LoadError> {
    let name = file.name();
    let modified = Some((file.last_modified(), wal_file.map(web_sys::File::last_modified)));
    let Some(wal_file) = wal_file else {
        let mut open =
            open_bytes(name, Source::File, read_file(file).await?, file.clone().into(), stores).await?;
        open.modified = modified;
        return Ok(open);
    };
    let wal_name = wal_file.name();
    let wal_bytes = read_file(wal_file).await?.to_vec();
    let (image, report) = image_with_wal(file, &wal_bytes).await?;
    drop(wal_bytes);
    let (bytes, original) = match image {
        // The one copy of the image: its bytes, handed to the worker; the Blob stays as the original.
        Some(image) => (fetch::blob_bytes(&image).await.map_err(|e| LoadError::Read(e.to_string()))?, image),
        None => (read_file(file).await?, file.clone().into()),
    };
    match open_bytes(name, Source::File, bytes, original, stores).await {
        Ok(mut open) => {
            open.modified = modified;
            open.wal = Some(WalOutcome::Applied { name: wal_name, report });
            Ok(open)
        }
        Err(e) if report.commits_applied > 0 => Err(LoadError::Wal(format!(
            "With {wal_name} applied, the database fails the checks ({e}), so {wal_name} probably does not \
             belong to this database."
        ))),
        Err(e) => Err(e),
    }
}

/// The demo database's file name: what it is shown and exported as.
pub const DEMO_FILE_NAME: &str = "flagdeck-demo.db";

/// The demo database as the build ships it: zlib-deflated, made by `cargo xtask demo-asset`
/// (the `flagdeck-demo` generator's hybrid file: the 300-flag v1 demo upgraded to 2.x with 60
/// quests) in Trunk's pre-build hook, precached offline.
pub const DEMO_ASSET: &str = "flagdeck-demo.db.zlib";

/// Fetches and inflates the built-in demo database, then opens it exactly like any file.
pub async fn open_demo() -> Result<OpenDb, LoadError> {
    let packed = fetch_bytes(DEMO_ASSET).await.map_err(|e| LoadError::Demo(e.to_string()))?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_zlib(&packed.to_vec())
        .map_err(|e| LoadError::Demo(format!("the shipped file is damaged ({:?})", e.status)))?;
    let bytes = Uint8Array::from(bytes.as_slice());
    let original = blob_of(&bytes)?;
    open_bytes(DEMO_FILE_NAME.to_owned(), Source::Demo, bytes, original, StoresRead::AtOpen).await
}

/// Reads a picked or dropped file into JavaScript memory.
pub async fn read_file(file: &web_sys::File) -> Result<Uint8Array, LoadError> {
    fetch::read_file(file).await.map_err(|e| LoadError::Read(e.to_string()))
}

/// Downloads `url` (the `?db=` parameter).
pub async fn fetch_bytes(url: &str) -> Result<Uint8Array, LoadError> {
    fetch::fetch_bytes(url).await.map_err(|e| {
        let why = match e {
            FetchError::NoWindow => return LoadError::Read("no window".into()),
            FetchError::Network(e) => FetchFailure::Network(describe(&e)),
            FetchError::Status(code, text) => FetchFailure::Status(code, text),
        };
        LoadError::Fetch { url: url.to_owned(), why }
    })
}

/// The last path segment of a URL, for display and as the export name.
pub fn name_from_url(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("database.db").to_owned()
}

/// The bytes to save: what the engine holds, with the original journal mode put back
/// (the same rule as [`header::restore_journal_mode`], applied in place on the JS array).
pub async fn export_bytes(open: &OpenDb) -> Result<Uint8Array, LoadError> {
    let bytes = open.db.export_array().await.map_err(LoadError::Export)?;
    if open.header.journal_mode == JournalMode::Wal && bytes.length() as usize >= header::HEADER_LEN {
        set_journal_mode(&bytes, JournalMode::Wal);
    }
    Ok(bytes)
}

/// Offers `bytes` as a download named `name`. Nothing leaves the machine.
pub fn download(name: &str, bytes: &Uint8Array) -> Result<(), LoadError> {
    download::download_bytes(name, bytes, "application/vnd.sqlite3").map_err(export_failed)
}

/// Downloads text (a report, a CSV file) under `name`.
pub fn download_text(name: &str, text: &str, mime: &str) -> Result<(), LoadError> {
    download::download_text(name, text, mime).map_err(export_failed)
}

fn export_failed(e: DownloadError) -> LoadError {
    LoadError::Export(DbError::Engine(e.to_string()))
}

/// True when the file was in WAL mode and opened without its `-wal` companion, so changes in
/// that file (if there is one) are not included.
pub fn was_wal(open: &OpenDb) -> bool {
    open.header.journal_mode == JournalMode::Wal && !matches!(open.wal, Some(WalOutcome::Applied { .. }))
}

pub type Shared = Rc<OpenDb>;

/// The catalog of the open database, prepared for the agent pages and search.
pub struct CatalogData {
    /// The open file's generation (what the agent pages may read besides the catalog).
    pub generation: Generation,
    pub agents: Vec<CatalogAgent>,
    pub index: SearchIndex,
    /// Pending flags per target agent name (empty for a file without flags).
    pub pending: HashMap<String, i64>,
    /// v0 project agents.
    pub dynamic: Vec<DynamicAgent>,
    /// The names a flag's target may carry to reach an agent, as the file stores them
    /// ([`known_targets`]: what the routing page's list is filtered by), read with the catalog:
    /// flagdeck's own statements never write `agents_catalog` or `agents_dynamic`, so they hold
    /// until the file is read again (another file, a follow-mode swap), when the catalog is read
    /// again too. `None` (the routing page then reads them itself, after every change, and shows
    /// the engine's error) for a file without flags, one where an edit could change them (a
    /// trigger naming those tables, a view or virtual table by those names:
    /// [`catalog_names_may_change`]), or when a read failed.
    pub known: Option<Vec<Value>>,
}

impl CatalogData {
    pub fn agent(&self, name: &str) -> Option<&CatalogAgent> {
        self.agents.iter().find(|a| a.name == name)
    }

    pub fn pending_for(&self, name: &str) -> i64 {
        self.pending.get(name).copied().unwrap_or(0)
    }
}

/// Reads the catalog, the pending flags per target and the names a target may carry (when the
/// file has flags) and the v0 project agents, and builds the search index.
pub async fn load_catalog(open: &OpenDb) -> Result<CatalogData, DbError> {
    let generation = open.report.generation;
    let agents = read_catalog(&open.db, generation).await?;
    let pending = if generation.has_flags() {
        pending_by_target(&open.db).await?.into_iter().filter_map(|(t, n)| Some((t?, n))).collect()
    } else {
        HashMap::new()
    };
    let dynamic = dynamic_agents(&open.db, &open.facts).await?;
    // Held only while no edit could change them (a trigger of the file's, a view).
    let known = match generation.has_flags() && catalog_names_may_change(&open.db).await == Ok(false) {
        true => known_targets(&open.db, &open.facts).await.ok(),
        false => None,
    };
    let index = SearchIndex::new(&agents.iter().map(CatalogAgent::search_text).collect::<Vec<_>>());
    Ok(CatalogData { generation, agents, index, pending, dynamic, known })
}
