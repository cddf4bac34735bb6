//! `/`: documents open for comment first, then upcoming, then closed.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::DbError;
use crate::db::documents::{self, Document, Period};
use crate::web::format;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    open: Vec<DocumentCard>,
    upcoming: Vec<DocumentCard>,
    closed: Vec<DocumentCard>,
}

struct DocumentCard {
    slug: String,
    title: String,
    period: String,
}

pub async fn show(state: web::Data<AppState>) -> Result<HomePage, WebError> {
    let all = state
        .db
        .run(|conn| documents::list(conn).map_err(DbError::from))
        .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut page = HomePage {
        open: Vec::new(),
        upcoming: Vec::new(),
        closed: Vec::new(),
    };
    for document in all {
        let bucket = match document.period_on(today) {
            Period::Open => &mut page.open,
            Period::Upcoming => &mut page.upcoming,
            Period::Closed => &mut page.closed,
        };
        bucket.push(DocumentCard::from(document));
    }
    // Open and upcoming: the nearest deadline first. Closed: the latest first.
    page.closed.reverse();
    Ok(page)
}

impl From<Document> for DocumentCard {
    fn from(d: Document) -> Self {
        Self {
            period: format::period(d.opens_on, d.closes_on),
            slug: d.slug,
            title: d.title,
        }
    }
}
