//! Editors' reads and changes: a document's comments with the queue's
//! filters, one comment, a change to one (`PATCH` with `If-Match`, the
//! optimistic locking of the comment page), and the disposition table.

use std::collections::HashMap;

use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use serde::Deserialize;
use strum::IntoEnumIterator;
use utoipa::IntoParams;

use super::model::{
    ApiComment, CommentPage, CommentPatch, Context, ErrorBody, ErrorDetail, PatchSection, Sender,
    StaleBody,
};
use super::{ApiResult, ApiUser};
use crate::db::comments::Comment;
use crate::db::queue::QueueFilter;
use crate::db::{self, DbConnection, DbError};
use crate::domain::{CommentType, Disposition, TriageStatus};
use crate::export::{self, ExportError};
use crate::triage::{self, SectionChoice, TriageEdit, TriageError};
use crate::web::editor::export::ExportQuery;
use crate::web::{ApiError, AppState, WebError};

const PER_PAGE: i64 = 50;
const MAX_PER_PAGE: i64 = 500;

/// The queue's filters. Unknown words are refused (400), listing the
/// known ones.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A section (with what lies below it), by label (`5.1`, `Table 3`,
    /// `63A 5.1`) or number; `general` for General and not found.
    section: Option<String>,
    /// A section (with what lies below it) by its outline id
    /// (`filed.section_id`, or `id` in the outline).
    section_id: Option<i64>,
    /// `editorial`, `general`, `technical` or `other`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    comment_type: Option<String>,
    status: Option<String>,
    /// A disposition, or `none` for comments without one.
    disposition: Option<String>,
    /// An account id, or `none` for unassigned comments.
    assignee: Option<String>,
    /// Part of the submitter's name or organisation.
    submitter: Option<String>,
    /// Only comments whose section, line and page disagree.
    conflicts: Option<bool>,
    /// Words that must all occur in the comment, suggested change or response.
    q: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 1 to 500; 50 when not given.
    per_page: Option<i64>,
}

fn word<T: std::str::FromStr + IntoEnumIterator + AsRef<str>>(
    value: &str,
    what: &str,
) -> Result<T, WebError> {
    crate::web::known_word(value, &format!("`{what}`"))
}

impl ListQuery {
    fn filter(&self, outline: &[db::sections::Section]) -> Result<QueueFilter, WebError> {
        let mut filter = QueueFilter::default();
        let node = match (self.section.as_deref().map(str::trim), self.section_id) {
            (Some(_), Some(_)) => {
                return Err(WebError::BadRequest(
                    "send `section` or `section_id`, not both".to_owned(),
                ));
            }
            (Some(general), None) if general.eq_ignore_ascii_case("general") => {
                filter.general_only = true;
                None
            }
            (Some(wanted), None) => {
                Some(export::find_section(outline, wanted).ok_or_else(|| {
                    WebError::NotFound(format!(
                        "no section “{wanted}” is in this document's outline \
                     (see /api/v1/documents/{{slug}}/outline)"
                    ))
                })?)
            }
            (None, Some(id)) => Some(outline.iter().find(|s| s.id == id).ok_or_else(|| {
                WebError::NotFound(format!(
                    "outline node {id} is not in this document's outline"
                ))
            })?),
            (None, None) => None,
        };
        if let Some(node) = node {
            filter.sections = Some(db::sections::OutlineTree::new(outline).subtree(node.id));
        }
        if let Some(t) = &self.comment_type {
            filter.comment_type = Some(word::<CommentType>(t, "type")?.to_string());
        }
        if let Some(s) = &self.status {
            filter.status = Some(word::<TriageStatus>(s, "status")?.to_string());
        }
        if let Some(d) = &self.disposition {
            filter.disposition = Some(match d.trim() {
                "none" => None,
                d => Some(word::<Disposition>(d, "disposition")?.to_string()),
            });
        }
        if let Some(a) = &self.assignee {
            filter.assignee = Some(match a.trim() {
                "none" => None,
                a => Some(a.parse().map_err(|_| {
                    WebError::BadRequest(format!(
                        "`assignee` must be an account id or `none`, not “{a}”"
                    ))
                })?),
            });
        }
        filter.submitter = self.submitter.clone().filter(|s| !s.trim().is_empty());
        filter.conflicts_only = self.conflicts.unwrap_or(false);
        filter.search = self.q.clone().filter(|q| !q.trim().is_empty());
        Ok(filter)
    }
}

