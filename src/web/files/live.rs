//! Where the open database lives on disk, when it was opened through File System Access (a file
//! picked with the file picker, with its `-wal` when picked with it, or found in a picked
//! folder): what save in place writes to and what follow mode re-reads. Opening from such a
//! place is the one way both start.

use std::cell::RefCell;

use leptos::task::spawn_local;

use crate::web::platform::file_system::{self, DirHandle, FileHandle, FileSystemError};
use crate::web::state::AppState;
use flagdeck_core::wal::wal_name;

/// Where the database file (and its `-wal`) are read from.
#[derive(Clone, Debug)]
pub enum Place {
    /// Picked with the file picker: the database and, when picked with it, its `-wal` (a handle
    /// to a file that may since have been removed: then there is no WAL).
    Files { db: FileHandle, wal: Option<FileHandle> },
    /// Found in a picked folder at `path` (names separated by `/`, e.g.
    /// `.claude/memory/project.db`); its `-wal` is looked for beside it at every read.
    Folder { dir: DirHandle, path: String },
}

/// A file's size (bytes) and modification time (ms since the epoch), as the browser reports them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FileStamp {
    pub size: f64,
    pub modified: f64,
}

impl FileStamp {
    fn of(file: &web_sys::File) -> Self {
        FileStamp { size: file.size(), modified: file.last_modified() }
    }
}

/// The database and its `-wal` (when there is one) at one read: follow mode re-reads when this
/// changes, save in place refuses to write over a file whose stamp changed since it was read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    pub db: FileStamp,
    pub wal: Option<FileStamp>,
}

/// The files as they are on disk now.
pub struct OnDisk {
    pub db: web_sys::File,
    /// `None` when there is no `-wal` (or none can be seen, see [`Place::sees_folder`]).
    pub wal: Option<web_sys::File>,
    /// Whether a `-shm` file is beside the database (seen in a folder only): a connection has it
    /// open in WAL mode.
    pub shm: bool,
    pub stamp: Stamp,
}

