//! `/editor/comments/{id}`: one comment with everything docket knows about
//! it (every cell, the original file, sheet and row, the submitter's other
//! comments, its history) and the triage form. A save made on an old
//! version is refused with 409: the page comes back with what is stored
//! now beside the editor's own values, nothing lost.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use strum::IntoEnumIterator;

use super::{Chrome, SignedIn, flash, take_flash};
use crate::db::comments::Comment;
use crate::db::{self, DbError};
use crate::domain::{Disposition, TriageStatus};
use crate::triage::{self, SectionChoice, TriageEdit, TriageError};
use crate::web::{AppState, WebError, csrf, page, see_other};

#[derive(Template)]
#[template(path = "editor/comment.html")]
struct CommentPage {
    chrome: Chrome,
    flash: Option<String>,
    notice: Option<String>,
    errors: Vec<String>,
    slug: String,
    document: String,
    c: Comment,
    submitter: String,
    organization: String,
    received: String,
    file: String,
    filed: String,
    extra: Vec<(String, String)>,
    problems: Vec<String>,
    others: Vec<(i64, String, String)>,
    /// The other members of its duplicate cluster: id, tracking, submitter,
    /// disposition.
    similar: Vec<(i64, String, String, String)>,
    similar_total: usize,
    history: Vec<Change>,
    /// The form: the stored values, or the editor's after a refused save.
    form: FormValues,
    /// After a conflict: what is stored now, to compare.
    stored: Option<FormValues>,
    sections: Vec<(i64, String, i32)>,
    users: Vec<(i64, String)>,
    statuses: Vec<&'static str>,
    dispositions: Vec<&'static str>,
}

struct Change {
    at: String,
    who: String,
    field: String,
    old: String,
    new: String,
}

/// The triage form's fields as sent (and as shown back).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FormValues {
    #[serde(default)]
    section: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    duplicate_of: String,
}

impl FormValues {
    fn of(c: &Comment, duplicate_of: String) -> Self {
        Self {
            section: "keep".to_owned(),
            status: c.status.to_string(),
            disposition: c.disposition.0.map(|d| d.to_string()).unwrap_or_default(),
            response: c.response.clone().unwrap_or_default(),
            assignee: c.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            duplicate_of,
        }
    }

