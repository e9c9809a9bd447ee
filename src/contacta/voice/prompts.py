"""Prompts as audio files: spoken by espeak-ng and converted by sox (Debian's packages) once,
then kept; or a tenant's uploaded recording for the same key. Music on hold is made by sox.

Files live under the data directory, tenant-scoped: tenants/<id>/voice/tts/<lang>/<hash>.wav.
Phone audio is 8 kHz mono 16-bit PCM, what G.711 carries.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
from pathlib import Path

from django.conf import settings

from contacta.voice.models import VoicePrompt

log = logging.getLogger(__name__)
VOICES = {"es": "es-419", "en": "en-us"}  # espeak-ng voices: Latin American Spanish first
STANDARD = {
    "es": {
        "welcome": "Bienvenido. Su llamada es importante para nosotros.",
        "closed": "Nuestro horario de atención ha terminado. Deje su mensaje después del tono.",
        "goodbye": "Gracias por llamar. Hasta luego.",
        "invalid": "Opción no válida.",
        "callback": "Hemos registrado su solicitud. Un asesor le devolverá la llamada "
                    "conservando su turno. Hasta luego.",
        "hold": "Por favor espere en línea, pronto le atenderemos.",
    },
    "en": {
        "welcome": "Welcome. Your call is important to us.",
        "closed": "We are closed now. Please leave a message after the tone.",
        "goodbye": "Thank you for calling. Goodbye.",
        "invalid": "That is not a valid option.",
        "callback": "Your request is saved. An agent will call you back, keeping your place "
                    "in the queue. Goodbye.",
        "hold": "Please hold, an agent will be with you shortly.",
    },
}


def voice_dir() -> Path:
    return Path(settings.MEDIA_ROOT)


def speak(text: str, language: str, target: Path) -> Path:
    """Speak `text` into an 8 kHz WAV (espeak-ng writes 22 kHz; sox converts)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = target.with_suffix(".raw.wav")
    voice = VOICES.get(language[:2], VOICES["es"])
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True,
                   capture_output=True, timeout=30)
    # A little silence after the words: players end exactly on the last sample.
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(target),
                    "pad", "0.1", "0.3"], check=True, capture_output=True, timeout=30)
    raw.unlink(missing_ok=True)
    return target


def _phone_audio(tenant_id: int, source: Path) -> Path:
    """An uploaded recording (WAV, MP3, Ogg...) as 8 kHz mono PCM, converted once by sox."""
    stamp = hashlib.sha256(f"{source}:{source.stat().st_mtime_ns}".encode()).hexdigest()[:16]
    target = voice_dir() / "tenants" / str(tenant_id) / "voice" / "uploaded" / f"{stamp}.wav"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sox", str(source), "-r", "8000", "-c", "1", "-b", "16", str(target)],
                       check=True, capture_output=True, timeout=60)
    return target


def prompt_path(tenant_id: int, language: str, text: str) -> Path:
    """The audio for a prompt: "@key" is an uploaded recording (or the standard words for that
    key); anything else is spoken text, generated once."""
    if text.startswith("@"):
        key = text[1:]
        uploaded = VoicePrompt.objects.filter(tenant_id=tenant_id, key=key,
                                              language=language).first()
        if uploaded is not None:
            try:
                return _phone_audio(tenant_id, Path(uploaded.audio.path))
            except (OSError, subprocess.SubprocessError):
                # Not audio sox can read: the caller hears the standard words, not silence.
                log.warning("uploaded prompt %s of tenant %s is unreadable", key, tenant_id)
        text = STANDARD.get(language[:2], STANDARD["es"]).get(key, key)
    digest = hashlib.sha256(f"{language}:{text}".encode()).hexdigest()[:24]
    target = voice_dir() / "tenants" / str(tenant_id) / "voice" / "tts" / language / \
        f"{digest}.wav"
    if not target.exists():
        speak(text, language, target)
    return target


MUSIC_NOTES = ["C4", "E4", "G4", "E4", "A3", "C4", "E4", "C4", "F3", "A3", "C4", "A3",
               "G3", "B3", "D4", "B3"]
NOTE_HZ = {"F3": 174.61, "G3": 196.0, "A3": 220.0, "B3": 246.94, "C4": 261.63, "D4": 293.66,
           "E4": 329.63, "G4": 392.0}  # what a test listens for to know music is playing


def music_on_hold() -> Path:
    """A calm loop of soft plucked notes (sox synth), made once per installation."""
    target = voice_dir() / "voice" / "music-on-hold.wav"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    for index, note in enumerate(MUSIC_NOTES):
        part = target.with_name(f"moh-{index}.wav")
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(part), "synth",
                        "0.5", "pluck", note, "vol", "0.6"], check=True, capture_output=True,
                       timeout=30)
        parts.append(str(part))
    subprocess.run(["sox", *parts, str(target)], check=True, capture_output=True, timeout=30)
    for made in parts:
        Path(made).unlink(missing_ok=True)
    return target


def beep() -> Path:
    target = voice_dir() / "voice" / "beep.wav"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(target), "synth",
                        "0.4", "sine", "1000", "vol", "0.5"], check=True, capture_output=True,
                       timeout=30)
    return target


def generate_standard(tenant_ids: list[int]) -> int:
    """Install time: every standard prompt in both languages, and the music on hold."""
    made = 0
    music_on_hold()
    beep()
    for tenant_id in tenant_ids:
        for language, prompts in STANDARD.items():
            for key in prompts:
                prompt_path(tenant_id, language, f"@{key}")
                made += 1
    return made
