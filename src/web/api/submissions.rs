//! `POST /api/v1/documents/{slug}/submissions`: comments sent as JSON,
//! read exactly like the web form's typed rows (the same parsing, the same
//! problems, the same limits), stored as a whole (`submissions::store_then`), with the same
//! receipt e-mail and receipt page. `?dry_run=true` reads and reports
//! without storing: the preview of the web form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{ApiProblem, ErrorBody, FiledComment, NewSubmission, SubmissionReceipt};
use super::{ApiResult, MaybeApiUser};
use crate::db::pending::{self, PendingUpload};
use crate::db::{self, DbConnection, DbError};
use crate::domain::Channel;
use crate::intake::{self, FormRow, IntakeError};
use crate::mail::Receipt;
use crate::submissions::{self, Request, Sender, Stored, SubmitError, normalise_email};
use crate::web::rate_limit::{ApiSubmit, Limited};
use crate::web::submit::closed_reason;
use crate::web::{ApiError, AppState, WebError};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubmitQuery {
    /// Read and report, store nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Sends comments on a document. Anyone may, while the comment period is
/// open; an editor's token may send them outside it too (stored as late
/// after it closes), as `docket import --late` does. At most 1,000
/// comments, as on the web form; more go in a template file. Problems
/// found in single comments do not stop the submission: they are listed
/// in the answer, as on the upload preview.
#[utoipa::path(
    operation_id = "create_submission",
    tag = "submissions",
    params(("slug" = String, Path, description = "The document's short name"), SubmitQuery),
    request_body = NewSubmission,
    responses(
        (status = 201, description = "Stored; `receipt_sent` says whether the receipt e-mail went out",
            body = SubmissionReceipt,
            headers(("Location" = String, description = "The receipt page"))),
        (status = 200, description = "A dry run: what would be stored", body = SubmissionReceipt),
        (status = 400, description = "The body is not the JSON described, or an unknown query parameter", body = ErrorBody),
        (status = 401, description = "A token was sent and does not work", body = ErrorBody),
        (status = 403, description = "The comment period is not open", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 413, description = "Too many comments", body = ErrorBody),
        (status = 422, description = "Name, e-mail or comments missing or unreadable", body = ErrorBody),
        (status = 429, description = "Too many submissions from this client address without a token; `Retry-After` says when to try again", body = ErrorBody),
    ),
    security((), ("token" = []))
)]
#[post("/documents/{slug}/submissions")]
pub async fn create(
    _: Limited<ApiSubmit>,
    who: MaybeApiUser,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<SubmitQuery>,
    body: web::Json<NewSubmission>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let slug = slug.into_inner();
    let document = state
        .db
        .run(move |conn| crate::documents::find(conn, &slug))
        .await?;
    let editor = who.0.is_some();
    if !editor && let Some(reason) = closed_reason(&document) {
        return Err(ApiError(WebError::Forbidden(format!(
            "{reason} Nothing was stored."
        ))));
    }
    let name = body.name.trim().to_owned();
    let organization = body.organization.trim().to_owned();
    let email = normalise_email(&body.email);
    let mut missing = Vec::new();
    if name.is_empty() {
        missing.push("`name` is empty: editors need to know who sent the comments".to_owned());
    }
    missing.extend(submissions::sender_too_long(
        &name,
        &organization,
        &body.email,
    ));
    if email.is_none() && body.email.trim().chars().count() <= submissions::MAX_EMAIL_CHARS {
        missing.push(format!(
            "`email` must be an e-mail address such as name@example.org, not “{}”",
            body.email.trim()
        ));
    }
    if body.comments.is_empty() {
        missing.push("`comments` is empty: send at least one comment".to_owned());
    }
    if body.comments.len() > crate::web::submit::MAX_TYPED {
        return Err(ApiError(WebError::TooLarge(format!(
            "{} comments were sent; at most {} go in one submission, as on the web form. \
             Put more in the comment template and upload it. Nothing was stored.",
            body.comments.len(),
            crate::web::submit::MAX_TYPED
        ))));
    }
    let (Some(email), true) = (email, missing.is_empty()) else {
        return Err(ApiError(WebError::Unprocessable(format!(
            "{}. Nothing was stored.",
            missing.join("; ")
        ))));
    };
    let rows: Vec<FormRow> = body
        .comments
        .into_iter()
        .map(|c| FormRow {
            kind: c.comment_type,
            section: c.section,
            page: c.page,
            line: c.line,
            comment: c.comment,
            suggested_change: c.suggested_change,
        })
        .collect();
    let limits = state.limits.clone();
    let read_rows = rows.clone();
    let intake = web::block(move || intake::from_form(&read_rows, &limits))
        .await
        .map_err(|e| ApiError(WebError::Unexpected(e.into())))?;
    let intake = intake.map_err(|error| {
        let message = format!("the comments could not be read: {error}. Nothing was stored.");
        ApiError(match error {
            IntakeError::TooLarge { .. } | IntakeError::TooManyRows { .. } => {
                WebError::TooLarge(message)
            }
            _ => WebError::Unprocessable(message),
        })
    })?;
    let problems: Vec<ApiProblem> = intake.problems().map(ApiProblem::from).collect();
    if query.dry_run {
        return Ok(HttpResponse::Ok().json(SubmissionReceipt {
            tracking: None,
            receipt_url: None,
            comments: intake.comments.len(),
            problems,
            stored: false,
            receipt_sent: false,
            filed: Vec::new(),
        }));
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    let sender = Sender {
        name: Some(name.clone()),
        organization: Some(organization.clone()),
        email: Some(email.clone()),
    };
    let pending = PendingUpload {
        token: pending::key(&token),
        document_id: document.id,
        channel: "form".to_owned(),
        submitter_name: name.clone(),
        organization,
        email: email.clone(),
        file_name: None,
        content_type: None,
        bytes: None,
        form_json: serde_json::to_string(&rows).ok(),
        submission_id: None,
        client: String::new(),
        size_bytes: 0,
        preview: None,
        created_at: db::now(),
    };
    let receipt_url = format!("{}/receipt/{token}", state.public_url);
    // Queued in the submission's own transaction (see `mail::outbox`).
    let receipt = (!state.mailer.is_off()).then(|| ReceiptMail {
        title: document.title.clone(),
        url: receipt_url.clone(),
        name,
        email,
    });
    let receipt_sent = receipt.is_some();
    let (tracking, filed) = state
        .db
        .run(move |conn| store(conn, &document, &sender, &intake, pending, editor, receipt))
        .await?;
    if receipt_sent {
        state.outbox.wake();
    }
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("Location", receipt_url.clone()))
        .json(SubmissionReceipt {
            tracking: Some(tracking),
            receipt_url: Some(receipt_url),
            comments: filed.len(),
            problems,
            stored: true,
            receipt_sent,
            filed,
        }))
}

