//! Exports of stored comments. JSON for now; the disposition tables (XLSX,
//! CSV, HTML) join it with the triage work.

pub mod cells;
pub mod json;
