//! Errors of the store.

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a query.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (corrupt JSON, unknown enum value).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why it could not be created.
        source: std::io::Error,
    },
    /// No host has this id.
    #[error("no host with id {0}")]
    UnknownHost(i64),
    /// A page cursor that this store did not hand out.
    #[error("invalid page cursor {0:?}: pass back the next_cursor of the previous page")]
    InvalidCursor(String),
    /// The change conflicts with what is stored, e.g. a name that is taken.
    #[error("{0}")]
    Conflict(String),
    /// A database URL Steward cannot use.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
}
