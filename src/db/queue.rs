//! The editors' queue: a document's comments, filtered and searched, in
//! outline order, then page, then line. Search uses each back end's own
//! full-text index (SQLite FTS5 `comments_fts`, PostgreSQL's `search`
//! tsvector; migration 000005), so the query is built once per back end.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::DbConnection;
use super::comments::Comment;
use super::schema::{comments, sections, submissions};

/// What to show. Every field narrows the list; the default shows all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// These outline nodes (a section with its subsections); `None`: all.
    pub sections: Option<Vec<i64>>,
    /// Comments filed under no node (General, unresolved) only.
    pub general_only: bool,
    pub comment_type: Option<String>,
    pub status: Option<String>,
    /// `Some(None)`: no disposition yet.
    pub disposition: Option<Option<String>>,
    /// `Some(None)`: unassigned.
    pub assignee: Option<Option<i64>>,
    /// Part of the submitter's name or organisation (case-insensitive).
    pub submitter: Option<String>,
    pub conflicts_only: bool,
    /// Words that must all occur (stemmed) in the comment, suggested change
    /// or response.
    pub search: Option<String>,
}

/// The words of a search: letters and digits only (so `AND`, `*` or quotes
/// typed by an editor are just words), lower case, without English stop
/// words. PostgreSQL's `english` configuration drops those words and
/// SQLite's porter tokenizer does not; dropping them here makes a search
/// find the same comments on both back ends.
pub fn search_words(search: &str) -> Vec<String> {
    search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// PostgreSQL's `english.stop` (the Snowball list).
const STOP_WORDS: [&str; 127] = [
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

macro_rules! queue_query {
    ($conn:expr, $document_id:expr, $filter:expr, $search_sql:expr) => {{
        let filter: &QueueFilter = $filter;
        let mut query = comments::table
            .inner_join(submissions::table)
            .left_join(sections::table)
            .filter(comments::document_id.eq($document_id))
            .into_boxed();
        if let Some(ids) = &filter.sections {
            query = query.filter(comments::section_id.eq_any(ids.clone()));
        }
        if filter.general_only {
            query = query.filter(comments::section_id.is_null());
        }
        if let Some(kind) = &filter.comment_type {
            query = query.filter(comments::comment_type.eq(kind.clone()));
        }
        if let Some(status) = &filter.status {
            query = query.filter(comments::status.eq(status.clone()));
        }
        match &filter.disposition {
            Some(Some(d)) => query = query.filter(comments::disposition.eq(d.clone())),
            Some(None) => query = query.filter(comments::disposition.is_null()),
            None => {}
        }
        match filter.assignee {
            Some(Some(user)) => query = query.filter(comments::assignee_id.eq(user)),
            Some(None) => query = query.filter(comments::assignee_id.is_null()),
            None => {}
        }
        if let Some(who) = &filter.submitter {
            let pattern = format!("%{}%", who.to_lowercase().replace(['%', '_'], ""));
            query = query.filter(
                diesel::dsl::sql::<Bool>("(lower(submissions.submitter_name) LIKE ")
                    .bind::<Text, _>(pattern.clone())
                    .sql(" OR lower(submissions.organization) LIKE ")
                    .bind::<Text, _>(pattern)
                    .sql(")"),
            );
        }
        if filter.conflicts_only {
            query = query.filter(comments::tag_conflict.is_not_null());
        }
        if let Some(search) = &filter.search {
            let words = search_words(search);
            if !words.is_empty() {
                query = query.filter($search_sql(&words));
            }
        }
        query
    }};
}

/// The total, then one page: ids first (sorting thousands of narrow rows,
/// then loading the page's whole ones, beats sorting thousands of whole
/// rows), on one concrete connection.
macro_rules! page_of {
    ($conn:expr, $document_id:expr, $filter:expr, $search_sql:expr, $order:expr, $offset:expr, $limit:expr) => {{
        let total = queue_query!($conn, $document_id, $filter, $search_sql)
            .count()
            .get_result($conn)?;
        let ids: Vec<i64> = queue_query!($conn, $document_id, $filter, $search_sql)
            .order(($order(), comments::id))
            .offset($offset)
            .limit($limit)
            .select(comments::id)
            .load($conn)?;
        let rows = comments::table
            .filter(comments::id.eq_any(&ids))
            .select(Comment::as_select())
            .load($conn)?;
        Ok((in_order(&ids, rows), total))
    }};
}

/// One page of the queue and the number of comments the filter matches.
pub fn page(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    // Outline order, then page, then line; what lacks one comes after (the
    // same on both back ends, whose NULL ordering differs).
    let order = || {
        sql::<diesel::sql_types::Integer>(
            "COALESCE(sections.position, 2147483647), COALESCE(comments.page_sort, 2147483647), \
             COALESCE(comments.line_start, 2147483647)",
        )
    };
    match conn {
        DbConnection::Sqlite(c) => {
            let fts = |words: &[String]| {
                let expression = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" ");
                sql::<Bool>(
                    "comments.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ",
                )
                .bind::<Text, _>(expression)
                .sql(")")
            };
            page_of!(c, document_id, filter, fts, order, offset, limit)
        }
        DbConnection::Postgres(c) => {
            let tsquery = |words: &[String]| {
                sql::<Bool>("comments.search @@ plainto_tsquery('english', ")
                    .bind::<Text, _>(words.join(" "))
                    .sql(")")
            };
            page_of!(c, document_id, filter, tsquery, order, offset, limit)
        }
    }
}

/// `rows` in the order of `ids`.
fn in_order(ids: &[i64], mut rows: Vec<Comment>) -> Vec<Comment> {
    rows.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    rows
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_words_are_plain_words() {
        assert_eq!(
            super::search_words("  FDA \"premarket\" AND guid* -x "),
            ["fda", "premarket", "guid", "x"]
        );
        assert!(super::search_words("*** ").is_empty());
    }
}
