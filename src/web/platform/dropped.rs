//! What a drop or a multi-file input holds: the files, and the files inside dropped folders
//! (through the `webkitGetAsEntry` file-system entries every current browser offers for drops),
//! and the text of a file.

use std::fmt;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DragEvent, File};

use super::describe;

#[wasm_bindgen]
extern "C" {
    /// `DataTransfer`, for its `items` (web-sys puts the entry API behind several features).
    type TransferItems;

    #[wasm_bindgen(method, getter)]
    fn items(this: &TransferItems) -> JsValue;

    /// `DataTransferItem`.
    type Item;

    #[wasm_bindgen(method, getter)]
    fn kind(this: &Item) -> String;

    #[wasm_bindgen(method, catch, js_name = webkitGetAsEntry)]
    fn webkit_get_as_entry(this: &Item) -> Result<Option<Entry>, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getAsFile)]
    fn get_as_file(this: &Item) -> Result<Option<File>, JsValue>;

    /// `FileSystemEntry` (a file or a directory of a drop).
    #[derive(Clone)]
    type Entry;

    #[wasm_bindgen(method, getter, js_name = isDirectory)]
    fn is_directory(this: &Entry) -> bool;

    #[wasm_bindgen(method, getter)]
    fn name(this: &Entry) -> String;

    #[wasm_bindgen(method, catch, js_name = createReader)]
    fn create_reader(this: &Entry) -> Result<DirectoryReader, JsValue>;

    #[wasm_bindgen(method, catch, js_name = file)]
    fn file(this: &Entry, ok: &Function, fail: &Function) -> Result<(), JsValue>;

    /// `FileSystemDirectoryEntry.getFile(path, options, ok, fail)`: the entry at `path` under it.
    #[wasm_bindgen(method, catch, js_name = getFile)]
    fn get_file(
        this: &Entry,
        path: &str,
        options: &JsValue,
        ok: &Function,
        fail: &Function,
    ) -> Result<(), JsValue>;

    /// `FileSystemDirectoryReader`.
    type DirectoryReader;

    #[wasm_bindgen(method, catch, js_name = readEntries)]
    fn read_entries(this: &DirectoryReader, ok: &Function, fail: &Function) -> Result<(), JsValue>;
}

/// Why the files of a drop could not all be read.
#[derive(Debug, Clone)]
pub enum DropError {
    /// A dropped folder (named) could not be listed: the browser's error, as thrown.
    Folder(String, JsValue),
    /// A file (named) could not be read, as thrown.
    File(String, JsValue),
}

impl fmt::Display for DropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropError::Folder(name, e) => {
                write!(f, "the folder {name} could not be listed ({})", describe(e))
            }
            DropError::File(name, e) => write!(f, "{name} could not be read ({})", describe(e)),
        }
    }
}

/// One thing dropped: a file, or a folder still to be listed.
pub enum Dropped {
    File(File),
    Folder(DroppedFolder),
}

/// A dropped folder; its files are listed with [`folder_files`].
pub struct DroppedFolder(Entry);

impl DroppedFolder {
    /// The folder's name.
    pub fn name(&self) -> String {
        self.0.name()
    }

    /// The file at `path` (names separated by `/`) under the folder, `None` when there is none
    /// (the browser's `NotFoundError`, or a folder at that path).
    pub async fn file_at(&self, path: &str) -> Result<Option<File>, DropError> {
        let options = js_sys::Object::new().into();
        let found = callback(|ok, fail| self.0.get_file(path, &options, ok, fail)).await;
        let entry: Entry = match found {
            Ok(entry) => entry.unchecked_into(),
            Err(e)
                if matches!(
                    super::error_name(&e).as_deref(),
                    Some("NotFoundError" | "TypeMismatchError")
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(DropError::File(path.to_owned(), e)),
        };
        let file = callback(|ok, fail| entry.file(ok, fail))
            .await
            .map_err(|e| DropError::File(path.to_owned(), e))?;
        Ok(Some(file.unchecked_into()))
    }
}

/// Everything a drop holds, files and folders, in the order dropped. Must be called while the
/// drop event is dispatched (the browser empties the transfer afterwards); listing folders can
/// wait. A browser without entries gives the plain file list (folders then do not show).
pub fn dropped(e: &DragEvent) -> Vec<Dropped> {
    let Some(transfer) = e.data_transfer() else { return Vec::new() };
    let items = transfer.unchecked_ref::<TransferItems>().items();
    let length = Reflect::get(&items, &"length".into()).ok().and_then(|l| l.as_f64()).unwrap_or(0.0) as u32;
    let mut out = Vec::new();
    for i in 0..length {
        let Ok(item) = Reflect::get_u32(&items, i) else { continue };
        let item: Item = item.unchecked_into();
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) if entry.is_directory() => out.push(Dropped::Folder(DroppedFolder(entry))),
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    out.push(Dropped::File(file));
                }
            }
        }
    }
    if out.is_empty() {
        if let Some(files) = transfer.files() {
            out.extend((0..files.length()).filter_map(|i| files.get(i)).map(Dropped::File));
        }
    }
    out
}

/// Calls `start(resolve, reject)` and waits for either.
async fn callback(
    start: impl FnOnce(&Function, &Function) -> Result<(), JsValue>,
) -> Result<JsValue, JsValue> {
    let mut start = Some(start);
    let mut thrown = None;
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(start) = start.take() {
            if let Err(e) = start(&resolve, &reject) {
                thrown = Some(e);
            }
        }
    });
    if let Some(e) = thrown {
        return Err(e);
    }
    JsFuture::from(promise).await
}

/// Every file in a dropped folder and its sub-folders (`readEntries` answers in batches, until
/// an empty one).
pub async fn folder_files(folder: &DroppedFolder) -> Result<Vec<File>, DropError> {
    let mut files = Vec::new();
    let mut folders = vec![folder.0.clone()];
    while let Some(dir) = folders.pop() {
        let failed = |e| DropError::Folder(dir.name(), e);
        let reader = dir.create_reader().map_err(failed)?;
        loop {
            let batch = callback(|ok, fail| reader.read_entries(ok, fail)).await.map_err(failed)?;
            let batch = js_sys::Array::from(&batch);
            if batch.length() == 0 {
                break;
            }
            for entry in batch.iter() {
                let entry: Entry = entry.unchecked_into();
                if entry.is_directory() {
                    folders.push(entry);
                } else {
                    let file = callback(|ok, fail| entry.file(ok, fail))
                        .await
                        .map_err(|e| DropError::File(entry.name(), e))?;
                    files.push(file.unchecked_into());
                }
            }
        }
    }
    Ok(files)
}

/// Every file picked in the `<input type=file multiple>` (or `webkitdirectory`) behind a change
/// event; the input is reset so that picking the same files again fires `change` again.
pub fn take_input_files(e: &web_sys::Event) -> Vec<File> {
    let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return Vec::new();
    };
    let files = input.files().map(|f| (0..f.length()).filter_map(|i| f.get(i)).collect()).unwrap_or_default();
    input.set_value("");
    files
}

/// The text of a file (UTF-8; invalid bytes become U+FFFD, as `Blob.text()` reads them).
pub async fn file_text(file: &File) -> Result<String, DropError> {
    let text = JsFuture::from(file.text()).await.map_err(|e| DropError::File(file.name(), e))?;
    Ok(text.as_string().unwrap_or_default())
}
