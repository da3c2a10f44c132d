//! Steward's version orderings checked against each ecosystem's reference implementation.
//!
//! For every scheme with a reference that runs here, real versions from the shared data are
//! sorted by Steward, paired with their neighbours at several distances and at random (seeded)
//! until there are at least [`MIN_PAIRS`] pairs, and the pairs are streamed through one process
//! of the reference: dpkg's rules through `python3-apt`, rpm's through `python3-rpm`, PEP 440
//! through Python's `packaging`, SemVer through npm's `semver` package, and Maven through
//! `ComparableVersion` from Debian's maven. Hand-picked edge cases go through the same process
//! and also carry the answer written out. Where a scheme refuses strings, every harvested string
//! is first asked of both sides, and any string one side accepts and the other refuses counts
//! as a disagreement too.
//!
//! A missing reference skips its test with a printed message, unless
//! `STEWARD_REQUIRE_REFERENCE_TOOLS=1` makes that a failure. npm's `semver` is looked for under
//! `STEWARD_NPM_PREFIX` (default `/root/.cache/steward-npm`), Maven's jar under
//! `/usr/share/maven/lib` and `/usr/share/java` unless `STEWARD_MAVEN_ARTIFACT_JAR` names it.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken test setup"
)]

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use steward_core::versions::Scheme;

use crate::version_sources as sources;

/// The least number of pairs of real versions each ecosystem is checked on.
const MIN_PAIRS: usize = 100_000;

/// Neighbour distances in Steward's order at which versions are paired.
const DISTANCES: [usize; 12] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233];

/// How a reference process is started; it reads `a<TAB>b` lines and answers `<`, `=`, `>` or
/// `!` (cannot read one of them) on one line each.
struct Reference {
    program: PathBuf,
    args: Vec<String>,
}

impl Reference {
    /// Whether the reference starts and exits cleanly on empty input (its imports resolve).
    fn starts(&self) -> bool {
        Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Runs the reference once over all pairs and returns its answers in order.
    fn answer(&self, pairs: &[(&str, &str)]) -> Vec<String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));

        let answers: Vec<String> = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .map(Result::unwrap)
            .collect();
        writer.join().unwrap().unwrap();
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "{} failed: {status}",
            self.program.display()
        );
        assert_eq!(
            answers.len(),
            pairs.len(),
            "the reference answered too few pairs"
        );
        answers
    }
}

/// Whether reference tools must be present (CI) or may be skipped (a developer's machine).
fn required() -> bool {
    std::env::var("STEWARD_REQUIRE_REFERENCE_TOOLS").is_ok_and(|v| v == "1")
}

/// Returns the reference if it starts; otherwise skips or fails as configured.
fn available(
    ecosystem: &str,
    reference: Option<Reference>,
    how_to_install: &str,
) -> Option<Reference> {
    let works = reference.filter(Reference::starts);
    if works.is_none() {
        let message = format!("{ecosystem}: reference implementation missing ({how_to_install})");
        assert!(
            !required(),
            "{message}, and STEWARD_REQUIRE_REFERENCE_TOOLS=1"
        );
        println!("{message}: skipped");
    }
    works
}

fn symbol(ordering: Ordering) -> &'static str {
    match ordering {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// Index pairs into a sorted list: every neighbour, then neighbours at the longer
/// [`DISTANCES`] spread over the list, in alternating directions, up to three quarters of
/// `target`; then seeded random pairs until there are at least `target`.
fn index_pairs(len: usize, target: usize) -> Vec<(usize, usize)> {
    let budget = target * 3 / 4;
    let mut pairs = Vec::new();
    let usable: Vec<usize> = DISTANCES.into_iter().filter(|&d| d < len).collect();
    for (n, &distance) in usable.iter().enumerate() {
        let share = (budget.saturating_sub(pairs.len()) / (usable.len() - n)).max(1);
        let stride = ((len - distance) / share).max(1);
        for i in (0..len - distance).step_by(stride).take(share) {
            pairs.push(if i % 2 == 0 {
                (i, i + distance)
            } else {
                (i + distance, i)
            });
        }
    }

    let mut state: u64 = 0x5EED_0F57_E4A2_D00D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % len as u64).unwrap()
    };
    while pairs.len() < target {
        pairs.push((next(), next()));
    }
    pairs
}

