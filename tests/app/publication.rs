//! Publishing a disposition (the completeness gate, statuses, history) and
//! the public comments page (`/d/{slug}/comments`).

use diesel::prelude::*;
use docket::db::schema::{audit_events, comments, documents, submission_files, submissions, users};

use crate::editor::tags::app_with;
use crate::helpers::{TestApp, csrf_token, see_other, texts};

const COMMENTS: &str = "Comment #,Section,Page #,Line #,Comment
1,5.1,,,Vehicles need a firmware update path
2,5.3,,,<script>alert('x')</script> is not escaped anywhere
3,General,,,Withdrawn later by its submitter
";

const EXPORT: &str = "/editor/d/nistir-8200/export";

/// The demo document with the comments above; Ed Itor signed in as admin.
async fn app(db: crate::helpers::TestDb) -> TestApp {
    let app = app_with(db, COMMENTS).await;
    app.with_conn(|conn| {
        diesel::update(users::table.filter(users::email.eq("ed@example.org")))
            .set(users::role.eq("admin"))
            .execute(conn)
            .unwrap();
        diesel::update(submissions::table)
            .set((
                submissions::email.eq("submitter@example.org"),
                submissions::submitter_name.eq("Sam Submitter"),
                submissions::organization.eq("Acme Labs"),
            ))
            .execute(conn)
            .unwrap();
    });
    app
}

async fn post(app: &TestApp, path: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let token = csrf_token(&app.page(EXPORT, 200).await);
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(extra);
    app.post_form(path, &fields).await
}

/// (status, version) of comment `seq`.
fn state(app: &TestApp, seq: i32) -> (String, i32) {
    app.with_conn(|conn| {
        comments::table
            .filter(comments::seq.eq(seq))
            .select((comments::status, comments::version))
            .first(conn)
            .unwrap()
    })
}

fn answer(app: &TestApp, seq: i32, disposition: &str, response: &str, status: &str) {
    app.with_conn(|conn| {
        diesel::update(comments::table.filter(comments::seq.eq(seq)))
            .set((
                comments::disposition.eq(disposition),
                comments::response.eq(response),
                comments::status.eq(status),
            ))
            .execute(conn)
            .unwrap();
    });
}

