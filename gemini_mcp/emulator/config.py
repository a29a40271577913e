"""Public configuration objects of the emulator: :class:`EmulatorConfig` and :class:`Fault`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

FaultKind = Literal["status", "delay", "cut", "error_event", "malformed", "failed"]
FAULT_KINDS: tuple[str, ...] = ("status", "delay", "cut", "error_event", "malformed", "failed")
ControlMode = Literal["open", "secret", "off"]
CONTROL_MODES: tuple[str, ...] = ("open", "secret", "off")


@dataclass
class EmulatorConfig:
    """How an emulator instance behaves.

    api_key: None accepts any non-empty ``x-goog-api-key``; a missing key is always 401.
    research_seconds: how long a Deep Research job runs.
    research_steps: how many thought summaries a job emits.
    model_latency: seconds before a model answers.
    model_latencies: per-model seconds before it answers (model id -> seconds), overriding model_latency;
        e.g. ``{"gemini-3.1-pro-preview": 90}`` makes that model's turns outlast a client's call bound.
    state_path: sqlite file that keeps interactions across restarts (None: memory only).
    models: the model list ``GET .../models`` returns, in Google's ``Model`` shape (``{"name": "models/<id>",
        "inputTokenLimit": ..., "supportedGenerationMethods": [...], ...}``); create accepts exactly these
        (with ``generateContent``). None: the default catalog (``catalog.DEFAULT_MODELS``).
    agents: the agent ids create accepts. None: ``catalog.DEFAULT_AGENTS``.
    serve_model_list: False makes ``GET .../models[/{id}]`` answer 404 (an endpoint without the list).
    host/port: where to listen (port 0: a free one). Every request's Host must name a loopback address, ``host``
    or one of ``allowed_hosts``, with the port listened on; a browser Origin must too (emulator/guard.py).
    control: the ``/_emulator/*`` control API is ``open``, ``off`` (404), or ``secret`` (the
    ``x-emulator-secret`` header must equal ``control_secret``; a random one is made when it is None).
    """

    api_key: str | None = None
    research_seconds: float = 1.5
    research_steps: int = 4
    model_latency: float = 0.0
    model_latencies: dict[str, float] = field(default_factory=dict[str, float])
    state_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    models: list[dict[str, Any]] | None = None
    agents: list[str] | None = None
    serve_model_list: bool = True
    control: ControlMode = "open"
    control_secret: str | None = None
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.control not in CONTROL_MODES:
            raise ValueError(f"EmulatorConfig.control must be one of {', '.join(CONTROL_MODES)}; got {self.control!r}")

    def latency_for(self, model: str | None) -> float:
        """Seconds before ``model`` answers (its own latency, else ``model_latency``)."""
        if model is not None:
            own = self.model_latencies.get(model.removeprefix("models/"))
            if own is not None:
                return own
        return self.model_latency


def parse_latency(spec: str) -> tuple[str, float]:
    """``"MODEL=SECONDS"`` -> (model, seconds); ValueError says what is wrong."""
    model, sep, seconds = spec.partition("=")
    model = model.strip().removeprefix("models/")
    try:
        value = float(seconds) if sep and model else -1.0
    except ValueError:
        value = -1.0
    if value < 0:
        raise ValueError(f"expected MODEL=SECONDS with SECONDS >= 0, e.g. gemini-3.1-pro-preview=90; got {spec!r}")
    return model, value


@dataclass
class Fault:
    """One injected failure, applied to the next ``count`` matching requests.

    ``failed`` applies to creates only: the interaction is accepted (200) and then ends with status
    ``failed`` and ``errors: [{code: <status name of ``status``>, message}]`` instead of its answer.
    """

    kind: FaultKind = "status"
    method: str | None = None
    path: str | None = None
    count: int = 1
    status: int = 503
    retry_after: str | None = None
    retry_delay: str | None = None
    delay: float = 0.0
    after_events: int = 0
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Fault.kind must be one of {', '.join(FAULT_KINDS)}; got {self.kind!r}")
        if self.count < 1:
            raise ValueError(f"Fault.count must be >= 1; got {self.count}")
        if self.method is not None:
            self.method = self.method.upper()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown Fault field(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)
