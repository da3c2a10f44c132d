//! Access in the store: users, their sessions, failed sign-ins (for throttling) and API
//! tokens. Secrets are stored only as hashes: passwords as Argon2id PHC strings, session ids
//! and API tokens as SHA-256, since they are random.
//!
//! Changes to users and tokens are audited in their own transaction; sessions and sign-in
//! failures are not changes anyone makes to Steward's data, so they are not.

use jiff::Timestamp;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use steward_api::access::{ApiToken, Role, User, UserSource};

use super::compliance::{self, Change};
use super::{SqlStore, secs, timestamp};
use crate::{
    Actor, LoginFailures, NewApiToken, NewSession, NewUser, Result, SessionRecord, StoreError,
    UserRecord,
};

/// A session's or a token's last use is written at most this often.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// Failures returned per subject: enough for any throttling limit.
const MAX_FAILURES_READ: i64 = 100;

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.created_at, u.disabled_at, \
                            u.must_change_password, u.source";

fn role(text: &str) -> Result<Role> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("role: {e}")))
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(timestamp)
        .transpose()
}

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role(&row.try_get::<String, _>("role")?)?,
        created_at: timestamp(row.try_get("created_at")?)?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        source: source(&row.try_get::<String, _>("source")?)?,
    })
}

fn source(text: &str) -> Result<UserSource> {
    match text {
        "local" => Ok(UserSource::Local),
        "ldap" => Ok(UserSource::Ldap),
        other => Err(StoreError::Corrupt(format!("user source: {other:?}"))),
    }
}

pub(super) async fn user_count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

pub(super) async fn create_user(
    store: &SqlStore,
    user: &NewUser,
    actor: &Actor,
    now: Timestamp,
) -> Result<User> {
    let mut tx = store.begin_write().await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
        .bind(&user.name)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict(format!(
            "a user named {:?} already exists",
            user.name
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (name, role, password_hash, must_change_password, created_at) \
         VALUES ($1, $2, $3, 1, $4) RETURNING id",
    )
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        // Another server created the same user between the check above and this insert.
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("a user named {:?} already exists", user.name))
        }
        _ => StoreError::from(e),
    })?;
    let created = user_in(&mut tx, id).await?;
    let change = Change {
        actor,
        action: "user.create",
        target: format!("user:{id}"),
        before: None,
        after: Some(json!({"name": user.name, "role": user.role})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(created)
}

/// Creates or refreshes the record of a user the directory signed in: no password, no
/// one-time password to change, the role the directory's groups give. A change is audited
/// under the user's own name, since their sign-in made it.
pub(super) async fn sync_directory_user(
    store: &SqlStore,
    name: &str,
    role: Role,
    now: Timestamp,
) -> Result<User> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.name = $1{}",
        store.dialect.lock_rows()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let before = row.as_ref().map(user_from_row).transpose()?;
    let actor = Actor::User(name.to_owned());

    let (id, change) = match before {
        Some(user) if user.source != UserSource::Ldap => {
            return Err(StoreError::Conflict(format!(
                "a local user named {name:?} exists; the directory cannot sign them in"
            )));
        }
        Some(user) if user.role == role => return Ok(user),
        Some(user) => {
            sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
                .bind(user.id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
            let change = Change {
                actor: &actor,
                action: "user.update",
                target: format!("user:{}", user.id),
                before: Some(json!({"role": user.role, "source": user.source})),
                after: Some(json!({"role": role, "source": UserSource::Ldap})),
            };
            (user.id, change)
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (name, role, password_hash, must_change_password, created_at, \
                 source) VALUES ($1, $2, '', 0, $3, 'ldap') RETURNING id",
            )
            .bind(name)
            .bind(role.as_str())
            .bind(secs(now))
            .fetch_one(&mut *tx)
            .await?;
            let change = Change {
                actor: &actor,
                action: "user.create",
                target: format!("user:{id}"),
                before: None,
                after: Some(json!({"name": name, "role": role, "source": UserSource::Ldap})),
            };
            (id, change)
        }
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    let user = user_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(user)
}

async fn user_in(conn: &mut AnyConnection, id: i64) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    user_from_row(&row)
}

pub(super) async fn users(pool: &AnyPool) -> Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    rows.iter().map(user_from_row).collect()
}

pub(super) async fn user(pool: &AnyPool, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub(super) async fn user_by_name(pool: &AnyPool, name: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(UserRecord {
            user: user_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
        })
    })
    .transpose()
}

/// The password-setting arguments of [`set_password`].
pub(super) struct PasswordChange<'a> {
    pub user_id: i64,
    pub password_hash: &'a str,
    pub must_change: bool,
    pub keep_session: Option<&'a str>,
}

