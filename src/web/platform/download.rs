//! Downloads: a Blob, an object URL and a click on an anchor. Nothing leaves the machine.

use std::fmt;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use super::describe;

/// Why a download could not be offered.
#[derive(Debug, Clone)]
pub enum DownloadError {
    /// There is no document to put the link in (not a page).
    NoDocument,
    /// The browser threw making the Blob, its URL or the link, kept as thrown.
    Failed(JsValue),
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownloadError::NoDocument => write!(f, "no document"),
            DownloadError::Failed(e) => write!(f, "{}", describe(e)),
        }
    }
}

/// Offers `bytes` as a download named `name`, of type `mime`.
pub fn download_bytes(name: &str, bytes: &Uint8Array, mime: &str) -> Result<(), DownloadError> {
    download_parts(name, &Array::of1(bytes), mime)
}

/// Offers a copy of `bytes` as a download named `name`, of type `mime`.
pub fn download_slice(name: &str, bytes: &[u8], mime: &str) -> Result<(), DownloadError> {
    download_bytes(name, &Uint8Array::from(bytes), mime)
}

/// Offers the concatenation of `parts` as a download named `name`, of type `mime` (UTF-8):
/// a long text read in pieces is never joined into one string for it.
pub fn download_text_parts<S: AsRef<str>>(name: &str, parts: &[S], mime: &str) -> Result<(), DownloadError> {
    let array = Array::new();
    for part in parts {
        array.push(&JsValue::from_str(part.as_ref()));
    }
    download_parts(name, &array, mime)
}

/// Offers `text` as a download named `name`, of type `mime`.
pub fn download_text(name: &str, text: &str, mime: &str) -> Result<(), DownloadError> {
    download_parts(name, &Array::of1(&JsValue::from_str(text)), mime)
}

fn download_parts(name: &str, parts: &Array, mime: &str) -> Result<(), DownloadError> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(DownloadError::Failed)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(DownloadError::Failed)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(DownloadError::NoDocument)?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(DownloadError::Failed)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoke later: the download reads the blob asynchronously.
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}
