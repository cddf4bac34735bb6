//! The submission form: who you are, and a file or typed comments.

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::{Sent, closed_reason};
use crate::db::DbError;
use crate::db::pending::{self, PendingUpload};
use crate::documents;
use crate::intake::FormRow;
use crate::submissions::{MAX_EMAIL_CHARS, normalise_email, sender_too_long};
use crate::web::client::ClientAddr;
use crate::web::rate_limit::{Limited, Upload};
use crate::web::{AppState, WebError, csrf};

/// Typed-comment rows shown at first, and the most a page offers.
const ROWS: usize = 3;
const MAX_ROWS: usize = 50;
/// Most comments typed into one form; more belong in a file.
pub const MAX_TYPED: usize = 1000;

#[derive(Template)]
#[template(path = "submit/form.html")]
pub struct FormPage {
    pub slug: String,
    pub title: String,
    pub closed: Option<String>,
    pub csrf: String,
    pub name: String,
    pub organization: String,
    pub email: String,
    pub rows: Vec<FormRow>,
    pub more_rows: usize,
    pub errors: Vec<String>,
    /// The file size limit, in words (`50.0 MB`).
    pub max_size: String,
}

impl FormPage {
    fn render_with(&self, status: StatusCode) -> Result<HttpResponse, WebError> {
        crate::web::page(status, self)
    }
}

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    rows: Option<usize>,
}

/// The empty form (or, outside the comment period, why there is none).
pub async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<FormQuery>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let slug = slug.into_inner();
    let lookup = slug.clone();
    let document = state
        .db
        .run(move |conn| documents::find(conn, &lookup))
        .await?;
    let rows = query.rows.unwrap_or(ROWS).clamp(1, MAX_ROWS);
    FormPage {
        slug,
        closed: closed_reason(&document),
        title: document.title,
        csrf: csrf::token(&session)?,
        name: String::new(),
        organization: String::new(),
        email: String::new(),
        rows: vec![FormRow::default(); rows],
        more_rows: (rows + 5).min(MAX_ROWS),
        errors: Vec::new(),
        max_size: crate::intake::size_text(state.limits.max_file_bytes),
    }
    .render_with(StatusCode::OK)
}

/// The multipart form. Typed comments come as parallel lists, one entry
/// per row in page order.
#[derive(MultipartForm)]
pub struct SubmitForm {
    /// Optional so that a missing token is refused as a CSRF failure (403),
    /// not as a malformed form.
    csrf: Option<Text<String>>,
    name: Text<String>,
    organization: Text<String>,
    email: Text<String>,
    file: Option<Bytes>,
    kind: Vec<Text<String>>,
    section: Vec<Text<String>>,
    page: Vec<Text<String>>,
    line: Vec<Text<String>>,
    comment: Vec<Text<String>>,
    suggested_change: Vec<Text<String>>,
}

impl SubmitForm {
    /// The first text field holding a NUL character (PostgreSQL cannot
    /// store one; the edge's check does not read multipart bodies).
    fn field_with_nul(&self) -> Option<&'static str> {
        let has = |text: &str| text.contains('\0');
        [
            ("name", has(&self.name)),
            ("organization", has(&self.organization)),
            ("email", has(&self.email)),
        ]
        .into_iter()
        .chain(
            [
                ("kind", &self.kind),
                ("section", &self.section),
                ("page", &self.page),
                ("line", &self.line),
                ("comment", &self.comment),
                ("suggested_change", &self.suggested_change),
            ]
            .into_iter()
            .map(|(name, list)| (name, list.iter().any(|t| has(t)))),
        )
        .find_map(|(name, nul)| nul.then_some(name))
    }

    fn rows(&self) -> Vec<FormRow> {
        let at = |list: &Vec<Text<String>>, i: usize| {
            list.get(i).map(|t| t.0.clone()).unwrap_or_default()
        };
        (0..self.comment.len().max(self.section.len()))
            .map(|i| FormRow {
                kind: at(&self.kind, i),
                section: at(&self.section, i),
                page: at(&self.page, i),
                line: at(&self.line, i),
                comment: at(&self.comment, i),
                suggested_change: at(&self.suggested_change, i),
            })
            .collect()
    }
}

