//! Duplicates and form letters: a form letter sent in slightly different
//! versions across two submissions is found as one cluster, listed with its
//! size, members and submitters, and answered at once through the bulk
//! change: every member saved with its own audit events, a member changed
//! meanwhile left alone and named.

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments};

use crate::editor::tags::app_with;
use crate::helpers::{TestApp, attrs, comment_id as id_of, csrf_token, see_other, texts};

pub(crate) const LETTER: &str = "I am writing to urge NIST to require that every connected consumer \
    device ship with a clear label describing how long it will receive security updates, \
    and how owners will be told when that support ends. Without such a label buyers cannot \
    compare products or plan replacements. Thank you for considering this request.";

const PAGE: &str = "/editor/d/nistir-8200/clusters";

/// Submission 1: the letter three times (as sent, with a greeting and one
/// word changed, and after a script tag), and an unrelated comment.
fn first_csv() -> String {
    let greeted = format!("Dear NIST, {}", LETTER.replace("clear", "plain"));
    let scripted = format!("<script>alert('x')</script> {LETTER}");
    format!(
        "Comment #,Type,Section,Comment\n\
         1,T,5.1,\"{scripted}\"\n\
         2,T,5.2,\"{greeted}\"\n\
         3,E,5.3,Typo on page 4.\n\
         4,T,5.1,\"{LETTER}\"\n"
    )
}

/// Submission 2, from someone else: the letter in capitals with a word
/// left out, and an unrelated comment.
fn second_csv() -> String {
    let shouted = LETTER.replace(" security", "").to_uppercase();
    format!(
        "Comment #,Type,Section,Comment\n\
         1,T,5.1,\"{shouted}\"\n\
         2,G,,Please add a glossary entry for the term IoT device capability.\n"
    )
}

/// The demo document with both submissions, Ed Itor signed in.
async fn app(db: crate::helpers::TestDb) -> TestApp {
    let app = app_with(db, &first_csv()).await;
    let from = [
        "--submitter",
        "Pat Doe",
        "--organization",
        "Consumer League",
    ];
    crate::editor::tags::import_late(&app, &second_csv(), &from);
    app
}

/// The letter's members by tracking number.
const MEMBERS: [&str; 4] = [
    "NISTIR-8200-0001-1",
    "NISTIR-8200-0001-2",
    "NISTIR-8200-0001-4",
    "NISTIR-8200-0002-1",
];

/// Finds the clusters through the page's button; returns the page after.
async fn refresh(app: &TestApp) -> scraper::Html {
    let page = app.page(PAGE, 200).await;
    let response = app
        .post_form(
            "/editor/d/nistir-8200/clusters/refresh",
            &[("csrf", &csrf_token(&page))],
        )
        .await;
    assert_eq!(see_other(&response), PAGE);
    app.page(PAGE, 200).await
}

/// (disposition, response, version) of a comment.
fn triage(app: &TestApp, tracking: &str) -> (Option<String>, Option<String>, i32) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::tracking_number.eq(tracking))
            .select((comments::disposition, comments::response, comments::version))
            .first(conn)
            .unwrap()
    })
}