/// The outcome of one agreement run.
struct Agreement {
    versions: usize,
    pairs: usize,
    disagreements: Vec<String>,
}

/// Compares `versions` (all readable by `scheme`) pairwise through Steward and the reference.
fn agree_on_order(scheme: Scheme, reference: &Reference, versions: &BTreeSet<String>) -> Agreement {
    let mut sorted: Vec<&str> = versions.iter().map(String::as_str).collect();
    sorted.sort_by(|a, b| scheme.compare(a, b).unwrap());
    let pairs: Vec<(&str, &str)> = index_pairs(sorted.len(), MIN_PAIRS)
        .into_iter()
        .map(|(i, j)| (sorted[i], sorted[j]))
        .collect();

    let answers = reference.answer(&pairs);
    let disagreements = pairs
        .iter()
        .zip(&answers)
        .filter_map(|((a, b), theirs)| {
            let ours = symbol(scheme.compare(a, b).unwrap());
            (ours != theirs).then(|| format!("{a:?} vs {b:?}: Steward {ours}, reference {theirs}"))
        })
        .collect();
    Agreement {
        versions: sorted.len(),
        pairs: pairs.len(),
        disagreements,
    }
}

/// Asks both sides which of `candidates` are versions; returns those both accept, and the
/// strings on which they differ as disagreements.
fn agree_on_validity(
    scheme: Scheme,
    reference: &Reference,
    candidates: &BTreeSet<String>,
) -> (BTreeSet<String>, Vec<String>) {
    let pairs: Vec<(&str, &str)> = candidates
        .iter()
        .map(|v| (v.as_str(), v.as_str()))
        .collect();
    let answers = reference.answer(&pairs);
    let mut accepted = BTreeSet::new();
    let mut disagreements = Vec::new();
    for ((version, _), theirs) in pairs.iter().zip(&answers) {
        let ours_ok = scheme.compare(version, version).is_ok();
        let theirs_ok = theirs == "=";
        match (ours_ok, theirs_ok) {
            (true, true) => {
                accepted.insert((*version).to_owned());
            }
            (false, false) => {}
            (ours, _) => disagreements.push(format!(
                "{version:?}: Steward {}, reference {}",
                if ours { "accepts" } else { "refuses" },
                if ours { "refuses" } else { "accepts" },
            )),
        }
    }
    (accepted, disagreements)
}

/// Hand-picked pairs with the answer written out: both Steward and the reference must give it.
fn check_edge_cases(
    scheme: Scheme,
    reference: &Reference,
    cases: &[(&str, &str, &str)],
) -> Vec<String> {
    let pairs: Vec<(&str, &str)> = cases.iter().map(|(a, _, b)| (*a, *b)).collect();
    let answers = reference.answer(&pairs);
    let mut wrong = Vec::new();
    for ((a, expected, b), theirs) in cases.iter().zip(&answers) {
        let ours = scheme.compare(a, b).map_or("!", symbol);
        if ours != *expected || theirs != expected {
            wrong.push(format!(
                "{a:?} vs {b:?}: expected {expected}, Steward {ours}, reference {theirs}"
            ));
        }
    }
    wrong
}

/// Prints the one summary line, the first disagreements if any, and asserts there are none.
fn report(ecosystem: &str, agreement: Agreement, refused_apart: Vec<String>, edge: Vec<String>) {
    assert!(
        agreement.pairs >= MIN_PAIRS,
        "{ecosystem}: too few pairs ({})",
        agreement.pairs
    );
    let total = agreement.disagreements.len() + refused_apart.len() + edge.len();
    println!(
        "{ecosystem}: {} pairs compared, {total} disagreements ({} distinct versions)",
        agreement.pairs, agreement.versions
    );
    for line in agreement
        .disagreements
        .iter()
        .chain(&refused_apart)
        .chain(&edge)
        .take(40)
    {
        println!("  {line}");
    }
    assert_eq!(total, 0, "{ecosystem}: Steward and the reference disagree");
}