/// Checks the form and reads the file or typed rows; on success keeps the
/// upload for preview and redirects there, else shows the form again
/// with what to fix (422, or 413 for a file over the limit). Limited per
/// client address (`web::rate_limit`), checked before the body is read.
pub async fn send(
    _: Limited<Upload>,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    session: Session,
    MultipartForm(form): MultipartForm<SubmitForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, form.csrf.as_deref().map_or("", String::as_str))?;
    if let Some(field) = form.field_with_nul() {
        return Err(crate::web::nul::refused_field(field));
    }
    let slug = slug.into_inner();
    let lookup = slug.clone();
    let document = state
        .db
        .run(move |conn| documents::find(conn, &lookup))
        .await?;
    let rows = form.rows();
    let mut page = FormPage {
        slug: slug.clone(),
        closed: closed_reason(&document),
        title: document.title.clone(),
        csrf: csrf::token(&session)?,
        name: form.name.trim().to_owned(),
        organization: form.organization.trim().to_owned(),
        email: form.email.trim().to_owned(),
        more_rows: (rows.len() + 5).min(MAX_ROWS),
        rows: if rows.is_empty() {
            vec![FormRow::default(); ROWS]
        } else {
            rows.clone()
        },
        errors: Vec::new(),
        max_size: crate::intake::size_text(state.limits.max_file_bytes),
    };
    if page.closed.is_some() {
        return page.render_with(StatusCode::FORBIDDEN);
    }
    let email = normalise_email(&page.email);
    if page.name.is_empty() {
        page.errors
            .push("Give your name: editors need to know who sent the comments.".to_owned());
    }
    page.errors
        .extend(sender_too_long(&page.name, &page.organization, &page.email));
    if email.is_none() && page.email.chars().count() <= MAX_EMAIL_CHARS {
        page.errors.push("Give an e-mail address such as name@example.org: the receipt is sent there. It is never published.".to_owned());
    }
    // Browsers send an unnamed, empty part when no file was chosen; an empty
    // file that was chosen is read (and refused as empty).
    let file = form
        .file
        .filter(|f| !f.data.is_empty() || f.file_name.as_deref().is_some_and(|n| !n.is_empty()));
    // Blank rows keep their place (rows are numbered as on the form);
    // trailing ones are dropped.
    let mut typed = rows;
    while typed.last().is_some_and(FormRow::is_blank) {
        typed.pop();
    }
    if typed.len() > MAX_TYPED {
        page.errors.push(format!(
            "The form takes at most {MAX_TYPED} comments; put more in the comment template and upload it."
        ));
        page.rows.truncate(MAX_ROWS);
        return page.render_with(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let sent = match (file, typed.is_empty()) {
        (None, true) => {
            page.errors
                .push("Choose a file to upload, or type at least one comment below.".to_owned());
            None
        }
        (Some(_), false) => {
            page.errors.push(
                "Send either a file or typed comments, not both: clear the typed rows or the file."
                    .to_owned(),
            );
            None
        }
        (Some(file), true) => Some((
            Sent::File {
                name: file
                    .file_name
                    .clone()
                    .unwrap_or_else(|| "upload".to_owned()),
                bytes: file.data.to_vec(),
            },
            file.content_type.map(|m| m.to_string()),
        )),
        (None, false) => Some((Sent::Typed(typed), None)),
    };
    let (Some((sent, content_type)), Some(email), true) = (sent, email, page.errors.is_empty())
    else {
        return page.render_with(StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (sent, intake) = super::read(sent, state.limits.clone()).await?;
    let intake = match intake {
        Ok(intake) => intake,
        Err(error) => {
            let status = if matches!(error, crate::intake::IntakeError::TooLarge { .. }) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let what = match &sent {
                Sent::File { name, .. } => format!("“{name}” was not accepted: {error}."),
                Sent::Typed(_) => format!("The comments could not be read: {error}."),
            };
            page.errors.push(format!("{what} Nothing was stored."));
            return page.render_with(status);
        }
    };
    let is_file = matches!(sent, Sent::File { .. });
    let token = hex::encode(rand::random::<[u8; 24]>());
    let pending = PendingUpload {
        token: pending::key(&token),
        document_id: document.id,
        channel: match sent {
            Sent::File { .. } => "upload",
            Sent::Typed(_) => "form",
        }
        .to_owned(),
        submitter_name: page.name.clone(),
        organization: page.organization.clone(),
        email,
        file_name: match &sent {
            Sent::File { name, .. } => Some(name.clone()),
            Sent::Typed(_) => None,
        },
        content_type: content_type.or_else(|| {
            matches!(sent, Sent::File { .. }).then(|| "application/octet-stream".to_owned())
        }),
        form_json: match &sent {
            Sent::Typed(rows) => serde_json::to_string(rows).ok(),
            Sent::File { .. } => None,
        },
        bytes: match sent {
            Sent::File { bytes, .. } => Some(bytes),
            Sent::Typed(_) => None,
        },
        submission_id: None,
        created_at: crate::db::now(),
        client: super::client_key(&state.client_salt, ClientAddr::of(&req)),
        size_bytes: 0,
        preview: None,
    };
    let outline = super::preview::outline_of(&state, document.id).await?;
    let preview = super::preview::Preview::of(&intake, &outline, &pending);
    drop(intake);
    let mut pending = pending;
    pending.preview = serde_json::to_string(&preview).ok();
    pending.size_bytes = [
        pending.bytes.as_ref().map_or(0, Vec::len),
        pending.form_json.as_ref().map_or(0, String::len),
        pending.preview.as_ref().map_or(0, String::len),
    ]
    .iter()
    .sum::<usize>()
    .try_into()
    .unwrap_or(i64::MAX);
    let caps = state.uploads.clone();
    let kept = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                pending::insert_within(conn, &pending, &caps).map_err(DbError::from)
            })
        })
        .await
        .map_err(WebError::from);
    let forgotten = match kept {
        Ok(forgotten) => forgotten,
        // The form comes back as typed: a busy moment must not cost
        // anyone their comments.
        Err(WebError::Contended) => {
            page.errors.push(busy_message(is_file));
            let mut response = page.render_with(StatusCode::SERVICE_UNAVAILABLE)?;
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                crate::web::errors::RETRY_AFTER_SECONDS.into(),
            );
            return Ok(response);
        }
        Err(other) => return Err(other),
    };
    if forgotten > 0 {
        tracing::info!(
            forgotten,
            "unconfirmed uploads forgotten to make room for a new one"
        );
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/d/{slug}/submit/{token}")))
        .finish())
}

/// What the form says when the database stayed busy: what to do, and that
/// a file must be chosen again (browsers never fill a file input back in).
fn busy_message(is_file: bool) -> String {
    let again = if is_file {
        " Choose the file again and send the form."
    } else {
        " Your comments are below: send the form again."
    };
    format!("{}{again}", crate::web::errors::BUSY)
}
