//! The Acolytes 1.x ("v1") schema as flagdeck writes it.
//!
//! The tables, columns (names, order, declared types, defaults, constraints), indexes, triggers,
//! views, `user_version` and migration row behave exactly like the database that the Acolytes
//! `agent_db.py init` command creates, so the real tool can keep working on a file flagdeck
//! wrote. Trigger messages and CHECK expressions are kept word for word because SQLite reports
//! them in its error texts, which callers of the tool see. `tests/demo.rs` compares this schema
//! with a database written by the real tool, pragma by pragma.
//!
//! Plain SQL only: it runs unchanged in rusqlite and in sql.js (JSON1 is needed for the job
//! triggers and the job priority index).

/// Creates the whole v1 schema in an empty database, sets `user_version` to 1 and records
/// migration 1 (its `applied_at` comes from the column default, `datetime('now')`).
pub const V1_SCHEMA: &str = r#"
CREATE TABLE schema_migrations (
    version      INTEGER PRIMARY KEY,
    applied_at   TEXT NOT NULL DEFAULT (datetime('now')),
    description  TEXT NOT NULL
);

-- The agent catalog. Acolytes (project module agents) fill module/sub_module; the other
-- agents describe themselves with JSON arrays that `search-agents` scores.
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
    connections  JSON
);

-- One row per agent and memory kind, JSON content.
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

-- Units of work. Ids are text ("job_" + hex); at most one job is active at a time.
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

-- Work periods, laid end to end; each belongs to the job that was active when it began.
CREATE TABLE sessions (
    id                     TEXT PRIMARY KEY,
    job_id                 TEXT NOT NULL,
    claude_session_id      TEXT,
    accomplishments        JSON,
    decisions              JSON,
    bugs_fixed             JSON,
    errors_encountered     JSON,
    breakthrough_moment    TEXT,
    next_session_priority  TEXT,
    quality_score          INTEGER,
    created_at             TEXT NOT NULL,
    ended_at               TEXT,
    FOREIGN KEY (job_id) REFERENCES jobs(id)
);

-- A narrative of each finished work period.
CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id         TEXT NOT NULL,
    conversation_flow  TEXT NOT NULL,
    total_exchanges    INTEGER,
    duration_minutes   INTEGER,
    created_at         TEXT NOT NULL,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE
);

-- Flags: one agent tells another (or everybody, target '') what changed and what to do.
-- A follow-up points at the first flag of its chain through chain_origin_id.
CREATE TABLE flags (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_origin_id     INTEGER,
    session_id          TEXT,
    flag_type           TEXT NOT NULL,
    source_agent        TEXT NOT NULL,
    target_agent        TEXT,
    change_description  TEXT NOT NULL,
    action_required     TEXT NOT NULL,
    impact_level        TEXT DEFAULT 'medium',
    status              TEXT DEFAULT 'pending',
    locked              BOOLEAN DEFAULT FALSE,
    related_files       TEXT,
    code_location       TEXT,
    example_usage       TEXT,
    context             JSON,
    created_at          TEXT NOT NULL,
    acknowledged_at     TEXT,
    completed_at        TEXT,
    completed_by        TEXT,
    notes               TEXT,
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE SET NULL,
    FOREIGN KEY (chain_origin_id) REFERENCES flags(id) ON DELETE SET NULL
);

-- Periodic checks of how far an agent's memory has drifted from the code.
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
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE SET NULL
);

-- Every tool call the editor hooks saw.
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
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE SET NULL
);

-- Task list (created by init, not filled by the demo).
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
    FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE SET NULL
);