/// The senders, outline and duplicate targets of some comments.
fn context(
    conn: &mut DbConnection,
    outline: Vec<db::sections::Section>,
    comments: &[Comment],
) -> Result<Context, DbError> {
    let mut submissions: Vec<i64> = comments.iter().map(|c| c.submission_id).collect();
    submissions.sort_unstable();
    submissions.dedup();
    let duplicates: Vec<i64> = comments.iter().filter_map(|c| c.duplicate_of_id).collect();
    Ok(Context {
        outline,
        senders: db::submissions::senders(conn, &submissions)?
            .into_iter()
            .map(|(id, tracking, name, organization)| {
                (
                    id,
                    Sender {
                        tracking,
                        name,
                        organization,
                    },
                )
            })
            .collect::<HashMap<_, _>>(),
        trackings: db::comments::trackings(conn, &duplicates)?
            .into_iter()
            .collect(),
    })
}

/// A document's comments in outline order, then page, then line.
#[utoipa::path(
    operation_id = "list_comments",
    tag = "comments",
    params(("slug" = String, Path, description = "The document's short name"), ListQuery),
    responses(
        (status = 200, description = "A page of comments", body = CommentPage),
        (status = 400, description = "A filter word docket does not know", body = ErrorBody),
        (status = 401, description = "No working API token", body = ErrorBody),
        (status = 404, description = "No such document or section", body = ErrorBody),
    ),
    security(("token" = []))
)]
#[get("/documents/{slug}/comments")]
pub async fn list(
    _who: ApiUser,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> ApiResult<web::Json<CommentPage>> {
    let slug = slug.into_inner();
    let query = query.into_inner();
    let per_page = query.per_page.unwrap_or(PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError(WebError::BadRequest(format!(
            "`per_page` must be 1 to {MAX_PER_PAGE}, not {per_page}"
        ))));
    }
    let page = query.page.unwrap_or(1);
    if page < 1 {
        return Err(ApiError(WebError::BadRequest(format!(
            "`page` counts from 1, not {page}"
        ))));
    }
    let searching = query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let (comments, total, context) = state
        .db
        .run(move |conn| {
            let document = crate::documents::find(conn, &slug)?;
            let outline = db::sections::for_document(conn, document.id).map_err(DbError::from)?;
            let filter = query.filter(&outline).map_err(ApiError)?;
            let (comments, total) = db::queue::page(
                conn,
                document.id,
                &filter,
                (page - 1).saturating_mul(per_page),
                per_page,
            )
            .map_err(DbError::from)?;
            let context = context(conn, outline, &comments)?;
            Ok::<_, ApiError>((comments, total, context))
        })
        .await?;
    Ok(web::Json(CommentPage {
        total,
        capped: searching && total > db::queue::SEARCH_CAP,
        page,
        per_page,
        comments: comments
            .into_iter()
            .map(|c| ApiComment::new(c, &context))
            .collect(),
    }))
}

/// One comment and its context.
async fn load(state: &AppState, id: i64) -> Result<(Comment, Context), ApiError> {
    state
        .db
        .run(move |conn| {
            let comment = db::comments::find(conn, id).map_err(|e| match e {
                diesel::result::Error::NotFound => {
                    ApiError(WebError::NotFound(format!("no comment has the id {id}")))
                }
                other => DbError::from(other).into(),
            })?;
            let context = comment_context(conn, &comment)?;
            Ok((comment, context))
        })
        .await
}

/// A comment the caller has (a save's result), as the API shows it.
async fn describe(state: &AppState, comment: Comment) -> Result<ApiComment, ApiError> {
    state
        .db
        .run(move |conn| {
            let context = comment_context(conn, &comment)?;
            Ok::<_, DbError>(ApiComment::new(comment, &context))
        })
        .await
        .map_err(ApiError::from)
}

fn comment_context(conn: &mut DbConnection, comment: &Comment) -> Result<Context, DbError> {
    let outline = db::sections::for_document(conn, comment.document_id)?;
    context(conn, outline, std::slice::from_ref(comment))
}

fn etag(version: i32) -> (actix_web::http::header::HeaderName, String) {
    (ETAG, format!("\"{version}\""))
}

