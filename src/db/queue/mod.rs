//! The editors' queue: a document's comments, filtered and searched, in
//! outline order, then page, then line. Search uses each back end's own
//! full-text index (SQLite FTS5 `comments_fts`, PostgreSQL's `search`
//! tsvector; migration 000005), so the query is built once per back end.
//! SQLite's index also holds each comment's document and section as words
//! (migration 000009), so a search is narrowed to its sections inside FTS5.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use std::collections::HashMap;

mod search;

use search::fts_expression;
pub use search::search_words;

use super::DbConnection;
use super::comments::Comment;
use super::schema::{comments, sections};

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
    /// Only comments with a disposition and no response (or a blank one):
    /// half answered, what a final table still refuses.
    pub no_response: bool,
    /// `Some(None)`: unassigned.
    pub assignee: Option<Option<i64>>,
    /// Part of the submitter's name or organisation (case-insensitive).
    pub submitter: Option<String>,
    pub conflicts_only: bool,
    /// Words that must all occur (stemmed) in the comment, suggested change
    /// or response.
    pub search: Option<String>,
    /// The public comments page: withdrawn comments are left out, and a
    /// search looks in the comment and the suggested change only, never
    /// in a response (which may be a draft).
    pub public: bool,
    /// Submissions whose comments are left out: those still arriving.
    /// `page` fills it in; callers leave it empty.
    pub hidden: Vec<i64>,
}

/// Where a filter looks: General, some outline nodes, or the whole document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope<'a> {
    General,
    Sections(&'a [i64]),
    Document,
}

impl QueueFilter {
    /// Where this filter looks; `general_only` wins over `sections`, as in
    /// the query (their conjunction matches nothing else).
    fn scope(&self) -> Scope<'_> {
        match (&self.sections, self.general_only) {
            (_, true) => Scope::General,
            (Some(ids), false) => Scope::Sections(ids),
            (None, false) => Scope::Document,
        }
    }

    /// This filter narrowed to one outline node (`None`: General).
    fn in_one_section(&self, section: Option<i64>) -> Self {
        Self {
            sections: section.map(|s| vec![s]),
            general_only: section.is_none(),
            ..self.clone()
        }
    }

    /// True when the filter only picks where comments are filed and what
    /// words they contain: what SQLite's full-text index alone can answer.
    fn is_scope_and_search_only(&self) -> bool {
        self.comment_type.is_none()
            && self.status.is_none()
            && self.disposition.is_none()
            && !self.no_response
            && self.assignee.is_none()
            && self.submitter.is_none()
            && !self.conflicts_only
            && !self.public
            && self.hidden.is_empty()
    }
}

/// The comments of `$document_id` that `$filter` lets through, as a boxed
/// query on `comments` alone: the submitter filter is a subquery, not a
/// join, so counting and paging read only the comments' index where they
/// can.
macro_rules! queue_query {
    ($document_id:expr, $filter:expr, $search_sql:expr) => {{
        let filter: &QueueFilter = $filter;
        let document_id: i64 = $document_id;
        let mut query = comments::table
            .filter(comments::document_id.eq(document_id))
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
        if filter.no_response {
            query = query.filter(comments::disposition.is_not_null()).filter(
                comments::response
                    .is_null()
                    .or(super::export_rows::blank_response()),
            );
        }
        match filter.assignee {
            Some(Some(user)) => query = query.filter(comments::assignee_id.eq(user)),
            Some(None) => query = query.filter(comments::assignee_id.is_null()),
            None => {}
        }
        if let Some(who) = &filter.submitter {
            let pattern = format!("%{}%", who.to_lowercase().replace(['%', '_'], ""));
            query = query.filter(
                sql::<Bool>(
                    "comments.submission_id IN (SELECT id FROM submissions WHERE document_id = ",
                )
                .bind::<BigInt, _>(document_id)
                .sql(" AND (lower(submitter_name) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR lower(organization) LIKE ")
                .bind::<Text, _>(pattern)
                .sql("))"),
            );
        }
        if filter.conflicts_only {
            query = query.filter(comments::tag_conflict.is_not_null());
        }
        if !filter.hidden.is_empty() {
            query = query.filter(comments::submission_id.ne_all(filter.hidden.clone()));
        }
        if filter.public {
            query = query.filter(comments::status.ne("withdrawn"));
        }
        if let Some(search) = &filter.search {
            let words = search_words(search);
            if !words.is_empty() {
                query = query.filter($search_sql(&words, filter));
            }
        }
        query
    }};
}

