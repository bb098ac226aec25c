//! `quests::raw::broadcast_raw`: the stored `broadcast` of a quest, whatever it holds, for the
//! quest page to show when the conversation cannot be read from it.

use flagdeck_core::native::NativeDb;
use flagdeck_core::quests::raw::broadcast_raw;
use flagdeck_core::quests::{quest_detail, Thread};
use flagdeck_core::Database;
use pollster::block_on;

#[test]
fn the_stored_broadcast_comes_back_as_stored_for_every_storage_class() {
    let db = NativeDb::open_bytes(&[]).unwrap();
    block_on(db.execute_batch(
        r#"CREATE TABLE acolyte_quests (quest_id INTEGER PRIMARY KEY, quest_name TEXT, quest_phase TEXT, mission TEXT,
             recruited TEXT, current_agent TEXT, status TEXT, broadcast, context TEXT, result TEXT, created_at TEXT,
             updated_at TEXT);
           INSERT INTO acolyte_quests (quest_id, quest_name, mission, recruited, status, broadcast) VALUES
             (1, 'q1', 'cut', '["@a"]', 'working', '[{"from": "@a", "to": '),
             (2, 'q2', 'null', '["@a"]', 'working', NULL),
             (3, 'q3', 'number', '["@a"]', 'working', 42),
             (4, 'q4', 'fine', '["@a"]', 'working', '[]');"#,
    ))
    .unwrap();
    let raw = |id| block_on(broadcast_raw(&db, id)).unwrap();
    assert_eq!(raw(1).as_deref(), Some(r#"[{"from": "@a", "to": "#));
    assert_eq!(raw(2), None, "NULL");
    assert_eq!(raw(3).as_deref(), Some("42"), "an INTEGER as its digits");
    assert_eq!(raw(4).as_deref(), Some("[]"));
    assert_eq!(raw(99), None, "no such quest");
    // What the page pairs it with: the thread cannot read quest 1, and says so.
    let detail = block_on(quest_detail(&db, 1)).unwrap().unwrap();
    assert!(detail.thread.messages.is_empty() && detail.card.messages.is_none());
    assert_eq!(detail.thread, Thread::parse(raw(1).as_deref()));
}
