//! The SQL implementation of the store, on SQLite and PostgreSQL through sqlx's `any` driver.
//!
//! One code path serves both databases: `$1` placeholders, `ON CONFLICT`, `RETURNING`, times as
//! Unix seconds, JSON as text and flags as 0/1 integers, since the `any` driver reads neither
//! `timestamptz` nor `jsonb`. The few dialect differences live in [`Dialect`]: how a write
//! transaction starts (SQLite takes the write lock up front with `BEGIN IMMEDIATE`, so a
//! read-then-write transaction never fails half-way on a busy database) and how a host row is
//! locked (`FOR UPDATE` on PostgreSQL, where several server processes may write at once).
//!
//! On SQLite the writers of one process also take turns in the process before they ask for
//! the database's write lock: a writer that finds SQLite's lock taken sleeps and retries (1 ms,
//! then longer) instead of waking when the lock is free, while a turn is handed on at once.
//! Statements with many values bind them by position there (`?`, see
//! [`Dialect::values_rows`]): sqlx looks up the name of each `$N` it binds, and SQLite finds a
//! name by walking the list of all of them, so binding n named values costs n² steps.
//!
//! The submodules follow the process: [`agents`] (enrollment tokens and agent credentials),
//! [`identity`] (host creation, identity candidates and reviews), [`inventory`] (applying an
//! inventory), [`hosts`] (reading hosts back), [`software`] (packages across the fleet),
//! [`access`] (users, sessions, sign-in failures, API tokens) and [`compliance`] (the audit
//! log, appended to inside the transactions of the other modules).

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::{Result, StoreError};

mod access;
mod agents;
mod assessment_store;
mod assets;
mod compliance;
mod cursor;
mod devices;
mod feeds;
mod findings;
mod hosts;
mod identity;
mod inventory;
mod jobs;
mod schema;
mod second_factor;
mod sign_in;
mod software;
mod store;

/// Steward's store on an SQL database: SQLite for one machine, PostgreSQL to scale out.
///
/// Cloning is cheap and shares the connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// The turn of this process's SQLite writers (unused on PostgreSQL).
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// The database behind a store, where the SQL must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// How long an SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;

impl SqlStore {
    /// Connects to `sqlite://PATH` (the file is created if missing) or `postgres://…`, and
    /// brings the schema up to date.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = parse_url(url)?;
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = pool_options(dialect).connect_with(options).await?;
        let store = SqlStore {
            pool,
            dialect,
            writer: Arc::default(),
        };

        if dialect == Dialect::Sqlite {
            // WAL is a property of the file, so one connection setting it is enough; readers
            // then never block the writer.
            store.pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        schema::migrate(&store.pool, dialect).await?;
        Ok(store)
    }

    /// Opens the SQLite store at `DIR/steward.db`, creating the directory and the file.
    pub async fn open_data_dir(dir: &Path) -> Result<SqlStore> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let file = dir.join("steward.db");
        SqlStore::connect(&format!("sqlite://{}", file.display())).await
    }

    /// Closes every connection of the pool; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Recognises the backend of a URL; SQLite URLs get `mode=rwc` so a missing file is created.
fn parse_url(url: &str) -> Result<(Dialect, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Dialect::Postgres, url.to_owned()));
    }
    if !url.starts_with("sqlite:") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    if url.contains('?') {
        Ok((Dialect::Sqlite, url.to_owned()))
    } else {
        Ok((Dialect::Sqlite, format!("{url}?mode=rwc")))
    }
}

/// Pool settings per backend; every SQLite connection gets foreign keys and a busy timeout.
fn pool_options(dialect: Dialect) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
    match dialect {
        Dialect::Postgres => options.max_connections(10),
        Dialect::Sqlite => options.max_connections(4).after_connect(|conn, _meta| {
            Box::pin(async move {
                let pragmas = format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                     PRAGMA synchronous = NORMAL"
                );
                conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                Ok(())
            })
        }),
    }
}