/// The `-wal`, or `None` when the file does not exist (any other failure is returned).
async fn optional(
    handle: Result<FileHandle, FileSystemError>,
) -> Result<Option<web_sys::File>, FileSystemError> {
    let found = match handle {
        Ok(h) => h.file().await,
        Err(e) => Err(e),
    };
    match found {
        Ok(f) => Ok(Some(f)),
        Err(FileSystemError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Place {
    /// Whether what lies beside the database (its `-wal`, its `-shm`) can be seen: a folder. A
    /// pair picked together shows its `-wal` only.
    pub fn sees_folder(&self) -> bool {
        matches!(self, Place::Folder { .. })
    }

    /// The database file's name.
    pub fn name(&self) -> String {
        match self {
            Place::Files { db, .. } => db.name(),
            Place::Folder { path, .. } => path.rsplit('/').next().unwrap_or(path).to_owned(),
        }
    }

    /// The database file's handle now (in a folder, found again: it may have been replaced).
    pub async fn db_handle(&self) -> Result<FileHandle, FileSystemError> {
        match self {
            Place::Files { db, .. } => Ok(db.clone()),
            Place::Folder { dir, path } => dir.file_at(path).await,
        }
    }

    /// Reads the database file and its `-wal` as they are now (the `File` objects only: their
    /// bytes are read when needed).
    pub async fn read(&self) -> Result<OnDisk, FileSystemError> {
        let (db, wal, shm) = match self {
            Place::Files { db, wal } => {
                let wal = match wal {
                    Some(w) => optional(Ok(w.clone())).await?,
                    None => None,
                };
                (db.file().await?, wal, false)
            }
            Place::Folder { dir, path } => {
                let db = dir.file_at(path).await?.file().await?;
                let wal = optional(dir.file_at(&wal_name(path)).await).await?;
                let shm = optional(dir.file_at(&format!("{path}-shm")).await).await?.is_some();
                (db, wal, shm)
            }
        };
        // An empty -wal is no -wal (SQLite leaves it behind after a truncating checkpoint).
        let wal = wal.filter(|w| w.size() > 0.0);
        let stamp = Stamp { db: FileStamp::of(&db), wal: wal.as_ref().map(FileStamp::of) };
        Ok(OnDisk { db, wal, shm, stamp })
    }
}

/// The open database's place, tied to the open attempt it belongs to.
#[derive(Clone, Debug)]
pub struct Live {
    pub place: Place,
    /// The open attempt ([`OpenDb::open_attempt`](crate::web::state::OpenDb::open_attempt)).
    generation: u64,
    /// The files as they were when what is on screen was read.
    pub stamp: Stamp,
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// The place of the database on screen, if it was opened from one.
pub fn current(app: AppState) -> Option<Live> {
    let generation = app.db().open_attempt();
    LIVE.with(|l| l.borrow().clone()).filter(|l| l.generation == generation)
}

/// What is on screen now is the files at `stamp` (after a follow re-read or a save).
pub fn read_at(app: AppState, stamp: Stamp) {
    let generation = app.db().open_attempt();
    LIVE.with(|l| {
        if let Some(l) = l.borrow_mut().as_mut().filter(|l| l.generation == generation) {
            l.stamp = stamp;
        }
    });
}

/// Opens the database at `place` (with its `-wal` when there is one) and remembers the place for
/// save in place and follow mode. Errors go to the alert region.
pub async fn open_place(app: AppState, place: Place) {
    let disk = match place.read().await {
        Ok(d) => d,
        Err(e) => return app.alert(format!("{} could not be read: {e}", place.name())),
    };
    match disk.wal {
        Some(wal) => app.open_file_with_wal(disk.db, wal),
        None => app.open_file(disk.db),
    }
    // The open above started a new attempt: the place belongs to that one only.
    let generation = app.db().open_attempt();
    LIVE.with(|l| *l.borrow_mut() = Some(Live { place, generation, stamp: disk.stamp }));
}

/// Where a project's database is looked for in a picked folder, in order: the folder holding it,
/// the project root, and `.claude` (Acolytes keeps it at `.claude/memory/project.db`).
pub const FOLDER_PATHS: [&str; 3] = ["project.db", ".claude/memory/project.db", "memory/project.db"];

/// Picks files with the browser's picker (a database, optionally with its `-wal`) and opens them.
pub fn open_with_picker(app: AppState) {
    spawn_local(async move {
        let handles = match file_system::pick_files().await {
            Ok(h) => h,
            Err(FileSystemError::PickerCancelled) => return,
            Err(e) => return app.alert(format!("The file could not be picked: {e}")),
        };
        let names: Vec<String> = handles.iter().map(FileHandle::name).collect();
        let Some((d, wal)) = app.pick_pair(&names) else { return };
        let wal = wal.map(|w| handles[w].clone());
        open_place(app, Place::Files { db: handles[d].clone(), wal }).await;
    });
}

/// Picks a folder and opens the project database found in it ([`FOLDER_PATHS`]).
pub fn open_folder(app: AppState) {
    spawn_local(async move {
        let dir = match file_system::pick_folder().await {
            Ok(d) => d,
            Err(FileSystemError::PickerCancelled) => return,
            Err(e) => return app.alert(format!("The folder could not be picked: {e}")),
        };
        for path in FOLDER_PATHS {
            match dir.file_at(path).await {
                Ok(_) => return open_place(app, Place::Folder { dir, path: path.to_owned() }).await,
                Err(FileSystemError::NotFound(_)) => continue,
                Err(e) => {
                    return app.alert(format!("The folder {} could not be read: {e}", dir.folder_name()))
                }
            }
        }
        app.alert(format!(
            "No project database in the folder {}: flagdeck looks for {} (pick the project's root or its \
             .claude/memory folder).",
            dir.folder_name(),
            flagdeck_core::listing::names(&FOLDER_PATHS.map(String::from))
        ));
    });
}
