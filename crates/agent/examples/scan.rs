//! Prints this host's inventory document as JSON, as `steward scan --json` does; used to
//! measure a scan's time and memory (`/usr/bin/time -v`).
//!
//! Usage: `scan [STATE_DIR]` (the pending-updates cache is kept in `STATE_DIR`).

use std::io::Write;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let opts = steward_agent::CollectOptions {
        state_dir: std::env::args_os().nth(1).map(PathBuf::from),
        ..Default::default()
    };
    let document = steward_agent::scan_document(&opts);
    let json = serde_json::to_vec_pretty(&document).map_err(std::io::Error::other)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&json)?;
    stdout.write_all(b"\n")
}
