use super::*;

#[allow(
    clippy::too_many_arguments,
    reason = "one outline row per call, read as a table"
)]
fn node(
    id: i64,
    parent: Option<i64>,
    volume: &str,
    kind: SectionKind,
    number: &str,
    title: &str,
    lines: Option<(i32, i32)>,
    pages: Option<(&str, &str)>,
) -> Section {
    let depth = number.matches('.').count() as i32;
    Section {
        id,
        document_id: 1,
        parent_id: parent,
        volume: volume.to_owned(),
        kind,
        number: number.to_owned(),
        lookup_key: match kind {
            SectionKind::Table | SectionKind::Figure => format!("{kind}:{}", number.to_lowercase()),
            _ => number.to_lowercase(),
        },
        title: title.to_owned(),
        position: id as i32,
        depth: if matches!(kind, SectionKind::Table | SectionKind::Figure) {
            depth + 9
        } else {
            depth
        },
        page_start: pages.map(|p| p.0.to_owned()),
        page_end: pages.map(|p| p.1.to_owned()),
        line_start: lines.map(|l| l.0),
        line_end: lines.map(|l| l.1),
        owner_id: None,
    }
}

/// 1 Introduction · 2 Identity (2.1, 2.2, Table 3 in 2.1) · Appendix A (A.1).
fn outline() -> Tagger {
    use SectionKind::*;
    Tagger::new(&[
        node(
            1,
            None,
            "",
            Section,
            "1",
            "Introduction",
            Some((1, 100)),
            Some(("1", "2")),
        ),
        node(
            2,
            None,
            "",
            Section,
            "2",
            "Identity",
            Some((101, 300)),
            Some(("3", "8")),
        ),
        node(
            3,
            Some(2),
            "",
            Section,
            "2.1",
            "Proofing",
            Some((101, 200)),
            Some(("3", "5")),
        ),
        node(
            4,
            Some(2),
            "",
            Section,
            "2.2",
            "Binding",
            Some((201, 300)),
            Some(("6", "8")),
        ),
        node(
            5,
            Some(3),
            "",
            Table,
            "3",
            "Strength of evidence",
            Some((150, 160)),
            None,
        ),
        node(
            6,
            None,
            "",
            Appendix,
            "A",
            "Glossary",
            Some((301, 400)),
            Some(("9", "10")),
        ),
        node(
            7,
            Some(6),
            "",
            Appendix,
            "A.1",
            "Terms",
            Some((301, 350)),
            None,
        ),
    ])
}

fn tag(section: &str, line: Option<i32>, page: Option<&str>) -> Tag {
    outline().tag(Signals {
        volume: None,
        section: Some(section).filter(|s| !s.is_empty()),
        line,
        page,
    })
}

#[test]
fn section_text_names_the_node() {
    for (raw, id) in [
        ("2.1", 3),
        ("§ 2.2", 4),
        ("Sec. 2", 2),
        ("2. Identity", 2),
        ("2.1.4", 3),
        ("2.1.4.9", 3),
        ("Appendix A", 6),
        ("A.1", 7),
        ("Annex A", 6),
        ("Table 3", 5),
        ("Introduction", 1),
        ("binding", 4),
    ] {
        let t = tag(raw, None, None);
        assert_eq!(t.section_id, Some(id), "{raw}: {t:?}");
        assert!(
            matches!(t.source, TagSource::Section | TagSource::Title),
            "{raw}: {t:?}"
        );
        assert_eq!(t.conflict, None, "{raw}");
    }
    assert_eq!(tag("Proofing", None, None).source, TagSource::Title);
    assert_eq!(
        tag("2.1 - 2.2", None, None).span.as_deref(),
        Some("2.1 - 2.2")
    );
}

