//! The preview of an upload: every row read, with its warnings, and Cancel,
//! which forgets it (Confirm is in `confirm.rs`).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::{Sent, closed_reason};
use crate::db::DbError;
use crate::db::documents::Document;
use crate::db::pending::{self, PendingUpload};
use crate::domain::TagSource;
use crate::intake::{FormRow, Intake};
use crate::submissions::TagSummary;
use crate::tagging::{Tagger, signals_of};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, csrf, see_other};

tokened!(TokenForm);

/// Rows shown in full on the preview; the rest are counted.
const SHOWN_ROWS: usize = 500;

#[derive(Template)]
#[template(path = "submit/preview.html")]
pub struct PreviewPage {
    slug: String,
    title: String,
    token: String,
    csrf: String,
    closed: Option<String>,
    preview: Preview,
}

/// What the preview shows of an upload, made once when it is read and
/// stored with it (`pending_uploads.preview`), so showing the preview again
/// (a reload, a shared link, many at once) never reads the file again.
#[derive(Debug, Serialize, Deserialize)]
pub struct Preview {
    source: String,
    read_as: String,
    submitter: String,
    organization: String,
    comments: usize,
    rows: Vec<PreviewRow>,
    hidden_rows: usize,
    file_notes: Vec<String>,
    problem_count: usize,
    /// Every row's warnings, in full (`Sheet1 row 58, "Line #": …`).
    warnings: Vec<String>,
    /// Whether the document has an outline to tag against.
    outline: bool,
    /// `3 by section, 1 by line, 2 general, 1 unresolved`.
    sections: String,
    /// Rows whose section was not found or whose signals disagree.
    section_notes: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PreviewRow {
    row: String,
    number: String,
    kind: String,
    section: String,
    page: String,
    line: String,
    comment: String,
    suggested_change: String,
    problems: Vec<String>,
    /// The section docket tagged the row with (empty without an outline).
    tagged: String,
}

/// The pending upload of this document, or 404. Without its file: only
/// Confirm reads that (`load_with_file`).
pub(super) async fn load(
    state: &AppState,
    slug: String,
    token: String,
) -> Result<(Document, PendingUpload), WebError> {
    load_pending(state, slug, token, false).await
}

/// [`load`], with the uploaded file's bytes.
pub(super) async fn load_with_file(
    state: &AppState,
    slug: String,
    token: String,
) -> Result<(Document, PendingUpload), WebError> {
    load_pending(state, slug, token, true).await
}

async fn load_pending(
    state: &AppState,
    slug: String,
    token: String,
    with_file: bool,
) -> Result<(Document, PendingUpload), WebError> {
    state
        .db
        .run(move |conn| {
            let document = crate::db::documents::find_by_slug(conn, &slug)?;
            let pending = if with_file {
                pending::find(conn, &token)?
            } else {
                pending::find_without_file(conn, &token)?
            };
            let pending = pending
                .filter(|p| p.document_id == document.id)
                .ok_or(diesel::result::Error::NotFound)?;
            Ok::<_, DbError>((document, pending))
        })
        .await
        .map_err(|e| match WebError::from(e) {
            WebError::NotFound(_) => WebError::NotFound(
                "This preview does not exist or has expired. Nothing of it was stored; please send the comments again."
                    .to_owned(),
            ),
            other => other,
        })
}

/// What was sent, taken out of a pending upload loaded with its file.
fn take_sent(pending: &mut PendingUpload) -> Result<Sent, WebError> {
    match (pending.bytes.take(), &pending.form_json) {
        (Some(bytes), _) => Ok(Sent::File {
            name: pending.file_name.clone().unwrap_or_default(),
            bytes,
        }),
        (None, Some(json)) => Ok(Sent::Typed(
            serde_json::from_str::<Vec<FormRow>>(json)
                .map_err(|e| WebError::Unexpected(e.into()))?,
        )),
        (None, None) => Err(WebError::NotFound(
            "This upload was already confirmed.".to_owned(),
        )),
    }
}

/// Reads a pending upload loaded with its file once more (Confirm stores
/// what it reads).
pub(super) async fn read_again(
    state: &AppState,
    pending: &mut PendingUpload,
) -> Result<(Sent, Intake), WebError> {
    let sent = take_sent(pending)?;
    // It was read once already; reading it again cannot fail unless the
    // limits changed in between.
    let (sent, intake) = super::read(sent, state.limits.clone()).await?;
    let intake = intake.map_err(|e| {
        WebError::BadRequest(format!(
            "The upload can no longer be read: {e}. Nothing was stored."
        ))
    })?;
    Ok((sent, intake))
}

/// Every row as read, with its warnings, and Confirm / Cancel.
pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let (slug, token) = path.into_inner();
    let (document, pending) = load(&state, slug.clone(), token.clone()).await?;
    if pending.submission_id.is_some() {
        return Ok(see_other(&format!("/receipt/{token}")));
    }
    let preview = match pending
        .preview
        .as_deref()
        .map(serde_json::from_str::<Preview>)
    {
        Some(Ok(preview)) => preview,
        // Stored before previews were kept, or by another version: read
        // the file again and keep what it shows, so it is read once.
        _ => {
            let (document, mut pending) =
                load_with_file(&state, slug.clone(), token.clone()).await?;
            let (_, intake) = read_again(&state, &mut pending).await?;
            let outline = outline_of(&state, document.id).await?;
            let preview = Preview::of(&intake, &outline, &pending);
            if let Ok(json) = serde_json::to_string(&preview) {
                let stored = pending.token.clone();
                state
                    .db
                    .run(move |conn| {
                        pending::keep_preview(conn, &stored, &json).map_err(DbError::from)
                    })
                    .await?;
            }
            preview
        }
    };
    let page = PreviewPage {
        slug,
        closed: closed_reason(&document),
        title: document.title,
        token,
        csrf: csrf::token(&session)?,
        preview,
    };
    crate::web::page(actix_web::http::StatusCode::OK, &page)
}

