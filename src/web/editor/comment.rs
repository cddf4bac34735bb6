//! `/editor/comments/{id}`: one comment with everything docket knows about
//! it (every cell, the original file, sheet and row, the submitter's other
//! comments, its history) and the triage form (`triage_form.rs`). A save
//! made on an old version is refused with 409: the page comes back with
//! what is stored now beside the editor's own values, nothing lost. Sent
//! by htmx (`HX-Request: true`), a save is answered with the triage section
//! alone, swapped in place: 200 saved, 409 and 422 as the page says them.
//! Opened from a queue (`?from=`), the page links back to it and to the
//! comments before and after it there (`queue_nav.rs`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::queue_nav::{self, QueueAddress, QueueNav};
use super::triage_form::{FormValues, Triage, TriageData, TriageFragment};
use super::{Chrome, SignedIn, flash, take_flash};
use crate::db::comments::Comment;

/// How many of its submission's comments a comment's page lists either side
/// of it (a spreadsheet may hold thousands).
const NEAR: i32 = 10;
use crate::db::{self, DbError};
use crate::triage::{self, TriageError};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, csrf, is_htmx, page, see_other};

tokened!(SaveForm);

#[derive(Template)]
#[template(path = "editor/comment.html")]
struct CommentPage {
    chrome: Chrome,
    flash: Option<String>,
    slug: String,
    document: String,
    c: Comment,
    submitter: String,
    organization: String,
    received: String,
    file: String,
    /// The submission came as a file (which can be had with replies).
    has_file: bool,
    extra: Vec<(String, String)>,
    problems: Vec<String>,
    /// The comments of its submission around it (at most `NEAR` either
    /// side), of `others_total` besides it; all of them are listed on the
    /// find page of `submission_number`.
    others: Vec<(i64, String, String)>,
    others_total: i64,
    submission_number: String,
    /// The other members of its duplicate cluster: id, tracking, submitter,
    /// disposition.
    similar: Vec<(i64, String, String, String)>,
    similar_total: usize,
    triage: Triage,
    /// The queue the page was opened from, when it was.
    nav: Option<QueueNav>,
    /// The queue of the section the comment is filed under, for the
    /// breadcrumb when the page was not opened from a queue.
    filed_queue: String,
}

/// The queue a comment page was opened from (`?from=`).
#[derive(Deserialize)]
pub struct FromQueue {
    #[serde(default)]
    from: Option<String>,
}

impl FromQueue {
    /// This page's address, keeping the queue it came from (a path of
    /// this site's editor pages; anything else is left out).
    fn page(&self, id: i64) -> String {
        let from = self
            .from
            .as_deref()
            .and_then(crate::web::auth::local_path)
            .filter(|path| path.starts_with("/editor/d/"));
        match from {
            Some(from) => queue_nav::comment_page(id, &from),
            None => format!("/editor/comments/{id}"),
        }
    }
}