pub(super) async fn set_password(
    store: &SqlStore,
    change: PasswordChange<'_>,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let done =
        sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
            .bind(change.user_id)
            .bind(change.password_hash)
            .bind(i64::from(change.must_change))
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(change.user_id)
        .bind(change.keep_session.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    let action = match change.must_change {
        true => "user.password.reset",
        false => "user.password.change",
    };
    let audit = Change {
        actor,
        action,
        target: format!("user:{}", change.user_id),
        before: None,
        after: None,
    };
    compliance::append(&mut tx, store.dialect, audit, now).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn update_user(
    store: &SqlStore,
    id: i64,
    new_role: Option<Role>,
    disabled: Option<bool>,
    actor: &Actor,
    now: Timestamp,
) -> Result<Option<User>> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1{}",
        store.dialect.lock_rows()
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let before = user_from_row(&row)?;

    if let Some(new_role) = new_role {
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(id)
            .bind(new_role.as_str())
            .execute(&mut *tx)
            .await?;
    }
    match disabled {
        Some(true) if !before.disabled => {
            sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1")
                .bind(id)
                .bind(secs(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        Some(false) => {
            sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        _ => {}
    }
    let after = user_in(&mut tx, id).await?;
    let change = Change {
        actor,
        action: "user.update",
        target: format!("user:{id}"),
        before: Some(json!({"role": before.role, "disabled": before.disabled})),
        after: Some(json!({"role": after.role, "disabled": after.disabled})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(Some(after))
}

pub(super) async fn create_session(pool: &AnyPool, session: &NewSession) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, \
         last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(&session.id_hash)
    .bind(session.user_id)
    .bind(&session.csrf_token)
    .bind(secs(session.created_at))
    .bind(secs(session.expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn session(
    pool: &AnyPool,
    id_hash: &str,
    idle_since: Timestamp,
    now: Timestamp,
) -> Result<Option<SessionRecord>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.csrf_token, s.last_seen_at, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
         AND u.disabled_at IS NULL"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id_hash)
        .bind(secs(now))
        .bind(secs(idle_since))
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let record = SessionRecord {
        user: user_from_row(&row)?,
        csrf_token: row.try_get("csrf_token")?,
        last_seen_at: timestamp(row.try_get("last_seen_at")?)?,
        expires_at: timestamp(row.try_get("expires_at")?)?,
    };
    if secs(now) - secs(record.last_seen_at) >= LAST_USED_RESOLUTION_SECS {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(secs(now))
            .execute(pool)
            .await?;
    }
    Ok(Some(record))
}

pub(super) async fn delete_session(pool: &AnyPool, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn record_login_failure(
    store: &SqlStore,
    name: &str,
    address: &str,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(secs(forget_before))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_failures (user_name, address, at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(address)
        .bind(secs(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn login_failures(
    pool: &AnyPool,
    name: &str,
    address: &str,
    since: Timestamp,
) -> Result<LoginFailures> {
    let times = |column: &'static str, value: &str| {
        let sql = format!(
            "SELECT at FROM (SELECT at FROM login_failures WHERE {column} = $1 AND at >= $2 \
             ORDER BY at DESC LIMIT $3) recent ORDER BY at"
        );
        let value = value.to_owned();
        async move {
            let seconds: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(secs(since))
                .bind(MAX_FAILURES_READ)
                .fetch_all(pool)
                .await?;
            seconds
                .into_iter()
                .map(timestamp)
                .collect::<Result<Vec<_>>>()
        }
    };
    Ok(LoginFailures {
        by_name: times("user_name", name).await?,
        by_address: times("address", address).await?,
    })
}

pub(super) async fn clear_login_failures(pool: &AnyPool, name: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE user_name = $1")
        .bind(name)
        .execute(pool)
        .await?;
    Ok(())
}

const TOKEN_COLUMNS: &str =
    "id, name, role, created_by, created_at, expires_at, revoked_at, last_used_at";

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role(&row.try_get::<String, _>("role")?)?,
        created_by: row.try_get("created_by")?,
        created_at: timestamp(row.try_get("created_at")?)?,
        expires_at: optional_time(row, "expires_at")?,
        revoked_at: optional_time(row, "revoked_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

pub(super) async fn create_api_token(
    store: &SqlStore,
    token: &NewApiToken,
    actor: &Actor,
    now: Timestamp,
) -> Result<ApiToken> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "INSERT INTO api_tokens (name, role, hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&token.name)
        .bind(token.role.as_str())
        .bind(&token.hash)
        .bind(actor.label())
        .bind(secs(now))
        .bind(token.expires_at.map(secs))
        .fetch_one(&mut *tx)
        .await?;
    let created = token_from_row(&row)?;
    let change = Change {
        actor,
        action: "api_token.create",
        target: format!("api_token:{}", created.id),
        before: None,
        after: Some(json!({
            "name": created.name, "role": created.role, "expires_at": created.expires_at,
        })),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(created)
}

pub(super) async fn api_tokens(pool: &AnyPool) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    rows.iter().map(token_from_row).collect()
}

pub(super) async fn api_token_by_hash(
    pool: &AnyPool,
    hash: &str,
    now: Timestamp,
) -> Result<Option<ApiToken>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(hash)
        .bind(secs(now))
        .fetch_optional(pool)
        .await?;
    let Some(token) = row.as_ref().map(token_from_row).transpose()? else {
        return Ok(None);
    };
    // Most requests find the last use recent enough and write nothing: on SQLite even an
    // UPDATE that matches no row waits for the write lock, behind ingest and assessment.
    let stale = token
        .last_used_at
        .is_none_or(|at| secs(now) - secs(at) >= LAST_USED_RESOLUTION_SECS);
    if !stale {
        return Ok(Some(token));
    }
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $2 \
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(token.id)
    .bind(secs(now))
    .bind(secs(now) - LAST_USED_RESOLUTION_SECS)
    .execute(pool)
    .await?;
    Ok(Some(token))
}

pub(super) async fn revoke_api_token(
    store: &SqlStore,
    id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(secs(now))
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let change = Change {
        actor,
        action: "api_token.revoke",
        target: format!("api_token:{id}"),
        before: None,
        after: Some(json!({"revoked_at": now})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(true)
}
