"""Messenger and Instagram as connectors (one Graph webhook family, one parser)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from contacta.connectors.graph import GraphWebhook, secret
from contacta.connectors.inbound import Parsed
from contacta.connectors.messenger.client import send_file, send_text
from contacta.connectors.messenger.inbound import parse_messaging
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import OutgoingFile, SendResult, download
from contacta.contacts.models import IdentityKind

NO_TOKEN = SendResult(ok=False, retryable=False, reason="the inbox has no access token")


class MessengerAdapter(GraphWebhook):
    def __init__(self, identity_kind: str) -> None:
        self.identity_kind = identity_kind

    def parse(self, payload: Any) -> Parsed:
        return parse_messaging(payload)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token:
            return NO_TOKEN
        return send_text(base_url=inbox.api_base_url, token=token, recipient=recipient,
                         text=text, human_agent_tag=human_agent_tag)

    def send_options(self, inbox: Inbox, recipient: str, text: str, options: list[str],
                     human_agent_tag: bool = False) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token:
            return NO_TOKEN
        return send_text(base_url=inbox.api_base_url, token=token, recipient=recipient,
                         text=text, human_agent_tag=human_agent_tag, options=options)

    def send_file(self, inbox: Inbox, recipient: str, file: OutgoingFile, caption: str = "",
                  human_agent_tag: bool = False) -> SendResult:
        """The file, then its caption as a text (Messenger attachments carry no caption)."""
        token = secret(inbox, "ACCESS_TOKEN")
        if not token:
            return NO_TOKEN
        result = send_file(base_url=inbox.api_base_url, token=token, recipient=recipient,
                           file=file, human_agent_tag=human_agent_tag,
                           by_link=self.identity_kind == IdentityKind.INSTAGRAM.value)
        if result.ok and caption:
            said = self.send(inbox, recipient, caption, human_agent_tag=human_agent_tag)
            return said if not said.ok else result
        return result

    def fetch_attachment(self, inbox: Inbox, ref: str) -> bytes | None:
        """Attachments arrive as CDN links inside the signed webhook."""
        if not ref.startswith(("https://", "http://")):
            return None
        return download(ref, max_bytes=settings.UPLOAD_MAX_BYTES)
