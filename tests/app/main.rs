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
mod bulk;
mod cli;
mod cluster_lease;
mod cluster_upkeep;
mod clusters;
mod comment_page;
mod dashboard;
mod data_model;
mod disk;
mod editor;
mod editor_xss;
mod export;
mod htmx;
mod intake;
mod migrations;
mod nul;
mod outbox;
mod process;
mod public_pages;
mod publication;
mod queue;
mod replies;
mod server;
mod spreadsheet;
mod submissions;
pub(crate) mod submit;
mod tag_review;
mod tagging;
mod tallies;
