//! Secrets the server hands out: enrollment tokens, per-host agent credentials, API tokens and
//! session cookies.
//!
//! A secret is 32 random bytes shown once, with a prefix that says what it is; only its
//! SHA-256 is stored, so a copy of the database cannot be used to impersonate an agent, an API
//! token or a session. (A slow hash is not needed: the secrets are random, not chosen by
//! people.)

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of enrollment tokens.
pub const ENROLLMENT_PREFIX: &str = "stw_enroll_";
/// Prefix of per-host agent credentials.
pub const AGENT_PREFIX: &str = "stw_agent_";
/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "stw_api_";
/// Prefix of session cookies.
pub const SESSION_PREFIX: &str = "stw_session_";

/// A new random secret with a prefix.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_hash_stably() {
        let a = generate(AGENT_PREFIX);
        let b = generate(AGENT_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("stw_agent_"));
        assert_eq!(a.len(), AGENT_PREFIX.len() + 64);
        assert_eq!(hash("x"), hash("x"));
        assert_ne!(hash(&a), hash(&b));
    }
}