/// One comment. Its `ETag` is its version, for `If-Match`.
#[utoipa::path(
    operation_id = "get_comment",
    tag = "comments",
    params(("id" = i64, Path, description = "The comment's id")),
    responses(
        (status = 200, description = "The comment", body = ApiComment, headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No working API token", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
    ),
    security(("token" = []))
)]
#[get("/comments/{id}")]
pub async fn show(
    _who: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (comment, context) = load(&state, id.into_inner()).await?;
    let comment = ApiComment::new(comment, &context);
    Ok(HttpResponse::Ok()
        .insert_header(etag(comment.version))
        .json(comment))
}

/// The versions `If-Match` names (RFC 9110: a list of entity tags,
/// compared strongly, so a weak tag `W/"3"` matches nothing). `*` names no
/// version, so it is refused like a missing header: a change must say
/// which version it was based on.
fn if_match(req: &HttpRequest) -> Result<Vec<i32>, WebError> {
    let required = || {
        WebError::PreconditionRequired(
            "send `If-Match` with the comment's version (its ETag, from GET), so a change \
             made by someone else meanwhile is never overwritten"
                .to_owned(),
        )
    };
    let value = req.headers().get(IF_MATCH).ok_or_else(required)?;
    let unreadable = || {
        WebError::BadRequest(format!(
            "`If-Match` must be the comment's ETag, such as \"3\", not {value:?}"
        ))
    };
    let text = value.to_str().map_err(|_| unreadable())?;
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        if tag == "*" {
            return Err(required());
        }
        if tag.starts_with("W/") {
            continue;
        }
        let bare = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag);
        versions.push(bare.parse().map_err(|_| unreadable())?);
    }
    Ok(versions)
}

/// Changes a comment's triage fields: status, disposition, response,
/// assignee, duplicate-of, section. Keys left out stay as they are, but
/// for the status: without a `status` key it follows the answer when the
/// answer changes (a disposition and a response resolve the comment, part
/// of one puts it in review); a `status` given is set as given. The
/// change applies only to the version `If-Match` names; each changed field
/// gets an entry in the comment's history.
#[utoipa::path(
    operation_id = "update_comment",
    tag = "comments",
    params(
        ("id" = i64, Path, description = "The comment's id"),
        ("If-Match" = String, Header, description = "The version the change is based on (the ETag)"),
    ),
    request_body = CommentPatch,
    responses(
        (status = 200, description = "Saved (or nothing to change)", body = ApiComment,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "The body is not the JSON described (an unknown key), or `If-Match` is unreadable", body = ErrorBody),
        (status = 401, description = "No working API token", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 412, description = "Changed by someone else since that version; `current` holds it now", body = StaleBody),
        (status = 422, description = "A value that cannot be saved", body = ErrorBody),
        (status = 428, description = "`If-Match` missing, or `*`", body = ErrorBody),
    ),
    security(("token" = []))
)]
#[patch("/comments/{id}")]
pub async fn update(
    who: ApiUser,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<CommentPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let versions = if_match(&req)?;
    let (current, context) = load(&state, id).await?;
    if !versions.contains(&current.version) {
        return Ok(stale(ApiComment::new(current, &context), &versions));
    }
    let version = current.version;
    let edit = edit(&current, &context, body.into_inner())?;
    let user = who.user.clone();
    let saved = state
        .db
        .run(move |conn| Ok::<_, TriageError>(triage::save(conn, id, version, &edit, user.id)))
        .await?;
    match saved {
        Ok(saved) => {
            crate::web::editor::notify::assigned(&state, &who.user, std::slice::from_ref(&saved))
                .await;
            let comment = describe(&state, saved.comment).await?;
            tracing::info!(
                user = who.user.id,
                comment = id,
                "comment changed through the API"
            );
            Ok(HttpResponse::Ok()
                .insert_header(etag(comment.version))
                .json(comment))
        }
        Err(TriageError::ChangedMeanwhile(now)) => {
            Ok(stale(describe(&state, *now).await?, &[version]))
        }
        Err(TriageError::Invalid(problems)) => Err(ApiError(WebError::Unprocessable(format!(
            "nothing was saved: {}",
            problems.join(" ")
        )))),
        Err(TriageError::NoSuchComment(_)) => Err(ApiError(WebError::NotFound(format!(
            "no comment has the id {id}"
        )))),
        Err(other) => Err(other.into()),
    }
}

