//! Getting databases in and out: open (file, drop, URL, demo), export, save in place.

pub mod live;
pub mod loader;
pub mod save_in_place;
