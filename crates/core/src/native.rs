//! The native adapter of the database port: rusqlite with bundled SQLite. Used by the native
//! tests, the demo/benchmark generator and the export checker. Like sql.js, it works on a private
//! copy of the bytes it was given, so the caller's file is never touched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection};

use crate::{Database, DbError, ResultSet, Value};

/// A database held in a private temporary file.
pub struct NativeDb {
    conn: Option<Connection>,
    path: PathBuf,
}

fn sqlite_err(e: rusqlite::Error) -> DbError {
    DbError::Sqlite(match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
        other => other.to_string(),
    })
}

fn io_err(e: std::io::Error) -> DbError {
    DbError::Engine(e.to_string())
}

fn scratch_path() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("flagdeck-{}-{n}.db", std::process::id()))
}

impl NativeDb {
    /// Opens a private copy of `bytes` (which may be empty: a new database).
    pub fn open_bytes(bytes: &[u8]) -> Result<Self, DbError> {
        let path = scratch_path();
        std::fs::write(&path, bytes).map_err(io_err)?;
        let conn = Connection::open(&path).map_err(sqlite_err)?;
        Ok(NativeDb { conn: Some(conn), path })
    }

    /// Opens a private copy of the file at `path`, and of its `-wal` file when one is beside it
    /// (SQLite then reads the pair as it would in place: the committed transactions of the WAL
    /// are part of what queries see). The originals are only read.
    pub fn open_copy(path: &Path) -> Result<Self, DbError> {
        let bytes = std::fs::read(path).map_err(io_err)?;
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = std::fs::read(&wal).ok();
        let copy_path = scratch_path();
        std::fs::write(&copy_path, &bytes).map_err(io_err)?;
        if let Some(wal) = wal {
            let mut to = copy_path.clone().into_os_string();
            to.push("-wal");
            std::fs::write(&to, wal).map_err(io_err)?;
        }
        let conn = Connection::open(&copy_path).map_err(sqlite_err)?;
        Ok(NativeDb { conn: Some(conn), path: copy_path })
    }

    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("connection is open until drop")
    }

    /// Synchronous form of [`Database::query`] for native tools.
    pub fn query_sync(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        let mut stmt = self.conn().prepare(sql).map_err(sqlite_err)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let n = columns.len();
        let mut rows_out = Vec::new();
        let mut rows = stmt.query(params_from_iter(params.iter().map(to_sql))).map_err(sqlite_err)?;
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(from_sql(row.get_ref(i).map_err(sqlite_err)?));
            }
            rows_out.push(out);
        }
        Ok(ResultSet { columns, rows: rows_out })
    }

    pub fn execute_batch_sync(&self, sql: &str) -> Result<(), DbError> {
        // Without a terminating NUL, rusqlite hands SQLite a copy of the rest of the script for
        // every statement: quadratic on a 100 MB generated script (46 s instead of 3 s).
        let mut terminated = String::with_capacity(sql.len() + 1);
        terminated.push_str(sql);
        terminated.push('\0');
        self.conn().execute_batch(&terminated).map_err(sqlite_err)
    }

    /// The database file's bytes. A file in WAL mode (an Acolytes 2.x file opened as it is)
    /// keeps its changes in the `-wal` file until a checkpoint: they are written back first, so
    /// the bytes hold every change (a no-op for the rollback journal).
    pub fn export_sync(&self) -> Result<Vec<u8>, DbError> {
        if !self.conn().is_autocommit() {
            return Err(DbError::Engine("cannot export while a transaction is open".into()));
        }
        self.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sqlite_err)?;
        std::fs::read(&self.path).map_err(io_err)
    }
}

impl Drop for NativeDb {
    fn drop(&mut self) {
        drop(self.conn.take());
        let _ = std::fs::remove_file(&self.path);
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

/// A value as rusqlite reads it, as a [`Value`] (text that is not UTF-8 read lossily).
pub fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl Database for NativeDb {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        self.query_sync(sql, params)
    }

    async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.execute_batch_sync(sql)
    }

    async fn export(&self) -> Result<Vec<u8>, DbError> {
        self.export_sync()
    }
}