impl Dialect {
    /// The statement that opens a transaction which will write.
    fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// The clause that locks the rows a `SELECT` read until the transaction ends.
    fn lock_rows(self) -> &'static str {
        match self {
            // SQLite has one writer at a time and `BEGIN IMMEDIATE` already holds its lock.
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Placeholders for `n` values bound in order, the first being the `from`th of the
    /// statement: `?, ?` on SQLite, `$3, $4` on PostgreSQL.
    fn marks(self, from: usize, n: usize) -> String {
        let mark = |i: usize| match self {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${i}"),
        };
        (from..from + n).map(mark).collect::<Vec<_>>().join(", ")
    }

    /// Placeholders for `rows` rows of `columns` values each, bound in order: `(?, ?), (?, ?)`
    /// on SQLite, `($1, $2), ($3, $4)` on PostgreSQL.
    fn values_rows(self, rows: usize, columns: usize) -> String {
        let row = |r: usize| format!("({})", self.marks(r * columns + 1, columns));
        (0..rows).map(row).collect::<Vec<_>>().join(", ")
    }
}

impl SqlStore {
    /// Opens a transaction that will write, holding the write lock where the backend has one.
    async fn begin_write(&self) -> Result<WriteTransaction> {
        let turn = match self.dialect {
            Dialect::Sqlite => Some(self.writer.clone().lock_owned().await),
            Dialect::Postgres => None,
        };
        let tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        Ok(WriteTransaction { tx, _turn: turn })
    }
}

/// A transaction that writes; on SQLite it holds this process's writer turn until it ends.
struct WriteTransaction {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }

    async fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback().await?)
    }
}

impl Deref for WriteTransaction {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// A timestamp as stored: Unix seconds.
fn secs(at: Timestamp) -> i64 {
    at.as_second()
}

/// A stored time back as a timestamp.
fn timestamp(seconds: i64) -> Result<Timestamp> {
    Timestamp::from_second(seconds)
        .map_err(|e| StoreError::Corrupt(format!("time {seconds} out of range: {e}")))
}

/// A stored JSON column back as a value.
fn from_json<T: serde::de::DeserializeOwned>(column: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// A value as a JSON column.
fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

/// Rows per multi-row statement: well under both backends' limits on bound parameters.
const BATCH_ROWS: usize = 100;

/// `($1, $2), ($3, $4)`: placeholders for `rows` rows of `columns` values each.
fn values_rows(rows: usize, columns: usize) -> String {
    let row = |r: usize| {
        let cells: Vec<String> = (1..=columns)
            .map(|c| format!("${}", r * columns + c))
            .collect();
        format!("({})", cells.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// A value bound to a statement whose SQL is put together at run time.
#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
}

/// The `WHERE` conditions of a list query and the values they bind, numbered in order.
#[derive(Debug, Default)]
struct Conditions {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Conditions {
    /// Binds a value and returns its placeholder.
    fn bind(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }

    /// Adds a condition.
    fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `WHERE a AND b`, or nothing when there is no condition.
    fn where_clause(&self) -> String {
        match self.clauses.is_empty() {
            true => String::new(),
            false => format!(" WHERE {}", self.clauses.join(" AND ")),
        }
    }

    /// A query of `sql` with every bound value.
    fn query(&self, sql: String) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for param in &self.params {
            query = match param {
                Param::Int(n) => query.bind(*n),
                Param::Text(s) => query.bind(s.as_str()),
            };
        }
        query
    }
}

/// A `LIKE` pattern matching `text` anywhere, case-folded, with `%`, `_` and `\` taken
/// literally (the query says `ESCAPE '\'`).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("Web_01%"), "%web\\_01\\%%");
    }

    #[test]
    fn values_rows_numbers_placeholders_row_by_row() {
        assert_eq!(values_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn sqlite_binds_many_values_by_position() {
        assert_eq!(Dialect::Sqlite.values_rows(2, 2), "(?, ?), (?, ?)");
        assert_eq!(Dialect::Postgres.values_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(Dialect::Postgres.marks(2, 3), "$2, $3, $4");
    }

    #[test]
    fn a_sqlite_url_creates_its_file_unless_told_otherwise() {
        let (dialect, url) = parse_url("sqlite:///tmp/s.db").unwrap();
        assert_eq!(
            (dialect, url.as_str()),
            (Dialect::Sqlite, "sqlite:///tmp/s.db?mode=rwc")
        );
        assert_eq!(
            parse_url("sqlite://a.db?mode=ro").unwrap().1,
            "sqlite://a.db?mode=ro"
        );
        assert!(matches!(
            parse_url("mysql://x"),
            Err(StoreError::UnsupportedUrl(_))
        ));
    }
}