/// PostgreSQL: the words in the comment and suggested change alone (the
/// indexed `search` column also holds the response).
const PUBLIC_TEXT_MATCH: &str = "to_tsvector('english', coalesce(comments.body, '') || ' ' || coalesce(comments.suggested_change, '')) @@ plainto_tsquery('english', ";

/// Most matches of a search that are counted. A common word can match
/// most of a million comments; counting them all costs far more than the
/// page, so past this the total is `SEARCH_CAP + 1` ("more than").
pub const SEARCH_CAP: i64 = 10_000;

/// Within a section: page, then line; what lacks one comes after (the same
/// on both back ends, whose NULL ordering differs).
const IN_SECTION_ORDER: &str = "COALESCE(comments.page_sort, 2147483647), COALESCE(comments.line_start, 2147483647), comments.id";

/// One page of ids, on one concrete connection. Without a search, the
/// matches are counted per section (from the index where the filter
/// allows), and only the one or two sections the page falls in are sorted.
/// With one, the matches are sorted here: a full-text match is not in any
/// index order. A search matching more than [`SEARCH_CAP`] comments is
/// paged section by section instead (`$walk_sql` is the search condition
/// for one section), each section's matches read in order, and its total
/// is `SEARCH_CAP + 1`. `$count_matches` may count the matches, up to
/// `SEARCH_CAP + 1`, more cheaply than reading them (SQLite, from FTS5
/// alone; PostgreSQL, from a sample when there are clearly more, see
/// `search_sample`); without it the first `SEARCH_CAP + 1` are read to
/// find out.
macro_rules! page_ids {
    ($conn:expr, $document_id:expr, $filter:expr, $search_sql:expr, $count_matches:expr, $walk_sql:expr, $positions:expr, $offset:expr, $limit:expr) => {{
        let filter: &QueueFilter = $filter;
        let position = |section: Option<i64>| {
            section.map_or(i32::MAX, |s| {
                $positions.get(&s).copied().unwrap_or(i32::MAX - 1)
            })
        };
        // The ids of the page, read section by section in the given order;
        // a section whose match count is known (`Some`) and falls wholly
        // before the page is skipped without a query.
        macro_rules! walk_sections {
            ($sections:expr, $section_sql:expr) => {{
                let mut page = PageWalk::new($offset, $limit);
                for (section, known) in $sections {
                    if page.is_full() {
                        break;
                    }
                    if known.is_some_and(|n| page.skips_whole(n)) {
                        continue;
                    }
                    let one = filter.in_one_section(section);
                    let got: Vec<i64> = queue_query!($document_id, &one, $section_sql)
                        .order(sql::<Integer>(IN_SECTION_ORDER))
                        .limit(page.wanted())
                        .select(comments::id)
                        .load($conn)?;
                    page.take(got);
                }
                page.ids
            }};
        }
        let searching = filter
            .search
            .as_deref()
            .is_some_and(|s| !search_words(s).is_empty());
        if searching {
            let probe = SEARCH_CAP + 1;
            let counted_dense =
                $count_matches($conn, filter, probe)?.is_some_and(|n: i64| n >= probe);
            let found: Option<Vec<(i64, Option<i64>, Option<i32>, Option<i32>)>> = if counted_dense
            {
                None
            } else {
                Some(
                    queue_query!($document_id, filter, $search_sql)
                        .select((
                            comments::id,
                            comments::section_id,
                            comments::page_sort,
                            comments::line_start,
                        ))
                        .limit(probe)
                        .load($conn)?,
                )
            };
            if let Some(mut found) = found.filter(|f| (f.len() as i64) < probe) {
                found.sort_by_key(|&(id, section, page, line)| {
                    (
                        position(section),
                        page.unwrap_or(i32::MAX),
                        line.unwrap_or(i32::MAX),
                        id,
                    )
                });
                let total = found.len() as i64;
                let ids: Vec<i64> = found
                    .into_iter()
                    .skip(usize::try_from($offset).unwrap_or(usize::MAX))
                    .take(usize::try_from($limit).unwrap_or(0))
                    .map(|(id, ..)| id)
                    .collect();
                (ids, total)
            } else {
                // A common word: its matches are dense, so the page lies in
                // the first few sections of those in scope.
                let mut scope: Vec<Option<i64>> = match filter.scope() {
                    Scope::General => vec![None],
                    Scope::Sections(ids) => ids.iter().copied().map(Some).collect(),
                    Scope::Document => $positions.keys().copied().map(Some).chain([None]).collect(),
                };
                scope.sort_by_key(|&section| (position(section), section));
                let sections = scope.into_iter().map(|section| (section, None));
                let ids = walk_sections!(sections, $walk_sql);
                (ids, probe)
            }
        } else {
            // Counted here: a boxed query cannot be grouped. The section ids
            // come from the queue index alone.
            let mut per_section: HashMap<Option<i64>, i64> = HashMap::new();
            let sections: Vec<Option<i64>> = queue_query!($document_id, filter, $search_sql)
                .select(comments::section_id)
                .load($conn)?;
            for section in sections {
                *per_section.entry(section).or_default() += 1;
            }
            let mut counts: Vec<(Option<i64>, i64)> = per_section.into_iter().collect();
            counts.sort_by_key(|&(section, _)| (position(section), section));
            let total = counts.iter().map(|(_, n)| n).sum();
            let sections = counts.into_iter().map(|(section, n)| (section, Some(n)));
            let ids = walk_sections!(sections, $search_sql);
            (ids, total)
        }
    }};
}