#[test]
fn then_the_line_then_the_page() {
    let by_line = tag("", Some(155), Some("4"));
    assert_eq!(
        (by_line.section_id, by_line.source),
        (Some(5), TagSource::Line),
        "the deepest node: Table 3"
    );
    let by_page = tag("", None, Some("7"));
    assert_eq!(
        (by_page.section_id, by_page.source),
        (Some(4), TagSource::Page)
    );
    let none = tag("", None, None);
    assert_eq!((none.section_id, none.source), (None, TagSource::General));
    assert_eq!(tag("General", Some(155), None).source, TagSource::General);
}

#[test]
fn disagreements_are_noted() {
    let t = tag("2.2", Some(120), None);
    assert_eq!((t.section_id, t.source), (Some(4), TagSource::Section));
    assert_eq!(
        t.conflict.as_deref(),
        Some("the section column says 2.2 but line 120 lies in 2.1")
    );
    // A line inside the named section (or its parent) is no conflict.
    assert_eq!(tag("2", Some(120), None).conflict, None);
    assert_eq!(tag("2.1", Some(155), None).conflict, None);
    let past = tag("", None, Some("99"));
    assert_eq!(
        past.conflict.as_deref(),
        Some("page 99 is past the end of the document")
    );
}

#[test]
fn a_reference_to_nothing_is_unresolved_unless_the_line_helps() {
    let t = tag("7.4", None, None);
    assert_eq!((t.section_id, t.source), (None, TagSource::None));
    assert_eq!(
        t.conflict.as_deref(),
        Some("the section column \"7.4\" names nothing in the outline")
    );
    let helped = tag("Quantum stuff", Some(210), None);
    assert_eq!(
        (helped.section_id, helped.source),
        (Some(4), TagSource::Line)
    );
    assert!(helped.conflict.unwrap().contains("names nothing"));
}

#[test]
fn volumes_are_chosen_by_the_publication() {
    use SectionKind::Section as S;
    let tagger = Tagger::new(&[
        node(1, None, "Base", S, "4", "Base four", None, None),
        node(2, None, "63A", S, "4", "A four", None, None),
        node(3, Some(2), "63A", S, "4.3", "A four three", None, None),
    ]);
    let signals = |volume, section| Signals {
        volume,
        section: Some(section),
        line: None,
        page: None,
    };
    assert_eq!(
        tagger.tag(signals(Some("63-Base"), "4")).section_id,
        Some(1)
    );
    assert_eq!(
        tagger.tag(signals(Some("NIST SP 800-63A"), "4")).section_id,
        Some(2)
    );
    assert_eq!(tagger.tag(signals(Some("63A"), "4.3")).section_id, Some(3));
    assert_eq!(tagger.label(3).as_deref(), Some("63A 4.3"));
    assert_eq!(tagger.label(1).as_deref(), Some("Base 4"));
    let unknown = tagger.tag(signals(Some("63Z"), "4"));
    assert_eq!(unknown.section_id, Some(1));
    assert!(unknown.conflict.unwrap().contains("several volumes"));
    // Only one volume has 4.3: no ambiguity without a publication.
    assert_eq!(tagger.tag(signals(None, "4.3")).conflict, None);
}

