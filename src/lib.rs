//! keyledger: a policy-as-code linter for a repository's secret inventory.
//!
//! The pipeline, one module per stage: [`config`] → [`inventory`] (parsed by
//! [`node`] with spans) → [`schema`] → [`rules`], [`policy`] and
//! [`rotation`] → [`waiver`] → [`render`]. [`check::run`] strings them
//! together; `main.rs` only parses arguments and maps the result to an exit
//! code.

pub mod baseline;
pub mod cadence;
pub mod check;
pub mod config;
pub mod diag;
pub mod envref;
pub mod evidence;
pub mod finding;
pub mod fingerprint_cmd;
pub mod fsutil;
pub mod git;
pub mod history_cache;
pub mod init;
pub mod inventory;
pub mod node;
pub mod pack;
pub mod policy;
pub mod redact;
pub mod render;
pub mod report;
pub mod repository;
pub mod rotation;
pub mod rules;
pub mod scan;
pub mod schema;
pub mod source;
pub mod version;
pub mod waiver;