/// One page of the queue (outline order, then page, then line) and the
/// number of comments the filter matches: exactly, except that a search
/// may answer `SEARCH_CAP + 1` for "more than [`SEARCH_CAP`]".
pub fn page(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    // The submissions hidden and the comments read of one moment.
    super::read_snapshot(conn, |conn| {
        page_in_snapshot(conn, document_id, filter, offset, limit)
    })
}

fn page_in_snapshot(
    conn: &mut DbConnection,
    document_id: i64,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Comment>, i64)> {
    if filter.scope() == Scope::Sections(&[]) {
        return Ok((Vec::new(), 0));
    }
    let filter = &QueueFilter {
        hidden: super::submissions::arriving_in(conn, document_id)?,
        ..filter.clone()
    };
    let positions: HashMap<i64, i32> = sections::table
        .filter(sections::document_id.eq(document_id))
        .select((sections::id, sections::position))
        .load(conn)?
        .into_iter()
        .collect();
    let (ids, total) = match conn {
        DbConnection::Sqlite(c) => {
            let fts = |words: &[String], filter: &QueueFilter| {
                sql::<Bool>(
                    "comments.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ",
                )
                .bind::<Text, _>(fts_expression(document_id, filter, words))
                .sql(")")
            };
            // Counted in FTS5 alone, without building the set of matches.
            let count_matches = |c: &mut diesel::SqliteConnection,
                                 filter: &QueueFilter,
                                 cap: i64|
             -> QueryResult<Option<i64>> {
                if !filter.is_scope_and_search_only() {
                    return Ok(None);
                }
                let words = search_words(filter.search.as_deref().unwrap_or_default());
                diesel::select(
                    sql::<BigInt>(
                        "(SELECT count(*) FROM (SELECT 1 FROM comments_fts WHERE comments_fts MATCH ",
                    )
                    .bind::<Text, _>(fts_expression(document_id, filter, &words))
                    .sql(" LIMIT ")
                    .bind::<BigInt, _>(cap)
                    .sql("))"),
                )
                .get_result(c)
                .map(Some)
            };
            page_ids!(
                c,
                document_id,
                filter,
                fts,
                count_matches,
                fts,
                positions,
                offset,
                limit
            )
        }
        DbConnection::Postgres(c) => {
            // A common word matches most rows of a section: testing each of
            // a few sections' rows beats building the full-text index's
            // bitmap of every match in the document. So a search within
            // sections that hold at most ROW_TEST_MAX comments, and each
            // step of a section walk, use a condition the index cannot
            // serve; larger scopes are left to the planner.
            let condition = |row_test: bool| {
                let search = if row_test {
                    "COALESCE(comments.search, ''::tsvector)"
                } else {
                    "comments.search"
                };
                move |words: &[String], filter: &QueueFilter| {
                    // The public page checks the words again in the public
                    // text alone (the index also holds responses); for
                    // editors the check folds away (`TRUE OR …`).
                    let (public, end) = if filter.public {
                        (PUBLIC_TEXT_MATCH, ")")
                    } else {
                        ("(TRUE OR ", " IS NULL)")
                    };
                    sql::<Bool>(search)
                        .sql(" @@ plainto_tsquery('english', ")
                        .bind::<Text, _>(words.join(" "))
                        .sql(") AND ")
                        .sql(public)
                        .bind::<Text, _>(words.join(" "))
                        .sql(end)
                }
            };
            let small_scope =
                scope_size(c, document_id, filter)?.is_some_and(|n| n <= ROW_TEST_MAX);
            let tsquery = condition(small_scope);
            let in_sections = condition(true);
            // A whole-document search for common words is told apart by
            // a sample, instead of reading its first `cap` matches.
            let count_matches = |c: &mut diesel::PgConnection,
                                 filter: &QueueFilter,
                                 cap: i64|
             -> QueryResult<Option<i64>> {
                if filter.scope() != Scope::Document || !filter.is_scope_and_search_only() {
                    return Ok(None);
                }
                let words = search_words(filter.search.as_deref().unwrap_or_default());
                let size = tallied(c, document_id, None)?;
                let dense = super::search_sample::clearly_more_than(
                    c,
                    document_id,
                    size,
                    &words.join(" "),
                    cap,
                )?;
                Ok(dense.then_some(cap))
            };
            page_ids!(
                c,
                document_id,
                filter,
                tsquery,
                count_matches,
                in_sections,
                positions,
                offset,
                limit
            )
        }
    };
    let rows = comments::table
        .filter(comments::id.eq_any(&ids))
        .select(Comment::as_select())
        .load(conn)?;
    Ok((in_order(&ids, rows), total))
}

