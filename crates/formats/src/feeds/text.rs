//! Small value parsers shared by the feed readers: dates, timestamps and lenient lists.
//!
//! Feeds spell absent lists as `null` as often as they leave them out, and publish dates with
//! and without a time or an offset; these helpers accept those spellings and nothing looser.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Deserializer};

/// Deserializes a list that may be missing or `null` into a possibly empty `Vec`.
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses an RFC 3339 timestamp; a date-time without offset is taken as UTC, and a bare date
/// as its midnight UTC, since feeds publish all three.
pub(crate) fn timestamp(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(at) = text.parse::<DateTime>() {
        return at
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|zoned| zoned.timestamp())
            .map_err(|err| format!("{text:?} is out of range: {err}"));
    }
    if let Ok(day) = text.parse::<Date>() {
        return day
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|zoned| zoned.timestamp())
            .map_err(|err| format!("{text:?} is out of range: {err}"));
    }
    Err(format!("{text:?} is not an RFC 3339 timestamp"))
}

/// Parses an ISO 8601 calendar date (`2024-06-30`).
pub(crate) fn date(text: &str) -> Result<Date, String> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| format!("{:?} is not a date (YYYY-MM-DD)", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_offset_or_time() {
        let want: Timestamp = "2021-09-26T00:00:00Z".parse().expect("valid");
        assert_eq!(timestamp("2021-09-26T00:00:00Z"), Ok(want));
        assert_eq!(timestamp("2021-09-26T02:00:00+02:00"), Ok(want));
        assert_eq!(timestamp("2021-09-26T00:00:00"), Ok(want));
        assert_eq!(timestamp("2021-09-26"), Ok(want));
        assert!(timestamp("yesterday").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(date("2024-06-30"), Ok(jiff::civil::date(2024, 6, 30)));
        assert!(date("2024-13-01").is_err());
    }
}
