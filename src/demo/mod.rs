//! The demo document, so a fresh docket has something to show: Draft
//! NISTIR 8200 with an outline whose ranges are illustrative (see the file).

use time::macros::date;

use crate::db::DbConnection;
use crate::documents::{self, DocumentError, DocumentSpec};
use crate::outline::{self, OutlineFormat};

pub const SLUG: &str = "nistir-8200";
const OUTLINE: &str = include_str!("nistir_8200_outline.toml");

/// What `load` did.
#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { sections: usize },
    AlreadyThere,
}

fn spec() -> DocumentSpec {
    DocumentSpec {
        slug: SLUG.to_owned(),
        title: "Draft NISTIR 8200, Interagency Report on Status of International \
                Cybersecurity Standardization for the Internet of Things (IoT)"
            .to_owned(),
        tracking_prefix: Some("NISTIR-8200".to_owned()),
        description: "The Interagency International Cybersecurity Standardization Working \
                      Group's draft report on the state of international cybersecurity \
                      standards for the Internet of Things, to inform policy makers and \
                      standards participants. (Demo document: its outline ranges are \
                      illustrative.)"
            .to_owned(),
        opens_on: Some(date!(2018 - 02 - 14)),
        closes_on: Some(date!(2018 - 04 - 18)),
    }
}

/// Loads the demo document and its outline, unless a document with its slug
/// exists. One transaction: a failure leaves nothing behind.
pub fn load(conn: &mut DbConnection) -> Result<DemoOutcome, DocumentError> {
    match documents::find(conn, SLUG) {
        Ok(_) => return Ok(DemoOutcome::AlreadyThere),
        Err(DocumentError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let outline = outline::parse(OUTLINE, OutlineFormat::Toml)?;
    let (_, sections) = documents::create_with_outline(conn, &spec(), &outline)?;
    Ok(DemoOutcome::Loaded { sections })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SectionKind;

    #[test]
    fn demo_outline_is_valid_and_has_the_announced_sections() {
        let outline = outline::parse(OUTLINE, OutlineFormat::Toml).unwrap();
        let numbers: Vec<&str> = outline
            .nodes
            .iter()
            .filter(|n| !n.kind.is_float())
            .map(|n| n.number.as_str())
            .collect();
        for wanted in [
            "4", "5", "5.1", "5.2", "5.3", "5.4", "5.5", "6", "7", "8", "9", "10", "D",
        ] {
            assert!(numbers.contains(&wanted), "{wanted} missing");
        }
        let d1 = outline.nodes.iter().find(|n| n.number == "D.1").unwrap();
        assert_eq!(outline.nodes[d1.parent.unwrap()].number, "D");
        let table = outline
            .nodes
            .iter()
            .find(|n| n.kind == SectionKind::Table)
            .unwrap();
        assert_eq!(outline.nodes[table.parent.unwrap()].number, "6");
        assert!(OUTLINE.contains("ILLUSTRATIVE"));
    }
}