/// Everything the page shows, loaded in one go.
async fn load(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    id: i64,
    from: &FromQueue,
) -> Result<CommentPage, WebError> {
    let me = who.user.id;
    let queue = from.from.clone();
    let loaded = state
        .db
        .run(move |conn| {
            let c = db::comments::find(conn, id)?;
            let document = db::documents::find_by_id(conn, c.document_id)?;
            let submission = db::submissions::find(conn, c.submission_id)?;
            let file = db::submissions::file_name(conn, c.submission_id)?;
            let others = (
                db::comments::near_in_submission(conn, c.submission_id, c.seq, NEAR)?,
                db::comments::count_for_submission(conn, c.submission_id)?,
            );
            let similar = match c.cluster_id {
                Some(cluster) => db::clusters::members(conn, c.document_id, cluster, 51)?,
                None => Vec::new(),
            };
            let data = TriageData::load(conn, &c)?;
            let address = queue.and_then(|q| QueueAddress::parse(&q, &document.slug));
            let nav = match address {
                Some(address) => queue_nav::load(
                    conn,
                    document.id,
                    &document.slug,
                    &data.outline,
                    &address,
                    c.id,
                    me,
                )?,
                None => None,
            };
            Ok::<_, DbError>((c, document, submission, file, (others, similar, nav), data))
        })
        .await
        .map_err(|e| not_found(e, id))?;
    let (c, document, submission, file, (others, similar, nav), data) = loaded;
    let similar: Vec<(i64, String, String, String)> = similar
        .into_iter()
        .filter(|m| m.id != c.id)
        .map(|m| {
            let from = if m.organization.is_empty() {
                m.submitter_name
            } else {
                format!("{} ({})", m.submitter_name, m.organization)
            };
            let answer = m.disposition.unwrap_or_default().replace('_', " ");
            (m.id, m.tracking_number, from, answer)
        })
        .collect();
    let extra = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&c.extra_json)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    let problems = serde_json::from_str::<Vec<serde_json::Value>>(&c.problems_json)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            p.get("message")
                .and_then(|m| m.as_str())
                .map_or_else(|| p.to_string(), str::to_owned)
        })
        .collect();
    let chrome = Chrome::new(who, session)?;
    let filed_queue = format!(
        "/editor/d/{}/s/{}",
        document.slug,
        c.section_id
            .map_or_else(|| "general".to_owned(), |s| s.to_string())
    );
    let mut triage = Triage::new(&c, &data, chrome.csrf.clone());
    triage.action = from.page(c.id);
    Ok(CommentPage {
        triage,
        nav,
        filed_queue,
        chrome,
        flash: take_flash(session),
        slug: document.slug,
        document: document.title,
        submitter: submission.submitter_name,
        organization: submission.organization,
        received: submission.received_at.date().to_string(),
        has_file: file.is_some(),
        file: file.unwrap_or_else(|| "typed into the web form".to_owned()),
        extra,
        problems,
        others_total: others.1 - 1,
        others: others
            .0
            .into_iter()
            .map(|(id, tracking, body)| (id, tracking, body.chars().take(120).collect()))
            .collect(),
        submission_number: submission.tracking_number.clone(),
        similar_total: similar.len(),
        similar: similar.into_iter().take(50).collect(),
        c,
    })
}

/// The triage section alone, as stored now.
async fn load_triage(state: &AppState, session: &Session, id: i64) -> Result<Triage, WebError> {
    let (c, data) = state
        .db
        .run(move |conn| {
            let c = db::comments::find(conn, id)?;
            let data = TriageData::load(conn, &c)?;
            Ok::<_, DbError>((c, data))
        })
        .await
        .map_err(|e| not_found(e, id))?;
    Ok(Triage::new(&c, &data, csrf::token(session)?))
}

fn not_found(e: DbError, id: i64) -> WebError {
    match e {
        e if e.is_not_found() => WebError::NotFound(format!("comment #{id} does not exist")),
        other => other.into(),
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    from: web::Query<FromQueue>,
) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &load(&state, &who, &session, id.into_inner(), &from).await?,
    )
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    #[serde(flatten)]
    values: FormValues,
}

pub async fn save(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    from: web::Query<FromQueue>,
    form: CsrfForm<SaveForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let SaveForm {
        version, values, ..
    } = form.into_inner();
    let outcome = match values.parse() {
        Err(problems) => Err(TriageError::Invalid(problems)),
        Ok(edit) => {
            let user = who.user.id;
            state
                .db
                .run(move |conn| Ok::<_, DbError>(triage::save(conn, id, version, &edit, user)))
                .await?
        }
    };
    if let Ok(saved) = &outcome {
        super::notify::assigned(&state, &who.user, std::slice::from_ref(saved)).await;
    }
    let saved = outcome.map(|saved| format!("Saved {}.", saved.comment.tracking_number));
    if is_htmx(&req) {
        let mut triage = load_triage(&state, &session, id).await?;
        let status = match saved {
            Ok(message) => {
                triage.saved = Some(message);
                StatusCode::OK
            }
            Err(failure) => triage.refuse(failure, values)?,
        };
        return page(status, &TriageFragment { triage });
    }
    match saved {
        Ok(message) => {
            flash(&session, message);
            Ok(see_other(&from.page(id)))
        }
        Err(failure) => {
            let mut comment_page = load(&state, &who, &session, id, &from).await?;
            let status = comment_page.triage.refuse(failure, values)?;
            page(status, &comment_page)
        }
    }
}
