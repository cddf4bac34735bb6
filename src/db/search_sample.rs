//! Telling a common search word from a rarer one on PostgreSQL without
//! reading its matches.
//!
//! The queue pages a search in memory when it has at most 10,000 matches,
//! and section by section past that (`db::queue`). To know which, it read
//! up to 10,001 matches: for a word in a fifth of a million comments, a
//! sequential scan of some 50,000 rows, whose cost also depends on where
//! the live rows lie in the table (after a re-clustering rewrote them, the
//! same probe took 20 to 55 ms). A block sample of about 5,000 of the
//! document's rows (`TABLESAMPLE SYSTEM`) estimates the number of matches
//! in a few milliseconds. Only a clear verdict is trusted: three times the
//! cap or more. Anything less, or a sample too thin to say (a small
//! document, or one among many in the table), is counted exactly as before.
//! Unlike the planner's estimate, the sample sees which words occur
//! *together*, so two common words that never meet are not taken for a
//! common phrase.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Float, Text};

/// Rows of the document the sample aims to read.
const SAMPLE_ROWS: i64 = 5_000;
/// Below this many comments the exact count is cheap enough.
const SAMPLE_FROM: i64 = 100_000;
/// How far above the cap the estimate must be to be trusted.
const MARGIN: i64 = 3;

#[derive(QueryableByName)]
struct Sampled {
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = BigInt)]
    matched: i64,
}

/// Whether a sample says `words` match far more than `cap` of the
/// document's `size` comments. `false` means "count them".
pub fn clearly_more_than(
    conn: &mut PgConnection,
    document_id: i64,
    size: i64,
    words: &str,
    cap: i64,
) -> QueryResult<bool> {
    if size < SAMPLE_FROM {
        return Ok(false);
    }
    // Each page of the table is read with this probability (in per cent);
    // other documents' rows in those pages are read too, and skipped.
    let percent = (100.0 * SAMPLE_ROWS as f64 / size as f64).min(100.0) as f32;
    let sample: Sampled = diesel::sql_query(
        "SELECT count(*) AS rows, \
         count(*) FILTER (WHERE search @@ plainto_tsquery('english', $1)) AS matched \
         FROM comments TABLESAMPLE SYSTEM ($2) WHERE document_id = $3",
    )
    .bind::<Text, _>(words)
    .bind::<Float, _>(percent)
    .bind::<BigInt, _>(document_id)
    .get_result(conn)?;
    Ok(sample.rows >= SAMPLE_ROWS / 2 && estimate(&sample, size) >= MARGIN * cap)
}

fn estimate(sample: &Sampled, size: i64) -> i64 {
    if sample.rows == 0 {
        return 0;
    }
    (i128::from(sample.matched) * i128::from(size) / i128::from(sample.rows))
        .try_into()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_scales_the_sample_to_the_document() {
        let sample = |rows, matched| Sampled { rows, matched };
        assert_eq!(estimate(&sample(5_000, 1_000), 1_000_000), 200_000);
        assert_eq!(estimate(&sample(0, 0), 1_000_000), 0);
        assert_eq!(estimate(&sample(4_000, 0), 1_000_000), 0);
    }
}
