//! Findings over time: a finding's status across re-assessments, and the verdicts people give.
//!
//! A finding is open, fixed (a later inventory no longer shows it), an accepted risk, or a false
//! positive; each verdict records who gave it, why and when. A verdict is given on the facts
//! as they were — the [`FindingFacts`]: the advisory ids of the group, the package, the
//! installed version, the fixed versions and the severity — and sticks while a re-assessment
//! shows the same facts, that is the same [`Fingerprint`]. [`reassess`] applies these rules:
//!
//! | status before | observed | status after |
//! | --- | --- | --- |
//! | open | seen | open, with the new facts |
//! | open | not seen | fixed, on that day |
//! | fixed | seen | open again, saying when it had been fixed |
//! | fixed | not seen | fixed, unchanged |
//! | accepted risk, false positive | seen, same fingerprint | unchanged |
//! | accepted risk, false positive | seen, changed fingerprint | open, saying which facts changed and whose verdict lapsed |
//! | accepted risk, false positive | not seen | fixed, on that day |
//! | any | not assessed | unchanged |
//!
//! "Not assessed" is for a host whose inventory could not be read completely (a package source
//! was unreadable): a finding missing from an incomplete inventory is not fixed.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::matching::Finding;
use super::priority::SeverityFacts;

/// The facts a verdict is given on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingFacts {
    /// The ids of the advisories grouped into the finding.
    pub ids: Vec<String>,
    /// The package's ecosystem (`Debian:12`, `crates.io`).
    pub ecosystem: String,
    /// The package name.
    pub package: String,
    /// The installed version.
    pub installed: String,
    /// The fixed versions the advisories name.
    pub fixed: Vec<String>,
    /// The severity.
    pub severity: SeverityFacts,
}

impl FindingFacts {
    /// The facts of a finding from matching, for a package of `ecosystem`.
    pub fn of(finding: &Finding, ecosystem: &str) -> FindingFacts {
        let severities = finding.matches.iter().flat_map(|m| &m.severity);
        FindingFacts {
            ids: finding.ids.clone(),
            ecosystem: ecosystem.to_owned(),
            package: finding.package.clone(),
            installed: finding.installed.clone(),
            fixed: finding.fixed(),
            severity: SeverityFacts::of(severities),
        }
    }

    /// The fingerprint of these facts: equal facts give equal fingerprints, whatever the order
    /// of ids and fixed versions.
    pub fn fingerprint(&self) -> Fingerprint {
        let canonical = serde_json::json!({
            "ids": sorted(&self.ids),
            "ecosystem": self.ecosystem,
            "package": self.package,
            "installed": self.installed,
            "fixed": sorted(&self.fixed),
            "score": self.severity.score.map(|s| format!("{s:.1}")),
            "rating": self.severity.rating,
        });
        Fingerprint(hex::encode(Sha256::digest(canonical.to_string())))
    }

    /// What differs from `earlier`, in words, one entry per fact.
    pub fn changes_since(&self, earlier: &FindingFacts) -> Vec<String> {
        let mut changes = Vec::new();
        let mut compare = |what: &str, before: String, after: String| {
            if before != after {
                changes.push(format!("{what} {before} → {after}"));
            }
        };
        compare("advisories", list(&earlier.ids), list(&self.ids));
        compare("package", earlier.package.clone(), self.package.clone());
        compare(
            "ecosystem",
            earlier.ecosystem.clone(),
            self.ecosystem.clone(),
        );
        compare(
            "installed version",
            earlier.installed.clone(),
            self.installed.clone(),
        );
        compare("fixed versions", list(&earlier.fixed), list(&self.fixed));
        compare(
            "severity",
            severity(&earlier.severity),
            severity(&self.severity),
        );
        changes
    }
}

fn sorted(items: &[String]) -> Vec<&str> {
    let mut items: Vec<&str> = items.iter().map(String::as_str).collect();
    items.sort_unstable();
    items.dedup();
    items
}

fn list(items: &[String]) -> String {
    match sorted(items).join(", ") {
        empty if empty.is_empty() => "none".to_owned(),
        joined => joined,
    }
}

