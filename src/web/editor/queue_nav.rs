//! A comment page opened from a queue knows the queue (`?from=`, its
//! address with filters and page): the page links back to it and to the
//! previous and next comments in it, as a resolution spreadsheet's rows
//! follow each other. The neighbours are read from the queue itself, the
//! page the comment is on and one row either side, so they are the rows
//! the editor saw (a comment answered since that no longer matches the
//! queue's filters has none: the link back remains).

use super::queue::{PER_PAGE, QueueQuery, apply, scope};
use crate::db::sections::Section;
use crate::db::{self, DbConnection, DbError};

/// Where the comment sits in the queue it was opened from.
pub struct QueueNav {
    /// The queue's address, to go back to.
    pub back: String,
    /// The queue's heading (`5.1 Scope`, `All comments`).
    pub heading: String,
    pub previous: Option<Neighbour>,
    pub next: Option<Neighbour>,
}

/// A comment before or after, with the queue address its page links to.
pub struct Neighbour {
    /// `/editor/comments/{id}?from=…`.
    pub href: String,
}

/// A queue's address, as the comment page was given it: a path on this
/// site under the document's queues (`/editor/d/{slug}/s/{which}?…`).
pub struct QueueAddress {
    which: String,
    query: QueueQuery,
}

impl QueueAddress {
    /// `from`, if it is a queue of document `slug` on this site; anything
    /// else (another site, another document, any other page) is ignored.
    pub fn parse(from: &str, slug: &str) -> Option<Self> {
        let local = crate::web::auth::local_path(from)?;
        let (path, query) = local.split_once('?').unwrap_or((&local, ""));
        let which = path.strip_prefix(&format!("/editor/d/{slug}/s/"))?;
        if which.is_empty() || which.contains('/') {
            return None;
        }
        let query = actix_web::web::Query::<QueueQuery>::from_query(query)
            .ok()?
            .into_inner();
        Some(Self {
            which: which.to_owned(),
            query,
        })
    }

    /// The address of page `page` of this queue.
    fn at_page(&self, slug: &str, page: i64) -> String {
        let keep = self.query.address();
        format!(
            "/editor/d/{slug}/s/{}?{keep}{}page={page}",
            self.which,
            if keep.is_empty() { "" } else { "&" }
        )
    }
}

/// Comment `id`'s page, opened from the queue at `from` (a local path).
pub fn comment_page(id: i64, from: &str) -> String {
    let from: String = url::form_urlencoded::byte_serialize(from.as_bytes()).collect();
    format!("/editor/comments/{id}?from={from}")
}

/// The comment `id`'s place in the queue at `address` of document
/// `slug`, for user `me` (whose "assigned to me" filter it may use);
/// `None` when the queue's node is no longer in the outline.
pub fn load(
    conn: &mut DbConnection,
    document_id: i64,
    slug: &str,
    outline: &[Section],
    address: &QueueAddress,
    id: i64,
    me: i64,
) -> Result<Option<QueueNav>, DbError> {
    let Ok((mut filter, heading)) = scope(outline, &address.which) else {
        return Ok(None);
    };
    apply(&mut filter, &address.query, me);
    let page = address.query.page.unwrap_or(1).max(1);
    // The page, and the row before it and the one after.
    let first = (page - 1) * PER_PAGE;
    let start = (first - 1).max(0);
    let (rows, _) = db::queue::page(conn, document_id, &filter, start, PER_PAGE + 2)?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let neighbour = |at: usize| {
        let page_of = (start + at as i64) / PER_PAGE + 1;
        Neighbour {
            href: comment_page(ids[at], &address.at_page(slug, page_of)),
        }
    };
    let here = ids.iter().position(|&c| c == id);
    Ok(Some(QueueNav {
        back: address.at_page(slug, page),
        heading,
        previous: here.filter(|&at| at > 0).map(|at| neighbour(at - 1)),
        next: here
            .filter(|&at| at + 1 < ids.len())
            .map(|at| neighbour(at + 1)),
    }))
}

#[cfg(test)]
mod tests {
    use super::QueueAddress;

    #[test]
    fn only_a_queue_of_the_document_on_this_site_is_taken() {
        let q = QueueAddress::parse("/editor/d/doc/s/12?status=new&page=3", "doc").unwrap();
        assert_eq!(q.which, "12");
        assert_eq!(q.query.page, Some(3));
        assert_eq!(q.at_page("doc", 2), "/editor/d/doc/s/12?status=new&page=2");
        // Another site's address counts for its path only.
        let path_only = QueueAddress::parse("https://evil.example/editor/d/doc/s/all", "doc");
        assert_eq!(
            path_only.unwrap().at_page("doc", 1),
            "/editor/d/doc/s/all?page=1"
        );
        for other in [
            "//evil.example/editor/d/doc/s/all",
            "/editor/d/other/s/all",
            "/editor/d/doc/outline",
            "/editor/d/doc/s/",
            "/editor/d/doc/s/all/../../x",
            "javascript:alert(1)",
        ] {
            assert!(QueueAddress::parse(other, "doc").is_none(), "{other}");
        }
    }
}
