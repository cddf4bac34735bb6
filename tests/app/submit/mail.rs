//! The receipt e-mail: written to the outbox by default, sent over SMTP to
//! a real (if small) server of the test's own, and a mail server that
//! refuses or does not answer costs the submitter nothing but the e-mail.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{
    ADA, CSV, PUBLIC_URL, Site, Who, confirm, form_csrf, open_document, preview, send, spawn,
    stored, tracking, upload,
};
use crate::helpers::{see_other, texts};

/// The address as typed: the receipt goes to its normal form.
const TYPED_EMAIL: &str = "  Ada@Example.ORG ";

/// Uploads the two-comment CSV as Ada and confirms it; returns the receipt
/// token and where Confirm redirected.
async fn submit_and_confirm(site: &Site) -> (String, String) {
    let app = &site.app;
    open_document(app, "draft");
    let csrf = form_csrf(app, "draft").await;
    let who = Who {
        email: TYPED_EMAIL,
        ..ADA
    };
    let response = send(
        app,
        "draft",
        upload(&csrf, who, "comments.csv", CSV.as_bytes()),
    )
    .await;
    let (token, page) = preview(app, "draft", response).await;
    assert_eq!(texts(&page, ".count"), ["2 comment(s)"]);
    let location = see_other(&confirm(app, "draft", &token, &csrf).await);
    (token, location)
}

/// What a receipt for the two-comment CSV must say, whatever carried it.
fn assert_receipt_message(message: &str, tracking: &str, token: &str) {
    let message = message.replace("\r\n", "\n");
    let (head, body) = message
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("no body: {message}"));
    let headers: Vec<&str> = head.lines().collect();
    assert!(headers.contains(&"To: ada@example.org"), "{head}");
    assert!(
        headers.contains(&format!("Subject: Comments received: {tracking}").as_str()),
        "{head}"
    );
    // Lines over 76 characters (the receipt link) make lettre pick
    // quoted-printable.
    let body = if headers.contains(&"Content-Transfer-Encoding: quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_owned()
    };
    assert!(body.starts_with("Dear Ada Lovelace,"), "{body}");
    assert!(
        body.contains(&format!(
            "Tracking number: {tracking}\nComments received: 2 ({tracking}-1 to {tracking}-2)"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("\n{PUBLIC_URL}/receipt/{token}\n")),
        "{body}"
    );
}

/// Decodes a quoted-printable body (RFC 2045 §6.7), line ends already LF.
pub(crate) fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

on_both_backends! {
    async fn the_receipt_email_is_written_to_the_outbox(db: TestDb) {
        let site = spawn(db, "", "").await;
        let (token, location) = submit_and_confirm(&site).await;
        assert_eq!(location, format!("/receipt/{token}"));
        let receipt = site.app.page(&location, 200).await;
        let number = tracking(&receipt);
        assert_eq!(number, "DRAFT-0001");
        assert!(texts(&receipt, ".notice.warn").is_empty());

        let mails = site.mails().await;
        assert_eq!(mails.len(), 1, "one .eml in the outbox");
        assert_receipt_message(&mails[0], &number, &token);
        // The receipt link in the message is the page the submitter saw,
        // which now says the e-mail went.
        let again = site.app.page(&format!("/receipt/{token}"), 200).await;
        assert_eq!(tracking(&again), number);
        assert!(
            texts(&again, ".receipt p").iter().any(|p| p.starts_with("A receipt was sent to the e-mail address you gave.")),
            "{:?}",
            texts(&again, ".receipt p")
        );
    }

    async fn the_receipt_email_goes_out_over_smtp(db: TestDb) {
        let server = SmtpServer::start(Behaviour::Accept).await;
        let site = spawn(db, &server.config(), "").await;
        let (token, location) = submit_and_confirm(&site).await;
        assert_eq!(location, format!("/receipt/{token}"));
        let receipt = site.app.page(&location, 200).await;
        let number = tracking(&receipt);
        assert!(texts(&receipt, ".notice.warn").is_empty());

        site.app.outbox_drained().await;
        let delivered = server.delivered();
        assert_eq!(delivered.len(), 1, "{delivered:#?}");
        assert_eq!(delivered[0].from, "docket@localhost");
        assert_eq!(delivered[0].to, ["ada@example.org"]);
        assert_receipt_message(&delivered[0].data, &number, &token);
        assert!(site.mails().await.is_empty(), "nothing written to the outbox");
        assert_eq!(stored(&site.app), (1, 2, 1));
    }

    async fn a_refusing_mail_server_leaves_the_comments_stored(db: TestDb) {
        let server = SmtpServer::start(Behaviour::RefuseSender).await;
        let site = spawn(db, &server.config(), "").await;
        let (token, location) = submit_and_confirm(&site).await;
        assert_mail_failed(&site, &token, &location).await;
        assert!(server.delivered().is_empty());
    }

    async fn an_unreachable_mail_server_leaves_the_comments_stored(db: TestDb) {
        // A port that was just free: nothing listens there.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let site = spawn(db, &smtp_config(port), "").await;
        let (token, location) = submit_and_confirm(&site).await;
        assert_mail_failed(&site, &token, &location).await;
    }
}

