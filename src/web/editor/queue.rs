//! `/editor/d/{slug}/s/{section}`: the comments of a section (with its
//! subsections), of the General bucket, or of the whole document (`all`),
//! in outline order, then page, then line; filtered by type, status,
//! disposition, assignee, submitter and tag conflicts, and searched with the
//! back end's full-text index, matches highlighted. 50 to a page; `j`/`k`
//! move through the rows (static/queue.js), and every link works without it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use strum::IntoEnumIterator;

use super::{Chrome, SignedIn, take_flash};
use crate::db::queue::{QueueFilter, search_words};
use crate::db::{self, comments::Comment, sections::Section};
use crate::documents::{self, DocumentError};
use crate::domain::{CommentType, Disposition, TriageStatus};
use crate::triage;
use crate::web::{AppState, WebError, page};

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "editor/queue.html")]
struct QueuePage {
    chrome: Chrome,
    flash: Option<String>,
    /// This page's own address, to come back to after a bulk change.
    here: String,
    slug: String,
    document: String,
    which: String,
    heading: String,
    query: QueueQuery,
    total: i64,
    page: i64,
    pages: i64,
    /// The query string without `page`, for the page links.
    keep: String,
    rows: Vec<Row>,
    sections: Vec<(i64, String, i32)>,
    users: Vec<(i64, String)>,
    types: Vec<&'static str>,
    statuses: Vec<&'static str>,
    dispositions: Vec<&'static str>,
}

struct Row {
    id: i64,
    version: i32,
    tracking: String,
    kind: String,
    location: String,
    filed: String,
    conflict: bool,
    status: String,
    disposition: String,
    assignee: String,
    /// The text (an excerpt around the first match), split into runs with
    /// whether each is a match; rendered escaped, matches in `<mark>`.
    excerpt: Vec<(String, bool)>,
}

/// The filters as they appear in the address.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    submitter: String,
    #[serde(default)]
    conflicts: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

