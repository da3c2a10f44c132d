//! Passwords: Argon2id hashes in PHC form, checked off the async threads, and one-time
//! passwords that people can read out and type.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;

use crate::AppError;

/// Characters of one-time passwords: no 0/O, 1/l/I, so they can be read aloud.
const ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/// Shortest password a person may choose.
pub const MIN_LENGTH: usize = 12;

/// A new one-time password: four groups of five characters, about 116 bits.
pub fn one_time() -> String {
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..5)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        })
        .collect();
    groups.join("-")
}

/// The Argon2id hash of a password (default parameters: 19 MiB, 2 passes).
pub async fn hash(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing task failed: {e}")))?
}

fn hash_now(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches `stored`. With no stored hash (unknown user), a hash is still
/// checked, so that the answer takes as long for unknown names as for wrong passwords.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool, AppError> {
    let stored = match stored {
        Some(s) => s.to_owned(),
        None => decoy()?.to_owned(),
    };
    let password = password.to_owned();
    let known = stored != decoy()?;
    let matches = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check task failed: {e}")))?;
    Ok(known && matches)
}

/// A hash of a random password nobody knows.
fn decoy() -> Result<&'static str, AppError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(d) = DECOY.get() {
        return Ok(d);
    }
    let hash = hash_now(&one_time())?;
    Ok(DECOY.get_or_init(|| hash))
}

/// Checks a password a person chose.
pub fn check_choice(password: &str, confirm: &str) -> Result<(), String> {
    if password != confirm {
        return Err("the new password and its confirmation differ".into());
    }
    if password.chars().count() < MIN_LENGTH {
        return Err(format!(
            "choose a password of at least {MIN_LENGTH} characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_accepts_its_password_only() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery", Some(&stored))
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horse batterY", Some(&stored))
                .await
                .unwrap()
        );
        assert!(!verify("anything", None).await.unwrap());
    }

    #[test]
    fn one_time_passwords_are_grouped_and_unique() {
        let a = one_time();
        assert_eq!(a.len(), 23);
        assert_eq!(a.matches('-').count(), 3);
        assert_ne!(a, one_time());
    }

    #[test]
    fn chosen_passwords_must_be_long_and_confirmed() {
        assert!(check_choice("short", "short").is_err());
        assert!(check_choice("long enough pass", "long enough pasS").is_err());
        assert!(check_choice("long enough pass", "long enough pass").is_ok());
    }
}