on_both_backends! {
    async fn publishing_waits_for_every_answer_then_publishes_them_with_history(db: TestDb) {
        let app = app(db).await;
        let refused = app.page(EXPORT, 200).await;
        assert!(texts(&refused, ".publication p.state")[0].contains("not published"));

        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(response.status().as_u16(), 409);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        let listed = texts(&page, "section.refused li");
        assert_eq!(listed.len(), 3, "{listed:?}");
        assert!(listed[0].ends_with("no disposition, no response"), "{listed:?}");
        assert_eq!(state(&app, 1), ("new".to_owned(), 1), "nothing changed");

        answer(&app, 1, "accepted", "The text now covers updates.", "resolved");
        answer(&app, 2, "declined", "Out of scope.", "in_review");
        // A withdrawn comment needs no answer and stays withdrawn.
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(3)))
                .set(comments::status.eq("withdrawn"))
                .execute(conn)
                .unwrap();
        });
        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(see_other(&response), EXPORT);
        assert_eq!(state(&app, 1), ("published".to_owned(), 2));
        assert_eq!(state(&app, 2), ("published".to_owned(), 2));
        assert_eq!(state(&app, 3), ("withdrawn".to_owned(), 1));
        let (history, published_at) = app.with_conn(|conn| {
            let history: Vec<(Option<String>, Option<String>)> = audit_events::table
                .filter(audit_events::field.eq("status"))
                .filter(audit_events::new_value.eq("published"))
                .order(audit_events::comment_id)
                .select((audit_events::old_value, audit_events::new_value))
                .load(conn)
                .unwrap();
            let published_at: Option<time::PrimitiveDateTime> = documents::table
                .filter(documents::slug.eq("nistir-8200"))
                .select(documents::published_at)
                .first(conn)
                .unwrap();
            (history, published_at)
        });
        assert_eq!(
            history,
            [
                (Some("resolved".to_owned()), Some("published".to_owned())),
                (Some("in_review".to_owned()), Some("published".to_owned()))
            ]
        );
        assert!(published_at.is_some());
        let page = app.page(EXPORT, 200).await;
        assert_eq!(
            texts(&page, "p.flash"),
            ["Published: 2 comment(s) moved to “published”. The public comments page shows the answers."]
        );
        assert_eq!(texts(&page, ".published-at").len(), 1);
    }

    async fn only_admins_publish_or_post_and_forms_need_their_token(db: TestDb) {
        let app = app(db).await;
        let response = app
            .post_form("/editor/d/nistir-8200/publish", &[("csrf", "wrong")])
            .await;
        assert_eq!(response.status().as_u16(), 403);
        app.with_conn(|conn| {
            diesel::update(users::table.filter(users::email.eq("ed@example.org")))
                .set(users::role.eq("editor"))
                .execute(conn)
                .unwrap();
        });
        let page = app.page(EXPORT, 200).await;
        assert!(texts(&page, ".publication button").is_empty(), "editors see no publication forms");
        for (path, extra) in [
            ("/editor/d/nistir-8200/publish", vec![]),
            ("/editor/d/nistir-8200/posting", vec![("posting", "on")]),
        ] {
            let response = post(&app, path, &extra).await;
            assert_eq!(response.status().as_u16(), 403, "{path}");
        }
        let posting: bool = app.with_conn(|conn| {
            documents::table
                .filter(documents::slug.eq("nistir-8200"))
                .select(documents::public_posting)
                .first(conn)
                .unwrap()
        });
        assert!(!posting);
    }

    async fn posted_comments_are_public_by_section_without_addresses(db: TestDb) {
        let app = app(db).await;
        let page = app.page("/d/nistir-8200/comments", 404).await;
        assert_eq!(texts(&page, "p.message"), ["the comments on this document are not posted publicly"]);
        assert!(texts(&app.page("/d/nistir-8200", 200).await, ".posted-link").is_empty());

        let response = post(&app, "/editor/d/nistir-8200/posting", &[("posting", "sideways")]).await;
        assert_eq!(response.status().as_u16(), 400);
        let response = post(&app, "/editor/d/nistir-8200/posting", &[("posting", "on")]).await;
        assert_eq!(see_other(&response), EXPORT);
        assert_eq!(texts(&app.page("/d/nistir-8200", 200).await, ".posted-link a"), ["Comments received"]);
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::seq.eq(3)))
                .set(comments::status.eq("withdrawn"))
                .execute(conn)
                .unwrap();
        });
        answer(&app, 1, "accepted", "The text now covers updates.", "resolved");

        let html = app.get("/d/nistir-8200/comments").await.text().await.unwrap();
        assert!(!html.contains("@example.org"), "no e-mail address on the page");
        assert!(!html.contains("<script>alert"), "text is escaped");
        let page = scraper::Html::parse_document(&html);
        // The withdrawn comment (the only General one) is not posted.
        assert_eq!(texts(&page, "p.total"), ["2 comment(s)."]);
        let headings = texts(&page, "section.section-group h2");
        assert_eq!(headings.len(), 2, "{headings:?}");
        assert!(headings[0].starts_with("5.1 ") && headings[1].starts_with("5.3 "), "{headings:?}");
        assert_eq!(texts(&page, ".posted .from")[0], "Sam Submitter (Acme Labs)");
        assert!(!html.contains("Withdrawn later by its submitter"), "a withdrawn comment's text is not shown");
        assert!(texts(&page, ".posted .body").iter().any(|b| b.starts_with("<script>alert('x')</script>")));
        assert!(texts(&page, ".answer").is_empty(), "no answers before publication");

        let searched = app.page("/d/nistir-8200/comments?q=firmware+updates", 200).await;
        assert_eq!(texts(&searched, "p.total"), ["1 comment(s) matching “firmware updates”."]);
        assert_eq!(texts(&searched, ".posted .tracking").len(), 1);
        // Neither an unpublished response nor a withdrawn comment's text
        // can be found by searching.
        for hidden in ["covers", "withdrawn"] {
            let searched = app.page(&format!("/d/nistir-8200/comments?q={hidden}"), 200).await;
            assert_eq!(texts(&searched, "p.total"), [format!("0 comment(s) matching “{hidden}”.")], "{hidden}");
        }

        answer(&app, 2, "declined", "Out of scope.", "resolved");
        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(see_other(&response), EXPORT);
        let page = app.page("/d/nistir-8200/comments", 200).await;
        assert_eq!(
            texts(&page, ".answer"),
            ["Accepted. The text now covers updates.", "Declined. Out of scope."]
        );
        assert_eq!(texts(&page, "p.published").len(), 1);
        // An answer changed after publication waits for the next one.
        answer(&app, 2, "accepted", "Draft: reconsidered.", "in_review");
        let page = app.page("/d/nistir-8200/comments", 200).await;
        assert_eq!(texts(&page, ".answer"), ["Accepted. The text now covers updates."]);
    }
}