/// Runs the whole check for one ecosystem: validity (when `check_validity`), order, edge cases.
fn run(
    ecosystem: &str,
    scheme: Scheme,
    reference: &Reference,
    candidates: BTreeSet<String>,
    check_validity: bool,
    edge_cases: &[(&str, &str, &str)],
) {
    let (versions, refused_apart) = if check_validity {
        agree_on_validity(scheme, reference, &candidates)
    } else {
        let mut candidates = candidates;
        candidates.retain(|v| scheme.compare(v, v).is_ok());
        (candidates, Vec::new())
    };
    assert!(
        versions.len() > 500,
        "{ecosystem}: only {} versions found",
        versions.len()
    );
    let agreement = agree_on_order(scheme, reference, &versions);
    let edge = check_edge_cases(scheme, reference, edge_cases);
    report(ecosystem, agreement, refused_apart, edge);
}

/// A Python script run by Debian's interpreter, where `python3-apt`, `python3-rpm` and
/// `python3-packaging` install.
fn python(script: &str, dir: &Path) -> Option<Reference> {
    let path = dir.join("reference.py");
    fs::write(&path, script).unwrap();
    let program = PathBuf::from("/usr/bin/python3");
    program.is_file().then(|| Reference {
        program,
        args: vec![path.display().to_string()],
    })
}

const PYTHON_LOOP: &str = r#"
import sys
out = []
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    out.append(answer(a, b))
sys.stdout.write("".join(x + "\n" for x in out))
"#;

const DPKG_SCRIPT: &str = r#"
import apt_pkg
apt_pkg.init_system()
def answer(a, b):
    c = apt_pkg.version_compare(a, b)
    return "<" if c < 0 else ">" if c > 0 else "="
"#;

const RPM_SCRIPT: &str = r#"
import rpm
def evr(s):
    epoch, sep, rest = s.partition(":")
    if not sep:
        epoch, rest = "0", s
    version, sep, release = rest.partition("-")
    return (epoch, version, release if sep else None)
def answer(a, b):
    c = rpm.labelCompare(evr(a), evr(b))
    return "<" if c < 0 else ">" if c > 0 else "="
"#;

