//! `go.mod`: a Go module's requirements, with its `replace` directives applied and its
//! `exclude` directives honoured.
//!
//! Directives come one to a line (`require example.com/a v1.2.3`) or in blocks
//! (`require ( … )`); a `// indirect` comment marks a requirement the module does not import
//! itself. A `replace` swaps a module (or one version of it) for another module version, which
//! is then what is built and assessed, or for a local folder, which is kept without an
//! ecosystem. A requirement of an excluded version is reported, not assessed: Go would build
//! a higher version that this file does not name. `go.sum` is not needed.

use steward_core::inventory::{Application, Component};

use crate::ParseError;
use crate::sbom::purl;
use crate::sbom::{Assembly, DocumentError, Limits};

/// A parsed `go.mod`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    /// The module path (`module` directive).
    pub module: Option<String>,
    /// The `go` directive's language version.
    pub go: Option<String>,
    /// Every `require`, in file order.
    pub requires: Vec<Require>,
    /// Every `replace`, in file order.
    pub replaces: Vec<Replace>,
    /// Every `exclude`, in file order.
    pub excludes: Vec<ModuleVersion>,
}

/// A module path at a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleVersion {
    /// Module path.
    pub path: String,
    /// Version (`v1.2.3`, a pseudo-version, `+incompatible`).
    pub version: String,
    /// 1-based line of the directive.
    pub line: usize,
}

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    /// The module and version required.
    pub module: ModuleVersion,
    /// Marked `// indirect`.
    pub indirect: bool,
}

/// One `replace` directive: `from [version] => to [version]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The module replaced.
    pub from: String,
    /// The version replaced; every version when absent.
    pub from_version: Option<String>,
    /// The replacement: a module path, or a local folder when `to_version` is absent.
    pub to: String,
    /// The replacement's version; absent for a local folder.
    pub to_version: Option<String>,
    /// 1-based line of the directive.
    pub line: usize,
}

/// Reads a `go.mod`.
pub fn read(text: &str, limits: &Limits) -> Result<GoMod, DocumentError> {
    limits.check_size(text.len())?;
    let mut go_mod = GoMod::default();
    let mut block: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let (code, comment) = match raw.split_once("//") {
            Some((code, comment)) => (code.trim(), Some(comment.trim())),
            None => (raw.trim(), None),
        };
        if code.is_empty() {
            continue;
        }
        if block.is_some() && code == ")" {
            block = None;
            continue;
        }
        let (verb, rest) = match &block {
            Some(verb) => (verb.clone(), code),
            None => {
                let (verb, rest) = code.split_once(char::is_whitespace).unwrap_or((code, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some(verb.to_owned());
                    continue;
                }
                (verb.to_owned(), rest)
            }
        };
        let indirect = comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;"));
        go_mod.directive(&verb, rest, indirect, number)?;
        if go_mod.requires.len() > limits.max_components {
            return Err(DocumentError::Limit {
                what: format!("number of requirements at line {number}"),
                limit: limits.max_components,
            });
        }
    }
    if let Some(verb) = block {
        return Err(ParseError::line(
            text.lines().count(),
            format!("{verb} ( block is not closed"),
        )
        .into());
    }
    Ok(go_mod)
}

impl GoMod {
    fn directive(
        &mut self,
        verb: &str,
        rest: &str,
        indirect: bool,
        line: usize,
    ) -> Result<(), DocumentError> {
        let words: Vec<&str> = rest
            .split_whitespace()
            .map(|w| w.trim_matches('"'))
            .collect();
        match verb {
            "module" => self.module = words.first().map(|w| (*w).to_owned()),
            "go" => self.go = words.first().map(|w| (*w).to_owned()),
            "require" => self.requires.push(Require {
                module: module_version(&words, line, verb)?,
                indirect,
            }),
            "exclude" => self.excludes.push(module_version(&words, line, verb)?),
            "replace" => self.replaces.push(replace(&words, line)?),
            "toolchain" | "godebug" | "retract" | "tool" | "ignore" => {}
            other => {
                return Err(ParseError::line(line, format!("unknown directive {other:?}")).into());
            }
        }
        Ok(())
    }

    /// The module as an application: each requirement after `replace`, except excluded
    /// versions, which are listed in [`Application::unresolved`]. The module depends on each
    /// requirement not marked `// indirect`.
    pub fn to_application(&self, limits: &Limits) -> Result<Application, DocumentError> {
        let mut assembly = Assembly::new(limits);
        let module = self.module.clone().unwrap_or_default();
        let application = assembly.application_mut();
        application.name = self.module.clone();
        application.reference = self.module.clone();

        for require in &self.requires {
            let wanted = &require.module;
            let excluded = self
                .excludes
                .iter()
                .any(|e| e.path == wanted.path && e.version == wanted.version);
            if excluded {
                let entry = format!("{} {}", wanted.path, wanted.version);
                let reason =
                    "the required version is excluded; Go builds a higher version not named here";
                assembly.unresolved(Some(wanted.line), &entry, reason.to_owned());
                continue;
            }
            assembly.push(self.component(wanted))?;
            if !require.indirect {
                assembly.edge(&module, &wanted.path);
            }
        }
        Ok(assembly.finish())
    }

