//! Cancel forgets an upload; a second Confirm, or the same file sent again
//! by the same person, stores nothing more.

use super::{
    ADA, CSV, Who, confirm, form_csrf, open_document, preview, send, spawn, stored, tracking,
    upload,
};
use crate::helpers::{see_other, texts};

on_both_backends! {
    async fn cancel_forgets_the_upload(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let (token, _) = preview(app, "draft", send(app, "draft", upload(&csrf, ADA, "comments.csv", CSV.as_bytes())).await).await;
        assert_eq!(stored(app), (0, 0, 1));

        let response = app.post_form(&format!("/d/draft/submit/{token}/cancel"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(see_other(&response), "/d/draft/submit");
        assert_eq!(stored(app), (0, 0, 0), "the pending upload is deleted");
        let page = app.page(&format!("/d/draft/submit/{token}"), 404).await;
        assert_eq!(
            texts(&page, "p.message"),
            ["This preview does not exist or has expired. Nothing of it was stored; please send the comments again."]
        );
        // Nor can it be confirmed any more, nor has it a receipt.
        assert_eq!(confirm(app, "draft", &token, &csrf).await.status().as_u16(), 404);
        app.page(&format!("/receipt/{token}"), 404).await;
        assert_eq!(stored(app), (0, 0, 0));
        assert!(site.mails().await.is_empty());
    }

    async fn confirming_twice_stores_once(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let (token, _) = preview(app, "draft", send(app, "draft", upload(&csrf, ADA, "comments.csv", CSV.as_bytes())).await).await;
        let first = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert_eq!(first, format!("/receipt/{token}"));
        // The back button and Confirm again: the same receipt.
        let again = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert_eq!(again, first);
        // The preview address now leads to the receipt.
        assert_eq!(see_other(&app.get(&format!("/d/draft/submit/{token}")).await), first);
        // Cancel after Confirm deletes nothing.
        let response = app.post_form(&format!("/d/draft/submit/{token}/cancel"), &[("csrf", csrf.as_str())]).await;
        see_other(&response);
        let receipt = app.page(&first, 200).await;
        assert_eq!(tracking(&receipt), "DRAFT-0001");
        assert_eq!(texts(&receipt, ".range"), ["DRAFT-0001-1 to DRAFT-0001-2"]);
        assert_eq!(stored(app), (1, 2, 1));
        assert_eq!(site.mails().await.len(), 1, "one receipt e-mail");
    }

    async fn the_same_file_from_the_same_address_is_stored_once(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        // Sends the file and confirms; the page confirming leads to.
        let send_and_confirm = |who: Who<'static>| {
            let csrf = csrf.clone();
            async move {
                let response = send(app, "draft", upload(&csrf, who, "comments.csv", CSV.as_bytes())).await;
                let (token, page) = preview(app, "draft", response).await;
                assert_eq!(texts(&page, ".count"), ["2 comment(s)"]);
                (token.clone(), confirm(app, "draft", &token, &csrf).await)
            }
        };

        let (token, response) = send_and_confirm(ADA).await;
        let location = see_other(&response);
        assert_eq!(location, format!("/receipt/{token}"));
        assert_eq!(tracking(&app.page(&location, 200).await), "DRAFT-0001");
        assert_eq!(stored(app), (1, 2, 1));
        // Sent again (the address as typed differs only in case): a page says
        // it was received before, with the earlier tracking number only (no
        // link to that receipt), and nothing more is stored or kept.
        let shouting = Who { email: "ADA@EXAMPLE.ORG", ..ADA };
        let (token, response) = send_and_confirm(shouting).await;
        assert_eq!(response.status().as_u16(), 200);
        let page = scraper::Html::parse_document(&response.text().await.unwrap());
        assert_eq!(texts(&page, "h1"), ["These comments were already received"]);
        assert_eq!(tracking(&page), "DRAFT-0001");
        assert!(texts(&page, "a").iter().all(|a| !a.contains("receipt")));
        assert_eq!(stored(app), (1, 2, 1), "the second upload is forgotten");
        assert_eq!(app.get(&format!("/receipt/{token}")).await.status().as_u16(), 404);
        assert_eq!(site.mails().await.len(), 1, "no second receipt e-mail for a file already received");

        // Another person's copy of the same file is theirs to send.
        let grace = Who { name: "Grace Hopper", organization: "", email: "grace@example.org" };
        let (token, response) = send_and_confirm(grace).await;
        assert_eq!(see_other(&response), format!("/receipt/{token}"));
        assert_eq!(tracking(&app.page(&format!("/receipt/{token}"), 200).await), "DRAFT-0002");
        assert_eq!(stored(app), (2, 4, 2));
        assert_eq!(site.mails().await.len(), 2);
    }
    async fn a_large_upload_is_stored_whole_and_once(db: TestDb) {
        // More rows than one batch: stored a batch per transaction, the
        // upload marked confirmed and the receipt queued as it arrives.
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let mut csv = String::from("Comment #,Type,Section,Page #,Line #,Comment,Suggested Change\n");
        for n in 1..=1_200 {
            csv.push_str(&format!("{n},E,2.1,4,{n},Sentence {n} repeats the title.,Drop it.\n"));
        }
        let (token, page) = preview(app, "draft", send(app, "draft", upload(&csrf, ADA, "large.csv", csv.as_bytes())).await).await;
        assert_eq!(texts(&page, ".count"), ["1200 comment(s)"]);
        let first = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert_eq!(first, format!("/receipt/{token}"));
        assert_eq!(see_other(&confirm(app, "draft", &token, &csrf).await), first);
        let receipt = app.page(&first, 200).await;
        assert_eq!(tracking(&receipt), "DRAFT-0001");
        assert_eq!(texts(&receipt, ".range"), ["DRAFT-0001-1 to DRAFT-0001-1200"]);
        assert_eq!(stored(app), (1, 1_200, 1));
        let arriving: i64 = app.with_conn(|conn| {
            use diesel::prelude::*;
            use docket::db::schema::submissions;
            submissions::table.filter(submissions::arriving).count().get_result(conn).unwrap()
        });
        assert_eq!(arriving, 0);
        assert_eq!(site.mails().await.len(), 1, "one receipt e-mail");
    }
}
