"""Messenger and Instagram as connectors (one Graph webhook family, one parser)."""

from __future__ import annotations

from typing import Any

from contacta.connectors.graph import GraphWebhook, secret
from contacta.connectors.inbound import Parsed
from contacta.connectors.messenger.client import send_text
from contacta.connectors.messenger.inbound import parse_messaging
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import SendResult


class MessengerAdapter(GraphWebhook):
    def __init__(self, identity_kind: str) -> None:
        self.identity_kind = identity_kind

    def parse(self, payload: Any) -> Parsed:
        return parse_messaging(payload)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        token = secret(inbox, "ACCESS_TOKEN")
        if not token:
            return SendResult(ok=False, retryable=False, reason="the inbox has no access token")
        return send_text(base_url=inbox.api_base_url, token=token, recipient=recipient,
                         text=text, human_agent_tag=human_agent_tag)
