//! Changing a document's outline (a whole new one, or one web edit) and
//! re-tagging its comments, always together in one transaction that holds
//! the document's row lock.

use crate::db::sections::OutlineChange;
use crate::db::{self, DbConnection};
use crate::outline::{self, Outline, OutlineEntry};
use crate::tagging::{Signals, Tagger};

use super::{DocumentError, find};

/// Replaces the outline of the document `slug` (see `replace_outline`)
/// and re-tags its comments against it, in one transaction.
pub fn import_outline(
    conn: &mut DbConnection,
    slug: &str,
    outline: &Outline,
) -> Result<(OutlineChange, RetagCounts), DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        db::documents::lock(conn, document.id)?;
        store_and_retag(conn, document.id, outline)
    })
}

/// Stores `outline` over the document's and re-tags. Comments tagged by
/// hand to a node that goes are handed back to automatic tagging first.
fn store_and_retag(
    conn: &mut DbConnection,
    document_id: i64,
    outline: &Outline,
) -> Result<(OutlineChange, RetagCounts), DocumentError> {
    let kept: std::collections::HashSet<(&str, &str)> = outline
        .nodes
        .iter()
        .map(|n| (n.volume.as_str(), n.lookup_key.as_str()))
        .collect();
    let going: Vec<i64> = db::sections::for_document(conn, document_id)?
        .into_iter()
        .filter(|s| !kept.contains(&(s.volume.as_str(), s.lookup_key.as_str())))
        .map(|s| s.id)
        .collect();
    let released = db::comments::release_manual_tags(conn, &going)?;
    let change = db::sections::replace_outline(conn, document_id, outline)?;
    let mut retagged = retag_document(conn, document_id)?;
    retagged.released = released;
    Ok((change, retagged))
}

/// One change to an outline from the web, applied to the stored outline
/// and checked by the same rules as a file.
#[derive(Clone, Debug)]
pub enum OutlineEdit {
    /// New title and ranges for a node (its number, kind and volume stay:
    /// they identify it, and comments hang on it).
    Update {
        id: i64,
        title: String,
        pages: (Option<String>, Option<String>),
        lines: (Option<String>, Option<String>),
    },
    /// A new node, placed after its parent's last descendant (else last).
    Add(OutlineEntry),
    /// Removes a node; a node with children is refused by the parent rule.
    Remove { id: i64 },
}

/// Applies `edit` to the outline of `slug`, provided it is still the
/// outline whose fingerprint the form carried, then re-tags; all in one
/// transaction, so two admins saving at once cannot undo each other.
pub fn edit_outline(
    conn: &mut DbConnection,
    slug: &str,
    fingerprint: &str,
    edit: OutlineEdit,
) -> Result<(OutlineChange, RetagCounts), DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        // Locked before reading, so a concurrent edit is seen, not overwritten.
        db::documents::lock(conn, document.id)?;
        let sections = db::sections::for_document(conn, document.id)?;
        if outline::fingerprint(&sections) != fingerprint {
            return Err(DocumentError::OutlineChanged);
        }
        let mut entries = outline::entries_of(&sections);
        let index_of = |id: i64| {
            sections
                .iter()
                .position(|s| s.id == id)
                .ok_or(DocumentError::NoSuchNode(id))
        };
        // An unnumbered node (front matter) is known by its title: when
        // that changes, its key moves with it, so it is updated in place.
        let mut renamed: Option<i64> = None;
        match edit {
            OutlineEdit::Update {
                id,
                title,
                pages,
                lines,
            } => {
                let section = &sections[index_of(id)?];
                let entry = &mut entries[index_of(id)?];
                entry.origin = format!("the form for {}", name_of(section));
                if section.number.is_empty() && section.title != title {
                    renamed = Some(id);
                }
                entry.title = title;
                (entry.page_start, entry.page_end) = pages;
                (entry.line_start, entry.line_end) = lines;
            }
            OutlineEdit::Add(mut entry) => {
                entry.origin = "the new node".to_owned();
                let at = insertion_point(&sections, &entry);
                entries.insert(at, entry);
            }
            OutlineEdit::Remove { id } => {
                entries.remove(index_of(id)?);
            }
        }
        let outline = outline::build(entries)?;
        if let Some(id) = renamed {
            let volume = &sections[index_of(id)?].volume;
            if let Some(node) = renamed_node(&outline, &sections, volume) {
                db::sections::set_lookup_key(conn, id, &node.lookup_key)?;
            }
        }
        store_and_retag(conn, document.id, &outline)
    })
}

