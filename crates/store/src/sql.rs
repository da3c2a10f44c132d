//! The SQL implementation of the store, on SQLite and PostgreSQL through sqlx's `any` driver.

/// Steward's store on an SQL database.
pub struct SqlStore;
