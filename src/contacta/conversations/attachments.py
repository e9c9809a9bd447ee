"""Store uploaded files after checking size and real type (magic bytes, not the client's claim)."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from contacta.conversations.models import Attachment, Conversation, Status
from contacta.errors import ConflictError, DomainError
from contacta.tenants.models import Tenant

SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"OggS", "audio/ogg", ".ogg"),  # WhatsApp and Telegram voice notes (Opus in Ogg)
    (b"ID3", "audio/mpeg", ".mp3"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if head[4:8] == b"ftyp":  # ISO base media: MP4 video, M4A audio
        return ("audio/mp4", ".m4a") if head[8:11] == b"M4A" else ("video/mp4", ".mp4")
    return None


def attachment_store(*, tenant: Tenant, conversation: Conversation,
                     upload: UploadedFile) -> Attachment:  # type: ignore[type-arg]
    if conversation.status == Status.CLOSED:
        raise ConflictError("the conversation is closed", field="conversation")
    size = upload.size or 0
    if size == 0:
        raise DomainError("the file is empty", field="file")
    if size > settings.UPLOAD_MAX_BYTES:
        raise DomainError(f"the file is larger than {settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB",
                          field="file")
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None or kind[0] not in settings.UPLOAD_CONTENT_TYPES:
        raise DomainError("only images (PNG, JPEG, GIF, WebP), PDF, audio (Ogg, MP3, WAV, M4A) "
                          "and MP4 video", field="file")
    content_type, extension = kind
    shown_name = PurePath(upload.name or "file").name[:150] or "file"
    # The stored name is ours: a hostile filename never reaches the file system.
    stored = secrets.token_hex(12) + extension
    att = Attachment(tenant=tenant, conversation=conversation, name=shown_name,
                     content_type=content_type, size_bytes=size)
    att.file.save(stored, upload, save=False)
    att.save()
    return att
