//! Wire types shared by Steward's server, agent and CLI.
//!
//! The agent protocol lives in [`agent`]; the read side of the REST API in [`resources`];
//! users, roles and tokens in [`access`]; the audit log in [`compliance`]; findings, advisories and lifecycle in [`assessment`];
//! the one error envelope every endpoint returns in [`error`]. Storage rows never appear
//! here: the store maps its rows into these types at the server's edge.

pub mod access;
pub mod agent;
pub mod assessment;
pub mod assets;
pub mod compliance;
pub mod error;
pub mod resources;
