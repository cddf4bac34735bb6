//! What a section cell names: `5.1`, `§ 6.2`, `Sec. 4`, `2. Introduction`,
//! `5.1 -5.3`, `Appendix A`, `Annex D`, `D.1`, `Table 3`, `Figure 1`,
//! `General`, or a title typed without a number. Cells copied from PDFs
//! wrap anywhere, list sections with their titles (`2.2 Identity
//! Assurance\nLevels\n5.1.9.1 Requirements…`) and have slips (`4.3.4..4`).

/// A parsed section reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionRef {
    /// No particular section: the document's General bucket.
    General,
    /// A lookup key as the outline stores it: `5.1`, `d.1`, `table:3`.
    Key { key: String, span: Option<String> },
    /// Words only, matched against the outline's titles (normalised).
    Title(String),
}

const GENERAL: &[&str] = &[
    "general",
    "entire",
    "all",
    "whole document",
    "entire document",
    "the whole document",
    "document",
    "overall",
    "global",
    "throughout",
    "n/a",
    "na",
    "various",
    "multiple",
    "global comment",
    "general comment",
    "whole",
    "all sections",
];

/// Words that only announce a section number.
const SECTION_WORDS: &[&str] = &[
    "sections",
    "section",
    "sub-clause",
    "subclause",
    "clause",
    "secs.",
    "sec.",
    "sec",
    "§§",
    "§",
    "para.",
];

/// Parses a section cell; `None` when it is blank.
pub fn parse(raw: &str) -> Option<SectionRef> {
    let text = raw.trim();
    if text.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    let flat = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = flat.trim_end_matches(['.', ':']).to_owned();
    if GENERAL.contains(&flat.as_str()) {
        return Some(SectionRef::General);
    }
    for (words, kind) in [
        (&["tables", "table", "tab."][..], "table"),
        (&["figures", "figure", "fig."][..], "figure"),
    ] {
        if let Some(rest) = strip_word(&flat, words)
            && let Some((number, _)) = leading_token(rest)
        {
            return Some(SectionRef::Key {
                key: format!("{kind}:{number}"),
                span: span_of(text, rest),
            });
        }
    }
    if let Some(rest) = strip_word(
        &flat,
        &["appendices", "appendix", "app.", "annexes", "annex"],
    ) && let Some((number, _)) = leading_token(rest)
        .map(|(n, after)| (squeeze_dots(n), after))
        .filter(|(n, _)| is_appendix_number(n))
    {
        return Some(SectionRef::Key {
            key: number,
            span: span_of(text, rest),
        });
    }
    let rest = strip_word(&flat, SECTION_WORDS).unwrap_or(&flat);
    if let Some((number, after)) = leading_token(rest).map(|(n, after)| (squeeze_dots(n), after))
        && (is_section_number(&number)
            || (is_appendix_number(&number) && !after.starts_with(|c: char| c.is_alphabetic())))
    {
        return Some(SectionRef::Key {
            key: number,
            span: span_of(text, after).or_else(|| names_more(text).then(|| text.to_owned())),
        });
    }
    Some(SectionRef::Title(normalise_title(&flat)))
}

/// Titles compared without case, spacing or trailing punctuation.
pub fn normalise_title(title: &str) -> String {
    title
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', ':', ';'])
        .to_owned()
}

/// The rest of a cell after a leading word such as `Section` or `Table`.
fn strip_word<'a>(text: &'a str, words: &[&str]) -> Option<&'a str> {
    words.iter().find_map(|word| {
        let rest = text.strip_prefix(word)?;
        let ok = rest.is_empty()
            || rest.starts_with([
                ' ', '.', ':', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
            ])
            || word.ends_with(['.', '§']);
        ok.then(|| rest.trim_start_matches([' ', '.', ':']))
    })
}

/// The first token of letters, digits and dots, without a trailing dot
/// (`2.` in `2. Introduction`), and what follows it.
fn leading_token(text: &str) -> Option<(&str, &str)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let token = text[..end].trim_end_matches('.');
    (!token.is_empty()).then(|| (token, &text[end..]))
}

/// `4.3.4..4` → `4.3.4.4`. A doubled dot is a slip of the keyboard (real
/// comment files have it), not a different section: without this the cell
/// would be read as a title and name nothing.
fn squeeze_dots(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if !(c == '.' && out.ends_with('.')) {
            out.push(c);
        }
    }
    out
}

