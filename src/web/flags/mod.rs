//! The flags feature: the list (filters, virtual table, keyboard triage, bulk), the detail of one
//! flag, and the form that creates and edits flags.

mod detail;
mod form;
mod list;

pub use list::FlagsPage;
