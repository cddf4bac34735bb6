//! Text from a file, made safe to print on the operator's terminal.
//!
//! A cell, a sheet name or a file name is the submitter's text: printed as
//! it is, an escape sequence in it (`\x1b[31m`, or one that retitles the
//! window or rewrites what was printed above) would be run by the
//! terminal. Every control character is shown escaped instead, as Rust
//! writes it in a string (`\u{1b}`, `\n`), so the operator sees that it
//! is there. JSON output needs none of this: `serde_json` escapes them.

use std::borrow::Cow;

/// `text` with each control character escaped (`\u{1b}`, `\t`, `\n`).
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A message of several lines, each [`shown`]: its own line breaks stay
/// (a line break moves the cursor down and runs nothing).
pub fn shown_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.into();
    }
    text.split('\n')
        .map(shown)
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

#[cfg(test)]
mod tests {
    use super::{shown, shown_lines};

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(shown("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(shown("a\tb\nc\r\u{7}\u{9b}"), "a\\tb\\nc\\r\\u{7}\\u{9b}");
        for plain in ["row 3, \"Comment\": 'x' é ✓", "C:\\dir\\file.csv", ""] {
            assert_eq!(shown(plain), plain);
        }
    }

    #[test]
    fn a_message_keeps_its_lines() {
        assert_eq!(
            shown_lines("2 problems:\n  row 3: \u{1b}]0;pwned\u{7}\r\n"),
            "2 problems:\n  row 3: \\u{1b}]0;pwned\\u{7}\\r\n"
        );
        assert_eq!(shown_lines("a\nb"), "a\nb");
    }
}
