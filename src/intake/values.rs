//! Parsing the messy cells of real comment sheets (NIST, ISO and other
//! bodies' templates, filled in by hand) into domain values. The raw text
//! is always kept beside the result; a value that cannot be read is an
//! `Err` with what was expected, and the caller keeps the row.

use crate::domain::{CommentType, PageLabel};

/// A comment type as read, with the DoD severity when the sheet used one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeReading {
    pub kind: CommentType,
    /// `critical`, `substantive`, `administrative` or `major` (DoD/NIAP).
    pub severity: Option<&'static str>,
}

/// `E`/`G`/`T`, `ed`/`ge`/`te` in any case, `Ed.`, `Ed/te`, the words, and
/// DoD `C`/`S`/`A`/`M` (kept as severity, type `other`). `Ok(None)` for a
/// blank cell.
pub fn comment_type(raw: &str) -> Result<Option<TypeReading>, String> {
    let key: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\n' | '\r' | '\t'))
        .flat_map(char::to_lowercase)
        .collect();
    if key.is_empty() {
        return Ok(None);
    }
    if let Some(kind) = single_type(&key) {
        return Ok(Some(TypeReading {
            kind,
            severity: None,
        }));
    }
    let severity = match key.as_str() {
        "c" | "critical" => Some("critical"),
        "s" | "substantive" => Some("substantive"),
        "a" | "administrative" => Some("administrative"),
        "m" | "major" => Some("major"),
        _ => None,
    };
    if severity.is_some() {
        return Ok(Some(TypeReading {
            kind: CommentType::Other,
            severity,
        }));
    }
    // `Ed/te`, `te/ed`, `E, T`: a mixed comment is as weighty as its most
    // substantive part.
    let parts: Option<Vec<CommentType>> = key
        .split(['/', ',', '&', '+', ';'])
        .filter(|p| !p.is_empty())
        .map(single_type)
        .collect();
    match parts {
        Some(parts) if parts.len() > 1 => {
            let rank = |t: &CommentType| match t {
                CommentType::Technical => 3,
                CommentType::General => 2,
                CommentType::Editorial => 1,
                CommentType::Other => 0,
            };
            let kind = parts
                .into_iter()
                .max_by_key(rank)
                .unwrap_or(CommentType::Other);
            Ok(Some(TypeReading {
                kind,
                severity: None,
            }))
        }
        _ => Err("is not one of E, G, T; kept as other".to_owned()),
    }
}

fn single_type(key: &str) -> Option<CommentType> {
    Some(match key {
        "e" | "ed" | "edit" | "editorial" => CommentType::Editorial,
        "g" | "ge" | "gen" | "general" => CommentType::General,
        "t" | "te" | "tech" | "technical" => CommentType::Technical,
        "o" | "other" => CommentType::Other,
        _ => return None,
    })
}

/// A range of printed page labels (`24 - 39`, `iii`, `iii-v`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRange {
    pub start: PageLabel,
    pub end: PageLabel,
}

/// Words that say "no particular page"; not a problem, just no page.
const NO_PAGE: &[&str] = &[
    "n/a",
    "na",
    "n.a.",
    "-",
    "--",
    "none",
    "all",
    "various",
    "multiple",
    "general",
    "entire",
    "throughout",
    "global",
    "tbd",
];

/// Excel turns `1-2` typed into a cell into a date; a page or line that
/// reads as an ISO date most likely was such a range.
const LOOKS_LIKE_DATE: &str =
    "looks like a date: Excel may have turned a range such as 1-2 into one; kept as written";

fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// Pages: `24`, `24 - 39`, `24–39`, `iii`, `p. 12`, `pp. 3-4`, `N/A`, blank.
pub fn page_range(raw: &str) -> Result<Option<PageRange>, String> {
    let text = raw.trim();
    if text.is_empty() || NO_PAGE.contains(&text.to_lowercase().as_str()) {
        return Ok(None);
    }
    if is_iso_date(text) {
        return Err(LOOKS_LIKE_DATE.to_owned());
    }
    let text = strip_prefix_word(text, &["pages", "page", "pp.", "pp", "pg.", "pg", "p."]);
    let labels: Result<Vec<PageLabel>, _> = text
        .split(['-', '–', '—', ',', ';', '&'])
        .flat_map(|part| part.split(" to "))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(PageLabel::parse)
        .collect();
    let expected = "is not a page number; expected e.g. 12, iii or 24 - 39 (kept as written)";
    let labels = labels.map_err(|_| expected.to_owned())?;
    let (Some(first), Some(last)) = (labels.first(), labels.last()) else {
        return Err(expected.to_owned());
    };
    let (start, end) = if last.ordinal() < first.ordinal() {
        (last.clone(), first.clone())
    } else {
        (first.clone(), last.clone())
    };
    Ok(Some(PageRange { start, end }))
}