    fn component(&self, wanted: &ModuleVersion) -> Component {
        let replacement = self.replaces.iter().rev().find(|r| {
            r.from == wanted.path && r.from_version.as_ref().is_none_or(|v| v == &wanted.version)
        });
        let (name, version, ecosystem, kind) = match replacement {
            Some(Replace {
                to,
                to_version: Some(version),
                ..
            }) => (to.clone(), Some(version.clone()), Some("Go"), "module"),
            Some(Replace {
                to,
                to_version: None,
                ..
            }) => (to.clone(), None, None, "local"),
            None => (
                wanted.path.clone(),
                Some(wanted.version.clone()),
                Some("Go"),
                "module",
            ),
        };
        Component {
            reference: wanted.path.clone(),
            purl: ecosystem.and_then(|_| purl::build("golang", &name, version.as_deref())),
            ecosystem: ecosystem.map(str::to_owned),
            name,
            version,
            kind: Some(kind.to_owned()),
            ..Component::default()
        }
    }
}

fn module_version(words: &[&str], line: usize, verb: &str) -> Result<ModuleVersion, DocumentError> {
    match words {
        [path, version] => Ok(ModuleVersion {
            path: (*path).to_owned(),
            version: (*version).to_owned(),
            line,
        }),
        _ => Err(ParseError::line(
            line,
            format!(
                "{verb}: expected `MODULE VERSION`, found {:?}",
                words.join(" ")
            ),
        )
        .into()),
    }
}

fn replace(words: &[&str], line: usize) -> Result<Replace, DocumentError> {
    let arrow = words.iter().position(|w| *w == "=>");
    let (from, to) = match arrow {
        Some(at) => (&words[..at], &words[at + 1..]),
        None => return Err(ParseError::line(line, "replace: expected `=>`").into()),
    };
    let (from, from_version) = match from {
        [path] => ((*path).to_owned(), None),
        [path, version] => ((*path).to_owned(), Some((*version).to_owned())),
        _ => return Err(ParseError::line(line, "replace: expected `MODULE [VERSION] =>`").into()),
    };
    let (to, to_version) = match to {
        [path] => ((*path).to_owned(), None),
        [path, version] => ((*path).to_owned(), Some((*version).to_owned())),
        _ => return Err(ParseError::line(line, "replace: expected `=> MODULE [VERSION]`").into()),
    };
    Ok(Replace {
        from,
        from_version,
        to,
        to_version,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_MOD: &str = "module example.com/shop

go 1.22

toolchain go1.22.3

require github.com/gorilla/mux v1.8.0

require (
\tgolang.org/x/text v0.3.7 // indirect
\tgithub.com/old/lib v1.0.0
\texample.com/internal v0.0.0-20240101000000-abcdefabcdef
\tgithub.com/bad/dep v1.2.0 // indirect; known bad
)

replace github.com/old/lib => github.com/new/lib v1.1.0

replace (
\texample.com/internal => ../internal
\tgolang.org/x/text v0.3.6 => golang.org/x/text v0.3.8
)

exclude github.com/bad/dep v1.2.0
";

    #[test]
    fn requires_with_replaces_and_excludes() {
        let go_mod = read(GO_MOD, &Limits::DEFAULT).expect("valid");
        assert_eq!(go_mod.module.as_deref(), Some("example.com/shop"));
        assert_eq!(go_mod.go.as_deref(), Some("1.22"));
        assert_eq!(go_mod.requires.len(), 5);
        assert!(go_mod.requires[1].indirect && go_mod.requires[4].indirect);

        let app = go_mod
            .to_application(&Limits::DEFAULT)
            .expect("within limits");
        let got: Vec<_> = app
            .components
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.version.as_deref(),
                    c.ecosystem.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("github.com/gorilla/mux", Some("v1.8.0"), Some("Go")),
                ("golang.org/x/text", Some("v0.3.7"), Some("Go")),
                ("github.com/new/lib", Some("v1.1.0"), Some("Go")),
                ("../internal", None, None),
            ]
        );
        assert_eq!(
            app.components[0].purl.as_deref(),
            Some("pkg:golang/github.com/gorilla/mux@v1.8.0")
        );
        assert_eq!(app.unresolved.len(), 1);
        assert_eq!(app.unresolved[0].line, Some(13));
        assert_eq!(app.dependencies.len(), 3, "direct requirements only");
    }

    #[test]
    fn malformed_directives_name_their_line() {
        let err = read("module m\nrequire (\n\tgithub.com/a\n)\n", &Limits::DEFAULT)
            .expect_err("no version");
        assert_eq!(
            err.to_string(),
            "line 3: require: expected `MODULE VERSION`, found \"github.com/a\""
        );
        let err = read(
            "module m\nrequire (\n\tgithub.com/a v1.0.0\n",
            &Limits::DEFAULT,
        )
        .expect_err("open");
        assert_eq!(err.to_string(), "line 3: require ( block is not closed");
        let err = read("module m\nfrobnicate x\n", &Limits::DEFAULT).expect_err("verb");
        assert_eq!(err.to_string(), "line 2: unknown directive \"frobnicate\"");
    }
}
