//! Where each feed is downloaded from, after layering defaults < `[feeds]` in `steward.toml` <
//! `STEWARD_FEEDS_*` environment < flags. A site points these at its own mirror; an empty URL
//! (or an empty ecosystem list) leaves that feed out.

use anyhow::{Context, bail, ensure};

use crate::settings::FeedsSettings;

/// osv.dev's per-ecosystem export; `{ecosystem}` is replaced by each ecosystem's name.
pub const DEFAULT_OSV_URL: &str =
    "https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip";
/// The CISA catalog of known exploited vulnerabilities.
pub const DEFAULT_KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// endoflife.date's API, version 1.
pub const DEFAULT_ENDOFLIFE_URL: &str = "https://endoflife.date/api/v1";
/// The ecosystems whose versions Steward compares by their own rules, and those of the
/// advisories in the shared test data.
pub const DEFAULT_OSV_ECOSYSTEMS: &[&str] = &[
    "crates.io",
    "PyPI",
    "npm",
    "Go",
    "Maven",
    "RubyGems",
    "Debian",
    "Ubuntu",
    "Alpine",
    "AlmaLinux",
    "Rocky Linux",
    "Bitnami",
    "OSS-Fuzz",
];

/// Longest ecosystem name accepted.
const MAX_ECOSYSTEM_LEN: usize = 100;

/// The feeds one sync downloads.
#[derive(Debug, Clone)]
pub struct Sources {
    /// One OSV export per ecosystem.
    pub osv: Vec<OsvSource>,
    /// The KEV catalog's URL, unless left out.
    pub kev: Option<String>,
    /// endoflife.date's API base URL, unless left out.
    pub endoflife: Option<String>,
}

/// One ecosystem's OSV export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvSource {
    /// The ecosystem as osv.dev names it.
    pub ecosystem: String,
    /// Where its `all.zip` is.
    pub url: String,
    /// Its folder under the mirror's `osv/` folder: the name with unsafe characters replaced.
    pub folder: String,
}

/// Values given on the command line or in the environment (both read by clap).
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub osv_url: Option<String>,
    pub osv_ecosystems: Option<Vec<String>>,
    pub kev_url: Option<String>,
    pub endoflife_url: Option<String>,
}

impl Sources {
    /// Layers the given values over the settings file over the defaults, and checks them.
    pub fn resolve(given: Given, file: &FeedsSettings) -> anyhow::Result<Sources> {
        let osv_url = given
            .osv_url
            .or_else(|| file.osv_url.clone())
            .unwrap_or_else(|| DEFAULT_OSV_URL.to_owned());
        let ecosystems = given
            .osv_ecosystems
            .or_else(|| file.osv_ecosystems.clone())
            .unwrap_or_else(|| {
                DEFAULT_OSV_ECOSYSTEMS
                    .iter()
                    .map(|e| e.to_string())
                    .collect()
            });
        let kev = given
            .kev_url
            .or_else(|| file.kev_url.clone())
            .unwrap_or_else(|| DEFAULT_KEV_URL.to_owned());
        let endoflife = given
            .endoflife_url
            .or_else(|| file.endoflife_url.clone())
            .unwrap_or_else(|| DEFAULT_ENDOFLIFE_URL.to_owned());

        let mut osv: Vec<OsvSource> = Vec::new();
        for ecosystem in ecosystems
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
        {
            let source = OsvSource::new(&osv_url, ecosystem)?;
            if osv.iter().any(|known| known.folder == source.folder) {
                continue;
            }
            osv.push(source);
        }
        Ok(Sources {
            osv,
            kev: optional_url(&kev, "kev_url")?,
            endoflife: optional_url(&endoflife, "endoflife_url")?
                .map(|url| url.trim_end_matches('/').to_owned()),
        })
    }
}

impl OsvSource {
    fn new(template: &str, ecosystem: &str) -> anyhow::Result<OsvSource> {
        ensure!(
            template.contains("{ecosystem}"),
            "osv_url {template:?} has no {{ecosystem}} placeholder"
        );
        ensure!(
            ecosystem.len() <= MAX_ECOSYSTEM_LEN && !ecosystem.chars().any(char::is_control),
            "OSV ecosystem {ecosystem:?} is not a valid name"
        );
        let url = template.replace("{ecosystem}", &encode_segment(ecosystem));
        check_url(&url, "osv_url")?;
        let folder: String = ecosystem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        ensure!(
            !folder.chars().all(|c| c == '.'),
            "OSV ecosystem {ecosystem:?} is not a valid name"
        );
        Ok(OsvSource {
            ecosystem: ecosystem.to_owned(),
            url,
            folder,
        })
    }
}

/// `None` for an empty value (the feed is left out), else the URL once checked.
fn optional_url(url: &str, key: &str) -> anyhow::Result<Option<String>> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    check_url(url, key)?;
    Ok(Some(url.to_owned()))
}

fn check_url(url: &str, key: &str) -> anyhow::Result<()> {
    let parsed =
        reqwest::Url::parse(url).with_context(|| format!("{key}: {url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("{key}: {url:?} is not an http or https URL");
    }
    Ok(())
}

/// Percent-encodes a path segment, keeping unreserved characters and `:` (`Debian:12`).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(given: Given, file: &str) -> anyhow::Result<Sources> {
        let file: crate::settings::FileSettings = toml::from_str(file).unwrap();
        Sources::resolve(given, &file.feeds)
    }

    #[test]
    fn defaults_name_the_publishers() {
        let sources = resolve(Given::default(), "").unwrap();
        assert_eq!(sources.kev.as_deref(), Some(DEFAULT_KEV_URL));
        assert_eq!(
            sources.endoflife.as_deref(),
            Some("https://endoflife.date/api/v1")
        );
        let rocky = sources
            .osv
            .iter()
            .find(|s| s.ecosystem == "Rocky Linux")
            .unwrap();
        assert_eq!(
            rocky.url,
            "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"
        );
        assert_eq!(rocky.folder, "Rocky_Linux");
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let file = "[feeds]\nosv_url = \"http://file/{ecosystem}.zip\"\n\
                    osv_ecosystems = [\"PyPI\"]\nkev_url = \"\"";
        let given = Given {
            osv_ecosystems: Some(vec!["Debian:12".into(), "Go".into(), "Go".into()]),
            ..Given::default()
        };
        let sources = resolve(given, file).unwrap();
        let urls: Vec<&str> = sources.osv.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["http://file/Debian:12.zip", "http://file/Go.zip"]);
        assert_eq!(sources.kev, None);
    }

    #[test]
    fn a_template_without_placeholder_or_a_bad_url_is_refused() {
        let given = Given {
            osv_url: Some("https://mirror.example/all.zip".into()),
            ..Given::default()
        };
        assert!(resolve(given, "").is_err());
        let given = Given {
            kev_url: Some("ftp://mirror.example/kev.json".into()),
            ..Given::default()
        };
        let err = resolve(given, "").unwrap_err().to_string();
        assert!(err.contains("kev_url"), "{err}");
    }

    #[test]
    fn ecosystem_names_cannot_climb_out_of_the_mirror() {
        let given = Given {
            osv_ecosystems: Some(vec!["../../etc".into()]),
            ..Given::default()
        };
        let sources = resolve(given, "").unwrap();
        assert_eq!(sources.osv[0].folder, ".._.._etc");
        assert!(sources.osv[0].url.contains("..%2F..%2Fetc"));
        let given = Given {
            osv_ecosystems: Some(vec!["..".into()]),
            ..Given::default()
        };
        assert!(resolve(given, "").is_err());
    }
}
