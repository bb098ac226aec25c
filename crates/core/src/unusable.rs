//! Schema objects this SQLite cannot use, told apart from damage.
//!
//! A healthy file can hold objects the engine at hand cannot run: a virtual table of a module it
//! was built without (sql.js 1.16 has FTS3/FTS4 but not FTS5), a view or a trigger naming a table
//! or column that no longer exists (SQLite lets `DROP TABLE` leave them behind), a function this
//! build lacks. SQLite only notices when it compiles a statement that uses them, with messages
//! such as `no such module: fts5`. Damage is something else: pages that do not hold what the
//! b-trees say, found by `PRAGMA quick_check` (`database disk image is malformed`, `Page 7: …`).
//!
//! * [`classify_check`] sorts a message of `quick_check` or of reading the schema: a missing
//!   module, table, column or function, or damage (anything else);
//! * [`classify_compile`] sorts the error of a statement that was only compiled (a probe): the
//!   same missing things, damage only for SQLite's corruption messages, and otherwise
//!   [`Cause::Refused`] (the object's own definition does not compile here: an ambiguous column,
//!   a function `trusted_schema = OFF` forbids…);
//! * [`find`] probes every view, every virtual table and the writes of every table that has
//!   triggers, and returns the [`EngineLimits`] of the file: the objects that cannot be used and
//!   the writes that fail because of them. Nothing is run: views and virtual tables are read
//!   with `LIMIT 0`, writes are compiled with `EXPLAIN QUERY PLAN` (which compiles every trigger
//!   the write would fire, and runs none). On a file without such objects this costs two
//!   statements: the schema list and one batch of all probes.

use serde::Serialize;

use super::listing;
use super::port::{Database, DbError};
use super::schema::{quote_ident, SchemaFacts};

/// Why SQLite refused a statement or reported a `quick_check` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Cause {
    /// The file itself is damaged (a `quick_check` line, `database disk image is malformed`…).
    Damage,
    /// `no such module: NAME`: a virtual table module this SQLite was built without.
    MissingModule(String),
    /// `no such table: NAME` (the `main.` prefix removed).
    MissingTable(String),
    /// `no such column: NAME` (as SQLite names it, possibly `table.column`).
    MissingColumn(String),
    /// `no such function: NAME`: a function this SQLite does not have (such as `percentile`
    /// in sql.js 1.16).
    MissingFunction(String),
    /// Another reason an object does not compile here (only from [`classify_compile`]).
    Refused,
}

impl Cause {
    /// Whether this is damage to the file (and not something the engine lacks).
    pub fn is_damage(&self) -> bool {
        *self == Cause::Damage
    }

    /// What is missing, in words: `module fts5`, `table orders`, `column d`, `function
    /// percentile`; `None` for damage and other refusals.
    pub fn missing(&self) -> Option<String> {
        match self {
            Cause::MissingModule(m) => Some(format!("module {m}")),
            Cause::MissingTable(t) => Some(format!("table {t}")),
            Cause::MissingColumn(c) => Some(format!("column {c}")),
            Cause::MissingFunction(f) => Some(format!("function {f}")),
            Cause::Damage | Cause::Refused => None,
        }
    }

    /// The name that is missing (without what kind it is).
    fn name(&self) -> Option<&str> {
        match self {
            Cause::MissingModule(n)
            | Cause::MissingTable(n)
            | Cause::MissingColumn(n)
            | Cause::MissingFunction(n) => Some(n),
            Cause::Damage | Cause::Refused => None,
        }
    }
}

