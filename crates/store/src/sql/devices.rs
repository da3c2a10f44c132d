//! [`DeviceStore`] on [`SqlStore`]: third-party agent devices kept as agent credentials.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;

use super::{SqlStore, secs};
use crate::Result;
use crate::devices::{DeviceBinding, DeviceStore, device_hash};

#[async_trait]
impl DeviceStore for SqlStore {
    async fn device_binding(&self, device_key: &str) -> Result<Option<DeviceBinding>> {
        let row = sqlx::query(
            "SELECT c.host_id, c.revoked_at, h.revoked_at AS host_revoked_at \
             FROM agent_credentials c JOIN hosts h ON h.id = c.host_id WHERE c.hash = $1",
        )
        .bind(device_hash(device_key))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some()
            || row.try_get::<Option<i64>, _>("host_revoked_at")?.is_some();
        Ok(Some(DeviceBinding {
            host_id: row.try_get("host_id")?,
            revoked,
        }))
    }

    async fn bind_device(&self, host_id: i64, device_key: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO agent_credentials (host_id, hash, created_at, last_used_at) \
             VALUES ($1, $2, $3, $3) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(host_id)
        .bind(device_hash(device_key))
        .bind(secs(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn host_agents_revoked(&self, host_id: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM agent_credentials WHERE host_id = $1 AND revoked_at IS NOT NULL) \
                 AS revoked, \
               (SELECT COUNT(*) FROM agent_credentials WHERE host_id = $1 AND revoked_at IS NULL) \
                 AS live, \
               (SELECT COUNT(*) FROM hosts WHERE id = $1 AND revoked_at IS NOT NULL) AS host",
        )
        .bind(host_id)
        .fetch_one(&self.pool)
        .await?;
        let revoked: i64 = row.try_get("revoked")?;
        let live: i64 = row.try_get("live")?;
        let host: i64 = row.try_get("host")?;
        Ok(host > 0 || (revoked > 0 && live == 0))
    }
}
