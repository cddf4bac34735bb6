//! Where a comment's status goes when it is answered anywhere but on its
//! page (whose form sets the status the editor chose). The rules differ
//! by path today, and are kept here side by side so that they are read,
//! and changed, together:
//!
//! - a quick answer from the queue ([`after_quick_answer`]): someone has
//!   read a new comment, so it is in review; the response and the
//!   resolution are left for its page;
//! - a disposition table sent back ([`after_sent_back`]): a comment given
//!   both a disposition and a response is resolved;
//! - a bulk change leaves the status alone unless the editor chose one.

use crate::domain::TriageStatus;

/// The status after a quick answer (a disposition, no response).
pub fn after_quick_answer(current: TriageStatus) -> TriageStatus {
    match current {
        TriageStatus::New => TriageStatus::InReview,
        other => other,
    }
}

/// The status after a sent-back table's row; `answered`: it gives a
/// disposition and a response that is not blank.
pub fn after_sent_back(current: TriageStatus, answered: bool) -> TriageStatus {
    match current {
        TriageStatus::New | TriageStatus::InReview if answered => TriageStatus::Resolved,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TriageStatus::{InReview, New, Resolved, Withdrawn};

    #[test]
    fn a_quick_answer_puts_a_new_comment_in_review() {
        let after: Vec<_> = [New, InReview, Resolved, Withdrawn]
            .map(after_quick_answer)
            .into();
        assert_eq!(after, [InReview, InReview, Resolved, Withdrawn]);
    }

    #[test]
    fn a_row_sent_back_with_an_answer_resolves_an_open_comment() {
        let answered = [New, InReview, Resolved, Withdrawn].map(|s| after_sent_back(s, true));
        assert_eq!(answered, [Resolved, Resolved, Resolved, Withdrawn]);
        let not = [New, InReview, Resolved, Withdrawn].map(|s| after_sent_back(s, false));
        assert_eq!(not, [New, InReview, Resolved, Withdrawn]);
    }
}
