//! Replies in each submitter's own file (`replies`): one submission's,
//! `/editor/submissions/{id}/replies`, or every file of a document in one
//! ZIP, `/editor/d/{slug}/replies.zip`, written as it streams (each file is
//! made, added and dropped in turn).

use std::io::Write;

use actix_web::{HttpResponse, web};
use zip::write::SimpleFileOptions;

use super::SignedIn;
use crate::db;
use crate::documents;
use crate::replies::{self, ReplyError};
use crate::web::{AppState, WebError, stream};

impl From<ReplyError> for WebError {
    fn from(error: ReplyError) -> Self {
        match error {
            e @ ReplyError::NoFile => Self::NotFound(e.to_string()),
            ReplyError::Database(e) => e.into(),
            other => Self::Unexpected(other.into()),
        }
    }
}

pub async fn one(
    _who: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let limits = replies_limits(&state);
    let reply = state
        .db
        .run(move |conn| {
            // No such submission: 404, like any missing record.
            db::submissions::find(conn, id)?;
            replies::for_submission(conn, id, &limits)
        })
        .await?;
    let bytes = reply.bytes;
    stream::attachment(
        &state.downloads,
        reply.content_type,
        &reply.file_name,
        move |out| {
            out.write_all(&bytes)?;
            Ok(())
        },
    )
}

pub async fn all(
    who: SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let slug = slug.into_inner();
    let lookup = slug.clone();
    let files = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &lookup)?;
            Ok::<_, documents::DocumentError>(db::submissions::with_files(conn, document.id)?)
        })
        .await?;
    let db = state.db.clone();
    let limits = replies_limits(&state);
    tracing::info!(user = who.user.id, files = files.len(), "replies zip");
    stream::attachment(
        &state.downloads,
        "application/zip",
        &format!("{slug}-replies.zip"),
        move |out| {
            let mut zip = zip::ZipWriter::new_stream(out);
            let options =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (id, tracking, _) in files {
                // A connection only while one file is read: the client may
                // take its time over the ZIP.
                let reply = replies::for_submission(&mut *db.get()?, id, &limits)?;
                zip.start_file(entry_name(&tracking, &reply.file_name), options)?;
                zip.write_all(&reply.bytes)?;
            }
            zip.finish()?;
            Ok(())
        },
    )
}

/// `TRACKING file name`, with only the file name's last part and no path
/// or control characters: a submitter's file name (`../../x.csv`) must
/// not place a file outside the folder an editor unpacks into.
fn entry_name(tracking: &str, file_name: &str) -> String {
    format!("{tracking} {}", crate::mail::safe_file_name(file_name))
}

/// What a stored file may hold when it is answered
/// (`replies::stored_file_limits`).
pub(super) fn replies_limits(state: &AppState) -> crate::intake::Limits {
    crate::replies::stored_file_limits(&state.limits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn entry_names_stay_in_the_folder() {
        assert_eq!(
            super::entry_name("D-1", "../../x (replies).csv"),
            "D-1 x (replies).csv"
        );
        assert_eq!(super::entry_name("D-2", "C:\\a\\b.xlsx"), "D-2 b.xlsx");
        assert_eq!(super::entry_name("D-3", "a\nb:c.xlsx"), "D-3 a_b_c.xlsx");
    }
}
