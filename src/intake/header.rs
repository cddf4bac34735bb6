//! Finding the header row and knowing what each column holds.
//!
//! Real templates put the header anywhere in the first rows, wrap and
//! footnote its cells (`Comment\n(Include rationale for comment)`,
//! `Type of comment2`, `MB/\nNC1`) and vary its words between bodies. Each
//! header cell is reduced to a compact key (lower-case letters, digits and
//! `#`, parenthesised notes and trailing footnote digits dropped) and looked
//! up in the profiles below; the row matching most known columns wins.

use serde::Serialize;

use super::grid::SheetRow;

/// What a column holds, in docket's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    CommentNumber,
    Commenter,
    Organization,
    Volume,
    Type,
    Section,
    Paragraph,
    Page,
    Line,
    LineEnd,
    Comment,
    SuggestedChange,
    /// A body's answer (`Observations of the secretariat`, `Resolution`):
    /// recognised so the header is found, kept with the unknown columns.
    Resolution,
}

/// Families of templates. The one matching best is reported; the mapping
/// uses every profile's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Nist,
    Iso,
    Ieee,
    Dod,
    Ntia,
    Generic,
}

impl Profile {
    pub fn label(self) -> &'static str {
        match self {
            Profile::Nist => "NIST comment template",
            Profile::Iso => "ISO/IEC template for comments",
            Profile::Ieee => "IEEE 802 comment spreadsheet",
            Profile::Dod => "DoD/NIAP comment resolution matrix",
            Profile::Ntia => "NTIA comment matrix",
            Profile::Generic => "comment table",
        }
    }
}

use Field as F;
use Profile as P;

/// Compact header keys (see `compact`) by profile.
const WORDS: &[(&str, Field, Profile)] = &[
    // Shared by most templates.
    ("comment", F::Comment, P::Generic),
    ("comments", F::Comment, P::Generic),
    ("commenttext", F::Comment, P::Generic),
    ("section", F::Section, P::Generic),
    ("page", F::Page, P::Generic),
    ("line", F::Line, P::Generic),
    ("type", F::Type, P::Generic),
    ("commenttype", F::Type, P::Generic),
    ("suggestedchange", F::SuggestedChange, P::Generic),
    ("proposedchange", F::SuggestedChange, P::Generic),
    ("commentnumber", F::CommentNumber, P::Generic),
    ("commentno", F::CommentNumber, P::Generic),
    ("commentid", F::CommentNumber, P::Generic),
    ("organization", F::Organization, P::Generic),
    ("organisation", F::Organization, P::Generic),
    ("commenter", F::Commenter, P::Generic),
    ("name", F::Commenter, P::Generic),
    ("recommendation", F::SuggestedChange, P::Generic),
    ("recommendedchange", F::SuggestedChange, P::Generic),
    ("disposition", F::Resolution, P::Generic),
    // NIST and its per-draft variants.
    ("comment#", F::CommentNumber, P::Nist),
    ("#", F::CommentNumber, P::Nist),
    ("publication", F::Volume, P::Nist),
    ("page#", F::Page, P::Nist),
    ("startingpage#", F::Page, P::Nist),
    ("startingpage", F::Page, P::Nist),
    ("line#", F::Line, P::Nist),
    ("startingline#", F::Line, P::Nist),
    ("startingline", F::Line, P::Nist),
    ("endingline#", F::LineEnd, P::Nist),
    ("endingline", F::LineEnd, P::Nist),
    ("submitter", F::Commenter, P::Nist),
    ("submittedby", F::Commenter, P::Nist),
    ("reference", F::Section, P::Nist),
    // ISO/IEC template for comments and secretariat observations, form 13B,
    // and the online ballot export.
    ("mbnc", F::CommentNumber, P::Iso),
    ("linenumber", F::Line, P::Iso),
    ("clausesubclause", F::Section, P::Iso),
    ("clausesubclauseannexfiguretable", F::Section, P::Iso),
    ("clausenb", F::Section, P::Iso),
    ("paragraphfiguretable", F::Paragraph, P::Iso),
    ("paragraphlistitemnote", F::Paragraph, P::Iso),
    ("typeofcomment", F::Type, P::Iso),
    ("subtype", F::Type, P::Iso),
    ("observationsofthesecretariat", F::Resolution, P::Iso),
    (
        "secretariatobservationsoneachcommentsubmitted",
        F::Resolution,
        P::Iso,
    ),
    ("secretariatobservations", F::Resolution, P::Iso),
    ("username", F::Commenter, P::Iso),
    ("resolutionstatus", F::Resolution, P::Iso),
    // IEEE 802 ballots.
    ("cid", F::CommentNumber, P::Ieee),
    ("clause", F::Section, P::Ieee),
    ("category", F::Type, P::Ieee),
    ("resnstatus", F::Resolution, P::Ieee),
    ("resolution", F::Resolution, P::Ieee),
    // DoD/NIAP comment resolution matrix.
    ("item", F::CommentNumber, P::Dod),
    ("paragraph", F::Paragraph, P::Dod),
    ("poc", F::Commenter, P::Dod),
    ("proposedchangerationale", F::SuggestedChange, P::Dod),
    ("decision", F::Resolution, P::Dod),
    // NTIA.
    ("reviewerinitials", F::Commenter, P::Ntia),
    ("agency", F::Organization, P::Ntia),
    ("reportversion", F::Volume, P::Ntia),
    ("agencysuggestedtextchange", F::SuggestedChange, P::Ntia),
    ("commentdisposition", F::Resolution, P::Ntia),
];