/// 412 with the comment as it is now.
fn stale(current: ApiComment, sent: &[i32]) -> HttpResponse {
    let sent = match sent {
        [] => "no strong ETag".to_owned(),
        versions => versions
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let message = format!(
        "{} was changed by someone else: it is at version {}, not {sent}. \
         Nothing was saved; `current` is the comment now.",
        current.tracking, current.version
    );
    HttpResponse::PreconditionFailed()
        .insert_header(etag(current.version))
        .json(StaleBody {
            error: ErrorDetail {
                code: "stale".to_owned(),
                message,
            },
            current,
        })
}

/// The comment's triage fields with the patch's keys applied.
fn edit(current: &Comment, context: &Context, patch: CommentPatch) -> Result<TriageEdit, ApiError> {
    // A status the patch gives is set as given, even the one stored (an
    // answered comment kept in review); without one, it follows the answer.
    let status = match &patch.status {
        Some(s) => Some(word::<TriageStatus>(s, "status").map_err(unprocessable)?),
        None => None,
    };
    let disposition = match patch.disposition {
        Some(Some(d)) => Some(crate::domain::disposition_word::parse(&d).ok_or_else(|| {
            let words: Vec<&str> = Disposition::iter().map(Into::into).collect();
            ApiError(WebError::Unprocessable(format!(
                "`disposition` must be one of {}, or null, not “{d}”",
                words.join(", ")
            )))
        })?),
        Some(None) => None,
        None => current.disposition.0,
    };
    let section = match patch.section {
        None => SectionChoice::Keep,
        Some(PatchSection::Id(node)) => SectionChoice::Node(node),
        Some(PatchSection::Word(word)) if word.trim().eq_ignore_ascii_case("general") => {
            SectionChoice::General
        }
        Some(PatchSection::Word(word)) => {
            SectionChoice::Node(word.trim().parse().map_err(|_| {
                ApiError(WebError::Unprocessable(format!(
                    "`section` must be an outline node id or \"general\", not “{word}”"
                )))
            })?)
        }
    };
    Ok(TriageEdit {
        section,
        status,
        disposition,
        response: match patch.response {
            Some(r) => r.unwrap_or_default(),
            None => current.response.clone().unwrap_or_default(),
        },
        assignee: match patch.assignee_id {
            Some(a) => a,
            None => current.assignee_id,
        },
        duplicate_of: match patch.duplicate_of {
            Some(d) => d.unwrap_or_default(),
            None => current
                .duplicate_of_id
                .and_then(|other| context.trackings.get(&other).cloned())
                .unwrap_or_default(),
        },
    })
}

fn unprocessable(error: WebError) -> ApiError {
    ApiError(WebError::Unprocessable(error.to_string()))
}

/// The disposition table (the export), JSON unless `format` says
/// otherwise, streamed. `final=true` refuses (409) while any comment is
/// unanswered.
#[utoipa::path(
    operation_id = "get_dispositions",
    tag = "comments",
    params(("slug" = String, Path, description = "The document's short name"), ExportQuery),
    responses(
        (status = 200, description = "The table, in the format asked for (JSON when none is named)",
            content(
                ("application/json"),
                ("text/csv"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("text/html"),
            )),
        (status = 400, description = "A format, preset, status or disposition docket does not know", body = ErrorBody),
        (status = 401, description = "No working API token", body = ErrorBody),
        (status = 404, description = "No such document or section", body = ErrorBody),
        (status = 409, description = "A final table with comments unanswered", body = ErrorBody),
        (status = 503, description = "Too many downloads at once; try again in a minute", body = ErrorBody),
    ),
    security(("token" = []))
)]
#[get("/documents/{slug}/dispositions")]
pub async fn dispositions(
    who: ApiUser,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let request = query.into_inner().json_unless_named().request()?;
    let slug = slug.into_inner();
    let prepared = state
        .db
        .run(move |conn| export::prepare(conn, &slug, request))
        .await?;
    Ok(crate::web::editor::export::stream_table(
        &state,
        prepared,
        who.user.id,
        "api",
    )?)
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        Self(error.into())
    }
}
