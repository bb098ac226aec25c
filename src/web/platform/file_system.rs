//! File System Access (Chromium): the open picker, and reading and writing back the picked file.
//!
//! The API is not in web-sys's stable set, so it is declared here with `#[wasm_bindgen] extern
//! "C"`, every call with `catch`. The handle types are structural (no `instanceof` check): a
//! test may stand in a plain object shaped like a handle. `createWritable` writes to a temporary
//! file that replaces the original on `close`, so a failed or interrupted write leaves the
//! original untouched.

use std::fmt;

use js_sys::{Array, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{describe, error_name};

#[wasm_bindgen]
extern "C" {
    /// A `FileSystemFileHandle`: a file the person picked, which can be read and written again.
    #[derive(Clone, Debug)]
    pub type FileHandle;

    #[wasm_bindgen(method, catch, js_name = getFile)]
    fn get_file(this: &FileHandle) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = createWritable)]
    fn create_writable(this: &FileHandle) -> Result<JsValue, JsValue>;

    /// A `FileSystemWritableFileStream`.
    type WritableFile;

    #[wasm_bindgen(method, catch)]
    fn write(this: &WritableFile, data: &Uint8Array) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn close(this: &WritableFile) -> Result<JsValue, JsValue>;

    /// `window.showOpenFilePicker(options)`: resolves to an array of handles.
    #[wasm_bindgen(catch, js_namespace = window, js_name = showOpenFilePicker)]
    fn show_open_file_picker(options: &Object) -> Result<JsValue, JsValue>;

    /// `window.showDirectoryPicker(options)`: resolves to a directory handle.
    #[wasm_bindgen(catch, js_namespace = window, js_name = showDirectoryPicker)]
    fn show_directory_picker(options: &Object) -> Result<JsValue, JsValue>;

    /// A `FileSystemDirectoryHandle`: a folder the person picked; its files can be read (and
    /// found again later, when they were replaced or created).
    #[derive(Clone, Debug)]
    pub type DirHandle;

    #[wasm_bindgen(method, getter)]
    fn name(this: &DirHandle) -> String;

    #[wasm_bindgen(method, catch, js_name = getFileHandle)]
    fn get_file_handle(this: &DirHandle, name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = getDirectoryHandle)]
    fn get_directory_handle(this: &DirHandle, name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, getter, js_name = name)]
    fn file_name(this: &FileHandle) -> String;
}

/// Why a file could not be picked, read or written back.
#[derive(Debug, Clone)]
pub enum FileSystemError {
    /// The person closed the picker (a DOMException named `AbortError`): nothing to report.
    PickerCancelled,
    /// The browser refused access to the file (`NotAllowedError`, `SecurityError`).
    NotAllowed(JsValue),
    /// The handle gave something other than a file.
    NotAFile(JsValue),
    /// No file or folder of that name (`NotFoundError`, `TypeMismatchError`).
    NotFound(JsValue),
    /// Anything else the browser threw, kept as thrown.
    Failed(JsValue),
}

impl FileSystemError {
    /// Sorts a thrown value by its DOMException name (never by its message).
    fn from_js(value: JsValue) -> FileSystemError {
        match error_name(&value).as_deref() {
            Some("NotAllowedError" | "SecurityError") => FileSystemError::NotAllowed(value),
            Some("NotFoundError" | "TypeMismatchError") => FileSystemError::NotFound(value),
            _ => FileSystemError::Failed(value),
        }
    }

    /// As [`from_js`](Self::from_js), where an `AbortError` means the picker was closed.
    fn from_picker(value: JsValue) -> FileSystemError {
        if error_name(&value).as_deref() == Some("AbortError") {
            FileSystemError::PickerCancelled
        } else {
            FileSystemError::from_js(value)
        }
    }
}

impl fmt::Display for FileSystemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileSystemError::PickerCancelled => write!(f, "no file was picked"),
            FileSystemError::NotAllowed(e) => write!(
                f,
                "{} (the browser did not allow access to the file: allow it when asked, or save a new file instead)",
                describe(e)
            ),
            FileSystemError::NotAFile(_) => write!(f, "getFile gave no file"),
            FileSystemError::NotFound(e) => write!(f, "not found ({})", describe(e)),
            FileSystemError::Failed(e) => write!(f, "{}", describe(e)),
        }
    }
}

