//! The pure core of flagdeck: no web dependencies, no engine. Everything here is tested natively
//! against real SQLite, and runs unchanged in the browser against sql.js through the same port.

pub mod agents;
pub mod bind;
pub mod calendar;
pub mod catalog;
pub mod cell;
pub mod dashboard;
pub mod edit_form;
pub mod edits;
pub mod flag_index;
pub mod flags;
pub mod follow;
pub mod header;
pub mod inspect;
pub mod interner;
pub mod journal;
pub mod json_text;
pub mod julian;
pub mod listing;
pub mod long_text;
pub mod order;
pub mod pages;
pub mod paging;
pub mod port;
pub mod quests;
pub mod row_mirror;
pub mod schema;
pub mod search;
pub mod summary;
pub mod table_export;
pub mod table_info;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod timestamp;
pub mod units;
pub mod unusable;
pub mod value;
pub mod vocabulary;
pub mod wal;
pub mod wire;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;

pub use port::{Database, DbError};
pub use value::{NamedRow, ResultSet, Value};
