//! E-mail to editors when a save assigns comments to them: one message per
//! save and assignee, listing the comments, never one per comment, and none
//! for assigning to oneself. Queued (`mail::outbox`) after the save is
//! committed, in one transaction for all assignees; the sender job sends
//! and retries. A failure to queue is logged and loses no save.

use std::collections::BTreeMap;

use crate::db::outbox::{self, NewMail};
use crate::db::{self, DbError};
use crate::mail::AssignmentNotice;
use crate::triage::Saved;
use crate::web::AppState;

/// Queues the notices for what `saved` newly assigned, on behalf of `by`.
pub async fn assigned(state: &AppState, by: &db::users::User, saved: &[Saved]) {
    if state.mailer.is_off() {
        return;
    }
    let mut by_assignee: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
    for s in saved {
        if let Some(assignee) = s.newly_assigned_to.filter(|a| *a != by.id) {
            by_assignee.entry(assignee).or_default().push((
                s.comment.tracking_number.clone(),
                format!("{}/editor/comments/{}", state.public_url, s.comment.id),
            ));
        }
    }
    let Some(document_id) = saved.first().map(|s| s.comment.document_id) else {
        return;
    };
    if by_assignee.is_empty() {
        return;
    }
    let by_name = by.name.clone();
    let queued = state
        .db
        .run(move |conn| {
            let title = db::documents::find_by_id(conn, document_id)?.title;
            db::write_transaction(conn, |conn| {
                for (id, comments) in &by_assignee {
                    let user = db::users::find(conn, *id)?;
                    let notice = AssignmentNotice {
                        assignee_name: &user.name,
                        assigned_by: &by_name,
                        document_title: &title,
                        comments,
                    };
                    let (subject, body) = (notice.subject(), notice.body());
                    outbox::enqueue(conn, &NewMail::text(&user.email, &subject, &body))?;
                }
                Ok::<_, diesel::result::Error>(())
            })?;
            Ok::<_, DbError>(())
        })
        .await;
    match queued {
        Ok(()) => state.outbox.wake(),
        Err(error) => tracing::warn!(%error, "assignment e-mail not queued"),
    }
}
