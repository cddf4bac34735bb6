use super::*;
use crate::outline::{OutlineFormat, parse};

fn csv(rows: &str) -> Result<Outline, OutlineError> {
    let text = format!("number,title,kind,volume,page_start,page_end,line_start,line_end\n{rows}");
    parse(&text, OutlineFormat::Csv)
}

fn rules(err: OutlineError) -> Vec<String> {
    match err {
        OutlineError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected rule violations, got {other}"),
    }
}

#[test]
fn parents_follow_dotted_numbering_and_order_is_depth_first() {
    let outline = csv("5,Applications,,,10,20,100,400\n\
         D,Mapping,,,40,50,900,1000\n\
         5.1,Vehicles,,,10,12,100,200\n\
         D.1,Crypto,,,40,41,900,950\n\
         5.2,Consumer,,,12,20,201,400\n")
    .unwrap();
    let numbers: Vec<_> = outline.nodes.iter().map(|n| n.number.as_str()).collect();
    assert_eq!(numbers, ["5", "5.1", "5.2", "D", "D.1"]);
    assert_eq!(outline.nodes[1].parent, Some(0));
    assert_eq!(outline.nodes[4].parent, Some(3));
    assert_eq!(outline.nodes[3].kind, SectionKind::Appendix);
    assert_eq!(outline.nodes[4].depth, 1);
    assert_eq!(outline.nodes[0].lines, Some((100, 400)));
}

#[test]
fn tables_sit_in_the_section_holding_their_lines() {
    let outline = csv("5,Applications,,,,,100,400\n\
         5.1,Vehicles,,,,,100,200\n\
         5.2,Consumer,,,,,201,400\n\
         3,Vehicle threats,table,,,,150,160\n\
         1,Landscape,figure,,,,,\n")
    .unwrap();
    let table = outline
        .nodes
        .iter()
        .find(|n| n.kind == SectionKind::Table)
        .unwrap();
    assert_eq!(outline.nodes[table.parent.unwrap()].number, "5.1");
    assert_eq!(table.lookup_key, "table:3");
    // No lines: the figure sits in the last section listed before it.
    let figure = outline
        .nodes
        .iter()
        .find(|n| n.kind == SectionKind::Figure)
        .unwrap();
    assert_eq!(outline.nodes[figure.parent.unwrap()].number, "5.2");
}

#[test]
fn section_3_and_table_3_do_not_clash() {
    assert!(csv("3,Scope,,,,,,\n3,Threats,table,,,,,\n").is_ok());
}

#[test]
fn volumes_number_independently() {
    let outline =
        csv("1,Intro,,Base,,,1,50\n1,Intro,,63A,,,1,40\n1.1,Scope,,63A,,,2,10\n").unwrap();
    assert_eq!(outline.nodes.len(), 3);
    let scope = outline.nodes.iter().find(|n| n.number == "1.1").unwrap();
    assert_eq!(outline.nodes[scope.parent.unwrap()].volume, "63A");
}

#[test]
fn front_matter_may_be_unnumbered_and_uses_roman_pages() {
    let outline = csv(",Executive Summary,front,,iii,v,,\n1,Introduction,,,1,3,,\n").unwrap();
    assert_eq!(outline.nodes[0].lookup_key, "front:executive summary");
    assert_eq!(outline.nodes[0].pages.as_ref().unwrap().0.as_str(), "iii");
}

#[test]
fn duplicate_numbers_are_refused_naming_both_rows() {
    let errs = rules(csv("4,One,,,,,,\n4,Two,,,,,,\n").unwrap_err());
    assert_eq!(errs, ["row 3 (4): duplicate number: 4 is also row 2"]);
}

#[test]
fn missing_parents_are_refused() {
    let errs = rules(csv("5,Apps,,,,,,\n5.1.2,Deep,,,,,,\n").unwrap_err());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("row 3 (5.1.2): missing parent"),
        "{errs:?}"
    );
    assert!(errs[0].contains("under 5.1"), "{errs:?}");
}

