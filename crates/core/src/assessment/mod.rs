//! Assessment: from what a host or application runs to what is wrong with it.
//!
//! `advisory` is the advisory model every feed is read into (OSV's model, owned here so that
//! the rules do not depend on a wire format); `matching` decides whether an advisory affects
//! an installed version and explains why; `ecosystem` normalises ecosystem and package names
//! the way each ecosystem does.

pub mod advisory;
pub mod ecosystem;
pub mod finding;
pub mod lifecycle;
pub mod matching;
pub mod priority;
