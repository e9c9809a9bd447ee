"""The built-in SMTP receiver (MX-style delivery): accept mail for our inboxes, store it raw.

`contacta smtpd --port 2525` runs it; the worker turns stored mail into conversations.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from contacta.connectors.email.inbound import MAX_BYTES
from contacta.connectors.services import inbound_email_store


class InboxHandler:
    """aiosmtpd handler: refuse oversized mail, keep the rest for the inboxes it names."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content or b""
        if len(raw) > MAX_BYTES:
            return "552 5.3.4 Message too big"
        stored = await sync_to_async(inbound_email_store, thread_sensitive=False)(
            raw, list(envelope.rcpt_tos))
        if not stored:
            # Not addressed to one of our inboxes (or already received): accepted and dropped,
            # so a sender cannot probe which addresses exist.
            return "250 2.0.0 OK"
        return "250 2.0.0 Stored"


def serve(host: str, port: int) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    controller = Controller(InboxHandler(), hostname=host, port=port,
                            data_size_limit=MAX_BYTES)
    controller.start()
    print(f"contacta smtpd: receiving mail on {host}:{port} (Ctrl+C stops)")  # noqa: T201
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
