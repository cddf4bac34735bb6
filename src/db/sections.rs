//! Outline nodes, in document order (`position`). An outline is replaced as
//! a whole ([`replace_outline`], called by `documents`, which re-tags in the
//! same transaction). Nodes are matched by volume and `lookup_key`, so a
//! node that stays keeps its id, and with it its owner and its comments.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::sections;
use crate::domain::SectionKind;

/// One node of a document's outline.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: i64,
    pub document_id: i64,
    pub parent_id: Option<i64>,
    pub volume: String,
    #[diesel(deserialize_as = String)]
    pub kind: SectionKind,
    pub number: String,
    pub lookup_key: String,
    pub title: String,
    pub position: i32,
    pub depth: i32,
    pub page_start: Option<String>,
    pub page_end: Option<String>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
    pub owner_id: Option<i64>,
}

impl Section {
    /// `Table 3`, `Figure 1`, `Appendix D` or just `5.1`, as readers cite it.
    pub fn label(&self) -> String {
        match self.kind {
            SectionKind::Table => format!("Table {}", self.number),
            SectionKind::Figure => format!("Figure {}", self.number),
            SectionKind::Appendix if !self.number.contains('.') => {
                format!("Appendix {}", self.number)
            }
            _ => self.number.clone(),
        }
    }

    /// [`Self::label`] after the volume in a multi-volume draft.
    pub fn cited(&self) -> String {
        in_volume(&self.volume, self.label())
    }
}

/// `label` after `volume` (`SP 800-63A 5.1`), where a multi-volume draft
/// makes the number alone ambiguous; alone in a single-volume one (`""`).
pub fn in_volume(volume: &str, label: String) -> String {
    if volume.is_empty() {
        label
    } else {
        format!("{volume} {label}")
    }
}

/// A document's outline as a tree: each node's parent and children, built
/// once from its nodes in document order, for what walks it (the
/// dashboard's chart, export's sheets and page breaks, a section with its
/// subsections in queues, exports and the API).
#[derive(Clone, Debug, Default)]
pub struct OutlineTree {
    parent: HashMap<i64, Option<i64>>,
    /// Each node's children in document order.
    children: HashMap<i64, Vec<i64>>,
    /// Each node's place in document order.
    rank: HashMap<i64, usize>,
}

impl OutlineTree {
    pub fn new(outline: &[Section]) -> Self {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for s in outline {
            if let Some(parent) = s.parent_id {
                children.entry(parent).or_default().push(s.id);
            }
        }
        Self {
            parent: outline.iter().map(|s| (s.id, s.parent_id)).collect(),
            children,
            rank: outline.iter().map(|s| s.id).zip(0..).collect(),
        }
    }

    /// The top-level node `id` lies under (itself at the top), following
    /// parents; a broken chain (a parent not in the outline) stops where
    /// it breaks. `None` for a node not in the outline.
    pub fn top(&self, id: i64) -> Option<i64> {
        let mut top = id;
        self.parent.get(&id)?;
        // At most one step per node, so a cycle cannot hang a page.
        for _ in 0..self.parent.len() {
            match self.parent.get(&top).copied().flatten() {
                Some(up) if self.parent.contains_key(&up) => top = up,
                _ => break,
            }
        }
        Some(top)
    }

    /// `id` and every node below it, in document order: a section as
    /// queues and exports take it, with its subsections.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut ids = vec![id];
        let mut next = 0;
        // Each node once, so a cycle cannot hang a page.
        let mut seen = std::collections::HashSet::from([id]);
        while let Some(&at) = ids.get(next) {
            next += 1;
            for child in self.children.get(&at).into_iter().flatten() {
                if seen.insert(*child) {
                    ids.push(*child);
                }
            }
        }
        // Found breadth first; put in the outline's order.
        ids.sort_by_key(|id| self.rank.get(id).copied().unwrap_or(usize::MAX));
        ids
    }
}

/// A node to insert, or the new values of an existing one.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = sections, treat_none_as_null = true)]
pub struct NewSection<'a> {
    pub document_id: i64,
    pub parent_id: Option<i64>,
    pub volume: &'a str,
    #[diesel(serialize_as = String)]
    pub kind: SectionKind,
    pub number: &'a str,
    pub lookup_key: &'a str,
    pub title: &'a str,
    pub position: i32,
    pub depth: i32,
    pub page_start: Option<&'a str>,
    pub page_end: Option<&'a str>,
    pub line_start: Option<i32>,
    pub line_end: Option<i32>,
}

/// Inserts one node and returns its id (children need their parent's id, so
/// outlines are inserted node by node, parents first).
pub fn insert(conn: &mut DbConnection, new: NewSection<'_>) -> QueryResult<i64> {
    diesel::insert_into(sections::table)
        .values(new)
        .returning(sections::id)
        .get_result(conn)
}

/// A document's outline in document order.
pub fn for_document(conn: &mut DbConnection, document_id: i64) -> QueryResult<Vec<Section>> {
    sections::table
        .filter(sections::document_id.eq(document_id))
        .order(sections::position)
        .select(Section::as_select())
        .load(conn)
}

/// What replacing an outline did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutlineChange {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

impl OutlineChange {
    pub fn total(&self) -> usize {
        self.added + self.updated
    }
}

