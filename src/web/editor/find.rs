//! `/editor/find?number=…`: the box in the editor bar that opens a comment
//! or a submission by its tracking number, the number a submitter quotes
//! in an e-mail and an exported table lists (`SP800-63-4-0008-61` is
//! comment 61 of submission `SP800-63-4-0008`). A comment's number goes
//! straight to its page; a submission's lists its comments. A number that
//! names nothing says so, with the number as typed, and what one looks
//! like. A submission still arriving is not found, as on every page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Chrome, SignedIn};
use crate::db::submissions::Submission;
use crate::db::{self, DbError};
use crate::export::status_label;
use crate::web::{AppState, WebError, page, see_other};

#[derive(Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    number: String,
}

#[derive(Template)]
#[template(path = "editor/find.html")]
struct FindPage {
    chrome: Chrome,
    /// The number as typed (trimmed).
    number: String,
    found: Option<Found>,
}

/// A submission's number: the submission and its comments.
struct Found {
    tracking: String,
    document: String,
    slug: String,
    from: String,
    received: String,
    comments: Vec<Listed>,
}

struct Listed {
    id: i64,
    tracking: String,
    status: &'static str,
    start: String,
}

/// What a tracking number names.
pub(super) enum Named {
    Comment(i64),
    Submission(Box<Submission>),
    Nothing,
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<FindQuery>,
) -> Result<HttpResponse, WebError> {
    let number = query.into_inner().number.trim().to_owned();
    let (named, found) = if number.is_empty() {
        (Named::Nothing, None)
    } else {
        let typed = number.clone();
        state
            .db
            .run(move |conn| {
                let named = lookup(conn, &typed)?;
                let found = match &named {
                    Named::Submission(submission) => Some(listing(conn, submission)?),
                    _ => None,
                };
                Ok::<_, DbError>((named, found))
            })
            .await?
    };
    let status = match named {
        Named::Comment(id) => return Ok(see_other(&format!("/editor/comments/{id}"))),
        Named::Submission(_) => StatusCode::OK,
        Named::Nothing if number.is_empty() => StatusCode::OK,
        Named::Nothing => StatusCode::NOT_FOUND,
    };
    page(
        status,
        &FindPage {
            chrome: Chrome::new(&who, &session)?,
            number,
            found,
        },
    )
}

/// Whether `text` could be a tracking number (`SP800-63-4-0008-61`): one
/// word with a dash and a digit. The queue's search looks such a word up
/// before searching the text for it.
pub(super) fn looks_like_tracking(text: &str) -> bool {
    !text.is_empty()
        && !text.contains(char::is_whitespace)
        && text.contains('-')
        && text.contains(|c: char| c.is_ascii_digit())
}

/// The comment or submission `number` names, as typed or in capitals
/// (prefixes are capitals, people type them as they please).
pub(super) fn lookup(conn: &mut db::DbConnection, number: &str) -> Result<Named, DbError> {
    let upper = number.to_uppercase();
    for candidate in [number, upper.as_str()] {
        if let Some(id) = db::comments::id_by_tracking(conn, candidate)? {
            return Ok(Named::Comment(id));
        }
        match db::submissions::find_by_tracking_number(conn, candidate) {
            Ok(s) if !s.arriving => return Ok(Named::Submission(Box::new(s))),
            Ok(_) | Err(diesel::result::Error::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Named::Nothing)
}

/// What the page lists of a submission: where it came from and its
/// comments.
fn listing(conn: &mut db::DbConnection, submission: &Submission) -> Result<Found, DbError> {
    let document = db::documents::find_by_id(conn, submission.document_id)?;
    let comments = db::comments::for_submission(conn, submission.id)?
        .into_iter()
        .map(|c| Listed {
            id: c.id,
            tracking: c.tracking_number,
            status: status_label(c.status),
            start: c.body.chars().take(120).collect(),
        })
        .collect();
    let from = match (
        submission.submitter_name.trim(),
        submission.organization.trim(),
    ) {
        ("", "") => "a submitter who gave no name".to_owned(),
        (name, "") | ("", name) => name.to_owned(),
        (name, org) => format!("{name}, {org}"),
    };
    Ok(Found {
        tracking: submission.tracking_number.clone(),
        document: document.title,
        slug: document.slug,
        from,
        received: submission.received_at.date().to_string(),
        comments,
    })
}

#[cfg(test)]
mod tests {
    use super::looks_like_tracking;

    #[test]
    fn a_tracking_number_is_one_word_with_a_dash_and_a_digit() {
        for number in ["SP800-63-4-0008-61", "nistir-8200-0001", "A-1"] {
            assert!(looks_like_tracking(number), "{number}");
        }
        for words in ["", "firmware", "V2X", "multi-factor", "SP800-63 4", "5.1"] {
            assert!(!looks_like_tracking(words), "{words}");
        }
    }
}