/// The receipt of a confirmed submission whose e-mail was not sent: tried
/// once, kept in the queue for its retry, and the page says so.
async fn assert_mail_failed(site: &Site, token: &str, location: &str) {
    assert_eq!(location, format!("/receipt/{token}"));
    site.app.outbox_drained().await;
    let (attempts, sent, error) = site.app.with_conn(|conn| {
        use diesel::prelude::*;
        use docket::db::schema::mail_outbox as m;
        m::table
            .select((m::attempts, m::sent_at.is_not_null(), m::last_error))
            .first::<(i32, bool, Option<String>)>(conn)
            .unwrap()
    });
    assert_eq!((attempts, sent), (1, false));
    let error = error.unwrap();
    assert!(!error.contains("ada"), "no address in the error: {error}");
    let receipt = site.app.page(location, 200).await;
    assert_eq!(tracking(&receipt), "DRAFT-0001");
    assert_eq!(
        texts(&receipt, ".notice.warn"),
        [
            "We could not send the e-mail receipt just now. Your comments are stored; \
          please note the tracking number or keep this page's address."
        ]
    );
    assert_eq!(
        stored(&site.app),
        (1, 2, 1),
        "the comments are stored all the same"
    );
    assert!(site.mails().await.is_empty());
}

fn smtp_config(port: u16) -> String {
    format!(
        "transport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_tls = \"none\"\nsmtp_timeout_secs = 5"
    )
}

/// One message as the SMTP server received it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Delivered {
    pub(crate) from: String,
    pub(crate) to: Vec<String>,
    /// The message (headers and body), dot-stuffing undone.
    pub(crate) data: String,
}

#[derive(Clone, Copy)]
pub(crate) enum Behaviour {
    Accept,
    /// Answers `554` to `MAIL FROM`.
    RefuseSender,
}

/// A real SMTP server on loopback, speaking just enough of RFC 5321 for
/// lettre without TLS or authentication.
pub(crate) struct SmtpServer {
    port: u16,
    delivered: Arc<Mutex<Vec<Delivered>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl SmtpServer {
    pub(crate) async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(behaviour));
        let store = Arc::clone(&delivered);
        let now = Arc::clone(&behaviour);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(smtp_session(socket, Arc::clone(&now), Arc::clone(&store)));
            }
        });
        Self {
            port,
            delivered,
            behaviour,
        }
    }

    /// How the server answers from now on (pooled sessions too).
    pub(crate) fn behave(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    /// The `[mail]` lines that send through this server.
    pub(crate) fn config(&self) -> String {
        smtp_config(self.port)
    }

    pub(crate) fn delivered(&self) -> Vec<Delivered> {
        self.delivered.lock().unwrap().clone()
    }
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn address(argument: &str) -> String {
    let start = argument.find('<').map_or(0, |i| i + 1);
    let end = argument[start..]
        .find('>')
        .map_or(argument.len(), |i| start + i);
    argument[start..end].to_owned()
}

async fn smtp_session(
    socket: TcpStream,
    behaviour: Arc<Mutex<Behaviour>>,
    delivered: Arc<Mutex<Vec<Delivered>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
    let mut message = Delivered::default();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 smtp.test\r\n",
            "MAIL" => match *behaviour.lock().unwrap() {
                Behaviour::RefuseSender => b"554 5.7.1 no mail accepted here\r\n",
                Behaviour::Accept => {
                    message = Delivered {
                        from: address(&line),
                        ..Delivered::default()
                    };
                    b"250 2.1.0 OK\r\n"
                }
            },
            "RCPT" => {
                message.to.push(address(&line));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    let line = line.strip_prefix('.').unwrap_or(&line);
                    message.data.push_str(line);
                    message.data.push_str("\r\n");
                }
                delivered.lock().unwrap().push(std::mem::take(&mut message));
                b"250 2.0.0 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            // RSET, NOOP and the like.
            _ => b"250 OK\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