/// One column of the header row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// 0-based position in the row.
    pub index: usize,
    /// The header cell as written.
    pub header: String,
    /// `None`: kept verbatim as an extra field.
    pub field: Option<Field>,
}

/// The header row found in a sheet and what its columns hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Its row number as the spreadsheet shows it.
    pub row: u32,
    pub profile: Profile,
    pub columns: Vec<Column>,
}

impl Header {
    pub fn column_of(&self, field: Field) -> Option<&Column> {
        self.columns.iter().find(|c| c.field == Some(field))
    }
}

/// Rows of a sheet searched for the header.
pub const SEARCH_ROWS: u32 = 30;

/// Reduces a header cell to its compact key: parenthesised notes dropped,
/// lower-case ASCII letters, digits and `#` kept, trailing footnote digits
/// dropped (`Type of comment2` → `typeofcomment`). Line breaks inside a word
/// (`Publicatio\nn`) join up because all spacing goes.
pub fn compact(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            // Superscript footnote marks (`²`) are numeric but not ASCII.
            c if c.is_alphabetic() || c.is_ascii_digit() || c == '#' => {
                out.extend(c.to_lowercase())
            }
            _ => {}
        }
    }
    // Footnote digits glued to a word: only after letters, never a bare number.
    let trimmed = out.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.len() != out.len() && trimmed.chars().last().is_some_and(char::is_alphabetic) {
        return trimmed.to_owned();
    }
    out
}

/// The field a header cell names, and the profile it is typical of.
pub fn field_of(header: &str) -> Option<(Field, Profile)> {
    let key = compact(header);
    if let Some((_, field, profile)) = WORDS.iter().find(|(word, _, _)| *word == key) {
        return Some((*field, *profile));
    }
    // The NIST note under the comment column names it whatever the heading
    // (`NIST Question (Include rationale for comment)`).
    let full: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if full.contains("includerationaleforcomment") || full.contains("justificationforchange") {
        return Some((Field::Comment, Profile::Nist));
    }
    None
}

/// Finds the header among the first `SEARCH_ROWS` rows: the row naming the
/// most distinct known fields, at least two of them, one the comment text.
pub fn find(rows: &[SheetRow]) -> Option<(usize, Header)> {
    let mut best: Option<(usize, usize, Header)> = None;
    for (position, row) in rows.iter().enumerate() {
        if row.number > SEARCH_ROWS {
            break;
        }
        let Some((score, header)) = read_header(row) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, position, header));
        }
    }
    best.map(|(_, position, header)| (position, header))
}

