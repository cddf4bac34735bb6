//! One row of a queue (`templates/editor/queue_row.html`): what the queue
//! page shows of a comment, with its quick controls. The page renders its
//! rows with that template, and a quick change answers htmx with the one
//! row ([`RowFragment`]), so there is one copy of the row's markup.

use askama::Template;

use crate::db::{comments::Comment, sections::Section, users::User};
use crate::domain::Disposition;
use crate::triage;

/// A quick control: the disposition it sets, its button's word, and its
/// key in `static/queue.js` (which reads the keys from the buttons).
pub struct QuickChoice {
    pub word: &'static str,
    pub label: &'static str,
    pub key: &'static str,
}

/// The dispositions a queue row sets in one step. Not "duplicate": that
/// needs the comment it duplicates, so it is set on the comment page or
/// with the bulk form.
pub const QUICK: [QuickChoice; 5] = [
    QuickChoice {
        word: "accepted",
        label: "accept",
        key: "a",
    },
    QuickChoice {
        word: "accepted_with_modification",
        label: "modify",
        key: "m",
    },
    QuickChoice {
        word: "declined",
        label: "decline",
        key: "d",
    },
    QuickChoice {
        word: "noted",
        label: "note",
        key: "n",
    },
    QuickChoice {
        word: "deferred",
        label: "defer",
        key: "f",
    },
];

/// One queue row.
pub struct QueueRow {
    pub id: i64,
    pub version: i32,
    pub tracking: String,
    pub kind: String,
    pub location: String,
    pub filed: String,
    pub conflict: bool,
    pub status: String,
    /// Stored word (`accepted_with_modification`), or empty.
    pub disposition_word: String,
    /// For reading (`accepted with modification`).
    pub disposition: String,
    /// It has a response (which a quick answer keeps): the question asked
    /// before a quick answer replaces the disposition says so.
    pub has_response: bool,
    pub assignee: String,
    /// The text (an excerpt around the first match), split into runs with
    /// whether each is a match; rendered escaped, matches in `<mark>`.
    pub excerpt: Vec<(String, bool)>,
    /// After a quick change: what happened, shown in the row.
    pub note: Option<RowNote>,
}

/// A message shown in a row after a quick change.
pub struct RowNote {
    /// `saved`, `conflict` or `invalid` (a CSS class).
    pub kind: &'static str,
    pub text: String,
}

impl RowNote {
    pub fn saved(text: String) -> Self {
        Self {
            kind: "saved",
            text,
        }
    }

    pub fn conflict(text: String) -> Self {
        Self {
            kind: "conflict",
            text,
        }
    }

    pub fn invalid(text: String) -> Self {
        Self {
            kind: "invalid",
            text,
        }
    }
}

/// An account's name (the assignee column), or nothing.
pub fn name_in(users: &[User], id: Option<i64>) -> String {
    id.and_then(|id| users.iter().find(|u| u.id == id))
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

/// One row alone, for htmx to swap in place of the row it came from.
#[derive(Template)]
#[template(path = "editor/queue_row.html")]
pub struct RowFragment {
    pub row: QueueRow,
    pub csrf: String,
    /// The queue's address, to come back to without JavaScript.
    pub here: String,
    pub quick: &'static [QuickChoice],
}

impl QueueRow {
    pub fn new(
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
            disposition_word: c.disposition.0.map(|d| d.to_string()).unwrap_or_default(),
            disposition: c
                .disposition
                .0
                .map(|d| d.to_string().replace('_', " "))
                .unwrap_or_default(),
            has_response: triage::status::Answer::new(None, c.response.as_deref())
                .response
                .is_some(),
            assignee: name_of(c.assignee_id),
            excerpt: highlight(&c.body, words, 300),
            note: None,
        }
    }
}

/// The quick controls' dispositions are real ones, and never "duplicate".
pub fn quick_disposition(word: &str) -> Option<Disposition> {
    QUICK
        .iter()
        .any(|q| q.word == word)
        .then(|| word.parse().ok())
        .flatten()
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
    use super::{QUICK, highlight, quick_disposition};
    use crate::domain::Disposition;

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

    #[test]
    fn quick_controls_are_dispositions_with_distinct_keys_but_not_duplicate() {
        for q in &QUICK {
            assert!(quick_disposition(q.word).is_some(), "{}", q.word);
        }
        assert_eq!(
            quick_disposition("accepted_with_modification"),
            Some(Disposition::AcceptedWithModification)
        );
        assert_eq!(quick_disposition("duplicate"), None);
        assert_eq!(quick_disposition("bogus"), None);
        let mut keys: Vec<&str> = QUICK.iter().map(|q| q.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), QUICK.len());
        // j, k and x are the queue's other keys.
        assert!(!keys.iter().any(|k| ["j", "k", "x", "?"].contains(k)));
    }
}
