//! Public reads: documents, their outlines, the vocabulary.

use actix_web::{get, web};
use strum::IntoEnumIterator;

use super::ApiResult;
use super::model::{ApiDocument, ApiSection, ErrorBody, Vocabulary, Word};
use crate::db::{self, DbError};
use crate::documents;
use crate::domain::{CommentType, Disposition, TriageStatus};
use crate::export::{disposition_label, status_label};
use crate::web::AppState;

/// Every document, by the end of its comment period (soonest first;
/// those without one last).
#[utoipa::path(
    operation_id = "list_documents",
    tag = "documents",
    responses((status = 200, description = "Every document", body = Vec<ApiDocument>))
)]
#[get("/documents")]
pub async fn list(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<ApiDocument>>> {
    let found = state
        .db
        .run(|conn| db::documents::list(conn).map_err(DbError::from))
        .await?;
    Ok(web::Json(found.iter().map(ApiDocument::from).collect()))
}

/// One document.
#[utoipa::path(
    operation_id = "get_document",
    tag = "documents",
    params(("slug" = String, Path, description = "The document's short name")),
    responses(
        (status = 200, description = "The document", body = ApiDocument),
        (status = 404, description = "No such document", body = ErrorBody),
    )
)]
#[get("/documents/{slug}")]
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> ApiResult<web::Json<ApiDocument>> {
    let slug = slug.into_inner();
    let document = state
        .db
        .run(move |conn| documents::find(conn, &slug))
        .await?;
    Ok(web::Json(ApiDocument::from(&document)))
}

/// A document's outline, in document order.
#[utoipa::path(
    operation_id = "get_outline",
    tag = "documents",
    params(("slug" = String, Path, description = "The document's short name")),
    responses(
        (status = 200, description = "Its outline nodes", body = Vec<ApiSection>),
        (status = 404, description = "No such document", body = ErrorBody),
    )
)]
#[get("/documents/{slug}/outline")]
pub async fn outline(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> ApiResult<web::Json<Vec<ApiSection>>> {
    let slug = slug.into_inner();
    let outline = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            Ok::<_, documents::DocumentError>(db::sections::for_document(conn, document.id)?)
        })
        .await?;
    Ok(web::Json(outline.iter().map(ApiSection::from).collect()))
}

/// The dispositions, statuses and comment types, as the API spells them.
#[utoipa::path(
    operation_id = "get_vocabulary",
    tag = "documents",
    responses((status = 200, description = "The words", body = Vocabulary))
)]
#[get("/vocabulary")]
pub async fn vocabulary() -> web::Json<Vocabulary> {
    web::Json(Vocabulary {
        dispositions: Disposition::iter()
            .map(|d| Word {
                value: d.into(),
                label: disposition_label(d),
            })
            .collect(),
        statuses: TriageStatus::iter()
            .map(|s| Word {
                value: s.into(),
                label: status_label(s),
            })
            .collect(),
        types: CommentType::iter()
            .map(|t| Word {
                value: t.into(),
                label: match t {
                    CommentType::Editorial => "Editorial",
                    CommentType::General => "General",
                    CommentType::Technical => "Technical",
                    CommentType::Other => "Other",
                },
            })
            .collect(),
    })
}