fn severity(facts: &SeverityFacts) -> String {
    match (facts.score, facts.rating) {
        (Some(score), _) => format!("CVSS {score:.1}"),
        (None, Some(rating)) => rating.as_str().to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}

/// A digest of [`FindingFacts`] (SHA-256, lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The digest in hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's judgement on a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Who gave it.
    pub by: String,
    /// Why.
    pub why: String,
    /// When.
    pub at: Timestamp,
}

/// Where a finding stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Present and not judged away.
    Open,
    /// A later inventory no longer shows it.
    Fixed {
        /// When that inventory was assessed.
        at: Timestamp,
    },
    /// Present, and the risk is accepted.
    AcceptedRisk(Verdict),
    /// Not a real problem on this host.
    FalsePositive(Verdict),
}

impl Status {
    /// The status's name (`open`, `fixed`, `accepted_risk`, `false_positive`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Fixed { .. } => "fixed",
            Status::AcceptedRisk(_) => "accepted_risk",
            Status::FalsePositive(_) => "false_positive",
        }
    }

    fn verdict(&self) -> Option<(&'static str, &Verdict)> {
        match self {
            Status::AcceptedRisk(verdict) => Some(("accepted risk", verdict)),
            Status::FalsePositive(verdict) => Some(("false positive", verdict)),
            Status::Open | Status::Fixed { .. } => None,
        }
    }
}

/// A finding's state: its status, the facts it was last seen with, and its dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingState {
    /// Where it stands.
    pub status: Status,
    /// The facts of the last assessment that showed it (for a verdict: those it was given on,
    /// while they have not changed).
    pub facts: FindingFacts,
    /// When an assessment first showed it.
    pub first_seen: Timestamp,
    /// When an assessment last showed it.
    pub last_seen: Timestamp,
    /// When the status began.
    pub since: Timestamp,
    /// Why the status last changed, when a rule rather than a person changed it, or the
    /// reason a person gave for reopening it.
    pub note: Option<String>,
}

impl FindingState {
    /// A finding first seen at `now`: open.
    pub fn new(facts: FindingFacts, now: Timestamp) -> FindingState {
        FindingState {
            status: Status::Open,
            facts,
            first_seen: now,
            last_seen: now,
            since: now,
            note: None,
        }
    }

    /// The fingerprint of the facts the state holds.
    pub fn fingerprint(&self) -> Fingerprint {
        self.facts.fingerprint()
    }

    /// The state after a person's decision at `now`. A fixed finding takes no decision, an
    /// open one cannot be reopened, and every decision names who and why.
    pub fn decide(
        &self,
        decision: Decision,
        now: Timestamp,
    ) -> Result<FindingState, DecisionError> {
        if matches!(self.status, Status::Fixed { .. }) {
            return Err(DecisionError::Fixed);
        }
        let (by, why) = decision.who_and_why();
        if by.trim().is_empty() {
            return Err(DecisionError::MissingWho);
        }
        if why.trim().is_empty() {
            return Err(DecisionError::MissingWhy);
        }

        let verdict = Verdict {
            by: by.trim().to_owned(),
            why: why.trim().to_owned(),
            at: now,
        };
        let (status, note) = match decision {
            Decision::AcceptRisk { .. } => (Status::AcceptedRisk(verdict), None),
            Decision::FalsePositive { .. } => (Status::FalsePositive(verdict), None),
            Decision::Reopen { .. } if self.status == Status::Open => {
                return Err(DecisionError::AlreadyOpen);
            }
            Decision::Reopen { .. } => {
                let note = format!("reopened by {}: {}", verdict.by, verdict.why);
                (Status::Open, Some(note))
            }
        };
        Ok(FindingState {
            status,
            since: now,
            note,
            ..self.clone()
        })
    }
}

/// A person's decision on a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Accept the risk.
    AcceptRisk {
        /// Who decides.
        by: String,
        /// Why.
        why: String,
    },
    /// Declare it a false positive.
    FalsePositive {
        /// Who decides.
        by: String,
        /// Why.
        why: String,
    },
    /// Withdraw a verdict: the finding is open again.
    Reopen {
        /// Who decides.
        by: String,
        /// Why.
        why: String,
    },
}