#[test]
fn overlapping_line_ranges_are_refused() {
    let errs = rules(csv("5,Apps,,,,,100,200\n6,Core,,,,,150,300\n").unwrap_err());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("row 3 (6): lines 150–300 overlap 5 (lines 100–200, row 2)"),
        "{errs:?}"
    );
}

#[test]
fn children_must_lie_inside_their_parent() {
    let errs = rules(csv("5,Apps,,,10,12,100,200\n5.1,Cars,,,9,12,90,150\n").unwrap_err());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.contains("lines 90–150 lie outside its parent 5"))
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("pages 9–12 lie outside its parent 5"))
    );
}

#[test]
fn bad_cells_are_each_reported() {
    let errs = rules(
        csv("1,,chapter,,,,,\n,Untitled,,,,,,\n2,Two,,,p1,3,,\n3,Three,,,,,20,10\n4,Four,,,,,5,\n")
            .unwrap_err(),
    );
    let joined = errs.join("\n");
    assert!(
        joined.contains("row 2 (1): kind `chapter` is not one of"),
        "{joined}"
    );
    assert!(joined.contains("row 2 (1): title is empty"), "{joined}");
    assert!(
        joined.contains("row 3 (Untitled): number is empty"),
        "{joined}"
    );
    assert!(
        joined.contains("row 4 (2): page_start: `p1` is not a page number"),
        "{joined}"
    );
    assert!(
        joined.contains("row 5 (3): line_start comes after line_end"),
        "{joined}"
    );
    assert!(
        joined.contains("row 6 (4): line range needs both"),
        "{joined}"
    );
}

#[test]
fn explicit_parents_must_exist() {
    let text = "[[section]]\nnumber = \"3\"\ntitle = \"T\"\nkind = \"table\"\nparent = \"9\"\n";
    let errs = rules(parse(text, OutlineFormat::Toml).unwrap_err());
    assert_eq!(
        errs,
        ["[[section]] #1 (3): parent `9` is not in the outline"]
    );
}

#[test]
fn an_empty_outline_is_refused() {
    assert!(matches!(
        parse("", OutlineFormat::Toml),
        Err(OutlineError::Empty)
    ));
}

#[test]
fn siblings_follow_their_lines_when_all_have_them() {
    let outline = csv(
        "6,Core,,,,,100,400\n6.1,One,,,,,120,200\n6.2,Two,,,,,201,400\n2,Areas,table,,,,100,110\n",
    )
    .unwrap();
    let order: Vec<String> = outline
        .nodes
        .iter()
        .map(|n| {
            format!(
                "{}{}",
                if n.kind == SectionKind::Table {
                    "T"
                } else {
                    ""
                },
                n.number
            )
        })
        .collect();
    // The table sits in 6 itself, before 6.1, though the file lists it last.
    assert_eq!(order, ["6", "T2", "6.1", "6.2"]);
}

#[test]
fn both_bad_ends_of_a_range_are_reported() {
    let errs = rules(csv("1,One,,,p1,p2,,\n").unwrap_err());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[1].contains("page_end: `p2`"), "{errs:?}");
}

#[test]
fn a_table_spanning_a_whole_section_sits_in_the_innermost() {
    let outline =
        csv("5,Apps,,,,,100,200\n5.1,Cars,,,,,100,200\n3,Cars,table,,,,100,200\n").unwrap();
    let table = outline
        .nodes
        .iter()
        .find(|n| n.kind == SectionKind::Table)
        .unwrap();
    assert_eq!(outline.nodes[table.parent.unwrap()].number, "5.1");
}

#[test]
fn volumes_stay_together_in_the_order_they_first_appear() {
    // Each volume numbers its lines from 1; sorting all top-level nodes by
    // line would interleave them.
    let outline = csv("1,Base intro,,Base,,,1,100\n\
         2,Base scope,,Base,,,101,200\n\
         2,B scope,,63B,,,101,300\n\
         1,B intro,,63B,,,1,100\n\
         3,Base refs,,Base,,,201,250\n")
    .unwrap();
    let order: Vec<_> = outline
        .nodes
        .iter()
        .map(|n| format!("{} {}", n.volume, n.number))
        .collect();
    assert_eq!(order, ["Base 1", "Base 2", "Base 3", "63B 1", "63B 2"]);
}
