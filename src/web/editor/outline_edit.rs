//! Admins' changes to an outline: edit a node, add one, remove one, or
//! replace the whole outline with a file or pasted text. Every change goes
//! through the same checks as `docket outline import`, re-tags the comments
//! in the same transaction, and (except a replacement, which is meant to
//! win) is refused with 409 when the outline changed since the form was
//! opened; the form then comes back with what the admin typed.

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::outline::{AddValues, OutlinePage, load};
use super::{Chrome, SignedIn, flash};
use crate::db::sections::OutlineChange;
use crate::documents::{self, DocumentError, OutlineEdit, RetagCounts};
use crate::outline::{self, OutlineEntry, OutlineError, OutlineFormat};
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, csrf, page, see_other};

tokened!(AddForm, NodeForm, OwnerForm, RemoveForm);

/// Outline files are small; anything bigger is a wrong file.
const MAX_OUTLINE_BYTES: usize = 1024 * 1024;

#[derive(Template)]
#[template(path = "editor/outline_edit.html")]
struct EditPage {
    chrome: Chrome,
    slug: String,
    document: String,
    id: i64,
    label: String,
    kind: &'static str,
    volume: String,
    comments: i64,
    fingerprint: String,
    /// The editor new comments here go to, and who could be chosen.
    owner: Option<i64>,
    editors: Vec<(i64, String)>,
    values: NodeValues,
    /// What is stored now, shown beside the admin's values after a conflict.
    stored: Option<NodeValues>,
    notice: Option<String>,
    errors: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct NodeValues {
    #[serde(default)]
    title: String,
    #[serde(default)]
    page_start: String,
    #[serde(default)]
    page_end: String,
    #[serde(default)]
    line_start: String,
    #[serde(default)]
    line_end: String,
}

#[derive(Deserialize)]
pub struct NodeForm {
    #[serde(default)]
    csrf: String,
    fingerprint: String,
    #[serde(flatten)]
    values: NodeValues,
}

async fn edit_page(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    slug: String,
    id: i64,
) -> Result<EditPage, WebError> {
    let outline_page = load(state, who, session, slug).await?;
    let row = outline_page
        .rows
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| WebError::NotFound(format!("outline node #{id} is not in this outline")))?;
    let [page_start, page_end, line_start, line_end] = row.ends.clone();
    let stored = NodeValues {
        title: row.title.clone(),
        page_start,
        page_end,
        line_start,
        line_end,
    };
    Ok(EditPage {
        chrome: outline_page.chrome,
        document: outline_page.title,
        slug: outline_page.slug,
        id,
        label: row.name.clone(),
        kind: row.kind,
        volume: row.volume.clone(),
        comments: row.comments,
        owner: row.owner,
        editors: outline_page.editors.clone(),
        fingerprint: outline_page.fingerprint,
        values: stored,
        stored: None,
        notice: None,
        errors: Vec::new(),
    })
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

pub async fn edit_form(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("edit an outline")?;
    let (slug, id) = path.into_inner();
    page(
        StatusCode::OK,
        &edit_page(&state, &who, &session, slug, id).await?,
    )
}

pub async fn update(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: CsrfForm<NodeForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("edit an outline")?;
    let (slug, id) = path.into_inner();
    let NodeForm {
        fingerprint,
        values,
        ..
    } = form.into_inner();
    let edit = OutlineEdit::Update {
        id,
        title: values.title.trim().to_owned(),
        pages: (optional(&values.page_start), optional(&values.page_end)),
        lines: (optional(&values.line_start), optional(&values.line_end)),
    };
    let outcome = apply(&state, &slug, fingerprint, edit).await?;
    let failure = match outcome {
        Ok(done) => {
            flash(&session, report(&format!("Saved node #{id}."), done));
            return Ok(see_other(&format!("/editor/d/{slug}/outline")));
        }
        Err(failure) => failure,
    };
    let mut edit = match edit_page(&state, &who, &session, slug, id).await {
        Ok(edit) => edit,
        Err(WebError::NotFound(_)) => {
            return Err(WebError::NotFound(format!(
                "Outline node #{id} was removed by someone else, so your changes to it \
                 (title “{}”) were not saved.",
                values.title
            )));
        }
        Err(other) => return Err(other),
    };
    let status = match failure {
        Failure::Stale => {
            edit.notice = Some(STALE.to_owned());
            edit.stored = Some(edit.values.clone());
            StatusCode::CONFLICT
        }
        Failure::Invalid(errors) => {
            edit.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    edit.values = values;
    page(status, &edit)
}

const STALE: &str = "Someone else changed the outline after you opened this form, so nothing \
     was saved. Your values are kept below; check them against what is stored now and save again.";

#[derive(Deserialize)]
pub struct OwnerForm {
    #[serde(default)]
    csrf: String,
    /// A user id, or empty for nobody.
    #[serde(default)]
    owner: String,
}

/// Gives a node to an editor: new comments filed under it (or under its
/// subsections, unless they have an owner of their own) are assigned to them.
pub async fn set_owner(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: CsrfForm<OwnerForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("give sections to editors")?;
    let (slug, id) = path.into_inner();
    let owner = match form.owner.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .map_err(|_| WebError::BadRequest(format!("“{raw}” is not an account")))?,
        ),
    };
    let lookup = slug.clone();
    let name = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &lookup)?;
            let name = match owner {
                Some(user) => match crate::db::users::find(conn, user) {
                    Ok(found) if found.active => Some(found.name),
                    _ => {
                        return Ok(Err(format!(
                            "account #{user} does not exist or is inactive"
                        )));
                    }
                },
                None => None,
            };
            if !crate::db::sections::set_owner(conn, document.id, id, owner)? {
                return Ok(Err(format!("outline node #{id} is not in this outline")));
            }
            Ok::<_, DocumentError>(Ok(name))
        })
        .await?
        .map_err(|message| WebError::BadRequest(format!("Nothing was changed: {message}.")))?;
    flash(
        &session,
        match name {
            Some(name) => format!(
                "Node #{id} now belongs to {name}: new comments filed there are assigned to them."
            ),
            None => format!("Node #{id} belongs to nobody now."),
        },
    );
    Ok(see_other(&format!("/editor/d/{slug}/outline")))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    fingerprint: String,
}

