//! `/editor`: the documents an editor can work on.

use actix_session::Session;
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::{Chrome, SignedIn};
use crate::db::{self, DbError};
use crate::web::{AppState, WebError, format};

#[derive(Template, WebTemplate)]
#[template(path = "editor/home.html")]
pub struct HomePage {
    chrome: Chrome,
    documents: Vec<Row>,
}

struct Row {
    slug: String,
    title: String,
    period: String,
    comments: i64,
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HomePage, WebError> {
    let rows = state
        .db
        .run(|conn| {
            let mut rows = Vec::new();
            for d in db::documents::list(conn)? {
                rows.push(Row {
                    comments: db::comments::count_for_document(conn, d.id)?,
                    period: format::period(d.opens_on, d.closes_on),
                    slug: d.slug,
                    title: d.title,
                });
            }
            Ok::<_, DbError>(rows)
        })
        .await?;
    Ok(HomePage {
        chrome: Chrome::new(&who, &session)?,
        documents: rows,
    })
}
