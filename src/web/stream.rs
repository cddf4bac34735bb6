//! Downloads written as they are made: blocking work (a database cursor,
//! a workbook, a ZIP) writes on a blocking thread into a bounded channel
//! the response reads from, so memory stays flat however large the file,
//! and a closed download stops the work (its next write fails).

use std::io::Write;

use actix_web::HttpResponse;
use bytes::Bytes;

/// Bytes per chunk, and chunks in flight.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 8;

type Chunk = Result<Bytes, std::io::Error>;

/// A 200 attachment named `file_name` whose body `work` writes. When `work`
/// fails, the failure is logged and the download breaks off, so the client
/// never takes a cut file for a whole one.
pub fn attachment<F>(content_type: &'static str, file_name: &str, work: F) -> HttpResponse
where
    F: FnOnce(&mut ChannelWriter) -> anyhow::Result<()> + Send + 'static,
{
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    actix_web::rt::task::spawn_blocking(move || {
        let mut out = ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            sender: sender.clone(),
        };
        let result = work(&mut out).and_then(|()| Ok(out.flush()?));
        if let Err(error) = result {
            tracing::error!(error = %format!("{error:#}"), "download failed while streaming");
            let _ = sender.blocking_send(Err(std::io::Error::other("download failed")));
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    // Quotes and line breaks would end the header's value early.
    let safe: String = file_name
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{safe}\""),
        ))
        .streaming(body)
}

/// What the work writes to: the response, in chunks.
pub struct ChannelWriter {
    buffer: Vec<u8>,
    sender: tokio::sync::mpsc::Sender<Chunk>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download closed"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