// Replies by e-mail on publication: each submitter with an address gets
// their own file with the answers attached, or, without a file, the
// answers in the text; once only; the rest on "Send the remaining replies".

/// A second submitter's comments, typed into the form (no file kept).
const TYPED: &str = "Comment #,Section,Page #,Line #,Comment
1,5.1,,,Keys should rotate yearly
2,General,,,";

const SEND: &str = "/editor/d/nistir-8200/replies/send";

/// `app`, with a second submission turned into one typed into the web form
/// (no file), replies written as `.eml` files to the returned outbox, and
/// every comment but the withdrawn one answered.
async fn mail_app(db: crate::helpers::TestDb) -> (TestApp, tempfile::TempDir) {
    let outbox = tempfile::tempdir().unwrap();
    let extra = format!(
        "[server]\npublic_url = \"https://docket.example\"\n[mail]\ntransport = \"file\"\noutbox_dir = \"{}\"\n\
         queue_poll_secs = 1\nretry_first_secs = 1\nretry_max_secs = 1\n",
        outbox.path().display()
    );
    let app = crate::editor::tags::app_with_config(db, COMMENTS, &extra).await;
    let long = format!(
        "{} and the end of it",
        "A long comment about key rotation".repeat(10)
    );
    crate::editor::tags::import_late(&app, &format!("{TYPED}{long}\n"), &[]);
    app.with_conn(|conn| {
        diesel::update(users::table.filter(users::email.eq("ed@example.org")))
            .set(users::role.eq("admin"))
            .execute(conn)
            .unwrap();
        let typed: i64 = submissions::table
            .filter(submissions::seq.eq(2))
            .select(submissions::id)
            .first(conn)
            .unwrap();
        diesel::delete(submission_files::table.find(typed))
            .execute(conn)
            .unwrap();
        for (seq, channel, email, name) in [
            (1, "cli", "submitter@example.org", "Sam Submitter"),
            (2, "form", "typist@example.org", "Tia Typist"),
        ] {
            diesel::update(submissions::table.filter(submissions::seq.eq(seq)))
                .set((
                    submissions::channel.eq(channel),
                    submissions::email.eq(email),
                    submissions::submitter_name.eq(name),
                ))
                .execute(conn)
                .unwrap();
        }
        diesel::update(comments::table.filter(comments::tracking_number.eq("NISTIR-8200-0001-3")))
            .set(comments::status.eq("withdrawn"))
            .execute(conn)
            .unwrap();
    });
    answer(
        &app,
        1,
        "accepted",
        "The text now covers updates.",
        "resolved",
    );
    answer(&app, 2, "declined", "Out of scope.", "in_review");
    (app, outbox)
}

