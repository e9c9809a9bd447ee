"""Telegram as a connector: webhook secret, parsing and sending, behind the common interface."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from django.conf import settings
from django.conf import settings as django_settings

from contacta.connectors.inbound import Parsed
from contacta.connectors.models import Inbox
from contacta.connectors.outbound import OutgoingFile, SendResult
from contacta.connectors.telegram.client import (
    download_file,
    send_file,
    send_message,
)
from contacta.connectors.telegram.inbound import event_id, parse_update
from contacta.contacts.models import IdentityKind

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


class TelegramAdapter:
    identity_kind: str = IdentityKind.TELEGRAM.value

    @staticmethod
    def webhook_secret(inbox: Inbox) -> str:
        """The secret_token to pass to setWebhook; derived, so never stored (A-Z a-z 0-9)."""
        digest = hmac.new(settings.SECRET_KEY.encode(), f"telegram:{inbox.public_key}".encode(),
                          hashlib.sha256)
        return digest.hexdigest()

    def verify(self, inbox: Inbox, headers: Any, body: bytes, url: str = "") -> bool:
        given = headers.get(SECRET_HEADER, "")
        return bool(given) and hmac.compare_digest(given, self.webhook_secret(inbox))

    def event_id(self, payload: Any, body: bytes) -> str | None:
        return event_id(payload)

    def parse(self, payload: Any) -> Parsed:
        return parse_update(payload)

    def _token(self, inbox: Inbox) -> str:
        return os.environ.get(inbox.credential_env, "") if inbox.credential_env else ""

    def fetch_attachment(self, inbox: Inbox, ref: str) -> bytes | None:
        token = self._token(inbox)
        if not token:
            return None
        return download_file(base_url=inbox.api_base_url, token=token, file_id=ref,
                             max_bytes=django_settings.UPLOAD_MAX_BYTES)

    def send_file(self, inbox: Inbox, recipient: str, file: OutgoingFile, caption: str = "",
                  human_agent_tag: bool = False) -> SendResult:
        token = self._token(inbox)
        if not token:
            return SendResult(ok=False, retryable=False, reason="no bot token configured")
        return send_file(base_url=inbox.api_base_url, token=token, chat_id=recipient,
                         filename=file.name, content_type=file.content_type,
                         content=file.content, caption=caption)

    def send_options(self, inbox: Inbox, recipient: str, text: str, options: list[str],
                     human_agent_tag: bool = False) -> SendResult:
        token = self._token(inbox)
        if not token:
            return SendResult(ok=False, retryable=False, reason="no bot token configured")
        return send_message(base_url=inbox.api_base_url, token=token, chat_id=recipient,
                            text=text, options=options)

    def send(self, inbox: Inbox, recipient: str, text: str, human_agent_tag: bool = False,
             thread: dict[str, Any] | None = None) -> SendResult:
        token = self._token(inbox)
        if not token:
            return SendResult(ok=False, retryable=False,
                              reason=f"no bot token in ${inbox.credential_env or '(unset)'}")
        return send_message(base_url=inbox.api_base_url, token=token, chat_id=recipient,
                            text=text)
