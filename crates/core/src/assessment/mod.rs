//! Assessment: from what a host or application runs to what is wrong with it.
//!
//! `advisory` is the advisory model every feed is read into (OSV's model, owned here so that
//! the rules do not depend on a wire format); `matching` decides whether an advisory affects
//! an installed version and explains why; `ecosystem` normalises ecosystem and package names
//! the way each ecosystem does; `components` applies matching to an application's components.
//!
//! `lifecycle` maps operating systems and runtimes to endoflife.date release cycles and says
//! where each stands in its support on a given day; `priority` ranks a finding from severity,
//! known exploitation, fix, platform lifecycle and the host's tier, with its reasons; `finding`
//! carries a finding's status and people's verdicts across re-assessments.

pub mod advisory;
pub mod components;
pub mod ecosystem;
pub mod finding;
pub mod lifecycle;
pub mod matching;
pub mod priority;
