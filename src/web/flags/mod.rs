//! The flags feature: the list (filters, virtual table, keyboard triage, bulk), the detail of one
//! flag, and the form that creates and edits flags.

mod detail;
mod form;
mod list;

pub use list::FlagsPage;

use leptos::prelude::*;

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
