//! Migrations: forward-only, embedded in the binary, one folder per backend kept parallel.
//!
//! Each backend's files are listed here in order; a new migration is a new file in both
//! folders and one new line in each list. Applied migrations are never edited: sqlx checks
//! their checksums and refuses a database whose history differs.

use sqlx::AnyPool;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Dialect;
use crate::Result;

/// (version, description, SQL) of every SQLite migration.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "inventory",
        include_str!("../../migrations/sqlite/0001_inventory.sql"),
    ),
    (
        2,
        "access",
        include_str!("../../migrations/sqlite/0002_access.sql"),
    ),
    (
        3,
        "assessment",
        include_str!("../../migrations/sqlite/0003_assessment.sql"),
    ),
    (
        4,
        "assets",
        include_str!("../../migrations/sqlite/0004_assets.sql"),
    ),
    (
        5,
        "second_factor",
        include_str!("../../migrations/sqlite/0005_second_factor.sql"),
    ),
    (
        6,
        "directory_users",
        include_str!("../../migrations/sqlite/0006_directory_users.sql"),
    ),
    (
        7,
        "finding_advisories",
        include_str!("../../migrations/sqlite/0007_finding_advisories.sql"),
    ),
];

/// (version, description, SQL) of every PostgreSQL migration.
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "inventory",
        include_str!("../../migrations/postgres/0001_inventory.sql"),
    ),
    (
        2,
        "access",
        include_str!("../../migrations/postgres/0002_access.sql"),
    ),
    (
        3,
        "assessment",
        include_str!("../../migrations/postgres/0003_assessment.sql"),
    ),
    (
        4,
        "assets",
        include_str!("../../migrations/postgres/0004_assets.sql"),
    ),
    (
        5,
        "second_factor",
        include_str!("../../migrations/postgres/0005_second_factor.sql"),
    ),
    (
        6,
        "directory_users",
        include_str!("../../migrations/postgres/0006_directory_users.sql"),
    ),
    (
        7,
        "finding_advisories",
        include_str!("../../migrations/postgres/0007_finding_advisories.sql"),
    ),
];

/// Applies the migrations this database has not seen yet.
pub(super) async fn migrate(pool: &AnyPool, dialect: Dialect) -> Result<()> {
    let files = match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    let migrations = files
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations).run(pool).await?;
    Ok(())
}
