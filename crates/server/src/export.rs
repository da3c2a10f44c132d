//! CSV exports: every page of a list gathered up to a bound, and the download response.
//!
//! The cells themselves are written by [`steward_formats::csv_table`], which neutralises
//! formula starts in every cell, so agent-supplied text opens inert in a spreadsheet.

use std::future::Future;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use steward_api::resources::{Page, PageRequest};
use steward_store::StoreError;

use crate::AppError;

/// The most rows one export holds; a larger list asks for a narrower filter.
pub const MAX_EXPORT_ROWS: usize = 200_000;

/// Items read per page while gathering.
const PAGE: u32 = 500;

/// Every item of a paged list, in the list's order; more than `max` items is an error that
/// names `what`.
pub async fn every_page<T, F, Fut>(what: &str, max: usize, mut fetch: F) -> Result<Vec<T>, AppError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(PageRequest {
            limit: Some(PAGE),
            cursor,
        })
        .await?;
        items.extend(page.items);
        if items.len() > max {
            return Err(AppError::TooLarge(format!(
                "more than {max} {what} match; narrow the filter to export them"
            )));
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// A CSV document as a download named `filename`.
pub fn csv_download(filename: &'static str, csv: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response()
}