/// The missing thing a message names, if it is one of SQLite's "no such …" messages. A leading
/// `error in view|trigger|index|table NAME: ` (from `ALTER TABLE`) is skipped.
fn missing_in(message: &str) -> Option<Cause> {
    let mut m = message.trim();
    if let Some(rest) = m.strip_prefix("error in ") {
        if let Some((_, after)) = rest.split_once(": ") {
            m = after.trim();
        }
    }
    let after = |prefix: &str| m.strip_prefix(prefix).map(|n| n.trim().to_owned());
    if let Some(n) = after("no such module: ") {
        return Some(Cause::MissingModule(n));
    }
    if let Some(n) = after("no such table: ") {
        let n = n.strip_prefix("main.").map(str::to_owned).unwrap_or(n);
        return Some(Cause::MissingTable(n));
    }
    if let Some(n) = after("no such column: ") {
        return Some(Cause::MissingColumn(n));
    }
    if let Some(n) = after("no such function: ") {
        return Some(Cause::MissingFunction(n));
    }
    None
}

/// Whether a message is one of SQLite's words for a damaged file (`SQLITE_CORRUPT`,
/// `SQLITE_NOTADB`, an unreadable schema).
fn is_corruption(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["malformed", "not a database", "corrupt", "unsupported file format"].iter().any(|w| m.contains(w))
}

/// Sorts a line of `PRAGMA quick_check` (other than `ok`) or the error of reading the schema:
/// SQLite's "no such module / table / column / function" messages are what the engine lacks;
/// every other line is [`Cause::Damage`] (quick_check reports nothing else).
pub fn classify_check(message: &str) -> Cause {
    missing_in(message).unwrap_or(Cause::Damage)
}

/// Sorts the error of compiling a statement that uses a schema object (the probes of [`find`]):
/// the missing things as in [`classify_check`]; [`Cause::Damage`] for SQLite's corruption
/// messages (`database disk image is malformed`, `file is not a database`, `malformed database
/// schema …`); anything else is [`Cause::Refused`]: the object's definition does not compile
/// here, which says nothing about the file's pages.
pub fn classify_compile(message: &str) -> Cause {
    if let Some(cause) = missing_in(message) {
        return cause;
    }
    if is_corruption(message) {
        Cause::Damage
    } else {
        Cause::Refused
    }
}

/// The kinds of schema object a probe can find unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ObjectKind {
    VirtualTable,
    View,
    Trigger,
}

impl ObjectKind {
    /// `virtual table`, `view`, `trigger`.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::VirtualTable => "virtual table",
            ObjectKind::View => "view",
            ObjectKind::Trigger => "trigger",
        }
    }
}

/// One schema object this SQLite cannot use. It stays in the file exactly as it is; nothing
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnusableObject {
    pub kind: ObjectKind,
    pub name: String,
    /// `sqlite_master.tbl_name`: for a trigger the table it is on.
    pub table: String,
    /// For a virtual table, its module (`USING module(…)`).
    pub module: Option<String>,
    pub cause: Cause,
    /// SQLite's own words.
    pub message: String,
}

impl UnusableObject {
    /// One line for the summary, e.g. `virtual table flags_fts (module fts5): this SQLite does
    /// not have module fts5 ("no such module: fts5")`.
    pub fn describe(&self) -> String {
        let what = match (&self.kind, &self.module) {
            (ObjectKind::VirtualTable, Some(m)) => {
                format!("virtual table {} (module {m})", listing::clip(&self.name))
            }
            (ObjectKind::Trigger, _) => {
                format!("trigger {} on {}", listing::clip(&self.name), listing::clip(&self.table))
            }
            (kind, _) => format!("{} {}", kind.noun(), listing::clip(&self.name)),
        };
        let why = match (&self.cause, self.kind) {
            (Cause::MissingModule(m), ObjectKind::VirtualTable) => {
                format!("this SQLite does not have module {m}")
            }
            (Cause::MissingModule(m), _) => {
                format!("it uses a virtual table of module {m}, which this SQLite does not have")
            }
            (Cause::MissingTable(t), _) => format!("it names table {t}, which does not exist"),
            (Cause::MissingColumn(c), _) => format!("it names column {c}, which does not exist"),
            (Cause::MissingFunction(f), _) => {
                format!("it calls function {f}, which this SQLite does not have")
            }
            (Cause::Damage | Cause::Refused, _) => "SQLite does not compile it here".to_owned(),
        };
        format!("{what}: {why} (\u{201c}{}\u{201d})", listing::clip(&self.message))
    }
}

