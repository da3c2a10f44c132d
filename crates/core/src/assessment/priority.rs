//! Ranking: how urgent a finding is, from what is known about the vulnerability, the package
//! and the host, with every reason written out next to the result.
//!
//! A priority is a sum of points, one term per factor, so a person can redo it by hand:
//!
//! | factor | points |
//! | --- | --- |
//! | severity | CVSS base score × 10 (0–100); without a score, the qualitative rating: critical 95, high 80, medium 55, low 25, none 0; nothing known: 50 (as medium) |
//! | known exploitation | in CISA's Known Exploited Vulnerabilities catalog: +40; known ransomware use: +10 more |
//! | fix | a pending update already offers the fix: +10; a fixed version is published: +5; none: 0 |
//! | platform lifecycle | the platform is at end of life: +10; on extended support only: +5 |
//! | host tier | critical +20, high +10, standard 0, low −15 |
//!
//! The score is the sum, never below 0, and sorts findings (higher first). The level cuts it:
//! P1 from 110, P2 from 80, P3 from 50, P4 below. So a critical CVSS score alone is P2; a
//! known-exploited high one, or a critical one on a critical host, is P1. A fix that can be
//! applied now ranks higher because it is work that can be done now, and an end-of-life
//! platform because no further fixes will come for it.
//!
//! A host's tier is set by hand or by [`TierRule`]s on its tags and facts: the first rule that
//! matches decides, and a host no rule matches is `standard`.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::advisory;
use super::lifecycle::{LifecycleStatus, SupportState};
use crate::inventory::HostFacts;

/// How much a host matters to the business.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Its loss or compromise stops the business (production databases, identity).
    Critical,
    /// Important, with some slack.
    High,
    /// Most hosts.
    #[default]
    Standard,
    /// Test machines, lab hosts.
    Low,
}

impl Tier {
    /// The tier's name (`critical`, `high`, `standard`, `low`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::High => "high",
            Tier::Standard => "standard",
            Tier::Low => "low",
        }
    }

    fn points(self) -> i32 {
        match self {
            Tier::Critical => 20,
            Tier::High => 10,
            Tier::Standard => 0,
            Tier::Low => -15,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Tier, RuleError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Ok(Tier::Critical),
            "high" => Ok(Tier::High),
            "standard" => Ok(Tier::Standard),
            "low" => Ok(Tier::Low),
            _ => Err(RuleError::UnknownTier(text.trim().to_owned())),
        }
    }
}

/// Why a tier rule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Not of the form `NAME = VALUE`.
    #[error("{0:?} is not a condition of the form `tag = VALUE` or `FACT = VALUE`")]
    Malformed(String),
    /// The fact is not one a rule can test.
    #[error("unknown fact {0:?}; known: tag, {facts}", facts = FACTS.join(", "))]
    UnknownFact(String),
    /// The tier is not one of `critical`, `high`, `standard`, `low`.
    #[error("unknown tier {0:?}; known: critical, high, standard, low")]
    UnknownTier(String),
}

/// The host facts a rule can test.
const FACTS: [&str; 7] = [
    "hostname",
    "fqdn",
    "os.id",
    "os.version_id",
    "os.codename",
    "arch",
    "kernel",
];

/// What a tier rule tests: a tag the host carries, or one of its facts. Values compare without
/// regard to ASCII case, and a value ending in `*` matches every value that starts with the rest
/// (`hostname = db-*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `tag = VALUE`: the host carries this tag.
    Tag {
        /// The tag, or a prefix ending in `*`.
        value: String,
    },
    /// `FACT = VALUE`, where FACT is `hostname`, `fqdn`, `os.id`, `os.version_id`,
    /// `os.codename`, `arch` or `kernel`.
    Fact {
        /// The fact's name.
        name: String,
        /// The value, or a prefix ending in `*`.
        value: String,
    },
}

impl FromStr for Condition {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Condition, RuleError> {
        let malformed = || RuleError::Malformed(text.to_owned());
        let (name, value) = text.split_once('=').ok_or_else(malformed)?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        if name.is_empty() || value.is_empty() {
            return Err(malformed());
        }
        match name.as_str() {
            "tag" => Ok(Condition::Tag { value }),
            fact if FACTS.contains(&fact) => Ok(Condition::Fact { name, value }),
            _ => Err(RuleError::UnknownFact(name)),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Tag { value } => write!(f, "tag = {value}"),
            Condition::Fact { name, value } => write!(f, "{name} = {value}"),
        }
    }
}

