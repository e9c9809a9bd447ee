"""Pure handling of Twilio-compatible SMS webhooks (https://www.twilio.com/docs/messaging/guides/webhook-request
and https://www.twilio.com/docs/usage/webhooks/webhooks-security).

Requests are application/x-www-form-urlencoded: MessageSid, From, To, Body, NumMedia, MediaUrl0..
for a message; MessageSid, MessageStatus, ErrorCode for a status callback. The signature header
X-Twilio-Signature is base64(HMAC-SHA1(auth_token, full URL + every POST key and value, keys
sorted)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qsl

from contacta.connectors.inbound import InboundMessage, InboundStatus, Parsed, PayloadError

STATUS_MAP = {"queued": "pending", "accepted": "pending", "sending": "pending", "sent": "sent",
              "delivered": "delivered", "read": "read", "undelivered": "failed",
              "failed": "failed"}


def decode_form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError("not a form-encoded body") from exc


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def event_id(params: Mapping[str, str]) -> str | None:
    sid = params.get("MessageSid") or params.get("SmsSid")
    if not sid:
        return None
    status = params.get("MessageStatus")
    # A message arrives once but its status is reported several times: each is its own event.
    return f"{sid}:{status}" if status and "Body" not in params else sid


def parse_form(params: Mapping[str, str]) -> Parsed:
    sid = params.get("MessageSid") or params.get("SmsSid")
    if not sid:
        raise PayloadError("no MessageSid")
    if "Body" in params or params.get("NumMedia", "0") != "0":
        sender = params.get("From", "")
        if not sender:
            raise PayloadError("a message needs From")
        try:
            media_count = int(params.get("NumMedia", "0"))
        except ValueError as exc:
            raise PayloadError("NumMedia must be a number") from exc
        media = tuple(params[f"MediaUrl{i}"] for i in range(min(media_count, 10))
                      if f"MediaUrl{i}" in params)
        return Parsed(sid, (InboundMessage(provider_message_id=sid, sender_id=sender,
                                           sender_name="", body=params.get("Body", ""),
                                           attachments=media),))
    status = STATUS_MAP.get(params.get("MessageStatus", ""), "")
    if not status:
        return Parsed(sid, ignored=(params.get("MessageStatus", "unknown"),))
    reason = f"{params['ErrorCode']} {params.get('ErrorMessage', '')}".strip() \
        if params.get("ErrorCode") else ""
    return Parsed(sid, statuses=(InboundStatus(sid, status, reason),))