/// A write to a table, as a probe compiles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Write {
    Insert,
    Update,
    Delete,
}

impl Write {
    pub const ALL: [Write; 3] = [Write::Insert, Write::Update, Write::Delete];

    /// `inserting`, `updating`, `deleting`.
    pub fn gerund(self) -> &'static str {
        match self {
            Write::Insert => "inserting",
            Write::Update => "updating",
            Write::Delete => "deleting",
        }
    }

    /// The probe: the write compiled with `EXPLAIN QUERY PLAN` (never run), touching every
    /// column for UPDATE so that `UPDATE OF column` triggers are compiled too.
    fn probe_sql(self, table: &str, columns: &[String]) -> Option<String> {
        let t = quote_ident(table);
        Some(match self {
            Write::Insert => format!("EXPLAIN QUERY PLAN INSERT INTO {t} DEFAULT VALUES"),
            Write::Update => {
                if columns.is_empty() {
                    return None;
                }
                let set: Vec<String> = columns.iter().map(|c| format!("{0} = {0}", quote_ident(c))).collect();
                format!("EXPLAIN QUERY PLAN UPDATE {t} SET {} WHERE 0", set.join(", "))
            }
            Write::Delete => format!("EXPLAIN QUERY PLAN DELETE FROM {t} WHERE 0"),
        })
    }
}

/// Writes to one table that fail here because a trigger they fire cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedWrites {
    pub table: String,
    /// The writes that fail, in [`Write::ALL`] order.
    pub writes: Vec<Write>,
    /// The triggers to blame: those on the table that name what is missing (all of the table's
    /// triggers when none does).
    pub triggers: Vec<String>,
    /// What is missing (from the first failing write).
    pub cause: Cause,
    /// SQLite's own words (from the first failing write).
    pub message: String,
}

impl BlockedWrites {
    /// `inserting, updating and deleting rows of flags fails here: …`.
    pub fn describe(&self) -> String {
        let writes: Vec<&str> = self.writes.iter().map(|w| w.gerund()).collect();
        let writes = match writes.as_slice() {
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        let verb = if self.triggers.len() == 1 { "needs" } else { "need" };
        let needs = self.cause.missing().map(|m| format!(", which {verb} {m}")).unwrap_or_default();
        format!(
            "{writes} rows of {} fails here: SQLite compiles the trigger{} {}{needs} (\u{201c}{}\u{201d})",
            listing::clip(&self.table),
            if self.triggers.len() == 1 { "" } else { "s" },
            listing::names(&self.triggers),
            listing::clip(&self.message)
        )
    }
}

/// What this SQLite cannot use in a file, and what follows. Empty for almost every file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineLimits {
    /// Every unusable object, views and virtual tables in schema order, then blamed triggers.
    pub objects: Vec<UnusableObject>,
    /// Tables whose writes fail, by table name.
    pub blocked: Vec<BlockedWrites>,
}

