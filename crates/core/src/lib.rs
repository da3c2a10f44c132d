//! Steward's domain core: the types every layer speaks and the pure rules that decide things.
//!
//! Nothing here does I/O, spawns tasks or reads the clock; callers pass the current time in.
//! The modules follow the steps of the process Steward serves: `inventory` (what a host is
//! and runs, how two snapshots differ, which host a report belongs to) and `versions` (how
//! each ecosystem orders its versions), which later steps build on.

pub mod inventory;
pub mod versions;