/// The flash of the page after a form, then the page once no replies are
/// being made any more and the mail queue sent them.
async fn flash_then_settled(app: &TestApp) -> (Vec<String>, scraper::Html) {
    let flash = texts(&app.page(EXPORT, 200).await, "p.flash");
    for _ in 0..400 {
        let page = app.page(EXPORT, 200).await;
        if texts(&page, ".reply-mail .sending").is_empty() {
            // The run queued the replies; the mail queue sends them.
            app.outbox_drained().await;
            return (flash, page);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("replies still being sent after 20 s");
}

/// The messages in the outbox, parsed, sorted by recipient.
fn outbox(dir: &tempfile::TempDir) -> Vec<Mail> {
    let mut mails: Vec<Mail> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| Mail::parse(&std::fs::read_to_string(p).unwrap()))
        .collect();
    mails.sort_by_key(|m| m.header("To"));
    mails
}

/// (sent, owed) as the export page counts them, and whether it offers
/// "Send the remaining replies".
fn reply_line(page: &scraper::Html) -> (String, bool) {
    (
        texts(page, ".replies-sent").join(""),
        !texts(page, "form.send-replies button").is_empty(),
    )
}

fn sent_marks(app: &TestApp) -> Vec<bool> {
    app.with_conn(|conn| {
        submissions::table
            .order(submissions::seq)
            .select(submissions::reply_sent_at)
            .load::<Option<time::PrimitiveDateTime>>(conn)
            .unwrap()
            .iter()
            .map(Option::is_some)
            .collect()
    })
}

fn set_email(app: &TestApp, seq: i32, email: &str) {
    app.with_conn(|conn| {
        diesel::update(submissions::table.filter(submissions::seq.eq(seq)))
            .set(submissions::email.eq(email))
            .execute(conn)
            .unwrap();
    });
}

/// One message from the outbox: its headers (unfolded), its text, and
/// its attachment (Content-Disposition, Content-Type, bytes), if any.
struct Mail {
    headers: String,
    text: String,
    attachment: Option<(String, String, Vec<u8>)>,
}

impl Mail {
    fn parse(raw: &str) -> Self {
        let raw = raw.replace("\r\n", "\n");
        let (headers, body) = split_part(&raw);
        if !headers.contains("Content-Type: multipart/mixed") {
            return Self {
                text: String::from_utf8(decode(&headers, body)).unwrap(),
                headers,
                attachment: None,
            };
        }
        let boundary = headers
            .split("boundary=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no boundary: {headers}"));
        let parts: Vec<(String, &str)> = body
            .split(&format!("--{boundary}"))
            .skip(1)
            .filter(|p| !p.starts_with("--"))
            .map(|p| split_part(p.trim_start_matches('\n')))
            .collect();
        assert_eq!(parts.len(), 2, "text and one attachment: {raw}");
        let (text_headers, text) = &parts[0];
        assert!(
            text_headers.contains("Content-Type: text/plain"),
            "{text_headers}"
        );
        let (file_headers, file) = &parts[1];
        let header = |name: &str| header_of(file_headers, name).unwrap_or_default();
        Self {
            text: String::from_utf8(decode(text_headers, text)).unwrap(),
            attachment: Some((
                header("Content-Disposition"),
                header("Content-Type"),
                decode(file_headers, file),
            )),
            headers,
        }
    }

    fn header(&self, name: &str) -> String {
        header_of(&self.headers, name).unwrap_or_default()
    }
}

/// A part's headers (folded lines joined) and body.
fn split_part(part: &str) -> (String, &str) {
    let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
    (head.replace("\n ", " ").replace("\n\t", " "), body)
}

fn header_of(headers: &str, name: &str) -> Option<String> {
    headers
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::to_owned)
}

