//! `/editor/d/{slug}/outline`: the outline as a table with the comments
//! tagged to each node and how tagging went; admins also get the forms to
//! edit a node, add one, or replace the whole outline (`outline_edit`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, SignedIn, take_flash};
use crate::db::{self, sections::Section};
use crate::documents::{self, DocumentError};
use crate::domain::TagSource;
use crate::outline;
use crate::web::{AppState, WebError, format, page};

#[derive(Template)]
#[template(path = "editor/outline.html")]
pub struct OutlinePage {
    pub chrome: Chrome,
    pub slug: String,
    pub title: String,
    pub fingerprint: String,
    pub flash: Option<String>,
    /// A notice above the forms: why the last form was not applied.
    pub notice: Option<String>,
    pub errors: Vec<String>,
    pub rows: Vec<OutlineRow>,
    pub comments: i64,
    pub routes: Vec<(String, i64)>,
    pub conflicts: i64,
    pub add: AddValues,
    /// Active accounts, to give sections to.
    pub editors: Vec<(i64, String)>,
    pub pasted: String,
    pub pasted_format: String,
}

pub struct OutlineRow {
    pub id: i64,
    pub volume: String,
    pub label: String,
    /// The label, or the title of unnumbered front matter (for links).
    pub name: String,
    pub title: String,
    pub kind: &'static str,
    pub depth: i32,
    pub pages: String,
    pub lines: String,
    pub comments: i64,
    /// The range ends as stored, for the edit form.
    pub ends: [String; 4],
    pub owner: Option<i64>,
    pub owner_name: String,
}

/// The add form's fields, kept when the form comes back with errors.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AddValues {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub volume: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub page_start: String,
    #[serde(default)]
    pub page_end: String,
    #[serde(default)]
    pub line_start: String,
    #[serde(default)]
    pub line_end: String,
}

/// The page as stored now; forms that come back fill in their parts.
pub async fn load(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    slug: String,
) -> Result<OutlinePage, WebError> {
    let (document, sections, counts, (routes, conflicts), users) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let sections = db::sections::for_document(conn, document.id)?;
            let counts = db::comments::count_by_section(conn, document.id)?;
            let summary = db::comments::tag_summary(conn, document.id)?;
            let users = db::users::list(conn)?;
            Ok::<_, DocumentError>((document, sections, counts, summary, users))
        })
        .await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let count_of = |id: i64| {
        counts
            .iter()
            .find(|(s, _)| *s == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    Ok(OutlinePage {
        chrome: Chrome::new(who, session)?,
        fingerprint: outline::fingerprint(&sections),
        flash: take_flash(session),
        notice: None,
        errors: Vec::new(),
        comments: counts.iter().map(|(_, n)| n).sum(),
        rows: sections
            .iter()
            .map(|s| OutlineRow::new(s, count_of(s.id), name_of(s.owner_id)))
            .collect(),
        routes: in_route_order(routes),
        conflicts,
        add: AddValues::default(),
        editors: super::account_choices(&users),
        pasted: String::new(),
        pasted_format: "csv".to_owned(),
        slug: document.slug,
        title: document.title,
    })
}

impl OutlineRow {
    fn new(s: &Section, comments: i64, owner_name: String) -> Self {
        Self {
            id: s.id,
            volume: s.volume.clone(),
            label: s.label(),
            name: documents::name_of(s),
            title: s.title.clone(),
            kind: s.kind.into(),
            depth: s.depth.min(6),
            pages: format::range(s.page_start.clone(), s.page_end.clone()),
            lines: format::range(s.line_start, s.line_end),
            comments,
            owner: s.owner_id,
            owner_name,
            ends: [
                s.page_start.clone().unwrap_or_default(),
                s.page_end.clone().unwrap_or_default(),
                s.line_start.map(|n| n.to_string()).unwrap_or_default(),
                s.line_end.map(|n| n.to_string()).unwrap_or_default(),
            ],
        }
    }
}

/// The counts per route in the order tagging tries them, in words.
fn in_route_order(mut routes: Vec<(String, i64)>) -> Vec<(String, i64)> {
    use strum::IntoEnumIterator;
    let rank = |source: &str| TagSource::iter().position(|t| <&str>::from(t) == source);
    routes.sort_by_key(|(source, _)| rank(source));
    routes
        .into_iter()
        .map(|(source, n)| (route_words(&source).to_owned(), n))
        .collect()
}

fn route_words(source: &str) -> &'static str {
    match source.parse::<TagSource>() {
        Ok(TagSource::Section) => "from the section column",
        Ok(TagSource::Line) => "from the line number",
        Ok(TagSource::Page) => "from the page number",
        Ok(TagSource::Title) => "from a section title",
        Ok(TagSource::Manual) => "by an editor",
        Ok(TagSource::General) => "General (no location given)",
        Ok(TagSource::None) | Err(_) => "unresolved (the section named was not found)",
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let page_data = load(&state, &who, &session, slug.into_inner()).await?;
    page(StatusCode::OK, &page_data)
}

/// `outline.csv` / `outline.toml`: the stored outline in the format
/// `docket outline import` and the replace form read, to edit offline.
pub async fn download(
    _who: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (slug, extension) = path.into_inner();
    let (document, sections) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let sections = db::sections::for_document(conn, document.id)?;
            Ok::<_, DocumentError>((document, sections))
        })
        .await?;
    let entries = outline::entries_of(&sections);
    let (body, content_type) = match extension.as_str() {
        "csv" => (
            outline::to_csv(&entries).map_err(|e| WebError::Unexpected(e.into()))?,
            "text/csv; charset=utf-8",
        ),
        "toml" => (
            outline::to_toml(&entries).map_err(|e| WebError::Unexpected(e.into()))?,
            "application/toml; charset=utf-8",
        ),
        other => {
            return Err(WebError::NotFound(format!(
                "outlines download as .csv or .toml, not .{other}"
            )));
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}-outline.{extension}\"",
                document.slug
            ),
        ))
        .body(body))
}
