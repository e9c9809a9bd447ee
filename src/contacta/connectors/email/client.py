"""The only code that talks to an SMTP server: one plain-text reply with threading headers.

Settings come from the environment under the inbox's prefix: <PREFIX>_SMTP_HOST, _SMTP_PORT,
_SMTP_USER, _SMTP_PASSWORD, _SMTP_SECURITY (plain | starttls | ssl).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from contacta.connectors.outbound import OutgoingFile, SendResult


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str = ""
    password: str = ""
    security: str = "plain"
    ca_file: str = ""  # a private CA (self-signed relay); empty: the system's trust store

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file or None)


def send_reply(settings: SmtpSettings, *, sender: str, recipient: str, subject: str, text: str,
               in_reply_to: str = "", references: tuple[str, ...] = (),
               files: tuple[OutgoingFile, ...] = (), timeout_s: float = 15.0) -> SendResult:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
    domain = sender.rsplit("@", 1)[-1] or "contacta.invalid"
    message_id = make_msgid(domain=domain)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join((*references, in_reply_to)[-20:])
    message["Auto-Submitted"] = "no"  # written by a person: autoresponders may answer it
    message.set_content(text)  # text/plain, UTF-8: always a plain-text part
    for file in files:  # multipart/mixed: the text first, then the files
        maintype, _, subtype = file.content_type.partition("/")
        message.add_attachment(file.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=file.name)
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout_s,
                                                  context=settings.tls())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout_s)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=settings.tls())
            if settings.user:
                smtp.ehlo_or_helo_if_needed()
                if "plain" in smtp.esmtp_features.get("auth", "").lower().split():
                    # One PLAIN attempt: a wrong password is a plain 535, not a cascade of
                    # mechanisms that some servers answer slowly.
                    smtp.user, smtp.password = settings.user, settings.password
                    smtp.auth("PLAIN", smtp.auth_plain)
                else:
                    smtp.login(settings.user, settings.password)
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        # 4xx is temporary (retry), 5xx permanent (RFC 5321 section 4.2.1).
        return SendResult(ok=False, retryable=exc.smtp_code < 500,
                          reason=f"{exc.smtp_code} {exc.smtp_error!r}"[:200])
    except (OSError, smtplib.SMTPException) as exc:
        return SendResult(ok=False, retryable=True, reason=f"smtp: {type(exc).__name__}")
    return SendResult(ok=True, provider_id=message_id)
