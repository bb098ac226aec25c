//! The quests of an Acolytes 2.x (or upgraded) file: the `#quests` page (a board by status or a
//! virtual list, filters kept in the address), the `#quest/ID` page (mission, conversation,
//! context and result, turn timeline, history from the quest logs, status change), and the quest
//! log files added beside the database. The core (`flagdeck_core::quests`) reads and writes; this
//! shows.

mod address;
mod board;
mod cards;
mod detail;

mod list;
pub mod logs;
mod page;
mod timeline;

pub use address::{Layout, QuestQuery, QuestsView};
pub use detail::{LatestActivity, QuestPage};
pub use logs::QuestLogs;
pub use page::{QuestIndexStore, QuestsPage};

use leptos::prelude::*;

/// What `#quests` or `#quest/ID` shows on a file without quests (`label`: its generation).
#[component]
pub fn NoQuestsNotice(label: &'static str) -> impl IntoView {
    view! {
        <section class="page">
            <div class="generation-notice" data-testid="no-quests-notice" role="note">
                <h1>"No quests in this file"</h1>
                <p>
                    {format!("This file ({label}) has no ")} <code>"acolyte_quests"</code>
                    " table: quests come with Acolytes 2.x (and with a 1.x file upgraded to it)."
                </p>
            </div>
        </section>
    }
}

/// Whether the open file has quests (v2, or v1 upgraded: see `Generation::has_quests`).
pub fn has_quests(open: &crate::web::files::loader::OpenDb) -> bool {
    open.report.generation.has_quests()
}
