//! `/d/{slug}/comments`: the comments received on a document whose policy
//! posts them publicly, by section in outline order, 50 to a page, with a
//! full-text search; once the disposition is published, each with its
//! disposition and response. Never an e-mail address, nor a comment its
//! submitter withdrew; a search looks in what the page shows.

use std::collections::HashMap;

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db;
use crate::db::comments::Comment;
use crate::db::queue::{self, QueueFilter, SEARCH_CAP};
use crate::db::sections::{self, Section};
use crate::documents::{self, DocumentError};
use crate::domain::{TagSource, TriageStatus};
use crate::export;
use crate::web::{AppState, WebError, format};

const PER_PAGE: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "public/comments.html")]
pub struct CommentsPage {
    slug: String,
    title: String,
    /// When the disposition was published, if it was.
    published: Option<String>,
    q: String,
    total: i64,
    /// The search matched more than it counts.
    more: bool,
    page: i64,
    pages: i64,
    groups: Vec<Group>,
}

/// Consecutive comments of one section.
struct Group {
    heading: String,
    comments: Vec<Posted>,
}

struct Posted {
    tracking: String,
    from: String,
    kind: &'static str,
    place: String,
    body: String,
    suggested_change: String,
    disposition: &'static str,
    response: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CommentsQuery {
    q: String,
    page: Option<i64>,
}

pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<CommentsQuery>,
) -> Result<CommentsPage, WebError> {
    let slug = slug.into_inner();
    let query = query.into_inner();
    let search = query.q.trim().to_owned();
    let wanted = query.page.unwrap_or(1);
    let loaded = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            if !document.public_posting {
                return Ok(None);
            }
            let outline = sections::for_document(conn, document.id)?;
            let filter = QueueFilter {
                search: Some(search).filter(|s| !s.is_empty()),
                public: true,
                ..QueueFilter::default()
            };
            let (rows, total, page) =
                crate::web::editor::page_or_last(Some(wanted), PER_PAGE, |offset, limit| {
                    queue::page(conn, document.id, &filter, offset, limit)
                })?;
            let mut senders = HashMap::new();
            for c in &rows {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    senders.entry(c.submission_id)
                {
                    let s = db::submissions::find(conn, c.submission_id)?;
                    slot.insert(sender_of(&s.submitter_name, &s.organization));
                }
            }
            Ok::<_, DocumentError>(Some((document, outline, rows, total, page, senders)))
        })
        .await?;
    let Some((document, outline, rows, total, page, senders)) = loaded else {
        return Err(WebError::NotFound(
            "the comments on this document are not posted publicly".to_owned(),
        ));
    };
    let published = document.published_at;
    let mut groups: Vec<Group> = Vec::new();
    let mut last = None;
    for c in rows {
        if last != Some(c.section_id) || groups.is_empty() {
            last = Some(c.section_id);
            groups.push(Group {
                heading: heading(&outline, &c),
                comments: Vec::new(),
            });
        }
        let posted = posted(&c, &senders, published.is_some());
        if let Some(group) = groups.last_mut() {
            group.comments.push(posted);
        }
    }
    Ok(CommentsPage {
        slug: document.slug,
        title: document.title,
        published: published.map(|at| format::date(at.date())),
        q: query.q,
        more: total > SEARCH_CAP,
        total: total.min(SEARCH_CAP),
        pages: ((total.min(SEARCH_CAP) + PER_PAGE - 1) / PER_PAGE).max(1),
        page,
        groups,
    })
}

/// `Jane Doe (Acme)`, or whichever of the two is given.
fn sender_of(name: &str, organization: &str) -> String {
    match (name.trim(), organization.trim()) {
        ("", "") => "Anonymous".to_owned(),
        (name, "") => name.to_owned(),
        ("", org) => org.to_owned(),
        (name, org) => format!("{name} ({org})"),
    }
}

fn heading(outline: &[Section], c: &Comment) -> String {
    match c
        .section_id
        .and_then(|id| outline.iter().find(|s| s.id == id))
    {
        Some(s) => format!("{} {}", s.cited(), s.title).trim().to_owned(),
        None if c.tag_source == TagSource::None => "Section not identified".to_owned(),
        None => "General".to_owned(),
    }
}

fn posted(c: &Comment, senders: &HashMap<i64, String>, published: bool) -> Posted {
    let from = match (c.commenter.as_deref(), c.organization.as_deref()) {
        (None, None) => senders.get(&c.submission_id).cloned().unwrap_or_default(),
        (name, org) => sender_of(name.unwrap_or(""), org.unwrap_or("")),
    };
    let place = [
        c.section_raw.as_deref().map(|s| format!("section {s}")),
        c.page_raw.as_deref().map(|p| format!("page {p}")),
        c.line_raw.as_deref().map(|l| format!("line {l}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    Posted {
        tracking: c.tracking_number.clone(),
        from,
        kind: c.comment_type.0.map_or("", |t| t.into()),
        place,
        body: c.body.clone(),
        suggested_change: c.suggested_change.clone().unwrap_or_default(),
        disposition: match c.disposition.0 {
            Some(d) if published && c.status == TriageStatus::Published => {
                export::disposition_label(d)
            }
            _ => "",
        },
        // Only what was published: an answer drafted since publication
        // waits for the next one.
        response: if published && c.status == TriageStatus::Published {
            c.response.clone().unwrap_or_default()
        } else {
            String::new()
        },
    }
}
