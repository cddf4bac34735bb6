//! `/editor/d/{slug}/reimport`: a disposition table edited offline, sent
//! back. The upload is read and compared (nothing written) and its preview
//! shown; the file waits in `table_uploads` until the editor applies it,
//! when it is compared again with what is stored then, so a save made in
//! between is a conflict, never overwritten.

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, SignedIn};
use crate::db::DbError;
use crate::db::table_uploads::{self, TableUpload};
use crate::documents;
use crate::export;
use crate::reimport::{self, Applied, Plan, ReimportError};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, csrf, format, page};

tokened!(ApplyForm);

/// Uploads never applied are forgotten after this long.
const KEEP_UPLOAD: time::Duration = time::Duration::days(1);

#[derive(Template)]
#[template(path = "editor/reimport.html")]
pub struct ReimportPage {
    chrome: Chrome,
    slug: String,
    title: String,
    /// Why the last upload could not be read.
    error: Option<String>,
    preview: Option<Preview>,
    applied: Option<Applied>,
}

/// The plan, as the page shows it.
pub struct Preview {
    token: String,
    file_name: String,
    /// `sheet "All comments", header on row 4`.
    found: String,
    versions: bool,
    /// Sheets with tracking numbers that were not read.
    other_sheets: Vec<String>,
    changes: Vec<Line>,
    conflicts: Vec<Line>,
    unmatched: Vec<(u32, String)>,
    problems: Vec<(u32, String, String)>,
    unchanged: usize,
}

/// A comment's answer now and in the file.
pub struct Line {
    row: u32,
    id: i64,
    tracking: String,
    stored: (String, String),
    file: (String, String),
}

impl ReimportPage {
    async fn load(
        state: &AppState,
        who: &SignedIn,
        session: &Session,
        slug: &str,
    ) -> Result<Self, WebError> {
        let lookup = slug.to_owned();
        let document = state
            .db
            .run(move |conn| documents::find(conn, &lookup))
            .await?;
        Ok(Self {
            chrome: Chrome::new(who, session)?,
            slug: document.slug,
            title: document.title,
            error: None,
            preview: None,
            applied: None,
        })
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let page_data = ReimportPage::load(&state, &who, &session, &slug).await?;
    page(StatusCode::OK, &page_data)
}

#[derive(MultipartForm)]
pub struct UploadForm {
    csrf: Option<Text<String>>,
    file: Option<Bytes>,
}

/// Reads the file, stores it for Apply, and shows what it would change.
pub async fn upload(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    MultipartForm(form): MultipartForm<UploadForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, form.csrf.as_deref().map_or("", String::as_str))?;
    let mut page_data = ReimportPage::load(&state, &who, &session, &slug).await?;
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        page_data.error = Some("Choose the disposition table to send back.".to_owned());
        return page(StatusCode::BAD_REQUEST, &page_data);
    };
    let file_name = file.file_name.clone().unwrap_or_else(|| "table".to_owned());
    let bytes = file.data.to_vec();
    let limits = state.limits.clone();
    let slug = slug.into_inner();
    let user_id = who.user.id;
    let outcome = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let plan = match reimport::plan(conn, document.id, &file_name, &bytes, &limits) {
                Ok(plan) => plan,
                Err(ReimportError::Database(e)) => return Err(WebError::from(e)),
                Err(other) => return Ok(Err(other.to_string())),
            };
            let now = crate::db::now();
            table_uploads::purge_before(conn, now - KEEP_UPLOAD).map_err(DbError::from)?;
            let upload = TableUpload {
                token: hex::encode(rand::random::<[u8; 24]>()),
                document_id: document.id,
                user_id,
                file_name,
                bytes,
                created_at: now,
            };
            table_uploads::insert(conn, &upload).map_err(DbError::from)?;
            Ok::<_, WebError>(Ok(preview(&upload, &plan)))
        })
        .await?;
    match outcome {
        Ok(preview) => {
            page_data.preview = Some(preview);
            page(StatusCode::OK, &page_data)
        }
        Err(message) => {
            page_data.error = Some(format::sentence(&message));
            page(StatusCode::UNPROCESSABLE_ENTITY, &page_data)
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ApplyForm {
    /// Missing is refused by the CSRF check (403), not by the form reader.
    #[serde(default)]
    csrf: String,
}

/// Compares the stored upload again and saves its changes.
pub async fn apply(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _: CsrfForm<ApplyForm>,
) -> Result<HttpResponse, WebError> {
    let (slug, token) = path.into_inner();
    let mut page_data = ReimportPage::load(&state, &who, &session, &slug).await?;
    let limits = state.limits.clone();
    let user_id = who.user.id;
    let result = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let Some(upload) =
                table_uploads::find(conn, &token, document.id, user_id).map_err(DbError::from)?
            else {
                return Ok(None);
            };
            // Taken before anything is saved, so a second Apply (a double
            // click) finds it gone instead of applying it again.
            if table_uploads::delete(conn, &token).map_err(DbError::from)? == 0 {
                return Ok(None);
            }
            let plan = reimport::plan(conn, document.id, &upload.file_name, &upload.bytes, &limits);
            // It was read for the preview, so it reads the same way now.
            let plan = plan.map_err(unexpected)?;
            let mut applied = match reimport::apply(conn, &plan, user_id) {
                Ok(applied) => applied,
                Err(error) => {
                    // Chunks saved before the failure stay saved. The upload
                    // waits again, so Apply can be pressed again: the rows
                    // saved already now match the file, and the new plan
                    // counts them unchanged instead of as conflicts.
                    if let Err(again) = table_uploads::insert(conn, &upload) {
                        tracing::warn!(error = %again, "a failed apply's upload could not be kept");
                    }
                    return Err(unexpected(error));
                }
            };
            applied.conflicts.extend(
                plan.conflicts
                    .iter()
                    .map(|c| c.comment.tracking_number.clone()),
            );
            Ok::<_, WebError>(Some((applied, preview(&upload, &plan))))
        })
        .await?;
    let Some((applied, preview)) = result else {
        return Err(WebError::NotFound(
            "that upload is not waiting any more (it was applied, or it is more than a day old); send the table again".to_owned(),
        ));
    };
    tracing::info!(
        user = user_id,
        saved = applied.saved,
        "disposition table applied"
    );
    page_data.applied = Some(applied);
    page_data.preview = Some(preview);
    page(StatusCode::OK, &page_data)
}

