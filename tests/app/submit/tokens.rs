//! Preview and receipt tokens are stored only as their SHA-256: a copy of
//! the database holds no working link, and a link is found by its hash.

use diesel::prelude::*;
use docket::db::schema::pending_uploads;

use super::{ADA, CSV, confirm, form_csrf, open_document, preview, send, spawn, upload};
use crate::helpers::see_other;

on_both_backends! {
    async fn links_are_found_by_the_hash_of_their_token(db: TestDb) {
        let site = spawn(db, "", "").await;
        let app = &site.app;
        open_document(app, "draft");
        let csrf = form_csrf(app, "draft").await;
        let response = send(app, "draft", upload(&csrf, ADA, "c.csv", CSV.as_bytes())).await;
        let (token, _) = preview(app, "draft", response).await;
        let stored: Vec<String> = app.with_conn(|conn| {
            pending_uploads::table.select(pending_uploads::token).load(conn).unwrap()
        });
        assert_eq!(stored, [docket::submissions::sha256_hex(token.as_bytes())]);
        // The stored value is no link.
        app.page(&format!("/d/draft/submit/{}", stored[0]), 404).await;

        let receipt = see_other(&confirm(app, "draft", &token, &csrf).await);
        assert!(receipt.starts_with(&format!("/receipt/{token}")), "{receipt}");
        app.page(&receipt, 200).await;
        app.page(&format!("/receipt/{}", stored[0]), 404).await;

        // A receipt link sent by an earlier version, whose row still holds
        // the token itself, works once start-up has keyed it
        // (`startup::prepare_database` runs `key_old_tokens`).
        let old = "0123456789abcdef0123456789abcdef0123456789abcdef";
        app.with_conn(|conn| {
            diesel::update(pending_uploads::table)
                .set(pending_uploads::token.eq(old))
                .execute(conn)
                .unwrap();
        });
        app.page(&format!("/receipt/{old}"), 404).await;
        app.with_conn(|conn| {
            assert_eq!(docket::db::pending::key_old_tokens(conn).unwrap(), 1);
            assert_eq!(docket::db::pending::key_old_tokens(conn).unwrap(), 0);
        });
        app.page(&format!("/receipt/{old}"), 200).await;
    }
}