/// Lines: `965`, `965 - 1475`, `156-\n161`, `637, Figure 1.`, `Lines 12-14`,
/// `N/A`, blank. Only a leading line number counts: text after it
/// (`, Figure 1.`) is kept in the raw value, not read.
pub fn line_range(raw: &str) -> Result<Option<(i32, i32)>, String> {
    let text = raw.trim();
    if text.is_empty() || NO_PAGE.contains(&text.to_lowercase().as_str()) {
        return Ok(None);
    }
    if is_iso_date(text) {
        return Err(LOOKS_LIKE_DATE.to_owned());
    }
    let expected = "is not a line number; expected e.g. 965 or 965 - 1475 (kept as written)";
    let text = strip_prefix_word(text, &["lines", "line", "ll.", "l.", "ln", "l", "#"]);
    let (start, rest) = leading_number(text).ok_or_else(|| expected.to_owned())?;
    let rest = rest.trim_start();
    let after_dash = ["-", "–", "—", "to ", "through "]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep));
    let end = after_dash
        .and_then(|r| leading_number(strip_prefix_word(r.trim_start(), &["line", "l"])))
        .map(|(n, _)| n);
    match end {
        Some(end) if end < start => Ok(Some((end, start))),
        Some(end) => Ok(Some((start, end))),
        None => Ok(Some((start, start))),
    }
}

/// The decimal number at the start of `text`, and what follows it.
fn leading_number(text: &str) -> Option<(i32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n = text[..digits].parse().ok()?;
    Some((n, &text[digits..]))
}

/// Drops a leading word such as `p.` or `Lines`, case-insensitively, when a
/// digit, roman numeral or space follows it.
fn strip_prefix_word<'a>(text: &'a str, words: &[&str]) -> &'a str {
    let lower = text.to_ascii_lowercase();
    for word in words {
        if lower.starts_with(word) && text.is_char_boundary(word.len()) {
            let rest = &text[word.len()..];
            let next = rest.chars().next();
            if next.is_some_and(|c| c.is_ascii_digit() || c == ' ' || c == '.' || c == ':')
                || (word.ends_with('.') && next.is_some())
            {
                return rest.trim_start_matches([' ', '.', ':']);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(raw: &str) -> CommentType {
        comment_type(raw).unwrap().unwrap().kind
    }

    #[test]
    fn comment_types_in_every_spelling() {
        for raw in [
            "E",
            "e",
            "ed",
            "Ed",
            "Ed.",
            "ED",
            "Editorial",
            " editorial ",
        ] {
            assert_eq!(kind(raw), CommentType::Editorial, "{raw}");
        }
        for raw in ["G", "ge", "Ge", "General"] {
            assert_eq!(kind(raw), CommentType::General, "{raw}");
        }
        for raw in ["T", "te", "Te", "Technical", "Ed/te", "Te/ed", "E, T"] {
            assert_eq!(kind(raw), CommentType::Technical, "{raw}");
        }
        assert_eq!(comment_type("").unwrap(), None);
        assert_eq!(comment_type("  ").unwrap(), None);
    }

    #[test]
    fn dod_types_become_severity() {
        let c = comment_type("C").unwrap().unwrap();
        assert_eq!((c.kind, c.severity), (CommentType::Other, Some("critical")));
        assert_eq!(
            comment_type("A").unwrap().unwrap().severity,
            Some("administrative")
        );
        assert_eq!(
            comment_type("S").unwrap().unwrap().severity,
            Some("substantive")
        );
        assert_eq!(comment_type("M").unwrap().unwrap().severity, Some("major"));
    }

    #[test]
    fn unknown_type_is_an_error_naming_the_choices() {
        assert_eq!(
            comment_type("X").unwrap_err(),
            "is not one of E, G, T; kept as other"
        );
        assert!(comment_type("Ed/zz").is_err());
    }

    fn pages(raw: &str) -> Option<(String, String)> {
        page_range(raw)
            .unwrap()
            .map(|r| (r.start.to_string(), r.end.to_string()))
    }

    #[test]
    fn pages_and_page_ranges() {
        assert_eq!(pages("24 - 39"), Some(("24".into(), "39".into())));
        assert_eq!(pages("24–39"), Some(("24".into(), "39".into())));
        assert_eq!(pages("iii"), Some(("iii".into(), "iii".into())));
        assert_eq!(pages("p. 12"), Some(("12".into(), "12".into())));
        assert_eq!(pages("pp. 3-4"), Some(("3".into(), "4".into())));
        assert_eq!(pages("Page 7"), Some(("7".into(), "7".into())));
        assert_eq!(pages("ix-2"), Some(("ix".into(), "2".into())));
        assert_eq!(pages("39-24"), Some(("24".into(), "39".into())));
        assert_eq!(pages("N/A"), None);
        assert_eq!(pages(""), None);
        assert!(page_range("Figure 3").is_err());
        assert!(page_range("12a").is_err());
    }

    #[test]
    fn lines_and_line_ranges() {
        assert_eq!(line_range("965 - 1475").unwrap(), Some((965, 1475)));
        assert_eq!(line_range("156-\n161").unwrap(), Some((156, 161)));
        assert_eq!(line_range("637, Figure 1.").unwrap(), Some((637, 637)));
        assert_eq!(line_range("Lines 12-14").unwrap(), Some((12, 14)));
        assert_eq!(line_range("L12").unwrap(), Some((12, 12)));
        assert_eq!(line_range("12 to 20").unwrap(), Some((12, 20)));
        assert_eq!(line_range("20-12").unwrap(), Some((12, 20)));
        assert_eq!(line_range("386").unwrap(), Some((386, 386)));
        assert_eq!(line_range("N/A").unwrap(), None);
        assert_eq!(line_range(" ").unwrap(), None);
        assert!(line_range("Figure 1").is_err());
        assert_eq!(line_range("2023-01-02").unwrap_err(), LOOKS_LIKE_DATE);
        assert_eq!(
            page_range("2024-03-09 00:00:00").unwrap_err(),
            LOOKS_LIKE_DATE
        );
        assert!(line_range("99999999999").is_err());
    }
}
