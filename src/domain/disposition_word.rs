//! Reading a disposition as the bodies write it:
//! docket's own words, NIST's tracker labels, ISO secretariat phrases,
//! IEEE 802's A/V/J, HL7's persuasive family. Disposition tables edited
//! offline come back with any of them.

use super::Disposition;

/// Phrases, longest first within a meaning where one begins another
/// (`accepted in principle` before `accepted`), as [`parse`] and
/// [`split_answer`] try them in order.
const PHRASES: &[(&str, Disposition)] = &[
    (
        "accepted with modifications",
        Disposition::AcceptedWithModification,
    ),
    (
        "accepted with modification",
        Disposition::AcceptedWithModification,
    ),
    (
        "accepted in principle",
        Disposition::AcceptedWithModification,
    ),
    ("accept in principle", Disposition::AcceptedWithModification),
    ("partially accepted", Disposition::AcceptedWithModification),
    ("partially-accepted", Disposition::AcceptedWithModification),
    (
        "persuasive with modification",
        Disposition::AcceptedWithModification,
    ),
    (
        "persuasive-with-modification",
        Disposition::AcceptedWithModification,
    ),
    ("revised", Disposition::AcceptedWithModification),
    ("accepted-duplicate", Disposition::Duplicate),
    ("accepted duplicate", Disposition::Duplicate),
    ("rejected-duplicate", Disposition::Duplicate),
    ("rejected duplicate", Disposition::Duplicate),
    ("duplicate", Disposition::Duplicate),
    ("not accepted", Disposition::Declined),
    ("not persuasive", Disposition::Declined),
    ("not-persuasive", Disposition::Declined),
    ("accepted", Disposition::Accepted),
    ("accept", Disposition::Accepted),
    ("persuasive", Disposition::Accepted),
    ("declined", Disposition::Declined),
    ("decline", Disposition::Declined),
    ("rejected", Disposition::Declined),
    ("reject", Disposition::Declined),
    ("noted", Disposition::Noted),
    ("deferred", Disposition::Deferred),
    ("defer", Disposition::Deferred),
    ("obe", Disposition::Deferred),
    ("future revision", Disposition::Deferred),
];

/// The words [`parse`] lists when it does not know a cell's word.
pub const KNOWN: &str = "accepted, accepted with modification (partially accepted, accepted in principle, revised), declined (not accepted, rejected), noted, deferred, duplicate; or IEEE's A, V, J";

/// A cell that names a disposition and nothing else (`Declined`,
/// `partially-accepted`, `accepted_with_modification`, `V`). `None` when
/// the word is not one docket knows.
pub fn parse(cell: &str) -> Option<Disposition> {
    let word = cell.trim().trim_end_matches('.').trim();
    match word {
        "A" | "a" => return Some(Disposition::Accepted),
        "V" | "v" => return Some(Disposition::AcceptedWithModification),
        "J" | "j" => return Some(Disposition::Declined),
        _ => {}
    }
    // docket's stored spelling (`accepted_with_modification`) too.
    let spaced = word.replace('_', " ");
    let normal = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    PHRASES
        .iter()
        .find(|(phrase, _)| normal.eq_ignore_ascii_case(phrase))
        .map(|(_, d)| *d)
}

/// One cell holding a disposition and the response after it, as ISO's
/// "Observations of the secretariat" does (`Accepted in principle. The
/// text now says…`): the disposition when the cell starts with one, and
/// the rest. A cell that starts with no known phrase is all response.
pub fn split_answer(cell: &str) -> (Option<Disposition>, &str) {
    let text = cell.trim_start();
    for (phrase, disposition) in PHRASES {
        let Some(head) = text.get(..phrase.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(phrase) {
            continue;
        }
        let rest = &text[phrase.len()..];
        // A whole word: `Accepted.` or `Noted:` but not `Acceptedly`.
        if rest.chars().next().is_some_and(char::is_alphanumeric) {
            continue;
        }
        // One separator after the word (`.` as exports write it, or `:`
        // `;` `,` `–` `—`), then spaces: what follows is the response as
        // written, even when it starts with punctuation itself
        // (`Accepted. - fixed` answers "- fixed").
        let rest = rest.trim_start_matches([' ', '\t']);
        let rest = rest
            .strip_prefix(['.', ':', ';', ',', '–', '—'])
            .unwrap_or(rest);
        return (Some(*disposition), rest.trim());
    }
    (None, cell.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_vocabulary_reads() {
        use Disposition::*;
        for (word, want) in [
            ("Accepted", Accepted),
            ("accepted_with_modification", AcceptedWithModification),
            ("Accepted with modification", AcceptedWithModification),
            ("partially-accepted", AcceptedWithModification),
            ("Accepted in principle", AcceptedWithModification),
            ("V", AcceptedWithModification),
            ("J", Declined),
            ("A", Accepted),
            ("decline", Declined),
            ("Not accepted.", Declined),
            ("Rejected", Declined),
            ("not-persuasive", Declined),
            ("persuasive-with-modification", AcceptedWithModification),
            ("Noted", Noted),
            ("OBE", Deferred),
            ("Rejected-Duplicate", Duplicate),
            ("  duplicate ", Duplicate),
        ] {
            assert_eq!(parse(word), Some(want), "{word}");
        }
        for word in ["", "maybe", "Accepted!", "Q"] {
            assert_eq!(parse(word), None, "{word}");
        }
    }

    #[test]
    fn docket_words_and_labels_read_back() {
        for d in Disposition::iter() {
            assert_eq!(parse(d.as_ref()), Some(d));
        }
    }

    #[test]
    fn answers_split_into_disposition_and_response() {
        use Disposition::*;
        assert_eq!(
            split_answer("Accepted in principle. The text now says so."),
            (Some(AcceptedWithModification), "The text now says so.")
        );
        assert_eq!(
            split_answer("Not accepted: out of scope"),
            (Some(Declined), "out of scope")
        );
        assert_eq!(split_answer("Noted"), (Some(Noted), ""));
        assert_eq!(split_answer("accepted"), (Some(Accepted), ""));
        // Not a disposition word at the start: all response.
        assert_eq!(
            split_answer("Acceptance criteria are in 5.1."),
            (None, "Acceptance criteria are in 5.1.")
        );
        assert_eq!(split_answer("  See 4.2  "), (None, "See 4.2"));
        // Only one separator goes: the response keeps its own punctuation.
        assert_eq!(
            split_answer("Accepted. - fixed typo"),
            (Some(Accepted), "- fixed typo")
        );
        assert_eq!(split_answer("Noted — see 5.1"), (Some(Noted), "see 5.1"));
        assert_eq!(split_answer(""), (None, ""));
    }
}
