//! Safe input and output at the HTTP edge.
//!
//! Output: every response carries a Content-Security-Policy that allows scripts and styles
//! from Steward's own `/static` files only (no inline script, no inline style, no plugin, no
//! framing), with `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` beside it;
//! responses served over TLS also carry `Strict-Transport-Security`.
//! Templates escape every value; the policy is the second wall should one escape be missed.
//!
//! Input: a NUL character (U+0000) is refused wherever it arrives — query parameters, form
//! fields and JSON bodies (agent documents and API calls alike) — with a 400 that names the
//! field, because PostgreSQL cannot store it and C-based tools downstream truncate at it.
//! Every other control character is kept as sent and stored faithfully; pages show it
//! visibly through [`HtmlShown`], the escaper of every template (see `askama.toml`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppError;

/// The policy of every response: own scripts and styles only, never inline.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The largest body the NUL check reads; the agent endpoints' own limit.
const MAX_CHECKED_BODY: usize = 32 * 1024 * 1024;

/// Adds the security headers to every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// What [`strict_transport_security`] sends: browsers keep to HTTPS for a year. Subdomains are
/// left out, since Steward cannot know what else runs under its domain.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Tells browsers to reach this server over HTTPS only; added when Steward serves TLS itself.
pub async fn strict_transport_security(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
    );
    response
}

/// Refuses a request that carries a NUL character in a query parameter, a form field or a
/// JSON value, naming where it was found.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    match check_request(request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn check_request(request: Request) -> Result<Request, AppError> {
    if let Some(query) = request.uri().query() {
        check_form("query parameter", query.as_bytes())?;
    }
    let kind = body_kind(&request);
    if kind == BodyKind::Other {
        return Ok(request);
    }

    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_CHECKED_BODY)
        .await
        .map_err(|_| {
            AppError::Invalid(format!(
                "request body: larger than the limit of {MAX_CHECKED_BODY} bytes"
            ))
        })?;
    match kind {
        BodyKind::Form => check_form("form field", &bytes)?,
        BodyKind::Json => check_json(&bytes)?,
        BodyKind::Other => {}
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(request: &Request) -> BodyKind {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if content_type.starts_with("application/json") || content_type.contains("+json") {
        BodyKind::Json
    } else if content_type.is_empty() && matches!(*request.method(), axum::http::Method::POST) {
        // Agents and scripts often post JSON without a content type; a body that is not
        // JSON is left to its handler, which refuses it with its own message.
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

fn nul_error(what: &str, name: &str) -> AppError {
    AppError::Invalid(format!(
        "{what} {name:?} contains a NUL character (U+0000), which Steward does not accept"
    ))
}

/// Checks URL-encoded pairs (a query string or a form body).
fn check_form(what: &str, encoded: &[u8]) -> Result<(), AppError> {
    if !encoded.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) && !encoded.contains(&0) {
        return Ok(());
    }
    for (name, value) in form_urlencoded_pairs(encoded) {
        if name.contains('\0') || value.contains('\0') {
            return Err(nul_error(what, &name.replace('\0', "\\0")));
        }
    }
    Ok(())
}

fn form_urlencoded_pairs(encoded: &[u8]) -> Vec<(String, String)> {
    encoded
        .split(|b| *b == b'&')
        .map(|pair| {
            let mut halves = pair.splitn(2, |b| *b == b'=');
            let name = decode_component(halves.next().unwrap_or_default());
            let value = decode_component(halves.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> String {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Checks every string (and object key) of a JSON body. A body that is not JSON passes: its
/// handler reports the syntax error with line and column.
fn check_json(body: &[u8]) -> Result<(), AppError> {
    // JSON can carry NUL only as the escape `\u0000`; skip the full walk when it is absent.
    if !body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    match nul_path(&value, &mut String::new()) {
        Some(path) => Err(nul_error("field", &path)),
        None => Ok(()),
    }
}

/// The path (`packages[3].name`) of the first string holding a NUL, if any.
fn nul_path(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(display_path(path)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = nul_path(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key.replace('\0', "\\0"));
            let found = match key.contains('\0') {
                true => Some(display_path(path)),
                false => nul_path(item, path),
            };
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

fn display_path(path: &str) -> String {
    match path.is_empty() {
        true => "(the whole body)".to_owned(),
        false => path.to_owned(),
    }
}

/// The HTML escaper of every template: askama's HTML escaping, and besides it every control
/// character and bidirectional override shown as a visible mark, so a value from an agent can
/// neither hide text (a carriage return, a backspace) nor reorder it (U+202E) on a page.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlShown;

impl askama::filters::Escaper for HtmlShown {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        let mut plain = 0;
        for (at, c) in string.char_indices() {
            if let Some(shown) = shown_control(c) {
                askama::filters::Html.write_escaped_str(&mut dest, &string[plain..at])?;
                dest.write_str(&shown)?;
                plain = at + c.len_utf8();
            }
        }
        askama::filters::Html.write_escaped_str(dest, &string[plain..])
    }
}

/// How a control character is shown on a page; `None` for ordinary characters, tab and
/// line feed. C0 controls and DEL become their Unicode control pictures (U+0001 as `␁`),
/// other invisible controls `<U+202E>`.
pub fn shown_control(c: char) -> Option<String> {
    match c {
        '\t' | '\n' => None,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).map(String::from),
        '\u{7f}' => Some("\u{2421}".to_owned()),
        '\u{80}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}' => Some(format!("&#60;U+{:04X}&#62;", c as u32)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nul_is_found_with_its_path() {
        let body = br#"{"facts":{"hostname":"ok"},"packages":[{"name":"a"},{"name":"b\u0000c"}]}"#;
        let err = check_json(body).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "field \"packages[1].name\" contains a NUL character (U+0000), \
                 which Steward does not accept"
            )
        );
    }

    #[test]
    fn escaped_backslash_before_u0000_is_not_a_nul() {
        assert!(check_json(br#"{"a":"\\u0000"}"#).is_ok());
    }

    #[test]
    fn other_control_characters_pass() {
        assert!(check_json(br#"{"a":"\u0001\u001b[31m\t\r\n"}"#).is_ok());
        assert!(check_form("form field", b"name=a%01%1Bb").is_ok());
    }

    #[test]
    fn control_characters_are_shown_visibly_and_markup_escaped() {
        use askama::filters::Escaper;
        let mut out = String::new();
        HtmlShown
            .write_escaped_str(&mut out, "a\u{1}<b>\r\u{202e}x\u{7f}\tz")
            .ok();
        assert_eq!(
            out,
            "a\u{2401}&#60;b&#62;\u{240d}&#60;U+202E&#62;x\u{2421}\tz"
        );
    }

    #[test]
    fn form_nul_names_the_field() {
        let err = check_form("form field", b"csrf=x&tags=web%00db")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "form field \"tags\" contains a NUL character (U+0000), \
                 which Steward does not accept"
            )
        );
    }
}
