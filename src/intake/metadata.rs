//! The rows above the header: title lines and label/value pairs such as
//! `Organization:` | | `Example Corp` or `Name of Submitter/POC: Jane Roe`.

use serde::Serialize;

use super::grid::SheetRow;
use super::header::compact;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// Rows that are not label/value pairs, cells joined by ` | `.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title_rows: Vec<String>,
    /// Every label/value pair as written (label without its colon).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitter_name: Option<String>,
    /// As written: may be a placeholder (`[REMOVED]`), not an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

impl Metadata {
    pub fn read(rows: &[SheetRow]) -> Self {
        let mut meta = Metadata::default();
        for row in rows {
            let cells: Vec<&str> = row.cells().map(|(_, c)| c.trim()).collect();
            match pair(&cells) {
                Some((label, value)) => meta.add(label, value),
                None => meta.title_rows.push(cells.join(" | ")),
            }
        }
        meta
    }

    /// Fills empty named fields from another sheet's metadata.
    pub fn merge(&mut self, other: Metadata) {
        for (mine, theirs) in [
            (&mut self.organization, other.organization),
            (&mut self.submitter_name, other.submitter_name),
            (&mut self.email, other.email),
            (&mut self.date, other.date),
            (&mut self.document, other.document),
        ] {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        self.title_rows.extend(other.title_rows);
        self.fields.extend(other.fields);
    }

    fn add(&mut self, label: String, value: String) {
        let slot = match compact(&label).as_str() {
            "organization" | "organisation" | "company" | "agency" | "submittingorganization" => {
                Some(&mut self.organization)
            }
            "nameofsubmitterpoc" | "nameofsubmitter" | "submitter" | "submittername" | "name"
            | "poc" | "pointofcontact" | "contact" | "submittedby" => {
                Some(&mut self.submitter_name)
            }
            "emailaddressofsubmitterpoc" | "emailofsubmitterpoc" | "emailaddress" | "email" => {
                Some(&mut self.email)
            }
            "date" => Some(&mut self.date),
            "document" | "documenttitle" | "reference" | "title" | "commenttemplatefor" => {
                Some(&mut self.document)
            }
            _ => None,
        };
        if let Some(slot) = slot
            && slot.is_none()
            && !value.is_empty()
        {
            *slot = Some(value.clone());
        }
        self.fields.push(Field { label, value });
    }
}

/// Labels that name their value without a colon (ISO exports: `Date`).
const BARE_LABELS: &[&str] = &["date", "reference", "title", "document", "organization"];

fn pair(cells: &[&str]) -> Option<(String, String)> {
    let first = cells.first()?;
    if let Some((label, inline)) = first.split_once(':')
        && !inline.starts_with("//")
        && !label.trim().is_empty()
        && label.split_whitespace().count() <= 6
    {
        let inline = inline.trim();
        let value = if inline.is_empty() {
            cells[1..].join(" ")
        } else {
            inline.to_owned()
        };
        return Some((label.trim().to_owned(), value));
    }
    if cells.len() >= 2 && BARE_LABELS.contains(&compact(first).as_str()) {
        return Some(((*first).to_owned(), cells[1..].join(" ")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u32, cells: &[&str]) -> SheetRow {
        SheetRow::new(number, cells)
    }

    #[test]
    fn reads_nist_title_rows() {
        let meta = Metadata::read(&[
            row(
                1,
                &["Comment Template for: NIST SP 800-63-4 Suite (Initial Public Draft)"],
            ),
            row(
                2,
                &["Please submit responses to dig-comments@nist.gov by March 24, 2023"],
            ),
            row(
                4,
                &[
                    "Organization:",
                    "",
                    "American Association of Motor Vehicle Administrators",
                ],
            ),
            row(5, &["Name of Submitter/POC: Juliana Cafik"]),
            row(6, &["Email Address of Submitter/POC:", "", "[REMOVED]"]),
            row(7, &["Date", "2023-04-14"]),
            row(8, &["See https://example.org/x"]),
        ]);
        assert_eq!(
            meta.organization.as_deref(),
            Some("American Association of Motor Vehicle Administrators")
        );
        assert_eq!(meta.submitter_name.as_deref(), Some("Juliana Cafik"));
        assert_eq!(meta.email.as_deref(), Some("[REMOVED]"));
        assert_eq!(meta.date.as_deref(), Some("2023-04-14"));
        assert_eq!(
            meta.title_rows,
            [
                "Please submit responses to dig-comments@nist.gov by March 24, 2023",
                "See https://example.org/x",
            ]
        );
        assert_eq!(meta.fields[0].label, "Comment Template for");
    }

    #[test]
    fn an_empty_label_leaves_the_field_empty() {
        let meta = Metadata::read(&[row(4, &["Organization:"])]);
        assert_eq!(meta.organization, None);
        assert_eq!(meta.fields.len(), 1);
    }
}
