//! Steward's domain core: the types every layer speaks and the pure rules that decide things.
//!
//! Nothing here does I/O, spawns tasks or reads the clock; callers pass the current time in.
//! The modules follow the steps of the process Steward serves: `inventory` (what a host is
//! and runs, how two snapshots differ, which host a report belongs to), `assessment`
//! (advisories and how they match) and `versions` (how each ecosystem orders its versions).

pub mod assessment;
pub mod inventory;
pub mod versions;