impl Condition {
    /// Whether a host with these tags and facts meets the condition.
    pub fn holds(&self, tags: &[String], facts: &HostFacts) -> bool {
        match self {
            Condition::Tag { value } => tags.iter().any(|tag| matches(value, tag)),
            Condition::Fact { name, value } => fact(facts, name).is_some_and(|f| matches(value, f)),
        }
    }
}

fn fact<'f>(facts: &'f HostFacts, name: &str) -> Option<&'f str> {
    match name {
        "hostname" => Some(&facts.hostname),
        "fqdn" => facts.fqdn.as_deref(),
        "os.id" => facts.os.id.as_deref(),
        "os.version_id" => facts.os.version_id.as_deref(),
        "os.codename" => facts.os.version_codename.as_deref(),
        "arch" => facts.arch.as_deref(),
        "kernel" => facts.kernel.as_deref(),
        _ => None,
    }
}

/// `pattern` against `value`, ASCII case aside; a trailing `*` matches any rest.
fn matches(pattern: &str, value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => value == pattern,
    }
}

/// One tier rule: when the condition holds, the host gets the tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRule {
    /// What is tested.
    pub condition: Condition,
    /// The tier it assigns.
    pub tier: Tier,
}

impl FromStr for TierRule {
    type Err = RuleError;

    /// Reads `CONDITION -> TIER` (`tag = prod -> critical`); `→` may stand for `->`.
    fn from_str(text: &str) -> Result<TierRule, RuleError> {
        let (condition, tier) = text
            .split_once("->")
            .or_else(|| text.split_once('→'))
            .ok_or_else(|| RuleError::Malformed(text.to_owned()))?;
        Ok(TierRule {
            condition: condition.parse()?,
            tier: tier.parse()?,
        })
    }
}

impl fmt::Display for TierRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.condition, self.tier)
    }
}

/// A host's tier and how it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDecision {
    /// The tier.
    pub tier: Tier,
    /// Why, in words: `set by hand`, `rule 2: tag = prod`, `no rule matched`.
    pub reason: String,
}

/// A host's tier: the one set by hand if any, else the first rule whose condition holds,
/// else [`Tier::Standard`].
pub fn host_tier(
    manual: Option<Tier>,
    rules: &[TierRule],
    tags: &[String],
    facts: &HostFacts,
) -> TierDecision {
    if let Some(tier) = manual {
        let reason = "set by hand".to_owned();
        return TierDecision { tier, reason };
    }
    let matched = rules
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.condition.holds(tags, facts));
    match matched {
        Some((index, rule)) => TierDecision {
            tier: rule.tier,
            reason: format!("rule {}: {}", index + 1, rule.condition),
        },
        None => TierDecision {
            tier: Tier::Standard,
            reason: "no rule matched".to_owned(),
        },
    }
}

/// A qualitative severity rating, CVSS's bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// 0.0.
    None,
    /// 0.1–3.9.
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9.
    High,
    /// 9.0–10.0.
    Critical,
}

impl Rating {
    /// The band a CVSS base score falls in.
    pub fn of_score(score: f64) -> Rating {
        match score {
            s if s >= 9.0 => Rating::Critical,
            s if s >= 7.0 => Rating::High,
            s if s >= 4.0 => Rating::Medium,
            s if s > 0.0 => Rating::Low,
            _ => Rating::None,
        }
    }

    /// A publisher's word for a severity: CVSS's names, Red Hat's `important` and `moderate`,
    /// Debian's `unimportant` and `negligible`.
    pub fn from_word(word: &str) -> Option<Rating> {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Rating::Critical),
            "high" | "important" => Some(Rating::High),
            "medium" | "moderate" => Some(Rating::Medium),
            "low" | "negligible" | "unimportant" => Some(Rating::Low),
            "none" => Some(Rating::None),
            _ => None,
        }
    }

    /// The rating's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::None => "none",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        }
    }

    /// Points for a rating with no score behind it.
    fn points(self) -> i32 {
        match self {
            Rating::None => 0,
            Rating::Low => 25,
            Rating::Medium => 55,
            Rating::High => 80,
            Rating::Critical => 95,
        }
    }
}