impl QueueQuery {
    /// The filters as a query string (without the page), for page links.
    fn address(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("type", &self.kind),
            ("status", &self.status),
            ("disposition", &self.disposition),
            ("assignee", &self.assignee),
            ("submitter", &self.submitter),
            ("conflicts", &self.conflicts),
            ("q", &self.q),
        ] {
            if !value.is_empty() {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, WebError> {
    let (slug, which) = path.into_inner();
    let query = query.into_inner();
    let me = who.user.id;
    let wanted = query.page;
    let (filter_query, which_) = (query.clone(), which.clone());
    let (document, outline, users, heading, (comments, total, page_number)) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let outline = db::sections::for_document(conn, document.id)?;
            let (mut filter, heading) = scope(&outline, &which_)?;
            apply(&mut filter, &filter_query, me);
            let found = super::page_or_last(wanted, PER_PAGE, |offset, limit| {
                db::queue::page(conn, document.id, &filter, offset, limit)
            })?;
            let users = db::users::list(conn)?;
            Ok::<_, DocumentError>((document, outline, users, heading, found))
        })
        .await?;
    let words = search_words(&query.q);
    let name_of = |id: Option<i64>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let rows = comments
        .into_iter()
        .map(|c| Row::new(c, &outline, &words, &name_of))
        .collect();
    let keep = query.address();
    let here = format!(
        "/editor/d/{}/s/{which}?{keep}{}page={page_number}",
        document.slug,
        if keep.is_empty() { "" } else { "&" }
    );
    page(
        StatusCode::OK,
        &QueuePage {
            chrome: Chrome::new(&who, &session)?,
            flash: take_flash(&session),
            here,
            slug: document.slug,
            document: document.title,
            which,
            heading,
            query,
            total,
            page: page_number,
            pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
            keep,
            rows,
            sections: triage::section_choices(&outline),
            users: super::account_choices(&users),
            types: CommentType::iter().map(Into::into).collect(),
            statuses: TriageStatus::iter().map(Into::into).collect(),
            dispositions: Disposition::iter().map(Into::into).collect(),
        },
    )
}

/// Which comments the path names: `all`, `general`, or a node id (with
/// every node below it).
fn scope(outline: &[Section], which: &str) -> Result<(QueueFilter, String), DocumentError> {
    match which {
        "all" => Ok((QueueFilter::default(), "All comments".to_owned())),
        "general" => Ok((
            QueueFilter {
                general_only: true,
                ..QueueFilter::default()
            },
            "General and not found".to_owned(),
        )),
        id => {
            let node = id
                .parse::<i64>()
                .ok()
                .and_then(|id| outline.iter().find(|s| s.id == id))
                .ok_or_else(|| DocumentError::NoSuchNode(id.parse().unwrap_or(0)))?;
            let mut ids = vec![node.id];
            // The outline is in document order, parents first.
            for s in outline {
                if s.parent_id.is_some_and(|p| ids.contains(&p)) && !ids.contains(&s.id) {
                    ids.push(s.id);
                }
            }
            Ok((
                QueueFilter {
                    sections: Some(ids),
                    ..QueueFilter::default()
                },
                triage::filed_under(outline, Some(node.id)),
            ))
        }
    }
}

/// The address's filters; unknown words are ignored (the form offers only
/// known ones), so an old link still works.
fn apply(filter: &mut QueueFilter, q: &QueueQuery, me: i64) {
    let known = |value: &str, words: &[&str]| words.contains(&value).then(|| value.to_owned());
    let types: Vec<&str> = CommentType::iter().map(Into::into).collect();
    let statuses: Vec<&str> = TriageStatus::iter().map(Into::into).collect();
    let dispositions: Vec<&str> = Disposition::iter().map(Into::into).collect();
    filter.comment_type = known(&q.kind, &types);
    filter.status = known(&q.status, &statuses);
    filter.disposition = match q.disposition.as_str() {
        "none" => Some(None),
        d => known(d, &dispositions).map(Some),
    };
    filter.assignee = match q.assignee.as_str() {
        "" => None,
        "none" => Some(None),
        "me" => Some(Some(me)),
        id => id.parse().ok().map(Some),
    };
    filter.submitter = Some(q.submitter.trim().to_owned()).filter(|s| !s.is_empty());
    filter.conflicts_only = q.conflicts == "1";
    filter.search = Some(q.q.trim().to_owned()).filter(|s| !s.is_empty());
}

impl Row {
    fn new(
        c: Comment,
        outline: &[Section],
        words: &[String],
        name_of: &dyn Fn(Option<i64>) -> String,
    ) -> Self {
        let location = [
            c.page_raw.as_deref().map(|p| format!("p. {p}")),
            c.line_raw.as_deref().map(|l| format!("l. {l}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        Self {
            id: c.id,
            version: c.version,
            tracking: c.tracking_number.clone(),
            kind: c.comment_type.0.map(|t| t.to_string()).unwrap_or_default(),
            location,
            filed: triage::filed_now(outline, &c),
            conflict: c.tag_conflict.is_some(),
            status: c.status.to_string().replace('_', " "),
            disposition: c
                .disposition
                .0
                .map(|d| d.to_string().replace('_', " "))
                .unwrap_or_default(),
            assignee: name_of(c.assignee_id),
            excerpt: highlight(&c.body, words, 300),
        }
    }
}

/// Up to `width` characters of `text` (around the first match, if any),
/// split into runs, matches of any word (by word start, case-insensitive)
/// marked. Matching stems loosely, like the index: `device` marks `devices`.
pub fn highlight(text: &str, words: &[String], width: usize) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    // Lower-casing can change the length (rare scripts): then no marks.
    let same_length = lower.len() == chars.len();
    let starts_word = |i: usize| i == 0 || !chars[i - 1].is_alphanumeric();
    let mut marks = vec![false; chars.len()];
    if same_length {
        for word in words {
            // A loose stem: all but the last two letters, at least four.
            let len = word.chars().count();
            let stem: Vec<char> = word
                .chars()
                .take(len.saturating_sub(2).max(4).min(len))
                .collect();
            if stem.is_empty() {
                continue;
            }
            let mut i = 0;
            while i + stem.len() <= lower.len() {
                if starts_word(i) && lower[i..i + stem.len()] == stem[..] {
                    let mut end = i + stem.len();
                    while end < chars.len() && chars[end].is_alphanumeric() {
                        end += 1;
                    }
                    marks[i..end].iter_mut().for_each(|m| *m = true);
                    i = end;
                } else {
                    i += 1;
                }
            }
        }
    }
    let first = marks.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(width / 3);
    let end = (start + width).min(chars.len());
    let mut runs: Vec<(String, bool)> = Vec::new();
    if start > 0 {
        runs.push(("…".to_owned(), false));
    }
    for i in start..end {
        match runs.last_mut() {
            Some((run, hit)) if *hit == marks[i] && !(run == "…" && i == start) => {
                run.push(chars[i])
            }
            _ => runs.push((chars[i].to_string(), marks[i])),
        }
    }
    if end < chars.len() {
        runs.push(("…".to_owned(), false));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::highlight;

    fn marked(runs: &[(String, bool)]) -> Vec<&str> {
        runs.iter()
            .filter(|(_, hit)| *hit)
            .map(|(t, _)| t.as_str())
            .collect()
    }

    #[test]
    fn matches_are_marked_by_word_start() {
        let runs = highlight(
            "Medical devices need a Device ID; redevice no.",
            &["device".into()],
            300,
        );
        assert_eq!(marked(&runs), ["devices", "Device"]);
        let text: String = runs.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "Medical devices need a Device ID; redevice no.");
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{} needle {}", "a ".repeat(400), "b ".repeat(400));
        let runs = highlight(&text, &["needle".into()], 60);
        assert_eq!(runs.first().map(|r| r.0.as_str()), Some("…"));
        assert_eq!(runs.last().map(|r| r.0.as_str()), Some("…"));
        assert_eq!(marked(&runs), ["needle"]);
        let plain = highlight("short", &[], 60);
        assert_eq!(plain, [("short".to_owned(), false)]);
    }
}
