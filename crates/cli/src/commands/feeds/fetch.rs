//! One conditional download: the URL's remembered validators go out as `If-None-Match` and
//! `If-Modified-Since`; a `304 Not Modified` means the copy on disk is current; a `200` body is
//! streamed to a file with a size bound, and its validators are kept for next time.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use tokio::io::AsyncWriteExt;

use super::state::Validators;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest silence in the middle of a download.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// What a download gave.
#[derive(Debug)]
pub enum Fetched {
    /// The server said the copy on disk is current.
    NotModified,
    /// A new body was written to the destination file.
    Downloaded {
        /// Its size.
        bytes: u64,
        /// Its validators, for the next request.
        validators: Validators,
    },
}

/// An HTTP client for the feeds.
#[derive(Clone)]
pub struct Fetcher {
    http: reqwest::Client,
}

impl Fetcher {
    pub fn new() -> anyhow::Result<Fetcher> {
        steward_agent::client::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("steward/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Fetcher { http })
    }

    /// Downloads `url` into `destination` (created or truncated) unless `previous` validators
    /// show the copy is current. Bodies larger than `limit` bytes are refused.
    pub async fn fetch(
        &self,
        url: &str,
        previous: Option<&Validators>,
        destination: &Path,
        limit: u64,
    ) -> Result<Fetched, String> {
        let mut request = self.http.get(url);
        let conditional = previous.filter(|v| !v.is_empty());
        if let Some(validators) = conditional {
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(|err| describe(&err))?;

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && conditional.is_some() {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(format!(
                "the body is larger than the limit of {limit} bytes"
            ));
        }
        let validators = Validators {
            etag: header(&response, ETAG),
            last_modified: header(&response, LAST_MODIFIED),
        };
        let expected = response.content_length();

        let mut file = tokio::fs::File::create(destination)
            .await
            .map_err(|err| format!("cannot create {}: {err}", destination.display()))?;
        let mut bytes: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(|err| describe(&err))? {
            bytes += chunk.len() as u64;
            if bytes > limit {
                return Err(format!(
                    "the body is larger than the limit of {limit} bytes"
                ));
            }
            file.write_all(&chunk)
                .await
                .map_err(|err| format!("cannot write {}: {err}", destination.display()))?;
        }
        if let Some(expected) = expected.filter(|expected| *expected != bytes) {
            return Err(format!("truncated: {bytes} of {expected} bytes arrived"));
        }
        file.sync_all()
            .await
            .map_err(|err| format!("cannot write {}: {err}", destination.display()))?;
        Ok(Fetched::Downloaded { bytes, validators })
    }
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    let value = response.headers().get(name)?.to_str().ok()?.trim();
    // A validator is echoed back in a header: keep only short, printable ones.
    (!value.is_empty() && value.len() <= 1024).then(|| value.to_owned())
}

/// An HTTP error with its causes (reqwest's own message hides the interesting part).
fn describe(err: &reqwest::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
