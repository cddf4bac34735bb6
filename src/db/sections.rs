//! Outline nodes. An outline is always replaced whole (see `outline::store`).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::sections;
use crate::domain::SectionKind;

/// One node of a document's outline.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
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
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sections)]
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

/// Removes a document's outline. Comments keep their rows; their section tag
/// is cleared by the foreign key (`ON DELETE SET NULL`).
pub fn delete_for_document(conn: &mut DbConnection, document_id: i64) -> QueryResult<usize> {
    // Children first, so no row ever points at a deleted parent.
    diesel::update(sections::table.filter(sections::document_id.eq(document_id)))
        .set(sections::parent_id.eq(None::<i64>))
        .execute(conn)?;
    diesel::delete(sections::table.filter(sections::document_id.eq(document_id))).execute(conn)
}

/// Replaces a document's outline with `outline`, in one transaction: either
/// the whole new outline is stored or the old one stays. Returns the node count.
pub fn replace_outline(
    conn: &mut DbConnection,
    document_id: i64,
    outline: &crate::outline::Outline,
) -> QueryResult<usize> {
    use diesel::Connection;
    conn.transaction(|conn| {
        delete_for_document(conn, document_id)?;
        let mut ids: Vec<i64> = Vec::with_capacity(outline.nodes.len());
        for (position, node) in outline.nodes.iter().enumerate() {
            // Nodes come parents first, so a parent's id is already known.
            let parent_id = node.parent.and_then(|p| ids.get(p).copied());
            let (page_start, page_end) = match &node.pages {
                Some((start, end)) => (Some(start.as_str()), Some(end.as_str())),
                None => (None, None),
            };
            let id = insert(
                conn,
                NewSection {
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
                },
            )?;
            ids.push(id);
        }
        Ok(ids.len())
    })
}
