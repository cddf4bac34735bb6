//! `/editor/d/{slug}/s/{section}`: the comments of a section (with its
//! subsections), of the General bucket, or of the whole document (`all`),
//! in outline order, then page, then line; filtered by type, status,
//! disposition, assignee, submitter and tag conflicts, and searched with the
//! back end's full-text index, matches highlighted (a search that is a
//! tracking number opens what it names, as the editor bar's box does:
//! `find.rs`). 50 to a page.
//!
//! The page is a resolution table (`queue_row.rs`): each row shows where
//! the comment is and who sent it, its text and suggested change in full,
//! and its disposition and response, which are answered in the row
//! (`quick.rs`, saved in place with htmx, with an Undo). Keys move through
//! the rows and answer them while the table has the focus, unless the
//! editor turned them off (static/queue.js); every link and button works
//! without it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use strum::IntoEnumIterator;

use super::find::{self, Named};
use super::queue_row::{QUICK, QueueRow, QuickChoice, name_in};
use super::{Chrome, SignedIn, take_flash};
use crate::db::queue::{QueueFilter, search_words};
use crate::db::{self, sections::Section};
use crate::documents::{self, DocumentError};
use crate::domain::{CommentType, Disposition, TriageStatus};
use crate::triage;
use crate::web::{AppState, WebError, page, see_other};

pub(super) const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "editor/queue.html")]
struct QueuePage {
    chrome: Chrome,
    flash: Option<String>,
    /// This page's own address, to come back to after a bulk change.
    here: String,
    slug: String,
    document: String,
    which: String,
    heading: String,
    query: QueueQuery,
    total: i64,
    /// A search matched more than `cap` comments (and `total` says `cap + 1`).
    capped: bool,
    cap: i64,
    page: i64,
    pages: i64,
    /// The query string without `page`, for the page links.
    keep: String,
    rows: Vec<QueueRow>,
    /// The editor's single-key shortcuts are on.
    keys: bool,
    sections: Vec<(i64, String, i32)>,
    users: Vec<(i64, String)>,
    types: Vec<&'static str>,
    statuses: Vec<&'static str>,
    dispositions: Vec<&'static str>,
    quick: &'static [QuickChoice],
}

/// The filters as they appear in the address.
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct QueueQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    submitter: String,
    #[serde(default)]
    conflicts: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    pub(super) page: Option<i64>,
}

