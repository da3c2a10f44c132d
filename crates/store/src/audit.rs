//! The audit log's hash chain: how one entry's hash is computed from the previous hash and the
//! entry's own fields.
//!
//! The fields are hashed in a canonical form, a JSON array of the previous hash, the id, the
//! time in Unix seconds, the actor, the action, the target and the before and after JSON texts
//! exactly as stored (or `null`). Anyone holding the entries can recompute the chain; changing,
//! removing or reordering an entry breaks every hash from that entry on.

use sha2::{Digest, Sha256};

/// The previous hash of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one entry, as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainFields<'a> {
    pub id: i64,
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (hex) over the previous hash and an entry's canonical fields.
#[expect(
    clippy::too_many_arguments,
    reason = "the chain's inputs, spelled out so that outside checkers can follow them"
)]
pub fn entry_hash(
    prev_hash: &str,
    id: i64,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let canonical = serde_json::json!([prev_hash, id, at, actor, action, target, before, after]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl ChainFields<'_> {
    /// The entry's hash after `prev_hash`.
    pub(crate) fn hash(&self, prev_hash: &str) -> String {
        entry_hash(
            prev_hash,
            self.id,
            self.at,
            self.actor,
            self.action,
            self.target,
            self.before,
            self.after,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = entry_hash(
            GENESIS_HASH,
            1,
            10,
            "user:a",
            "x",
            "host:1",
            None,
            Some("{}"),
        );
        assert_eq!(base.len(), 64);
        let variants = [
            entry_hash(&base, 1, 10, "user:a", "x", "host:1", None, Some("{}")),
            entry_hash(
                GENESIS_HASH,
                2,
                10,
                "user:a",
                "x",
                "host:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS_HASH,
                1,
                11,
                "user:a",
                "x",
                "host:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS_HASH,
                1,
                10,
                "user:b",
                "x",
                "host:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS_HASH,
                1,
                10,
                "user:a",
                "y",
                "host:1",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS_HASH,
                1,
                10,
                "user:a",
                "x",
                "host:2",
                None,
                Some("{}"),
            ),
            entry_hash(
                GENESIS_HASH,
                1,
                10,
                "user:a",
                "x",
                "host:1",
                Some("{}"),
                Some("{}"),
            ),
            entry_hash(GENESIS_HASH, 1, 10, "user:a", "x", "host:1", None, None),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let a = entry_hash(GENESIS_HASH, 1, 10, "user:a", "b", "c", None, None);
        let b = entry_hash(GENESIS_HASH, 1, 10, "user:", "ab", "c", None, None);
        assert_ne!(a, b);
    }
}