/// Most comments a PostgreSQL search tests row by row (see `page`): about
/// 30 ms of `@@` on this project's 2-core benchmark machine.
const ROW_TEST_MAX: i64 = 30_000;

/// How many comments the filter's sections hold, from the dashboard's
/// tallies; `None` for the whole document.
fn scope_size(
    conn: &mut diesel::PgConnection,
    document_id: i64,
    filter: &QueueFilter,
) -> QueryResult<Option<i64>> {
    match filter.scope() {
        Scope::General => tallied(conn, document_id, Some(&[0])).map(Some),
        Scope::Sections(ids) => tallied(conn, document_id, Some(ids)).map(Some),
        Scope::Document => Ok(None),
    }
}

/// How many comments the tallies count under `keys` (`0`: General), or in
/// the whole document.
fn tallied(
    conn: &mut diesel::PgConnection,
    document_id: i64,
    keys: Option<&[i64]>,
) -> QueryResult<i64> {
    use super::schema::section_tallies;
    let mut query = section_tallies::table
        .filter(section_tallies::document_id.eq(document_id))
        .select(section_tallies::total)
        .into_boxed();
    if let Some(keys) = keys {
        query = query.filter(section_tallies::section_key.eq_any(keys));
    }
    let totals: Vec<i64> = query.load(conn)?;
    Ok(totals.iter().sum())
}

/// A page being filled from sections in order: how many matches are still
/// to be skipped before it starts, how many it still needs, and its ids.
struct PageWalk {
    skip: i64,
    need: i64,
    ids: Vec<i64>,
}

impl PageWalk {
    fn new(offset: i64, limit: i64) -> Self {
        Self {
            skip: offset,
            need: limit,
            ids: Vec::new(),
        }
    }

    fn is_full(&self) -> bool {
        self.need <= 0
    }

    /// Skips a section of `n` matches if all of them come before the page.
    fn skips_whole(&mut self, n: i64) -> bool {
        let before = n <= self.skip;
        if before {
            self.skip -= n;
        }
        before
    }

    /// How many of a section's first matches to read: those still to be
    /// skipped and those the page needs.
    fn wanted(&self) -> i64 {
        self.skip + self.need
    }

    /// A section's first matches, as many as [`wanted`](Self::wanted) or
    /// all it has.
    fn take(&mut self, got: Vec<i64>) {
        let here = got.len() as i64;
        if here <= self.skip {
            self.skip -= here;
            return;
        }
        let taken: Vec<i64> = got.into_iter().skip(self.skip as usize).collect();
        self.need -= taken.len() as i64;
        self.skip = 0;
        self.ids.extend(taken);
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
    fn a_page_walk_skips_then_takes_across_sections() {
        // Page 2 of 3 per page over sections of 2 and 1 (known) and then 4
        // matches: the first two are skipped without a query.
        let mut page = super::PageWalk::new(3, 3);
        assert!(page.skips_whole(2));
        assert_eq!(page.skip, 1);
        assert!(page.skips_whole(1));
        assert!(!page.skips_whole(4), "none of the page may be skipped");
        assert_eq!(page.wanted(), 3);
        page.take(vec![10, 11, 12]);
        assert_eq!(page.ids, [10, 11, 12]);
        assert!(page.is_full());
        // A section with fewer matches than are still to be skipped.
        let mut page = super::PageWalk::new(5, 2);
        page.take(vec![1, 2]);
        assert_eq!((page.skip, page.ids.len()), (3, 0));
        page.take(vec![3, 4, 5, 6]);
        assert_eq!(page.ids, [6]);
        assert!(!page.is_full());
    }
}
