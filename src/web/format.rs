//! How dates and ranges read on pages.

use time::Date;
use time::macros::format_description;

/// `14 February 2018`.
pub fn date(d: Date) -> String {
    d.format(format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| d.to_string())
}

/// `14 February 2018 – 18 April 2018`, or what is known of it.
pub fn period(opens: Option<Date>, closes: Option<Date>) -> String {
    match (opens, closes) {
        (Some(o), Some(c)) => format!("{} – {}", date(o), date(c)),
        (Some(o), None) => format!("from {}", date(o)),
        (None, Some(c)) => format!("until {}", date(c)),
        (None, None) => "no dates set".to_owned(),
    }
}

/// `12–14`, `12`, or empty.
pub fn range<T: std::fmt::Display + PartialEq>(start: Option<T>, end: Option<T>) -> String {
    match (start, end) {
        (Some(s), Some(e)) if s == e => s.to_string(),
        (Some(s), Some(e)) => format!("{s}–{e}"),
        (Some(s), None) | (None, Some(s)) => s.to_string(),
        (None, None) => String::new(),
    }
}

/// An error's text as a sentence for a page: first letter capitalised,
/// a full stop at the end (error texts are written as clauses).
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn formats() {
        assert_eq!(
            period(Some(date!(2018 - 02 - 14)), Some(date!(2018 - 04 - 18))),
            "14 February 2018 – 18 April 2018"
        );
        assert_eq!(range(Some(3), Some(3)), "3");
        assert_eq!(range(Some("iii"), Some("v")), "iii–v");
        assert_eq!(range::<i32>(None, None), "");
        assert_eq!(sentence("the password is short"), "The password is short.");
        assert_eq!(sentence(""), "");
    }
}
