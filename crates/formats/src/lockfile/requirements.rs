//! `requirements.txt` and `pip freeze` output: the pinned requirements of a Python
//! application.
//!
//! Only a requirement pinned to one version (`name==1.0`, `name===1.0`, with or without
//! extras, environment markers and `--hash` options) names a release that can be assessed.
//! Every other requirement — a range (`>=1.0`), a bare name, a wildcard (`==1.*`), an
//! editable install (`-e`), a direct URL or path, an included file (`-r`, `-c`) — is kept in
//! [`Application::unresolved`] with its line and the reason, never dropped. Comments, blank
//! lines, line continuations and global options (`--index-url`, `--find-links`, …) are read
//! and skipped, as pip does.

use steward_core::inventory::{Application, Component};

use crate::ParseError;
use crate::sbom::purl;
use crate::sbom::{Assembly, DocumentError, Limits};

/// Options that apply to the whole file, not to one requirement.
const GLOBAL_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--pre",
    "--require-hashes",
    "--use-feature",
];

/// Reads a requirements file (or `pip freeze` output).
pub fn read(text: &str, limits: &Limits) -> Result<Application, DocumentError> {
    limits.check_size(text.len())?;
    let mut assembly = Assembly::new(limits);
    for (line, logical) in logical_lines(text)? {
        let entry = strip_comment(&logical).trim().to_owned();
        if entry.is_empty() {
            continue;
        }
        match classify(&entry) {
            Entry::Pinned { name, version } => assembly.push(component(&name, &version))?,
            Entry::Unresolved(reason) => assembly.unresolved(Some(line), &entry, reason),
            Entry::GlobalOption => {}
        }
    }
    Ok(assembly.finish())
}

/// Joins lines ending in a backslash, giving each logical line the number of its first.
fn logical_lines(text: &str) -> Result<Vec<(usize, String)>, DocumentError> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let (start, mut joined) = pending.take().unwrap_or((number, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(raw);
                out.push((start, joined));
            }
        }
    }
    if let Some((start, _)) = pending {
        return Err(
            ParseError::line(start, "line continuation (\\) at the end of the file").into(),
        );
    }
    Ok(out)
}

/// Drops a comment: `#` at the start or after whitespace (a URL's `#egg=` fragment stays).
fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => &line[..at],
        None => line,
    }
}

enum Entry {
    Pinned { name: String, version: String },
    Unresolved(String),
    GlobalOption,
}

fn classify(entry: &str) -> Entry {
    if entry.starts_with('-') {
        return classify_option(entry);
    }
    let spec = entry.split(" --").next().unwrap_or(entry);
    let spec = spec.split(';').next().unwrap_or(spec).trim();
    if spec.contains("://") || spec.starts_with('.') || spec.starts_with('/') || spec.contains('@')
    {
        return Entry::Unresolved("direct URL or path reference: no registry version".to_owned());
    }
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() {
        return Entry::Unresolved("not a requirement: no package name".to_owned());
    }
    let mut rest = spec[name_end..].trim_start();
    if rest.starts_with('[') {
        let Some(close) = rest.find(']') else {
            return Entry::Unresolved("extras are not closed by `]`".to_owned());
        };
        rest = rest[close + 1..].trim_start();
    }
    pinned_version(rest).map_or_else(Entry::Unresolved, |version| Entry::Pinned {
        name: name.to_owned(),
        version,
    })
}

fn classify_option(entry: &str) -> Entry {
    let option = entry.split([' ', '=', '\t']).next().unwrap_or(entry);
    match option {
        "-e" | "--editable" => {
            Entry::Unresolved("editable install: no registry version".to_owned())
        }
        "-r" | "--requirement" => Entry::Unresolved(
            "includes another requirements file, which is not read here".to_owned(),
        ),
        "-c" | "--constraint" => {
            Entry::Unresolved("includes a constraints file, which is not read here".to_owned())
        }
        option if GLOBAL_OPTIONS.contains(&option) => Entry::GlobalOption,
        option => Entry::Unresolved(format!("unsupported option {option}")),
    }
}

