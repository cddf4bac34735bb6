//! The queue's quick controls: one click answers a comment with a
//! disposition, or assigns it to whoever clicked; everything else stays as
//! stored ([`TriageEdit::keeping`]); the status follows the answer
//! ([`status::settled`](super::status::settled)).

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
            Self::Answer(disposition) => edit.disposition = Some(disposition),
            Self::AssignToMe => edit.assignee = Some(me),
        }
        Ok(edit)
    }
}
