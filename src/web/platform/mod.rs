//! Browser capabilities, one place each: the sql.js worker, IndexedDB, Web Locks, storage,
//! clocks and performance marks.

pub mod browser;
pub mod idb;
pub mod sqljs;