#[test]
fn without_a_publication_the_line_chooses_the_volume_or_it_is_flagged() {
    use SectionKind::{Front, Section as S};
    let tagger = Tagger::new(&[
        node(
            1,
            None,
            "Base",
            Front,
            "",
            "Note to Reviewers",
            Some((1, 9)),
            Some(("ii", "iii")),
        ),
        node(
            2,
            None,
            "Base",
            S,
            "4",
            "Base four",
            Some((10, 50)),
            Some(("1", "4")),
        ),
        node(
            3,
            None,
            "63A",
            S,
            "4",
            "A four",
            Some((30, 90)),
            Some(("1", "9")),
        ),
    ]);
    let tag = |volume, section, line, page| {
        tagger.tag(Signals {
            volume,
            section,
            line,
            page,
        })
    };
    // Line 60 lies in 63A's section 4 only.
    let t = tag(None, Some("4"), Some(60), None);
    assert_eq!((t.section_id, t.conflict), (Some(3), None));
    // Line 40 lies in both: still open.
    let t = tag(None, Some("4"), Some(40), None);
    assert_eq!(t.section_id, Some(2));
    assert!(
        t.conflict
            .unwrap()
            .contains("4 is in several volumes (Base, 63A)")
    );
    // Lines and pages alone.
    let t = tag(None, None, Some(40), None);
    assert_eq!((t.section_id, t.source), (Some(2), TagSource::Line));
    assert!(
        t.conflict
            .unwrap()
            .contains("line 40 is in several volumes")
    );
    assert_eq!(tag(Some("63A"), None, Some(40), None).conflict, None);
    // The end of the named volume, not of the longest.
    let t = tag(Some("Base"), None, None, Some("7"));
    assert_eq!(
        t.conflict.as_deref(),
        Some("page 7 is past the end of the document")
    );
    assert_eq!(tag(Some("63A"), None, None, Some("7")).conflict, None);
    // Titles wrapped inside a word; front matter named by its title.
    let t = tag(Some("Base"), Some("Note to\nReviewer\ns"), None, None);
    assert_eq!((t.section_id, t.source), (Some(1), TagSource::Title));
    assert_eq!(tagger.label(1).as_deref(), Some("Base Note to Reviewers"));
    let t = tag(Some("Base"), Some("4"), Some(5), None);
    assert!(
        t.conflict
            .unwrap()
            .ends_with("line 5 lies in Note to Reviewers")
    );
}

#[test]
fn without_an_outline_nothing_is_tagged_or_flagged() {
    let t = Tagger::new(&[]).tag(Signals {
        volume: None,
        section: Some("5.1"),
        line: Some(3),
        page: None,
    });
    assert_eq!(
        t,
        Tag {
            section_id: None,
            source: TagSource::None,
            span: None,
            conflict: None
        }
    );
}

#[test]
fn volume_keys() {
    for (raw, key) in [
        ("63-Base", "base"),
        ("Base", "base"),
        ("63 Base", "base"),
        ("63A", "63a"),
        ("NIST SP 800-63A", "63a"),
        ("800-63B", "63b"),
        ("SP 800-63C", "63c"),
    ] {
        assert_eq!(volume_key(raw), key, "{raw}");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Outlines of dotted numbers (each with its parents), one volume.
    fn numbers() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(proptest::collection::vec(1u8..12, 1..4), 1..40).prop_map(
            |paths| {
                let mut all = std::collections::BTreeSet::new();
                for path in paths {
                    for depth in 1..=path.len() {
                        let number: Vec<String> = path[..depth].iter().map(u8::to_string).collect();
                        all.insert(number.join("."));
                    }
                }
                all.into_iter().collect()
            },
        )
    }

    fn outline_of(numbers: &[String]) -> Tagger {
        let sections: Vec<Section> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| {
                node(
                    i as i64 + 1,
                    None,
                    "",
                    SectionKind::Section,
                    n,
                    &format!("Title {n}"),
                    None,
                    None,
                )
            })
            .collect();
        Tagger::new(&sections)
    }

    proptest! {
        #[test]
        fn tagging_never_panics(section in ".*", volume in ".*", page in ".*", line in proptest::option::of(any::<i32>())) {
            let tagger = outline();
            let _ = tagger.tag(Signals { volume: Some(&volume), section: Some(&section), line, page: Some(&page) });
        }

        #[test]
        fn a_reference_to_an_existing_node_resolves_to_it(numbers in numbers(), style in 0usize..4) {
            let tagger = outline_of(&numbers);
            for (i, number) in numbers.iter().enumerate() {
                let written = match style {
                    0 => number.clone(),
                    1 => format!("§ {number}"),
                    2 => format!("Section {number}"),
                    _ => format!("{number} Some title"),
                };
                let tag = tagger.tag(Signals { volume: None, section: Some(&written), line: None, page: None });
                prop_assert_eq!(tag.section_id, Some(i as i64 + 1), "{}", written);
                prop_assert_eq!(tag.source, TagSource::Section);
            }
        }
    }
}