/// Awaits what a call returned: a promise, or (from a stand-in) a plain value.
async fn settle(result: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&result?)).await
}

/// True where the browser offers the File System Access API.
pub fn supported() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("showOpenFilePicker")).unwrap_or(false))
}

/// True where the browser offers the folder picker (`showDirectoryPicker`).
pub fn folders_supported() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("showDirectoryPicker")).unwrap_or(false))
}

/// Shows the open picker for one or more files (a database and its `-wal`).
/// [`FileSystemError::PickerCancelled`] when the person closes it.
pub async fn pick_files() -> Result<Vec<FileHandle>, FileSystemError> {
    let options = Object::new();
    // A data property on a fresh object: cannot throw.
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("multiple"), &JsValue::TRUE);
    let handles = settle(show_open_file_picker(&options)).await.map_err(FileSystemError::from_picker)?;
    let handles: Vec<FileHandle> = Array::from(&handles).iter().map(JsCast::unchecked_into).collect();
    if handles.is_empty() {
        return Err(FileSystemError::PickerCancelled);
    }
    Ok(handles)
}

/// Shows the folder picker (read access). [`FileSystemError::PickerCancelled`] when closed.
pub async fn pick_folder() -> Result<DirHandle, FileSystemError> {
    let options = Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("mode"), &JsValue::from_str("read"));
    let handle = settle(show_directory_picker(&options)).await.map_err(FileSystemError::from_picker)?;
    Ok(handle.unchecked_into())
}

impl DirHandle {
    /// The folder's name.
    pub fn folder_name(&self) -> String {
        self.name()
    }

    /// The file at `path` (names separated by `/`) under this folder.
    /// [`FileSystemError::NotFound`] when a part of it is missing.
    pub async fn file_at(&self, path: &str) -> Result<FileHandle, FileSystemError> {
        let mut dir = self.clone();
        let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let Some(last) = parts.pop() else { return Err(FileSystemError::NotFound(JsValue::from_str(path))) };
        for part in parts {
            dir = settle(dir.get_directory_handle(part))
                .await
                .map_err(FileSystemError::from_js)?
                .unchecked_into();
        }
        Ok(settle(dir.get_file_handle(last)).await.map_err(FileSystemError::from_js)?.unchecked_into())
    }
}

/// Shows the open picker for one file. [`FileSystemError::PickerCancelled`] when the person
/// closes it.
pub async fn pick_file() -> Result<FileHandle, FileSystemError> {
    let options = Object::new();
    // A data property on a fresh object: cannot throw.
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("multiple"), &JsValue::FALSE);
    let handles = settle(show_open_file_picker(&options)).await.map_err(FileSystemError::from_picker)?;
    let handle = Array::from(&handles).get(0);
    if handle.is_undefined() {
        return Err(FileSystemError::NotAFile(handles));
    }
    Ok(handle.unchecked_into())
}

impl FileHandle {
    /// The file's name.
    pub fn name(&self) -> String {
        self.file_name()
    }

    /// The file behind the handle as it is on disk now.
    pub async fn file(&self) -> Result<web_sys::File, FileSystemError> {
        settle(self.get_file())
            .await
            .map_err(FileSystemError::from_js)?
            .dyn_into::<web_sys::File>()
            .map_err(FileSystemError::NotAFile)
    }

    /// Replaces the file's contents with `bytes` (all or nothing: the browser swaps in the new
    /// contents on close).
    pub async fn write_all(&self, bytes: &Uint8Array) -> Result<(), FileSystemError> {
        let stream: WritableFile =
            settle(self.create_writable()).await.map_err(FileSystemError::from_js)?.unchecked_into();
        settle(stream.write(bytes)).await.map_err(FileSystemError::from_js)?;
        settle(stream.close()).await.map_err(FileSystemError::from_js)?;
        Ok(())
    }
}
