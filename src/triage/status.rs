//! Where a comment's status goes when its answer changes: one rule for
//! every path (its page, the queue's keys, bulk, clusters, a table sent
//! back, the API), so that "answered" means one thing everywhere.
//!
//! A comment whose answer is complete, a disposition and a response that
//! is not blank, is resolved; one whose answer was started (or changed)
//! but is not complete is in review; a resolved comment whose answer is
//! taken apart goes back to review. The status moves only when the answer
//! changes, so a status an editor set by hand (keeping an answered comment
//! in review, say) stays until the answer is changed again; and it never
//! moves when the edit sets the status itself. Published and withdrawn
//! comments keep their status.

use crate::domain::{Disposition, TriageStatus};

/// A comment's answer: its disposition and its response, trimmed (a
/// blank one is none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer<'a> {
    pub disposition: Option<Disposition>,
    pub response: Option<&'a str>,
}

impl<'a> Answer<'a> {
    pub fn new(disposition: Option<Disposition>, response: Option<&'a str>) -> Self {
        Self {
            disposition,
            response: response.map(str::trim).filter(|r| !r.is_empty()),
        }
    }

    /// A disposition and a response: what a final table needs.
    pub fn is_complete(&self) -> bool {
        self.disposition.is_some() && self.response.is_some()
    }
}

/// The status after an edit: `chosen` when the edit sets one, else what
/// the change of answer from `was` to `now` makes of `stored`.
pub fn settled(
    stored: TriageStatus,
    chosen: Option<TriageStatus>,
    was: Answer<'_>,
    now: Answer<'_>,
) -> TriageStatus {
    use TriageStatus::{InReview, New, Resolved};
    if let Some(status) = chosen {
        return status;
    }
    if was == now {
        return stored;
    }
    match stored {
        New | InReview if now.is_complete() => Resolved,
        New => InReview,
        Resolved if !now.is_complete() => InReview,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Disposition::{Accepted, Declined};
    use TriageStatus::{InReview, New, Published, Resolved, Withdrawn};

    const NONE: Answer = Answer {
        disposition: None,
        response: None,
    };
    const ONLY_DISPOSITION: Answer = Answer {
        disposition: Some(Accepted),
        response: None,
    };
    const ONLY_RESPONSE: Answer = Answer {
        disposition: None,
        response: Some("Done."),
    };
    const COMPLETE: Answer = Answer {
        disposition: Some(Accepted),
        response: Some("Done."),
    };

    fn all(was: Answer, now: Answer) -> [TriageStatus; 5] {
        [New, InReview, Resolved, Published, Withdrawn].map(|s| settled(s, None, was, now))
    }

    #[test]
    fn a_complete_answer_resolves_an_open_comment() {
        for was in [NONE, ONLY_DISPOSITION, ONLY_RESPONSE] {
            assert_eq!(
                all(was, COMPLETE),
                [Resolved, Resolved, Resolved, Published, Withdrawn]
            );
        }
        let other = Answer {
            disposition: Some(Declined),
            response: Some("Done."),
        };
        let reworded = Answer {
            disposition: Some(Accepted),
            response: Some("Done in 5.1."),
        };
        for now in [other, reworded] {
            assert_eq!(
                all(COMPLETE, now),
                [Resolved, Resolved, Resolved, Published, Withdrawn],
                "a changed complete answer: {now:?}"
            );
        }
    }

    #[test]
    fn a_started_answer_puts_a_new_comment_in_review() {
        for now in [ONLY_DISPOSITION, ONLY_RESPONSE] {
            assert_eq!(
                all(NONE, now),
                [InReview, InReview, InReview, Published, Withdrawn]
            );
        }
    }

    #[test]
    fn an_answer_taken_apart_sends_a_resolved_comment_back_to_review() {
        assert_eq!(
            all(COMPLETE, ONLY_DISPOSITION),
            [InReview, InReview, InReview, Published, Withdrawn]
        );
        assert_eq!(all(COMPLETE, NONE)[2], InReview);
    }

    #[test]
    fn the_status_stays_when_the_answer_does() {
        for answer in [NONE, ONLY_DISPOSITION, COMPLETE] {
            assert_eq!(
                all(answer, answer),
                [New, InReview, Resolved, Published, Withdrawn]
            );
        }
    }

    #[test]
    fn a_status_the_edit_sets_wins() {
        assert_eq!(settled(New, Some(InReview), NONE, COMPLETE), InReview);
        assert_eq!(settled(Resolved, Some(New), COMPLETE, COMPLETE), New);
    }

    #[test]
    fn a_blank_response_is_no_response() {
        assert!(!Answer::new(Some(Accepted), Some(" \n\t")).is_complete());
        assert_eq!(
            Answer::new(Some(Accepted), Some(" Done. ")),
            COMPLETE,
            "spaces around a response change nothing"
        );
        assert!(Answer::new(Some(Accepted), Some("Done.")).is_complete());
        assert!(!Answer::new(None, Some("Done.")).is_complete());
    }
}
