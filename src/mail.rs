//! Outgoing e-mail: receipts for submitters. lettre over SMTP (rustls), or
//! `.eml` files in an outbox directory by default so a fresh docket never
//! sends mail anywhere. Addresses are never logged.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
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
            .map(|_| ())
            .map_err(|e| format!("mail.from `{}` is not an e-mail address ({e})", self.from))
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
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
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
        let greeting = if self.submitter_name.is_empty() {
            "Hello,".to_owned()
        } else {
            format!("Dear {},", self.submitter_name)
        };
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
}
