//! The closed vocabularies stored as text columns. The stored spelling is the
//! snake_case variant name; the CHECK constraints in `migrations/` list the
//! same words.

use strum::{AsRefStr, Display, EnumIter, EnumString, IntoStaticStr};

/// Implements the conversions diesel's `serialize_as` / `deserialize_as` use,
/// so row structs can hold the enum while the column stays `Text`.
macro_rules! text_column {
    ($($ty:ty),* $(,)?) => {$(
        impl TryFrom<String> for $ty {
            type Error = strum::ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.as_ref().to_owned()
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_ref())
            }
        }
    )*};
}

/// What a signed-in user may do: admins manage documents, outlines and users.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Admin,
    Editor,
}

/// The kind of an outline node.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum SectionKind {
    /// Executive summary, abstract, foreword…
    Front,
    Section,
    /// Appendix or annex (`A`, `D.1`).
    Appendix,
    Table,
    Figure,
}

impl SectionKind {
    /// Tables and figures are numbered apart from sections (`Table 3` next to
    /// section `3`), so their lookup keys carry the kind.
    pub fn is_float(self) -> bool {
        matches!(self, Self::Table | Self::Figure)
    }
}

/// NIST's E/G/T classification, plus `other` for anything else.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum CommentType {
    Editorial,
    General,
    Technical,
    Other,
}

/// The answer to a comment (`disposition_word` maps each body's words to
/// these).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Disposition {
    Accepted,
    AcceptedWithModification,
    Declined,
    Noted,
    Deferred,
    Duplicate,
}

/// Where a comment is in the editors' workflow (separate from its disposition).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum TriageStatus {
    New,
    InReview,
    Resolved,
    Published,
    Withdrawn,
}

/// How a comment's section tag was found.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum TagSource {
    Section,
    Line,
    Page,
    Title,
    Manual,
    General,
    None,
}

/// How a submission reached docket.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Display, EnumString, AsRefStr, IntoStaticStr, EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    Upload,
    Form,
    Api,
    Cli,
}

text_column!(
    Role,
    SectionKind,
    CommentType,
    Disposition,
    TriageStatus,
    TagSource,
    Channel
);

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The words must match the CHECK constraints in migrations/*/up.sql.
    #[test]
    fn stored_words_match_the_migrations() {
        let sql = include_str!("../../migrations/sqlite/2026-11-28-000001_initial/up.sql");
        fn words<T: IntoEnumIterator + AsRef<str>>() -> Vec<String> {
            T::iter().map(|v| format!("'{}'", v.as_ref())).collect()
        }
        let all = [
            words::<Role>(),
            words::<SectionKind>(),
            words::<CommentType>(),
            words::<Disposition>(),
            words::<TriageStatus>(),
            words::<TagSource>(),
            words::<Channel>(),
        ];
        for word in all.iter().flatten() {
            assert!(
                sql.contains(word.as_str()),
                "{word} missing from the CHECK constraints"
            );
        }
        assert_eq!(
            Disposition::AcceptedWithModification.as_ref(),
            "accepted_with_modification"
        );
    }

    #[test]
    fn round_trips_through_text() {
        for kind in SectionKind::iter() {
            assert_eq!(SectionKind::try_from(String::from(kind)).unwrap(), kind);
        }
        assert!(SectionKind::try_from("chapter".to_owned()).is_err());
    }
}
