"""The only code that talks to the WhatsApp Cloud API (Graph API /{phone-number-id}/messages)."""

from __future__ import annotations

from contacta.connectors.graph import GRAPH_API, GRAPH_VERSION
from contacta.connectors.outbound import OutgoingFile, SendResult, call, download

RETRYABLE_CODES = {4, 80007, 130429, 131016, 131048, 131056}  # rate limits, service unavailable


def _post_message(*, base_url: str, token: str, phone_number_id: str, to: str,
                  content: dict[str, object], timeout_s: float) -> SendResult:
    """POST /{phone-number-id}/messages -> {"messages": [{"id"}]} or {"error": {code, message}}."""
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{phone_number_id}/messages"
    reply = call("POST", url, timeout_s=timeout_s, headers={"Authorization": f"Bearer {token}"},
                 json={"messaging_product": "whatsapp", "recipient_type": "individual",
                       "to": to, **content})
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("messages"):
        return SendResult(ok=True, provider_id=str(reply.data["messages"][0].get("id", "")))
    error = reply.data.get("error") or {}
    code = error.get("code")
    return SendResult(ok=False, retryable=reply.transient or code in RETRYABLE_CODES,
                      reason=f"{code or reply.status} {error.get('message', '')}"[:200])


def send_text(*, base_url: str, token: str, phone_number_id: str, to: str, text: str,
              timeout_s: float = 10.0) -> SendResult:
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": "text",
                                  "text": {"preview_url": False, "body": text}},
                         timeout_s=timeout_s)


MAX_BUTTONS = 3  # reply buttons per interactive message
BUTTON_TITLE_CHARS = 20
ROW_TITLE_CHARS = 24
LIST_BUTTON = "Opciones"  # the label that opens a list


def interactive_for(text: str, options: list[str]) -> dict[str, object]:
    """Up to 3 options as reply buttons, more as a one-section list (Cloud API limits:
    3 buttons of 20 characters; 10 rows of 24)."""
    if len(options) <= MAX_BUTTONS and all(len(o) <= BUTTON_TITLE_CHARS for o in options):
        return {"type": "button", "body": {"text": text[:1024]}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": f"opt-{n}", "title": option}}
            for n, option in enumerate(options, start=1)]}}
    return {"type": "list", "body": {"text": text[:4096]}, "action": {
        "button": LIST_BUTTON, "sections": [{"rows": [
            {"id": f"opt-{n}", "title": option[:ROW_TITLE_CHARS]}
            for n, option in enumerate(options, start=1)]}]}}


def send_interactive(*, base_url: str, token: str, phone_number_id: str, to: str, text: str,
                     options: list[str], timeout_s: float = 10.0) -> SendResult:
    """An interactive message; the customer's choice comes back as an interactive reply
    whose title is the option."""
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": "interactive",
                                  "interactive": interactive_for(text, options)},
                         timeout_s=timeout_s)


def media_kind(content_type: str) -> str:
    """The Cloud API message type for a file (stickers are WebP images we never send)."""
    if content_type in {"image/jpeg", "image/png"}:
        return "image"
    if content_type.startswith("audio/"):
        return "audio"
    if content_type == "video/mp4":
        return "video"
    return "document"


def upload_media(*, base_url: str, token: str, phone_number_id: str, file: OutgoingFile,
                 timeout_s: float = 30.0) -> str | SendResult:
    """POST /{phone-number-id}/media (multipart: messaging_product, type, file) -> {"id"}."""
    url = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{phone_number_id}/media"
    reply = call("POST", url, timeout_s=timeout_s, headers={"Authorization": f"Bearer {token}"},
                 data={"messaging_product": "whatsapp", "type": file.content_type},
                 files={"file": (file.name, file.content, file.content_type)})
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("id"):
        return str(reply.data["id"])
    error = reply.data.get("error") or {}
    return SendResult(ok=False, retryable=reply.transient or error.get("code") in RETRYABLE_CODES,
                      reason=f"upload: {error.get('code', reply.status)} "
                             f"{error.get('message', '')}"[:200])


def send_media(*, base_url: str, token: str, phone_number_id: str, to: str,
               file: OutgoingFile, caption: str = "", timeout_s: float = 30.0) -> SendResult:
    """Upload the file, then send it by its media id (documents keep their file name)."""
    media_id = upload_media(base_url=base_url, token=token, phone_number_id=phone_number_id,
                            file=file, timeout_s=timeout_s)
    if isinstance(media_id, SendResult):
        return media_id
    kind = media_kind(file.content_type)
    media: dict[str, str] = {"id": media_id}
    if caption and kind != "audio":  # audio messages have no caption
        media["caption"] = caption[:1024]
    if kind == "document":
        media["filename"] = file.name
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": kind, kind: media}, timeout_s=timeout_s)


def download_media(*, base_url: str, token: str, media_id: str, max_bytes: int,
                   timeout_s: float = 30.0) -> bytes | None:
    """GET /{media-id} -> {"url", "mime_type", "file_size"}, then GET the url with the same
    token (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media)."""
    auth = {"Authorization": f"Bearer {token}"}
    reply = call("GET", f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{media_id}",
                 headers=auth, timeout_s=timeout_s)
    if isinstance(reply, SendResult) or reply.status != 200 or not reply.data.get("url"):
        return None
    if int(reply.data.get("file_size") or 0) > max_bytes:
        return None
    return download(str(reply.data["url"]), max_bytes=max_bytes, headers=auth,
                    timeout_s=timeout_s)


def send_template(*, base_url: str, token: str, phone_number_id: str, to: str, name: str,
                  language: str, variables: list[str], timeout_s: float = 10.0) -> SendResult:
    """A template message (the only kind allowed outside the customer-service window)."""
    template: dict[str, object] = {"name": name, "language": {"code": language}}
    if variables:
        template["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": value} for value in variables]}]
    return _post_message(base_url=base_url, token=token, phone_number_id=phone_number_id, to=to,
                         content={"type": "template", "template": template},
                         timeout_s=timeout_s)


def list_templates(*, base_url: str, token: str, waba_id: str,
                   timeout_s: float = 15.0) -> list[dict[str, object]]:
    """GET /{waba-id}/message_templates, following paging.next; raises ConnectionError."""
    url: str | None = f"{(base_url or GRAPH_API).rstrip('/')}/{GRAPH_VERSION}/{waba_id}" \
        "/message_templates?limit=100"
    found: list[dict[str, object]] = []
    while url:
        reply = call("GET", url, timeout_s=timeout_s,
                     headers={"Authorization": f"Bearer {token}"})
        if isinstance(reply, SendResult) or reply.status != 200:
            raise ConnectionError("the template list could not be read")
        found.extend(t for t in reply.data.get("data", []) if isinstance(t, dict))
        url = (reply.data.get("paging") or {}).get("next")
    return found
