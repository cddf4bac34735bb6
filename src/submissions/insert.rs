//! A submission's comments, stored a batch at a time in transactions of
//! about [`super::TRANSACTION_TIME`] each, tagged and grouped with the
//! same texts stored before.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{SubmitError, TagSummary};
use crate::db::clusters;
use crate::db::comments::{self, NewComment};
use crate::db::submissions::{self, Submission};
use crate::db::{self, DbConnection};
use crate::intake::Intake;
use crate::tagging::{Tag, Tagger, signals_of};
use crate::triage::similar::hash_of;

/// Per-comment text the insert structs borrow.
struct Owned {
    tracking: String,
    extra: String,
    problems: String,
    page_start: Option<String>,
    page_end: Option<String>,
    page_sort: Option<i32>,
    tag: Tag,
    id: i64,
    text_hash: String,
    cluster_id: Option<i64>,
}

/// Stores the comments in turns ([`in_turns`]), each with its cluster:
/// that of the same text stored before, else of its first comment here,
/// else its own id. Stored comments of those texts without a cluster
/// (see `db::clusters`) then join it, a statement per batch of texts, in
/// turns too: cluster ids are a grouping aid, which other readers may see
/// filled in piecemeal.
pub(super) fn insert_comments(
    conn: &mut DbConnection,
    submission: &Submission,
    (intake, transaction_time): (&Intake, Duration),
    (tagger, owners): (&Tagger, &HashMap<i64, i64>),
    tags: &mut TagSummary,
    on_batch: &mut dyn FnMut(usize),
) -> Result<usize, SubmitError> {
    let now = db::now();
    // The cluster of each text met so far: a stored one's, else that of
    // its first comment here. Every new comment is inserted with its
    // cluster, so none is updated afterwards.
    let mut cluster_of: HashMap<String, i64> = HashMap::new();
    // Texts whose stored comments include some without a cluster, with the
    // cluster they join once the new comments are in.
    let mut rejoin: Vec<(i64, String)> = Vec::new();
    let stored = in_turns(
        conn,
        submission,
        &intake.comments,
        transaction_time,
        on_batch,
        |conn, chunk_index, chunk| {
            let first_seq = chunk_index * comments::BATCH + 1;
            let hashed: Vec<(String, bool)> = chunk.iter().map(|c| hash_of(&c.body)).collect();
            // Stored: earlier submissions' comments (this one's earlier
            // batches are in `cluster_of` already).
            let mut lookup: Vec<&str> = hashed
                .iter()
                .filter(|(hash, clusters_at_all)| {
                    *clusters_at_all && !cluster_of.contains_key(hash)
                })
                .map(|(hash, _)| hash.as_str())
                .collect();
            lookup.sort_unstable();
            lookup.dedup();
            for (hash, known) in
                clusters::stored_clusters(conn, submission.document_id, submission.id, &lookup)?
            {
                if known.unclustered {
                    rejoin.push((known.cluster, hash.clone()));
                }
                cluster_of.insert(hash, known.cluster);
            }
            let ids = comments::next_ids(conn, chunk.len())?;
            let owned: Vec<Owned> = chunk
                .iter()
                .zip(hashed)
                .zip(&ids)
                .enumerate()
                .map(|(i, ((c, (text_hash, clusters_at_all)), &id))| Owned {
                    tracking: comments::tracking_number(
                        &submission.tracking_number,
                        (first_seq + i) as i32,
                    ),
                    extra: extra_object(&c.extra).to_string(),
                    problems: serde_json::to_string(&c.problems)
                        .unwrap_or_else(|_| "[]".to_owned()),
                    page_start: c.pages.as_ref().map(|p| p.start.to_string()),
                    page_end: c.pages.as_ref().map(|p| p.end.to_string()),
                    page_sort: c.pages.as_ref().map(|p| p.start.ordinal()),
                    tag: tagger.tag(signals_of(c)),
                    id,
                    cluster_id: clusters_at_all
                        .then(|| *cluster_of.entry(text_hash.clone()).or_insert(id)),
                    text_hash,
                })
                .collect();
            for o in &owned {
                tags.add(&o.tracking, &o.tag);
            }
            let rows: Vec<NewComment<'_>> = chunk
                .iter()
                .zip(&owned)
                .enumerate()
                .map(|(i, (c, o))| NewComment {
                    id: Some(o.id),
                    document_id: submission.document_id,
                    submission_id: submission.id,
                    seq: (first_seq + i) as i32,
                    tracking_number: &o.tracking,
                    source_sheet: c.sheet.as_deref(),
                    source_row: Some(c.row as i32),
                    extra_json: &o.extra,
                    problems_json: &o.problems,
                    comment_number: c.comment_number.as_deref(),
                    commenter: c.commenter.as_deref(),
                    organization: c.organization.as_deref(),
                    volume_raw: c.volume.as_deref(),
                    type_raw: c.type_raw.as_deref(),
                    comment_type: c.comment_type.map(|t| t.into()),
                    severity: c.severity,
                    section_raw: c.section.as_deref(),
                    paragraph_raw: c.paragraph.as_deref(),
                    page_raw: c.page_raw.as_deref(),
                    page_start: o.page_start.as_deref(),
                    page_end: o.page_end.as_deref(),
                    page_sort: o.page_sort,
                    line_raw: c.line_raw.as_deref(),
                    line_start: c.lines.map(|(s, _)| s),
                    line_end: c.lines.map(|(_, e)| e),
                    body: &c.body,
                    suggested_change: c.suggested_change.as_deref(),
                    section_id: o.tag.section_id,
                    tag_source: o.tag.source.into(),
                    tag_span: o.tag.span.as_deref(),
                    tag_conflict: o.tag.conflict.as_deref(),
                    assignee_id: o.tag.section_id.and_then(|id| owners.get(&id).copied()),
                    text_hash: Some(&o.text_hash),
                    cluster_id: o.cluster_id,
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            Ok(comments::insert_batch(conn, &rows)?)
        },
    )?;
    // Stored comments of those texts without a cluster join it. In the
    // order of the clusters, mostly the lowest ids of those comments: the
    // updates walk the table rather than hopping across it.
    rejoin.sort_unstable();
    let rejoin: Vec<(&str, i64)> = rejoin
        .iter()
        .map(|(cluster, hash)| (hash.as_str(), *cluster))
        .collect();
    let document_id = submission.document_id;
    in_turns(
        conn,
        submission,
        &rejoin,
        transaction_time,
        &mut |_| {},
        |conn, _, chunk| Ok(clusters::join_known(conn, document_id, chunk)?),
    )?;
    Ok(stored)
}

/// Runs `work` on each [`comments::BATCH`] items of `items` (with the
/// batch's index), in transactions that each take batches while they have
/// run for less than `time`, so other writers get the write lock between
/// them; `committed` hears, after each commit, the sum of what `work`
/// returned in it. Each transaction also marks `submission` as still
/// arriving, so a sweep never takes it for abandoned while it goes on.
/// Returns the sum of all.
fn in_turns<T>(
    conn: &mut DbConnection,
    submission: &Submission,
    items: &[T],
    time: Duration,
    committed: &mut dyn FnMut(usize),
    mut work: impl FnMut(&mut DbConnection, usize, &[T]) -> Result<usize, SubmitError>,
) -> Result<usize, SubmitError> {
    let mut batches = items.chunks(comments::BATCH).enumerate().peekable();
    let mut total = 0;
    while batches.peek().is_some() {
        let n = db::write_transaction(conn, |conn| {
            let started = std::time::Instant::now();
            let mut n = 0;
            for (index, batch) in batches.by_ref() {
                n += work(conn, index, batch)?;
                if started.elapsed() >= time {
                    break;
                }
            }
            submissions::still_arriving(conn, submission.id, db::now())?;
            Ok::<_, SubmitError>(n)
        })?;
        committed(n);
        total += n;
    }
    Ok(total)
}

/// Who new comments under each node go to: its owner, else the nearest
/// ancestor's (a section given to an editor includes its subsections).
pub(super) fn owners_of(outline: &[crate::db::sections::Section]) -> HashMap<i64, i64> {
    let mut owners = HashMap::new();
    // Parents come before their children in document order.
    for s in outline {
        let owner = s
            .owner_id
            .or_else(|| s.parent_id.and_then(|p| owners.get(&p).copied()));
        if let Some(owner) = owner {
            owners.insert(s.id, owner);
        }
    }
    owners
}

/// Unknown columns as a JSON object in column order; a header used twice
/// gets its position appended so neither value is lost.
fn extra_object(extra: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (i, (key, value)) in extra.iter().enumerate() {
        let mut key = key.clone();
        let mut n = i + 1;
        while map.contains_key(&key) {
            key = format!("{} ({n})", extra[i].0);
            n += 1;
        }
        map.insert(key, Value::String(value.clone()));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_extra_headers_keep_both_values() {
        let extra = vec![
            ("Notes".to_owned(), "a".to_owned()),
            ("Notes".to_owned(), "b".to_owned()),
        ];
        assert_eq!(
            extra_object(&extra).to_string(),
            r#"{"Notes":"a","Notes (2)":"b"}"#
        );
    }
}