/// Whether a cell names another section after its first one, on a later
/// line or after a comma: `2.2 Identity Assurance\nLevels\n5.1.9.1
/// Requirements for…` or `4.1. FAL1, 4.2. FAL2`. Commenters list sections
/// with their titles, so the next number is not right after the first (as
/// `span_of` expects). Only dotted numbers count: a wrapped title or
/// `5.1.6(3)\n(b)` must not read as a list.
fn names_more(raw: &str) -> bool {
    raw.trim()
        .split(['\n', ',', ';', '&'])
        .skip(1)
        .filter_map(|piece| leading_token(piece.trim()))
        .map(|(token, _)| squeeze_dots(token))
        .any(|token| {
            token.contains('.') && (is_section_number(&token) || is_appendix_number(&token))
        })
}

/// `4`, `4.3`, `4.3.1`.
fn is_section_number(token: &str) -> bool {
    !token.is_empty()
        && token
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// `A`, `D.1`, `D.1.2`: one letter, then numbers.
fn is_appendix_number(token: &str) -> bool {
    let mut parts = token.split('.');
    parts
        .next()
        .is_some_and(|first| first.len() == 1 && first.bytes().all(|b| b.is_ascii_alphabetic()))
        && parts.all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// A range or list after the first reference (`-5.3`, `, 4.3`) is kept as
/// the span, the cell as written.
fn span_of(raw: &str, after: &str) -> Option<String> {
    let after = after.trim();
    (after.starts_with(['-', '–', ',', ';', '&'])
        || after.starts_with("to ")
        || after.starts_with("and "))
    .then(|| raw.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        match parse(raw) {
            Some(SectionRef::Key { key, .. }) => key,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn numbers_in_their_many_spellings() {
        for (raw, expected) in [
            ("5.1", "5.1"),
            ("5.1.2", "5.1.2"),
            ("§ 6.2", "6.2"),
            ("§6.2", "6.2"),
            ("Sec. 4", "4"),
            ("Section 4.3.1", "4.3.1"),
            ("4.3.1 Identity", "4.3.1"),
            ("2. Introduction", "2"),
            ("5.1 -5.3", "5.1"),
            ("4.2, 4.3", "4.2"),
            ("Appendix A", "a"),
            ("App. A", "a"),
            ("Annex D", "d"),
            ("D.1", "d.1"),
            ("Table 3", "table:3"),
            ("Figure 1", "figure:1"),
            ("Fig. 2", "figure:2"),
            ("Clause 7", "7"),
            ("sections 3.1-3.4", "3.1"),
            ("3.", "3"),
            ("4.3.4..4", "4.3.4.4"),
            ("4.4.1.", "4.4.1"),
            ("5.1.6(3)\n(b)", "5.1.6"),
            ("A.4", "a.4"),
        ] {
            assert_eq!(key(raw), expected, "{raw}");
        }
    }

    #[test]
    fn ranges_and_lists_keep_their_span() {
        assert_eq!(
            parse("5.1 -5.3"),
            Some(SectionRef::Key {
                key: "5.1".into(),
                span: Some("5.1 -5.3".into())
            })
        );
        assert_eq!(
            parse("4.2, 4.3"),
            Some(SectionRef::Key {
                key: "4.2".into(),
                span: Some("4.2, 4.3".into())
            })
        );
        assert_eq!(
            parse("4.3.1 Identity"),
            Some(SectionRef::Key {
                key: "4.3.1".into(),
                span: None
            })
        );
        // Sections listed with their titles, one a line or after commas.
        for listed in [
            "2.2 Identity Assurance\nLevels\n5.1.9.1 Requirements for",
            "4.1. FAL1, 4.2. FAL2",
        ] {
            let span = match parse(listed) {
                Some(SectionRef::Key { span, .. }) => span,
                other => panic!("{listed}: {other:?}"),
            };
            assert_eq!(span.as_deref(), Some(listed));
        }
        // A wrapped title or a numbered item is no list.
        for single in ["5.1.1.2(\n1)", "4  Identity Resolution,\nValidation"] {
            assert!(
                matches!(parse(single), Some(SectionRef::Key { span: None, .. })),
                "{single}"
            );
        }
    }

    #[test]
    fn general_words_and_titles() {
        for raw in [
            "General",
            "Entire",
            "All",
            "Whole document",
            "N/A",
            "general.",
        ] {
            assert_eq!(parse(raw), Some(SectionRef::General), "{raw}");
        }
        assert_eq!(
            parse("Introduction"),
            Some(SectionRef::Title("introduction".into()))
        );
        assert_eq!(
            parse("  Executive  Summary "),
            Some(SectionRef::Title("executive summary".into()))
        );
        assert_eq!(parse(""), None);
        // A word starting with a letter is a title, not appendix A.
        assert_eq!(
            parse("Abstract"),
            Some(SectionRef::Title("abstract".into()))
        );
    }
}
