//! Outgoing e-mail: receipts and replies for submitters, notices for
//! editors. lettre over SMTP (rustls), or `.eml` files in an outbox
//! directory by default so a fresh docket never sends mail anywhere.
//! Addresses are never logged, and an SMTP error only by its reply code,
//! since a server's reply may quote the address. Requests do not send: they
//! queue messages in the database, in their own transaction, and
//! [`outbox`]'s job sends them, so a message owed is never lost to a crash
//! after the commit.

pub mod outbox;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: TransportKind,
    pub outbox_dir: PathBuf,
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_tls: SmtpTls,
    pub smtp_timeout_secs: u64,
    /// Seconds between looks at the mail queue (requests that queue a
    /// message also wake the sender); 0: this instance sends no mail.
    pub queue_poll_secs: u64,
    /// The wait after a failed try, doubled after each further one…
    pub retry_first_secs: u64,
    /// …up to this.
    pub retry_max_secs: u64,
    /// Tries before a message is given up (left in the queue, unsent).
    pub max_attempts: i32,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    File,
    Smtp,
    Off,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    Starttls,
    Tls,
    None,
}

impl MailSettings {
    /// What serde cannot check: the sender must be an address.
    pub fn validate(&self) -> Result<(), String> {
        self.from
            .parse::<Mailbox>()
            .map_err(|e| format!("mail.from `{}` is not an e-mail address ({e})", self.from))?;
        if self.retry_first_secs == 0 || self.retry_max_secs < self.retry_first_secs {
            return Err(
                "mail.retry_first_secs must be at least 1, and mail.retry_max_secs at least that"
                    .to_owned(),
            );
        }
        if self.max_attempts < 1 {
            return Err("mail.max_attempts must be at least 1".to_owned());
        }
        Ok(())
    }

    /// How the sender job retries.
    pub fn retry(&self) -> outbox::Retry {
        outbox::Retry {
            first: Duration::from_secs(self.retry_first_secs),
            max: Duration::from_secs(self.retry_max_secs),
            max_attempts: self.max_attempts,
        }
    }

    /// How often this instance's sender job looks at the queue; `None`:
    /// it runs no sender job (mail off, or `queue_poll_secs = 0`).
    pub fn queue_poll(&self) -> Option<Duration> {
        (self.transport != TransportKind::Off && self.queue_poll_secs > 0)
            .then(|| Duration::from_secs(self.queue_poll_secs))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("the mail server refused or did not answer: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the message could not be written to the outbox: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl MailError {
    /// What went wrong in words safe for the log: a server's reply may
    /// quote the recipient's address, so only its code is kept.
    pub fn log_reason(&self) -> String {
        match self {
            MailError::Build(_) => "the message could not be built".to_owned(),
            MailError::File(_) => "the outbox could not be written".to_owned(),
            MailError::Smtp(e) => match e.status() {
                Some(code) => format!("the SMTP server answered {code}"),
                None if e.is_timeout() => "the SMTP server did not answer in time".to_owned(),
                None => "no SMTP session (connection or TLS failed)".to_owned(),
            },
        }
    }
}

enum Transport {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Off,
}

/// Sends messages; cheap to share (`Arc`) between workers.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        let transport = match settings.transport {
            TransportKind::Off => Transport::Off,
            TransportKind::File => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    MailError::Build(format!(
                        "cannot create {}: {e}",
                        settings.outbox_dir.display()
                    ))
                })?;
                Transport::File(AsyncFileTransport::new(&settings.outbox_dir))
            }
            TransportKind::Smtp => {
                let host = settings.smtp_host.as_str();
                let mut builder = match settings.smtp_tls {
                    SmtpTls::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                }
                .port(settings.smtp_port)
                .timeout(Some(Duration::from_secs(settings.smtp_timeout_secs.max(1))));
                if !settings.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        settings.smtp_username.clone(),
                        settings.smtp_password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self { from, transport })
    }

    /// Whether messages go anywhere at all (`transport = "off"`: no).
    pub fn is_off(&self) -> bool {
        matches!(self.transport, Transport::Off)
    }

    /// Sends a plain-text message to one address.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let message = self
            .message(to, subject)?
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.deliver(message).await
    }

    /// Sends a plain-text message with one file attached. The file goes
    /// base64-encoded whatever its type: sent as text, a CSV's line ends
    /// could be rewritten on the way, and the submitter's file must arrive
    /// byte for byte as docket made it.
    pub async fn send_with_attachment(
        &self,
        to: &str,
        subject: &str,
        body: String,
        attachment: Attachment<'_>,
    ) -> Result<(), MailError> {
        let content_type = ContentType::parse(attachment.content_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| MailError::Build(e.to_string()))?;
        let file = Body::new_with_encoding(attachment.bytes, ContentTransferEncoding::Base64)
            .map_err(|_| MailError::Build("the attachment could not be encoded".to_owned()))?;
        let file = lettre::message::Attachment::new(safe_file_name(attachment.file_name))
            .body(file, content_type);
        let message = self
            .message(to, subject)?
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(file),
            )
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.deliver(message).await
    }

    /// A message from docket to `to`, its body still to come.
    fn message(
        &self,
        to: &str,
        subject: &str,
    ) -> Result<lettre::message::MessageBuilder, MailError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject))
    }

    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        match &self.transport {
            Transport::File(t) => {
                t.send(message).await?;
            }
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Off => {}
        }
        Ok(())
    }
}