/// A part's body by its Content-Transfer-Encoding.
fn decode(headers: &str, body: &str) -> Vec<u8> {
    let body = body.trim_end_matches('\n');
    match header_of(headers, "Content-Transfer-Encoding").as_deref() {
        Some("base64") => base64(body),
        Some("quoted-printable") => crate::submit::mail::quoted_printable(body).into_bytes(),
        _ => body.as_bytes().to_vec(),
    }
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut bits, mut held) = (Vec::new(), 0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .unwrap_or_else(|| panic!("not base64: {c}"));
        bits = (bits << 6) | value as u32;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    out
}

on_both_backends! {
    async fn publishing_e_mails_each_submitter_their_file_or_their_answers(db: TestDb) {
        let (app, dir) = mail_app(db).await;
        let page = app.page(EXPORT, 200).await;
        assert_eq!(crate::helpers::attrs(&page, "form.publish input[name=reply_mail]", "checked"), [""], "checked by default");
        assert!(texts(&page, ".reply-mail").is_empty(), "no count before publication");
        let response = post(&app, "/editor/d/nistir-8200/posting", &[("posting", "on")]).await;
        assert_eq!(see_other(&response), EXPORT);

        let response = post(&app, "/editor/d/nistir-8200/publish", &[("reply_mail", "1")]).await;
        assert_eq!(see_other(&response), EXPORT);
        let (flash, page) = flash_then_settled(&app).await;
        assert_eq!(
            flash,
            ["Published: 4 comment(s) moved to “published”. The public comments page shows the answers. \
              Sending 2 reply e-mail(s) in the background; this page counts them as they go out."]
        );
        assert_eq!(reply_line(&page), ("2 of 2".to_owned(), false));
        assert_eq!(sent_marks(&app), [true, true]);

        let mails = outbox(&dir);
        assert_eq!(mails.len(), 2);
        // The file's submitter: their own CSV back, with the answers.
        let file_mail = &mails[0];
        assert_eq!(file_mail.header("To"), "submitter@example.org");
        assert_eq!(file_mail.header("Subject"), "Answers to your comments: NISTIR-8200-0001");
        let text = &file_mail.text;
        assert!(text.starts_with("Dear Sam Submitter,\n\nThe disposition of the comments on "), "{text}");
        assert!(text.contains("Tracking number: NISTIR-8200-0001\nComments answered: 2 of 2\n"), "{text}");
        assert!(text.contains("The attached file, comments (replies).csv, is the file you sent"), "{text}");
        assert!(text.contains("\nhttps://docket.example/d/nistir-8200/comments\n"), "{text}");
        let (disposition, content_type, bytes) = file_mail.attachment.clone().expect("an attachment");
        assert_eq!(disposition, "attachment; filename=\"comments (replies).csv\"");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let csv = String::from_utf8(bytes).unwrap();
        let records: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        let rows: Vec<Vec<&str>> = records.iter().map(|r| r.iter().collect()).collect();
        assert_eq!(rows[0], ["Comment #", "Section", "Page #", "Line #", "Comment", "Disposition", "Response"]);
        assert_eq!(rows[1][4..], ["Vehicles need a firmware update path", "Accepted", "The text now covers updates."]);
        assert_eq!(rows[2][5..], ["Declined", "Out of scope."]);
        assert_eq!(rows[3], ["3", "General", "", "", "Withdrawn later by its submitter"], "the withdrawn comment's row, as sent");

        // The form's submitter: the answers in the text, nothing attached.
        let typed_mail = &mails[1];
        assert_eq!(typed_mail.header("To"), "typist@example.org");
        assert!(typed_mail.attachment.is_none());
        let text = &typed_mail.text;
        assert!(text.starts_with("Dear Tia Typist,"), "{text}");
        assert!(text.contains("Comments answered: 2 of 2\n"), "{text}");
        assert!(text.contains(
            "NISTIR-8200-0002-1 (comment 1, section 5.1)\n  Your comment: Keys should rotate yearly\n  \
             Disposition: Accepted\n  Response: The text now covers updates.\n"
        ), "{text}");
        assert!(text.contains("NISTIR-8200-0002-2 (comment 2, section General)\n  Your comment: A long comment"), "{text}");
        assert!(text.contains("…\n  Disposition: Declined\n  Response: Out of scope.\n"), "{text}");
        assert!(!text.contains("the end of it"), "the comment is shortened: {text}");
        assert!(!text.contains("attached"), "{text}");

        // Publishing again mails no one twice.
        let response = post(&app, "/editor/d/nistir-8200/publish", &[("reply_mail", "1")]).await;
        assert_eq!(see_other(&response), EXPORT);
        let (flash, page) = flash_then_settled(&app).await;
        assert!(flash[0].ends_with(" No reply e-mails left to send."), "{flash:?}");
        assert_eq!(reply_line(&page), ("2 of 2".to_owned(), false));
        assert_eq!(outbox(&dir).len(), 2);
    }

    async fn a_cleared_box_sends_nothing_and_the_remaining_replies_go_out_once(db: TestDb) {
        let (app, dir) = mail_app(db).await;
        let response = post(&app, SEND, &[]).await;
        assert_eq!(response.status().as_u16(), 409, "nothing to send before publication");

        let response = post(&app, "/editor/d/nistir-8200/publish", &[]).await;
        assert_eq!(see_other(&response), EXPORT);
        let (flash, page) = flash_then_settled(&app).await;
        assert_eq!(
            flash,
            ["Published: 4 comment(s) moved to “published”. The public comments page shows the answers."]
        );
        assert_eq!(reply_line(&page), ("0 of 2".to_owned(), true));
        assert!(outbox(&dir).is_empty());

        // An address no message can go to: the other is sent, and that
        // one is left for "Send the remaining replies".
        set_email(&app, 2, "not an address");
        assert_eq!(see_other(&post(&app, SEND, &[]).await), EXPORT);
        let (flash, page) = flash_then_settled(&app).await;
        assert_eq!(flash, ["Sending 2 reply e-mail(s) in the background; this page counts them as they go out."]);
        assert_eq!(reply_line(&page), ("1 of 2".to_owned(), true));
        assert_eq!(sent_marks(&app), [true, false]);
        let mails = outbox(&dir);
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].header("To"), "submitter@example.org");

        // Corrected, the remaining one is queued, and only it, with only
        // published answers: one reopened since is a draft. The outbox
        // cannot be written just now: the reply stays queued, marked, and
        // goes out on a retry once it can.
        set_email(&app, 2, "typist@example.org");
        app.with_conn(|conn| {
            diesel::update(comments::table.filter(comments::tracking_number.eq("NISTIR-8200-0002-1")))
                .set((comments::status.eq("in_review"), comments::response.eq("Draft: reconsidered.")))
                .execute(conn)
                .unwrap();
        });
        std::fs::rename(dir.path(), dir.path().with_extension("away")).unwrap();
        assert_eq!(see_other(&post(&app, SEND, &[]).await), EXPORT);
        let (flash, page) = flash_then_settled(&app).await;
        assert_eq!(flash, ["Sending 1 reply e-mail(s) in the background; this page counts them as they go out."]);
        assert_eq!(reply_line(&page), ("2 of 2".to_owned(), false));
        assert_eq!(sent_marks(&app), [true, true]);
        let failed: Vec<(i32, Option<String>)> = app.with_conn(|conn| {
            use docket::db::schema::mail_outbox as m;
            m::table.filter(m::sent_at.is_null()).select((m::attempts, m::last_error)).load(conn).unwrap()
        });
        assert_eq!(failed, [(1, Some("the outbox could not be written".to_owned()))]);
        std::fs::rename(dir.path().with_extension("away"), dir.path()).unwrap();
        let mut mails = outbox(&dir);
        for _ in 0..400 {
            if mails.len() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            mails = outbox(&dir);
        }
        assert_eq!(mails.iter().map(|m| m.header("To")).collect::<Vec<_>>(), ["submitter@example.org", "typist@example.org"]);
        let text = &mails[1].text;
        assert!(text.contains("Comments answered: 1 of 2\n"), "{text}");
        assert!(text.contains("Your comment: Keys should rotate yearly\n  No published answer yet.\n"), "{text}");
        assert!(!text.contains("reconsidered"), "{text}");
        assert!(!text.contains("posted at"), "comments are not posted: {text}");

        assert_eq!(see_other(&post(&app, SEND, &[]).await), EXPORT);
        let (flash, _) = flash_then_settled(&app).await;
        assert_eq!(flash, ["No reply e-mails left to send."]);
        assert_eq!(outbox(&dir).len(), 2);
    }

    async fn only_admins_send_replies_and_the_form_needs_its_token(db: TestDb) {
        let (app, dir) = mail_app(db).await;
        assert_eq!(see_other(&post(&app, "/editor/d/nistir-8200/publish", &[]).await), EXPORT);
        let response = app.post_form(SEND, &[("csrf", "wrong")]).await;
        assert_eq!(response.status().as_u16(), 403);
        let response = app.post_form(SEND, &[]).await;
        assert_eq!(response.status().as_u16(), 403, "no token at all");
        app.with_conn(|conn| {
            diesel::update(users::table.filter(users::email.eq("ed@example.org")))
                .set(users::role.eq("editor"))
                .execute(conn)
                .unwrap();
        });
        let (_, page) = flash_then_settled(&app).await;
        assert_eq!(reply_line(&page), ("0 of 2".to_owned(), false), "editors see the count, not the button");
        let response = post(&app, SEND, &[]).await;
        assert_eq!(response.status().as_u16(), 403);
        let (_, page) = flash_then_settled(&app).await;
        assert_eq!(reply_line(&page).0, "0 of 2");
        assert_eq!(sent_marks(&app), [false, false]);
        assert!(outbox(&dir).is_empty());
    }
}

