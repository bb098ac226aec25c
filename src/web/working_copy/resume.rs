//! What the page shows of the working copy: the offer to resume at start, the badge beside the
//! toolbar, and the quiet notice when persistent storage was refused.

use leptos::prelude::*;

use crate::web::platform::browser::local_time;
use crate::web::state::AppState;
use crate::web::widgets::human_size;
use crate::web::working_copy::{CopyStatus, Offer};
use flagdeck_core::journal::{Origin, SessionMeta};

/// "Resume where you left off?" with the stored database, its changes and when; Resume or Discard.
#[component]
pub fn ResumeBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.copy().offer.get().map(|offer| {
            let body = match &offer.meta {
                Ok(meta) => described(meta, &offer).into_any(),
                Err(why) => view! {
                    <p>
                        "A working copy is stored in this browser, but it cannot be read (" {why.clone()}
                        "). Discard it to start afresh."
                    </p>
                }
                .into_any(),
            };
            let can_resume = offer.meta.is_ok();
            let waiting = state.copy().pending_url.get_value();
            view! {
                <section class="resume" data-testid="resume-session" aria-label="Stored working copy">
                    <h2>"Resume where you left off?"</h2>
                    {body}
                    {waiting.map(|url| view! {
                        <p class="detail">"The address asks to open " <code>{url}</code> ": it opens after Discard."</p>
                    })}
                    <p class="actions">
                        {can_resume.then(|| view! {
                            <button
                                class="button primary"
                                data-testid="resume-session-resume"
                                on:click=move |_| state.resume()
                            >
                                "Resume"
                            </button>
                        })}
                        <button class="button" data-testid="resume-session-discard" on:click=move |_| state.discard_copy()>
                            "Discard"
                        </button>
                    </p>
                </section>
            }
        })
    }
}

/// The stored database, its changes, when, and whether they were exported.
fn described(meta: &SessionMeta, offer: &Offer) -> impl IntoView {
    let r = &offer.rebuilt;
    let n = offer.changes();
    let from = match &meta.origin {
        Origin::File => "opened from this computer".to_owned(),
        Origin::Url(url) => format!("downloaded from {url}"),
        Origin::Demo => "the demo database".to_owned(),
    };
    let last = r.last_at_ms.map(|t| format!(", the last at {}", local_time(t))).unwrap_or_default();
    let s = if n == 1 { "" } else { "s" };
    let exported = match (r.unexported, r.exported_at_ms) {
        (false, Some(t)) => format!("All of them were exported at {}.", local_time(t)),
        (true, Some(t)) => format!("Exported at {}, changed since.", local_time(t)),
        _ => "They were not exported.".to_owned(),
    };
    view! {
        <p data-testid="resume-session-text">
            <strong>{meta.name.clone()}</strong>
            {format!(
                ", {}, {from}, opened at {}: {n} change{s} made here{last}. {exported}",
                human_size(meta.size as usize),
                local_time(meta.opened_at_ms),
            )}
        </p>
        {r.problem.clone().map(|p| view! {
            <p class="warning">"Part of it cannot be read (" {p} "): Resume restores the changes before that."</p>
        })}
        <p class="detail">
            "Resume opens the database as it was opened and makes every change again (undo works as before). "
            "Discard forgets it. Opening another database replaces it."
        </p>
    }
}

/// Whether the changes of the open database are kept in this browser.
#[component]
pub fn CopyBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.db().current().with(Option::is_some).then(|| {
            let status = state.copy().status.get();
            let (key, text, title) = match &status {
                CopyStatus::Idle => ("idle", String::new(), String::new()),
                CopyStatus::Saving => ("saving", "Saving…".to_owned(), String::new()),
                CopyStatus::Saved => (
                    "saved",
                    "✓ Kept in this browser".to_owned(),
                    "Every change is written to this browser's storage: after a reload or a crash, \
                     flagdeck offers to resume."
                        .to_owned(),
                ),
                CopyStatus::Failed(why) => ("failed", format!("⚠ {why}"), String::new()),
                CopyStatus::Off(why) => ("off", format!("⚠ {why}"), String::new()),
            };
            view! { <span class="copy-badge" data-testid="working-copy" data-state=key title=title>{text}</span> }
        })
    }
}

/// Said once, quietly (not an alert): the working copy may be evicted.
#[component]
pub fn StorageNotice() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.copy().notice.get().map(|text| {
            view! {
                <div class="storage-notice" role="status" data-testid="storage-notice">
                    <span>{text}</span>
                    <button class="dismiss" aria-label="Dismiss" on:click=move |_| state.copy().notice.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}
