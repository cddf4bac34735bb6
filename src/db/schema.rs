//! Diesel's view of the tables in `migrations/`. Written by hand (both back
//! ends share it) and kept in step with the two `up.sql` files; the
//! migration test fails if a column here does not exist there.
//!
//! Only the SQL types that `#[derive(MultiConnection)]` supports on both back
//! ends appear here: JSON lives in `Text` columns, identifiers are `BigInt`.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        session_epoch -> Integer,
        key_shortcuts -> Bool,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        token_hash -> Text,
        label -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        tracking_prefix -> Text,
        description -> Text,
        opens_on -> Nullable<Date>,
        closes_on -> Nullable<Date>,
        public_posting -> Bool,
        published_at -> Nullable<Timestamp>,
        next_submission_seq -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        clusters_stale -> Bool,
        clusters_claimed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sections (id) {
        id -> BigInt,
        document_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        volume -> Text,
        kind -> Text,
        number -> Text,
        lookup_key -> Text,
        title -> Text,
        position -> Integer,
        depth -> Integer,
        page_start -> Nullable<Text>,
        page_end -> Nullable<Text>,
        line_start -> Nullable<Integer>,
        line_end -> Nullable<Integer>,
        owner_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        document_id -> BigInt,
        seq -> Integer,
        tracking_number -> Text,
        channel -> Text,
        submitter_name -> Text,
        organization -> Text,
        email -> Nullable<Text>,
        sha256 -> Nullable<Text>,
        metadata_json -> Text,
        report_json -> Text,
        late -> Bool,
        withdrawn_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
        reply_sent_at -> Nullable<Timestamp>,
        reply_claimed_at -> Nullable<Timestamp>,
        arriving -> Bool,
    }
}

diesel::table! {
    submission_files (submission_id) {
        submission_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        document_id -> BigInt,
        submission_id -> BigInt,
        seq -> Integer,
        tracking_number -> Text,
        source_sheet -> Nullable<Text>,
        source_row -> Nullable<Integer>,
        extra_json -> Text,
        problems_json -> Text,
        comment_number -> Nullable<Text>,
        commenter -> Nullable<Text>,
        organization -> Nullable<Text>,
        volume_raw -> Nullable<Text>,
        type_raw -> Nullable<Text>,
        comment_type -> Nullable<Text>,
        severity -> Nullable<Text>,
        section_raw -> Nullable<Text>,
        paragraph_raw -> Nullable<Text>,
        page_raw -> Nullable<Text>,
        page_start -> Nullable<Text>,
        page_end -> Nullable<Text>,
        page_sort -> Nullable<Integer>,
        line_raw -> Nullable<Text>,
        line_start -> Nullable<Integer>,
        line_end -> Nullable<Integer>,
        body -> Text,
        suggested_change -> Nullable<Text>,
        section_id -> Nullable<BigInt>,
        tag_source -> Text,
        tag_span -> Nullable<Text>,
        tag_conflict -> Nullable<Text>,
        status -> Text,
        disposition -> Nullable<Text>,
        disposition_raw -> Nullable<Text>,
        response -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        duplicate_of_id -> Nullable<BigInt>,
        text_hash -> Nullable<Text>,
        cluster_id -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        document_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        action -> Text,
        field -> Nullable<Text>,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pending_uploads (token) {
        token -> Text,
        document_id -> BigInt,
        channel -> Text,
        submitter_name -> Text,
        organization -> Text,
        email -> Text,
        file_name -> Nullable<Text>,
        content_type -> Nullable<Text>,
        bytes -> Nullable<Binary>,
        form_json -> Nullable<Text>,
        submission_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        client -> Text,
        size_bytes -> BigInt,
        preview -> Nullable<Text>,
    }
}

diesel::table! {
    /// Maintained by triggers (migration 000007); read by the dashboard.
    section_tallies (document_id, section_key) {
        document_id -> BigInt,
        section_key -> BigInt,
        total -> BigInt,
        new -> BigInt,
        in_review -> BigInt,
        resolved -> BigInt,
        published -> BigInt,
        withdrawn -> BigInt,
        editorial -> BigInt,
        general -> BigInt,
        technical -> BigInt,
        other -> BigInt,
        untyped -> BigInt,
        unassigned -> BigInt,
        conflicts -> BigInt,
        duplicates -> BigInt,
        unresolved -> BigInt,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::table! {
    table_uploads (token) {
        token -> Text,
        document_id -> BigInt,
        user_id -> BigInt,
        file_name -> Text,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        reference -> Nullable<Text>,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment -> Nullable<Binary>,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(pending_uploads -> documents (document_id));
diesel::joinable!(pending_uploads -> submissions (submission_id));
diesel::joinable!(sections -> documents (document_id));
diesel::joinable!(sections -> users (owner_id));
diesel::joinable!(submissions -> documents (document_id));
diesel::joinable!(submission_files -> submissions (submission_id));
diesel::joinable!(comments -> documents (document_id));
diesel::joinable!(comments -> submissions (submission_id));
diesel::joinable!(comments -> sections (section_id));
diesel::joinable!(comments -> users (assignee_id));
diesel::joinable!(audit_events -> comments (comment_id));
diesel::joinable!(audit_events -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    auth_tokens,
    documents,
    sections,
    submissions,
    submission_files,
    comments,
    audit_events,
    pending_uploads,
    section_tallies,
    table_uploads,
    mail_outbox,
);
