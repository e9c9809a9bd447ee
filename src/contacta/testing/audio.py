"""Checks on recorded audio: how loud, and whether a tone is in it (Goertzel's algorithm, the
single-frequency DFT term that DTMF detectors use)."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np


def samples(path: Path, start_s: float = 0.0, end_s: float | None = None) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    data = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    stop = None if end_s is None else int(end_s * rate)
    return data[int(start_s * rate):stop], rate


def rms(path: Path, start_s: float = 0.0, end_s: float | None = None) -> float:
    data, _ = samples(path, start_s, end_s)
    return float(np.sqrt(np.mean(data ** 2))) if data.size else 0.0


def tone_ratio(path: Path, frequency: float, start_s: float = 0.0,
               end_s: float | None = None) -> float:
    """The share of the signal's energy at `frequency` (about 1 for a pure tone, near 0 for
    speech, silence or another tone)."""
    data, rate = samples(path, start_s, end_s)
    if data.size == 0:
        return 0.0
    # Goertzel's result, computed as the one DFT term it stands for (vectorised).
    n = np.arange(data.size)
    term = np.sum(data * np.exp(-2j * math.pi * frequency * n / rate))
    energy = float(np.sum(data ** 2))
    return float(2 * abs(term) ** 2 / (data.size * energy)) if energy else 0.0


def tone_seconds(path: Path, frequency: float, *, window_s: float = 0.5,
                 threshold: float = 0.5) -> float:
    """How long the tone clearly dominates, in whole windows: robust to the start of a stream
    (jitter buffers filling) and to prompts or music before and after."""
    data, rate = samples(path)
    size = int(window_s * rate)
    found = 0
    for start in range(0, max(0, data.size - size + 1), size):
        window = data[start:start + size]
        n = np.arange(window.size)
        term = np.sum(window * np.exp(-2j * math.pi * frequency * n / rate))
        energy = float(np.sum(window ** 2))
        if energy and 2 * abs(term) ** 2 / (window.size * energy) > threshold:
            found += 1
    return found * window_s


def any_tone_seconds(path: Path, frequencies: list[float], *, window_s: float = 0.25,
                     threshold: float = 0.25) -> float:
    """How long one of several tones dominates (music on hold: its notes one after another)."""
    data, rate = samples(path)
    size = int(window_s * rate)
    found = 0
    n = np.arange(size)
    for start in range(0, max(0, data.size - size + 1), size):
        window = data[start:start + size]
        energy = float(np.sum(window ** 2))
        if not energy:
            continue
        best = max(2 * abs(np.sum(window * np.exp(-2j * math.pi * f * n / rate))) ** 2
                   / (size * energy) for f in frequencies)
        if best > threshold:
            found += 1
    return found * window_s