/// What the receipt e-mail needs besides the submission.
struct ReceiptMail {
    title: String,
    url: String,
    name: String,
    email: String,
}

/// Stores the submission, its receipt address and its queued receipt
/// e-mail together.
fn store(
    conn: &mut DbConnection,
    document: &crate::db::documents::Document,
    sender: &Sender,
    intake: &intake::Intake,
    mut pending: PendingUpload,
    editor: bool,
    receipt: Option<ReceiptMail>,
) -> Result<(String, Vec<FiledComment>), ApiError> {
    let request = Request {
        channel: Channel::Api,
        file: None,
        allow_late: editor,
        today: time::OffsetDateTime::now_utc().date(),
        transaction_time: crate::submissions::TRANSACTION_TIME,
    };
    // The receipt is queued, and the request remembered (`pending`), in
    // the transaction that makes the submission visible.
    let mut remember = |conn: &mut DbConnection, id: i64| {
        pending.submission_id = Some(id);
        pending::insert(conn, &pending).map_err(DbError::from)
    };
    let stored = submissions::store_then(
        conn,
        document,
        sender,
        request,
        intake,
        &mut |_| {},
        |conn, submission, comments| {
            if let Some(receipt) = &receipt {
                queue_receipt(conn, submission, comments, receipt)?;
            }
            remember(conn, submission.id)?;
            Ok::<_, SubmitError>(())
        },
    )
    .and_then(|stored| match stored {
        Stored::New { submission, .. } => Ok(submission),
        // Only files are recognised as sent before, and the API takes
        // none: no second receipt in any case.
        Stored::AlreadyReceived { submission } => {
            db::write_transaction(conn, |conn| remember(conn, submission.id))?;
            Ok(submission)
        }
    })
    .and_then(|submission| {
        let outline = db::sections::for_document(conn, document.id).map_err(DbError::from)?;
        let filed = db::comments::for_submission(conn, submission.id)
            .map_err(DbError::from)?
            .into_iter()
            .map(|c| FiledComment {
                section: crate::triage::filed_under(&outline, c.section_id),
                tracking: c.tracking_number,
            })
            .collect();
        Ok::<_, SubmitError>((submission.tracking_number, filed))
    });
    stored.map_err(|error| match error {
        SubmitError::Database(e) => e.into(),
        other => ApiError(WebError::Forbidden(format!("{other}. Nothing was stored."))),
    })
}

fn queue_receipt(
    conn: &mut DbConnection,
    submission: &db::submissions::Submission,
    comments: usize,
    receipt: &ReceiptMail,
) -> Result<(), DbError> {
    let message = Receipt {
        document_title: &receipt.title,
        tracking_number: &submission.tracking_number,
        comments,
        submitter_name: &receipt.name,
        receipt_url: &receipt.url,
    };
    crate::web::submit::queue_receipt(conn, submission.id, &receipt.email, &message)
}
