//! In-place saves (htmx): a queue row's quick controls (a disposition or
//! "assign to me") answered with the row alone, 409 and 422 fragments that
//! lose nothing, the same routes as plain forms without JavaScript, the
//! comment page's triage section saved in place, and the vendored script
//! with its CSP-safe configuration.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments};
use docket::domain::Role;

use crate::editor::comment::form;
use crate::editor::tags::app_with;
use crate::editor::xss::assert_inert;
use crate::helpers::{TestApp, attrs, comment_id_by_seq as id_of, see_other, texts};

pub(crate) const COMMENTS: &str = "Comment #,Type,Section,Page #,Line #,Comment,Suggested change
1,T,5.1,10,702,The connected-vehicle discussion omits V2X message authentication.,Add IEEE 1609.2.
2,E,5.2,,815,Typo in the consumer devices paragraph.,Fix the spelling.
3,T,5.3,,950,<script>alert('q')</script> Medical devices: FDA guidance is missing.,Cite FDA guidance.
";

pub(crate) const QUEUE: &str = "/editor/d/nistir-8200/s/all";
const HTMX: &str = "/static/vendor/htmx-2.0.11.min.js";

/// (status, disposition, response, assignee, version) of comment `seq`.
pub(crate) type Stored = (String, Option<String>, Option<String>, Option<i64>, i32);

pub(crate) fn stored(app: &TestApp, seq: i32) -> Stored {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(seq))
            .select((
                comments::status,
                comments::disposition,
                comments::response,
                comments::assignee_id,
                comments::version,
            ))
            .first(conn)
            .unwrap()
    })
}

/// (field, old, new, user) of an audit event.
pub(crate) type Event = (Option<String>, Option<String>, Option<String>, Option<i64>);

/// Changes to a quick form's fields: a value, or `None` to leave it out.
pub(crate) type Changes<'a> = &'a [(&'a str, Option<&'a str>)];

/// Every audit event of a comment, oldest first.
pub(crate) fn events(app: &TestApp, id: i64) -> Vec<Event> {
    app.with_conn(|conn| {
        audit_events::table
            .filter(audit_events::comment_id.eq(id))
            .order(audit_events::id)
            .select((
                audit_events::field,
                audit_events::old_value,
                audit_events::new_value,
                audit_events::user_id,
            ))
            .load(conn)
            .unwrap()
    })
}

/// The hidden fields of comment `id`'s quick form on a queue page.
pub(crate) fn quick_fields(page: &scraper::Html, id: i64) -> Vec<(String, String)> {
    let form = format!("tr#row-{id} form.quick");
    let field = |name: &str| {
        let values = attrs(page, &format!("{form} input[name={name}]"), "value");
        assert_eq!(values.len(), 1, "{form}: one {name}");
        values[0].clone()
    };
    vec![
        ("csrf".to_owned(), field("csrf")),
        ("version".to_owned(), field("version")),
        ("back".to_owned(), field("back")),
    ]
}

