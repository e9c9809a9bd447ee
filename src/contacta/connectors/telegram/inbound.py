"""Pure parsing of Telegram Bot API webhook updates (https://core.telegram.org/bots/api#update).

An Update has an integer update_id and at most one of message, edited_message, callback_query,
... . Messages carry message_id, chat{id}, from{first_name, last_name, username}, and text or
caption with photo / document / voice.
"""

from __future__ import annotations

from typing import Any

from contacta.connectors.inbound import InboundMessage, Parsed, PayloadError, items, obj


def _name(user: Any) -> str:
    if not isinstance(user, dict):
        return ""
    parts = [str(user.get("first_name", "")), str(user.get("last_name", ""))]
    return " ".join(p for p in parts if p).strip() or str(user.get("username", ""))


def _message(msg: Any, *, edited: bool) -> InboundMessage:
    if not isinstance(msg, dict) or not isinstance(msg.get("chat"), dict):
        raise PayloadError("message without chat")
    chat_id, message_id = msg["chat"].get("id"), msg.get("message_id")
    if not isinstance(chat_id, int) or not isinstance(message_id, int):
        raise PayloadError("message without integer chat.id and message_id")
    files: list[str] = []
    sizes = items(msg.get("photo"))
    if sizes:
        files.append(str(obj(sizes[-1]).get("file_id", "")))  # the largest size comes last
    for kind in ("document", "voice", "audio", "video"):
        files.append(str(obj(msg.get(kind)).get("file_id", "")))
    body = msg.get("text") or msg.get("caption") or ""
    if not isinstance(body, str):
        raise PayloadError("text must be a string")
    sender = msg.get("from") if isinstance(msg.get("from"), dict) else msg["chat"]
    # An edit is a new message in the conversation, with its own idempotency key.
    key = f"{chat_id}:{message_id}" + (f":edit:{msg.get('edit_date', 0)}" if edited else "")
    return InboundMessage(provider_message_id=key, sender_id=str(chat_id),
                          sender_name=_name(sender), body=body,
                          attachments=tuple(f for f in files if f), edited=edited)


def event_id(update: Any) -> str | None:
    """The delivery's idempotency key: update_id (Telegram retries the same update)."""
    if isinstance(update, dict) and isinstance(update.get("update_id"), int):
        return str(update["update_id"])
    return None


def parse_update(update: Any) -> Parsed:
    """Parse one Update; unknown update types are reported as ignored, never an error."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise PayloadError("an Update is an object with an integer update_id")
    event_id = str(update["update_id"])
    if "message" in update:
        return Parsed(event_id, (_message(update["message"], edited=False),))
    if "edited_message" in update:
        return Parsed(event_id, (_message(update["edited_message"], edited=True),))
    if "callback_query" in update:
        query = update["callback_query"]
        if not isinstance(query, dict) or not isinstance(query.get("message"), dict):
            raise PayloadError("callback_query without message")
        origin = _message(query["message"], edited=False)
        sender = query.get("from") if isinstance(query.get("from"), dict) else {}
        return Parsed(event_id, (InboundMessage(
            provider_message_id=f"callback:{query.get('id')}", sender_id=origin.sender_id,
            sender_name=_name(sender) or origin.sender_name, body=str(query.get("data", ""))),))
    kinds = [k for k in update if k != "update_id"]
    return Parsed(event_id, ignored=tuple(kinds) or ("empty",))
