//! `steward versions compare ECOSYSTEM A B`: prints `<`, `=` or `>`.

use std::cmp::Ordering;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use steward_core::versions::Scheme;

#[derive(Debug, Subcommand)]
pub enum VersionsCommand {
    /// Compare two versions by an ecosystem's rules (OSV names: Debian, PyPI, AlmaLinux, …).
    Compare {
        /// OSV ecosystem name, with or without a release (`Debian:12`).
        ecosystem: String,
        /// First version.
        a: String,
        /// Second version.
        b: String,
    },
}

pub fn run(command: VersionsCommand) -> anyhow::Result<ExitCode> {
    let VersionsCommand::Compare { ecosystem, a, b } = command;
    let scheme = Scheme::for_ecosystem(&ecosystem)
        .with_context(|| format!("no version rules for ecosystem {ecosystem:?}"))?;
    let sign = match scheme.compare(&a, &b)? {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    };
    println!("{sign}");
    Ok(ExitCode::SUCCESS)
}