/// The built node an edited unnumbered node became: the one unnumbered
/// node of its volume whose key no stored node has (only one node changed).
fn renamed_node<'a>(
    outline: &'a Outline,
    sections: &[db::sections::Section],
    volume: &str,
) -> Option<&'a crate::outline::OutlineNode> {
    outline.nodes.iter().find(|n| {
        n.number.is_empty()
            && n.volume == volume
            && !sections
                .iter()
                .any(|s| s.volume == n.volume && s.lookup_key == n.lookup_key)
    })
}

/// How the outline names a node in messages: `5.1`, `Table 3`, or the
/// title of unnumbered front matter.
pub fn name_of(section: &db::sections::Section) -> String {
    let label = section.label();
    if label.is_empty() {
        section.title.clone()
    } else {
        label
    }
}

/// Where a new node goes in document order when the outline gives no line
/// numbers to sort by (`build` orders siblings by line when all have them):
/// among its parent's children (found by lookup key, as `build` does) or
/// the volume's top-level nodes, before the first sibling numbered after
/// it; front matter before the first numbered node; else at the end.
fn insertion_point(sections: &[db::sections::Section], entry: &OutlineEntry) -> usize {
    let volume = entry.volume.trim();
    let number = entry.number.trim().trim_end_matches('.');
    let kind = entry.kind.as_deref().map(str::trim).unwrap_or_default();
    let key = |n: &str| n.trim().trim_end_matches('.').to_lowercase();
    let parent_key = entry
        .parent
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(key)
        .or_else(|| number.rsplit_once('.').map(|(up, _)| key(up)));
    let in_volume = |s: &&db::sections::Section| s.volume == volume && !s.kind.is_float();
    let (first, end, depth) = match parent_key {
        Some(parent_key) => {
            let Some(parent) = sections
                .iter()
                .position(|s| in_volume(&s) && s.lookup_key == parent_key)
            else {
                return sections.len();
            };
            let depth = sections[parent].depth;
            let end = sections[parent + 1..]
                .iter()
                .position(|s| s.depth <= depth)
                .map_or(sections.len(), |offset| parent + 1 + offset);
            (parent + 1, end, depth + 1)
        }
        None => {
            let Some(first) = sections.iter().position(|s| s.volume == volume) else {
                return sections.len();
            };
            let end = sections[first..]
                .iter()
                .position(|s| s.volume != volume)
                .map_or(sections.len(), |offset| first + offset);
            (first, end, 0)
        }
    };
    if kind == "table" || kind == "figure" {
        return end;
    }
    let front = kind == "front" || number.is_empty();
    sections[first..end]
        .iter()
        .position(|s| {
            s.depth == depth
                && !s.kind.is_float()
                && if front {
                    s.kind != crate::domain::SectionKind::Front
                } else {
                    s.kind != crate::domain::SectionKind::Front
                        && natural_order(&s.number, number).is_gt()
                }
        })
        .map_or(end, |offset| first + offset)
}

/// `4.2` < `4.10` < `A` < `A.2`: dotted parts compared as numbers when both
/// are numbers, else as text (so appendices follow the numbered sections).
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| {
        s.split('.')
            .map(|p| match p.parse::<u64>() {
                Ok(n) => (0, n, String::new()),
                Err(_) => (1, 0, p.to_lowercase()),
            })
            .collect::<Vec<_>>()
    };
    parts(a).cmp(&parts(b))
}

/// What re-tagging did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetagCounts {
    /// Comments looked at (all but those tagged by hand).
    pub checked: usize,
    /// Comments whose section, route or conflict changed.
    pub moved: usize,
    /// Hand-made tags whose section was removed, so tagged again.
    pub released: usize,
}

