//! The quests of an Acolytes 2.x (or upgraded) file: the `#quests` page (a board by status or a
//! virtual list, filters kept in the address), the `#quest/ID` page (mission, conversation,
//! context and result, turn timeline, history from the quest logs, status change), and the quest
//! log files added beside the database. The core (`flagdeck_core::quests`) reads and writes; this
//! shows.

mod address;
mod board;
mod cards;
mod detail;
mod html;
mod list;
pub mod logs;
mod page;
mod timeline;

pub use address::QuestsView;
pub use detail::QuestPage;
pub use logs::QuestLogs;
pub use page::QuestsPage;

/// Whether the open file has quests (v2, or v1 upgraded: see `Generation::has_quests`).
pub fn has_quests(open: &crate::web::files::loader::OpenDb) -> bool {
    open.report.generation.has_quests()
}
