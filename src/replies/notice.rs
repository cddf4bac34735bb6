//! The e-mail a submitter is owed once the disposition is published: made
//! one submission at a time, on a blocking thread, so a run over a large
//! document holds one file in memory, never all of them.
//!
//! Only published answers go out: a response an editor changed after
//! publication is a draft until the next publication, as on the public
//! comments page.

use super::{Answers, Reply, ReplyError};
use crate::db::comments::Comment;
use crate::db::{DbConnection, comments, submissions};
use crate::domain::TriageStatus;
use crate::export::disposition_label;
use crate::intake::Limits;
use crate::mail::{ListedAnswer, ReplyAnswers, ReplyNotice};

/// What every notice of one document shares.
#[derive(Clone, Debug)]
pub struct NoticeDocument {
    pub title: String,
    /// `{public_url}/d/{slug}/comments`, while the comments are posted.
    pub comments_url: Option<String>,
}

/// One message, ready to send. `Debug` leaves the address out.
pub struct Outgoing {
    pub submission_id: i64,
    pub to: String,
    pub tracking_number: String,
    pub subject: String,
    pub body: String,
    /// The submitter's own file with the answers, when they sent a file.
    pub attachment: Option<Reply>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("submission_id", &self.submission_id)
            .field("tracking_number", &self.tracking_number)
            .field(
                "attachment",
                &self.attachment.as_ref().map(|a| &a.file_name),
            )
            .finish_non_exhaustive()
    }
}

/// The message submission `id` is owed, or `None` when it is owed none
/// (mailed already, by this run or another; no address; nothing
/// published).
pub fn outgoing(
    conn: &mut DbConnection,
    id: i64,
    document: &NoticeDocument,
    limits: &Limits,
) -> Result<Option<Outgoing>, ReplyError> {
    let submission = submissions::find(conn, id)?;
    let to = match submission.email.as_deref().map(str::trim) {
        Some(to) if !to.is_empty() => to.to_owned(),
        _ => return Ok(None),
    };
    if submission.reply_sent_at.is_some() || submission.withdrawn_at.is_some() {
        return Ok(None);
    }
    let all = comments::for_submission(conn, id)?;
    let kept: Vec<Comment> = all
        .into_iter()
        .filter(|c| c.status != TriageStatus::Withdrawn)
        .collect();
    let published: Vec<Comment> = kept
        .iter()
        .filter(|c| c.status == TriageStatus::Published)
        .cloned()
        .collect();
    if published.is_empty() {
        return Ok(None);
    }
    let attachment = match submissions::file_name(conn, id)? {
        None => None,
        Some(_) => {
            let file = submissions::file(conn, id)?;
            match super::write(
                &file.file_name,
                &file.bytes,
                &Answers::of(&published),
                limits,
            ) {
                Ok(reply) => Some(reply),
                Err(ReplyError::Database(e)) => return Err(e.into()),
                // Stored files were read at intake, so this is rare; the
                // submitter still gets the answers, in the text.
                Err(_) => {
                    tracing::warn!(
                        tracking = %submission.tracking_number,
                        "the reply file could not be made; the answers are listed in the e-mail instead"
                    );
                    None
                }
            }
        }
    };
    let listed: Vec<ListedAnswer> = match attachment {
        Some(_) => Vec::new(),
        None => kept.iter().map(listed).collect(),
    };
    let notice = ReplyNotice {
        submitter_name: &submission.submitter_name,
        document_title: &document.title,
        tracking_number: &submission.tracking_number,
        answered: published.len(),
        comments: kept.len(),
        comments_url: document.comments_url.as_deref(),
        answers: match &attachment {
            Some(reply) => ReplyAnswers::Attached {
                file_name: &reply.file_name,
            },
            None => ReplyAnswers::Listed(&listed),
        },
    };
    Ok(Some(Outgoing {
        submission_id: id,
        subject: notice.subject(),
        body: notice.body(),
        to,
        tracking_number: submission.tracking_number,
        attachment,
    }))
}

/// A comment as the text lists it; its answer only when published.
fn listed(c: &Comment) -> ListedAnswer {
    let answer = (c.status == TriageStatus::Published).then(|| {
        (
            c.disposition.0.map_or("", disposition_label).to_owned(),
            c.response.clone().unwrap_or_default(),
        )
    });
    ListedAnswer {
        tracking_number: c.tracking_number.clone(),
        number: c.comment_number.clone(),
        section: c.section_raw.clone(),
        comment: c.body.clone(),
        answer,
    }
}
