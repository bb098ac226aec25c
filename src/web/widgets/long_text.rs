//! A text of any length shown without holding the page: the prefix SQL gave (or the start of a
//! text held in memory), its whole length, and "Show all", "Copy" and "Download" of the whole
//! value. The whole value is read in pieces ([`flag_cell_pieces`]), goes on the page in small
//! blocks ([`chunk_end`]) that the browser lays out only when they come into view
//! (`content-visibility: auto`), a batch per frame, so no task of the page grows with the size
//! of the value.
//!
//! Hooks for tests: the box has `data-testid` (given), `data-length` (the whole length) and
//! `data-state`: `prefix` (the start only), `loading` (the whole value is being read),
//! `rendering` (blocks still being added), `all` (everything is on the page).

use std::ops::Range;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::platform::clipboard::copy_text;
use crate::web::platform::download::{download_slice, download_text_parts};
use crate::web::state::{AppState, OpenDb};
use crate::web::widgets::group_digits;
use flagdeck_core::long_text::{chunk_end, flag_cell_pieces, READ_PIECE_CHARS};
use flagdeck_core::Value;

/// Characters per block: one block is what the browser lays out at once when it scrolls into
/// view.
const CHUNK_CHARS: usize = 4_000;
/// Blocks added per frame after "Show all" (about 100,000 characters).
const CHUNKS_PER_FRAME: usize = 25;
/// Blocks per group. Groups skip layout as a whole when out of view, so the browser checks a
/// few groups per frame rather than every block of a text of millions of characters.
const BLOCKS_PER_GROUP: usize = 50;

/// Where the whole value comes from when more than the prefix is asked for.
#[derive(Clone, Debug)]
pub enum Whole {
    /// The text shown is already the whole value.
    Shown,
    /// Held in memory (e.g. pretty-printed JSON); the box shows its start.
    Held(Arc<str>),
    /// A cell of `flags`, read from the database in pieces when asked for.
    FlagCell { id: i64, column: &'static str },
}

/// The whole value once read: its text in consecutive pieces, or a BLOB's bytes.
#[derive(Clone, Debug)]
enum Read {
    Text(Arc<Vec<Arc<str>>>),
    Bytes(Arc<Vec<u8>>),
}

impl Read {
    /// The pieces [`flag_cell_pieces`] returned: a BLOB's bytes joined, anything else as text.
    fn from_pieces(values: Vec<Value>) -> Read {
        if !values.is_empty() && values.iter().all(|v| matches!(v, Value::Blob(_))) {
            let bytes = values
                .into_iter()
                .flat_map(|v| if let Value::Blob(b) = v { b } else { Vec::new() })
                .collect();
            return Read::Bytes(Arc::new(bytes));
        }
        let texts = values
            .into_iter()
            .map(|v| match v {
                Value::Text(s) => Arc::from(s),
                other => Arc::from(other.display()),
            })
            .collect();
        Read::Text(Arc::new(texts))
    }

    /// The text to show, in pieces.
    fn texts(&self) -> Arc<Vec<Arc<str>>> {
        match self {
            Read::Text(t) => t.clone(),
            Read::Bytes(b) => Arc::new(vec![Arc::from(Value::Blob(b.to_vec()).display())]),
        }
    }
}

/// A text on the page: its pieces, the blocks cut so far and where the next block starts.
#[derive(Clone)]
struct Body {
    /// Bumped when the text is replaced, so the blocks of the previous text go.
    generation: u64,
    pieces: Arc<Vec<Arc<str>>>,
    /// (piece, byte range in it) of each block on the page.
    blocks: Vec<(usize, Range<usize>)>,
    /// The next block's piece and byte offset.
    next: (usize, usize),
}

impl Body {
    fn new(generation: u64, pieces: Arc<Vec<Arc<str>>>) -> Body {
        Body { generation, pieces, blocks: Vec::new(), next: (0, 0) }
    }

    fn done(&self) -> bool {
        self.next.0 >= self.pieces.len()
    }

