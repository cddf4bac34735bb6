//! The queue's quick controls: one click answers a comment with a
//! disposition, or assigns it to whoever clicked; everything else stays as
//! stored ([`TriageEdit::keeping`]). Answering a new comment also puts it in
//! review (`status::after_quick_answer`).

use super::TriageEdit;
use crate::db::DbConnection;
use crate::db::comments::Comment;
use crate::domain::Disposition;

/// What a quick control asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuickChange {
    Answer(Disposition),
    AssignToMe,
}

impl QuickChange {
    /// The edit [`save`](super::save) applies for user `me`: what is
    /// stored, with this change.
    pub fn edit(
        self,
        conn: &mut DbConnection,
        comment: &Comment,
        me: i64,
    ) -> diesel::QueryResult<TriageEdit> {
        let mut edit = TriageEdit::keeping(conn, comment)?;
        match self {
            Self::Answer(disposition) => {
                edit.disposition = Some(disposition);
                edit.status = super::status::after_quick_answer(comment.status);
            }
            Self::AssignToMe => edit.assignee = Some(me),
        }
        Ok(edit)
    }
}
