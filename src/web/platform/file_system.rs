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
    /// Anything else the browser threw, kept as thrown.
    Failed(JsValue),
}

impl FileSystemError {
    /// Sorts a thrown value by its DOMException name (never by its message).
    fn from_js(value: JsValue) -> FileSystemError {
        match error_name(&value).as_deref() {
            Some("NotAllowedError" | "SecurityError") => FileSystemError::NotAllowed(value),
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