    /// Cuts up to `n` more blocks; each walks only its own characters.
    fn grow(&mut self, n: usize) {
        for _ in 0..n {
            let (p, start) = self.next;
            let Some(piece) = self.pieces.get(p) else { return };
            if start >= piece.len() {
                self.next = (p + 1, 0);
                continue;
            }
            let end = chunk_end(piece, start, CHUNK_CHARS);
            self.blocks.push((p, start..end));
            self.next = if end >= piece.len() { (p + 1, 0) } else { (p, end) };
        }
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
    let boxed = cut || length > CHUNK_CHARS;
    let mut first = Body::new(0, Arc::new(vec![Arc::from(prefix)]));
    first.grow(usize::MAX);
    let body = RwSignal::new(first);
    let state = RwSignal::new("prefix");
    // The whole value once read (Show all, Copy and Download read it once).
    let read: StoredValue<Option<Read>> = StoredValue::new(match &whole {
        Whole::Held(text) => Some(Read::Text(Arc::new(vec![text.clone()]))),
        _ => None,
    });
    let whole = StoredValue::new(whole);

    // Reads the whole value (piece by piece, one task each), then runs `then` with it.
    let with_whole = move |then: Box<dyn FnOnce(Read)>| {
        if let Some(r) = read.get_value() {
            then(r);
            return;
        }
        let Whole::FlagCell { id, column } = whole.get_value() else { return };
        let Some(open) = db.get() else { return };
        // Run to their end (a Download or Copy asked for finishes after the box is rebuilt);
        // what then touches the box checks that it is still there.
        spawn_local(async move {
            match flag_cell_pieces(&open.db, id, column, READ_PIECE_CHARS).await {
                Ok(Some(values)) => {
                    let r = Read::from_pieces(values);
                    read.set_value(Some(r.clone()));
                    then(r);
                }
                Ok(None) => app.alert(format!("Flag #{id} is no longer in this file.")),
                Err(e) => app.alert(format!("The whole {column} could not be read: {e}")),
            }
        });
    };

    let show_all = move |_| {
        state.set("loading");
        with_whole(Box::new(move |r| {
            // Not once the box is gone (read after the detail was rebuilt or left).
            let Some(generation) = body.try_with_untracked(|b| b.generation + 1) else { return };
            body.set(Body::new(generation, r.texts()));
            add_blocks(body, state, generation);
        }));
    };
    let copy = move |_| {
        with_whole(Box::new(move |r| {
            let text: String = r.texts().iter().map(|p| &**p).collect();
            spawn_local(async move {
                if let Err(e) = copy_text(&text).await {
                    app.alert(format!("The text could not be copied: {e}"));
                }
            });
        }))
    };
    let download = move |_| {
        let file_name = file_name.clone();
        with_whole(Box::new(move |r| {
            let done = match &r {
                Read::Bytes(bytes) => download_slice(&file_name, bytes, "application/octet-stream"),
                Read::Text(pieces) => download_text_parts(&file_name, pieces, "text/plain;charset=utf-8"),
            };
            if let Err(e) = done {
                app.alert(format!("{file_name} could not be downloaded: {e}"));
            }
        }))
    };

    let groups = move || {
        body.with(|b| {
            (0..b.blocks.len().div_ceil(BLOCKS_PER_GROUP)).map(|g| (b.generation, g)).collect::<Vec<_>>()
        })
    };
    view! {
        <div class="long-text" class:long-box=boxed data-testid=testid data-length=length
            data-state=move || state.get()>
            <div class=class>
                <For each=groups key=|k| *k let:group>
                    <div class="long-group">
                        <For each=move || group_blocks(body, group) key=|k| *k let:key>
                            {body.with_untracked(|b| {
                                let text = b
                                    .blocks
                                    .get(key.1)
                                    .and_then(|(p, range)| b.pieces.get(*p).and_then(|piece| piece.get(range.clone())))
                                    .unwrap_or_default()
                                    .to_owned();
                                view! { <div class="long-piece">{text}</div> }
                            })}
                        </For>
                    </div>
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

/// The keys of the blocks of group `(generation, g)` on the page.
fn group_blocks(body: RwSignal<Body>, (generation, g): (u64, usize)) -> Vec<(u64, usize)> {
    body.with(|b| {
        let end = b.blocks.len().min((g + 1) * BLOCKS_PER_GROUP);
        if b.generation != generation {
            return Vec::new();
        }
        (g * BLOCKS_PER_GROUP..end).map(|i| (generation, i)).collect()
    })
}

/// Cuts and adds [`CHUNKS_PER_FRAME`] more blocks each frame until all of text `generation` is
/// on the page, then says `all`.
fn add_blocks(body: RwSignal<Body>, state: RwSignal<&'static str>, generation: u64) {
    body.update(|b| {
        if b.generation == generation {
            b.grow(CHUNKS_PER_FRAME);
        }
    });
    // Not once the box is gone (a frame after it was taken down).
    let Some((true, done)) = body.try_with_untracked(|b| (b.generation == generation, b.done())) else {
        return;
    };
    if done {
        state.set("all");
        return;
    }
    state.set("rendering");
    request_animation_frame(move || add_blocks(body, state, generation));
}
