//! E-mail to editors when a save assigns comments to them: one message per
//! save and assignee, listing the comments, never one per comment, and none
//! for assigning to oneself. Sent after the save is committed; a failure is
//! logged (by reason, never by address) and loses nothing.

use std::collections::BTreeMap;

use crate::db::{self, DbError};
use crate::mail::AssignmentNotice;
use crate::triage::Saved;
use crate::web::AppState;

/// Sends the notices for what `saved` newly assigned, on behalf of `by`.
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
    let ids: Vec<i64> = by_assignee.keys().copied().collect();
    let looked_up = state
        .db
        .run(move |conn| {
            let title = db::documents::find_by_id(conn, document_id)?.title;
            let mut users = Vec::new();
            for id in ids {
                users.push(db::users::find(conn, id)?);
            }
            Ok::<_, DbError>((title, users))
        })
        .await;
    let (title, users) = match looked_up {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, "assignment e-mail not sent: looking up the editors failed");
            return;
        }
    };
    for user in users {
        let Some(comments) = by_assignee.get(&user.id) else {
            continue;
        };
        let notice = AssignmentNotice {
            assignee_name: &user.name,
            assigned_by: &by.name,
            document_title: &title,
            comments,
        };
        if let Err(error) = state
            .mailer
            .send(&user.email, &notice.subject(), notice.body())
            .await
        {
            tracing::warn!(user = user.id, reason = %error.log_reason(), "assignment e-mail not sent");
        }
    }
}