/// Replaces a document's outline with `outline`, in one transaction: either
/// the whole new outline is stored or the old one stays.
///
/// Nodes are matched by volume and number (`lookup_key`) and updated in
/// place, so a node that survives keeps its id, and with it its owner and
/// the comments tagged to it; only nodes absent from the new outline go.
pub fn replace_outline(
    conn: &mut DbConnection,
    document_id: i64,
    outline: &crate::outline::Outline,
) -> QueryResult<OutlineChange> {
    use diesel::Connection;
    use std::collections::HashMap;
    conn.transaction(|conn| {
        let existing: HashMap<(String, String), i64> = sections::table
            .filter(sections::document_id.eq(document_id))
            .select((sections::volume, sections::lookup_key, sections::id))
            .load::<(String, String, i64)>(conn)?
            .into_iter()
            .map(|(volume, key, id)| ((volume, key), id))
            .collect();
        let mut change = OutlineChange::default();
        let mut ids: Vec<i64> = Vec::with_capacity(outline.nodes.len());
        for (position, node) in outline.nodes.iter().enumerate() {
            // Nodes come parents first, so a parent's id is already known.
            let parent_id = node.parent.and_then(|p| ids.get(p).copied());
            let (page_start, page_end) = match &node.pages {
                Some((start, end)) => (Some(start.as_str()), Some(end.as_str())),
                None => (None, None),
            };
            let row = NewSection {
                document_id,
                parent_id,
                volume: &node.volume,
                kind: node.kind,
                number: &node.number,
                lookup_key: &node.lookup_key,
                title: &node.title,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                depth: node.depth,
                page_start,
                page_end,
                line_start: node.lines.map(|l| l.0),
                line_end: node.lines.map(|l| l.1),
            };
            let id = match existing.get(&(node.volume.clone(), node.lookup_key.clone())) {
                Some(&id) => {
                    diesel::update(sections::table.find(id))
                        .set(row)
                        .execute(conn)?;
                    change.updated += 1;
                    id
                }
                None => {
                    change.added += 1;
                    insert(conn, row)?
                }
            };
            ids.push(id);
        }
        // Every kept node now points at a kept parent, so what is left over
        // can go (its own children are left over too). Counted, not taken
        // from the DELETE: SQLite leaves rows its cascade removed uncounted.
        change.removed = existing.len() - change.updated;
        diesel::delete(
            sections::table
                .filter(sections::document_id.eq(document_id))
                .filter(sections::id.ne_all(ids)),
        )
        .execute(conn)?;
        Ok(change)
    })
}

/// Gives a node a new lookup key (an unnumbered node whose title changed),
/// so that replacing the outline updates it in place instead of replacing it.
pub fn set_lookup_key(conn: &mut DbConnection, id: i64, key: &str) -> QueryResult<usize> {
    diesel::update(sections::table.find(id))
        .set(sections::lookup_key.eq(key))
        .execute(conn)
}

/// Gives node `id` of a document to an editor (`None`: to nobody); returns
/// whether the node was found.
pub fn set_owner(
    conn: &mut DbConnection,
    document_id: i64,
    id: i64,
    owner: Option<i64>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        sections::table
            .filter(sections::id.eq(id))
            .filter(sections::document_id.eq(document_id)),
    )
    .set(sections::owner_id.eq(owner))
    .execute(conn)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::{OutlineTree, Section};
    use crate::domain::SectionKind;

    /// Nodes `(id, parent)` in document order.
    fn outline(nodes: &[(i64, Option<i64>)]) -> Vec<Section> {
        nodes
            .iter()
            .zip(0..)
            .map(|(&(id, parent_id), position)| Section {
                id,
                document_id: 1,
                parent_id,
                volume: String::new(),
                kind: SectionKind::Section,
                number: id.to_string(),
                lookup_key: id.to_string(),
                title: String::new(),
                position,
                depth: 0,
                page_start: None,
                page_end: None,
                line_start: None,
                line_end: None,
                owner_id: None,
            })
            .collect()
    }

    #[test]
    fn nodes_lie_under_their_top_level_node() {
        // 1 { 2 { 3 }, 4 }, 5 { 6 }
        let tree = OutlineTree::new(&outline(&[
            (1, None),
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(1)),
            (5, None),
            (6, Some(5)),
        ]));
        let tops: Vec<_> = (1..=6).map(|id| tree.top(id)).collect();
        assert_eq!(tops, [1, 1, 1, 1, 5, 5].map(Some));
        assert_eq!(tree.top(9), None);
        assert_eq!(tree.subtree(1), [1, 2, 3, 4]);
        assert_eq!(tree.subtree(2), [2, 3]);
        assert_eq!(tree.subtree(6), [6]);
    }

    #[test]
    fn a_broken_or_circular_outline_ends_its_walks() {
        // 2's parent is not in the outline; 3 and 4 are each other's.
        let tree = OutlineTree::new(&outline(&[
            (2, Some(99)),
            (5, Some(2)),
            (3, Some(4)),
            (4, Some(3)),
        ]));
        assert_eq!(tree.top(5), Some(2));
        assert!(matches!(tree.top(3), Some(3 | 4)));
        assert_eq!(tree.subtree(3), [3, 4]);
        assert_eq!(tree.subtree(2), [2, 5]);
    }
}
