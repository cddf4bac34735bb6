//! Downloads written as they are made: blocking work (a database cursor,
//! a workbook, a ZIP) writes on a blocking thread into a bounded channel
//! the response reads from, so memory stays flat however large the file,
//! and a closed download stops the work (its next write fails).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::HttpResponse;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use bytes::Bytes;

use super::WebError;

/// Bytes per chunk, and chunks in flight.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 8;

type Chunk = Result<Bytes, std::io::Error>;

/// A 200 attachment named `file_name` whose body `work` writes. When `work`
/// fails, the failure is logged and the download breaks off, so the client
/// never takes a cut file for a whole one.
pub fn attachment<F>(
    downloads: &Downloads,
    content_type: &'static str,
    file_name: &str,
    work: F,
) -> Result<HttpResponse, WebError>
where
    F: FnOnce(&mut ChannelWriter) -> anyhow::Result<()> + Send + 'static,
{
    // Each download holds a database connection until its client has read
    // the last byte; with at most this many at once, slow or stalled
    // clients cannot take every connection from the pages.
    let slot = downloads.take().ok_or_else(|| {
        WebError::Busy(format!(
            "{MAX_DOWNLOADS} downloads are being written right now; please try again in a minute"
        ))
    })?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    actix_web::rt::task::spawn_blocking(move || {
        let _slot = slot;
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
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition(file_name))
        .streaming(body))
}

/// Downloads written at once by one app (the pool has 8 connections by
/// default; half stay for pages).
const MAX_DOWNLOADS: usize = 4;

/// How many downloads an app is writing; shared by its workers.
#[derive(Clone, Debug, Default)]
pub struct Downloads(Arc<AtomicUsize>);

impl Downloads {
    fn take(&self) -> Option<DownloadSlot> {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_DOWNLOADS).then_some(n + 1)
            })
            .ok()
            .map(|_| DownloadSlot(Arc::clone(&self.0)))
    }
}

/// One of the [`MAX_DOWNLOADS`] places, given back when dropped.
struct DownloadSlot(Arc<AtomicUsize>);

impl Drop for DownloadSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `attachment` with the name as an ASCII fallback (quotes, controls and
/// other characters replaced) and as UTF-8 (RFC 6266), so a submitter's
/// `Données.xlsx` downloads under its own name.
fn disposition(file_name: &str) -> ContentDisposition {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && c != '"' && c != '\\' && !c.is_control() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != file_name {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: file_name
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .into_bytes(),
        }));
    }
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_past_the_cap_wait_for_a_place() {
        let downloads = Downloads::default();
        let held: Vec<DownloadSlot> = (0..MAX_DOWNLOADS)
            .filter_map(|_| downloads.take())
            .collect();
        assert_eq!(held.len(), MAX_DOWNLOADS);
        assert!(downloads.take().is_none(), "one more than the cap");
        drop(held);
        assert!(
            downloads.take().is_some(),
            "places come back when downloads end"
        );
        // Another app's count is its own.
        assert!(Downloads::default().take().is_some());
    }

    #[test]
    fn download_names_keep_utf8_and_an_ascii_fallback() {
        let header = disposition("Données \"v2\".xlsx").to_string();
        assert!(
            header.starts_with("attachment; filename=\"Donn_es _v2_.xlsx\""),
            "{header}"
        );
        assert!(header.contains("filename*=UTF-8''Donn%C3%A9es"), "{header}");
        assert_eq!(
            disposition("plain.csv").to_string(),
            "attachment; filename=\"plain.csv\""
        );
    }
}