impl EngineLimits {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.blocked.is_empty()
    }

    /// How many objects of `kind` are unusable.
    pub fn count(&self, kind: ObjectKind) -> usize {
        self.objects.iter().filter(|o| o.kind == kind).count()
    }

    /// Whether `name` (a view or virtual table) is unusable: readers skip it.
    pub fn is_unusable(&self, name: &str) -> bool {
        self.objects.iter().any(|o| o.kind != ObjectKind::Trigger && o.name.eq_ignore_ascii_case(name))
    }

    /// The failing writes of `table`, if any.
    pub fn blocked_writes(&self, table: &str) -> Option<&BlockedWrites> {
        self.blocked.iter().find(|b| b.table.eq_ignore_ascii_case(table))
    }

    /// Why editing the rows of `table` (shown to people as `what`, e.g. `flags`) is off for this
    /// file, or `None` when its writes work. One sentence, for the page and for the alert of a
    /// write tried anyway.
    pub fn edit_off(&self, table: &str, what: &str) -> Option<String> {
        let b = self.blocked_writes(table)?;
        Some(format!(
            "Editing {what} is off for this file: {}. Viewing, search, the dashboard and export work, and export \
             leaves these objects exactly as they are.",
            b.describe()
        ))
    }

    /// The opening sentence of the summary's note: how many objects and that the file is fine.
    pub fn headline(&self) -> String {
        let n = self.objects.len();
        format!(
            "This browser's SQLite cannot use {} schema object{} of this file. The file is not damaged: \
             they are listed here, left exactly as they are, and nothing reads them.",
            listing::thousands(n),
            if n == 1 { "" } else { "s" }
        )
    }
}

/// One row of `sqlite_master` as the probes need it.
struct Entry {
    kind: String,
    name: String,
    table: String,
    sql: String,
    rootpage: i64,
}

impl Entry {
    fn is_virtual(&self) -> bool {
        self.kind == "table" && self.rootpage == 0
    }
}

/// The module of `CREATE VIRTUAL TABLE … USING module(…)`.
pub fn virtual_module(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.find(" USING ")? + " USING ".len();
    let rest = sql[at..].trim_start();
    let end = rest.find(|c: char| c == '(' || c.is_whitespace() || c == ';').unwrap_or(rest.len());
    let module = rest[..end].trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']' || c == '\'');
    (!module.is_empty()).then(|| module.to_owned())
}