/// Points for a severity nothing is known about: as a medium one, so it is not buried.
const UNKNOWN_SEVERITY_POINTS: i32 = 50;

/// What is known of a finding's severity: a CVSS base score, a rating in words, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SeverityFacts {
    /// The highest CVSS base score published, 0.0–10.0.
    pub score: Option<f64>,
    /// The most severe rating published in words, for advisories without a score.
    pub rating: Option<Rating>,
}

impl SeverityFacts {
    /// The highest score and rating among an advisory's (or a finding's) severity entries.
    pub fn of<'s>(severities: impl IntoIterator<Item = &'s advisory::Severity>) -> SeverityFacts {
        let mut facts = SeverityFacts::default();
        for severity in severities {
            if let Some(score) = severity.score.filter(|s| (0.0..=10.0).contains(s)) {
                facts.score = Some(facts.score.map_or(score, |known| known.max(score)));
            }
            if let Some(rating) = Rating::from_word(&severity.vector) {
                facts.rating = facts.rating.max(Some(rating));
            }
        }
        facts
    }

    /// The rating that applies: the score's band when there is a score, else the word.
    pub fn rating(&self) -> Option<Rating> {
        self.score.map(Rating::of_score).or(self.rating)
    }
}

/// A finding's vulnerability is in CISA's Known Exploited Vulnerabilities catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownExploited {
    /// CISA's remediation deadline for US federal agencies.
    pub due: Option<Date>,
    /// Whether use in ransomware campaigns is known.
    pub ransomware: bool,
}

/// Whether and how a finding can be fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// No fixed version is published.
    #[default]
    None,
    /// A fixed version is published.
    Published {
        /// The lowest fixed version.
        version: String,
    },
    /// The host's package manager already offers an update that fixes it.
    Offered {
        /// The offered version.
        version: String,
        /// Where it comes from (`bookworm-security`); empty when unknown.
        origin: String,
    },
}

/// Everything a finding's priority is computed from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorityFactors {
    /// Severity.
    pub severity: SeverityFacts,
    /// Known exploitation, when the vulnerability is in the KEV catalog.
    pub exploited: Option<KnownExploited>,
    /// Fix availability.
    pub fix: Fix,
    /// The lifecycle status of the platform the package belongs to (its operating system or
    /// runtime), when known.
    pub platform: Option<LifecycleStatus>,
    /// The host's tier.
    pub tier: Tier,
}

/// The priority levels, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Act now: score 110 and above.
    P1,
    /// Act soon: 80 to 109.
    P2,
    /// Plan it: 50 to 79.
    P3,
    /// When convenient: below 50.
    P4,
}

impl Level {
    /// The level for a score.
    pub fn of_score(score: u32) -> Level {
        match score {
            110.. => Level::P1,
            80..110 => Level::P2,
            50..80 => Level::P3,
            _ => Level::P4,
        }
    }
}

/// The factor a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Severity.
    Severity,
    /// Known exploitation.
    Exploited,
    /// Known ransomware use.
    Ransomware,
    /// Fix availability.
    Fix,
    /// Platform lifecycle.
    Platform,
    /// Host tier.
    Tier,
}

/// One term of a priority: the factor, its points and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The factor.
    pub factor: Factor,
    /// Points it adds (negative for a low tier).
    pub points: i32,
    /// The reason in words (`CVSS 9.8 critical`, `host tier critical`).
    pub text: String,
}

/// A finding's priority: its level, the score that orders it, and the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    /// P1 to P4.
    pub level: Level,
    /// The sum of the reasons' points, at least 0; higher is more urgent.
    pub score: u32,
    /// Every factor that counted, in the order of the module's table.
    pub reasons: Vec<Reason>,
}

/// A finding's priority by the table in the module documentation.
pub fn prioritize(factors: &PriorityFactors) -> Priority {
    let mut reasons = vec![severity_reason(&factors.severity)];
    if let Some(exploited) = factors.exploited {
        reasons.extend(exploitation_reasons(exploited));
    }
    reasons.extend(fix_reason(&factors.fix));
    reasons.extend(factors.platform.as_ref().and_then(platform_reason));
    reasons.push(Reason {
        factor: Factor::Tier,
        points: factors.tier.points(),
        text: format!("host tier {}", factors.tier),
    });

    let sum: i32 = reasons.iter().map(|reason| reason.points).sum();
    let score = u32::try_from(sum).unwrap_or(0);
    Priority {
        level: Level::of_score(score),
        score,
        reasons,
    }
}