/// Whether a message can be addressed to `to`. Checked before a message
/// is queued where the sender can still correct it (a reply's address):
/// the queue gives such a message up.
pub fn is_address(to: &str) -> bool {
    to.parse::<Mailbox>().is_ok()
}

/// A file to send along with a message.
pub struct Attachment<'a> {
    /// As the recipient will see it; made safe by [`safe_file_name`].
    pub file_name: &'a str,
    /// `text/csv; charset=utf-8`; one that does not parse goes as
    /// `application/octet-stream`.
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
}

/// `file_name` as an attachment's name: its last path part only, without
/// control characters (a name from a submitter's upload must not place a
/// file outside the folder a mail program saves into, nor break the
/// header), at most 120 characters; `attachment` if nothing is left.
pub fn safe_file_name(file_name: &str) -> String {
    let last = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let clean: String = last
        .chars()
        .map(|c| if c.is_control() || c == ':' { '_' } else { c })
        .take(120)
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    if clean.is_empty() {
        "attachment".to_owned()
    } else {
        clean.to_owned()
    }
}

/// `Dear Ada Lovelace,`, or `Hello,` for a submitter who gave no name
/// (a template's rows may not say one).
/// (A name longer than submitters may give, from a template's own rows,
/// is cut to that length: a message quotes no page of text.)
fn greeting(name: &str) -> String {
    match name.trim() {
        "" => "Hello,".to_owned(),
        name => {
            let name: String = name
                .chars()
                .take(crate::submissions::MAX_NAME_CHARS)
                .collect();
            format!("Dear {name},")
        }
    }
}

/// What a receipt says.
pub struct Receipt<'a> {
    pub document_title: &'a str,
    pub tracking_number: &'a str,
    pub comments: usize,
    pub submitter_name: &'a str,
    pub receipt_url: &'a str,
}

impl Receipt<'_> {
    pub fn subject(&self) -> String {
        format!("Comments received: {}", self.tracking_number)
    }

    pub fn body(&self) -> String {
        let greeting = greeting(self.submitter_name);
        let range = if self.comments == 1 {
            format!("{}-1", self.tracking_number)
        } else {
            format!("{0}-1 to {0}-{1}", self.tracking_number, self.comments)
        };
        format!(
            "{greeting}\n\n\
             Thank you for your comments on {title}.\n\n\
             Tracking number: {tracking}\n\
             Comments received: {count} ({range})\n\n\
             Quote the tracking number in any question about your comments. Your receipt:\n\
             {url}\n\n\
             This message was sent by docket because this address was given with the comments.\n",
            title = self.document_title,
            tracking = self.tracking_number,
            count = self.comments,
            url = self.receipt_url,
        )
    }
}

/// What an editor is told when comments are assigned to them: one message
/// per save, listing every comment it assigned to them.
pub struct AssignmentNotice<'a> {
    pub assignee_name: &'a str,
    pub assigned_by: &'a str,
    pub document_title: &'a str,
    /// (tracking number, link to its page).
    pub comments: &'a [(String, String)],
}

impl AssignmentNotice<'_> {
    pub fn subject(&self) -> String {
        match self.comments {
            [(tracking, _)] => format!("Assigned to you: {tracking}"),
            many => format!("{} comments assigned to you", many.len()),
        }
    }

    pub fn body(&self) -> String {
        let list: String = self
            .comments
            .iter()
            .map(|(tracking, url)| format!("  {tracking}  {url}\n"))
            .collect();
        format!(
            "Dear {name},\n\n\
             {by} assigned {count} comment(s) on {title} to you:\n\n\
             {list}\n\
             This message was sent by docket because you are an editor of this document.\n",
            name = self.assignee_name,
            by = self.assigned_by,
            count = self.comments.len(),
            title = self.document_title,
        )
    }
}

/// The invitation to become an editor: a link that sets a password.
pub struct InviteNotice<'a> {
    pub name: &'a str,
    pub invited_by: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

