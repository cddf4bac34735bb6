//! A section typed by hand (the pickers are text boxes with the outline as
//! suggestions, so an editor types "5.1" or "identity proofing" rather
//! than scrolling through hundreds of options): which node it names.

use super::filed_under;
use crate::db::sections::Section;

/// The node `typed` names in `outline`: `Ok(None)` for General, else its
/// id. Tried in turn, ignoring case and spaces around: a node's full name
/// as the picker suggests it (`SP 800-63A 4.3 Identity proofing`), its
/// citation (`SP 800-63A 4.3`), its number (`4.3`), its title. A number or
/// title that several nodes share (one per volume) is refused with the
/// names to choose from, never guessed.
pub fn section_named(outline: &[Section], typed: &str) -> Result<Option<i64>, String> {
    let wanted = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if wanted.is_empty() {
        return Err("Type a section (its number or title) or “General”.".to_owned());
    }
    if wanted.eq_ignore_ascii_case("general") {
        return Ok(None);
    }
    let same = |name: String| name.to_lowercase() == wanted.to_lowercase();
    let ways: [&dyn Fn(&Section) -> String; 4] = [
        &|s| filed_under(outline, Some(s.id)),
        &|s| s.cited(),
        &|s| s.label(),
        &|s| s.title.clone(),
    ];
    for name in ways {
        let found: Vec<&Section> = outline.iter().filter(|s| same(name(s))).collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one.id)),
            several => {
                let names: Vec<String> = several
                    .iter()
                    .take(6)
                    .map(|s| format!("“{}”", filed_under(outline, Some(s.id))))
                    .collect();
                return Err(format!(
                    "“{wanted}” names {} sections: {}{}. Type the one you mean.",
                    several.len(),
                    names.join(", "),
                    if several.len() > names.len() {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    Err(format!(
        "The outline has no section “{wanted}”: type its number or title as the list suggests, or “General”."
    ))
}

#[cfg(test)]
mod tests {
    use super::section_named;
    use crate::db::sections::Section;
    use crate::domain::SectionKind;

    fn node(id: i64, volume: &str, number: &str, title: &str) -> Section {
        Section {
            id,
            document_id: 1,
            parent_id: None,
            volume: volume.to_owned(),
            kind: SectionKind::Section,
            number: number.to_owned(),
            lookup_key: number.to_owned(),
            title: title.to_owned(),
            position: id as i32,
            depth: 0,
            page_start: None,
            page_end: None,
            line_start: None,
            line_end: None,
            owner_id: None,
        }
    }

    #[test]
    fn one_volume_by_number_title_or_both() {
        let outline = [
            node(1, "", "5.1", "Connected Vehicles"),
            node(2, "", "5.2", "Consumer IoT"),
        ];
        assert_eq!(section_named(&outline, "5.1"), Ok(Some(1)));
        assert_eq!(section_named(&outline, " 5.2  Consumer iot "), Ok(Some(2)));
        assert_eq!(section_named(&outline, "connected vehicles"), Ok(Some(1)));
        assert_eq!(section_named(&outline, "General"), Ok(None));
        assert!(
            section_named(&outline, "9.9")
                .unwrap_err()
                .contains("no section “9.9”")
        );
        assert!(section_named(&outline, "  ").is_err());
    }

    #[test]
    fn a_number_several_volumes_share_is_not_guessed() {
        let outline = [
            node(1, "SP 800-63A", "4.3", "Identity proofing"),
            node(2, "SP 800-63B", "4.3", "Authenticators"),
        ];
        let refused = section_named(&outline, "4.3").unwrap_err();
        assert!(refused.contains("names 2 sections"), "{refused}");
        assert!(
            refused.contains("“SP 800-63B 4.3 Authenticators”"),
            "{refused}"
        );
        assert_eq!(section_named(&outline, "sp 800-63b 4.3"), Ok(Some(2)));
        assert_eq!(
            section_named(&outline, "SP 800-63A 4.3 Identity proofing"),
            Ok(Some(1))
        );
        assert_eq!(section_named(&outline, "Authenticators"), Ok(Some(2)));
    }
}
