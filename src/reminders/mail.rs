//! Sending one email over SMTP with lettre. `LENDHUB_SMTP_URL` chooses plain SMTP
//! (`smtp://host:port`), STARTTLS (`smtp://host:587?tls=required`) or TLS (`smtps://host:465`),
//! with optional `user:password@`. A rejected message is permanent; anything else (the server
//! down, busy or timing out) is worth trying again later.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The server refused it for good (a rejected address, say): do not try again.
    Permanent(String),
    /// Try again later.
    Temporary(String),
}

/// An SMTP connection (pooled), who mail comes from, and how long one message may take.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

/// Checks `LENDHUB_SMTP_URL` and `LENDHUB_MAIL_FROM` without connecting.
///
/// # Errors
/// A message saying what could not be read.
pub fn check(url: &str, from: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(drop)
        .map_err(|err| format!("{url:?} is not an SMTP URL like smtp://host:port ({err})"))?;
    parse_from(from).map(drop)
}

fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse::<Mailbox>()
        .map_err(|err| format!("{from:?} is not an address like \"lendhub <lendhub@example.org>\" ({err})"))
}

impl Mailer {
    /// `timeout` bounds the whole exchange for one message: connecting, the greeting, every
    /// reply. (lettre's own timeout covers only parts of it.)
    ///
    /// # Errors
    /// When the URL or the sender cannot be read (see `check`).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let from = parse_from(from)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| format!("{url:?} is not an SMTP URL ({err})"))?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from,
            timeout,
        })
    }

    /// Sends a plain-text and HTML message to `to`; returns the Message-ID it was sent with,
    /// `<{reference}@{sender's domain}>`: the same on every try, so a message sent twice (a worker
    /// that stopped between the server's "accepted" and recording it) can be recognised.
    pub async fn send(
        &self,
        reference: &str,
        to: &str,
        subject: &str,
        text: &str,
        html: Option<&str>,
    ) -> Result<String, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|err| SendError::Permanent(format!("{to:?} is not an email address ({err})")))?;
        let domain = self.from.email.domain().to_owned();
        let message_id = format!("<{reference}@{domain}>");
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.clone()));
        let message = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            )),
            None => builder.body(text.to_owned()),
        }
        .map_err(|err| SendError::Permanent(format!("the message could not be built ({err})")))?;
        // A server that accepts the connection and then says nothing would otherwise hold this
        // send, and every reminder behind it, until the process ends.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(message_id),
            Ok(Err(err)) if err.is_permanent() => Err(SendError::Permanent(err.to_string())),
            Ok(Err(err)) => Err(SendError::Temporary(err.to_string())),
            Err(_) => Err(SendError::Temporary(format!(
                "the mail server did not answer within {} seconds",
                self.timeout.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_and_senders_are_checked() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:secret@mail.example.org:587?tls=required",
            "smtps://mail.example.org",
        ] {
            assert_eq!(check(url, "lendhub <lendhub@example.org>"), Ok(()), "{url}");
        }
        for url in ["", "mail.example.org", "http://mail.example.org", "smtp://"] {
            assert!(check(url, "lendhub@example.org").is_err(), "{url}");
        }
        assert!(check("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}