/// Whether `sql` names `word` as a whole identifier (ASCII case-insensitive).
fn names_word(sql: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let (hay, needle) = (sql.to_ascii_lowercase(), word.to_ascii_lowercase());
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    hay.match_indices(&needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// A statement that only compiles `entry` (or one write of a table), and what it is about.
enum Probe<'a> {
    Object(&'a Entry),
    Write(&'a str, Write),
}

/// Finds what this SQLite cannot use in the open file (see the module documentation). Errors:
/// the database's, as [`DbError::Sqlite`] with SQLite's words when a probe meets damage.
pub async fn find<D: Database>(db: &D, facts: &SchemaFacts) -> Result<EngineLimits, DbError> {
    let rows = db
        .query(
            "SELECT type, name, tbl_name, sql, rootpage FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid",
            &[],
        )
        .await?;
    let entries: Vec<Entry> = rows.map_rows(|r| {
        let text = |c: &str| r.get(c).map(|v| v.as_str().unwrap_or_default().to_owned());
        Ok::<_, DbError>(Entry {
            kind: text("type")?,
            name: text("name")?,
            table: text("tbl_name")?,
            sql: text("sql")?,
            rootpage: r.get("rootpage")?.as_i64().unwrap_or(0),
        })
    })?;
    let mut probes: Vec<(Probe, String)> = Vec::new();
    for e in &entries {
        if e.kind == "view" || e.is_virtual() {
            probes.push((Probe::Object(e), format!("SELECT * FROM {} LIMIT 0", quote_ident(&e.name))));
        }
    }
    let mut trigger_tables: Vec<&str> = Vec::new();
    for e in entries.iter().filter(|e| e.kind == "trigger") {
        let ordinary = entries
            .iter()
            .any(|t| t.kind == "table" && !t.is_virtual() && t.name.eq_ignore_ascii_case(&e.table));
        if ordinary && !trigger_tables.iter().any(|t| t.eq_ignore_ascii_case(&e.table)) {
            trigger_tables.push(&e.table);
        }
    }
    for table in &trigger_tables {
        let columns = facts.tables.get(*table).cloned().unwrap_or_default();
        for w in Write::ALL {
            if let Some(sql) = w.probe_sql(table, &columns) {
                probes.push((Probe::Write(table, w), sql));
            }
        }
    }
    if probes.is_empty() {
        return Ok(EngineLimits::default());
    }
    let batch: Vec<&str> = probes.iter().map(|(_, sql)| sql.as_str()).collect();
    match db.execute_batch(&batch.join(";\n")).await {
        Ok(()) => return Ok(EngineLimits::default()),
        Err(DbError::Sqlite(m)) if classify_compile(&m).is_damage() => return Err(DbError::Sqlite(m)),
        Err(DbError::Sqlite(_)) => {}
        Err(other) => return Err(other),
    }
    // Something does not compile: ask each probe alone.
    let mut limits = EngineLimits::default();
    let mut triggers: Vec<UnusableObject> = Vec::new();
    for (probe, sql) in &probes {
        let message = match db.query(sql, &[]).await {
            Ok(_) => continue,
            Err(DbError::Sqlite(m)) => m,
            Err(other) => return Err(other),
        };
        let cause = classify_compile(&message);
        if cause.is_damage() {
            return Err(DbError::Sqlite(message));
        }
        match probe {
            Probe::Object(e) => limits.objects.push(UnusableObject {
                kind: if e.is_virtual() { ObjectKind::VirtualTable } else { ObjectKind::View },
                name: e.name.clone(),
                table: e.table.clone(),
                module: if e.is_virtual() { virtual_module(&e.sql) } else { None },
                cause,
                message,
            }),
            Probe::Write(table, write) => {
                if let Some(b) = limits.blocked.iter_mut().find(|b| b.table == *table) {
                    b.writes.push(*write);
                    continue;
                }
                let blamed = blame(&entries, &limits.objects, table, &cause);
                for name in &blamed {
                    if !triggers.iter().any(|t| &t.name == name) {
                        triggers.push(UnusableObject {
                            kind: ObjectKind::Trigger,
                            name: name.clone(),
                            table: table.to_string(),
                            module: None,
                            cause: cause.clone(),
                            message: message.clone(),
                        });
                    }
                }
                limits.blocked.push(BlockedWrites {
                    table: table.to_string(),
                    writes: vec![*write],
                    triggers: blamed,
                    cause,
                    message,
                });
            }
        }
    }
    limits.objects.extend(triggers);
    Ok(limits)
}

/// The triggers on `table` that name what `cause` says is missing: for a module, the unusable
/// virtual tables of that module (or the module's name); for a table, column or function, its
/// name. All of the table's triggers when none names it (the write fails all the same).
fn blame(entries: &[Entry], unusable: &[UnusableObject], table: &str, cause: &Cause) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    if let Cause::MissingModule(m) = cause {
        words.extend(
            unusable
                .iter()
                .filter(|o| o.module.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(m)))
                .map(|o| o.name.clone()),
        );
    }
    if let Some(name) = cause.name() {
        words.push(name.rsplit('.').next().unwrap_or(name).to_owned());
    }
    let on_table: Vec<&Entry> =
        entries.iter().filter(|e| e.kind == "trigger" && e.table.eq_ignore_ascii_case(table)).collect();
    let named: Vec<String> = on_table
        .iter()
        .filter(|e| {
            // The body only: the trigger's own name may contain the word.
            let body = e.sql.to_ascii_uppercase().find("BEGIN").map(|i| &e.sql[i..]).unwrap_or(&e.sql);
            words.iter().any(|w| names_word(body, w))
        })
        .map(|e| e.name.clone())
        .collect();
    if named.is_empty() {
        on_table.iter().map(|e| e.name.clone()).collect()
    } else {
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_messages_are_sorted_into_damage_and_what_is_missing() {
        let cases = [
            ("no such module: fts5", Cause::MissingModule("fts5".into())),
            ("no such table: main.orders", Cause::MissingTable("orders".into())),
            ("no such table: orders", Cause::MissingTable("orders".into())),
            ("no such column: d", Cause::MissingColumn("d".into())),
            ("no such column: w.d", Cause::MissingColumn("w.d".into())),
            ("no such function: percentile", Cause::MissingFunction("percentile".into())),
            ("error in view v: no such table: main.t", Cause::MissingTable("t".into())),
            ("error in trigger tr: no such column: x", Cause::MissingColumn("x".into())),
            ("database disk image is malformed", Cause::Damage),
            ("*** in database main ***\nPage 22: btreeInitPage() returns error code 11", Cause::Damage),
            ("row 5 missing from index idx_flags_status", Cause::Damage),
            ("wrong # of entries in index idx_flags_status", Cause::Damage),
            ("NULL value in flags.flag_type", Cause::Damage),
        ];
        for (message, want) in cases {
            assert_eq!(classify_check(message), want, "{message}");
        }
    }

    #[test]
    fn compile_errors_are_damage_only_in_sqlites_corruption_words() {
        assert_eq!(classify_compile("no such module: fts5"), Cause::MissingModule("fts5".into()));
        assert_eq!(classify_compile("database disk image is malformed"), Cause::Damage);
        assert_eq!(classify_compile("file is not a database"), Cause::Damage);
        assert_eq!(
            classify_compile("malformed database schema (v) - near \"SELEC\": syntax error"),
            Cause::Damage
        );
        assert_eq!(classify_compile("ambiguous column name: a"), Cause::Refused);
        assert_eq!(classify_compile("unsafe use of load_extension()"), Cause::Refused);
        assert!(!Cause::Refused.is_damage() && Cause::Damage.is_damage());
    }

    #[test]
    fn the_module_is_read_from_the_create_statement() {
        let cases = [
            (
                "CREATE VIRTUAL TABLE flags_fts USING fts5(change_description, notes, content='flags')",
                Some("fts5"),
            ),
            ("CREATE VIRTUAL TABLE t using rtree (id, a, b)", Some("rtree")),
            ("CREATE VIRTUAL TABLE x USING \"spellfix1\"", Some("spellfix1")),
            ("CREATE TABLE t(a)", None),
        ];
        for (sql, want) in cases {
            assert_eq!(virtual_module(sql).as_deref(), want, "{sql}");
        }
    }

    #[test]
    fn words_match_whole_identifiers_only() {
        assert!(names_word("INSERT INTO flags_fts(rowid) VALUES (1)", "flags_fts"));
        assert!(names_word("INSERT INTO \"Flags_FTS\" VALUES (1)", "flags_fts"));
        assert!(!names_word("INSERT INTO flags_fts_data VALUES (1)", "flags_fts"));
        assert!(!names_word("INSERT INTO flags VALUES (1)", "flags_fts"));
        assert!(!names_word("anything", ""));
    }

    #[test]
    fn edit_off_names_the_writes_the_triggers_and_what_is_missing() {
        let limits = EngineLimits {
            objects: Vec::new(),
            blocked: vec![BlockedWrites {
                table: "flags".into(),
                writes: Write::ALL.to_vec(),
                triggers: vec!["flags_fts_ai".into(), "flags_fts_ad".into(), "flags_fts_au".into()],
                cause: Cause::MissingModule("fts5".into()),
                message: "no such module: fts5".into(),
            }],
        };
        let text = limits.edit_off("flags", "flags").expect("flags writes are blocked");
        assert!(
            text.starts_with(
                "Editing flags is off for this file: inserting, updating and deleting rows of flags"
            ),
            "{text}"
        );
        assert!(text.contains("flags_fts_ai, flags_fts_ad, flags_fts_au"), "{text}");
        assert!(text.contains("which need module fts5"), "{text}");
        assert!(text.contains("no such module: fts5"), "{text}");
        assert_eq!(limits.edit_off("acolyte_quests", "quests"), None);
    }
}
