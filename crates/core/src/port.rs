//! The one port every database adapter implements: sql.js in a Web Worker in the browser,
//! rusqlite natively. It is async so that the browser adapter can live off the UI thread.

use std::fmt;

use super::value::{ResultSet, Value};

/// Why a statement failed, in words a person can read.
#[derive(Debug, Clone, PartialEq)]
pub enum DbError {
    /// SQLite itself refused: syntax, constraint, a trigger's RAISE, a damaged page.
    Sqlite(String),
    /// The engine could not be reached or broke down (worker crashed, wasm failed to load).
    Engine(String),
}

impl DbError {
    pub fn message(&self) -> &str {
        match self {
            DbError::Sqlite(m) | DbError::Engine(m) => m,
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Sqlite(m) => write!(f, "SQLite error: {m}"),
            DbError::Engine(m) => write!(f, "database engine error: {m}"),
        }
    }
}

impl std::error::Error for DbError {}

/// An open SQLite database. Implementations run every statement on the same connection, in the
/// order the calls are made.
#[allow(async_fn_in_trait)] // used with concrete types only; no Send bound wanted in the browser
pub trait Database {
    /// Runs one statement with positional (`?`) parameters and returns its rows.
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError>;

    /// Runs a script of one or more statements without parameters.
    async fn execute_batch(&self, sql: &str) -> Result<(), DbError>;

    /// The whole database file as it stands now.
    async fn export(&self) -> Result<Vec<u8>, DbError>;

    /// A point where a long computation of the core (the dashboard's figures over a million
    /// rows in memory) lets its host do other work before going on: the browser adapter gives
    /// the page a turn (input, paint), so no task of the UI thread runs long. Nothing by
    /// default: a native host runs the core on its own thread.
    async fn pause(&self) {}
}

/// A database that writes down every statement it runs (in order) before passing it on: the
/// benchmarks use it to run exactly the app's SQL on raw engines.
pub struct Recording<'a, D> {
    pub inner: &'a D,
    pub statements: std::cell::RefCell<Vec<(String, Vec<Value>)>>,
}

impl<'a, D: Database> Recording<'a, D> {
    pub fn new(inner: &'a D) -> Self {
        Recording { inner, statements: std::cell::RefCell::new(Vec::new()) }
    }
}

impl<D: Database> Database for Recording<'_, D> {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<ResultSet, DbError> {
        self.statements.borrow_mut().push((sql.to_owned(), params.to_vec()));
        self.inner.query(sql, params).await
    }

    async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.statements.borrow_mut().push((sql.to_owned(), Vec::new()));
        self.inner.execute_batch(sql).await
    }

    async fn export(&self) -> Result<Vec<u8>, DbError> {
        self.inner.export().await
    }

    async fn pause(&self) {
        self.inner.pause().await
    }
}