impl Decision {
    fn who_and_why(&self) -> (&str, &str) {
        match self {
            Decision::AcceptRisk { by, why }
            | Decision::FalsePositive { by, why }
            | Decision::Reopen { by, why } => (by, why),
        }
    }
}

/// Why a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// The finding is fixed; there is nothing to judge.
    #[error("the finding is fixed; a verdict applies only to a finding that is present")]
    Fixed,
    /// Reopening a finding that is open.
    #[error("the finding is already open")]
    AlreadyOpen,
    /// No one named.
    #[error("a verdict needs the name of the person who gives it")]
    MissingWho,
    /// No reason given.
    #[error("a verdict needs a reason")]
    MissingWhy,
}

/// What an assessment found about one finding of one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "observed", content = "facts", rename_all = "snake_case")]
pub enum Observation {
    /// The finding is present, with these facts.
    Seen(FindingFacts),
    /// A complete inventory no longer shows it.
    NotSeen,
    /// The inventory was incomplete for this finding's package source: nothing is known.
    NotAssessed,
}

/// The state of a finding after an assessment at `now`, by the table in the module docs.
pub fn reassess(previous: &FindingState, observed: Observation, now: Timestamp) -> FindingState {
    match observed {
        Observation::NotAssessed => previous.clone(),
        Observation::NotSeen => not_seen(previous, now),
        Observation::Seen(facts) => seen(previous, facts, now),
    }
}

fn not_seen(previous: &FindingState, now: Timestamp) -> FindingState {
    if let Status::Fixed { .. } = previous.status {
        return previous.clone();
    }
    let note = previous.status.verdict().map(|(kind, verdict)| {
        format!(
            "no longer seen; it had been marked {kind} by {}",
            verdict.by
        )
    });
    FindingState {
        status: Status::Fixed { at: now },
        since: now,
        note,
        ..previous.clone()
    }
}