/// `fields` with `changes` set (added when missing, removed when `None`).
pub(crate) fn with(fields: &[(String, String)], changes: Changes) -> Vec<(String, String)> {
    let mut out = fields.to_vec();
    for (name, value) in changes {
        out.retain(|(n, _)| n != name);
        if let Some(value) = value {
            out.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    out
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
    htmx: bool,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .form(fields);
    if htmx {
        request = request.header("HX-Request", "true");
    }
    request.send().await.unwrap()
}

pub(crate) async fn quick(
    app: &TestApp,
    id: i64,
    fields: &[(String, String)],
    htmx: bool,
) -> reqwest::Response {
    post(app, &format!("/editor/comments/{id}/quick"), fields, htmx).await
}

/// A fragment (never a whole page), parsed; a row is put in a table so
/// the parser keeps it.
pub(crate) async fn fragment(response: reqwest::Response, status: u16) -> (String, scraper::Html) {
    assert_eq!(response.status().as_u16(), status);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment, not a page: {body}");
    assert!(!body.contains("<body"), "a fragment, not a page");
    let html = scraper::Html::parse_document(&format!("<table><tbody>{body}</tbody></table>"));
    (body, html)
}

on_both_backends! {
    async fn a_quick_answer_saves_and_swaps_the_row_alone(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me = app.user_id("ed@example.org");
        let id = id_of(&app, 1);
        let page = app.page(&format!("{QUEUE}?type=technical"), 200).await;
        // Every row has its quick form, with a button per quick disposition
        // and "me"; checkboxes belong to the bulk form from outside it.
        assert_eq!(
            attrs(&page, &format!("tr#row-{id} form.quick button"), "value"),
            ["accepted", "accepted_with_modification", "declined", "noted", "deferred", "response", "me"]
        );
        assert_eq!(attrs(&page, &format!("tr#row-{id} form.quick"), "hx-post"), [format!("/editor/comments/{id}/quick")]);
        assert_eq!(attrs(&page, "input[name=c]", "form"), ["bulk", "bulk"]);
        let before = stored(&app, 1);
        assert_eq!(before.0, "new");

        let fields = quick_fields(&page, id);
        assert_eq!(fields[2].1, format!("{QUEUE}?type=technical&page=1"));
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("accepted"))]), true).await;
        let (_, row) = fragment(response, 200).await;
        assert_eq!(texts(&row, "tr").len(), 1, "one row");
        assert_eq!(texts(&row, &format!("tr#row-{id} p.disposition")), ["accepted"]);
        assert_eq!(texts(&row, "span.status"), ["in review"]);
        assert_eq!(texts(&row, "div.row-note.saved > p"), ["Saved: accepted."]);
        assert_eq!(attrs(&row, "button.on", "value"), ["accepted"]);
        // The new row carries the new version, for the next change.
        assert_eq!(attrs(&row, "form.quick input[name=version]", "value"), [(before.4 + 1).to_string()]);
        assert_eq!(attrs(&row, "input[name=c]", "value"), [format!("{id}:{}", before.4 + 1)]);
        assert_eq!(attrs(&row, "form.quick input[name=back]", "value"), [fields[2].1.clone()]);

        let (status, disposition, response, assignee, version) = stored(&app, 1);
        assert_eq!((status.as_str(), disposition.as_deref()), ("in_review", Some("accepted")));
        assert_eq!((response, assignee, version), (None, None, before.4 + 1));
        let history = events(&app, id);
        assert_eq!(history, [
            (Some("status".into()), Some("new".into()), Some("in_review".into()), Some(me)),
            (Some("disposition".into()), None, Some("accepted".into()), Some(me)),
        ]);
        // The other rows were not touched.
        assert_eq!(stored(&app, 2).1, None);

        // Answering again keeps the status (only "new" moves on), the
        // response and the assignee.
        app.with_conn(|conn| {
            diesel::update(comments::table.find(id))
                .set((comments::status.eq("resolved"), comments::response.eq("Done in 2nd draft."), comments::assignee_id.eq(me)))
                .execute(conn)
                .unwrap();
        });
        let page = app.page(QUEUE, 200).await;
        let response = quick(&app, id, &with(&quick_fields(&page, id), &[("disposition", Some("accepted_with_modification"))]), true).await;
        let (_, row) = fragment(response, 200).await;
        assert_eq!(texts(&row, "p.disposition"), ["accepted with modification"]);
        let (status, disposition, response, assignee, _) = stored(&app, 1);
        assert_eq!(status, "resolved");
        assert_eq!(disposition.as_deref(), Some("accepted_with_modification"));
        assert_eq!(response.as_deref(), Some("Done in 2nd draft."));
        assert_eq!(assignee, Some(me));
    }

    async fn a_quick_answer_that_completes_the_answer_resolves_the_comment(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 1);
        app.with_conn(|conn| {
            diesel::update(comments::table.find(id))
                .set(comments::response.eq("V2X authentication is now in 4.2."))
                .execute(conn)
                .unwrap();
        });
        let page = app.page(&format!("{QUEUE}?type=technical"), 200).await;
        let fields = quick_fields(&page, id);
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("declined"))]), true).await;
        let (_, row) = fragment(response, 200).await;
        assert_eq!(texts(&row, "span.status"), ["resolved"]);
        // Every other answer would replace this one: each asks first.
        assert_eq!(
            attrs(&row, "button[data-confirm]", "value"),
            ["accepted", "accepted_with_modification", "noted", "deferred"]
        );
        assert_eq!(
            attrs(&row, "button[value=accepted]", "data-confirm"),
            ["NISTIR-8200-0001-1 is answered “declined” (its response stays as it is in the box). Answer “accepted” instead?"]
        );
        let (status, disposition, ..) = stored(&app, 1);
        assert_eq!((status.as_str(), disposition.as_deref()), ("resolved", Some("declined")));
    }

    async fn assign_to_me_assigns_and_changes_nothing_else(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let me = app.user_id("ed@example.org");
        let id = id_of(&app, 2);
        let page = app.page(QUEUE, 200).await;
        let response = quick(&app, id, &with(&quick_fields(&page, id), &[("assign", Some("me"))]), true).await;
        let (_, row) = fragment(response, 200).await;
        assert_eq!(texts(&row, "span.assignee"), ["Ed Itor"]);
        assert_eq!(texts(&row, "div.row-note.saved > p"), ["Saved: assigned to you."]);
        let (status, disposition, _, assignee, _) = stored(&app, 2);
        assert_eq!((status.as_str(), disposition, assignee), ("new", None, Some(me)));
        assert_eq!(events(&app, id), [(Some("assignee".into()), None, Some("Ed Itor".into()), Some(me))]);
        // Again, from the swapped row: already done, so nothing is stored
        // and the row's version still holds.
        let version = attrs(&row, "form.quick input[name=version]", "value")[0].clone();
        let again = with(&quick_fields(&row, id), &[("assign", Some("me"))]);
        let (_, row) = fragment(quick(&app, id, &again, true).await, 200).await;
        assert_eq!(attrs(&row, "form.quick input[name=version]", "value"), [version]);
        assert_eq!(events(&app, id).len(), 1, "no second event");
    }

    async fn comments_of_a_turned_off_account_can_still_be_answered(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let gone = app.with_conn(|conn| {
            let user = docket::auth::create_user(conn, "al@example.org", "Al Gone", Role::Editor, "a long enough password").unwrap();
            diesel::update(comments::table.filter(comments::seq.eq(1)))
                .set(comments::assignee_id.eq(user.id))
                .execute(conn)
                .unwrap();
            docket::db::users::set_active(conn, user.id, false).unwrap();
            user.id
        });
        let id = id_of(&app, 1);
        // The comment page keeps the assignee in its select, marked.
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let selected = texts(&page, "select[name=assignee] option[selected]");
        assert_eq!(selected, ["Al Gone (turned off)"]);
        // A quick answer keeps the assignee and saves.
        let queue = app.page(QUEUE, 200).await;
        let response = quick(&app, id, &with(&quick_fields(&queue, id), &[("disposition", Some("noted"))]), true).await;
        fragment(response, 200).await;
        let (status, disposition, _, assignee, _) = stored(&app, 1);
        assert_eq!((status.as_str(), disposition.as_deref(), assignee), ("in_review", Some("noted"), Some(gone)));
        // Giving it to the turned-off account anew is still refused.
        let (_, _, _, _, version) = stored(&app, 2);
        let other = id_of(&app, 2);
        let page = app.page(&format!("/editor/comments/{other}"), 200).await;
        let mut fields = form(&page, &[]);
        fields.retain(|(n, _)| n != "assignee");
        fields.push(("assignee".into(), gone.to_string()));
        let response = post(&app, &format!("/editor/comments/{other}"), &fields, false).await;
        assert_eq!(response.status().as_u16(), 422);
        assert_eq!(stored(&app, 2).4, version, "nothing saved");
    }

    async fn a_stale_row_gets_409_with_what_is_stored_and_nothing_changes(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 1);
        let page = app.page(QUEUE, 200).await;
        let fields = quick_fields(&page, id);
        // Someone else answers it after the queue was shown, through the
        // same save as the comment page.
        let (other, version) = app.with_conn(|conn| {
            let other = docket::auth::create_user(conn, "ann@example.org", "Ann Other", Role::Editor, "another long password").unwrap();
            let c = docket::db::comments::find(conn, id).unwrap();
            let edit = docket::triage::TriageEdit {
                section: docket::triage::SectionChoice::Keep,
                status: Some(docket::domain::TriageStatus::Resolved),
                disposition: Some(docket::domain::Disposition::Declined),
                response: "Out of scope.".to_owned(),
                assignee: None,
                duplicate_of: String::new(),
            };
            docket::triage::save(conn, id, c.version, &edit, other.id).unwrap();
            (other.id, c.version + 1)
        });
        let theirs = stored(&app, 1);
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("accepted"))]), true).await;
        let (_, row) = fragment(response, 409).await;
        assert_eq!(texts(&row, "p.disposition"), ["declined"], "the row as stored now");
        assert_eq!(texts(&row, "span.status"), ["resolved"]);
        let note = texts(&row, "div.row-note.conflict").join(" ");
        assert!(note.contains("Changed by Ann Other meanwhile, so nothing was saved"), "{note}");
        assert_eq!(attrs(&row, "div.row-note.conflict", "role"), ["alert"]);
        assert_eq!(attrs(&row, "form.quick input[name=version]", "value"), [version.to_string()]);
        assert_eq!(stored(&app, 1), theirs, "nothing changed");
        assert!(events(&app, id).iter().all(|e| e.3 == Some(other)), "no event of ours");

        // Without JavaScript: back to the queue, saying so.
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("noted"))]), false).await;
        assert_eq!(see_other(&response), fields[2].1);
        let page = app.page(&fields[2].1, 200).await;
        let flash = texts(&page, "p.notice").join(" ");
        assert!(flash.contains("NISTIR-8200-0001-1: Changed by Ann Other meanwhile, so nothing was saved"), "{flash}");
        assert_eq!(stored(&app, 1), theirs);
    }

    async fn refusals_say_why_and_change_nothing(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 1);
        let page = app.page(QUEUE, 200).await;
        let fields = quick_fields(&page, id);
        let before = stored(&app, 1);
        let cases: [(Changes, &str); 4] = [
            (&[("disposition", Some("duplicate"))], "names the comment it duplicates"),
            (&[("disposition", Some("approved"))], "“approved” is not a disposition"),
            (&[], "Choose a disposition or “assign to me”"),
            (&[("disposition", Some("noted")), ("assign", Some("me"))], "not both"),
        ];
        for (changes, message) in cases {
            let (_, row) = fragment(quick(&app, id, &with(&fields, changes), true).await, 422).await;
            let note = texts(&row, "div.row-note.invalid").join(" ");
            assert!(note.starts_with("Nothing was saved:") && note.contains(message), "{changes:?}: {note}");
            assert_eq!(texts(&row, "p.disposition"), [""], "{changes:?}");
        }
        // A stored duplicate keeps its duplicate-of, so another answer is
        // refused by the same check as the comment page's.
        let one = id_of(&app, 1);
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(2)))
                .set((comments::disposition.eq("duplicate"), comments::duplicate_of_id.eq(one)))
                .execute(conn)
                .unwrap();
        });
        let two = id_of(&app, 2);
        let page = app.page(QUEUE, 200).await;
        let (_, row) = fragment(quick(&app, two, &with(&quick_fields(&page, two), &[("disposition", Some("noted"))]), true).await, 422).await;
        assert!(texts(&row, "div.row-note.invalid")[0].contains("set it to “duplicate”, or clear “duplicate of”"));
        // Without JavaScript: back with the reason.
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("duplicate"))]), false).await;
        let back = see_other(&response);
        let flash = texts(&app.page(&back, 200).await, "p.notice").join(" ");
        assert!(flash.contains("Nothing was saved: A duplicate names the comment"), "{flash}");
        assert_eq!(stored(&app, 1), before);
        assert!(events(&app, id).is_empty());
        // No such comment.
        assert_eq!(quick(&app, 999_999, &with(&fields, &[("disposition", Some("noted"))]), true).await.status().as_u16(), 404);
    }

    async fn quick_saves_need_the_forms_token_and_a_sign_in(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 1);
        let page = app.page(QUEUE, 200).await;
        let fields = with(&quick_fields(&page, id), &[("disposition", Some("accepted"))]);
        let before = stored(&app, 1);
        let no_token = with(&fields, &[("csrf", None)]);
        assert_eq!(quick(&app, id, &no_token, true).await.status().as_u16(), 403);
        assert_eq!(quick(&app, id, &no_token, false).await.status().as_u16(), 403);
        let wrong = with(&fields, &[("csrf", Some("0123"))]);
        assert_eq!(quick(&app, id, &wrong, true).await.status().as_u16(), 403);

        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let url = format!("{}/editor/comments/{id}/quick", app.address);
        let response = anonymous.post(&url).form(&fields).send().await.unwrap();
        assert!(see_other(&response).starts_with("/login?next="));
        // htmx follows no redirect it could swap into a row: 401 and
        // HX-Redirect, back to the queue after signing in.
        let response = anonymous
            .post(&url)
            .header("HX-Request", "true")
            .header("Referer", format!("{}{QUEUE}?q=x", app.address))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(response.headers()["hx-redirect"], "/login?next=%2Feditor%2Fd%2Fnistir-8200%2Fs%2Fall%3Fq%3Dx");
        assert_eq!(stored(&app, 1), before, "nothing changed");
    }

    async fn without_javascript_a_quick_form_redirects_back_on_this_site(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 2);
        let queue = format!("{QUEUE}?type=editorial");
        let page = app.page(&queue, 200).await;
        let fields = quick_fields(&page, id);
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("declined"))]), false).await;
        assert_eq!(see_other(&response), format!("{queue}&page=1"));
        let page = app.page(&format!("{queue}&page=1"), 200).await;
        assert_eq!(texts(&page, "p.notice.saved"), ["NISTIR-8200-0001-2: Saved: declined."]);
        assert_eq!(texts(&page, &format!("tr#row-{id} p.disposition")), ["declined"]);
        assert_eq!(stored(&app, 2).1.as_deref(), Some("declined"));
        // Another site, or no `back`: the document's queue.
        for back in ["//evil.example/x", "https://evil.example/editor", ""] {
            let page = app.page(QUEUE, 200).await;
            let fields = with(&quick_fields(&page, id), &[("back", Some(back)), ("disposition", Some("noted"))]);
            let location = see_other(&quick(&app, id, &fields, false).await);
            assert!(location == QUEUE || location == "/editor", "{back}: {location}");
            assert!(!location.contains("evil"), "{back}: {location}");
        }
        assert_eq!(stored(&app, 2).1.as_deref(), Some("noted"));
    }

    async fn rows_and_fragments_show_hostile_text_escaped(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 3);
        app.with_conn(|conn| {
            diesel::update(comments::table.find(id))
                .set(comments::response.eq("<script>alert('r')</script><img src=x onerror=alert(1)>"))
                .execute(conn)
                .unwrap();
        });
        let page = app.page(&format!("{QUEUE}?q=medical"), 200).await;
        let fields = quick_fields(&page, id);
        let response = quick(&app, id, &with(&fields, &[("disposition", Some("noted"))]), true).await;
        let (body, row) = fragment(response, 200).await;
        assert_inert("quick fragment", &body);
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(body.contains("&#60;script&#62;alert("), "{body}");
        assert!(texts(&row, "td.text")[0].starts_with("<script>alert('q')</script> Medical"));
        // The queue's search words are marked in the swapped row too.
        assert_eq!(texts(&row, "td.text mark"), ["Medical"]);
        assert_eq!(stored(&app, 3).2.as_deref(), Some("<script>alert('r')</script><img src=x onerror=alert(1)>"), "the response is kept");

        // The comment page's fragment, with a hostile typed response.
        let page = app.page(&format!("/editor/comments/{id}"), 200).await;
        let typed = "</textarea><script>alert('t')</script>";
        let response = post(&app, &format!("/editor/comments/{id}"), &form(&page, &[("response", typed), ("status", "done")]), true).await;
        let (body, fragment) = fragment(response, 422).await;
        assert_inert("triage fragment", &body);
        assert_eq!(texts(&fragment, "textarea[name=response]"), [typed]);
    }

    async fn the_comment_page_saves_its_triage_section_in_place(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let id = id_of(&app, 3);
        let path = format!("/editor/comments/{id}");
        let page = app.page(&path, 200).await;
        assert_eq!(attrs(&page, "#triage form", "hx-post"), [path.as_str()]);
        assert_eq!(attrs(&page, "#triage form", "hx-target"), ["#triage"]);
        let version = stored(&app, 3).4;
        let first = form(&page, &[("response", "First editor's answer."), ("disposition", "accepted")]);
        let second = form(&page, &[("response", "Second editor's long, careful answer."), ("disposition", "declined")]);

        let response = post(&app, &path, &first, true).await;
        let (_, saved) = fragment(response, 200).await;
        assert_eq!(attrs(&saved, "div#triage", "class"), ["triage-swap"]);
        assert_eq!(texts(&saved, "#triage p.notice.saved"), ["Saved NISTIR-8200-0001-3."]);
        assert_eq!(texts(&saved, "textarea[name=response]"), ["First editor's answer."]);
        assert_eq!(attrs(&saved, "input[name=version]", "value"), [(version + 1).to_string()]);
        assert_eq!(texts(&saved, "ol.history li").len(), 3, "disposition, response and status (resolved)");
        // Where it is filed, for the page's facts (swapped out of band).
        assert_eq!(attrs(&saved, "div#filed-now", "hx-swap-oob"), ["true"]);
        assert!(texts(&saved, "div#filed-now")[0].starts_with("5.3"));
        assert_eq!(stored(&app, 3).1.as_deref(), Some("accepted"));

        // The second editor's form was opened on the old version: 409, and
        // their text is still in the form beside what is stored now.
        let response = post(&app, &path, &second, true).await;
        let (_, refused) = fragment(response, 409).await;
        assert!(texts(&refused, "p.notice.conflict")[0].contains("Someone else saved this comment"));
        assert!(texts(&refused, "table.compare td").join(" ").contains("First editor's answer."));
        assert_eq!(texts(&refused, "textarea[name=response]"), ["Second editor's long, careful answer."]);
        assert_eq!(attrs(&refused, "select[name=disposition] option[selected]", "value"), ["declined"]);
        assert_eq!(attrs(&refused, "input[name=version]", "value"), [(version + 1).to_string()]);
        assert_eq!(stored(&app, 3).2.as_deref(), Some("First editor's answer."));

        // 422 keeps the typed values and names the problem.
        let page = app.page(&path, 200).await;
        let response = post(&app, &path, &form(&page, &[("response", "Kept."), ("disposition", "duplicate")]), true).await;
        let (_, invalid) = fragment(response, 422).await;
        assert!(texts(&invalid, ".errors li").join(" ").contains("names the comment it duplicates"));
        assert_eq!(texts(&invalid, "textarea[name=response]"), ["Kept."]);
        assert_eq!(stored(&app, 3).4, version + 1, "nothing saved");

        // No token: 403, as for the whole page.
        let mut no_token = form(&page, &[("response", "sneaky")]);
        no_token.retain(|(n, _)| n != "csrf");
        assert_eq!(post(&app, &path, &no_token, true).await.status().as_u16(), 403);
    }

    async fn htmx_is_vendored_configured_for_the_csp_and_only_on_editor_pages(db: TestDb) {
        let app = app_with(db, COMMENTS).await;
        let response = app.get(HTMX).await;
        assert_eq!(response.status().as_u16(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.contains("javascript"), "{content_type}");
        let script = response.text().await.unwrap();
        assert!(script.starts_with("var htmx=function()"), "the minified htmx");
        assert!(script.contains("version:\"2.0.11\""));
        assert_eq!(app.get("/static/vendor/htmx.LICENSE").await.status().as_u16(), 200);

        let id = id_of(&app, 1);
        for path in [QUEUE.to_owned(), format!("/editor/comments/{id}")] {
            let page = app.page(&path, 200).await;
            assert_eq!(attrs(&page, &format!("head script[src=\"{HTMX}\"]"), "defer"), [""], "{path}");
            let config = attrs(&page, "head meta[name=htmx-config]", "content");
            assert_eq!(config.len(), 1, "{path}");
            let config: serde_json::Value = serde_json::from_str(&config[0]).unwrap();
            assert_eq!(config["includeIndicatorStyles"], false, "no inline <style> (CSP)");
            assert_eq!(config["allowEval"], false);
            assert_eq!(config["allowScriptTags"], false);
            let swapped: Vec<&str> = config["responseHandling"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|rule| rule["swap"] == true)
                .map(|rule| rule["code"].as_str().unwrap())
                .collect();
            assert_eq!(swapped, ["[23]..", "409", "422"], "{path}");
            // No inline script or handler, so the CSP holds.
            assert_inert(&path, &page.html());
            assert!(page.html().contains("hx-post"));
            assert!(!page.html().contains("hx-on"));
        }
        let queue = app.page(QUEUE, 200).await;
        assert_eq!(attrs(&queue, "script[src=\"/static/queue.js\"]", "defer"), [""]);
        assert_eq!(texts(&queue, "aside#keys-help dt").len(), 11);
        assert!(texts(&queue, "p.count .hint")[0].contains("a m d n f to answer"));
        for public in ["/", "/d/nistir-8200", "/login"] {
            let page = app.get(public).await.text().await.unwrap();
            assert!(!page.contains("htmx"), "{public}");
        }
        let csp = app.get(QUEUE).await.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"), "{csp}");
    }
}
