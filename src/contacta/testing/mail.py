"""An SMTP server that keeps what it is sent (the customer's mail provider, a relay)."""

from __future__ import annotations

from typing import Any


class Sink:
    """An aiosmtpd handler: every message's raw bytes, in order."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content)
        return "250 OK"
