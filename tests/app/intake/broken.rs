//! Files docket must refuse whole: each says why in its own words, the run
//! exits 1, and nothing of it is stored, while good files beside it are.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::{import_json, open_document, stored, write};
use crate::cli::{docket, docket_with_env, stderr, stdout};

on_both_backends! {
    async fn broken_files_are_refused_whole_each_with_its_reason(db: TestDb) {
        open_document(&db, "draft");
        let dir = tempfile::tempdir().unwrap();
        // Row 2 holds `stray` in the 65th column, BM.
        let columns = format!("Comment #,Comment\n1,Too wide{},stray\n", ",".repeat(62));
        let rows = "Comment #,Comment\n1,a\n2,b\n3,c\n4,d\n5,e\n";
        // (file name, content, extra arguments, what the refusal must say)
        let cases: Vec<(&str, Vec<u8>, &[&str], &str)> = vec![
            ("empty.csv", Vec::new(), &[], "the file is empty"),
            ("random.xlsx", noise(4096), &[],
                "this is not a spreadsheet docket can read: it is named .xlsx but its content is not a spreadsheet"),
            ("comments.docx", word_document(), &[],
                "this is not a spreadsheet docket can read: it is a Word document; put the comments in the comment template"),
            ("protected.xlsx", encrypted_workbook(), &[],
                "the workbook is protected with a password; save a copy without the password"),
            ("bomb.xlsx", zip_bomb(), &[],
                "would unpack to far more data than any comment sheet holds: entry `xl/worksheets/sheet1.xml` unpacks from"),
            ("cut.xlsx", truncated(small_workbook()), &[],
                "the workbook (XLSX or ODS) cannot be read: the file is damaged or incomplete"),
            // The row is counted as a spreadsheet shows it: the line breaks
            // inside the quoted cell of row 2 do not move it.
            ("quote.csv", b"Comment #,Section,Comment\n1,5.1,\"two\nlines\"\n2,5.2,\"This quote never closes\n3,5.3,Third\n".to_vec(), &[],
                "row 3: a quoted cell opens with \" and never closes"),
            ("noheader.csv", b"Name,Date\nAda,2023-01-01\n".to_vec(), &[],
                "no header row was found in the first 30 rows of the file: docket looks for a row naming the comment column"),
            // A template nobody filled in: its pre-printed numbers are not comments.
            ("blank-template.csv", b"Comment #,Section,Comment\n1,,\n2,,\n".to_vec(), &[],
                "the header row was found (the file, row 1) but there are no comment rows below it"),
            ("rows.csv", rows.as_bytes().to_vec(), &["--max-rows", "3"],
                "the file holds 5 comment rows; the limit is 3"),
            ("wide.csv", columns.into_bytes(), &[],
                "row 2 has a value in column BM (column 65); docket reads at most 64 columns"),
        ];
        for (name, bytes, args, says) in cases {
            let path = write(dir.path(), name, bytes);
            let (out, reports) = import_json(&db, &[&["--document", "draft"], args, &[path.as_str()]].concat());
            assert_eq!(out.status.code(), Some(1), "{name}: {reports:#?}");
            assert_eq!(reports.len(), 1);
            assert_eq!(reports[0]["status"], "rejected", "{name}: {:#}", reports[0]);
            assert_eq!(reports[0]["comments"], 0, "{name}");
            let error = reports[0]["error"].as_str().unwrap();
            assert!(error.contains(says), "{name}: {error}");
        }

        // Over the configured size: refused before it is read.
        let csv = format!("Comment #,Comment\n{}", "1,A comment long enough to count\n".repeat(100));
        let path = write(dir.path(), "large.csv", &csv);
        let out = docket_with_env(
            &["import", "--document", "draft", &path],
            &[("DATABASE_URL", db.url.as_str()), ("DOCKET__INTAKE__MAX_FILE_BYTES", "2000")],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            format!(
                "{path}: rejected, nothing stored: the file is {} bytes and the limit is 2000 bytes (raise it with --max-file-mb)",
                csv.len()
            )
        );

        assert_eq!(stored(&db), (0, 0));
    }

    async fn a_broken_file_does_not_stop_the_good_ones(db: TestDb) {
        open_document(&db, "draft");
        let dir = tempfile::tempdir().unwrap();
        let good_csv = write(dir.path(), "good.csv", "Comment #,Section,Comment\n1,2.1,First\n2,2.2,Second\n");
        let good_xlsx = write(dir.path(), "good.xlsx", small_workbook());
        let cut = write(dir.path(), "cut.xlsx", truncated(small_workbook()));
        let out = docket(&db, &["import", "--document", "draft", &good_csv, &cut, &good_xlsx]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(&format!("{good_csv}: stored as DRAFT-0001 with 2 comment(s), 0 warning(s)")), "{text}");
        assert!(text.contains(&format!("{cut}: rejected, nothing stored: the workbook (XLSX or ODS) cannot be read")), "{text}");
        // The same workbook whole is stored: only the cut made the other one unreadable.
        assert!(text.contains(&format!("{good_xlsx}: stored as DRAFT-0002 with 1 comment(s), 0 warning(s)")), "{text}");
        assert!(text.contains("3 file(s) read, 1 rejected."), "{text}");
        assert_eq!(stored(&db), (2, 3));
    }
}

/// Bytes that are neither a workbook nor text (a fixed pseudo-random run).
pub(crate) fn noise(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A ZIP archive of the given entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The parts that make a ZIP a Word document.
fn word_document() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document><w:body/></w:document>"),
    ])
}

/// An XLSX whose sheet unpacks 2 MiB of spaces from a few kilobytes.
fn zip_bomb() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &vec![b' '; 2 * 1024 * 1024]),
    ])
}

/// An Office file saved with a password: a compound file holding the
/// encrypted package.
fn encrypted_workbook() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("EncryptionInfo")
        .unwrap()
        .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
        .unwrap();
    file.create_stream("EncryptedPackage")
        .unwrap()
        .write_all(&noise(2048))
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A valid one-comment XLSX.
fn small_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, (header, value)) in [
        ("Comment #", "1"),
        ("Section", "3.2"),
        ("Comment", "Clarify this."),
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, header).unwrap();
        sheet.write_string(1, col as u16, value).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// The first half of a file, as an interrupted upload leaves it.
fn truncated(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() / 2);
    bytes
}
