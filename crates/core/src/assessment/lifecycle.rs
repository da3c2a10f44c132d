//! Lifecycle: which release cycle of a product a host runs, and where that cycle stands in its
//! support at a given date.
//!
//! The data model follows endoflife.date, which every lifecycle feed (endoflife.date itself,
//! distro-info tables) is read into: a [`LifecycleProduct`] has [`LifecycleCycle`]s, and each
//! cycle has up to three end dates, each an [`EolDate`] — `support` is the end of active
//! support, `eol` the end of security support, `extended_support` the end of extended (LTS or
//! paid) support. A date may be given, or only a yes/no (ended, date unknown / not ended, no
//! date announced), or nothing.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The `source` of products read from endoflife.date data.
pub const SOURCE_ENDOFLIFE_DATE: &str = "endoflife.date";
/// The `source` of products read from distro-info CSV tables.
pub const SOURCE_DISTRO_INFO: &str = "distro-info";

/// One product (an OS, a runtime, an application) and its release cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleProduct {
    /// endoflife.date's product id (`debian`, `python`), or the distro-info table's name.
    pub name: String,
    /// The product's display title, where the data gives one.
    pub title: Option<String>,
    /// Where the data came from ([`SOURCE_ENDOFLIFE_DATE`] or [`SOURCE_DISTRO_INFO`]).
    pub source: String,
    /// Release cycles, in the order published (newest first on endoflife.date).
    pub cycles: Vec<LifecycleCycle>,
}

/// One release cycle (`12`, `3.11`, `22.04`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleCycle {
    /// The cycle as the product names it.
    pub cycle: String,
    /// First release of the cycle.
    pub release_date: Option<Date>,
    /// End of security support.
    pub eol: EolDate,
    /// End of active (non-security) support.
    pub support: EolDate,
    /// End of extended (LTS or paid) support.
    pub extended_support: EolDate,
    /// Whether the cycle is a long-term-support one (a date given for `lts` counts).
    pub lts: bool,
    /// Latest release in the cycle.
    pub latest: Option<String>,
    /// Date of that latest release.
    pub latest_release_date: Option<Date>,
    /// Code name (`Bookworm`).
    pub codename: Option<String>,
}

/// An end date as endoflife.date gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EolDate {
    /// Ends (or ended) on this day.
    Date(Date),
    /// `true`: has ended, date unknown; `false`: has not ended and no date is announced.
    Bool(bool),
    /// Not given.
    Unknown,
}

