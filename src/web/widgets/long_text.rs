//! A text of any length shown without holding the page: the prefix SQL gave (or the start of a
//! text held in memory), its whole length, and "Show all", "Copy" and "Download" of the whole
//! value. The text goes on the page in pieces ([`chunk_bounds`]) that the browser lays out only
//! when they come into view (`content-visibility: auto`), and "Show all" adds them a batch per
//! frame, so no task of the page grows with the size of the value.
//!
//! Hooks for tests: the box has `data-testid` (given), `data-length` (the whole length) and
//! `data-state`: `prefix` (the start only), `loading` (the whole value is being read),
//! `rendering` (pieces still being added), `all` (everything is on the page).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::platform::clipboard::copy_text;
use crate::web::platform::download::{download_slice, download_text};
use crate::web::state::{AppState, OpenDb};
use crate::web::widgets::group_digits;
use flagdeck_core::long_text::{chunk_bounds, flag_cell};
use flagdeck_core::Value;

/// Characters per piece: one piece is what the browser lays out at once when it scrolls into
/// view.
const CHUNK_CHARS: usize = 4_000;
/// Pieces added per frame after "Show all" (about 200,000 characters).
const CHUNKS_PER_FRAME: usize = 50;

/// Where the whole value comes from when more than the prefix is asked for.
#[derive(Clone, Debug)]
pub enum Whole {
    /// The text shown is already the whole value.
    Shown,
    /// Held in memory (e.g. pretty-printed JSON); the box shows its start.
    Held(Arc<str>),
    /// A cell of `flags`, read from the database when asked for ([`flag_cell`]).
    FlagCell { id: i64, column: &'static str },
}

/// A text on the page: the text and its pieces, and how many pieces are on the page.
#[derive(Clone)]
struct Body {
    /// Bumped when the text is replaced, so the pieces of the previous text go.
    generation: u64,
    text: Arc<str>,
    pieces: Arc<Vec<std::ops::Range<usize>>>,
    rendered: usize,
}

impl Body {
    fn new(generation: u64, text: Arc<str>, first: usize) -> Body {
        let pieces = Arc::new(chunk_bounds(&text, CHUNK_CHARS));
        let rendered = first.min(pieces.len());
        Body { generation, text, pieces, rendered }
    }
}

/// The value read for "Show all", "Copy" or "Download".
fn value_text(v: &Value) -> Arc<str> {
    match v {
        Value::Text(s) => Arc::from(s.as_str()),
        other => Arc::from(other.display()),
    }
}

/// A long text: `prefix` (the start, or all of it when `whole` is [`Whole::Shown`]), `length`
/// (characters of the whole value, as SQLite counts them), and for a longer value the note
/// "… (N characters)" with Show all / Copy / Download (saved as `file_name`). `class` styles the
/// text (`prose`, `code`); `testid` names the box.
#[component]
pub fn LongText(
    prefix: String,
    length: usize,
    whole: Whole,
    file_name: String,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let db = expect_context::<OpenDb>();
    let cut = !matches!(whole, Whole::Shown) && length > prefix.chars().count();
    let body = RwSignal::new(Body::new(0, Arc::from(prefix), usize::MAX));
    let state = RwSignal::new("prefix");
    // The whole value once read (Show all, Copy and Download read it once).
    let fetched: StoredValue<Option<Value>> = StoredValue::new(match &whole {
        Whole::Held(text) => Some(Value::Text(text.to_string())),
        _ => None,
    });
    let whole = StoredValue::new(whole);

    // Reads the whole value, then runs `then` with it.
    let with_whole = move |then: Box<dyn FnOnce(Value)>| {
        if let Some(v) = fetched.get_value() {
            then(v);
            return;
        }
        let Whole::FlagCell { id, column } = whole.get_value() else { return };
        let Some(open) = db.get() else { return };
        spawn_local(async move {
            match flag_cell(&open.db, id, column).await {
                Ok(Some(v)) => {
                    fetched.set_value(Some(v.clone()));
                    then(v);
                }
                Ok(None) => app.alert(format!("Flag #{id} is no longer in this file.")),
                Err(e) => app.alert(format!("The whole {column} could not be read: {e}")),
            }
        });
    };

    let show_all = move |_| {
        state.set("loading");
        with_whole(Box::new(move |v| {
            let generation = body.with_untracked(|b| b.generation) + 1;
            body.set(Body::new(generation, value_text(&v), CHUNKS_PER_FRAME));
            add_pieces(body, state, generation);
        }));
    };
    let copy = move |_| {
        with_whole(Box::new(move |v| {
            let text = value_text(&v);
            spawn_local(async move {
                if let Err(e) = copy_text(&text).await {
                    app.alert(format!("The text could not be copied: {e}"));
                }
            });
        }))
    };
    let download = {
        let file_name = file_name.clone();
        move |_| {
            let file_name = file_name.clone();
            with_whole(Box::new(move |v| {
                let done = match &v {
                    Value::Blob(bytes) => download_slice(&file_name, bytes, "application/octet-stream"),
                    other => download_text(&file_name, &value_text(other), "text/plain;charset=utf-8"),
                };
                if let Err(e) = done {
                    app.alert(format!("{file_name} could not be downloaded: {e}"));
                }
            }))
        }
    };

    let boxed = cut || length > CHUNK_CHARS;
    let pieces = move || body.with(|b| (0..b.rendered).map(|i| (b.generation, i)).collect::<Vec<_>>());
    view! {
        <div class="long-text" class:long-box=boxed data-testid=testid data-length=length
            data-state=move || state.get()>
            <div class=class>
                <For each=pieces key=|k| *k let:key>
                    {body.with_untracked(|b| {
                        let range = b.pieces.get(key.1).cloned().unwrap_or_default();
                        let piece = b.text.get(range).unwrap_or_default().to_owned();
                        view! { <div class="long-piece">{piece}</div> }
                    })}
                </For>
            </div>
        </div>
        {cut.then(|| view! {
            <p class="long-note muted" data-testid="long-note">
                {move || if state.get() == "prefix" {
                    format!("… ({} characters)", group_digits(length as i64))
                } else {
                    format!("{} characters", group_digits(length as i64))
                }}
                " "
                <button class="link" data-testid="long-show-all" disabled=move || state.get() != "prefix"
                    on:click=show_all>"Show all"</button>
                " · "
                <button class="link" data-testid="long-copy" on:click=copy>"Copy"</button>
                " · "
                <button class="link" data-testid="long-download" on:click=download>"Download"</button>
            </p>
        })}
    }
}

/// Adds [`CHUNKS_PER_FRAME`] more pieces each frame until all of text `generation` is on the
/// page, then says `all`.
fn add_pieces(body: RwSignal<Body>, state: RwSignal<&'static str>, generation: u64) {
    let (current, done) = body.with_untracked(|b| (b.generation == generation, b.rendered >= b.pieces.len()));
    if !current {
        return;
    }
    if done {
        state.set("all");
        return;
    }
    state.set("rendering");
    request_animation_frame(move || {
        body.update(|b| {
            if b.generation == generation {
                b.rendered = (b.rendered + CHUNKS_PER_FRAME).min(b.pieces.len());
            }
        });
        add_pieces(body, state, generation);
    });
}
