//! The flags feature: the list (filters, virtual table, keyboard triage, bulk), the detail of one
//! flag, and the form that creates and edits flags.

mod cells;
mod detail;
mod form;
pub mod layer;
mod list;
pub(crate) mod paged;
pub(crate) mod read;

pub use list::FlagsPage;

use leptos::prelude::*;

use crate::web::state::OpenDb;
use crate::web::widgets::group_digits;
use flagdeck_core::flags::FlagRow;

/// A flag row's change as hover text: the stored text, or (when the list read only its start,
/// [`FlagRow::change_description_is_cut`]) that start, `…` and the whole text's length in
/// characters — for a change cell cut to one line.
pub(crate) fn change_title(r: &FlagRow) -> String {
    if r.change_description_is_cut() {
        format!("{}… ({} characters)", r.change_description, group_digits(r.change_description_length as i64))
    } else {
        r.change_description.clone()
    }
}

/// Why editing flags is off for the open file (writes to `flags` fire triggers this SQLite cannot
/// compile: `EngineLimits::edit_off`), or `None`. The edit controls are disabled with this as
/// their reason; a write tried anyway is refused by SQLite in its own words.
pub(crate) fn flag_edit_off(db: OpenDb) -> Option<String> {
    db.get().and_then(|o| o.report.limits.edit_off("flags", "flags"))
}

/// What `#flags` and `#flag/ID` show for a file without flags (Acolytes 2.x): a notice in place
/// of a page that could only fail, pointing at the quests that replaced flags.
#[component]
pub fn NoFlagsNotice(label: &'static str) -> impl IntoView {
    view! {
        <section class="page flags-page">
            <div class="generation-notice" data-testid="no-flags-notice" role="note">
                <h1>"No flags in this file"</h1>
                <p>
                    {format!("This is an {label} file: Acolytes 2.x has no ")} <code>"flags"</code>
                    " table. Agents work together through quests instead (the "
                    <code>"acolyte_quests"</code> " table): they are under "
                    <a href="#quests" data-testid="no-flags-quests-link">"Quests"</a> "."
                </p>
            </div>
        </section>
    }
}
