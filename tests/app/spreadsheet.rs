//! A CSV file opened as a spreadsheet program might open it: split at `;`,
//! `,`, tab or `|`, honouring the quotes or not, each cell then split at
//! its line breaks. No piece may start a formula (`export::cells` says
//! why). Used on every CSV docket writes from a submitter's text: the
//! disposition table (`editor::export`, `export`) and the replies CSV
//! (`replies`).

/// Panics naming the first piece of `bytes` (a CSV file, with or without
/// a byte-order mark) that would start with `=`, `+`, `-` or `@` once
/// split some way a spreadsheet may split it (after a leading `"`, which
/// a reader ignoring quotes leaves in front).
pub(crate) fn assert_opens_as_text(bytes: &[u8], what: &str) {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    for delimiter in [b';', b',', b'\t', b'|'] {
        for quoting in [true, false] {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .quoting(quoting)
                .from_reader(bytes);
            for record in reader.byte_records() {
                let record = record.unwrap();
                for field in record.iter() {
                    let field = String::from_utf8_lossy(field);
                    for piece in field.split(['\n', '\r']) {
                        let piece = piece.strip_prefix('"').unwrap_or(piece);
                        assert!(
                            !piece.starts_with(['=', '+', '-', '@']),
                            "{what}: split at {:?}, quotes {}: the cell {piece:?} (of {field:?}) is a formula",
                            delimiter as char,
                            if quoting { "honoured" } else { "ignored" },
                        );
                    }
                }
            }
        }
    }
}

/// The check finds what the old rule (a `'` at the start of a cell only)
/// left: a formula behind a separator inside a cell.
#[test]
#[should_panic(expected = "the cell \"=1+6\"")]
fn a_formula_behind_a_separator_is_found() {
    assert_opens_as_text(
        b"\"Tracking #\",\"Comment\"\r\n\"D-1\",\"see;=1+6;\"\r\n",
        "old rule",
    );
}

/// And one behind a quote that a reader splitting at `;` opens.
#[test]
#[should_panic(expected = "split at ';', quotes honoured")]
fn a_formula_behind_a_quote_is_found() {
    assert_opens_as_text(b"\"D-1\",\"x;\"\"=1+1\"\r\n", "no quote guard");
}