fn severity_reason(severity: &SeverityFacts) -> Reason {
    let (points, text) = match (severity.score, severity.rating) {
        (Some(score), _) => {
            let score = if score.is_nan() {
                0.0
            } else {
                score.clamp(0.0, 10.0)
            };
            let rating = Rating::of_score(score);
            // Scores have one decimal; ×10 keeps them exact as integers.
            let points = (score * 10.0).round() as i32;
            (points, format!("CVSS {score:.1} {}", rating.as_str()))
        }
        (None, Some(rating)) => (rating.points(), format!("severity {}", rating.as_str())),
        (None, None) => (
            UNKNOWN_SEVERITY_POINTS,
            "severity unknown, counted as medium".to_owned(),
        ),
    };
    Reason {
        factor: Factor::Severity,
        points,
        text,
    }
}

fn exploitation_reasons(exploited: KnownExploited) -> Vec<Reason> {
    let text = match exploited.due {
        Some(due) => format!("known exploited (CISA KEV, due {due})"),
        None => "known exploited (CISA KEV)".to_owned(),
    };
    let mut reasons = vec![Reason {
        factor: Factor::Exploited,
        points: 40,
        text,
    }];
    if exploited.ransomware {
        reasons.push(Reason {
            factor: Factor::Ransomware,
            points: 10,
            text: "used in ransomware campaigns".to_owned(),
        });
    }
    reasons
}

fn fix_reason(fix: &Fix) -> Option<Reason> {
    let (points, text) = match fix {
        Fix::None => return None,
        Fix::Published { version } => (5, format!("fix available: {version}")),
        Fix::Offered { version, origin } if origin.is_empty() => {
            (10, format!("update offered: {version}"))
        }
        Fix::Offered { version, origin } => (10, format!("update offered: {version} ({origin})")),
    };
    Some(Reason {
        factor: Factor::Fix,
        points,
        text,
    })
}

