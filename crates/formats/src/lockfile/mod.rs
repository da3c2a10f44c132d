//! Lockfiles: the exact package versions an application was built with.
//!
//! Each reader turns one lockfile's text into the packages it pins, with where each came
//! from, so that assessment can match them against advisories of the right ecosystem. A
//! package that did not come from the ecosystem's public registry (a git or path dependency)
//! is still listed, marked by its source, because advisories about the registry's package of
//! the same name do not describe it.

pub mod cargo;
pub mod gemfile;
pub mod gomod;
pub mod npm;
pub mod poetry;
pub mod requirements;
