//! One row of a queue (`templates/editor/queue_row.html`): what the queue
//! page shows of a comment, with its quick controls. The page renders its
//! rows with that template, and a quick change answers htmx with the one
//! row ([`RowFragment`]), so there is one copy of the row's markup.

use askama::Template;

use crate::db::{comments::Comment, sections::Section, users::User};
use crate::domain::Disposition;
use crate::triage::{self, Earlier};

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

/// Comment texts longer than this many characters (and some) show their
/// start and fold the rest under "more".
const FOLD_AT: usize = 600;

/// One queue row: a line of a resolution table.
pub struct QueueRow {
    pub id: i64,
    pub version: i32,
    pub tracking: String,
    pub kind: String,
    /// Page and line, as the submitter gave them.
    pub location: String,
    /// The section it is filed under, with its volume in a multi-volume
    /// draft.
    pub filed: String,
    /// Who sent it: the row's commenter and organisation, else the
    /// submission's (never an e-mail address).
    pub submitter: String,
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
    /// The comment and the suggested change, in full, search words marked.
    pub body: Folded,
    pub suggested: Folded,
    /// What the row's response box shows: the stored response, or after a
    /// refused change, what was typed.
    pub response: String,
    /// After a quick change: what happened, shown in the row.
    pub note: Option<RowNote>,
}

/// A text split into runs with whether each is a search match (rendered
/// escaped, matches in `<mark>`): `shown`, then, for a long text, the
/// `rest` folded under "more" (never cut off).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Folded {
    pub shown: Vec<(String, bool)>,
    pub rest: Vec<(String, bool)>,
}

impl Folded {
    /// `text` with `words` marked, folded after [`FOLD_AT`] characters at
    /// a space, when there is enough left to be worth folding.
    pub fn new(text: &str, words: &[String]) -> Self {
        let runs = highlight(text, words, usize::MAX);
        let chars: Vec<char> = text.chars().collect();
        if chars.len() <= FOLD_AT + FOLD_AT / 4 {
            return Self {
                shown: runs,
                rest: Vec::new(),
            };
        }
        let at = (FOLD_AT..chars.len())
            .find(|&i| chars[i].is_whitespace())
            .unwrap_or(chars.len());
        let mut shown = Vec::new();
        let mut rest = Vec::new();
        let mut seen = 0;
        for (run, hit) in runs {
            let len = run.chars().count();
            if seen + len <= at {
                shown.push((run, hit));
            } else if seen >= at {
                rest.push((run, hit));
            } else {
                let split = run
                    .char_indices()
                    .nth(at - seen)
                    .map_or(run.len(), |(i, _)| i);
                shown.push((run[..split].to_owned(), hit));
                rest.push((run[split..].to_owned(), hit));
            }
            seen += len;
        }
        Self { shown, rest }
    }
}

/// A message shown in a row after a quick change.
pub struct RowNote {
    /// `saved`, `conflict` or `invalid` (a CSS class).
    pub kind: &'static str,
    pub text: String,
    /// After a saved change: what its Undo puts back.
    pub undo: Option<Earlier>,
}

impl RowNote {
    pub fn saved(text: String) -> Self {
        Self {
            kind: "saved",
            text,
            undo: None,
        }
    }

    pub fn conflict(text: String) -> Self {
        Self {
            kind: "conflict",
            text,
            undo: None,
        }
    }

    pub fn invalid(text: String) -> Self {
        Self {
            kind: "invalid",
            text,
            undo: None,
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
    /// The editor's single-key shortcuts are on (the keys' hints).
    pub keys: bool,
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
        senders: &[(i64, String, String, String)],
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
            submitter: submitter(&c, senders),
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
            body: Folded::new(&c.body, words),
            suggested: Folded::new(c.suggested_change.as_deref().unwrap_or_default(), words),
            response: c.response.unwrap_or_default(),
            note: None,
        }
    }
}

/// `Ada Lovelace (NIST)`: the row's commenter and organisation as the
/// submitter's table gave them, else its submission's sender.
fn submitter(c: &Comment, senders: &[(i64, String, String, String)]) -> String {
    let given = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (mut name, mut org) = (given(&c.commenter), given(&c.organization));
    if name.is_empty()
        && org.is_empty()
        && let Some((_, _, n, o)) = senders.iter().find(|s| s.0 == c.submission_id)
    {
        (name, org) = (n.trim().to_owned(), o.trim().to_owned());
    }
    match (name.is_empty(), org.is_empty()) {
        (false, false) => format!("{name} ({org})"),
        (false, true) => name,
        (true, false) => org,
        (true, true) => String::new(),
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
    use super::{FOLD_AT, Folded, QUICK, highlight, quick_disposition};
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
    fn long_texts_fold_at_a_space_and_keep_every_character_and_mark() {
        let short = Folded::new("Add IEEE 1609.2.", &["ieee".into()]);
        assert!(short.rest.is_empty());
        assert_eq!(marked(&short.shown), ["IEEE"]);
        // A little over the limit is not worth folding.
        assert!(
            Folded::new(&"word ".repeat(FOLD_AT / 5 + 10), &[])
                .rest
                .is_empty()
        );
        let text = format!("{} needle {}", "ab ".repeat(FOLD_AT / 6), "cd ".repeat(300));
        let long = Folded::new(&text, &["needle".into(), "cd".into()]);
        let shown: String = long.shown.iter().map(|r| r.0.as_str()).collect();
        let rest: String = long.rest.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(format!("{shown}{rest}"), text, "nothing cut");
        assert!(shown.chars().count() >= FOLD_AT);
        assert!(rest.starts_with(' '), "folded at a space: {rest:.20}");
        assert!(!long.shown.iter().chain(&long.rest).any(|r| r.0 == "…"));
        assert_eq!(marked(&long.shown).first(), Some(&"needle"));
        let cds = marked(&long.shown).len() + marked(&long.rest).len() - 1;
        assert_eq!(cds, 300, "every match marked, on both sides of the fold");
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
