"""The only code that talks to the Messenger / Instagram Send API
(https://developers.facebook.com/docs/messenger-platform/reference/send-api/)."""

from __future__ import annotations

import json

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.outbound import OutgoingFile, Reply, SendResult, call

QUICK_REPLY_TITLE_CHARS = 20
MAX_QUICK_REPLIES = 13


def _envelope(recipient: str, message: dict[str, object],
              human_agent_tag: bool) -> dict[str, object]:
    """Outside the 24-hour window a person may still answer for 7 days with the HUMAN_AGENT
    tag (Messenger Platform messaging policy)."""
    payload: dict[str, object] = {"recipient": {"id": recipient}, "message": message,
                                  "messaging_type": "RESPONSE"}
    if human_agent_tag:
        payload["messaging_type"] = "MESSAGE_TAG"
        payload["tag"] = "HUMAN_AGENT"
    return payload


def _url(base_url: str) -> str:
    return f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/me/messages"


def send_text(*, base_url: str, token: str, recipient: str, text: str,
              human_agent_tag: bool, options: list[str] | None = None,
              timeout_s: float = 10.0) -> SendResult:
    """POST /me/messages; options become quick replies (13 at most, titles of 20)."""
    message: dict[str, object] = {"text": text}
    if options:
        message["quick_replies"] = [
            {"content_type": "text", "title": o[:QUICK_REPLY_TITLE_CHARS], "payload": o}
            for o in options[:MAX_QUICK_REPLIES]]
    reply = call("POST", _url(base_url), json=_envelope(recipient, message, human_agent_tag),
                 timeout_s=timeout_s, headers={"Authorization": f"Bearer {token}"})
    return _result(reply)


def attachment_type(content_type: str) -> str:
    for prefix in ("image", "audio", "video"):
        if content_type.startswith(prefix + "/"):
            return prefix
    return "file"


def send_file(*, base_url: str, token: str, recipient: str, file: OutgoingFile,
              human_agent_tag: bool, by_link: bool, timeout_s: float = 30.0) -> SendResult:
    """An attachment: uploaded as multipart `filedata` (Messenger), or by a link the platform
    fetches (Instagram, which takes only links)."""
    kind = attachment_type(file.content_type)
    auth = {"Authorization": f"Bearer {token}"}
    if by_link:
        if not file.public_url:
            return SendResult(ok=False, retryable=False,
                              reason="set CONTACTA_PUBLIC_URL so the platform can fetch files")
        message: dict[str, object] = {"attachment": {"type": kind,
                                                     "payload": {"url": file.public_url}}}
        return _result(call("POST", _url(base_url), headers=auth, timeout_s=timeout_s,
                            json=_envelope(recipient, message, human_agent_tag)))
    envelope = _envelope(recipient, {"attachment": {"type": kind,
                                                    "payload": {"is_reusable": False}}},
                         human_agent_tag)
    form = {key: json.dumps(value) if isinstance(value, dict) else str(value)
            for key, value in envelope.items()}
    return _result(call("POST", _url(base_url), headers=auth, timeout_s=timeout_s, data=form,
                        files={"filedata": (file.name, file.content, file.content_type)}))


def _result(reply: Reply | SendResult) -> SendResult:
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("message_id"):
        return SendResult(ok=True, provider_id=str(reply.data["message_id"]))
    error = reply.data.get("error") or {}
    return SendResult(ok=False, retryable=reply.transient or error.get("code") in {2, 4, 613},
                      reason=f"{error.get('code', reply.status)} {error.get('message', '')}"[:200])