fn platform_reason(status: &LifecycleStatus) -> Option<Reason> {
    let name = format!("{} {}", status.cycle.product, status.cycle.cycle);
    let (points, text) = match (status.state, status.date) {
        (SupportState::EndOfLife, Some(day)) => (10, format!("{name} end of life since {day}")),
        (SupportState::EndOfLife, None) => (10, format!("{name} end of life")),
        (SupportState::ExtendedSupport, Some(day)) => {
            (5, format!("{name} on extended support only, until {day}"))
        }
        (SupportState::ExtendedSupport, None) => (5, format!("{name} on extended support only")),
        _ => return None,
    };
    Some(Reason {
        factor: Factor::Platform,
        points,
        text,
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::assessment::lifecycle::ProductCycle;
    use crate::inventory::OsRelease;

    fn cvss(score: f64) -> PriorityFactors {
        PriorityFactors {
            severity: SeverityFacts {
                score: Some(score),
                rating: None,
            },
            ..PriorityFactors::default()
        }
    }

    fn texts(priority: &Priority) -> Vec<(&str, i32)> {
        let reasons = priority.reasons.iter();
        reasons.map(|r| (r.text.as_str(), r.points)).collect()
    }

    #[test]
    fn severity_alone_gives_score_ten_times_cvss() {
        let cases = [
            (10.0, 100, Level::P2, "CVSS 10.0 critical"),
            (9.8, 98, Level::P2, "CVSS 9.8 critical"),
            (7.5, 75, Level::P3, "CVSS 7.5 high"),
            (5.3, 53, Level::P3, "CVSS 5.3 medium"),
            (3.1, 31, Level::P4, "CVSS 3.1 low"),
            (0.0, 0, Level::P4, "CVSS 0.0 none"),
        ];
        for (score, points, level, text) in cases {
            let priority = prioritize(&cvss(score));
            assert_eq!((priority.score, priority.level), (points, level), "{score}");
            assert_eq!(
                texts(&priority),
                [(text, points as i32), ("host tier standard", 0)]
            );
        }
    }

    #[test]
    fn severity_without_a_score_uses_the_rating_or_counts_as_medium() {
        let rated = |rating| PriorityFactors {
            severity: SeverityFacts {
                score: None,
                rating: Some(rating),
            },
            ..PriorityFactors::default()
        };
        assert_eq!(prioritize(&rated(Rating::Critical)).score, 95);
        assert_eq!(prioritize(&rated(Rating::High)).score, 80);
        assert_eq!(prioritize(&rated(Rating::Medium)).score, 55);
        assert_eq!(prioritize(&rated(Rating::Low)).score, 25);
        assert_eq!(
            texts(&prioritize(&rated(Rating::High)))[0],
            ("severity high", 80)
        );
        let unknown = prioritize(&PriorityFactors::default());
        assert_eq!(unknown.score, 50);
        assert_eq!(
            texts(&unknown)[0],
            ("severity unknown, counted as medium", 50)
        );
    }

    #[test]
    fn severity_facts_take_the_highest_score_and_word() {
        let entry = |kind: &str, vector: &str, score| advisory::Severity {
            kind: kind.into(),
            vector: vector.into(),
            score,
        };
        let entries = [
            entry(
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                Some(9.8),
            ),
            entry("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", Some(7.5)),
            entry("Ubuntu", "medium", None),
            entry("Red Hat", "Important", None),
        ];
        let facts = SeverityFacts::of(&entries);
        assert_eq!(facts.score, Some(9.8));
        assert_eq!(facts.rating, Some(Rating::High));
        assert_eq!(facts.rating(), Some(Rating::Critical));
        let words = SeverityFacts::of(&entries[2..]);
        assert_eq!((words.score, words.rating()), (None, Some(Rating::High)));
        assert_eq!(SeverityFacts::of(&[]), SeverityFacts::default());
    }

    #[test]
    fn each_factor_adds_its_points_with_its_reason() {
        let full = PriorityFactors {
            exploited: Some(KnownExploited {
                due: Some(date(2024, 5, 1)),
                ransomware: true,
            }),
            fix: Fix::Offered {
                version: "1.2.3-1+deb12u1".into(),
                origin: "bookworm-security".into(),
            },
            platform: Some(LifecycleStatus {
                cycle: ProductCycle::new("debian", "10"),
                state: SupportState::EndOfLife,
                date: Some(date(2024, 6, 30)),
                source: Some("endoflife.date".into()),
            }),
            tier: Tier::Critical,
            ..cvss(9.8)
        };
        let priority = prioritize(&full);
        assert_eq!(
            texts(&priority),
            [
                ("CVSS 9.8 critical", 98),
                ("known exploited (CISA KEV, due 2024-05-01)", 40),
                ("used in ransomware campaigns", 10),
                ("update offered: 1.2.3-1+deb12u1 (bookworm-security)", 10),
                ("debian 10 end of life since 2024-06-30", 10),
                ("host tier critical", 20),
            ]
        );
        assert_eq!((priority.score, priority.level), (188, Level::P1));

        let published = Fix::Published {
            version: "1.2.3".into(),
        };
        let with_fix = prioritize(&PriorityFactors {
            fix: published,
            ..cvss(5.0)
        });
        assert_eq!(texts(&with_fix)[1], ("fix available: 1.2.3", 5));
        let extended = LifecycleStatus {
            cycle: ProductCycle::new("debian", "12"),
            state: SupportState::ExtendedSupport,
            date: Some(date(2028, 6, 30)),
            source: None,
        };
        let on_lts = prioritize(&PriorityFactors {
            platform: Some(extended),
            ..cvss(5.0)
        });
        let expected = ("debian 12 on extended support only, until 2028-06-30", 5);
        assert_eq!(texts(&on_lts)[1], expected);
        let supported = LifecycleStatus {
            cycle: ProductCycle::new("debian", "13"),
            state: SupportState::Supported,
            date: Some(date(2028, 8, 9)),
            source: None,
        };
        let current = prioritize(&PriorityFactors {
            platform: Some(supported),
            ..cvss(5.0)
        });
        assert_eq!(current.score, 50, "a supported platform adds nothing");
    }

    #[test]
    fn factors_order_findings_as_documented() {
        let kev = Some(KnownExploited {
            due: None,
            ransomware: false,
        });
        let on = |tier| PriorityFactors { tier, ..cvss(9.8) };
        // A critical score alone is P2; on a critical host, or known exploited, it is P1.
        assert_eq!(prioritize(&cvss(9.8)).level, Level::P2);
        assert_eq!(prioritize(&on(Tier::Critical)).level, Level::P1);
        let exploited_high = PriorityFactors {
            exploited: kev,
            ..cvss(7.5)
        };
        assert_eq!(prioritize(&exploited_high).score, 115);
        assert_eq!(prioritize(&exploited_high).level, Level::P1);
        // Known exploitation outranks a higher score that is not exploited.
        let exploited_medium = PriorityFactors {
            exploited: kev,
            ..cvss(6.5)
        };
        assert!(prioritize(&exploited_medium).score > prioritize(&cvss(9.8)).score);
        // Tiers order the same finding: critical > high > standard > low.
        let scores: Vec<u32> = [Tier::Critical, Tier::High, Tier::Standard, Tier::Low]
            .map(|tier| prioritize(&on(tier)).score)
            .to_vec();
        assert_eq!(scores, [118, 108, 98, 83]);
        // A low tier never drives the score below zero.
        let nothing = PriorityFactors {
            tier: Tier::Low,
            ..cvss(0.0)
        };
        assert_eq!(prioritize(&nothing).score, 0);
        // A fix offered now outranks one only published, which outranks none.
        let offered = Fix::Offered {
            version: "2".into(),
            origin: String::new(),
        };
        let published = Fix::Published {
            version: "2".into(),
        };
        let fixes = [offered, published, Fix::None].map(|fix| {
            let factors = PriorityFactors { fix, ..cvss(7.0) };
            prioritize(&factors).score
        });
        assert_eq!(fixes, [80, 75, 70]);
        assert_eq!(Level::of_score(80), Level::P2);
        assert_eq!(Level::of_score(79), Level::P3);
        assert_eq!(Level::of_score(110), Level::P1);
        assert_eq!(Level::of_score(49), Level::P4);
    }

    fn host(hostname: &str, os_id: &str) -> HostFacts {
        HostFacts {
            hostname: hostname.into(),
            os: OsRelease {
                id: Some(os_id.into()),
                ..OsRelease::default()
            },
            ..HostFacts::default()
        }
    }

    #[test]
    fn first_matching_tier_rule_wins_and_hand_set_tiers_win_over_rules() {
        let rules: Vec<TierRule> = [
            "tag = prod -> critical",
            "hostname = DB-* -> high",
            "os.id = debian → standard",
            "tag = lab -> low",
        ]
        .iter()
        .map(|rule| rule.parse().expect("valid rule"))
        .collect();
        let tags = |list: &[&str]| list.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let cases = [
            (
                None,
                tags(&["prod", "lab"]),
                host("db-1", "debian"),
                Tier::Critical,
                "rule 1: tag = prod",
            ),
            (
                None,
                tags(&["lab"]),
                host("db-2", "debian"),
                Tier::High,
                "rule 2: hostname = DB-*",
            ),
            (
                None,
                tags(&["lab"]),
                host("web", "debian"),
                Tier::Standard,
                "rule 3: os.id = debian",
            ),
            (
                None,
                tags(&["lab"]),
                host("web", "rhel"),
                Tier::Low,
                "rule 4: tag = lab",
            ),
            (
                None,
                tags(&[]),
                host("web", "rhel"),
                Tier::Standard,
                "no rule matched",
            ),
            (
                Some(Tier::Low),
                tags(&["prod"]),
                host("db-1", "debian"),
                Tier::Low,
                "set by hand",
            ),
        ];
        for (manual, tags, facts, tier, reason) in cases {
            let decision = host_tier(manual, &rules, &tags, &facts);
            assert_eq!((decision.tier, decision.reason.as_str()), (tier, reason));
        }
        assert_eq!(rules[0].to_string(), "tag = prod -> critical");
    }

    #[test]
    fn bad_tier_rules_say_what_is_wrong() {
        let error = |text: &str| text.parse::<TierRule>().expect_err(text).to_string();
        assert_eq!(
            error("tag prod -> critical"),
            "\"tag prod \" is not a condition of the form `tag = VALUE` or `FACT = VALUE`"
        );
        assert_eq!(
            error("owner = ops -> high"),
            "unknown fact \"owner\"; known: tag, hostname, fqdn, os.id, os.version_id, \
             os.codename, arch, kernel"
        );
        assert_eq!(
            error("tag = prod -> urgent"),
            "unknown tier \"urgent\"; known: critical, high, standard, low"
        );
        assert!(error("tag = prod").contains("is not a condition"));
    }
}
