"""Prompts: spoken by espeak-ng once and kept; a tenant's upload replaces a standard prompt and
is converted to phone audio; files stay under the tenant's own folder."""

from __future__ import annotations

import subprocess
import wave

import pytest
from django.core.files.base import ContentFile

from contacta.voice.models import VoicePrompt
from contacta.voice.prompts import music_on_hold, prompt_path
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def format_of(path):
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getnframes() / wav.getframerate()


def test_spoken_prompts_are_phone_audio_made_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world("prompts", agents=0)
    first = prompt_path(w.tenant.pk, "es", "Bienvenido a Banco Andino, señora Peña.")
    rate, channels, seconds = format_of(first)
    assert (rate, channels) == (8000, 1)
    assert seconds > 1.5
    assert f"tenants/{w.tenant.pk}/voice/tts/es/" in str(first)
    made = first.stat().st_mtime_ns
    assert prompt_path(w.tenant.pk, "es", "Bienvenido a Banco Andino, señora Peña.") == first
    assert first.stat().st_mtime_ns == made
    assert prompt_path(w.tenant.pk, "en", "@goodbye") != prompt_path(w.tenant.pk, "es",
                                                                    "@goodbye")
    assert format_of(music_on_hold())[0] == 8000


def test_an_upload_replaces_the_standard_prompt_for_its_tenant_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a, b = make_world("prompta", agents=0), make_world("promptb", agents=0)
    studio = tmp_path / "studio.wav"  # a studio recording: 44.1 kHz stereo
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", "-b", "16", str(studio), "synth",
                    "2", "sine", "600"], check=True)
    VoicePrompt.objects.create(tenant=a.tenant, key="welcome", language="es",
                               audio=ContentFile(studio.read_bytes(), name="bienvenida.wav"))
    theirs = prompt_path(a.tenant.pk, "es", "@welcome")
    assert format_of(theirs)[:2] == (8000, 1)
    assert f"tenants/{a.tenant.pk}/voice/uploaded/" in str(theirs)
    standard = prompt_path(b.tenant.pk, "es", "@welcome")
    assert f"tenants/{b.tenant.pk}/voice/tts/" in str(standard)


def test_an_unreadable_upload_falls_back_to_the_standard_words(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world("promptbad", agents=0)
    VoicePrompt.objects.create(tenant=w.tenant, key="goodbye", language="es",
                               audio=ContentFile(b"not audio at all", name="adios.wav"))
    spoken = prompt_path(w.tenant.pk, "es", "@goodbye")
    assert f"tenants/{w.tenant.pk}/voice/tts/es/" in str(spoken)
    assert format_of(spoken)[:2] == (8000, 1)