on_both_backends! {
    async fn form_letters_are_found_and_listed_with_their_members(db: TestDb) {
        let app = app(db).await;
        let before = app.page(PAGE, 200).await;
        assert_eq!(texts(&before, "section.cluster").len(), 0);
        assert_eq!(texts(&before, "p.empty").len(), 1);

        let page = refresh(&app).await;
        assert_eq!(
            texts(&page, "p.notice.saved"),
            ["Found 1 cluster(s) covering 4 of 6 comment(s)."]
        );
        assert_eq!(texts(&page, "section.cluster").len(), 1);
        assert_eq!(texts(&page, "p.count"), ["1 cluster(s)."]);
        assert_eq!(texts(&page, "section.cluster h2 .size"), ["4"]);
        assert_eq!(texts(&page, "section.cluster h2 .answered"), ["(0 with a disposition)"]);
        assert_eq!(texts(&page, "a.member"), MEMBERS);
        let links: Vec<String> = MEMBERS
            .iter()
            .map(|t| format!("/editor/comments/{}", id_of(&app, t)))
            .collect();
        assert_eq!(attrs(&page, "a.member", "href"), links);
        assert_eq!(texts(&page, ".submitter"), ["(not given)", "Pat Doe (Consumer League)"]);
        assert!(texts(&page, "blockquote.excerpt")[0].contains("I am writing to urge NIST"));

        // Stored: the lowest member's id as the cluster (a comment alone is
        // its own), a text hash for all.
        let first = id_of(&app, MEMBERS[0]);
        let stored: Vec<(String, Option<i64>, Option<String>)> = app.with_conn(|conn| {
            comments::table
                .order(comments::id)
                .select((comments::tracking_number, comments::cluster_id, comments::text_hash))
                .load(conn)
                .unwrap()
        });
        for (tracking, cluster, hash) in &stored {
            let expected = if MEMBERS.contains(&tracking.as_str()) {
                first
            } else {
                id_of(&app, tracking)
            };
            let expected = Some(expected);
            assert_eq!(*cluster, expected, "{tracking}");
            assert_eq!(hash.as_ref().map(String::len), Some(64), "{tracking}");
        }
        // Again: the same clusters, nothing rewritten.
        let again = refresh(&app).await;
        assert_eq!(texts(&again, "a.member"), MEMBERS);

        // The dashboard links here.
        let dashboard = app.page("/editor/d/nistir-8200", 200).await;
        assert_eq!(attrs(&dashboard, "p.cluster-link a", "href"), [PAGE]);
    }

    async fn the_button_waits_for_a_pass_running_elsewhere(db: TestDb) {
        let app = app(db).await;
        // Another instance's background pass holds the document.
        let lease = app.with_conn(|conn| {
            let id = docket::documents::find(conn, "nistir-8200").unwrap().id;
            docket::db::documents::claim_clusters_now(conn, id, docket::db::now()).unwrap().expect("unclaimed")
        });
        let page = refresh(&app).await;
        assert_eq!(
            texts(&page, "p.notice.saved"),
            ["Clusters are being recomputed right now (by the background pass or another editor); the result shows here when it ends."]
        );
        assert_eq!(texts(&page, "section.cluster").len(), 0, "no second pass beside the first");
        // Once it ends, the button recomputes.
        app.with_conn(|conn| docket::db::documents::release_clusters(conn, lease).unwrap());
        let page = refresh(&app).await;
        assert_eq!(texts(&page, "p.notice.saved"), ["Found 1 cluster(s) covering 4 of 6 comment(s)."]);
    }

    async fn answering_a_cluster_saves_every_member_with_its_own_audit_events(db: TestDb) {
        let app = app(db).await;
        let page = refresh(&app).await;
        // Someone answers one member after the page was shown.
        let stale = MEMBERS[2];
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::tracking_number.eq(stale)))
                .set((comments::response.eq("Theirs."), comments::version.eq(comments::version + 1)))
                .execute(conn)
                .unwrap();
        });
        let before = triage(&app, stale);

        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for name in ["csrf", "back", "action", "c"] {
            for value in attrs(&page, &format!("form.answer input[name={name}]"), "value") {
                body.append_pair(name, &value);
            }
        }
        body.append_pair("disposition", "accepted");
        body.append_pair("response", "NIST will add a support-period label.");
        let response = app
            .client
            .post(format!("{}/editor/d/nistir-8200/bulk", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
            .send()
            .await
            .unwrap();
        assert_eq!(see_other(&response), PAGE);
        let after = app.page(PAGE, 200).await;
        assert_eq!(
            texts(&after, "p.notice.saved"),
            [format!("Saved 3 comment(s). Left alone, because someone changed them after this page was shown: {stale}.")]
        );
        assert_eq!(texts(&after, "section.cluster h2 .answered"), ["(3 with a disposition)"]);
        assert_eq!(texts(&after, "section.cluster h2 .size"), ["4"]);
        // The one still without a disposition first, then the others (the
        // first member among them) in id order.
        assert_eq!(texts(&after, "a.member"), [MEMBERS[2], MEMBERS[0], MEMBERS[1], MEMBERS[3]]);

        for tracking in MEMBERS {
            let events: Vec<(String, Option<String>)> = app.with_conn(|conn| {
                audit_events::table
                    .filter(audit_events::comment_id.eq(id_of(&app, tracking)))
                    .order(audit_events::field)
                    .select((audit_events::action, audit_events::field))
                    .load(conn)
                    .unwrap()
            });
            if tracking == stale {
                assert_eq!(triage(&app, tracking), before, "{tracking} left alone");
                assert!(events.is_empty(), "{tracking}: {events:?}");
                continue;
            }
            let (disposition, text, _) = triage(&app, tracking);
            assert_eq!(disposition.as_deref(), Some("accepted"), "{tracking}");
            assert_eq!(text.as_deref(), Some("NIST will add a support-period label."), "{tracking}");
            assert_eq!(
                events,
                [
                    ("update".to_owned(), Some("disposition".to_owned())),
                    ("update".to_owned(), Some("response".to_owned())),
                    ("update".to_owned(), Some("status".to_owned())),
                ],
                "{tracking}"
            );
        }
        // Comments outside the cluster are untouched.
        assert_eq!(triage(&app, "NISTIR-8200-0001-3").0, None);
        assert_eq!(triage(&app, "NISTIR-8200-0002-2").0, None);
    }

    async fn the_clusters_page_needs_sign_in_and_a_token(db: TestDb) {
        let app = app(db).await;
        let clusters = |app: &TestApp| -> Vec<(i64, Option<i64>)> {
            app.with_conn(|conn| {
                comments::table
                    .order(comments::id)
                    .select((comments::id, comments::cluster_id))
                    .load(conn)
                    .unwrap()
            })
        };
        let before = clusters(&app);
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = anonymous.get(format!("{}{PAGE}", app.address)).send().await.unwrap();
        assert_eq!(see_other(&response), "/login?next=%2Feditor%2Fd%2Fnistir-8200%2Fclusters");
        let response = anonymous
            .post(format!("{}{PAGE}/refresh", app.address))
            .form(&[("csrf", "x")])
            .send()
            .await
            .unwrap();
        assert!(see_other(&response).starts_with("/login"));

        let response = app.post_form("/editor/d/nistir-8200/clusters/refresh", &[]).await;
        assert_eq!(response.status().as_u16(), 403);
        let response = app.post_form("/editor/d/nistir-8200/clusters/refresh", &[("csrf", "forged")]).await;
        assert_eq!(response.status().as_u16(), 403);
        // Nothing recomputed: the near duplicates are still apart, each
        // comment its own cluster as intake left it.
        let after = clusters(&app);
        assert_eq!(after, before);
        assert!(after.iter().all(|(id, c)| *c == Some(*id)), "{after:?}");
        assert_eq!(app.get("/editor/d/no-such-document/clusters").await.status().as_u16(), 404);
    }

    async fn comment_text_is_escaped_on_the_clusters_page(db: TestDb) {
        let app = app(db).await;
        refresh(&app).await;
        let html = app.get(PAGE).await.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "raw script tag on the page");
        assert!(
            html.contains("&#60;script&#62;alert(") || html.contains("&lt;script&gt;alert("),
            "{html}"
        );
        let page = scraper::Html::parse_document(&html);
        assert!(texts(&page, "blockquote.excerpt")[0].starts_with("<script>alert('x')</script> I am writing"));
    }
}

