//! A queue row as a line of a resolution table (`src/web/editor/quick.rs`
//! and `queue_row.rs`): who sent the comment, its text and suggested
//! change in full, the response typed in the row and saved with the
//! answer, an Undo for every quick change (audited, version-checked), a
//! refused row that keeps what was typed, and single-key shortcuts each
//! editor can turn off.

use crate::editor::tags::app_with;
use crate::helpers::{TestApp, attrs, comment_id_by_seq as id_of, csrf_token, see_other, texts};
use crate::htmx::{COMMENTS, QUEUE, events, fragment, quick, quick_fields, stored, with};

/// Every field of comment `id`'s Undo form in `row`.
fn undo_fields(row: &scraper::Html, id: i64) -> Vec<(String, String)> {
    let form = format!("tr#row-{id} form.undo input");
    let names = attrs(row, &form, "name");
    let values = attrs(row, &form, "value");
    names.into_iter().zip(values).collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
}

/// The queue page's rows' response boxes, by row.
async fn response_box(app: &TestApp, id: i64) -> Vec<String> {
    let page = app.page(QUEUE, 200).await;
    texts(&page, &format!("tr#row-{id} textarea[name=response]"))
}

on_both_backends! {
    async fn a_response_typed_in_the_row_is_saved_with_the_answer_and_can_be_undone(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me = app.user_id("ed@example.org");
        let id = id_of(&app, 1);
        let page = app.page(QUEUE, 200).await;
        // The response box is part of the row's form, named for the row.
        assert_eq!(attrs(&page, &format!("tr#row-{id} form.quick textarea"), "id"), [format!("response-{id}")]);
        assert_eq!(texts(&page, &format!("label[for=response-{id}]")), ["Response to NISTIR-8200-0001-1"]);
        let before = stored(&app, 1);
        assert_eq!(before.0, "new");

        let fields = with(&quick_fields(&page, id), &[
            ("disposition", Some("accepted")),
            ("response", Some("Added in the second draft.")),
        ]);
        let (_, row) = fragment(quick(&app, id, &fields, true).await, 200).await;
        assert_eq!(texts(&row, "div.row-note.saved > p"), ["Saved: accepted, response saved."]);
        assert_eq!(texts(&row, "span.status"), ["resolved"], "a complete answer resolves");
        assert_eq!(texts(&row, "textarea[name=response]"), ["Added in the second draft."]);
        let saved = stored(&app, 1);
        assert_eq!(
            (saved.0.as_str(), saved.1.as_deref(), saved.2.as_deref(), saved.4),
            ("resolved", Some("accepted"), Some("Added in the second draft."), before.4 + 1)
        );

        // The note's Undo carries what was there before, at the new version.
        let undo = undo_fields(&row, id);
        assert_eq!(field(&undo, "undo"), "1");
        assert_eq!(field(&undo, "version"), (before.4 + 1).to_string());
        assert_eq!(
            (field(&undo, "was_disposition"), field(&undo, "was_response"), field(&undo, "was_assignee"), field(&undo, "was_status")),
            ("", "", "", "new")
        );
        assert_eq!(attrs(&row, "form.undo button", "data-key"), ["u"]);
        let history = events(&app, id).len();

        let (_, row) = fragment(quick(&app, id, &undo, true).await, 200).await;
        assert_eq!(texts(&row, "div.row-note.saved > p"), ["Undone: disposition cleared, response cleared."]);
        assert!(texts(&row, "form.undo").is_empty(), "an undo offers no undo of its own");
        assert_eq!(stored(&app, 1), ("new".into(), None, None, None, before.4 + 2));
        // The undo is a change like any other: in the history, by whom.
        let undone = &events(&app, id)[history..];
        assert_eq!(undone, [
            (Some("status".into()), Some("resolved".into()), Some("new".into()), Some(me)),
            (Some("disposition".into()), Some("accepted".into()), None, Some(me)),
            (Some("response".into()), Some("Added in the second draft.".into()), None, Some(me)),
        ]);
    }

    async fn a_response_is_saved_alone_and_a_refused_row_keeps_what_was_typed(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 2);
        let page = app.page(QUEUE, 200).await;
        let fields = quick_fields(&page, id);
        let typed = with(&fields, &[("save", Some("response")), ("response", Some("Fixed."))]);
        let (_, row) = fragment(quick(&app, id, &typed, true).await, 200).await;
        assert_eq!(texts(&row, "div.row-note.saved > p"), ["Saved: response saved."]);
        let saved = stored(&app, 2);
        assert_eq!((saved.0.as_str(), saved.1.as_deref(), saved.2.as_deref()), ("in_review", None, Some("Fixed.")));

        // The queue shown before that save is stale now: what is typed there
        // is not saved over it, and not lost either.
        let stale = with(&fields, &[("disposition", Some("declined")), ("response", Some("Out of scope."))]);
        let (_, row) = fragment(quick(&app, id, &stale, true).await, 409).await;
        assert_eq!(texts(&row, "textarea[name=response]"), ["Out of scope."]);
        assert!(texts(&row, "div.row-note.conflict > p")[0].contains("nothing was saved"));
        assert!(texts(&row, "form.undo").is_empty());
        assert_eq!(stored(&app, 2), saved);

        // Refused (too long): the same.
        let page = app.page(QUEUE, 200).await;
        let long = "x".repeat(20_001);
        let refused = with(&quick_fields(&page, id), &[("response", Some(&long))]);
        let (_, row) = fragment(quick(&app, id, &refused, true).await, 422).await;
        assert_eq!(texts(&row, "textarea[name=response]"), [long]);
        assert!(texts(&row, "div.row-note.invalid > p")[0].contains("20001 characters"));
        assert_eq!(stored(&app, 2), saved);

        // Without JavaScript the same form saves and goes back to the queue.
        let plain = with(&quick_fields(&page, id), &[("response", Some("Fixed in r2."))]);
        assert_eq!(see_other(&quick(&app, id, &plain, false).await), format!("{QUEUE}?page=1"));
        assert_eq!(response_box(&app, id).await, ["Fixed in r2."]);
    }

    async fn an_undo_is_refused_once_the_comment_changed_since(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me = app.user_id("ed@example.org");
        let id = id_of(&app, 1);
        let page = app.page(QUEUE, 200).await;
        let answered = with(&quick_fields(&page, id), &[("disposition", Some("noted"))]);
        let (_, row) = fragment(quick(&app, id, &answered, true).await, 200).await;
        let undo = undo_fields(&row, id);
        // Then the comment changes again (another window, another editor).
        let mine = with(&quick_fields(&app.page(QUEUE, 200).await, id), &[("assign", Some("me"))]);
        fragment(quick(&app, id, &mine, true).await, 200).await;
        let now = stored(&app, 1);
        assert_eq!((now.1.as_deref(), now.3), (Some("noted"), Some(me)));

        let (_, row) = fragment(quick(&app, id, &undo, true).await, 409).await;
        assert!(texts(&row, "div.row-note.conflict > p")[0].contains("Changed by you (in another window) meanwhile"));
        assert_eq!(stored(&app, 1), now, "nothing undone over the later change");

        // An undo names a real status and account.
        let fresh = undo_fields(&row, id);
        assert!(fresh.is_empty(), "a refused row offers no undo");
        let bogus = with(&undo, &[("version", Some(&now.4.to_string())), ("was_status", Some("lost"))]);
        let (_, row) = fragment(quick(&app, id, &bogus, true).await, 422).await;
        assert!(texts(&row, "div.row-note.invalid > p")[0].contains("“lost” is not a status"));
        assert_eq!(stored(&app, 1), now);
    }

    async fn rows_show_who_sent_a_comment_and_both_texts_in_full(db: TestDb) {
        let long = format!("{} Medical devices {}", "Lorem ipsum dolor. ".repeat(40), "Sit amet. ".repeat(40));
        let csv = format!("Comment #,Commenter,Organization,Type,Section,Line #,Comment,Suggested change
1,Ada Lovelace,NIST,T,5.1,702,\"{long}\",\"Cite FDA guidance.
Then add a table.\"
2,,,E,5.2,815,Typo.,
");
        let app = app_with(db, &csv).await;
        let (one, two) = (id_of(&app, 1), id_of(&app, 2));
        let page = app.page(&format!("{QUEUE}?q=medical"), 200).await;
        let row = format!("tr#row-{one}");
        assert_eq!(texts(&page, &format!("{row} span.submitter")), ["Ada Lovelace (NIST)"]);
        assert_eq!(texts(&page, &format!("{row} span.where")), ["l. 702"]);
        assert_eq!(texts(&page, &format!("{row} td.change")), ["Cite FDA guidance. Then add a table."]);
        assert!(page.html().contains("Cite FDA guidance.\nThen add a table."), "line breaks kept");
        // The long text is all there: its start, the rest folded under
        // "more", the search's words marked.
        let text = texts(&page, &format!("{row} td.text"))[0].clone();
        assert_eq!(texts(&page, &format!("{row} td.text details.more summary")), ["more"]);
        let words = |s: &str| s.split_whitespace().filter(|w| *w != "more").collect::<Vec<_>>().join(" ");
        assert_eq!(words(&text), words(&long));
        assert_eq!(texts(&page, &format!("{row} td.text mark")), ["Medical"]);
        // A row without a commenter names its submission's sender (or
        // nobody), never an e-mail address.
        let page = app.page(QUEUE, 200).await;
        let sender = texts(&page, &format!("tr#row-{two} span.submitter"));
        assert!(sender.iter().all(|s| !s.contains('@')), "{sender:?}");
        assert!(texts(&page, &format!("tr#row-{two} td.text details")).is_empty(), "short texts are not folded");
    }

    async fn single_key_shortcuts_can_be_turned_off_in_the_profile(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let page = app.page(QUEUE, 200).await;
        assert_eq!(attrs(&page, "div.table-wrap", "data-keys"), ["on"]);
        assert_eq!(attrs(&page, "div.table-wrap", "tabindex"), ["0"]);
        assert_eq!(texts(&page, "aside#keys-help h2"), ["Keys"]);
        let profile = app.page("/editor/profile", 200).await;
        assert_eq!(attrs(&profile, "form[action=\"/editor/profile/keys\"] input[name=keys]", "checked"), [""]);

        // The form needs its token.
        let refused = app.post_form("/editor/profile/keys", &[("keys", "")]).await;
        assert_eq!(refused.status().as_u16(), 403);
        let token = csrf_token(&profile);
        let off = app.post_form("/editor/profile/keys", &[("csrf", token.as_str())]).await;
        assert_eq!(see_other(&off), "/editor/profile");
        let profile = app.page("/editor/profile", 200).await;
        assert!(texts(&profile, "p.flash")[0].starts_with("Single-key shortcuts are off"));
        assert!(attrs(&profile, "input[name=keys]", "checked").is_empty());
        let page = app.page(QUEUE, 200).await;
        assert!(attrs(&page, "div.table-wrap", "data-keys").is_empty());
        assert!(texts(&page, "aside#keys-help").is_empty());
        assert!(texts(&page, "p.count .hint")[0].contains("Single-key shortcuts are off"));
        assert!(!page.html().contains("(key a)"));
        // Buttons and the response box work as before.
        let id = id_of(&app, 1);
        let fields = with(&quick_fields(&page, id), &[("disposition", Some("accepted"))]);
        fragment(quick(&app, id, &fields, true).await, 200).await;
        assert_eq!(stored(&app, 1).1.as_deref(), Some("accepted"));

        let on = app.post_form("/editor/profile/keys", &[("csrf", token.as_str()), ("keys", "on")]).await;
        assert_eq!(see_other(&on), "/editor/profile");
        assert_eq!(attrs(&app.page(QUEUE, 200).await, "div.table-wrap", "data-keys"), ["on"]);
    }
}
