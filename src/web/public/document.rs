//! `/d/{slug}`: a document's title, comment period and outline.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::documents::Period;
use crate::db::sections::{self, Section};
use crate::documents::{self, DocumentError};
use crate::web::format;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "public/document.html")]
pub struct DocumentPage {
    slug: String,
    title: String,
    description: String,
    period: String,
    status: &'static str,
    /// Received comments are listed at `/d/{slug}/comments`.
    posting: bool,
    outline: Vec<OutlineRow>,
}

struct OutlineRow {
    label: String,
    title: String,
    kind: &'static str,
    depth: i32,
    pages: String,
    lines: String,
}

pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<DocumentPage, WebError> {
    let slug = slug.into_inner();
    let (document, outline) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let outline = sections::for_document(conn, document.id)?;
            Ok::<_, DocumentError>((document, outline))
        })
        .await?;
    let today = time::OffsetDateTime::now_utc().date();
    Ok(DocumentPage {
        status: match document.period_on(today) {
            Period::Open => "Open for comment",
            Period::Upcoming => "Not yet open for comment",
            Period::Closed => "Comment period closed",
        },
        period: format::period(document.opens_on, document.closes_on),
        posting: document.public_posting,
        slug: document.slug,
        title: document.title,
        description: document.description,
        outline: outline.into_iter().map(OutlineRow::from).collect(),
    })
}

impl From<Section> for OutlineRow {
    fn from(s: Section) -> Self {
        Self {
            label: s.label(),
            kind: s.kind.into(),
            depth: s.depth,
            pages: format::range(s.page_start.clone(), s.page_end.clone()),
            lines: format::range(s.line_start, s.line_end),
            title: s.title,
        }
    }
}
