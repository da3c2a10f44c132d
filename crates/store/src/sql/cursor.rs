//! Keyset pagination: a page ends with the sort key of its last item, handed out as an opaque
//! cursor (hex of the key's JSON) and passed back to start the next page after that key.
//!
//! Keyset pages stay correct while rows are added or removed between requests: no item is
//! shown twice and none is skipped, unlike `OFFSET`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use steward_api::resources::Page;

use crate::{Result, StoreError};

/// The cursor that resumes a list after `key`.
pub(super) fn encode<K: Serialize>(key: &K) -> String {
    // Serialising plain tuples of strings and integers cannot fail.
    hex::encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The sort key a cursor resumes after.
pub(super) fn decode<K: DeserializeOwned>(cursor: &str) -> Result<K> {
    let invalid = || StoreError::InvalidCursor(cursor.to_owned());
    let bytes = hex::decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Cuts `items` (fetched with one more than `limit`) into a page, with a cursor for the next
/// one when there is more.
pub(super) fn page<T, K: Serialize>(
    mut items: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> K,
) -> Page<T> {
    let limit = limit as usize;
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = match items.last() {
        Some(last) if more => Some(encode(&key(last))),
        _ => None,
    };
    Page { items, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_its_key() {
        let cursor = encode(&("web-01", 7_i64));
        assert_eq!(
            decode::<(String, i64)>(&cursor).unwrap(),
            ("web-01".to_owned(), 7)
        );
    }

    #[test]
    fn a_foreign_cursor_is_refused() {
        assert!(matches!(
            decode::<(String, i64)>("zz"),
            Err(StoreError::InvalidCursor(_))
        ));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        assert_eq!(page(vec![1, 2], 2, |n| *n).next_cursor, None);
        assert_eq!(page(vec![1, 2, 3], 2, |n| *n).next_cursor, Some(encode(&2)));
    }
}
