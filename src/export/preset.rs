//! The columns of each preset: headers as the body's own comment template
//! spells them, so the table can be pasted into its
//! documents and read back by docket (the header matcher knows them all).
//! Every layout starts with docket's tracking number, which the offline
//! round trip matches rows by.

use std::borrow::Cow;

use super::{Line, Preset};
use crate::domain::{CommentType, Disposition};

/// One column of a table.
pub struct Column {
    pub header: &'static str,
    /// Excel character widths.
    pub width: f64,
    /// Long text: the printable table gives it the room (`class="long"`).
    /// (In a workbook every cell wraps.)
    pub wrap: bool,
    /// Left out of public tables (e-mail addresses, the editors' status).
    pub internal: bool,
    pub value: for<'a> fn(&'a Line<'_>) -> Cow<'a, str>,
}

const fn col(
    header: &'static str,
    width: f64,
    value: for<'a> fn(&'a Line<'_>) -> Cow<'a, str>,
) -> Column {
    Column {
        header,
        width,
        wrap: width >= 40.0,
        internal: false,
        value,
    }
}

const fn internal(column: Column) -> Column {
    Column {
        internal: true,
        ..column
    }
}

const NIST: [Column; 16] = [
    col("Tracking #", 20.0, |l| l.tracking().into()),
    col("Comment #", 10.0, |l| l.comment_number().into()),
    col("Submitter", 18.0, |l| l.submitter().into()),
    col("Organization", 18.0, |l| l.organization().into()),
    internal(col("E-mail", 22.0, |l| l.email().into())),
    col("Type", 10.0, |l| l.type_label().into()),
    col("Section", 10.0, |l| l.section()),
    col("Section title", 24.0, |l| l.section_title().into()),
    col("Page #", 7.0, |l| l.page().into()),
    col("Line #", 9.0, |l| l.line()),
    col("Comment", 50.0, |l| l.comment().into()),
    col("Suggested Change", 45.0, |l| l.suggested_change().into()),
    col("Disposition", 16.0, |l| l.disposition_label().into()),
    col("Response", 50.0, |l| l.response().into()),
    internal(col("Status", 11.0, |l| l.status_label().into())),
    internal(VERSION),
];

const ISO: [Column; 11] = [
    col("Tracking #", 20.0, |l| l.tracking().into()),
    col("MB/NC", 16.0, |l| l.organization().into()),
    col("Line number", 9.0, |l| l.line()),
    col("Clause/Subclause", 12.0, |l| l.section()),
    col("Paragraph/Figure/Table", 14.0, |l| l.paragraph().into()),
    col("Type of comment", 9.0, iso_type),
    col("Comments", 50.0, |l| l.comment().into()),
    col("Proposed change", 45.0, |l| l.suggested_change().into()),
    col("Observations of the secretariat", 50.0, observations),
    internal(col("Status", 11.0, |l| l.status_label().into())),
    internal(VERSION),
];

const IEEE: [Column; 12] = [
    col("CID", 20.0, |l| l.tracking().into()),
    col("Commenter", 18.0, |l| l.submitter().into()),
    col("Clause", 10.0, |l| l.section()),
    col("Page", 7.0, |l| l.page().into()),
    col("Line", 9.0, |l| l.line()),
    col("Category", 10.0, |l| l.type_label().into()),
    col("Comment", 50.0, |l| l.comment().into()),
    col("Proposed Change", 45.0, |l| l.suggested_change().into()),
    col("Resn Status", 8.0, |l| {
        l.disposition().map_or("", ieee_status).into()
    }),
    col("Resolution", 50.0, |l| l.response().into()),
    internal(col("Status", 11.0, |l| l.status_label().into())),
    internal(VERSION),
];

/// The comment's version when exported: a sheet edited offline and
/// uploaded again is matched by tracking number, and a row whose comment
/// was saved in docket since (a higher version) is a conflict, not an
/// update. Internal tables only (public ones are not read back).
pub const VERSION_HEADER: &str = "Version (do not edit)";

const VERSION: Column = col(VERSION_HEADER, 9.0, |l| {
    l.row.comment.version.to_string().into()
});

/// The preset's columns, without the internal ones in a public table.
pub fn columns(preset: Preset, public: bool) -> Vec<&'static Column> {
    let all: &'static [Column] = match preset {
        Preset::Nist => &NIST,
        Preset::Iso => &ISO,
        Preset::Ieee => &IEEE,
    };
    all.iter().filter(|c| !(public && c.internal)).collect()
}

/// ISO's `ge`/`te`/`ed`, or the submitter's own word.
fn iso_type<'a>(l: &'a Line<'_>) -> Cow<'a, str> {
    match l.comment_type() {
        Some(CommentType::General) => "ge".into(),
        Some(CommentType::Technical) => "te".into(),
        Some(CommentType::Editorial) => "ed".into(),
        _ => l.type_label().into(),
    }
}

/// The secretariat's word for a disposition.
pub fn iso_word(d: Disposition) -> &'static str {
    match d {
        Disposition::Accepted => "Accepted",
        Disposition::AcceptedWithModification => "Accepted in principle",
        Disposition::Declined => "Not accepted",
        Disposition::Noted => "Noted",
        Disposition::Deferred => "Deferred",
        Disposition::Duplicate => "Duplicate",
    }
}

/// ISO answers in one column: `Accepted in principle. <response>`.
fn observations<'a>(l: &'a Line<'_>) -> Cow<'a, str> {
    match (l.disposition(), l.response()) {
        (None, response) => response.into(),
        (Some(d), "") => iso_word(d).into(),
        (Some(d), response) => format!("{}. {response}", iso_word(d)).into(),
    }
}

/// IEEE 802's A/V/J; the dispositions it has no letter for keep docket's
/// word, so the table reads back without loss.
pub fn ieee_status(d: Disposition) -> &'static str {
    match d {
        Disposition::Accepted => "A",
        Disposition::AcceptedWithModification => "V",
        Disposition::Declined => "J",
        Disposition::Noted => "Noted",
        Disposition::Deferred => "Deferred",
        Disposition::Duplicate => "Duplicate",
    }
}