pub async fn remove(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: CsrfForm<RemoveForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("edit an outline")?;
    let (slug, id) = path.into_inner();
    let fingerprint = form.into_inner().fingerprint;
    match apply(&state, &slug, fingerprint, OutlineEdit::Remove { id }).await? {
        Ok(done) => {
            flash(&session, report(&format!("Removed node #{id}."), done));
            Ok(see_other(&format!("/editor/d/{slug}/outline")))
        }
        Err(failure) => {
            let mut outline_page = load(&state, &who, &session, slug).await?;
            let status = failure.show(&mut outline_page);
            page(status, &outline_page)
        }
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    fingerprint: String,
    #[serde(flatten)]
    values: AddValues,
}

pub async fn add(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: CsrfForm<AddForm>,
) -> Result<HttpResponse, WebError> {
    who.require_admin("edit an outline")?;
    let slug = slug.into_inner();
    let AddForm {
        fingerprint,
        values,
        ..
    } = form.into_inner();
    let entry = OutlineEntry {
        origin: String::new(),
        number: values.number.trim().to_owned(),
        title: values.title.trim().to_owned(),
        kind: optional(&values.kind),
        volume: values.volume.trim().to_owned(),
        page_start: optional(&values.page_start),
        page_end: optional(&values.page_end),
        line_start: optional(&values.line_start),
        line_end: optional(&values.line_end),
        parent: optional(&values.parent),
    };
    let name = entry.number.clone();
    match apply(&state, &slug, fingerprint, OutlineEdit::Add(entry)).await? {
        Ok(done) => {
            flash(&session, report(&format!("Added {name}."), done));
            Ok(see_other(&format!("/editor/d/{slug}/outline")))
        }
        Err(failure) => {
            let mut outline_page = load(&state, &who, &session, slug).await?;
            outline_page.add = values;
            let status = failure.show(&mut outline_page);
            page(status, &outline_page)
        }
    }
}

#[derive(MultipartForm)]
pub struct ReplaceForm {
    csrf: Option<Text<String>>,
    file: Option<Bytes>,
    text: Option<Text<String>>,
    format: Option<Text<String>>,
}

pub async fn replace(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    MultipartForm(form): MultipartForm<ReplaceForm>,
) -> Result<HttpResponse, WebError> {
    csrf::check(&session, form.csrf.as_deref().map_or("", String::as_str))?;
    who.require_admin("replace an outline")?;
    if form.text.as_deref().is_some_and(|t| t.contains('\0')) {
        return Err(crate::web::nul::refused_field("text"));
    }
    let slug = slug.into_inner();
    let mut pasted = form.text.as_deref().cloned().unwrap_or_default();
    let chosen = form.format.as_deref().cloned().unwrap_or_default();
    let read = if pasted.len() > MAX_OUTLINE_BYTES {
        // Not echoed back either: a megabyte in a text box helps nobody.
        pasted = String::new();
        Err(OutlineError::Unreadable(
            "the pasted text is larger than 1 MB, which is far more than any outline".to_owned(),
        ))
    } else {
        read_replacement(form.file.as_ref(), &pasted, &chosen)
    };
    let outcome = match read {
        Ok(outline) => {
            let lookup = slug.clone();
            state
                .db
                .run(move |conn| {
                    Ok::<_, crate::db::DbError>(documents::import_outline(conn, &lookup, &outline))
                })
                .await?
                .map_err(Failure::from_document)
        }
        Err(error) => Err(Ok(Failure::Invalid(problems_of(&error)))),
    };
    match outcome {
        Ok(done) => {
            flash(&session, report("Outline replaced.", done));
            Ok(see_other(&format!("/editor/d/{slug}/outline")))
        }
        Err(failure) => {
            let failure = failure?;
            let mut outline_page = load(&state, &who, &session, slug).await?;
            outline_page.pasted = pasted;
            outline_page.pasted_format = chosen;
            let status = failure.show(&mut outline_page);
            page(status, &outline_page)
        }
    }
}

/// The outline in the uploaded file, else in the pasted text.
fn read_replacement(
    file: Option<&Bytes>,
    pasted: &str,
    chosen: &str,
) -> Result<outline::Outline, OutlineError> {
    let unreadable = |m: &str| OutlineError::Unreadable(m.to_owned());
    let file = file.filter(|f| !f.data.is_empty());
    let (text, format) = match file {
        Some(file) => {
            if file.data.len() > MAX_OUTLINE_BYTES {
                return Err(unreadable(
                    "the file is larger than 1 MB, which is far more than any outline; \
                     is it the right file?",
                ));
            }
            let text = std::str::from_utf8(&file.data).map_err(|_| {
                unreadable("the file is not UTF-8 text; save it as UTF-8 CSV or TOML")
            })?;
            let format = file
                .file_name
                .as_deref()
                .and_then(|name| OutlineFormat::from_path(std::path::Path::new(name)))
                .or_else(|| format_named(chosen))
                .ok_or_else(|| unreadable("name the file .csv or .toml, or choose its format"))?;
            (text.to_owned(), format)
        }
        None if pasted.trim().is_empty() => {
            return Err(unreadable("choose a file or paste the outline"));
        }
        None => (
            pasted.to_owned(),
            format_named(chosen).unwrap_or(OutlineFormat::Csv),
        ),
    };
    outline::parse(&text, format)
}

fn format_named(name: &str) -> Option<OutlineFormat> {
    match name {
        "csv" => Some(OutlineFormat::Csv),
        "toml" => Some(OutlineFormat::Toml),
        _ => None,
    }
}

/// Why a change was not applied, in the terms the form shows.
enum Failure {
    Stale,
    Invalid(Vec<String>),
}

impl Failure {
    /// Sorts a document error: stale and invalid come back to the form,
    /// anything else is an error page.
    fn from_document(error: DocumentError) -> Result<Self, WebError> {
        match error {
            DocumentError::OutlineChanged => Ok(Self::Stale),
            DocumentError::NoSuchNode(id) => Ok(Self::Invalid(vec![format!(
                "Outline node #{id} was removed by someone else in the meantime."
            )])),
            DocumentError::Outline(e) => Ok(Self::Invalid(problems_of(&e))),
            other => Err(other.into()),
        }
    }

    /// Puts the failure on the outline page; returns the status to send.
    fn show(self, outline_page: &mut OutlinePage) -> StatusCode {
        match self {
            Self::Stale => {
                outline_page.notice = Some(STALE.to_owned());
                StatusCode::CONFLICT
            }
            Self::Invalid(errors) => {
                outline_page.errors = errors;
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    }
}

fn problems_of(error: &OutlineError) -> Vec<String> {
    match error {
        OutlineError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
        other => vec![other.to_string()],
    }
}

async fn apply(
    state: &AppState,
    slug: &str,
    fingerprint: String,
    edit: OutlineEdit,
) -> Result<Result<(OutlineChange, RetagCounts), Failure>, WebError> {
    let slug = slug.to_owned();
    let result = state
        .db
        .run(move |conn| {
            Ok::<_, crate::db::DbError>(documents::edit_outline(conn, &slug, &fingerprint, edit))
        })
        .await?;
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(error) => Failure::from_document(error).map(Err),
    }
}

/// The flash message after a change: what the outline and the tags did.
fn report(what: &str, (change, retagged): (OutlineChange, RetagCounts)) -> String {
    let mut text = what.to_owned();
    if change.added + change.removed > 0 || what.starts_with("Outline replaced") {
        text.push_str(&format!(
            " Nodes: {} added, {} kept, {} removed.",
            change.added, change.updated, change.removed
        ));
    }
    text.push_str(&format!(
        " Re-tagging checked {} comment(s); {} changed section or note (hand-made tags stay).",
        retagged.checked, retagged.moved
    ));
    if retagged.released > 0 {
        text.push_str(&format!(
            " {} comment(s) filed by hand under a removed node were tagged again.",
            retagged.released
        ));
    }
    text
}