    /// Parses the form into an edit, or says what is wrong with it.
    fn parse(&self) -> Result<TriageEdit, Vec<String>> {
        let mut problems = Vec::new();
        let section = match self.section.as_str() {
            "" | "keep" => SectionChoice::Keep,
            "general" => SectionChoice::General,
            id => id.parse().map(SectionChoice::Node).unwrap_or_else(|_| {
                problems.push(format!("Section: “{id}” is not a node of the outline."));
                SectionChoice::Keep
            }),
        };
        let status = self.status.parse().unwrap_or_else(|_| {
            problems.push(format!("Status: “{}” is not a status.", self.status));
            TriageStatus::New
        });
        let disposition = match self.disposition.as_str() {
            "" => None,
            word => word.parse().map(Some).unwrap_or_else(|_| {
                problems.push(format!("Disposition: “{word}” is not a disposition."));
                None
            }),
        };
        let assignee = match self.assignee.as_str() {
            "" => None,
            id => id.parse().map(Some).unwrap_or_else(|_| {
                problems.push(format!("Assignee: “{id}” is not an account."));
                None
            }),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(TriageEdit {
            section,
            status,
            disposition,
            response: self.response.clone(),
            assignee,
            duplicate_of: self.duplicate_of.clone(),
        })
    }
}

/// Everything the page shows, loaded in one go.
async fn load(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    id: i64,
) -> Result<CommentPage, WebError> {
    let loaded = state
        .db
        .run(move |conn| {
            let c = db::comments::find(conn, id)?;
            let document = db::documents::find_by_id(conn, c.document_id)?;
            let submission = db::submissions::find(conn, c.submission_id)?;
            let file = db::submissions::file_name(conn, c.submission_id)?;
            let outline = db::sections::for_document(conn, c.document_id)?;
            let others = db::comments::for_submission(conn, c.submission_id)?;
            let similar = match c.cluster_id {
                Some(cluster) => db::clusters::members(conn, c.document_id, cluster, 51)?,
                None => Vec::new(),
            };
            let history = db::audit::for_comment(conn, id)?;
            let users = db::users::list(conn)?;
            let duplicate_of = match c.duplicate_of_id {
                Some(other) => db::comments::find(conn, other)?.tracking_number,
                None => String::new(),
            };
            Ok::<_, DbError>((
                c,
                document,
                submission,
                file,
                outline,
                (others, similar),
                history,
                users,
                duplicate_of,
            ))
        })
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => WebError::NotFound(format!("comment #{id} does not exist")),
            other => other.into(),
        })?;
    let (c, document, submission, file, outline, (others, similar), history, users, duplicate_of) =
        loaded;
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
    let name_of = |user: Option<i64>| {
        user.and_then(|u| users.iter().find(|x| x.id == u))
            .map_or_else(|| "docket".to_owned(), |u| u.name.clone())
    };
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
    Ok(CommentPage {
        chrome: Chrome::new(who, session)?,
        flash: take_flash(session),
        notice: None,
        errors: Vec::new(),
        slug: document.slug,
        document: document.title,
        submitter: submission.submitter_name,
        organization: submission.organization,
        received: submission.received_at.date().to_string(),
        file: file.unwrap_or_else(|| "typed into the web form".to_owned()),
        filed: triage::filed_now(&outline, &c),
        extra,
        problems,
        others: others
            .into_iter()
            .filter(|o| o.id != c.id)
            .map(|o| (o.id, o.tracking_number, o.body.chars().take(120).collect()))
            .collect(),
        history: history
            .into_iter()
            .map(|e| Change {
                at: format!(
                    "{} {:02}:{:02} UTC",
                    e.created_at.date(),
                    e.created_at.hour(),
                    e.created_at.minute()
                ),
                who: name_of(e.user_id),
                field: e.field.unwrap_or(e.action),
                old: e.old_value.unwrap_or_default(),
                new: e.new_value.unwrap_or_default(),
            })
            .collect(),
        similar_total: similar.len(),
        similar: similar.into_iter().take(50).collect(),
        form: FormValues::of(&c, duplicate_of),
        stored: None,
        sections: triage::section_choices(&outline),
        users: super::account_choices(&users),
        statuses: TriageStatus::iter().map(Into::into).collect(),
        dispositions: Disposition::iter().map(Into::into).collect(),
        c,
    })
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    page(
        StatusCode::OK,
        &load(&state, &who, &session, id.into_inner()).await?,
    )
}

#[derive(Deserialize)]
pub struct SaveForm {
    /// Defaulted, so a form without it is refused as a CSRF failure (403).
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
    id: web::Path<i64>,
    form: web::Form<SaveForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, &form.csrf)?;
    let id = id.into_inner();
    let SaveForm {
        version, values, ..
    } = form.into_inner();
    let failure = match values.parse() {
        Err(problems) => TriageError::Invalid(problems),
        Ok(edit) => {
            let user = who.user.id;
            let result = state
                .db
                .run(move |conn| Ok::<_, DbError>(triage::save(conn, id, version, &edit, user)))
                .await?;
            match result {
                Ok(saved) => {
                    super::notify::assigned(&state, &who.user, std::slice::from_ref(&saved)).await;
                    flash(
                        &session,
                        format!("Saved {}.", saved.comment.tracking_number),
                    );
                    return Ok(see_other(&format!("/editor/comments/{id}")));
                }
                Err(failure) => failure,
            }
        }
    };
    let mut comment_page = load(&state, &who, &session, id).await?;
    let status = match failure {
        TriageError::ChangedMeanwhile(_) => {
            comment_page.notice = Some(
                "Someone else saved this comment after you opened it, so nothing of yours was \
                 saved. What is stored now is shown beside your values, which are still in the \
                 form; saving again replaces theirs."
                    .to_owned(),
            );
            comment_page.stored = Some(comment_page.form.clone());
            StatusCode::CONFLICT
        }
        TriageError::Invalid(problems) => {
            comment_page.errors = problems;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        TriageError::NoSuchComment(id) => {
            return Err(WebError::NotFound(format!("comment #{id} does not exist")));
        }
        other => return Err(WebError::Unexpected(other.into())),
    };
    comment_page.form = values;
    page(status, &comment_page)
}
