//! Third-party agents (OCS Inventory, FusionInventory, GLPI) as revocable devices.
//!
//! Those agents authenticate with an enrollment token on every request and carry no
//! per-host credential, only a device id of their own. The server binds each device id to the
//! host its first report resolved to, as an agent credential of that host, so revoking the
//! host's credentials (`POST /api/v1/hosts/{id}/revoke`) revokes its third-party agents too.
//! The stored value is `device:` and a SHA-256 of the device key: it can never equal the hash
//! of a bearer secret, so a device id is never usable as a credential.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::Result;

/// The host a device is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceBinding {
    /// The host.
    pub host_id: i64,
    /// True when the binding (or every credential of the host) was revoked.
    pub revoked: bool,
}

/// The storage of third-party agent devices.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// The host a device key (agent kind and device id) is bound to, revoked or not.
    async fn device_binding(&self, device_key: &str) -> Result<Option<DeviceBinding>>;
    /// Binds a device key to a host; binding a key twice keeps the first host.
    async fn bind_device(&self, host_id: i64, device_key: &str, now: Timestamp) -> Result<()>;
    /// True when the host's agent access was revoked: it has revoked credentials and no live
    /// one (an agent enrolling again lifts this).
    async fn host_agents_revoked(&self, host_id: i64) -> Result<bool>;
}

/// The value stored for a device key.
pub(crate) fn device_hash(device_key: &str) -> String {
    use sha2::Digest;
    format!(
        "device:{}",
        hex::encode(sha2::Sha256::digest(device_key.as_bytes()))
    )
}
