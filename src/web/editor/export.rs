//! `/editor/d/{slug}/export`: the disposition table's options, and
//! `…/export/download`, which streams the table. A download is a GET (it
//! changes nothing), so a link to a given table can be kept and shared
//! among editors.
//!
//! Everything that can be wrong is checked before the first byte: an
//! unknown option is 400, an unknown section 404, and a final table with
//! unanswered comments comes back as this page (409) listing them. The
//! rows then stream from a blocking thread through a small channel, so
//! memory stays flat and a closed download stops the export.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use strum::IntoEnumIterator;

use super::{Chrome, SignedIn};
use crate::db::export_rows::{self, ExportFilter};
use crate::db::{self, sections::Section};
use crate::domain::{Disposition, TriageStatus};
use crate::export::{self, ExportError, ExportRequest, Format, Preset};
use crate::web::{AppState, WebError, page, stream};

#[derive(Template)]
#[template(path = "editor/export.html")]
pub struct ExportPage {
    chrome: Chrome,
    slug: String,
    title: String,
    /// Section choices: the value asked for and the text shown.
    sections: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    dispositions: Vec<(&'static str, &'static str)>,
    formats: Vec<&'static str>,
    presets: Vec<&'static str>,
    /// The options as asked (kept when the page comes back refused).
    asked: ExportQuery,
    comments: i64,
    /// Comments (not withdrawn) that lack a disposition or a response.
    unanswered: i64,
    /// A refused final table or publication: the comments it lacks
    /// answers for.
    refused: Vec<Refused>,
    /// How many the refused table or publication lacks answers for (more
    /// than are listed, perhaps; for a section's table, that section's).
    refused_total: i64,
    /// When the disposition was published, if it was.
    published: Option<String>,
    /// Received comments are listed at `/d/{slug}/comments`.
    public_posting: bool,
    /// Submitters e-mailed their replies, of those owed one (an address,
    /// a published answer).
    replies_sent: i64,
    replies_owed: i64,
    /// This instance is e-mailing replies to this document now.
    replies_sending: bool,
    /// `mail.transport = "off"`: no replies can be sent.
    mail_off: bool,
    flash: Option<String>,
}

struct Refused {
    id: i64,
    tracking: String,
    missing: &'static str,
}

impl Refused {
    fn list(rows: &[crate::db::export_rows::Unanswered]) -> Vec<Self> {
        rows.iter()
            .map(|r| Self {
                id: r.id,
                tracking: r.tracking_number.clone(),
                missing: r.missing(),
            })
            .collect()
    }
}

/// The form's fields, as text: unknown words are refused with a message.
/// The API's disposition table takes the same parameters.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx`, `csv`, `html` or `json`.
    format: String,
    /// Column layout: `nist` (default), `iso` or `ieee`.
    preset: String,
    /// Only this section and what lies below it (`5.1`, `Table 3`).
    section: String,
    /// Only comments in this status.
    status: String,
    /// Only comments with this disposition.
    disposition: String,
    /// `true`: the public variant (no e-mail addresses, no internal fields).
    public: String,
    /// `true`: refuse (409) while any comment lacks a disposition or response.
    #[serde(rename = "final")]
    final_table: String,
    /// `true`: XLSX gets a sheet per top-level section.
    sheets: String,
    /// `true`: CSV starts with a byte-order mark (for Excel).
    bom: String,
}

impl ExportQuery {
    /// The same query, JSON when it names no format (the API's default).
    pub(crate) fn json_unless_named(mut self) -> Self {
        if self.format.trim().is_empty() {
            "json".clone_into(&mut self.format);
        }
        self
    }

    pub(crate) fn request(&self) -> Result<ExportRequest, WebError> {
        fn word<T: std::str::FromStr + Default>(
            value: &str,
            what: &str,
            choices: &str,
        ) -> Result<T, WebError> {
            match value.trim() {
                "" => Ok(T::default()),
                v => v.parse().map_err(|_| {
                    WebError::BadRequest(format!("{what} must be one of {choices}, not “{v}”"))
                }),
            }
        }
        fn optional<T: std::str::FromStr + IntoEnumIterator + AsRef<str>>(
            value: &str,
            what: &str,
        ) -> Result<Option<T>, WebError> {
            match value.trim() {
                "" => Ok(None),
                v => crate::web::known_word(v, what).map(Some),
            }
        }
        // A checkbox sends `1`; a link may say `true` or `false`.
        Ok(ExportRequest {
            format: word(&self.format, "the format", "xlsx, csv, html, json")?,
            preset: word(&self.preset, "the preset", "nist, iso, ieee")?,
            section: Some(self.section.trim().to_owned()).filter(|s| !s.is_empty()),
            status: optional(&self.status, "the status")?,
            disposition: optional(&self.disposition, "the disposition")?,
            public: crate::web::checked(&self.public),
            final_table: crate::web::checked(&self.final_table),
            sheet_per_section: crate::web::checked(&self.sheets),
            bom: crate::web::checked(&self.bom),
        })
    }
}

