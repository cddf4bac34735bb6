//! `/d/{slug}/template.xlsx` and `/d/{slug}/template.csv`: the blank comment
//! template of a document, generated for it.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};

use crate::documents;
use crate::intake::template::{self, TemplateInfo};
use crate::web::{AppState, WebError};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The template of a document as an attachment (`.xlsx` or `.csv`; any
/// other extension is a 404).
pub async fn download(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (slug, extension) = path.into_inner();
    if extension != "xlsx" && extension != "csv" {
        return Err(WebError::NotFound(format!(
            "there is no .{extension} template"
        )));
    }
    let lookup = slug.clone();
    let document = state
        .db
        .run(move |conn| documents::find(conn, &lookup))
        .await?;
    let is_xlsx = extension == "xlsx";
    let bytes = web::block(move || {
        let info = TemplateInfo {
            title: &document.title,
            closes_on: document.closes_on,
        };
        if is_xlsx {
            template::xlsx(&info).map_err(anyhow::Error::from)
        } else {
            Ok(template::csv(&info))
        }
    })
    .await
    .map_err(|e| WebError::Unexpected(e.into()))??;
    let file_name = format!("{slug}-comment-template.{extension}");
    Ok(HttpResponse::Ok()
        .content_type(if is_xlsx {
            XLSX
        } else {
            "text/csv; charset=utf-8"
        })
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .body(bytes))
}
