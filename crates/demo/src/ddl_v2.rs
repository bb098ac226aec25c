//! The Acolytes 2.x ("v2", QUEST system) schema as flagdeck writes it, and the two objects an
//! upgrade from 1.x adds lazily ("hybrid" files).
//!
//! The tables, columns (names, order, declared types, defaults, constraints), foreign keys,
//! indexes and triggers behave like the ones the upstream tool creates at commit ba01856:
//! `acolytes/data/scripts/init_db.sql` (run by `agent_db.py init`), the `code_changes` table the
//! `capture_code_changes.py` hook creates on the first Edit/Write, and the `acolyte_quests` table
//! `acolyte_quest_core.QuestCore._ensure_table_exists` creates when a quest script runs on a
//! database without it. `tests/demo_v2.rs` compares them with the fixture files pragma by pragma.
//! The text is this project's own; trigger messages are kept word for word because SQLite
//! reports them in its errors.
//!
//! Plain SQL only: it runs unchanged in rusqlite and in sql.js (JSON1 is needed for the job
//! triggers and the job priority index).

/// Creates the whole v2 schema in an empty database and sets `user_version` to 1 (v2 keeps the
/// 1.x number, so only the tables tell the generations apart). No `flags`, no
/// `schema_migrations`, no view; `acolyte_quests.created_at`/`updated_at` are declared TEXT with
/// the default `datetime('now')`. Includes `code_changes` (created by the code-change hook on the
/// first edit, which every generated v2 file has had).
pub const V2_SCHEMA: &str = r#"
-- Every agent the project can call on. Module agents ("acolytes") must name their module.
CREATE TABLE agents_catalog (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT UNIQUE NOT NULL,
    type         TEXT NOT NULL CHECK(type IN ('analyst', 'audit', 'backend', 'business', 'coordinator', 'database', 'docs', 'frontend', 'ops', 'service', 'test', 'acolyte')),
    module       TEXT,
    sub_module   TEXT,
    role         JSON,
    tech_stack   JSON,
    scenarios    JSON,
    tags         JSON,
    connections  JSON,
    CHECK (type != 'acolyte' OR module IS NOT NULL)
);

-- One JSON document per module agent and memory kind.
CREATE TABLE agents_memory (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_name   TEXT NOT NULL,
    memory_type  TEXT CHECK(memory_type IN ('knowledge', 'structure', 'patterns', 'interfaces', 'dependencies', 'schemas', 'quality', 'operations', 'context', 'domain', 'security', 'errors', 'performance', 'history')) NOT NULL,
    content      JSON NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    FOREIGN KEY (agent_name) REFERENCES agents_catalog(name) ON DELETE CASCADE,
    UNIQUE(agent_name, memory_type)
);

-- Units of work; at most one is active.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    title        TEXT,
    description  JSON NOT NULL,
    status       TEXT DEFAULT 'active' CHECK(status IN ('active', 'paused', 'completed')) NOT NULL,
    created_at   TEXT NOT NULL,
    paused_at    TEXT,
    resumed_at   TEXT,
    completed_at TEXT,
    pause_reason TEXT
);

-- Work periods closed by `/save` (save_session.py), with the 2.x summary fields.
CREATE TABLE sessions (
    id                     TEXT PRIMARY KEY,
    job_id                 TEXT NOT NULL,
    claude_session_id      TEXT,
    primary_request        TEXT,
    technical_concepts     JSON,
    files_and_code         JSON,
    errors_and_fixes       JSON,
    problem_solving        TEXT,
    user_messages          JSON,
    pending_tasks          JSON,
    current_work           TEXT,
    next_step              TEXT,
    accomplishments        JSON,
    bugs_fixed             JSON,
    decisions              JSON,
    breakthrough_moment    TEXT,
    conversation_flow      TEXT,
    quality_score          INTEGER,
    created_at             TEXT NOT NULL,
    ended_at               TEXT,
    FOREIGN KEY (job_id) REFERENCES jobs(id)
);