impl From<ExportError> for WebError {
    fn from(error: ExportError) -> Self {
        match error {
            e @ (ExportError::NoSuchDocument(_) | ExportError::NoSuchSection(_)) => {
                Self::NotFound(e.to_string())
            }
            e @ ExportError::Unanswered { .. } => Self::Conflict(e.to_string()),
            ExportError::Database(e) => e.into(),
            other => Self::Unexpected(other.into()),
        }
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let page_data = load(
        &state,
        &who,
        &session,
        slug.into_inner(),
        ExportQuery::default(),
    )
    .await?;
    page(StatusCode::OK, &page_data)
}

pub async fn download(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, WebError> {
    let slug = slug.into_inner();
    let asked = query.into_inner();
    let request = asked.request()?;
    let prepared = {
        let slug = slug.clone();
        state
            .db
            .run(move |conn| export::prepare(conn, &slug, request))
            .await
    };
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(ExportError::Unanswered { rows, total }) => {
            return refused(&state, &who, &session, slug, asked, &rows, total).await;
        }
        Err(e) => return Err(e.into()),
    };
    stream_table(&state, prepared, who.user.id, "page")
}

/// A prepared table as a streamed download, logged as asked for by
/// `user` through `via` (the export page, or the API).
pub(crate) fn stream_table(
    state: &AppState,
    prepared: export::Prepared,
    user: i64,
    via: &'static str,
) -> Result<HttpResponse, WebError> {
    let db = state.db.clone();
    let file_name = prepared.file_name();
    let content_type = prepared.request.format.content_type();
    tracing::info!(user, document = %prepared.document.slug, file = %file_name, via, "export");
    stream::attachment(&state.downloads, content_type, &file_name, move |out| {
        export::write(db.get()?, &prepared, out)?;
        Ok(())
    })
}

/// This page, refusing a final table or a publication (409): the comments
/// that lack an answer (the first of `total`), each linked.
pub(super) async fn refused(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    slug: String,
    asked: ExportQuery,
    rows: &[crate::db::export_rows::Unanswered],
    total: i64,
) -> Result<HttpResponse, WebError> {
    let mut page_data = load(state, who, session, slug, asked).await?;
    page_data.refused = Refused::list(rows);
    page_data.refused_total = total;
    page(StatusCode::CONFLICT, &page_data)
}

async fn load(
    state: &AppState,
    who: &SignedIn,
    session: &Session,
    slug: String,
    asked: ExportQuery,
) -> Result<ExportPage, WebError> {
    let (document, outline, comments, unanswered, (replies_sent, replies_owed)) = state
        .db
        .run(move |conn| {
            let document = crate::documents::find(conn, &slug)?;
            let outline = db::sections::for_document(conn, document.id)?;
            let comments = db::comments::count_for_document(conn, document.id)?;
            let ready = ExportFilter {
                without_withdrawn: true,
                ..ExportFilter::default()
            };
            let (_, unanswered) = export_rows::unanswered(conn, document.id, &ready, 0)?;
            let replies = db::submissions::reply_counts(conn, document.id)?;
            Ok::<_, crate::documents::DocumentError>((
                document, outline, comments, unanswered, replies,
            ))
        })
        .await?;
    let mut sections = vec![
        (String::new(), "All sections".to_owned()),
        ("general".to_owned(), "General and not found".to_owned()),
    ];
    sections.extend(outline.iter().map(|s: &Section| {
        let indent = "\u{a0}\u{a0}".repeat(s.depth.max(0) as usize);
        (s.cited(), format!("{indent}{} {}", s.cited(), s.title))
    }));
    Ok(ExportPage {
        chrome: Chrome::new(who, session)?,
        slug: document.slug,
        title: document.title,
        sections,
        statuses: TriageStatus::iter()
            .map(|s| (s.into(), export::status_label(s)))
            .collect(),
        dispositions: Disposition::iter()
            .map(|d| (d.into(), export::disposition_label(d)))
            .collect(),
        formats: Format::iter().map(Into::into).collect(),
        presets: Preset::iter().map(Into::into).collect(),
        asked,
        comments,
        unanswered,
        refused: Vec::new(),
        refused_total: 0,
        published: document
            .published_at
            .map(|at| format!("{} UTC", export::when(at))),
        public_posting: document.public_posting,
        replies_sent,
        replies_owed,
        replies_sending: state.reply_runs.running(document.id),
        mail_off: state.mailer.is_off(),
        flash: super::take_flash(session),
    })
}