/// The document's outline, to tag the preview's rows against.
pub(super) async fn outline_of(
    state: &AppState,
    document_id: i64,
) -> Result<Vec<crate::db::sections::Section>, WebError> {
    Ok(state
        .db
        .run(move |conn| {
            crate::db::sections::for_document(conn, document_id).map_err(DbError::from)
        })
        .await?)
}

impl Preview {
    /// What the preview of `intake`, sent as `pending` says, with each row
    /// tagged against `outline`.
    pub(super) fn of(
        intake: &Intake,
        outline: &[crate::db::sections::Section],
        pending: &PendingUpload,
    ) -> Self {
        let tagger = Tagger::new(outline);
        let mut tags = TagSummary::new(!tagger.is_empty());
        let mut tagged = Vec::with_capacity(intake.comments.len().min(SHOWN_ROWS));
        for (i, c) in intake.comments.iter().enumerate() {
            let tag = tagger.tag(signals_of(c));
            let row = match &c.sheet {
                Some(sheet) => format!("{sheet} row {}", c.row),
                None => format!("row {}", c.row),
            };
            tags.add(&row, &tag);
            if i < SHOWN_ROWS {
                tagged.push(match (tag.section_id, tag.source) {
                    (Some(id), _) => tagger.label(id).unwrap_or_default(),
                    (None, TagSource::General) => "General".to_owned(),
                    (None, _) if tagger.is_empty() => String::new(),
                    (None, _) => "not found".to_owned(),
                });
            }
        }
        let mut rows: Vec<PreviewRow> = intake
            .comments
            .iter()
            .take(SHOWN_ROWS)
            .map(preview_row)
            .collect();
        for (row, section) in rows.iter_mut().zip(tagged) {
            row.tagged = section;
        }
        Preview {
            outline: tags.outline,
            sections: tags.describe(),
            section_notes: tags
                .unresolved
                .iter()
                .chain(&tags.conflicts)
                .take(SHOWN_ROWS)
                .cloned()
                .collect(),
            source: pending
                .file_name
                .clone()
                .unwrap_or_else(|| "comments typed into the form".to_owned()),
            read_as: describe(intake),
            submitter: pending.submitter_name.clone(),
            organization: pending.organization.clone(),
            comments: intake.comments.len(),
            hidden_rows: intake.comments.len().saturating_sub(SHOWN_ROWS),
            problem_count: intake.problems().count(),
            warnings: intake
                .comments
                .iter()
                .flat_map(|c| c.problems.iter())
                .take(SHOWN_ROWS)
                .map(ToString::to_string)
                .collect(),
            file_notes: intake
                .notes
                .iter()
                .take(SHOWN_ROWS)
                .map(ToString::to_string)
                .collect(),
            rows,
        }
    }
}

fn describe(intake: &Intake) -> String {
    let sheets: Vec<String> = intake
        .sheets
        .iter()
        .map(|s| match &s.name {
            Some(name) => format!(
                "sheet “{name}”, header on row {} ({})",
                s.header_row,
                s.profile.label()
            ),
            None => format!("header on row {} ({})", s.header_row, s.profile.label()),
        })
        .collect();
    if intake.format == crate::intake::FileFormat::Form {
        return "the web form".to_owned();
    }
    format!("{}: {}", intake.format.label(), sheets.join("; "))
}

fn preview_row(c: &crate::intake::ParsedComment) -> PreviewRow {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    PreviewRow {
        row: match &c.sheet {
            Some(sheet) => format!("{sheet} {}", c.row),
            None => c.row.to_string(),
        },
        number: text(&c.comment_number),
        kind: match (c.comment_type, &c.type_raw) {
            (Some(kind), Some(raw)) => format!("{kind} ({})", raw.trim()),
            (_, raw) => text(raw),
        },
        section: text(&c.section),
        page: text(&c.page_raw),
        line: text(&c.line_raw),
        comment: c.body.clone(),
        suggested_change: text(&c.suggested_change),
        problems: c.problems.iter().map(|p| p.message.clone()).collect(),
        tagged: String::new(),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    /// Defaults to empty so that a missing token is a CSRF refusal (403).
    #[serde(default)]
    pub(super) csrf: String,
}

/// Forgets the upload and returns to the empty form.
pub async fn cancel(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _: CsrfForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let (slug, token) = path.into_inner();
    let (_, pending) = load(&state, slug.clone(), token.clone()).await?;
    if pending.submission_id.is_none() {
        state
            .db
            .run(move |conn| pending::delete(conn, &pending.token).map_err(DbError::from))
            .await?;
    }
    Ok(see_other(&format!("/d/{slug}/submit")))
}
