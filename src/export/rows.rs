//! Writing an export: the database's rows read on one thread, the file
//! written on the calling one, with a few batches of rows between them.
//! The ordered read and the writing (formatting, XML, compression) take
//! about as long as each other for a large XLSX, so running them side by
//! side on two cores comes close to halving the time. Memory stays flat:
//! each way between them (full batches to the writer, spent ones back to
//! be freed) holds at most `IN_FLIGHT` batches.

use std::io::Write;
use std::ops::DerefMut;
use std::sync::mpsc;

use super::{ExportError, Format, Line, Prepared, Sink, csv, html, json, xlsx};
use crate::db::DbConnection;
use crate::db::export_rows::{self, ExportRow};

/// Rows per batch handed from the reader to the writer, and batches queued.
const BATCH: usize = 512;
const IN_FLIGHT: usize = 4;

/// Rows handed from the reader to the writer at once, and back.
type Batch = Vec<ExportRow>;

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
        let (sender, batches) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
        let (give_back, spent) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
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

/// The reader: every row of the export, in batches, in table order.
/// Batches the writer is done with (`spent`) come back here to be emptied
/// and filled again: their rows are freed on this thread, never on the
/// writer's, as glibc's `free` of another thread's memory goes through
/// that thread's arena and its lock (freeing the reader's rows took the
/// writer of a million-row workbook 0.9 s, measured, all of it on the
/// critical path).
fn read<C: DerefMut<Target = DbConnection>>(
    mut conn: C,
    prepared: &Prepared,
    started: std::time::Instant,
    sender: &mpsc::SyncSender<Batch>,
    spent: &mpsc::Receiver<Batch>,
) -> Result<usize, ExportError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut first = Some(started);
    let count = export_rows::for_each(
        &mut conn,
        prepared.document.id,
        &prepared.filter,
        &mut |row| {
            if let Some(started) = first.take() {
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

fn stopped() -> ExportError {
    ExportError::Output(std::io::Error::other("the writer stopped"))
}

/// The writer: the file, from the batches as they come; each batch done
/// with goes back to the reader to be freed (`read`), or is freed here
/// when the reader has finished or has not yet taken the ones before.
fn write_all(
    prepared: &Prepared,
    batches: mpsc::Receiver<Batch>,
    give_back: &mpsc::SyncSender<Batch>,
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
