//! docket's one integration-test binary. Every test runs twice, on SQLite
//! and on PostgreSQL (see `helpers::on_both_backends!`), each run on a fresh
//! database of its own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

#[macro_use]
mod helpers;

mod api;
mod assignment_mail;
mod browser;
mod cli;
mod cluster_lease;
mod cluster_upkeep;
mod data_model;
mod disk;
mod editor;
mod export;
mod htmx;
mod intake;
mod migrations;
mod nul;
mod outbox;
mod process;
mod public_pages;
mod publication;
mod server;
mod spreadsheet;
mod submissions;
pub(crate) mod submit;
mod tagging;
mod tallies;