impl InviteNotice<'_> {
    pub fn subject(&self) -> String {
        "You are invited to docket".to_owned()
    }

    pub fn body(&self) -> String {
        format!(
            "Dear {name},\n\n\
             {by} has made you an {role} on docket, where public comments are triaged.\n\n\
             Choose your password here (the link works once, until {expires} UTC):\n\
             {link}\n\n\
             If you did not expect this, you can ignore this message.\n",
            name = self.name,
            by = self.invited_by,
            role = self.role,
            expires = self.expires,
            link = self.link,
        )
    }
}

/// What a submitter is sent when the disposition is published: how many
/// of their comments are answered, and the answers themselves, in their
/// own file (attached) or, for comments typed into the form or sent
/// through the API, listed in the text.
pub struct ReplyNotice<'a> {
    pub submitter_name: &'a str,
    pub document_title: &'a str,
    pub tracking_number: &'a str,
    /// Their comments with a published answer.
    pub answered: usize,
    /// Their comments, withdrawn ones left out.
    pub comments: usize,
    /// `{public_url}/d/{slug}/comments`, while the comments are posted.
    pub comments_url: Option<&'a str>,
    pub answers: ReplyAnswers<'a>,
}

/// Where a reply notice's answers are.
pub enum ReplyAnswers<'a> {
    /// In the attached file, named so.
    Attached { file_name: &'a str },
    /// In the text, one after the other.
    Listed(&'a [ListedAnswer]),
}

/// One comment and its answer, as a reply notice lists it.
#[derive(Clone, Debug, Default)]
pub struct ListedAnswer {
    /// The comment's own tracking number (`NISTIR-8200-0042-3`).
    pub tracking_number: String,
    /// The submitter's number for it (`Comment #`), if they gave one.
    pub number: Option<String>,
    /// The section as the submitter wrote it.
    pub section: Option<String>,
    pub comment: String,
    /// `None`: not answered (not published) yet.
    pub answer: Option<(String, String)>,
}

/// How much of a comment a notice quotes: enough to recognise it.
const QUOTED_CHARS: usize = 200;

impl ReplyNotice<'_> {
    pub fn subject(&self) -> String {
        format!("Answers to your comments: {}", self.tracking_number)
    }

    pub fn body(&self) -> String {
        let greeting = greeting(self.submitter_name);
        let answers = match &self.answers {
            ReplyAnswers::Attached { file_name } => format!(
                "The attached file, {}, is the file you sent, with two columns added after \
                 yours, Disposition and Response, filled in on the row of each comment \
                 answered.\n",
                safe_file_name(file_name)
            ),
            ReplyAnswers::Listed(listed) => {
                let mut text = "Your comments and their answers:\n".to_owned();
                for answer in listed.iter() {
                    text.push('\n');
                    text.push_str(&listed_answer(answer));
                }
                text
            }
        };
        let posted = self.comments_url.map_or_else(String::new, |url| {
            format!("\nEvery comment received, with its answer, is posted at:\n{url}\n")
        });
        format!(
            "{greeting}\n\n\
             The disposition of the comments on {title} is published.\n\n\
             Tracking number: {tracking}\n\
             Comments answered: {answered} of {comments}\n\n\
             {answers}{posted}\n\
             Quote the tracking number in any question about your comments.\n\
             This message was sent by docket because this address was given with the comments.\n",
            title = self.document_title,
            tracking = self.tracking_number,
            answered = self.answered,
            comments = self.comments,
        )
    }
}

/// One listed comment: its tracking number and place, the start of its
/// text, then its answer.
fn listed_answer(answer: &ListedAnswer) -> String {
    let mut place = Vec::new();
    if let Some(number) = answer
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        place.push(format!("comment {number}"));
    }
    if let Some(section) = answer
        .section
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        place.push(format!("section {section}"));
    }
    let place = if place.is_empty() {
        String::new()
    } else {
        format!(" ({})", place.join(", "))
    };
    let answered = match &answer.answer {
        Some((disposition, response)) => {
            format!(
                "  Disposition: {disposition}\n  Response: {}\n",
                response.trim()
            )
        }
        None => "  No published answer yet.\n".to_owned(),
    };
    format!(
        "{tracking}{place}\n  Your comment: {comment}\n{answered}",
        tracking = answer.tracking_number,
        comment = shortened(&answer.comment, QUOTED_CHARS),
    )
}

