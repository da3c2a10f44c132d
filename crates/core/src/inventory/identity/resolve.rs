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

#[cfg(test)]
mod tests {
    use super::*;

    const UUID_A: &str = "44454c4c-5100-1035-8052-b4c04f4d3732";
    const UUID_B: &str = "11112222-3333-4444-5555-666677778888";
    const MID_1: &str = "5a3f0c1b2d4e4f60718293a4b5c6d7e8";
    const MID_2: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    /// Identifiers from (uuid, serial, machine-id, hostname, macs); "" is absent.
    fn ids(
        uuid: &str,
        serial: &str,
        machine_id: &str,
        hostname: &str,
        macs: &[&str],
    ) -> HostIdentifiers {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        HostIdentifiers {
            dmi_uuid: some(uuid),
            serial: some(serial),
            machine_id: some(machine_id),
            hostname: some(hostname),
            macs: macs.iter().map(|m| (*m).to_owned()).collect(),
        }
    }

    fn host(id: i64, identifiers: HostIdentifiers) -> KnownHost {
        KnownHost { id, identifiers }
    }

    enum Expect {
        Existing(i64),
        New,
        Ambiguous(&'static [i64], &'static str),
    }

    fn check(name: &str, report: HostIdentifiers, known: Vec<KnownHost>, expect: Expect) {
        let got = resolve(&report, &known);
        match (expect, &got) {
            (Expect::Existing(id), Resolution::Existing(got_id)) if *got_id == id => {}
            (Expect::New, Resolution::New) => {}
            (Expect::Ambiguous(ids, phrase), Resolution::Ambiguous { candidates, reason })
                if candidates == ids && reason.contains(phrase) => {}
            _ => panic!("{name}: got {got:?}"),
        }
    }

    #[test]
    fn resolution_table() {
        let mac = "3c:ec:ef:12:34:56";
        let other_mac = "3c:ec:ef:65:43:21";
        let cases = vec![
            (
                "reinstalled machine: new machine-id, same DMI UUID and serial",
                ids(UUID_A, "CZ1", MID_2, "web01", &[mac]),
                vec![host(7, ids(UUID_A, "CZ1", MID_1, "web01", &[mac]))],
                Expect::Existing(7),
            ),
            (
                "same serial, no UUID on either side, renamed and new NIC",
                ids("", "CZ1", "", "web99", &[other_mac]),
                vec![host(7, ids("", "CZ1", "", "web01", &[mac]))],
                Expect::Existing(7),
            ),
            (
                "same UUID but a different serial",
                ids(UUID_A, "CZ1", "", "web01", &[]),
                vec![host(7, ids(UUID_A, "CZ2", "", "web01", &[]))],
                Expect::Ambiguous(&[7], "same DMI UUID as host 7 but a different serial"),
            ),
            (
                "same serial but a different UUID",
                ids(UUID_A, "CZ1", "", "", &[]),
                vec![host(7, ids(UUID_B, "CZ1", "", "", &[]))],
                Expect::Ambiguous(&[7], "same serial as host 7 but a different DMI UUID"),
            ),
            (
                "same machine-id, no hardware ids on either side",
                ids("", "", MID_1, "vm1", &[]),
                vec![host(3, ids("", "", MID_1, "vm-renamed", &[]))],
                Expect::Existing(3),
            ),
            (
                "same machine-id on other hardware: a cloned image",
                ids(UUID_A, "", MID_1, "clone", &[mac]),
                vec![host(3, ids(UUID_B, "", MID_1, "golden", &[other_mac]))],
                Expect::Ambiguous(&[3], "same machine-id as host 3 but a different DMI UUID"),
            ),
            (
                "container with no DMI: same host name and MAC",
                ids("", "", "", "app-7f9c", &["02:42:ac:11:00:02"]),
                vec![host(
                    12,
                    ids("", "", "", "app-7f9c", &["02:42:ac:11:00:02"]),
                )],
                Expect::Existing(12),
            ),
            (
                "same host name but no MAC in common",
                ids("", "", "", "app", &[mac]),
                vec![host(12, ids("", "", "", "app", &[other_mac]))],
                Expect::Ambiguous(
                    &[12],
                    "same host name as host 12 but no MAC address in common",
                ),
            ),
            (
                "a MAC in common but a different host name",
                ids("", "", "", "app-new", &[mac]),
                vec![host(12, ids("", "", "", "app-old", &[mac, other_mac]))],
                Expect::Ambiguous(
                    &[12],
                    "MAC address in common with host 12 but a different host",
                ),
            ),
            (
                "hardware that differs outweighs a shared host name and MAC",
                ids("", "CZ1", "", "web01", &[mac]),
                vec![host(7, ids("", "CZ2", "", "web01", &[mac]))],
                Expect::New,
            ),
            (
                "two hosts fit: one by UUID, one by machine-id",
                ids(UUID_A, "", MID_1, "web01", &[]),
                vec![
                    host(3, ids(UUID_A, "", "", "", &[])),
                    host(5, ids("", "", MID_1, "", &[])),
                ],
                Expect::Ambiguous(&[3, 5], "matches more than one known host"),
            ),
            (
                "a hardware match outweighs a partial name match elsewhere",
                ids(UUID_A, "CZ1", "", "web01", &[mac]),
                vec![
                    host(3, ids(UUID_A, "CZ1", "", "web01", &[mac])),
                    host(8, ids("", "", "", "web01", &[other_mac])),
                ],
                Expect::Existing(3),
            ),
            (
                "a name match does not outweigh a partial hardware match elsewhere",
                ids(UUID_A, "CZ1", "", "web01", &[mac]),
                vec![
                    host(3, ids("", "", "", "web01", &[mac])),
                    host(8, ids(UUID_A, "CZ2", "", "", &[])),
                ],
                Expect::Ambiguous(&[3, 8], "same DMI UUID as host 8 but a different serial"),
            ),
            (
                "the same candidate listed twice counts once",
                ids(UUID_A, "", "", "", &[]),
                vec![
                    host(4, ids(UUID_A, "", "", "", &[])),
                    host(4, ids(UUID_A, "", "", "", &[])),
                ],
                Expect::Existing(4),
            ),
            (
                "different everything",
                ids(UUID_A, "CZ1", MID_1, "web01", &[mac]),
                vec![host(9, ids(UUID_B, "CZ2", MID_2, "web02", &[other_mac]))],
                Expect::New,
            ),
            (
                "no candidates",
                ids(UUID_A, "", "", "", &[]),
                vec![],
                Expect::New,
            ),
            (
                "a report with no identifiers at all",
                HostIdentifiers::default(),
                vec![host(9, ids(UUID_B, "CZ2", MID_2, "web02", &[other_mac]))],
                Expect::New,
            ),
        ];
        for (name, report, known, expect) in cases {
            check(name, report, known, expect);
        }
    }
}
