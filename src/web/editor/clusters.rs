//! `/editor/d/{slug}/clusters`: duplicates and form letters. Clusters of
//! comments with the same or nearly the same text (`triage::similar`),
//! largest first, ten to a page (every cluster is reachable), each with a
//! form answering its members at once through the queue's bulk change
//! (`POST /editor/d/{slug}/bulk`), which saves each member with its own
//! audit events and names members changed meanwhile. The form lists the
//! members (up to 50, those without a disposition first) with where they
//! point, who sent them and their suggested change, each ticked: untick
//! one to leave it out (the same text may ask for a different change).
//! `POST …/clusters/refresh` recomputes the clusters.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::OptionalExtension;
use serde::Deserialize;
use strum::IntoEnumIterator;

use super::{Chrome, SignedIn, flash, take_flash};
use crate::db::clusters;
use crate::documents::{self, DocumentError};
use crate::domain::Disposition;
use crate::triage;
use crate::web::csrf::{CsrfForm, tokened};
use crate::web::{AppState, WebError, page, see_other};

tokened!(RefreshForm);

/// Clusters to a page, largest first.
const PER_PAGE: i64 = 10;
/// Members one form lists and answers (those without a disposition first;
/// sent again, it answers the next ones).
const MAX_MEMBERS: i64 = 50;
/// Characters of a member's suggested change shown.
const CHANGE_EXCERPT: usize = 200;
/// Submitters named per cluster.
const MAX_SUBMITTERS: usize = 10;
/// Characters of the first member's text shown.
const EXCERPT: usize = 400;

#[derive(Template)]
#[template(path = "editor/clusters.html")]
struct ClustersPage {
    chrome: Chrome,
    flash: Option<String>,
    slug: String,
    document: String,
    /// Clusters of two or more comments in the document.
    total: i64,
    page: i64,
    pages: i64,
    clusters: Vec<ClusterView>,
    dispositions: Vec<&'static str>,
}

struct ClusterView {
    id: i64,
    size: i64,
    answered: i64,
    /// Up to [`MAX_MEMBERS`], those without a disposition first.
    members: Vec<MemberView>,
    /// Members not in `members`.
    more: i64,
    submitters: Vec<String>,
    more_submitters: usize,
    excerpt: String,
}

/// A member as its row in the form shows it.
struct MemberView {
    id: i64,
    version: i32,
    tracking_number: String,
    disposition: Option<String>,
    from: String,
    /// Page and line as given.
    location: String,
    suggested: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let slug = slug.into_inner();
    let wanted = query.page;
    let (document, (sizes, total, page_number), found) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let listed = super::page_or_last(wanted, PER_PAGE, |offset, limit| {
                clusters::list(conn, document.id, offset, limit)
            })?;
            let mut found = Vec::with_capacity(listed.0.len());
            for size in &listed.0 {
                let Some(id) = size.cluster_id else { continue };
                let members = clusters::members(conn, document.id, id, MAX_MEMBERS)?;
                // The first member's text, else (removed with a failed
                // submission, until the next pass places its cluster
                // again) another's.
                let body = match clusters::body(conn, id).optional()? {
                    Some(body) => body,
                    None => match members.first() {
                        Some(m) => clusters::body(conn, m.id)?,
                        None => String::new(),
                    },
                };
                found.push((members, body));
            }
            Ok::<_, DocumentError>((document, listed, found))
        })
        .await?;
    let clusters = sizes
        .into_iter()
        .filter_map(|s| s.cluster_id.map(|id| (id, s)))
        .zip(found)
        .map(|((id, size), (members, body))| view(id, size, members, &body))
        .collect();
    page(
        StatusCode::OK,
        &ClustersPage {
            chrome: Chrome::new(&who, &session)?,
            flash: take_flash(&session),
            slug: document.slug,
            document: document.title,
            total,
            page: page_number,
            pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
            clusters,
            // Answering as a duplicate names one comment: the queue's action.
            dispositions: Disposition::iter()
                .filter(|d| *d != Disposition::Duplicate)
                .map(Into::into)
                .collect(),
        },
    )
}