/// `text` on one line (runs of white space made one space), cut after
/// `max` characters at a word's end where there is one, with `…` added.
pub fn shortened(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([' ', ',', ';', ':', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_names_the_tracking_number_and_the_range() {
        let r = Receipt {
            document_title: "Draft NISTIR 8200",
            tracking_number: "NISTIR-8200-0042",
            comments: 7,
            submitter_name: "Jane Roe",
            receipt_url: "http://127.0.0.1:8080/receipt/abc",
        };
        assert_eq!(r.subject(), "Comments received: NISTIR-8200-0042");
        let body = r.body();
        assert!(body.starts_with("Dear Jane Roe,"));
        assert!(body.contains("Tracking number: NISTIR-8200-0042\nComments received: 7 (NISTIR-8200-0042-1 to NISTIR-8200-0042-7)"));
        assert!(body.contains("http://127.0.0.1:8080/receipt/abc"));
    }

    fn notice<'a>(answers: ReplyAnswers<'a>, comments_url: Option<&'a str>) -> ReplyNotice<'a> {
        ReplyNotice {
            submitter_name: "Sam Submitter",
            document_title: "Draft NISTIR 8200",
            tracking_number: "NISTIR-8200-0002",
            answered: 2,
            comments: 3,
            comments_url,
            answers,
        }
    }

    #[test]
    fn a_reply_notice_says_the_file_is_theirs_with_the_answers() {
        let n = notice(
            ReplyAnswers::Attached {
                file_name: "../up/comments (replies).csv",
            },
            Some("https://docket.example/d/nistir-8200/comments"),
        );
        assert_eq!(n.subject(), "Answers to your comments: NISTIR-8200-0002");
        let body = n.body();
        assert!(body.starts_with("Dear Sam Submitter,\n\nThe disposition of the comments on Draft NISTIR 8200 is published."), "{body}");
        assert!(
            body.contains("Tracking number: NISTIR-8200-0002\nComments answered: 2 of 3\n"),
            "{body}"
        );
        assert!(body.contains("The attached file, comments (replies).csv, is the file you sent, with two columns added after yours, Disposition and Response"), "{body}");
        assert!(
            body.contains("is posted at:\nhttps://docket.example/d/nistir-8200/comments\n"),
            "{body}"
        );
        assert!(!body.contains("Your comments and their answers"), "{body}");
    }

    #[test]
    fn a_reply_notice_lists_typed_comments_with_their_answers() {
        let long = format!("{} tail words beyond the cut", "word ".repeat(60));
        let listed = [
            ListedAnswer {
                tracking_number: "NISTIR-8200-0002-1".to_owned(),
                number: Some("1".to_owned()),
                section: Some("5.1".to_owned()),
                comment: "Vehicles need\n  a firmware update path".to_owned(),
                answer: Some((
                    "Accepted".to_owned(),
                    "The text now covers updates.".to_owned(),
                )),
            },
            ListedAnswer {
                tracking_number: "NISTIR-8200-0002-2".to_owned(),
                number: None,
                section: None,
                comment: long,
                answer: None,
            },
        ];
        let n = notice(ReplyAnswers::Listed(&listed), None);
        let body = n.body();
        assert!(
            body.contains(
                "Your comments and their answers:\n\n\
             NISTIR-8200-0002-1 (comment 1, section 5.1)\n  \
             Your comment: Vehicles need a firmware update path\n  \
             Disposition: Accepted\n  Response: The text now covers updates.\n\n\
             NISTIR-8200-0002-2\n  Your comment: word word"
            ),
            "{body}"
        );
        assert!(
            body.contains("word…\n  No published answer yet.\n"),
            "{body}"
        );
        assert!(!body.contains("tail words"), "{body}");
        assert!(!body.contains("attached"), "{body}");
        assert!(
            !body.contains("posted at"),
            "no link while comments are not posted: {body}"
        );
    }

    #[test]
    fn a_reply_notice_without_a_name_says_hello() {
        let mut n = notice(ReplyAnswers::Listed(&[]), None);
        n.submitter_name = "  ";
        assert!(n.body().starts_with("Hello,\n"));
    }

    #[test]
    fn comments_are_shortened_at_a_word_to_about_200_characters() {
        assert_eq!(shortened("  short\n text ", 200), "short text");
        let long = "abc ".repeat(100);
        let cut = shortened(&long, 200);
        assert!(cut.ends_with("abc…"), "{cut}");
        assert!(cut.chars().count() <= 201, "{}", cut.chars().count());
        // No space to cut at: cut inside the word, on a character.
        assert_eq!(
            shortened(&"é".repeat(300), 200),
            format!("{}…", "é".repeat(200))
        );
    }

    #[test]
    fn attachment_names_keep_only_the_file_s_own_name() {
        assert_eq!(safe_file_name("../../x (replies).csv"), "x (replies).csv");
        assert_eq!(safe_file_name("C:\\a\\b.xlsx"), "b.xlsx");
        assert_eq!(safe_file_name("a\nb:c.xlsx"), "a_b_c.xlsx");
        assert_eq!(safe_file_name(".hidden.csv"), "hidden.csv");
        assert_eq!(safe_file_name("../"), "attachment");
    }
}