const PACKAGING_SCRIPT: &str = r#"
from packaging.version import Version, InvalidVersion
def parse(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
def answer(a, b):
    x, y = parse(a), parse(b)
    if x is None or y is None:
        return "!"
    return "<" if x < y else ">" if x > y else "="
"#;

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn dpkg_agrees_with_python_apt() {
    let dir = temp_dir();
    let script = format!("{DPKG_SCRIPT}{PYTHON_LOOP}");
    let install = "apt-get install python3-apt";
    let Some(reference) = available("Debian", python(&script, dir.path()), install) else {
        return;
    };
    let cases = [
        ("1.0~rc1", "<", "1.0"),
        ("1.0~~", "<", "1.0~"),
        ("1:0.1", ">", "2.0"),
        ("1.0-1", "<", "1.0-1+deb12u1"),
        ("1.0+dfsg-1", ">", "1.0-1"),
        ("1.0a", ">", "1.0"),
        ("1.0.0", ">", "1.0"),
        ("0:1.0", "=", "1.0"),
        ("2.30-1ubuntu1", "<", "2.30-1ubuntu1.1"),
    ];
    run(
        "Debian",
        Scheme::Dpkg,
        &reference,
        sources::debian(),
        false,
        &cases,
    );
}

#[test]
fn rpm_agrees_with_python_rpm() {
    let dir = temp_dir();
    let script = format!("{RPM_SCRIPT}{PYTHON_LOOP}");
    let install = "apt-get install python3-rpm";
    let Some(reference) = available("AlmaLinux", python(&script, dir.path()), install) else {
        return;
    };
    let osv = sources::unpack(
        "osv/almalinux/almalinux-osv-json.tar.zst",
        &dir.path().join("osv"),
    );
    let versions = sources::osv_json(&osv, |e| e.starts_with("AlmaLinux"));
    let cases = [
        ("1.0~rc1-1", "<", "1.0-1"),
        ("1.0^git1-1", ">", "1.0-1"),
        ("1.0^git1-1", "<", "1.0.1-1"),
        ("1:1.0-1", ">", "2.0-1"),
        ("0:1.0-1.el9", "=", "1.0-1.el9"),
        ("1.0-1.el9_2", "<", "1.0-1.el9_10"),
        ("1.01-1", "=", "1.1-1"),
        ("1.a-1", "<", "1.0-1"),
    ];
    run(
        "AlmaLinux",
        Scheme::Rpm,
        &reference,
        versions,
        false,
        &cases,
    );
}

#[test]
fn pep440_agrees_with_python_packaging() {
    let dir = temp_dir();
    let script = format!("{PACKAGING_SCRIPT}{PYTHON_LOOP}");
    let install = "apt-get install python3-packaging";
    let Some(reference) = available("PyPI", python(&script, dir.path()), install) else {
        return;
    };
    let pypa = sources::unpack("osv/pypa/pypa-osv-yaml.tar.zst", &dir.path().join("pypa"));
    let eol = sources::unpack(
        "eol/release-data/release-data-releases.tar.zst",
        &dir.path().join("eol"),
    );
    let mut versions = sources::osv_yaml(&pypa);
    versions.extend(sources::release_data(&eol));
    let cases = [
        ("1.0.dev1", "<", "1.0a1"),
        ("1.0a1", "<", "1.0b1"),
        ("1.0rc1", "<", "1.0"),
        ("1.0", "<", "1.0.post1"),
        ("1.0", "<", "1.0+local"),
        ("1.0", "=", "1.0.0"),
        ("1!0.1", ">", "2.0"),
        ("1.0alpha1", "=", "1.0a1"),
        ("v1.0", "=", "1.0"),
        ("2004d", "!", "1.0"),
    ];
    run("PyPI", Scheme::Pep440, &reference, versions, true, &cases);
}

/// npm's `semver` package, from `STEWARD_NPM_PREFIX`.
fn npm_semver(dir: &Path) -> Option<Reference> {
    let prefix = std::env::var("STEWARD_NPM_PREFIX").unwrap_or("/root/.cache/steward-npm".into());
    let package = Path::new(&prefix).join("node_modules/semver");
    if !package.join("package.json").is_file() {
        return None;
    }
    let script = format!(
        r#"const semver = require({package:?});
const lines = require("fs").readFileSync(0, "utf8").split("\n");
const out = [];
for (const line of lines) {{
  if (line === "") continue;
  const [a, b] = line.split("\t");
  let c;
  try {{ c = semver.compare(a, b); }} catch (e) {{ out.push("!"); continue; }}
  out.push(c < 0 ? "<" : c > 0 ? ">" : "=");
}}
process.stdout.write(out.map((x) => x + "\n").join(""));
"#,
        package = package.display().to_string()
    );
    let path = dir.join("reference.js");
    fs::write(&path, script).unwrap();
    Some(Reference {
        program: PathBuf::from("node"),
        args: vec![path.display().to_string()],
    })
}

#[test]
fn semver_agrees_with_npm_semver() {
    let dir = temp_dir();
    let install = "npm install --prefix $STEWARD_NPM_PREFIX semver";
    let Some(reference) = available("npm", npm_semver(dir.path()), install) else {
        return;
    };
    let root = dir.path();
    let rustsec = sources::unpack(
        "osv/rustsec/rustsec-osv-json.tar.zst",
        &root.join("rustsec"),
    );
    let go = sources::unpack("osv/go/go-vulndb-osv-json.tar.zst", &root.join("go"));
    let bitnami = sources::unpack(
        "osv/bitnami/bitnami-vulndb-osv-json.tar.zst",
        &root.join("bit"),
    );
    let node = sources::unpack(
        "advisories-native/nodejs-security-wg/nodejs-security-wg-vuln.tar.zst",
        &root.join("node"),
    );
    let eol = sources::unpack(
        "eol/release-data/release-data-releases.tar.zst",
        &root.join("eol"),
    );
    let mut versions = sources::osv_json(&rustsec, |_| true);
    versions.extend(sources::osv_json(&go, |_| true));
    versions.extend(sources::osv_json(&bitnami, |_| true));
    versions.extend(sources::nodejs_ranges(&node));
    versions.extend(sources::release_data(&eol));
    let cases = [
        ("1.0.0-alpha", "<", "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "<", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "<", "1.0.0-beta.11"),
        ("1.0.0-rc.1", "<", "1.0.0"),
        ("1.0.0+build.1", "=", "1.0.0+build.2"),
        ("v1.2.3", "=", "1.2.3"),
        ("=1.2.3", "!", "1.2.3"),
        ("1.2", "!", "1.2.0"),
        ("01.2.3", "!", "1.2.3"),
        ("1.0.0-1", "<", "1.0.0-a"),
    ];
    run("npm", Scheme::Semver, &reference, versions, true, &cases);
}

/// `maven-artifact`'s jar: named by `STEWARD_MAVEN_ARTIFACT_JAR`, or Debian's.
fn maven_artifact_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os("STEWARD_MAVEN_ARTIFACT_JAR") {
        return Some(PathBuf::from(jar));
    }
    ["/usr/share/maven/lib", "/usr/share/java"]
        .iter()
        .find_map(|dir| {
            let entries = fs::read_dir(dir).ok()?;
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|path| {
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    name.starts_with("maven-artifact") && name.ends_with(".jar")
                })
        })
}

