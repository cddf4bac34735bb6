//! Outline nodes, in document order (`position`). An outline is replaced as
//! a whole ([`replace_outline`], called by `documents`, which re-tags in the
//! same transaction). Nodes are matched by volume and `lookup_key`, so a
//! node that stays keeps its id, and with it its owner and its comments.

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

/// `id` and every node below it, from an outline in document order
/// (parents before their children): a section as queues and exports take
/// it, with its subsections.
pub fn subtree(outline: &[Section], id: i64) -> Vec<i64> {
    let mut ids = vec![id];
    for s in outline {
        if s.parent_id.is_some_and(|p| ids.contains(&p)) && !ids.contains(&s.id) {
            ids.push(s.id);
        }
    }
    ids
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