/// The version of a `==` / `===` pin, or why the specifier is not one.
fn pinned_version(specifier: &str) -> Result<String, String> {
    if specifier.is_empty() {
        return Err("no version pinned".to_owned());
    }
    let version = specifier
        .strip_prefix("===")
        .or_else(|| specifier.strip_prefix("=="))
        .map(str::trim);
    match version {
        Some(v) if !v.is_empty() && !v.contains([',', '*', '<', '>', '=', '!', '~', ' ']) => {
            Ok(v.to_owned())
        }
        _ => Err(format!("not pinned to one version ({specifier})")),
    }
}

fn component(name: &str, version: &str) -> Component {
    // The purl spec spells PyPI names in lower case with `-` for `_`.
    let purl_name = name.to_ascii_lowercase().replace('_', "-");
    Component {
        reference: format!("{name}=={version}"),
        ecosystem: Some("PyPI".to_owned()),
        name: name.to_owned(),
        version: Some(version.to_owned()),
        purl: purl::build("pypi", &purl_name, Some(version)),
        kind: Some("library".to_owned()),
        ..Component::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    const MIXED: &str = "# pinned
Django==4.2.1  # comment
requests[socks,security]==2.28.2 ; python_version >= \"3.7\"
cryptography==39.0.1 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
--index-url https://pypi.example/simple
flask>=2.0
gunicorn
numpy==1.*
-e git+https://example.com/pkg.git#egg=pkg
-r other.txt
mypkg @ https://example.com/mypkg-1.0.tar.gz
PyYAML===5.1
";

    #[test]
    fn pins_are_components_and_everything_else_is_reported_with_its_line() {
        let app = read(MIXED, &Limits::DEFAULT).expect("valid");
        let pins: Vec<_> = app
            .components
            .iter()
            .map(|c| format!("{}=={}", c.name, c.version.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            pins,
            [
                "Django==4.2.1",
                "requests==2.28.2",
                "cryptography==39.0.1",
                "PyYAML==5.1"
            ]
        );
        assert_eq!(
            app.components[3].purl.as_deref(),
            Some("pkg:pypi/pyyaml@5.1")
        );

        let unresolved: Vec<_> = app
            .unresolved
            .iter()
            .map(|u| (u.line, u.reason.as_str()))
            .collect();
        assert_eq!(
            unresolved,
            [
                (Some(8), "not pinned to one version (>=2.0)"),
                (Some(9), "no version pinned"),
                (Some(10), "not pinned to one version (==1.*)"),
                (Some(11), "editable install: no registry version"),
                (
                    Some(12),
                    "includes another requirements file, which is not read here"
                ),
                (
                    Some(13),
                    "direct URL or path reference: no registry version"
                ),
            ]
        );
    }

    #[test]
    fn dangling_continuation_names_its_line() {
        let err = read("a==1\nb==2 \\", &Limits::DEFAULT).expect_err("dangling");
        assert_eq!(
            err.to_string(),
            "line 2: line continuation (\\) at the end of the file"
        );
    }

    #[test]
    fn pygoat_2025_has_34_exact_pins() {
        let path = test_data::path("lockfiles/python/pygoat-requirements-2025-04.txt");
        let text = std::fs::read_to_string(path).expect("readable");
        let app = read(&text, &Limits::DEFAULT).expect("valid");
        assert_eq!(app.components.len(), 34);
        assert!(app.unresolved.is_empty(), "{:?}", app.unresolved);
        let django = app
            .components
            .iter()
            .find(|c| c.name == "Django")
            .expect("Django");
        assert_eq!(django.version.as_deref(), Some("4.2"));
    }

    #[test]
    fn pygoat_2021_reports_its_unpinned_names() {
        let path = test_data::path("lockfiles/python/pygoat-requirements-2021-09.txt");
        let text = std::fs::read_to_string(path).expect("readable");
        let app = read(&text, &Limits::DEFAULT).expect("valid");
        let pinned: Vec<_> = app.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(pinned, ["asgiref", "Django", "pytz", "sqlparse", "pyyaml"]);
        let unpinned: Vec<_> = app
            .unresolved
            .iter()
            .map(|u| (u.line, u.entry.as_str()))
            .collect();
        assert_eq!(
            unpinned,
            [
                (Some(5), "php-wsgi"),
                (Some(7), "django-crispy-forms"),
                (Some(8), "gunicorn"),
                (Some(9), "django-heroku"),
                (Some(10), "whitenoise"),
                (Some(11), "django-allauth"),
            ]
        );
    }
}