// Was a gap: a run guarded each document in its own instance only, so two
// instances pressing "Send the remaining replies" at once could both mail
// one submitter. Each reply is now claimed in the database first.
on_both_backends! {
    async fn a_reply_another_instance_is_sending_is_left_to_it(db: TestDb) {
        let (app, dir) = mail_app(db).await;
        assert_eq!(see_other(&post(&app, "/editor/d/nistir-8200/publish", &[]).await), EXPORT);
        let claim = |minutes_ago: i64| {
            app.with_conn(|conn| {
                diesel::update(submissions::table.filter(submissions::seq.eq(1)))
                    .set(submissions::reply_claimed_at.eq(Some(
                        docket::db::now() - time::Duration::minutes(minutes_ago),
                    )))
                    .execute(conn)
                    .unwrap();
            })
        };
        // Another instance claimed submission 1 a minute ago: only 2 goes.
        claim(1);
        assert_eq!(see_other(&post(&app, SEND, &[]).await), EXPORT);
        let (_, page) = flash_then_settled(&app).await;
        assert_eq!(sent_marks(&app), [false, true]);
        assert_eq!(reply_line(&page).0, "1 of 2");
        let mails = outbox(&dir);
        assert_eq!(mails.iter().map(|m| m.header("To")).collect::<Vec<_>>(), ["typist@example.org"]);
        let held: Option<time::PrimitiveDateTime> = app.with_conn(|conn| {
            submissions::table
                .filter(submissions::seq.eq(1))
                .select(submissions::reply_claimed_at)
                .first(conn)
                .unwrap()
        });
        assert!(held.is_some(), "another run's claim is not this run's to give up");

        // That instance died eleven minutes ago: its claim is taken over.
        claim(11);
        assert_eq!(see_other(&post(&app, SEND, &[]).await), EXPORT);
        flash_then_settled(&app).await;
        assert_eq!(sent_marks(&app), [true, true]);
        assert_eq!(outbox(&dir).len(), 2);
    }
}
