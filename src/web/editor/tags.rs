//! `/editor/d/{slug}/tags`: the comments tagging could not settle (the
//! section named was not found, or the signals disagree), each with a form
//! to file it by hand. Editors and admins may both do this.
//!
//! The page stays light at any outline size: 50 rows, each with a text box
//! that suggests sections from one shared `<datalist>` (type "5.1" or a few
//! letters of a title), not a select of every node on every row. What is
//! typed is resolved by `triage::section_named`, which refuses a number
//! several volumes share rather than guess.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Chrome, SignedIn, flash, take_flash};
use crate::db::{self, comments::Comment, sections::Section};
use crate::documents::{self, DocumentError};
use crate::triage::{self, TriageError};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, page, see_other};

tokened!(RetagForm);

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "editor/tags.html")]
struct TagsPage {
    chrome: Chrome,
    slug: String,
    title: String,
    flash: Option<String>,
    total: i64,
    /// Every comment, not only those to check.
    everything: bool,
    page: i64,
    pages: i64,
    rows: Vec<Row>,
    /// The picker's suggestions: every node by its full name.
    names: Vec<String>,
}

struct Row {
    id: i64,
    version: i32,
    tracking: String,
    filed: String,
    conflict: Option<String>,
    volume: String,
    section: String,
    page: String,
    line: String,
    body: String,
    /// What the picker shows at first: where it is filed now, if it is.
    typed: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    /// `all`: every comment, to re-file any of them; else only those to check.
    show: Option<String>,
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let everything = query.show.as_deref() == Some("all");
    let wanted = query.page;
    let slug = slug.into_inner();
    let (document, outline, (comments, total, page_number)) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let outline = db::sections::for_document(conn, document.id)?;
            let found = super::page_or_last(wanted, PER_PAGE, |offset, limit| {
                db::comments::for_tag_review(conn, document.id, everything, offset, limit)
            })?;
            Ok::<_, DocumentError>((document, outline, found))
        })
        .await?;
    let rows = comments
        .into_iter()
        .map(|c| Row::new(c, &outline))
        .collect();
    page(
        StatusCode::OK,
        &TagsPage {
            chrome: Chrome::new(&who, &session)?,
            flash: take_flash(&session),
            total,
            everything,
            page: page_number,
            pages: (total + PER_PAGE - 1) / PER_PAGE,
            rows,
            names: outline
                .iter()
                .map(|s| triage::filed_under(&outline, Some(s.id)))
                .collect(),
            slug: document.slug,
            title: document.title,
        },
    )
}

impl Row {
    fn new(c: Comment, outline: &[Section]) -> Self {
        let filed = triage::filed_now(outline, &c);
        let mut body: String = c.body.chars().take(400).collect();
        if body.len() < c.body.len() {
            body.push('…');
        }
        Self {
            id: c.id,
            version: c.version,
            tracking: c.tracking_number,
            filed,
            conflict: c.tag_conflict,
            volume: c.volume_raw.unwrap_or_default(),
            section: c.section_raw.unwrap_or_default(),
            page: c.page_raw.unwrap_or_default(),
            line: c.line_raw.unwrap_or_default(),
            body,
            typed: match c.section_id {
                Some(_) if c.tag_source != crate::domain::TagSource::None => {
                    triage::filed_under(outline, c.section_id)
                }
                _ => String::new(),
            },
        }
    }
}

#[derive(Deserialize)]
pub struct RetagForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    /// A section as typed (`5.1`, a title, a full name) or `general`;
    /// empty when none was chosen.
    #[serde(default)]
    section: String,
    /// The page to go back to (the review list, later the comment page).
    back: Option<String>,
}

pub async fn retag(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: CsrfForm<RetagForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let RetagForm {
        version,
        section,
        back,
        ..
    } = form.into_inner();
    // Always a name, never a node's id: "5" is section 5.
    let typed = match section.trim() {
        "" => {
            return Err(WebError::BadRequest(
                "Choose a section (or General) to file the comment under; nothing was changed."
                    .to_owned(),
            ));
        }
        typed => typed.to_owned(),
    };
    let user_id = who.user.id;
    let result = state
        .db
        .run(move |conn| {
            let comment = match db::comments::find(conn, id) {
                Ok(comment) => comment,
                Err(diesel::result::Error::NotFound) => {
                    return Ok(Err(TriageError::NoSuchComment(id)));
                }
                Err(e) => return Err(e.into()),
            };
            let outline = db::sections::for_document(conn, comment.document_id)?;
            let target = match triage::section_named(&outline, &typed) {
                Ok(target) => target,
                Err(problem) => return Ok(Err(TriageError::Invalid(vec![problem]))),
            };
            Ok::<_, db::DbError>(triage::retag_by_hand(conn, id, version, target, user_id))
        })
        .await?;
    let back = back
        .as_deref()
        .and_then(crate::web::auth::local_path)
        .unwrap_or_else(|| "/editor".to_owned());
    match result {
        Ok(done) => {
            flash(
                &session,
                format!(
                    "{} filed under {} (was {}).",
                    done.comment.tracking_number, done.to, done.from
                ),
            );
            Ok(see_other(&back))
        }
        Err(TriageError::Stale { tracking, filed }) => Err(WebError::Conflict(format!(
            "Someone else changed {tracking} after you opened the page, so it was not filed \
             under the section you chose. It is now filed under {filed}. Go back, reload the \
             page and choose again."
        ))),
        Err(TriageError::NoSuchComment(id)) => {
            Err(WebError::NotFound(format!("comment #{id} does not exist")))
        }
        Err(TriageError::NoSuchSection(section)) => Err(WebError::BadRequest(format!(
            "outline node #{section} is not in this comment's document; reload the page"
        ))),
        Err(TriageError::Database(e)) => Err(e.into()),
        Err(TriageError::Invalid(problems)) => Err(WebError::BadRequest(format!(
            "{} Nothing was changed.",
            problems.join(" ")
        ))),
        Err(other @ TriageError::ChangedMeanwhile(_)) => Err(WebError::Unexpected(other.into())),
    }
}
