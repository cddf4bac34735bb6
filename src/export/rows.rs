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
use crate::db::export_rows::{self, ExportRow, RowSink, TableOrder};

/// Rows per batch handed from the reader to the writer, and batches queued.
const BATCH: usize = 512;

/// Rows handed from the reader to the writer at once, and back. Boxed,
/// although a `Vec` is on the heap already (clippy's `vec_box`): rows move
/// between batches and are read into again, and a boxed one moves as a
/// pointer (`export_rows::RowSink`).
type Batch = Vec<Box<ExportRow>>;
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
fn read<C: DerefMut<Target = DbConnection>>(
    mut conn: C,
    prepared: &Prepared,
    started: std::time::Instant,
    sender: &mpsc::SyncSender<Batch>,
    spent: &mpsc::Receiver<Batch>,
) -> Result<usize, ExportError> {
    let order = order(prepared, &conn);
    let mut batches = Batches {
        batch: Vec::with_capacity(BATCH),
        sender,
        spent,
        spares: Vec::new(),
        empty: Vec::new(),
        started: Some(started),
    };
    let count = export_rows::for_each(
        &mut conn,
        prepared.document.id,
        &prepared.filter,
        order,
        &mut batches,
    )?;
    if !batches.batch.is_empty() {
        sender.send(batches.batch).map_err(|_| stopped())?;
    }
    Ok(count)
}

/// The reader's side of the two channels. Batches the writer is done with
/// (`spent`) come back here, to be read into again ([`RowSink::spare`])
/// or freed: never on the writer's thread, as glibc's `free` of another
/// thread's memory goes through that thread's arena and its lock (freeing
/// the reader's rows took the writer of a million-row workbook 0.9 s,
/// measured, all of it on the critical path).
struct Batches<'a> {
    batch: Batch,
    sender: &'a mpsc::SyncSender<Batch>,
    spent: &'a mpsc::Receiver<Batch>,
    /// The rows of a spent batch, not yet read into again.
    spares: Batch,
    /// Emptied batches, for the next ones.
    empty: Vec<Batch>,
    /// The export's start, until the first row is logged.
    started: Option<std::time::Instant>,
}

impl RowSink<ExportError> for Batches<'_> {
    fn row(&mut self, row: Box<ExportRow>) -> Result<(), ExportError> {
        if let Some(started) = self.started.take() {
            tracing::debug!(elapsed = ?started.elapsed(), "export: first row read");
        }
        self.batch.push(row);
        if self.batch.len() == BATCH {
            let next = match self.empty.pop() {
                Some(empty) => empty,
                // Where rows are not read into again, a spent batch's are
                // freed here.
                None => match self.spent.try_recv() {
                    Ok(mut done) => {
                        done.clear();
                        done
                    }
                    Err(_) => Vec::with_capacity(BATCH),
                },
            };
            let full = std::mem::replace(&mut self.batch, next);
            self.sender.send(full).map_err(|_| stopped())?;
        }
        Ok(())
    }

    fn spare(&mut self) -> Option<Box<ExportRow>> {
        if self.spares.is_empty()
            && let Ok(done) = self.spent.try_recv()
        {
            let emptied = std::mem::replace(&mut self.spares, done);
            if emptied.capacity() > 0 {
                self.empty.push(emptied);
            }
        }
        self.spares.pop()
    }
}

fn stopped() -> ExportError {
    ExportError::Output(std::io::Error::other("the writer stopped"))
}

/// How the rows are put in order for `prepared`'s format on `conn`'s back
/// end. A workbook's writer takes about as long as the read, so it gains
/// most from rows that come early: on SQLite they are ordered in memory
/// and the first comes within a second. The other formats are written as
/// fast as rows come, so what does the least work in all is quickest: the
/// database's sort (ordered in memory, a million comments as CSV took 1.4x
/// as long; docs/performance.md, "Export speed"). PostgreSQL always sorts: reading rows
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