on_both_backends! {
    async fn a_member_s_page_lists_the_similar_comments(db: TestDb) {
        let app = app(db).await;
        let unrelated = id_of(&app, "NISTIR-8200-0001-3");
        let before = app.page(&format!("/editor/comments/{}", id_of(&app, MEMBERS[0])), 200).await;
        assert!(texts(&before, "ul.similar a").is_empty(), "nothing before clustering");
        refresh(&app).await;
        let page = app.page(&format!("/editor/comments/{}", id_of(&app, MEMBERS[0])), 200).await;
        let listed = texts(&page, "ul.similar a");
        let expected: Vec<String> = MEMBERS[1..].iter().map(|m| (*m).to_owned()).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(sorted, want, "{listed:?}");
        assert!(attrs(&page, "a[href='/editor/d/nistir-8200/clusters']", "href").len() == 1);
        let other = app.page(&format!("/editor/comments/{unrelated}"), 200).await;
        assert!(texts(&other, "ul.similar a").is_empty());
    }

    async fn every_cluster_is_reachable_and_a_member_can_be_left_out(db: TestDb) {
        const TEXTS: [&str; 11] = [
            "Editorial comment",
            "Please define the term gateway before its first use in the report.",
            "The supply chain discussion should cite the NIST SSDF practices.",
            "Figure three is unreadable when printed in black and white.",
            "Medical device firmware updates need a signed manifest requirement.",
            "Consumer routers are missing from the smart home examples entirely.",
            "Vehicle telematics units deserve their own subsection in chapter five.",
            "The acronym list omits OTA, which is used throughout section six.",
            "Smart meters and grid sensors are mentioned but never analysed.",
            "Incident reporting timelines differ between the two appendices.",
            "Cloud back ends of wearables are not covered by any core area.",
        ];
        let mut csv = String::from("Comment #,Section,Page #,Comment,Suggested change\n");
        let mut n = 0;
        for (i, text) in TEXTS.iter().enumerate() {
            // The first text three times (the largest cluster), each with
            // its own fix; the others twice.
            for copy in 0..if i == 0 { 3 } else { 2 } {
                n += 1;
                csv.push_str(&format!("{n},5.1,{},\"{text}\",Fix number {n}.\n", 10 + copy));
            }
        }
        let app = app_with(db, &csv).await;
        let page = refresh(&app).await;
        assert_eq!(texts(&page, "p.count"), ["11 cluster(s), page 1 of 2, largest first."]);
        assert_eq!(texts(&page, "section.cluster").len(), 10);
        assert_eq!(attrs(&page, "nav.pages a[rel=next]", "href"), ["?page=2"]);
        let second = app.page(&format!("{PAGE}?page=2"), 200).await;
        assert_eq!(texts(&second, "section.cluster").len(), 1);
        assert_eq!(attrs(&second, "form.answer input[name=back]", "value"), [format!("{PAGE}?page=2")]);

        // The largest first: one comment, three different fixes, each
        // shown with where it points, so one can be left out.
        let first = "section.cluster:first-of-type";
        assert_eq!(texts(&page, &format!("{first} h2 .size")), ["3"]);
        assert_eq!(texts(&page, &format!("{first} td.change")), ["Fix number 1.", "Fix number 2.", "Fix number 3."]);
        assert_eq!(texts(&page, &format!("{first} td.where")), ["p. 10", "p. 11", "p. 12"]);
        let members = attrs(&page, &format!("{first} input[name=c]"), "value");
        assert_eq!(attrs(&page, &format!("{first} input[name=c]"), "checked"), ["", "", ""]);
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for name in ["csrf", "back", "action"] {
            body.append_pair(name, &attrs(&page, &format!("{first} form.answer input[name={name}]"), "value")[0]);
        }
        // The third unticked: not sent.
        for value in &members[..2] {
            body.append_pair("c", value);
        }
        body.append_pair("disposition", "accepted");
        body.append_pair("response", "Fixed in the second draft.");
        let response = app
            .client
            .post(format!("{}/editor/d/nistir-8200/bulk", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
            .send()
            .await
            .unwrap();
        assert_eq!(see_other(&response), PAGE);
        assert_eq!(triage(&app, "NISTIR-8200-0001-1").0.as_deref(), Some("accepted"));
        assert_eq!(triage(&app, "NISTIR-8200-0001-2").0.as_deref(), Some("accepted"));
        assert_eq!(triage(&app, "NISTIR-8200-0001-3").0, None, "left out");
    }
}