/// Re-runs section tagging for the document `slug` (hand-made tags stay).
pub fn retag(conn: &mut DbConnection, slug: &str) -> Result<RetagCounts, DocumentError> {
    let document = find(conn, slug)?;
    db::write_transaction(conn, |conn| {
        db::documents::lock(conn, document.id)?;
        Ok::<_, DocumentError>(retag_document(conn, document.id)?)
    })
}

/// Tags every comment of the document again that was not tagged by hand
/// (a submission arriving after its outline changed calls it too).
pub(crate) fn retag_document(
    conn: &mut DbConnection,
    document_id: i64,
) -> diesel::QueryResult<RetagCounts> {
    let tagger = Tagger::new(&db::sections::for_document(conn, document_id)?);
    let rows = db::comments::retaggable(conn, document_id)?;
    let mut retagged = RetagCounts {
        checked: rows.len(),
        ..RetagCounts::default()
    };
    for row in rows {
        let tag = tagger.tag(Signals {
            volume: row.volume_raw.as_deref(),
            section: row.section_raw.as_deref(),
            line: row.line_start,
            page: row.page_start.as_deref(),
        });
        let source: &str = tag.source.into();
        let same = tag.section_id == row.section_id
            && source == row.tag_source
            && tag.span == row.tag_span
            && tag.conflict == row.tag_conflict;
        if !same {
            retagged.moved += db::comments::set_tag(
                conn,
                row.id,
                tag.section_id,
                source,
                tag.span.as_deref(),
                tag.conflict.as_deref(),
            )?;
        }
    }
    Ok(retagged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sections::Section;
    use crate::outline::{OutlineFormat, parse};

    /// Stored rows of a CSV outline (no line numbers, so file order counts).
    fn stored(rows: &str) -> Vec<Section> {
        let text = format!("number,title,kind,volume\n{rows}");
        crate::outline::stored_for_tests(&parse(&text, OutlineFormat::Csv).unwrap())
    }

    fn new(number: &str, kind: Option<&str>, volume: &str, parent: Option<&str>) -> OutlineEntry {
        OutlineEntry {
            number: number.to_owned(),
            title: "New".to_owned(),
            kind: kind.map(str::to_owned),
            volume: volume.to_owned(),
            parent: parent.map(str::to_owned),
            ..OutlineEntry::default()
        }
    }

    const OUTLINE: &str = "Foreword,Foreword,front,\n\
        3,Three,,\n3,Table three,table,\n3.1,One,,\n3.3,Three three,,\n\
        4,Four,,\n4.10,Ten,,\nA,Annex,,\n1,Other volume,,63B\n";

    #[test]
    fn new_nodes_go_among_their_siblings_in_number_order() {
        let sections = stored(OUTLINE);
        let at = |entry: OutlineEntry| {
            let i = insertion_point(&sections, &entry);
            sections.get(i).map_or("end".to_owned(), name_of)
        };
        // Before 3.3, not after the table numbered 3.
        assert_eq!(at(new("3.2", None, "", None)), "3.3");
        assert_eq!(at(new("3.2.", None, "", None)), "3.3");
        assert_eq!(at(new("3.4", None, "", None)), "4");
        assert_eq!(at(new("4.9", None, "", None)), "4.10");
        assert_eq!(at(new("4.11", None, "", None)), "Appendix A");
        assert_eq!(at(new("2", None, "", None)), "3");
        assert_eq!(at(new("5", None, "", None)), "Appendix A");
        assert_eq!(at(new("B", None, "", None)), "1");
        assert_eq!(at(new("", Some("front"), "", None)), "3");
        assert_eq!(at(new("2", None, "63B", None)), "end");
        assert_eq!(at(new("7", Some("table"), "", Some("3"))), "4");
        assert_eq!(at(new("9.1", None, "", None)), "end");
    }

    #[test]
    fn numbers_compare_part_by_part() {
        use std::cmp::Ordering::*;
        assert_eq!(natural_order("4.2", "4.10"), Less);
        assert_eq!(natural_order("10", "9"), Greater);
        assert_eq!(natural_order("9", "A"), Less);
        assert_eq!(natural_order("A.2", "A.10"), Less);
        assert_eq!(natural_order("a", "A"), Equal);
    }
}