/// A database failure keeps its mapping (503, 404); the rest is a fault.
fn unexpected(error: ReimportError) -> WebError {
    match error {
        ReimportError::Database(e) => e.into(),
        other => WebError::Unexpected(other.into()),
    }
}

fn preview(upload: &TableUpload, plan: &Plan) -> Preview {
    let words =
        |d: Option<crate::domain::Disposition>| d.map_or("", export::disposition_label).to_owned();
    let line = |row: u32, c: &crate::db::comments::Comment, d, r: Option<&String>| Line {
        row,
        id: c.id,
        tracking: c.tracking_number.clone(),
        stored: (
            words(c.disposition.0),
            c.response.clone().unwrap_or_default(),
        ),
        file: (words(d), r.cloned().unwrap_or_default()),
    };
    let layout = &plan.layout;
    let found = match &layout.sheet {
        Some(name) => format!("sheet “{name}”, header on row {}", layout.header_row),
        None => format!("header on row {}", layout.header_row),
    };
    Preview {
        token: upload.token.clone(),
        file_name: upload.file_name.clone(),
        found: format!(
            "{found}; answers from {}",
            layout.answer_headers().join(" and ")
        ),
        versions: layout.has_versions(),
        other_sheets: plan.other_sheets.clone(),
        changes: plan
            .changes
            .iter()
            .map(|c| line(c.row, &c.comment, c.disposition, c.response.as_ref()))
            .collect(),
        conflicts: plan
            .conflicts
            .iter()
            .map(|c| {
                line(
                    c.row,
                    &c.comment,
                    c.answer.disposition,
                    c.answer.response.as_ref(),
                )
            })
            .collect(),
        unmatched: plan
            .unmatched
            .iter()
            .map(|u| (u.row, u.tracking.clone()))
            .collect(),
        problems: plan
            .problems
            .iter()
            .map(|p| (p.row, p.column.clone(), format::sentence(&p.message)))
            .collect(),
        unchanged: plan.unchanged,
    }
}
