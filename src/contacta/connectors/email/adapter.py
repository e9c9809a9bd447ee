"""E-mail as a connector: raw messages in (SMTP receiver or IMAP), replies out over SMTP."""

from __future__ import annotations

import base64
import os
from typing import Any

from contacta.connectors.email.client import SmtpSettings, send_reply
from contacta.connectors.email.inbound import parse_email
from contacta.connectors.inbound import InboundMessage, InboundStatus, Parsed, PayloadError
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import OutgoingFile, SendResult
from contacta.contacts.models import IdentityKind


def _env(inbox: Inbox, name: str, default: str = "") -> str:
    return os.environ.get(f"{inbox.credential_env}_{name}", default) if inbox.credential_env \
        else default


class EmailAdapter:
    identity_kind: str = IdentityKind.EMAIL.value

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool:
        return False  # mail arrives over SMTP or IMAP, never through the HTTP webhook

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return None

    def parse(self, payload: Any) -> Parsed:
        if not isinstance(payload, dict) or not isinstance(payload.get("raw"), str):
            raise PayloadError("stored e-mail needs its raw base64 text")
        mail = parse_email(base64.b64decode(payload["raw"]))
        if mail.bounce_of:
            return Parsed(mail.message_id, statuses=(
                InboundStatus(mail.bounce_of, "failed", "bounced: the address rejected it"),))
        if mail.is_automatic:
            return Parsed(mail.message_id, ignored=("automatic reply",))
        message = InboundMessage(
            provider_message_id=mail.message_id, sender_id=mail.from_address,
            sender_name=mail.from_name, body=mail.text or mail.full_text,
            inline_files=mail.attachments,
            thread_refs=tuple(r for r in (mail.in_reply_to, *mail.references) if r),
            subject=mail.subject)
        return Parsed(mail.message_id, (message,))

    def send_with_files(self, inbox: Inbox, recipient: str, text: str,
                        files: list[OutgoingFile],
                        thread: dict[str, Any] | None = None) -> SendResult:
        """One mail carrying the text and every file, as a person's mail client sends it."""
        return self.send(inbox, recipient, text, thread=thread, files=tuple(files))

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None, *,
             files: tuple[OutgoingFile, ...] = ()) -> SendResult:
        host = _env(inbox, "SMTP_HOST")
        if not host or not inbox.provider_account_id:
            return SendResult(ok=False, retryable=False,
                              reason="the inbox has no SMTP host or address")
        try:
            port = int(_env(inbox, "SMTP_PORT", "25"))
        except ValueError:
            return SendResult(ok=False, retryable=False, reason="SMTP port is not a number")
        thread = thread or {}
        settings = SmtpSettings(host=host, port=port, user=_env(inbox, "SMTP_USER"),
                                password=_env(inbox, "SMTP_PASSWORD"),
                                security=_env(inbox, "SMTP_SECURITY", "plain"),
                                ca_file=_env(inbox, "SMTP_CA_FILE"))
        return send_reply(settings, sender=inbox.provider_account_id, recipient=recipient,
                          subject=str(thread.get("subject", "")), text=text,
                          in_reply_to=str(thread.get("in_reply_to", "")),
                          references=tuple(thread.get("references", ())), files=files)
