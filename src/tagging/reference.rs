//! What a section cell names: `5.1`, `§ 6.2`, `Sec. 4`, `2. Introduction`,
//! `5.1 -5.3`, `Appendix A`, `Annex D`, `D.1`, `Table 3`, `Figure 1`,
//! `General`, or a title typed without a number.

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
    ) && let Some((number, _)) = leading_token(rest).filter(|(n, _)| is_appendix_number(n))
    {
        return Some(SectionRef::Key {
            key: number.to_owned(),
            span: span_of(text, rest),
        });
    }
    let rest = strip_word(&flat, SECTION_WORDS).unwrap_or(&flat);
    if let Some((number, after)) = leading_token(rest)
        && (is_section_number(number)
            || (is_appendix_number(number) && !after.starts_with(|c: char| c.is_alphabetic())))
    {
        return Some(SectionRef::Key {
            key: number.to_owned(),
            span: span_of(text, after),
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