impl QueueQuery {
    /// The filters as a query string (without the page), for page links.
    pub(super) fn address(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("type", &self.kind),
            ("status", &self.status),
            ("disposition", &self.disposition),
            ("assignee", &self.assignee),
            ("submitter", &self.submitter),
            ("conflicts", &self.conflicts),
            ("q", &self.q),
        ] {
            if !value.is_empty() {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, WebError> {
    let (slug, which) = path.into_inner();
    let query = query.into_inner();
    // A tracking number typed into the search opens what it names.
    let typed = query.q.trim().to_owned();
    if find::looks_like_tracking(&typed) {
        match state.db.run(move |conn| find::lookup(conn, &typed)).await? {
            Named::Comment(id) => return Ok(see_other(&format!("/editor/comments/{id}"))),
            Named::Submission(submission) => {
                let number: String =
                    url::form_urlencoded::byte_serialize(submission.tracking_number.as_bytes())
                        .collect();
                return Ok(see_other(&format!("/editor/find?number={number}")));
            }
            Named::Nothing => {}
        }
    }
    let me = who.user.id;
    let wanted = query.page;
    let (filter_query, which_) = (query.clone(), which.clone());
    let (document, outline, users, heading, senders, (comments, total, page_number)) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let outline = db::sections::for_document(conn, document.id)?;
            let (mut filter, heading) = scope(&outline, &which_)?;
            apply(&mut filter, &filter_query, me);
            let found = super::page_or_last(wanted, PER_PAGE, |offset, limit| {
                db::queue::page(conn, document.id, &filter, offset, limit)
            })?;
            let users = db::users::list(conn)?;
            let mut submissions: Vec<i64> = found.0.iter().map(|c| c.submission_id).collect();
            submissions.sort_unstable();
            submissions.dedup();
            let senders = db::submissions::senders(conn, &submissions)?;
            Ok::<_, DocumentError>((document, outline, users, heading, senders, found))
        })
        .await?;
    let words = search_words(&query.q);
    // Only a search stops counting at the cap; without one the total is exact
    // (a document of a million comments has 20,000 pages, not 200).
    let capped = !words.is_empty() && total > db::queue::SEARCH_CAP;
    let name_of = |id: Option<i64>| name_in(&users, id);
    let rows = comments
        .into_iter()
        .map(|c| QueueRow::new(c, &outline, &words, &name_of, &senders))
        .collect();
    let keep = query.address();
    let here = format!(
        "/editor/d/{}/s/{which}?{keep}{}page={page_number}",
        document.slug,
        if keep.is_empty() { "" } else { "&" }
    );
    page(
        StatusCode::OK,
        &QueuePage {
            chrome: Chrome::new(&who, &session)?,
            flash: take_flash(&session),
            here,
            slug: document.slug,
            document: document.title,
            which,
            heading,
            query,
            total,
            capped,
            cap: db::queue::SEARCH_CAP,
            page: page_number,
            pages: ((if capped { db::queue::SEARCH_CAP } else { total } + PER_PAGE - 1) / PER_PAGE)
                .max(1),
            keep,
            rows,
            sections: triage::section_choices(&outline),
            users: super::account_choices(&users),
            types: CommentType::iter().map(Into::into).collect(),
            statuses: TriageStatus::iter().map(Into::into).collect(),
            dispositions: Disposition::iter().map(Into::into).collect(),
            quick: &QUICK,
            keys: who.user.key_shortcuts,
        },
    )
}

/// Which comments the path names: `all`, `general`, or a node id (with
/// every node below it).
pub(super) fn scope(
    outline: &[Section],
    which: &str,
) -> Result<(QueueFilter, String), DocumentError> {
    match which {
        "all" => Ok((QueueFilter::default(), "All comments".to_owned())),
        "general" => Ok((
            QueueFilter {
                general_only: true,
                ..QueueFilter::default()
            },
            "General and not found".to_owned(),
        )),
        id => {
            let node = id
                .parse::<i64>()
                .ok()
                .and_then(|id| outline.iter().find(|s| s.id == id))
                .ok_or_else(|| DocumentError::NoSuchNode(id.parse().unwrap_or(0)))?;
            Ok((
                QueueFilter {
                    sections: Some(crate::db::sections::OutlineTree::new(outline).subtree(node.id)),
                    ..QueueFilter::default()
                },
                triage::filed_under(outline, Some(node.id)),
            ))
        }
    }
}

/// The address's filters; unknown words are ignored (the form offers only
/// known ones), so an old link still works.
pub(super) fn apply(filter: &mut QueueFilter, q: &QueueQuery, me: i64) {
    let known = |value: &str, words: &[&str]| words.contains(&value).then(|| value.to_owned());
    let types: Vec<&str> = CommentType::iter().map(Into::into).collect();
    let statuses: Vec<&str> = TriageStatus::iter().map(Into::into).collect();
    let dispositions: Vec<&str> = Disposition::iter().map(Into::into).collect();
    filter.comment_type = known(&q.kind, &types);
    filter.status = known(&q.status, &statuses);
    filter.disposition = match q.disposition.as_str() {
        "none" => Some(None),
        d => known(d, &dispositions).map(Some),
    };
    filter.no_response = q.disposition == "no_response";
    filter.assignee = match q.assignee.as_str() {
        "" => None,
        "none" => Some(None),
        "me" => Some(Some(me)),
        id => id.parse().ok().map(Some),
    };
    filter.submitter = Some(q.submitter.trim().to_owned()).filter(|s| !s.is_empty());
    filter.conflicts_only = q.conflicts == "1";
    filter.search = Some(q.q.trim().to_owned()).filter(|s| !s.is_empty());
}
