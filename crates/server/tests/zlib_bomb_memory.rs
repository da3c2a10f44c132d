//! A zlib bomb (1 GiB of zeros in about 1 MiB) posted to the OCS endpoint costs bounded
//! memory: the peak resident set of this process, which runs nothing else, stays near the
//! inflation bound (128 MiB) instead of growing towards the gigabyte. Alone in its own test
//! binary so no other test moves the peak.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use jiff::Timestamp;
use steward_server::{Settings, secrets};
use steward_store::{Actor, SqlStore, Store};
use tower::ServiceExt;

/// The process's peak resident set (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// A zlib stream that inflates to `mib` MiB of zeros, built from one compressed MiB repeated.
fn zlib_zeros(mib: u32) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 << 10);
    compress
        .compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Full)
        .unwrap();
    let mut bomb = vec![0x78, 0xda];
    for _ in 0..mib {
        bomb.extend_from_slice(&block);
    }
    bomb.extend_from_slice(&[0x03, 0x00]);
    let b = (u64::from(mib) << 20) % 65521;
    bomb.extend_from_slice(&(u32::try_from(b).unwrap() << 16 | 1).to_be_bytes());
    bomb
}

#[tokio::test]
async fn a_one_gibibyte_zlib_bomb_is_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(SqlStore::open_data_dir(dir.path()).await.unwrap());
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    store
        .create_enrollment_token(
            &secrets::hash(&token),
            "bomb",
            &Actor::Cli("test".into()),
            Timestamp::now(),
        )
        .await
        .unwrap();
    let app = steward_server::app(store, Settings::default());
    let bomb = zlib_zeros(1024);
    let before = peak_rss();

    let basic = base64::engine::general_purpose::STANDARD.encode(format!("any:{token}"));
    let request = Request::post("/ocsinventory")
        .header(header::CONTENT_TYPE, "application/x-compress-zlib")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .body(Body::from(bomb))
        .unwrap();
    let started = Instant::now();
    let response = app.oneshot(request).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let peak = peak_rss();
    println!(
        "zlib bomb refused in {elapsed:?}; peak RSS {} MiB before, {} MiB after",
        before >> 20,
        peak >> 20
    );
    // The inflation bound (128 MiB) plus the process; unbounded inflation would pass 1 GiB.
    assert!(peak < 320 << 20, "peak RSS {} MiB", peak >> 20);
}
