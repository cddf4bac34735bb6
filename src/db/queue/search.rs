//! What an editor's search becomes: its words, and SQLite's FTS5 query
//! (PostgreSQL's is `plainto_tsquery` of the same words).

use super::{QueueFilter, Scope};

/// The FTS5 query for `words` (each a quoted string, all required, in the
/// text columns only) within the filter's scope: its sections, General
/// (`s0`) or the whole document (migration 000009's `search_scope`).
pub(super) fn fts_expression(document_id: i64, filter: &QueueFilter, words: &[String]) -> String {
    let words = words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    let scope = match filter.scope() {
        Scope::General => format!("\"d{document_id}\" \"s0\""),
        Scope::Sections(ids) => ids
            .iter()
            .map(|id| format!("\"s{id}\""))
            .collect::<Vec<_>>()
            .join(" OR "),
        Scope::Document => format!("\"d{document_id}\""),
    };
    let columns = if filter.public {
        "body suggested_change"
    } else {
        "body suggested_change response"
    };
    format!("{{{columns}}} : ({words}) AND search_scope : ({scope})")
}

/// The words of a search: letters and digits only (so `AND`, `*` or quotes
/// typed by an editor are just words), lower case, without English stop
/// words. PostgreSQL's `english` configuration drops those words and
/// SQLite's porter tokenizer does not; dropping them here makes a search
/// find the same comments on both back ends.
pub fn search_words(search: &str) -> Vec<String> {
    search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// PostgreSQL's `english.stop` (the Snowball list).
const STOP_WORDS: [&str; 127] = [
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

#[cfg(test)]
mod tests {
    #[test]
    fn fts_expressions_name_text_columns_and_the_scope() {
        use super::super::QueueFilter;
        use super::fts_expression;
        let words = ["fda".to_owned(), "premarket".to_owned()];
        let text = "{body suggested_change response} : (\"fda\" \"premarket\")";
        let all = QueueFilter::default();
        assert_eq!(
            fts_expression(7, &all, &words),
            format!("{text} AND search_scope : (\"d7\")")
        );
        let some = QueueFilter {
            sections: Some(vec![3, 12]),
            ..QueueFilter::default()
        };
        assert_eq!(
            fts_expression(7, &some, &words),
            format!("{text} AND search_scope : (\"s3\" OR \"s12\")")
        );
        let general = all.in_one_section(None);
        assert_eq!(
            fts_expression(7, &general, &words),
            format!("{text} AND search_scope : (\"d7\" \"s0\")")
        );
        assert!(general.is_scope_and_search_only());
        let typed = QueueFilter {
            comment_type: Some("technical".into()),
            ..some
        };
        assert!(!typed.is_scope_and_search_only());
    }

    #[test]
    fn search_words_are_plain_words() {
        assert_eq!(
            super::search_words("  FDA \"premarket\" AND guid* -x "),
            ["fda", "premarket", "guid", "x"]
        );
        assert!(super::search_words("*** ").is_empty());
    }
}
