//! `Gemfile.lock`: the gems Bundler resolved, by source section.
//!
//! The lockfile is indentation-structured: a section header at column 0 (`GEM`, `GIT`,
//! `PATH`, `PLATFORMS`, `DEPENDENCIES`, …), its attributes at two spaces (`remote:`,
//! `specs:`), each locked gem at four (`name (version)` or `name (version-platform)`, e.g.
//! `nokogiri (1.13.0-x86_64-linux)`), and that gem's own dependencies at six. Gems of a `GEM`
//! section are RubyGems releases; gems of `GIT` and `PATH` sections are kept without an
//! ecosystem, since RubyGems advisories do not describe them.

use std::collections::HashMap;

use steward_core::inventory::{Application, Component};

use crate::ParseError;
use crate::sbom::purl;
use crate::sbom::{Assembly, DocumentError, Limits};

/// One locked gem.
struct Spec {
    name: String,
    version: String,
    platform: Option<String>,
    source: String,
    dependencies: Vec<String>,
}

impl Spec {
    fn reference(&self) -> String {
        match &self.platform {
            Some(platform) => format!("{}@{}-{platform}", self.name, self.version),
            None => format!("{}@{}", self.name, self.version),
        }
    }
}

/// Reads a `Gemfile.lock`.
pub fn read(text: &str, limits: &Limits) -> Result<Application, DocumentError> {
    limits.check_size(text.len())?;
    let specs = specs(text)?;

    let mut assembly = Assembly::new(limits);
    let mut by_name: HashMap<&str, String> = HashMap::new();
    for spec in &specs {
        by_name
            .entry(spec.name.as_str())
            .or_insert_with(|| spec.reference());
    }
    for spec in &specs {
        assembly.push(component(spec))?;
        for dependency in &spec.dependencies {
            if let Some(target) = by_name.get(dependency.as_str()) {
                assembly.edge(&spec.reference(), target);
            }
        }
    }
    Ok(assembly.finish())
}

fn specs(text: &str) -> Result<Vec<Spec>, DocumentError> {
    let mut specs: Vec<Spec> = Vec::new();
    let (mut section, mut in_specs) = (String::new(), false);
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.trim();
        if content.is_empty() {
            continue;
        }
        match indent {
            0 => {
                section = content.to_owned();
                in_specs = false;
            }
            2 => in_specs = content == "specs:",
            4 if in_specs => {
                let (name, version) = name_and_version(content, number)?;
                let version = version
                    .ok_or_else(|| ParseError::line(number, "a locked gem needs `(version)`"))?;
                let (version, platform) = match version.split_once('-') {
                    Some((version, platform)) => (version, Some(platform.to_owned())),
                    None => (version, None),
                };
                specs.push(Spec {
                    name: name.to_owned(),
                    version: version.to_owned(),
                    platform,
                    source: section.clone(),
                    dependencies: Vec::new(),
                });
            }
            6 if in_specs => {
                let (name, _) = name_and_version(content, number)?;
                let Some(spec) = specs.last_mut() else {
                    return Err(
                        ParseError::line(number, "a dependency before any locked gem").into(),
                    );
                };
                spec.dependencies.push(name.to_owned());
            }
            _ if in_specs => {
                return Err(ParseError::line(
                    number,
                    format!("unexpected indentation of {indent} spaces in specs"),
                )
                .into());
            }
            _ => {}
        }
    }
    Ok(specs)
}

/// Splits `name (version)` into its parts; the parenthesised part is optional.
fn name_and_version(content: &str, line: usize) -> Result<(&str, Option<&str>), DocumentError> {
    let Some((name, rest)) = content.split_once(' ') else {
        return Ok((content.trim_end_matches('!'), None));
    };
    let version = rest
        .trim_end_matches('!')
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            ParseError::line(
                line,
                format!("expected `name (version)`, found {content:?}"),
            )
        })?;
    Ok((name, Some(version)))
}

fn component(spec: &Spec) -> Component {
    let from_rubygems = spec.source == "GEM";
    Component {
        reference: spec.reference(),
        ecosystem: from_rubygems.then(|| "RubyGems".to_owned()),
        name: spec.name.clone(),
        version: Some(spec.version.clone()),
        purl: from_rubygems
            .then(|| purl::build("gem", &spec.name, Some(&spec.version)))
            .flatten(),
        licenses: Vec::new(),
        kind: Some(if from_rubygems {
            "library".to_owned()
        } else {
            spec.source.to_ascii_lowercase()
        }),
        ..Component::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "GIT
  remote: https://example.com/forked.git
  revision: 0123abcd
  specs:
    forked (0.9.0)

GEM
  remote: https://rubygems.org/
  specs:
    mini_portile2 (2.8.0)
    nokogiri (1.13.0-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.13.0-arm64-darwin)
      racc (~> 1.4)
    racc (1.6.0)
    rails (7.0.4)
      actionpack (= 7.0.4)

PLATFORMS
  arm64-darwin
  x86_64-linux

DEPENDENCIES
  forked!
  nokogiri (~> 1.13)
  rails

BUNDLED WITH
   2.3.26
";

    #[test]
    fn gems_platforms_sources_and_edges() {
        let app = read(LOCK, &Limits::DEFAULT).expect("valid");
        let refs: Vec<_> = app
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        assert_eq!(
            refs,
            [
                "forked@0.9.0",
                "mini_portile2@2.8.0",
                "nokogiri@1.13.0-x86_64-linux",
                "nokogiri@1.13.0-arm64-darwin",
                "racc@1.6.0",
                "rails@7.0.4"
            ]
        );
        assert_eq!(
            app.components[0].ecosystem, None,
            "a git gem is not a RubyGems release"
        );
        let nokogiri = &app.components[2];
        assert_eq!(
            (nokogiri.name.as_str(), nokogiri.version.as_deref()),
            ("nokogiri", Some("1.13.0"))
        );
        assert_eq!(nokogiri.ecosystem.as_deref(), Some("RubyGems"));
        assert_eq!(nokogiri.purl.as_deref(), Some("pkg:gem/nokogiri@1.13.0"));
        assert_eq!(
            app.dependencies.len(),
            2,
            "both nokogiri platforms depend on racc; actionpack is not locked"
        );
    }

    #[test]
    fn malformed_spec_names_its_line() {
        let err = read("GEM\n  specs:\n    rack 2.0\n", &Limits::DEFAULT).expect_err("no parens");
        assert_eq!(
            err.to_string(),
            "line 3: expected `name (version)`, found \"rack 2.0\""
        );
    }
}