fn seen(previous: &FindingState, facts: FindingFacts, now: Timestamp) -> FindingState {
    let reopened = |note: String| FindingState {
        status: Status::Open,
        facts: facts.clone(),
        last_seen: now,
        since: now,
        note: Some(note),
        ..previous.clone()
    };

    match &previous.status {
        Status::Open => FindingState {
            facts,
            last_seen: now,
            ..previous.clone()
        },
        Status::Fixed { at } => reopened(format!("seen again after being fixed on {at}")),
        Status::AcceptedRisk(verdict) | Status::FalsePositive(verdict) => {
            if facts.fingerprint() == previous.fingerprint() {
                return FindingState {
                    last_seen: now,
                    ..previous.clone()
                };
            }
            let kind = previous.status.verdict().map_or("", |(kind, _)| kind);
            let changes = facts.changes_since(&previous.facts).join("; ");
            reopened(format!(
                "the facts changed since it was marked {kind} by {} on {}: {changes}",
                verdict.by, verdict.at
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::priority::Rating;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn facts() -> FindingFacts {
        FindingFacts {
            ids: vec!["DSA-5380-1".into(), "CVE-2023-1393".into()],
            ecosystem: "Debian:11".into(),
            package: "xorg-server".into(),
            installed: "2:1.20.11-1+deb11u5".into(),
            fixed: vec!["2:1.20.11-1+deb11u6".into()],
            severity: SeverityFacts {
                score: Some(7.8),
                rating: None,
            },
        }
    }

    fn verdict(by: &str, when: &str) -> Verdict {
        Verdict {
            by: by.into(),
            why: "not reachable: no X server runs".into(),
            at: at(when),
        }
    }

    fn state(status: Status) -> FindingState {
        FindingState {
            status,
            note: None,
            ..FindingState::new(facts(), at("2026-01-05T08:00:00Z"))
        }
    }

    #[test]
    fn fingerprint_ignores_order_and_sees_every_fact() {
        let base = facts();
        let mut reordered = facts();
        reordered.ids.reverse();
        assert_eq!(base.fingerprint(), reordered.fingerprint());
        assert_eq!(base.fingerprint().as_str().len(), 64);

        let changed: [fn(&mut FindingFacts); 6] = [
            |f| f.ids.push("GHSA-xxxx".into()),
            |f| f.package = "xserver-xorg-core".into(),
            |f| f.installed = "2:1.20.11-1+deb11u6".into(),
            |f| f.fixed = vec!["2:1.20.11-1+deb11u7".into()],
            |f| f.severity.score = Some(8.8),
            |f| f.severity.rating = Some(Rating::High),
        ];
        for change in changed {
            let mut other = facts();
            change(&mut other);
            assert_ne!(base.fingerprint(), other.fingerprint(), "{other:?}");
        }
    }

    #[test]
    fn reassess_follows_the_table() {
        let now = at("2026-02-01T10:00:00Z");
        let accepted = Status::AcceptedRisk(verdict("alice", "2026-01-10T09:00:00Z"));
        let false_positive = Status::FalsePositive(verdict("bob", "2026-01-11T09:00:00Z"));
        let fixed = Status::Fixed {
            at: at("2026-01-20T00:00:00Z"),
        };
        let mut upgraded = facts();
        upgraded.installed = "2:1.20.11-1+deb11u6".into();
        let mut new_fix = facts();
        new_fix.fixed = vec!["2:1.20.11-1+deb11u7".into()];

        let cases: [(&str, Status, Observation, Status, Option<&str>); 11] = [
            (
                "open stays open",
                Status::Open,
                Observation::Seen(facts()),
                Status::Open,
                None,
            ),
            (
                "open becomes fixed",
                Status::Open,
                Observation::NotSeen,
                Status::Fixed { at: now },
                None,
            ),
            (
                "fixed reopens when seen again",
                fixed.clone(),
                Observation::Seen(facts()),
                Status::Open,
                Some("seen again after being fixed on 2026-01-20T00:00:00Z"),
            ),
            (
                "fixed stays fixed",
                fixed.clone(),
                Observation::NotSeen,
                fixed.clone(),
                None,
            ),
            (
                "accepted risk sticks on the same facts",
                accepted.clone(),
                Observation::Seen(facts()),
                accepted.clone(),
                None,
            ),
            (
                "false positive sticks on the same facts",
                false_positive.clone(),
                Observation::Seen(facts()),
                false_positive.clone(),
                None,
            ),
            (
                "accepted risk lapses when the installed version changes",
                accepted.clone(),
                Observation::Seen(upgraded),
                Status::Open,
                Some(
                    "the facts changed since it was marked accepted risk by alice on \
                     2026-01-10T09:00:00Z: installed version 2:1.20.11-1+deb11u5 → \
                     2:1.20.11-1+deb11u6",
                ),
            ),
            (
                "false positive lapses when a new fix is published",
                false_positive.clone(),
                Observation::Seen(new_fix),
                Status::Open,
                Some(
                    "the facts changed since it was marked false positive by bob on \
                     2026-01-11T09:00:00Z: fixed versions 2:1.20.11-1+deb11u6 → \
                     2:1.20.11-1+deb11u7",
                ),
            ),
            (
                "accepted risk becomes fixed when no longer seen",
                accepted.clone(),
                Observation::NotSeen,
                Status::Fixed { at: now },
                Some("no longer seen; it had been marked accepted risk by alice"),
            ),
            (
                "open is kept when not assessed",
                Status::Open,
                Observation::NotAssessed,
                Status::Open,
                None,
            ),
            (
                "a verdict is kept when not assessed",
                accepted.clone(),
                Observation::NotAssessed,
                accepted.clone(),
                None,
            ),
        ];
        for (name, before, observed, after, note) in cases {
            let previous = state(before);
            let assessed = matches!(observed, Observation::Seen(_));
            let changed_status = previous.status != after;
            let next = reassess(&previous, observed, now);
            assert_eq!(next.status, after, "{name}");
            assert_eq!(next.note.as_deref(), note, "{name}");
            assert_eq!(next.first_seen, previous.first_seen, "{name}");
            let last_seen = if assessed { now } else { previous.last_seen };
            assert_eq!(next.last_seen, last_seen, "{name}");
            let since = if changed_status { now } else { previous.since };
            assert_eq!(next.since, since, "{name}");
        }
    }

    #[test]
    fn an_open_finding_takes_the_latest_facts() {
        let mut later = facts();
        later.fixed.push("2:1.20.11-1+deb11u7".into());
        let next = reassess(
            &state(Status::Open),
            Observation::Seen(later.clone()),
            at("2026-03-01T00:00:00Z"),
        );
        assert_eq!(next.facts, later);
    }

    #[test]
    fn decisions_record_who_why_and_when() {
        let now = at("2026-01-10T09:00:00Z");
        let accept = Decision::AcceptRisk {
            by: "alice".into(),
            why: " not reachable: no X server runs ".into(),
        };
        let accepted = state(Status::Open)
            .decide(accept, now)
            .expect("open finding");
        assert_eq!(
            accepted.status,
            Status::AcceptedRisk(verdict("alice", "2026-01-10T09:00:00Z"))
        );
        assert_eq!(accepted.since, now);

        let reopen = Decision::Reopen {
            by: "carol".into(),
            why: "the X server is now used for kiosks".into(),
        };
        let reopened = accepted
            .decide(reopen.clone(), at("2026-02-01T00:00:00Z"))
            .expect("verdict");
        assert_eq!(reopened.status, Status::Open);
        let note = "reopened by carol: the X server is now used for kiosks";
        assert_eq!(reopened.note.as_deref(), Some(note));

        let false_positive = Decision::FalsePositive {
            by: "bob".into(),
            why: "backported fix".into(),
        };
        let marked = reopened.decide(false_positive, now).expect("open finding");
        assert_eq!(marked.status.as_str(), "false_positive");
        assert_eq!(marked.note, None);
    }

    #[test]
    fn decisions_are_refused_with_a_reason() {
        let now = at("2026-01-10T09:00:00Z");
        let decide = |by: &str, why: &str| Decision::AcceptRisk {
            by: by.into(),
            why: why.into(),
        };
        let fixed = state(Status::Fixed { at: now });
        assert_eq!(
            fixed.decide(decide("alice", "x"), now),
            Err(DecisionError::Fixed)
        );
        let open = state(Status::Open);
        assert_eq!(
            open.decide(decide(" ", "x"), now),
            Err(DecisionError::MissingWho)
        );
        assert_eq!(
            open.decide(decide("alice", ""), now),
            Err(DecisionError::MissingWhy)
        );
        let reopen = Decision::Reopen {
            by: "alice".into(),
            why: "x".into(),
        };
        assert_eq!(open.decide(reopen, now), Err(DecisionError::AlreadyOpen));
        assert_eq!(
            DecisionError::Fixed.to_string(),
            "the finding is fixed; a verdict applies only to a finding that is present"
        );
    }

    #[test]
    fn facts_of_a_matched_finding() {
        use crate::assessment::advisory::Severity;
        use crate::assessment::matching::{AdvisoryKind, Match};
        let matched = Match {
            advisory_id: "RUSTSEC-2023-0001".into(),
            aliases: vec!["GHSA-aaaa".into()],
            kind: AdvisoryKind::Vulnerability,
            ecosystem: "crates.io".into(),
            package: "tokio".into(),
            installed: "1.18.0".into(),
            ranges: vec![">= 1.18.0, < 1.18.4".into()],
            fixed: vec!["1.18.4".into()],
            summary: String::new(),
            severity: vec![Severity {
                kind: "CVSS_V3".into(),
                vector: String::new(),
                score: Some(5.9),
            }],
        };
        let finding = Finding {
            ids: vec!["RUSTSEC-2023-0001".into()],
            aliases: vec!["GHSA-aaaa".into()],
            kind: AdvisoryKind::Vulnerability,
            package: "tokio".into(),
            installed: "1.18.0".into(),
            matches: vec![matched],
        };
        let facts = FindingFacts::of(&finding, "crates.io");
        assert_eq!(facts.ids, ["RUSTSEC-2023-0001"]);
        assert_eq!(facts.fixed, ["1.18.4"]);
        assert_eq!(facts.severity.score, Some(5.9));
        assert_eq!(
            (facts.package.as_str(), facts.installed.as_str()),
            ("tokio", "1.18.0")
        );
    }
}