CREATE INDEX idx_jobs_active ON jobs(completed_at) WHERE completed_at IS NULL;
CREATE INDEX idx_sessions_job ON sessions(job_id);
CREATE INDEX idx_messages_session ON messages(session_id);
CREATE INDEX idx_flags_pending ON flags(status) WHERE status = 'pending';
CREATE INDEX idx_flags_source ON flags(source_agent);
CREATE INDEX idx_flags_session ON flags(session_id);
CREATE INDEX idx_flags_workable ON flags(target_agent, locked, status) WHERE locked = FALSE AND status = 'pending';
CREATE INDEX idx_flags_target ON flags(target_agent, status);
CREATE INDEX idx_flags_chain ON flags(chain_origin_id);
CREATE INDEX idx_agents_memory ON agents_memory(agent_name, memory_type);
CREATE INDEX idx_agents_memory_covering ON agents_memory(agent_name, memory_type, updated_at, content);
CREATE INDEX idx_jobs_priority ON jobs(json_extract(description, '$.priority'), created_at);
CREATE INDEX idx_tool_logs_session ON tool_logs(session_id, timestamp);
CREATE INDEX idx_sessions_time ON sessions(datetime(created_at) DESC);
CREATE UNIQUE INDEX idx_only_one_active_job ON jobs(status) WHERE status = 'active';

-- The newest work period.
CREATE VIEW latest_session AS
    SELECT * FROM sessions
    ORDER BY datetime(created_at) DESC
    LIMIT 1;

-- Pending flags, most severe first, then oldest first. There is deliberately no ELSE branch:
-- an impact level outside the four known ones sorts as NULL, i.e. before 'critical'.
CREATE VIEW pending_flags AS
    SELECT * FROM flags
    WHERE status = 'pending'
    ORDER BY CASE impact_level
                 WHEN 'critical' THEN 1
                 WHEN 'high' THEN 2
                 WHEN 'medium' THEN 3
                 WHEN 'low' THEN 4
             END,
             created_at ASC;

-- Job descriptions are JSON with a known priority, a goals array (when present) and a summary
-- of at least 10 characters; checked on insert and on update.
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

-- Flag texts must be specific enough to act on, and severe flags need a target (NULL only:
-- the empty broadcast target passes). Checked on insert and on every update.
CREATE TRIGGER validate_flag_quality
BEFORE INSERT ON flags
BEGIN
    SELECT CASE
        WHEN LENGTH(NEW.action_required) < 100
            THEN RAISE(ABORT, 'action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed.')
        WHEN LENGTH(NEW.change_description) < 50
            THEN RAISE(ABORT, 'change_description must be at least 50 characters. Describe what changed and why.')
        WHEN NEW.target_agent IS NULL AND NEW.impact_level IN ('high', 'critical')
            THEN RAISE(ABORT, 'High/critical impact flags must have specific target_agent specified.')
    END;
END;

CREATE TRIGGER validate_flag_quality_update
BEFORE UPDATE ON flags
BEGIN
    SELECT CASE
        WHEN LENGTH(NEW.action_required) < 100
            THEN RAISE(ABORT, 'action_required must be at least 100 characters for quality control. Be specific: include file paths, line numbers, exact changes needed.')
        WHEN LENGTH(NEW.change_description) < 50
            THEN RAISE(ABORT, 'change_description must be at least 50 characters. Describe what changed and why.')
        WHEN NEW.target_agent IS NULL AND NEW.impact_level IN ('high', 'critical')
            THEN RAISE(ABORT, 'High/critical impact flags must have specific target_agent specified.')
    END;
END;

-- Severity must fit the kind of flag (insert only).
CREATE TRIGGER validate_flag_consistency
BEFORE INSERT ON flags
BEGIN
    SELECT CASE
        WHEN NEW.impact_level = 'critical' AND NEW.flag_type NOT IN ('breaking_change', 'security', 'data_loss')
            THEN RAISE(ABORT, 'Critical flags must be breaking changes, security issues, or data loss scenarios')
        WHEN NEW.impact_level = 'low' AND NEW.flag_type IN ('breaking_change', 'security')
            THEN RAISE(ABORT, 'Breaking changes and security issues cannot have low impact level')
    END;
END;

PRAGMA user_version = 1;

INSERT INTO schema_migrations (version, description)
VALUES (1, 'Acolytes 1.x schema: agent catalog and memories, jobs, work sessions, flags, tool logs, agent health, todos, with validation triggers');
"#;