const MAVEN_PROGRAM: &str = r#"
import java.io.*;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class Compare {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, "UTF-8")));
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            ComparableVersion a = new ComparableVersion(line.substring(0, tab));
            int c = a.compareTo(new ComparableVersion(line.substring(tab + 1)));
            out.println(c < 0 ? "<" : c > 0 ? ">" : "=");
        }
        out.flush();
    }
}
"#;

/// Compiles the Java reference program against Maven's jar.
fn maven_comparable_version(dir: &Path) -> Option<Reference> {
    let jar = maven_artifact_jar()?;
    fs::write(dir.join("Compare.java"), MAVEN_PROGRAM).unwrap();
    let compiled = Command::new("javac")
        .arg("-cp")
        .arg(&jar)
        .arg("-d")
        .arg(dir)
        .arg(dir.join("Compare.java"))
        .status()
        .is_ok_and(|status| status.success());
    let classpath = format!("{}:{}", jar.display(), dir.display());
    compiled.then(|| Reference {
        program: PathBuf::from("java"),
        args: vec!["-cp".into(), classpath, "Compare".into()],
    })
}

#[test]
fn maven_agrees_with_comparable_version() {
    let dir = temp_dir();
    let install = "apt-get install maven";
    let Some(reference) = available("Maven", maven_comparable_version(dir.path()), install) else {
        return;
    };
    let root = dir.path();
    let bitnami = sources::unpack(
        "osv/bitnami/bitnami-vulndb-osv-json.tar.zst",
        &root.join("bit"),
    );
    let eol = sources::unpack(
        "eol/release-data/release-data-releases.tar.zst",
        &root.join("eol"),
    );
    let mut versions = sources::osv_json(&bitnami, |_| true);
    versions.extend(sources::release_data(&eol));
    let cases = [
        ("1-alpha", "<", "1-beta"),
        ("1-beta", "<", "1-milestone"),
        ("1-milestone", "<", "1-rc"),
        ("1-rc", "=", "1-cr"),
        ("1-rc", "<", "1-snapshot"),
        ("1-snapshot", "<", "1"),
        ("1", "=", "1-ga"),
        ("1", "=", "1.0.0-final"),
        ("1.0.RELEASE", "=", "1"),
        ("1", "<", "1-sp"),
        ("1-sp", "<", "1-abc"),
        ("1-1", "<", "1.1"),
        ("1-1", ">", "1"),
        ("1-sp", "<", "1-1"),
        ("1a1", "=", "1-alpha-1"),
        ("1.a", "=", "1-a"),
        ("1.a.1", "<", "1-a.1"),
        ("1-alpha2snapshot", "<", "1-alpha2"),
        ("1.9999999999", "<", "1.10000000000"),
        ("2.10.0.pr1", ">", "2.10.0"),
        ("33.0-jre", ">", "33.0-android"),
    ];
    run("Maven", Scheme::Maven, &reference, versions, false, &cases);
}
