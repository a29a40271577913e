"""A faithful local emulator of Google's Gemini Interactions API (no google.genai import here).

See ``/_emulator/*`` for the control API and :mod:`gemini_mcp.emulator.server` for running it.
"""

from __future__ import annotations

from .client import EmulatorClient
from .config import EmulatorConfig, Fault
from .server import Emulator, EmulatorThread, running_emulator
from .store import RecordedRequest

__all__ = [
    "Emulator",
    "EmulatorClient",
    "EmulatorConfig",
    "EmulatorThread",
    "Fault",
    "RecordedRequest",
    "running_emulator",
]
