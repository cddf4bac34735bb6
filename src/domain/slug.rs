//! Document identifiers used in URLs and tracking numbers.

use std::fmt;

/// A document's URL name: lowercase ASCII letters, digits and single hyphens,
/// 1–64 characters, starting with a letter or digit (`nistir-8200`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SlugError {
    #[error(
        "`{0}` is not a valid slug: use 1–64 lowercase letters, digits and single hyphens, e.g. nistir-8200"
    )]
    Invalid(String),
    #[error(
        "`{0}` is not a valid tracking prefix: use 1–32 letters, digits and hyphens, e.g. NISTIR-8200"
    )]
    InvalidPrefix(String),
}

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(SlugError::Invalid(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The first part of every tracking number of a document (`NISTIR-8200` in
/// `NISTIR-8200-0042`): uppercase letters, digits and hyphens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingPrefix(String);

impl TrackingPrefix {
    /// Accepts any case and stores uppercase.
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        let upper = raw.trim().to_ascii_uppercase();
        let ok = (1..=32).contains(&upper.len())
            && upper
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !upper.starts_with('-')
            && !upper.ends_with('-');
        if ok {
            Ok(Self(upper))
        } else {
            Err(SlugError::InvalidPrefix(raw.to_owned()))
        }
    }

    /// The default prefix for a slug: `nistir-8200` → `NISTIR-8200`.
    pub fn from_slug(slug: &Slug) -> Self {
        let mut upper = slug.as_str().to_ascii_uppercase();
        upper.truncate(32);
        Self(upper.trim_end_matches('-').to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["nistir-8200", "sp800-63-4", "a", "x1"] {
            assert!(Slug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "NISTIR",
            "-a",
            "a-",
            "a--b",
            "a b",
            "a/b",
            "é",
            &"a".repeat(65),
        ] {
            assert_eq!(
                Slug::parse(bad),
                Err(SlugError::Invalid(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn tracking_prefixes() {
        assert_eq!(
            TrackingPrefix::parse("nistir-8200").unwrap().as_str(),
            "NISTIR-8200"
        );
        assert!(TrackingPrefix::parse("NIST IR").is_err());
        let slug = Slug::parse("sp800-63-4").unwrap();
        assert_eq!(TrackingPrefix::from_slug(&slug).as_str(), "SP800-63-4");
    }
}