-- One row per saved session: metrics computed from the chat file and the chat itself.
CREATE TABLE messages (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id                 TEXT NOT NULL UNIQUE,
    total_messages             INTEGER,
    user_messages              INTEGER,
    assistant_messages         INTEGER,
    first_timestamp            TEXT,
    last_timestamp             TEXT,
    duration_minutes           INTEGER,
    avg_message_length         INTEGER,
    avg_response_time_seconds  INTEGER,
    commands_used              TEXT,
    agents_mentioned           TEXT,
    errors_count               INTEGER,
    code_blocks_count          INTEGER,
    frustration_level          INTEGER,
    keywords                   TEXT,
    session_active             BOOLEAN,
    productivity_ratio         REAL,
    complexity_score           INTEGER,
    interactions_per_hour      REAL,
    conversation               JSON,
    created_at                 TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

-- Drift and memory-size checks of the agents.
CREATE TABLE agent_health (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_name             TEXT NOT NULL,
    session_id             TEXT,
    drift_score            INTEGER NOT NULL,
    confidence_score       INTEGER,
    status                 TEXT NOT NULL,
    file_count_current     INTEGER,
    file_count_baseline    INTEGER,
    memory_size_kb         INTEGER,
    memory_size_warning    TEXT,
    largest_memory_type    TEXT,
    needs_compaction       BOOLEAN DEFAULT 0,
    patterns_changed       TEXT,
    dependencies_changed   TEXT,
    issues                 JSON,
    recommendations        TEXT,
    auto_upgrade_eligible  BOOLEAN DEFAULT 0,
    checked_at             TEXT NOT NULL,
    last_upgrade_at        TEXT,
    upgraded_by            TEXT,
    FOREIGN KEY (agent_name) REFERENCES agents_catalog(name) ON DELETE CASCADE,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

-- Every tool call the PreToolUse hook saw.
CREATE TABLE tool_logs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id       TEXT,
    agent_name       TEXT,
    tool_name        TEXT NOT NULL,
    tool_category    TEXT,
    parameters       JSON,
    file_affected    TEXT,
    lines_changed    INTEGER,
    bytes_processed  INTEGER,
    result_summary   TEXT,
    success          BOOLEAN DEFAULT 1,
    error_message    TEXT,
    blocked_by_hook  BOOLEAN DEFAULT 0,
    hook_message     TEXT,
    duration_ms      INTEGER,
    timestamp        TEXT NOT NULL,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

-- The editor's task list (the TodoWrite hook replaces it wholesale).
CREATE TABLE todos (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    task                TEXT NOT NULL,
    status              TEXT DEFAULT 'pending',
    created_at          TEXT NOT NULL,
    completed_at        TEXT,
    session_id          TEXT,
    assigned_to         TEXT,
    estimated_hours     REAL,
    actual_hours        REAL,
    start_date          TEXT,
    reminder_at         TEXT,
    due_date            TEXT,
    module              TEXT,
    tags                JSON,
    dependencies        JSON,
    created_by          TEXT DEFAULT 'user',
    updated_at          TEXT,
    updated_by          TEXT,
    completed_by        TEXT,
    related_files       JSON,
    subtasks_total      INTEGER DEFAULT 0,
    subtasks_completed  INTEGER DEFAULT 0,
    blocked_reason      TEXT,
    auto_created        BOOLEAN DEFAULT 0,
    ai_suggested        BOOLEAN DEFAULT 0,
    context             JSON,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

CREATE INDEX idx_jobs_active ON jobs(completed_at) WHERE completed_at IS NULL;
CREATE INDEX idx_sessions_job ON sessions(job_id);
CREATE INDEX idx_messages_session ON messages(session_id);
CREATE INDEX idx_agents_memory ON agents_memory(agent_name, memory_type);
CREATE INDEX idx_agents_memory_covering ON agents_memory(agent_name, memory_type, updated_at, content);
CREATE INDEX idx_jobs_priority ON jobs(json_extract(description, '$.priority'), created_at);
CREATE INDEX idx_tool_logs_session ON tool_logs(session_id, timestamp);
CREATE INDEX idx_sessions_time ON sessions(datetime(created_at) DESC);
CREATE UNIQUE INDEX idx_only_one_active_job ON jobs(status) WHERE status = 'active';

-- Job descriptions are JSON with a known priority, a goals array and a summary of at least
-- 10 characters, on insert and on update.
CREATE TRIGGER validate_job_description
BEFORE INSERT ON jobs
BEGIN
    SELECT CASE
        WHEN json_extract(NEW.description, '$.priority') NOT IN ('high', 'medium', 'low')
            THEN RAISE(ABORT, 'Invalid priority level in job description')
        WHEN json_type(NEW.description, '$.goals') != 'array'
            THEN RAISE(ABORT, 'Goals must be an array in job description')
        WHEN LENGTH(json_extract(NEW.description, '$.summary')) < 10
            THEN RAISE(ABORT, 'Job summary must be at least 10 characters')
    END;
END;

CREATE TRIGGER validate_job_description_update
BEFORE UPDATE ON jobs
BEGIN
    SELECT CASE
        WHEN json_extract(NEW.description, '$.priority') NOT IN ('high', 'medium', 'low')
            THEN RAISE(ABORT, 'Invalid priority level in job description')
        WHEN json_type(NEW.description, '$.goals') != 'array'
            THEN RAISE(ABORT, 'Goals must be an array in job description')
        WHEN LENGTH(json_extract(NEW.description, '$.summary')) < 10
            THEN RAISE(ABORT, 'Job summary must be at least 10 characters')
    END;
END;

-- A second active job is refused, whether inserted or switched to active.
CREATE TRIGGER enforce_single_active_job
BEFORE INSERT ON jobs
FOR EACH ROW
WHEN NEW.status = 'active' AND EXISTS (SELECT 1 FROM jobs WHERE status = 'active')
BEGIN
    SELECT RAISE(ABORT, 'Cannot create active job - another job is already active. Create as paused instead.');
END;

CREATE TRIGGER enforce_single_active_job_update
BEFORE UPDATE ON jobs
FOR EACH ROW
WHEN NEW.status = 'active' AND EXISTS (SELECT 1 FROM jobs WHERE status = 'active' AND id != NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'Cannot set job to active - another job is already active. Pause the other job first.');
END;

-- Quests: a leader and its workers take turns on one mission. Times are UTC date text when
-- the row is inserted; every update writes epoch seconds (strftime('%s')) into updated_at.
CREATE TABLE acolyte_quests (
    quest_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    quest_name     TEXT NOT NULL,
    quest_phase    TEXT DEFAULT '1/1',
    mission        TEXT NOT NULL,
    recruited      TEXT NOT NULL,
    current_agent  TEXT,
    status         TEXT NOT NULL DEFAULT 'working',
    broadcast      TEXT,
    context        TEXT,
    result         TEXT,
    created_at     TEXT DEFAULT (datetime('now')),
    updated_at     TEXT DEFAULT (datetime('now'))
);

CREATE INDEX idx_current_agent ON acolyte_quests(current_agent);
CREATE INDEX idx_status ON acolyte_quests(status);
CREATE INDEX idx_created_at ON acolyte_quests(created_at);

-- Declared for status history, never written by any 2.x script.
CREATE TABLE acolyte_status_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    quest_id    INTEGER NOT NULL REFERENCES acolyte_quests(quest_id),
    old_status  TEXT,
    new_status  TEXT NOT NULL,
    old_agent   TEXT,
    new_agent   TEXT,
    changed_at  INTEGER DEFAULT (strftime('%s', 'now')),
    loop_count  INTEGER,
    message     TEXT
);

CREATE INDEX idx_acolyte_status_quest ON acolyte_status_changes(quest_id);
CREATE INDEX idx_acolyte_status_time ON acolyte_status_changes(changed_at);

PRAGMA user_version = 1;
"#;

/// `code_changes`, as the code-change hook (`capture_code_changes.py`) creates it on the first
/// Edit/Write/MultiEdit: one row per change, `timestamp` ISO local time with microseconds,
/// `created_at` UTC date text from the column default.
pub const CODE_CHANGES_SCHEMA: &str = r#"
CREATE TABLE code_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp     TEXT NOT NULL,
    session_id    TEXT,
    tool          TEXT NOT NULL,
    file_path     TEXT NOT NULL,
    change_type   TEXT,
    diff_preview  TEXT,
    created_at    TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
"#;

/// `acolyte_quests` as a quest script creates it lazily on a 1.x database (the hybrid): the same
/// columns as in [`V2_SCHEMA`] but `created_at`/`updated_at` declared INTEGER with the default
/// `strftime('%s', 'now')`, so both hold epoch seconds as integers; the three quest indexes; no
/// `acolyte_status_changes` (only `init_db.sql` declares it, and `init` aborts on a 1.x file).
pub const HYBRID_QUESTS_SCHEMA: &str = r#"
CREATE TABLE acolyte_quests (
    quest_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    quest_name     TEXT NOT NULL,
    quest_phase    TEXT DEFAULT '1/1',
    mission        TEXT NOT NULL,
    recruited      TEXT NOT NULL,
    current_agent  TEXT,
    status         TEXT NOT NULL DEFAULT 'working',
    broadcast      TEXT,
    context        TEXT,
    result         TEXT,
    created_at     INTEGER DEFAULT (strftime('%s', 'now')),
    updated_at     INTEGER DEFAULT (strftime('%s', 'now'))
);

CREATE INDEX idx_current_agent ON acolyte_quests(current_agent);
CREATE INDEX idx_status ON acolyte_quests(status);
CREATE INDEX idx_created_at ON acolyte_quests(created_at);
"#;
