//! docket: public-comment intake and triage. See ARCHITECTURE.md for the map.

pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod export;
pub mod intake;
pub mod jobs;
pub mod mail;
pub mod outline;
pub mod reimport;
pub mod replies;
pub mod startup;
pub mod submissions;
pub mod tagging;
pub mod telemetry;
pub mod triage;
pub mod web;

/// Shown in the page footer and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
