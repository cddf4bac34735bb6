//! Writing an export: the database's rows read on one thread, the file
//! written on the calling one, with a few batches of rows between them.
//! The ordered read and the writing (formatting, XML, compression) take
//! about as long as each other for a large XLSX, so running them side by
//! side on two cores comes close to halving the time. Memory stays flat:
//! each way between them (full batches to the writer, spent ones back to
//! be freed) holds at most `IN_FLIGHT` batches (a workbook's read on
//! SQLite also holds its order, 32 bytes a comment up to two million:
//! `export_rows::TableOrder`).

use std::io::Write;
use std::ops::DerefMut;
use std::sync::mpsc;

use super::{ExportError, Format, Line, Prepared, Sink, csv, html, json, xlsx};
use crate::db::DbConnection;
use crate::db::export_rows::{self, ExportRow, TableOrder};

/// Rows per batch handed from the reader to the writer, and batches queued.
const BATCH: usize = 512;
const IN_FLIGHT: usize = 4;

/// Writes the prepared export to `out`; returns how many comments it holds.
/// The connection is used by one streaming statement and let go (dropped:
/// a pooled one goes back to its pool) as soon as the last row is read,
/// before a workbook is put together and while a client still downloads.
pub fn write<C>(conn: C, prepared: &Prepared, out: impl Write + Send) -> Result<usize, ExportError>
where
    C: DerefMut<Target = DbConnection> + Send,
{
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        let (sender, batches) = mpsc::sync_channel::<Vec<ExportRow>>(IN_FLIGHT);
        let (give_back, spent) = mpsc::sync_channel::<Vec<ExportRow>>(IN_FLIGHT);
        let reader = scope.spawn(move || {
            let read = read(conn, prepared, started, &sender, &spent);
            tracing::debug!(elapsed = ?started.elapsed(), "export: last row read");
            read
        });
        let written = write_all(prepared, batches, &give_back, out);
        // A failed writer dropped its end of the channel, which stopped the
        // reader at its next batch; its own error says less.
        let read = reader.join().unwrap_or_else(|_| {
            Err(ExportError::Output(std::io::Error::other(
                "the reader stopped",
            )))
        });
        tracing::debug!(elapsed = ?started.elapsed(), "export: written");
        let count = written?;
        read?;
        Ok(count)
    })
}

/// The reader: every row of the export, in batches, in table order. Each
/// new batch takes the place of one the writer is done with (`spent`), and
/// that one's rows are freed here, on the thread that made them: glibc's
/// `free` of another thread's memory goes through that thread's arena and
/// its lock, and freeing the reader's rows took the writer of a
/// million-row workbook 0.9 s (measured), all of it on the critical path.
fn read<C: DerefMut<Target = DbConnection>>(
    mut conn: C,
    prepared: &Prepared,
    started: std::time::Instant,
    sender: &mpsc::SyncSender<Vec<ExportRow>>,
    spent: &mpsc::Receiver<Vec<ExportRow>>,
) -> Result<usize, ExportError> {
    let stopped = || ExportError::Output(std::io::Error::other("the writer stopped"));
    let mut batch = Vec::with_capacity(BATCH);
    let mut first_read = false;
    let order = order(prepared, &conn);
    let count = export_rows::for_each(
        &mut conn,
        prepared.document.id,
        &prepared.filter,
        order,
        |row| {
            if !first_read {
                first_read = true;
                tracing::debug!(elapsed = ?started.elapsed(), "export: first row read");
            }
            batch.push(row);
            if batch.len() == BATCH {
                let next = match spent.try_recv() {
                    Ok(mut done) => {
                        done.clear();
                        done
                    }
                    Err(_) => Vec::with_capacity(BATCH),
                };
                let full = std::mem::replace(&mut batch, next);
                sender.send(full).map_err(|_| stopped())?;
            }
            Ok::<_, ExportError>(())
        },
    )?;
    if !batch.is_empty() {
        sender.send(batch).map_err(|_| stopped())?;
    }
    Ok(count)
}

/// How the rows are put in order for `prepared`'s format on `conn`'s back
/// end. A workbook's writer takes about as long as the read, so it gains
/// most from rows that come early: on SQLite they are ordered in memory
/// and the first comes within a second. The other formats are written as
/// fast as rows come, so what does the least work in all is quickest: the
/// database's sort (ordered in memory, a million comments as CSV took 1.4x
/// as long; README, "Export speed"). PostgreSQL always sorts: reading rows
/// by id costs it a heap page each from outside its buffer cache, and a
/// workbook took 1.2x as long that way (measured), where its parallel sort
/// is quick.
fn order(prepared: &Prepared, conn: &DbConnection) -> TableOrder {
    match (prepared.request.format, conn) {
        (Format::Xlsx, DbConnection::Sqlite(_)) => TableOrder::InMemory,
        (Format::Xlsx, DbConnection::Postgres(_))
        | (Format::Csv | Format::Html | Format::Json, _) => TableOrder::Database,
    }
}

/// The writer: the file, from the batches as they come; each batch done
/// with goes back to the reader to be freed (`read`), or is freed here
/// when the reader has finished or has not yet taken the ones before.
fn write_all(
    prepared: &Prepared,
    batches: mpsc::Receiver<Vec<ExportRow>>,
    give_back: &mpsc::SyncSender<Vec<ExportRow>>,
    out: impl Write + Send,
) -> Result<usize, ExportError> {
    let feed = |sink: &mut dyn Sink| -> Result<usize, ExportError> {
        let mut count = 0;
        for batch in &batches {
            for row in &batch {
                sink.row(&Line::new(row, prepared))?;
                count += 1;
            }
            // Full or gone: dropped here.
            let _ = give_back.try_send(batch);
        }
        Ok(count)
    };
    match prepared.request.format {
        Format::Csv => {
            let mut sink = csv::Table::new(prepared, out)?;
            let count = feed(&mut sink)?;
            sink.finish()?;
            Ok(count)
        }
        Format::Xlsx => {
            let mut sink = xlsx::Table::new(prepared)?;
            let count = feed(&mut sink)?;
            sink.finish(out)?;
            Ok(count)
        }
        Format::Html => {
            let mut sink = html::Table::new(prepared, out)?;
            let count = feed(&mut sink)?;
            sink.finish()?;
            Ok(count)
        }
        Format::Json => {
            let mut sink = json::Array::new(prepared, out)?;
            let count = feed(&mut sink)?;
            sink.finish()?;
            Ok(count)
        }
    }
}
