//! Printed page labels: arabic (`24`) or lower/upper-case roman (`iii`) for
//! front matter. Roman pages come before page 1.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageLabel {
    text: String,
    ordinal: i32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a page number (use a number such as 12, or a roman numeral such as xii)")]
pub struct PageLabelError(pub String);

/// Front-matter pages sort before every arabic page.
const ROMAN_BASE: i32 = -100_000;

impl PageLabel {
    pub fn parse(raw: &str) -> Result<Self, PageLabelError> {
        let text = raw.trim();
        let err = || PageLabelError(raw.to_owned());
        if text.is_empty() {
            return Err(err());
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            let n: i32 = text.parse().map_err(|_| err())?;
            return Ok(Self {
                text: text.to_owned(),
                ordinal: n,
            });
        }
        let n = roman_value(text).ok_or_else(err)?;
        Ok(Self {
            text: text.to_owned(),
            ordinal: ROMAN_BASE + n,
        })
    }

    /// A number that orders pages as they are printed.
    pub fn ordinal(&self) -> i32 {
        self.ordinal
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for PageLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The value of a canonical roman numeral (`iv`, not `iiii`), up to 3999.
fn roman_value(text: &str) -> Option<i32> {
    let lower = text.to_ascii_lowercase();
    let digit = |c| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        'd' => Some(500),
        'm' => Some(1000),
        _ => None,
    };
    let values: Vec<i32> = lower.chars().map(digit).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, v) in values.iter().enumerate() {
        match values.get(i + 1) {
            Some(next) if next > v => total -= v,
            _ => total += v,
        }
    }
    (total > 0 && to_roman(total) == lower).then_some(total)
}

fn to_roman(mut n: i32) -> String {
    const TABLE: [(i32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arabic_and_roman() {
        assert_eq!(PageLabel::parse("24").unwrap().ordinal(), 24);
        assert_eq!(PageLabel::parse(" 7 ").unwrap().as_str(), "7");
        let iii = PageLabel::parse("iii").unwrap();
        let xiv = PageLabel::parse("XIV").unwrap();
        assert!(iii.ordinal() < xiv.ordinal());
        assert!(xiv.ordinal() < PageLabel::parse("1").unwrap().ordinal());
    }

    #[test]
    fn refuses_non_pages() {
        for bad in ["", "N/A", "iiii", "A-1", "12a", "-3", "99999999999"] {
            assert_eq!(
                PageLabel::parse(bad),
                Err(PageLabelError(bad.to_owned())),
                "{bad}"
            );
        }
    }
}
