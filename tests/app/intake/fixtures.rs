//! The shared fixtures (real NIST and ISO comment files, in every format they
//! come in) through `docket import`, and back out of `docket export`, each
//! cell compared with the manifest's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{export, fixtures_dir, import_json, open_document, stored};
use crate::cli::stderr;

/// The three `Dept of Education …__sheetN` entries as one workbook.
pub(crate) const ALL_SHEETS: &str = "Dept of Education-sp800-63-4-ipd (all sheets).xlsx";
pub(crate) const SHEET_STEM: &str = "Dept of Education-sp800-63-4-ipd__sheet";
const ISO_CSV: &str = "iso_dis19156_comments_with_secretariat_observations.csv";

/// `nist-sp800-63-4/manifest.json`, the keys these tests read.
#[derive(Deserialize)]
pub(crate) struct Manifest {
    files: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    stem: String,
    xlsx: String,
    csv: String,
    header: Vec<String>,
    header_row_number: u32,
    rows: Vec<Vec<String>>,
    row_numbers: Vec<u32>,
    number_only_rows: Vec<u32>,
    organization: Option<String>,
    submitter_name: Option<String>,
}

on_both_backends! {
    async fn every_fixture_is_stored_and_exported_cell_for_cell(db: TestDb) {
        let Some(fixtures) = fixtures_dir() else { return };
        let nist = fixtures.join("nist-sp800-63-4");
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(nist.join("manifest.json")).unwrap()).unwrap();
        let mut files: Vec<PathBuf> = ["xlsx", "csv", "variants"]
            .iter()
            .flat_map(|folder| files_in(&nist.join(folder)))
            .collect();
        files.push(fixtures.join("iso-dis-19156").join(ISO_CSV));

        open_document(&db, "sp800-63-4");
        let paths: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
        let (out, reports) = import_json(&db, &[&["--document", "sp800-63-4"], &paths[..]].concat());
        assert_eq!(out.status.code(), Some(0), "{reports:#?}\n{}", stderr(&out));
        assert_eq!(reports.len(), files.len());
        let mut read_as = BTreeMap::new();
        for report in &reports {
            assert_eq!(report["status"], "stored", "{report:#}");
            read_as.insert(
                file_name(report["file"].as_str().unwrap()),
                report["read"].as_str().unwrap().to_owned(),
            );
        }

        let exported = export(&db, "sp800-63-4");
        check_every_fixture(&fixtures, &manifest, &exported, Some(&read_as), None);
    }

    async fn the_iso_word_document_is_refused_as_one(db: TestDb) {
        let Some(fixtures) = fixtures_dir() else { return };
        let docx = fixtures.join("iso-dis-19156/Comments on DIS 19156 incl TMG and CEN.docx");
        open_document(&db, "iso-19156");
        let (out, reports) = import_json(&db, &["--document", "iso-19156", docx.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{reports:#?}");
        assert_eq!(reports[0]["status"], "rejected");
        let error = reports[0]["error"].as_str().unwrap();
        assert!(
            error.contains("it is a Word document; put the comments in the comment template"),
            "{error}"
        );
        assert_eq!(stored(&db), (0, 0));
    }
}

/// One file holding an entry's rows, and the sheet they are on (`None`: CSV
/// and tab-separated text).
struct Source {
    file: String,
    sheet: Option<String>,
}

/// Every file holding the rows of `entry`: its XLSX and CSV, the variants of
/// the same stem, and the all-sheets workbook for the `__sheetN` entries.
fn sources(entry: &Entry, variants: &[String]) -> Vec<Source> {
    let sheet_of = |file: &str| {
        let workbook = [".xlsx", ".xls", ".ods"]
            .iter()
            .any(|ext| file.ends_with(ext));
        workbook.then(|| "Sheet1".to_owned())
    };
    let mut out: Vec<Source> = [file_name(&entry.xlsx), file_name(&entry.csv)]
        .into_iter()
        .chain(
            variants
                .iter()
                .filter(|v| variant_stem(v) == entry.stem)
                .cloned(),
        )
        .map(|file| Source {
            sheet: sheet_of(&file),
            file,
        })
        .collect();
    if let Some(n) = entry.stem.strip_prefix(SHEET_STEM) {
        out.push(Source {
            file: ALL_SHEETS.to_owned(),
            sheet: Some(format!("Sheet{n}")),
        });
    }
    out
}

/// `CertiPath-sp800-63-4-ipd (unicode text).txt` → `CertiPath-sp800-63-4-ipd`.
pub(crate) fn variant_stem(name: &str) -> &str {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.strip_suffix(" (cp1252 semicolon)")
        .or_else(|| stem.strip_suffix(" (unicode text)"))
        .unwrap_or(stem)
}

/// Compares the comments exported from one source with the manifest entry;
/// returns how many there should be.
/// The manifest of the NIST fixtures.
pub(crate) fn manifest_of(fixtures: &Path) -> Manifest {
    serde_json::from_slice(&std::fs::read(fixtures.join("nist-sp800-63-4/manifest.json")).unwrap())
        .unwrap()
}

/// Checks that `exported` holds every fixture file's comments (xlsx/, csv/,
/// variants/ and the ISO table), each cell in its place, and nothing else.
/// `read_as`: what `docket import` said it read, by file, when checked.
/// `sender`: the submitter typed on the web form, which overrides the
/// template's (`None`: the template's own).
pub(crate) fn check_every_fixture(
    fixtures: &Path,
    manifest: &Manifest,
    exported: &[Value],
    read_as: Option<&BTreeMap<String, String>>,
    sender: Option<&str>,
) {
    let nist = fixtures.join("nist-sp800-63-4");
    let variants: Vec<String> = files_in(&nist.join("variants"))
        .iter()
        .map(|p| file_name(p.to_str().unwrap()))
        .collect();
    let mut unmatched_variants: BTreeSet<&String> = variants.iter().collect();
    let mut mismatches = Vec::new();
    let mut expected_total = 0;
    for entry in &manifest.files {
        for source in sources(entry, &variants) {
            unmatched_variants.remove(&source.file);
            expected_total +=
                check_source(entry, &source, exported, read_as, sender, &mut mismatches);
        }
    }
    assert!(
        unmatched_variants.is_empty(),
        "variants no manifest entry names: {unmatched_variants:?}"
    );
    let iso = std::fs::read_to_string(fixtures.join("iso-dis-19156").join(ISO_CSV)).unwrap();
    expected_total += check_iso(&iso, exported, read_as, &mut mismatches);

    assert!(
        mismatches.is_empty(),
        "{} mismatch(es):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(
        exported.len(),
        expected_total,
        "exported comments that no expected row accounts for"
    );
}

fn check_source(
    entry: &Entry,
    source: &Source,
    exported: &[Value],
    read_as: Option<&BTreeMap<String, String>>,
    sender_given: Option<&str>,
    mismatches: &mut Vec<String>,
) -> usize {
    let place = format!("{} ({:?})", source.file, source.sheet);
    let got: Vec<&Value> = exported
        .iter()
        .filter(|c| {
            c["source_file"] == source.file.as_str() && c["source_sheet"] == json!(source.sheet)
        })
        .collect();
    let expected: Vec<(u32, &Vec<String>)> = entry
        .row_numbers
        .iter()
        .copied()
        .zip(&entry.rows)
        .filter(|(row, _)| !entry.number_only_rows.contains(row))
        .collect();
    if got.len() != expected.len() {
        mismatches.push(format!(
            "{place}: {} comments exported, {} expected",
            got.len(),
            expected.len()
        ));
    }
    let read = format!(
        "{}header on row {}, {} comment(s)",
        source
            .sheet
            .as_ref()
            .map(|s| format!("sheet \"{s}\", "))
            .unwrap_or_default(),
        entry.header_row_number,
        expected.len()
    );
    match read_as.map(|r| r.get(&source.file)) {
        None => {}
        Some(Some(said)) if said.contains(&read) => {}
        Some(said) => mismatches.push(format!(
            "{place}: read as {said:?}, expected it to say {read:?}"
        )),
    }
    // Without a column of their own, rows name the template's sender. The
    // manifest keeps `CertiPath Inc. ` as printed; docket trims title rows.
    let sender = |found: &Option<String>| found.as_deref().unwrap_or_default().trim().to_owned();
    let (submitter, organization) = (
        sender_given.map_or_else(|| sender(&entry.submitter_name), str::to_owned),
        sender(&entry.organization),
    );
    let has_submitter_column = entry.header.iter().any(|h| h == "Submitter");
    for &(row, cells) in &expected {
        let Some(comment) = got.iter().find(|c| c["source_row"] == row) else {
            mismatches.push(format!("{place} row {row}: not exported"));
            continue;
        };
        let here = format!("{place} row {row}");
        compare_cells(&here, &entry.header, cells, comment, &submitter, mismatches);
        if !has_submitter_column && comment["submitter"] != submitter.as_str() {
            mismatches.push(format!(
                "{here}: submitter {}, expected {submitter:?}",
                comment["submitter"]
            ));
        }
        if comment["organization"] != organization.as_str() {
            mismatches.push(format!(
                "{here}: organization {}, expected {organization:?}",
                comment["organization"]
            ));
        }
    }
    expected.len()
}

/// The ISO file: 126 comments, every cell in place, the types read from
/// its ed/te/ge spellings. Returns how many comments there should be.
fn check_iso(
    text: &str,
    exported: &[Value],
    read_as: Option<&BTreeMap<String, String>>,
    mismatches: &mut Vec<String>,
) -> usize {
    let text = text.trim_start_matches('\u{feff}');
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let (header, rows) = records.split_first().unwrap();
    assert_eq!(header[7], "Observations of the secretariat");
    assert_eq!(rows.len(), 126);
    let got: Vec<&Value> = exported
        .iter()
        .filter(|c| c["source_file"] == ISO_CSV)
        .collect();
    assert_eq!(got.len(), 126, "{ISO_CSV}: comments exported");
    if let Some(read_as) = read_as {
        let read = &read_as[ISO_CSV];
        assert!(read.contains("header on row 1, 126 comment(s)"), "{read}");
    }
    for (i, cells) in rows.iter().enumerate() {
        // Record 1 is the header; the data rows are records 2 to 127.
        let row = i + 2;
        let here = format!("{ISO_CSV} row {row}");
        let Some(comment) = got.iter().find(|c| c["source_row"] == row) else {
            mismatches.push(format!("{here}: not exported"));
            continue;
        };
        if !comment["source_sheet"].is_null() {
            mismatches.push(format!("{here}: source_sheet {}", comment["source_sheet"]));
        }
        compare_cells(&here, header, cells, comment, "", mismatches);
    }
    let mut types = BTreeMap::new();
    for comment in &got {
        *types
            .entry(comment["type"].as_str().unwrap_or("null"))
            .or_insert(0) += 1;
    }
    // Ed, ed, Ed. → editorial; ge, Ge → general; te, Ed/te, Te/ed →
    // technical (a mixed comment weighs as its most substantive part).
    assert_eq!(
        types,
        BTreeMap::from([
            ("editorial", 108),
            ("general", 9),
            ("null", 2),
            ("technical", 7)
        ])
    );
    rows.len()
}

/// Where a column's cells land in the export.
enum Target {
    Key(&'static str),
    Extra(String),
}

/// The export key each header of the fixtures maps to; anything docket does
/// not know is kept under `extra` by its header.
fn target(header: &str) -> Target {
    let key = match header {
        "Comment #" | "Comment\n #" | "#" | "MB/NC" => "comment_number",
        h if h.starts_with("Publicatio") => "volume",
        "Section" | "Clause/Subclause" => "section_raw",
        "Paragraph/Figure/Table" => "paragraph_raw",
        "Page #" => "page_raw",
        "Line #" | "Line number" => "line_raw",
        "Type of comment" => "type_raw",
        "Comment\n(Include rationale for comment)"
        | "NIST Question\n(Include rationale for comment)"
        | "Comments" => "comment",
        "Suggested Change" | "Proposed change" => "suggested_change",
        "Submitter" => "submitter",
        other => return Target::Extra(other.to_owned()),
    };
    Target::Key(key)
}

/// Each cell against its field: exact text, blank as null (the comment as
/// "", a blank submitter as the sender).
fn compare_cells(
    here: &str,
    header: &[String],
    cells: &[String],
    comment: &Value,
    sender: &str,
    mismatches: &mut Vec<String>,
) {
    for (column, cell) in header.iter().zip(cells) {
        let (exported, blank) = match target(column) {
            Target::Key(key) => (
                &comment[key],
                match key {
                    "comment" => json!(""),
                    "submitter" => json!(sender),
                    _ => Value::Null,
                },
            ),
            // A missing key reads as null.
            Target::Extra(name) => (&comment["extra"][name.as_str()], Value::Null),
        };
        let expected = if cell.is_empty() { blank } else { json!(cell) };
        if *exported != expected {
            mismatches.push(format!(
                "{here}, {column:?}: exported {exported}, expected {expected}"
            ));
        }
    }
}

pub(crate) fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

pub(crate) fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}
