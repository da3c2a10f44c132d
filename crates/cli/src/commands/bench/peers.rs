//! Peers measured side by side with `hyperfine`: collection (`steward scan --json` against
//! `fusioninventory-inventory` and `ocsinventory-agent --local`) and lock-file assessment
//! (`steward scan --lockfile` against `cargo audit`, offline on the RustSec database in the
//! data).

use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// One command's timing.
#[derive(Debug, Clone)]
pub struct Timing {
    /// What was run, as shown.
    pub label: String,
    /// Median seconds.
    pub median: f64,
    /// Fastest and slowest run, seconds.
    pub min: f64,
    /// Slowest run, seconds.
    pub max: f64,
    /// Number of runs.
    pub runs: usize,
    /// Why it could not be measured, when it could not.
    pub skipped: Option<String>,
}

impl Timing {
    fn skipped(label: &str, why: String) -> Timing {
        Timing {
            label: label.to_owned(),
            median: 0.0,
            min: 0.0,
            max: 0.0,
            runs: 0,
            skipped: Some(why),
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Runs one shell command once and says whether it exits as `ok_codes` allow.
fn runs(command: &str, ok_codes: &[i32]) -> Result<(), String> {
    let output = Command::new("sh")
        .args(["-c", command])
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    let code = output.status.code().unwrap_or(-1);
    if ok_codes.contains(&code) {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "exit {code}: {}",
            stderr
                .lines()
                .last()
                .unwrap_or("")
                .chars()
                .take(160)
                .collect::<String>()
        ))
    }
}

/// Times `(label, shell command, accepted exit codes)` with hyperfine.
fn hyperfine(
    commands: &[(String, String, Vec<i32>)],
    runs_each: usize,
    scratch: &Path,
) -> Vec<Timing> {
    let mut timings = Vec::new();
    for (i, (label, command, ok)) in commands.iter().enumerate() {
        if let Err(why) = runs(command, ok) {
            timings.push(Timing::skipped(label, why));
            continue;
        }
        let export = scratch.join(format!("hyperfine-{i}.json"));
        let output = Command::new("hyperfine")
            .args(["--style", "none", "--warmup", "1", "--runs"])
            .arg(runs_each.to_string())
            .arg("-i")
            .arg("--export-json")
            .arg(&export)
            .arg(command)
            .output();
        let parsed = output
            .map_err(|e| e.to_string())
            .and_then(|o| {
                if o.status.success() {
                    std::fs::read(&export).map_err(|e| e.to_string())
                } else {
                    Err(String::from_utf8_lossy(&o.stderr)
                        .chars()
                        .take(200)
                        .collect())
                }
            })
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| e.to_string())
            });
        match parsed {
            Ok(json) => {
                let result = json.pointer("/results/0");
                let number = |key: &str| {
                    result
                        .and_then(|r| r.get(key))
                        .and_then(serde_json::Value::as_f64)
                        .unwrap_or(0.0)
                };
                timings.push(Timing {
                    label: label.clone(),
                    median: number("median"),
                    min: number("min"),
                    max: number("max"),
                    runs: result
                        .and_then(|r| r.get("times"))
                        .and_then(serde_json::Value::as_array)
                        .map_or(0, Vec::len),
                    skipped: None,
                });
            }
            Err(why) => timings.push(Timing::skipped(label, format!("hyperfine: {why}"))),
        }
    }
    timings
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// Collection: Steward's scan against the two agents installed here.
pub fn collection(runs_each: usize, scratch: &Path) -> anyhow::Result<Vec<Timing>> {
    if !on_path("hyperfine") {
        return Ok(vec![Timing::skipped(
            "collection",
            "hyperfine is not installed".into(),
        )]);
    }
    let exe = std::env::current_exe().context("cannot find the steward program")?;
    let ocs_dir = scratch.join("ocs");
    std::fs::create_dir_all(&ocs_dir)?;
    let mut commands = vec![(
        "steward scan --json".to_owned(),
        format!("{} scan --json > /dev/null", quote(&exe)),
        vec![0],
    )];
    if on_path("fusioninventory-inventory") {
        commands.push((
            "fusioninventory-inventory".to_owned(),
            "fusioninventory-inventory > /dev/null 2>&1".to_owned(),
            vec![0],
        ));
    }
    if on_path("ocsinventory-agent") {
        commands.push((
            "ocsinventory-agent --local".to_owned(),
            format!(
                "ocsinventory-agent --local {} > /dev/null 2>&1",
                quote(&ocs_dir)
            ),
            vec![0],
        ));
    }
    Ok(hyperfine(&commands, runs_each, scratch))
}

/// Lock-file assessment: `steward scan --lockfile` (on the whole mirror, and on the RustSec
/// export alone) against `cargo audit` on RustSec's native database from the data.
pub fn lockfile(data: &Path, runs_each: usize, scratch: &Path) -> anyhow::Result<Vec<Timing>> {
    if !on_path("hyperfine") {
        return Ok(vec![Timing::skipped(
            "lockfile",
            "hyperfine is not installed".into(),
        )]);
    }
    let exe = std::env::current_exe().context("cannot find the steward program")?;
    let lockfile = data.join("lockfiles/rust/vaultwarden-1.13.0-Cargo.lock");
    let rustsec_dir = scratch.join("rustsec-osv");
    std::fs::create_dir_all(&rustsec_dir)?;
    let osv = data.join("osv/rustsec/rustsec-osv-json.tar.zst");
    std::fs::copy(&osv, rustsec_dir.join("rustsec-osv-json.tar.zst"))
        .with_context(|| format!("cannot copy {}", osv.display()))?;
    let mut commands = vec![
        (
            "steward scan --lockfile (whole mirror)".to_owned(),
            format!(
                "{} scan --json --lockfile {} --feeds {} > /dev/null",
                quote(&exe),
                quote(&lockfile),
                quote(data)
            ),
            vec![0, 1],
        ),
        (
            "steward scan --lockfile (RustSec OSV only)".to_owned(),
            format!(
                "{} scan --json --lockfile {} --feeds {} > /dev/null",
                quote(&exe),
                quote(&lockfile),
                quote(&rustsec_dir)
            ),
            vec![0, 1],
        ),
    ];
    let cargo_audit = on_path("cargo-audit")
        || std::env::var_os("HOME")
            .is_some_and(|home| Path::new(&home).join(".cargo/bin/cargo-audit").is_file());
    if cargo_audit {
        let db = scratch.join("rsdb");
        std::fs::create_dir_all(&db)?;
        let native = data.join("osv/rustsec/advisory-db-native.tar.zst");
        runs(
            &format!("zstd -dc {} | tar -x -C {}", quote(&native), quote(&db)),
            &[0],
        )
        .map_err(|e| anyhow::anyhow!("cannot unpack {}: {e}", native.display()))?;
        commands.push((
            "cargo audit --no-fetch".to_owned(),
            format!(
                "cargo audit --db {} --no-fetch --stale --no-yanked -f {} --json > /dev/null",
                quote(&db.join("advisory-db")),
                quote(&lockfile)
            ),
            vec![0, 1],
        ));
    } else {
        commands.push(("cargo audit".to_owned(), String::new(), vec![]));
    }
    let mut timings = hyperfine(&commands, runs_each, scratch);
    for timing in &mut timings {
        if timing.label == "cargo audit" {
            timing.skipped = Some("cargo-audit is not installed".into());
        }
    }
    Ok(timings)
}
