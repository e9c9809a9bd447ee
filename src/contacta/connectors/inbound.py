"""What every connector's pure parser returns: provider-neutral inbound facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InlineFile:
    """A file that came inside the delivery itself (an e-mail part), not by reference."""

    name: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    """A customer's message as the provider delivered it."""

    provider_message_id: str  # idempotency key inside the inbox
    sender_id: str  # the customer's identity on the channel (Telegram chat id, phone...)
    sender_name: str
    body: str
    attachments: tuple[str, ...] = ()  # provider file ids, fetched later
    edited: bool = False
    thread_refs: tuple[str, ...] = ()  # earlier provider message ids this one answers (e-mail)
    subject: str = ""
    inline_files: tuple[InlineFile, ...] = ()


@dataclass(frozen=True)
class InboundStatus:
    """The provider's news about a message we sent: sent, delivered, read or failed."""

    provider_message_id: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class Parsed:
    """One webhook delivery: its id, the messages and statuses in it, and what was ignored."""

    event_id: str
    messages: tuple[InboundMessage, ...] = ()
    ignored: tuple[str, ...] = field(default_factory=tuple)
    statuses: tuple[InboundStatus, ...] = ()


class PayloadError(ValueError):
    """The payload is not what the provider's documentation says it sends."""


def obj(value: Any) -> dict[str, Any]:
    """A JSON object where the provider's documentation promises one; anything else (null, a
    list, a string from a hostile or broken sender) reads as empty, never as a crash."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """A JSON array where one is promised; anything else reads as empty."""
    return value if isinstance(value, list) else []
