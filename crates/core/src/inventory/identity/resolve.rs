//! Deciding which known host a report belongs to, from the identifiers both sides hold.
//!
//! Each candidate is compared kind by kind: the same value, a different value, or nothing to
//! compare (one side lacks it). Evidence comes in three tiers. Hardware (DMI UUID, serial)
//! is strongest: it survives a reinstall, so a different machine-id does not count against
//! it. machine-id comes next: it is copied along with a cloned system image, so it only
//! decides where no hardware identifier disagrees. Host name plus a real MAC address is the
//! last resort, for containers and virtual machines with no readable hardware identifier.
//!
//! A candidate either fits (all the evidence of its tier agrees), fits in part (some evidence
//! agrees and some disagrees), or does not fit. The report belongs to a host only when exactly
//! one candidate fits and no other candidate fits in part at a stronger tier; several fits or
//! only partial fits make the report [`Resolution::Ambiguous`], with a reason an operator can
//! act on.

use super::{HostIdentifiers, KnownHost, Resolution};

/// How one kind of identifier compares between the report and a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// Both hold it and it is the same (for MACs: at least one address in common).
    Same,
    /// Both hold it and it differs.
    Different,
    /// At least one side lacks it.
    Unknown,
}

impl Evidence {
    fn of(report: Option<&String>, known: Option<&String>) -> Evidence {
        match (report, known) {
            (Some(a), Some(b)) if a == b => Evidence::Same,
            (Some(_), Some(_)) => Evidence::Different,
            _ => Evidence::Unknown,
        }
    }

    fn of_macs(report: &[String], known: &[String]) -> Evidence {
        if report.is_empty() || known.is_empty() {
            Evidence::Unknown
        } else if report.iter().any(|mac| known.contains(mac)) {
            Evidence::Same
        } else {
            Evidence::Different
        }
    }
}

/// The evidence tiers, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    NameAndMac,
    MachineId,
    Hardware,
}

/// How well one candidate fits the report, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fit {
    Whole { tier: Tier, why: String },
    Partial { tier: Tier, why: String },
    None,
}

/// The per-kind comparison of the report with one candidate.
struct Comparison {
    host: i64,
    uuid: Evidence,
    serial: Evidence,
    machine_id: Evidence,
    hostname: Evidence,
    mac: Evidence,
}

impl Comparison {
    fn new(report: &HostIdentifiers, known: &KnownHost) -> Comparison {
        let ids = &known.identifiers;
        Comparison {
            host: known.id,
            uuid: Evidence::of(report.dmi_uuid.as_ref(), ids.dmi_uuid.as_ref()),
            serial: Evidence::of(report.serial.as_ref(), ids.serial.as_ref()),
            machine_id: Evidence::of(report.machine_id.as_ref(), ids.machine_id.as_ref()),
            hostname: Evidence::of(report.hostname.as_ref(), ids.hostname.as_ref()),
            mac: Evidence::of_macs(&report.macs, &ids.macs),
        }
    }

    fn fit(&self) -> Fit {
        let host = self.host;
        let hardware_same = names(
            &[(self.uuid, "DMI UUID"), (self.serial, "serial")],
            Evidence::Same,
        );
        let hardware_different = names(
            &[(self.uuid, "DMI UUID"), (self.serial, "serial")],
            Evidence::Different,
        );

        if let Some(same) = &hardware_same {
            let tier = Tier::Hardware;
            return match &hardware_different {
                None => Fit::Whole {
                    tier,
                    why: format!("same {same} as host {host}"),
                },
                Some(different) => Fit::Partial {
                    tier,
                    why: format!("same {same} as host {host} but a different {different}"),
                },
            };
        }

        if self.machine_id == Evidence::Same {
            let tier = Tier::MachineId;
            return match &hardware_different {
                None => Fit::Whole {
                    tier,
                    why: format!("same machine-id as host {host}"),
                },
                Some(different) => Fit::Partial {
                    tier,
                    why: format!(
                        "same machine-id as host {host} but a different {different} \
                         (a system image cloned onto other hardware?)"
                    ),
                },
            };
        }

        if hardware_different.is_some() {
            return Fit::None;
        }
        self.name_and_mac_fit()
    }

    fn name_and_mac_fit(&self) -> Fit {
        let host = self.host;
        let tier = Tier::NameAndMac;
        match (self.hostname, self.mac) {
            (Evidence::Same, Evidence::Same) => Fit::Whole {
                tier,
                why: format!("same host name and a MAC address in common with host {host}"),
            },
            (Evidence::Same, _) => Fit::Partial {
                tier,
                why: format!("same host name as host {host} but no MAC address in common"),
            },
            (Evidence::Different, Evidence::Same) => Fit::Partial {
                tier,
                why: format!("a MAC address in common with host {host} but a different host name"),
            },
            (Evidence::Unknown, Evidence::Same) => Fit::Partial {
                tier,
                why: format!(
                    "a MAC address in common with host {host} but no host name to compare"
                ),
            },
            _ => Fit::None,
        }
    }
}

/// The names of the kinds whose evidence is `wanted`, joined with "and", if any.
fn names(kinds: &[(Evidence, &str)], wanted: Evidence) -> Option<String> {
    let matching: Vec<&str> = kinds
        .iter()
        .filter(|(evidence, _)| *evidence == wanted)
        .map(|(_, name)| *name)
        .collect();
    (!matching.is_empty()).then(|| matching.join(" and "))
}

/// Decides which known host, if any, a report with these identifiers belongs to.
///
/// A report that shares nothing but placeholders with a host (they were dropped when the
/// identifiers were normalised) shares nothing with it. A candidate listed twice counts once.
pub fn resolve(report: &HostIdentifiers, candidates: &[KnownHost]) -> Resolution {
    let mut whole: Vec<(i64, Tier, String)> = Vec::new();
    let mut partial: Vec<(i64, Tier, String)> = Vec::new();
    for candidate in candidates {
        let seen = whole
            .iter()
            .chain(&partial)
            .any(|(id, _, _)| *id == candidate.id);
        if seen {
            continue;
        }
        match Comparison::new(report, candidate).fit() {
            Fit::Whole { tier, why } => whole.push((candidate.id, tier, why)),
            Fit::Partial { tier, why } => partial.push((candidate.id, tier, why)),
            Fit::None => {}
        }
    }

    match whole.as_slice() {
        [] if partial.is_empty() => Resolution::New,
        [(id, tier, _)] if partial.iter().all(|(_, other, _)| other <= tier) => {
            Resolution::Existing(*id)
        }
        [] => ambiguous("matches a known host only in part", partial),
        _ => ambiguous(
            "matches more than one known host",
            whole.into_iter().chain(partial),
        ),
    }
}

fn ambiguous(summary: &str, fits: impl IntoIterator<Item = (i64, Tier, String)>) -> Resolution {
    let (candidates, reasons): (Vec<i64>, Vec<String>) =
        fits.into_iter().map(|(id, _, why)| (id, why)).unzip();
    Resolution::Ambiguous {
        candidates,
        reason: format!("{summary}: {}", reasons.join("; ")),
    }
}