fn view(
    id: i64,
    size: clusters::ClusterSize,
    members: Vec<clusters::Member>,
    body: &str,
) -> ClusterView {
    let mut submitters: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(members.len());
    for m in members {
        let name = match (m.submitter_name.trim(), m.organization.trim()) {
            ("", "") => "(not given)".to_owned(),
            (name, "") => name.to_owned(),
            ("", org) => org.to_owned(),
            (name, org) => format!("{name} ({org})"),
        };
        if !submitters.contains(&name) {
            submitters.push(name.clone());
        }
        let location = [
            m.page_raw.as_deref().map(|p| format!("p. {p}")),
            m.line_raw.as_deref().map(|l| format!("l. {l}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let change = m.suggested_change.unwrap_or_default();
        let mut suggested: String = change.chars().take(CHANGE_EXCERPT).collect();
        if change.chars().nth(CHANGE_EXCERPT).is_some() {
            suggested.push('…');
        }
        rows.push(MemberView {
            id: m.id,
            version: m.version,
            tracking_number: m.tracking_number,
            disposition: m.disposition,
            from: name,
            location,
            suggested,
        });
    }
    let more_submitters = submitters.len().saturating_sub(MAX_SUBMITTERS);
    submitters.truncate(MAX_SUBMITTERS);
    let mut excerpt: String = body.chars().take(EXCERPT).collect();
    if body.chars().nth(EXCERPT).is_some() {
        excerpt.push('…');
    }
    ClusterView {
        id,
        size: size.size,
        answered: size.answered,
        more: size.size - i64::try_from(rows.len()).unwrap_or(size.size),
        members: rows,
        submitters,
        more_submitters,
        excerpt,
    }
}

#[derive(Deserialize)]
pub struct RefreshForm {
    #[serde(default)]
    csrf: String,
}

pub async fn refresh(
    _who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _: CsrfForm<RefreshForm>,
) -> Result<HttpResponse, WebError> {
    let slug = slug.into_inner();
    let lookup = slug.clone();
    let report = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &lookup)?;
            triage::recluster(conn, document.id).map_err(DocumentError::from)
        })
        .await?;
    flash(
        &session,
        match report {
            Some(report) => format!(
                "Found {} cluster(s) covering {} of {} comment(s).",
                report.clusters, report.clustered, report.comments
            ),
            None => "Clusters are being recomputed right now (by the background pass or \
                     another editor); the result shows here when it ends."
                .to_owned(),
        },
    );
    Ok(see_other(&format!("/editor/d/{slug}/clusters")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submitters_are_named_once_and_excerpts_cut() {
        let member = |id, name: &str, org: &str| clusters::Member {
            id,
            version: 1,
            tracking_number: format!("T-{id}"),
            disposition: None,
            submitter_name: name.to_owned(),
            organization: org.to_owned(),
            page_raw: Some("12".to_owned()),
            line_raw: None,
            suggested_change: Some("y".repeat(CHANGE_EXCERPT + 1)),
        };
        let size = clusters::ClusterSize {
            cluster_id: Some(1),
            size: 4,
            answered: 0,
        };
        let body = "x".repeat(EXCERPT + 5);
        let v = view(
            1,
            size,
            vec![
                member(1, "Ann", "ACME"),
                member(2, "Ann", "ACME"),
                member(3, "", ""),
            ],
            &body,
        );
        assert_eq!(v.submitters, ["Ann (ACME)", "(not given)"]);
        assert_eq!(v.more, 1);
        assert!(v.excerpt.ends_with('…'));
        assert_eq!(v.members[0].location, "p. 12");
        assert_eq!(v.members[0].from, "Ann (ACME)");
        assert_eq!(v.members[2].from, "(not given)");
        assert_eq!(v.members[0].suggested.chars().count(), CHANGE_EXCERPT + 1);
        assert!(v.members[0].suggested.ends_with('…'));
    }
}
