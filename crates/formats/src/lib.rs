//! Readers for the external formats Steward takes in.
//!
//! Every input is untrusted: readers bound what they read, never panic, and name the line or
//! field of any error.