fn read_header(row: &SheetRow) -> Option<(usize, Header)> {
    let mut columns = Vec::with_capacity(row.width());
    let mut seen: Vec<Field> = Vec::new();
    let mut votes = [0usize; 6];
    for (index, cell) in row.dense().into_iter().enumerate() {
        let found = field_of(cell);
        // A field named twice: the first column is it, the second is kept
        // as an extra field.
        let field = found.map(|(f, _)| f).filter(|f| !seen.contains(f));
        if let (Some(f), Some((_, profile))) = (field, found) {
            seen.push(f);
            votes[profile as usize] += 1;
        }
        columns.push(Column {
            index,
            header: cell.to_owned(),
            field,
        });
    }
    if seen.len() < 2 || !seen.contains(&Field::Comment) {
        return None;
    }
    let profile = [P::Nist, P::Iso, P::Ieee, P::Dod, P::Ntia]
        .into_iter()
        .filter(|p| votes[*p as usize] > 0)
        .max_by_key(|p| votes[*p as usize])
        .unwrap_or(P::Generic);
    Some((
        seen.len(),
        Header {
            row: row.number,
            profile,
            columns,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u32, cells: &[&str]) -> SheetRow {
        SheetRow::new(number, cells)
    }

    #[test]
    fn compact_keys_survive_wrapping_and_footnotes() {
        assert_eq!(
            compact("Comment\n(Include rationale for comment)"),
            "comment"
        );
        assert_eq!(
            compact("Publicatio\nn\n(Base,\n63A, 63B,\n63C)"),
            "publication"
        );
        assert_eq!(compact("Comment\n #"), "comment#");
        assert_eq!(compact("Type of comment2"), "typeofcomment");
        assert_eq!(compact("Type of comment²"), "typeofcomment");
        assert_eq!(compact("MB/\nNC1"), "mbnc");
        assert_eq!(compact("Page #"), "page#");
        assert_eq!(compact("#"), "#");
        assert_eq!(compact("2023"), "2023");
    }

    #[test]
    fn fields_of_real_headers() {
        let field = |h| field_of(h).map(|(f, _)| f);
        assert_eq!(field("Comment #"), Some(Field::CommentNumber));
        assert_eq!(
            field("Publication\n(Base, 63A, 63B, 63C)"),
            Some(Field::Volume)
        );
        assert_eq!(field("Clause/Subclause"), Some(Field::Section));
        assert_eq!(field("Paragraph/Figure/Table"), Some(Field::Paragraph));
        assert_eq!(
            field("Observations of the secretariat"),
            Some(Field::Resolution)
        );
        assert_eq!(field("Ending Line #"), Some(Field::LineEnd));
        assert_eq!(
            field("NIST Question\n(Include rationale for comment)"),
            Some(Field::Comment)
        );
        assert_eq!(field("Kantara Response"), None);
        assert_eq!(field("Organization:"), Some(Field::Organization));
    }

    #[test]
    fn header_is_found_below_title_rows() {
        let rows = vec![
            row(1, &["Comment Template for: NIST SP 800-63-4 Suite"]),
            row(4, &["Organization:", "", "Example Corp"]),
            row(
                8,
                &[
                    "Comment #",
                    "Publication\n(Base, 63A, 63B, 63C)",
                    "Section",
                    "Page #",
                    "Line #",
                    "Comment\n(Include rationale for comment)",
                    "Suggested Change",
                    "Notes",
                ],
            ),
            row(
                9,
                &["1", "63-Base", "5.1", "3", "386", "Text", "Change", ""],
            ),
        ];
        let (position, header) = find(&rows).unwrap();
        assert_eq!(position, 2);
        assert_eq!(header.row, 8);
        assert_eq!(header.profile, Profile::Nist);
        assert_eq!(header.columns[7].field, None);
        assert_eq!(header.column_of(Field::Comment).unwrap().index, 5);
    }

    #[test]
    fn iso_header_is_recognised_as_iso() {
        let rows = vec![row(
            1,
            &[
                "MB/NC",
                "Line number",
                "Clause/Subclause",
                "Paragraph/Figure/Table",
                "Type of comment",
                "Comments",
                "Proposed change",
                "Observations of the secretariat",
            ],
        )];
        let (_, header) = find(&rows).unwrap();
        assert_eq!(header.profile, Profile::Iso);
    }

    #[test]
    fn no_header_without_a_comment_column_or_beyond_row_30() {
        assert!(find(&[row(1, &["Section", "Page", "Line"])]).is_none());
        assert!(find(&[row(31, &["Section", "Comment"])]).is_none());
        assert!(find(&[row(1, &["Instructions"]), row(2, &["E = editorial"])]).is_none());
    }
}
