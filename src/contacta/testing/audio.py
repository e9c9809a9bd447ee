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


def _share(window: np.ndarray, frequency: float, rate: int) -> float:
    """The share of the window's energy at `frequency`: Goertzel's result, computed as the one
    DFT term it stands for (vectorised)."""
    energy = float(np.sum(window ** 2))
    if not energy:
        return 0.0
    n = np.arange(window.size)
    term = np.sum(window * np.exp(-2j * math.pi * frequency * n / rate))
    return float(2 * abs(term) ** 2 / (window.size * energy))


def _windows(path: Path, window_s: float) -> tuple[list[np.ndarray], int]:
    data, rate = samples(path)
    size = int(window_s * rate)
    return [data[start:start + size] for start in range(0, max(0, data.size - size + 1), size)], rate


def tone_ratio(path: Path, frequency: float, start_s: float = 0.0,
               end_s: float | None = None) -> float:
    """The share of the signal's energy at `frequency` (about 1 for a pure tone, near 0 for
    speech, silence or another tone)."""
    data, rate = samples(path, start_s, end_s)
    return _share(data, frequency, rate) if data.size else 0.0


def tone_seconds(path: Path, frequency: float, *, window_s: float = 0.5,
                 threshold: float = 0.5) -> float:
    """How long the tone clearly dominates, in whole windows: robust to the start of a stream
    (jitter buffers filling) and to prompts or music before and after."""
    windows, rate = _windows(path, window_s)
    return window_s * sum(1 for w in windows if _share(w, frequency, rate) > threshold)


def any_tone_seconds(path: Path, frequencies: list[float], *, window_s: float = 0.25,
                     threshold: float = 0.25) -> float:
    """How long one of several tones dominates (music on hold: its notes one after another)."""
    windows, rate = _windows(path, window_s)
    return window_s * sum(1 for w in windows
                          if max(_share(w, f, rate) for f in frequencies) > threshold)
