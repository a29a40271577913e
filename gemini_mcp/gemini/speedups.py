"""Opt-out workaround for a per-call CPU cost in google-genai 3.6's Interactions client.

google-genai 3.6's generated serializers (`google.genai._gaos.utils.serializers`) build a brand-new
pydantic model on EVERY request and response: `unmarshal()` and `marshal_json()` call
`create_model("Unmarshaller" | "Marshaller", body=(typ, ...), __config__=ConfigDict(...))`, and
pydantic then generates a validator for the whole Interaction schema each time. That is ~4 ms of
CPU each way, most of a unary `create` on a fast network (measured against the emulator: 12.5 ms ->
2.7 ms median with the cache; `bench/fig_latency.py` repeats it), and it caps one core at ~80-90
Gemini calls/s.

`install()` replaces two names inside the SDK's own utility modules with memoizing wrappers:

- `serializers.create_model`: calls of exactly that shape (a model name, one required `body`
  field, a config) return the model built the first time for the same (name, type, config); any
  other call passes straight through. The cached models are the ones the SDK would build: same
  name, field, config and `__module__`; pydantic models are immutable once built and validation
  state is per call (the SDK passes its `context=` to `model_validate` each time), so reuse is
  equivalent.
- `url.get_type_hints` / `queryparams.get_type_hints` (called for the request class on every call
  to build the URL and query string, re-evaluating string annotations with `eval` each time, ~1 ms):
  a single-class call returns a copy of the hints computed the first time for that class.

tests/gemini/test_speedups.py checks requests and results against the unpatched SDK.

Guards: only google-genai versions listed in `SUPPORTED_VERSIONS` (3.6.x, where the cost was
measured; any other version logs one WARNING and runs the SDK unpatched), only when the module
still looks as expected, at most `MAX_CACHED` models.
Off switch: `GEMINI_MCP_SDK_SPEEDUPS=0` (also `false`, `off`, `no`). Remove this module once
upstream caches these models itself.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

ENV_SWITCH = "GEMINI_MCP_SDK_SPEEDUPS"
SUPPORTED_VERSIONS = ("3.6.",)
MAX_CACHED = 512
_OFF = frozenset({"0", "false", "off", "no"})
_MARK = "_gemini_mcp_speedup"
_lock = threading.Lock()  # clients are built in worker threads: two may install at once
_MODEL_NAMES = frozenset({"Unmarshaller", "Marshaller"})
_Wrap = Callable[[Callable[..., Any], str], Callable[..., Any]]  # (original, its module name) -> replacement
_warned_versions: set[str] = set()  # one WARNING per unknown google-genai version and process

# (module, attribute name, original value) for every name install() replaced.
_patched: list[tuple[ModuleType, str, Any]] = []
# The caches outlive uninstall(), so switching the workaround off and on again (benchmarks) starts warm.
_model_cache: dict[tuple[Any, ...], Any] = {}
_hints_cache: dict[type, dict[str, Any]] = {}


def _enabled_by_env() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in _OFF


def supported_version(version: str) -> bool:
    """Whether the workaround was measured and tested on this google-genai version."""
    return version.startswith(SUPPORTED_VERSIONS)


def _uses(module: ModuleType, function: str, name: str) -> bool:
    code = getattr(getattr(module, function, None), "__code__", None)
    return callable(getattr(module, name, None)) and code is not None and name in code.co_names


def _sdk_version() -> str:
    from google.genai import version

    return str(version.__version__)


def _targets(version: str) -> list[tuple[ModuleType, str, _Wrap]] | None:
    """What to patch in this SDK, or None when it is not a version (and shape) the workaround knows."""
    if not supported_version(version):
        if version not in _warned_versions:
            _warned_versions.add(version)
            logger.warning(
                "google-genai %s is not a version the SDK speedups know (%s): running it unpatched. "
                "Measure with bench/fig_latency.py and add the version to SUPPORTED_VERSIONS if it still helps.",
                version,
                ", ".join(f"{known}x" for known in SUPPORTED_VERSIONS),
            )
        return None
    from google.genai._gaos.utils import queryparams, serializers, url

    expected = [
        (serializers, "unmarshal", "create_model"),
        (serializers, "marshal_json", "create_model"),
        (url, "_populate_path_params", "get_type_hints"),
        (queryparams, "_populate_query_params", "get_type_hints"),
    ]
    if not all(_uses(module, function, name) for module, function, name in expected):
        logger.debug("google-genai utilities changed shape: SDK speedups not applied")
        return None
    return [
        (serializers, "create_model", _memoized_create_model),
        (url, "get_type_hints", _memoized_type_hints),
        (queryparams, "get_type_hints", _memoized_type_hints),
    ]


def _model_key(name: str, kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    if name not in _MODEL_NAMES or set(kwargs) != {"body", "__config__"}:
        return None
    body: Any = kwargs["body"]
    config: Any = kwargs["__config__"]
    if not isinstance(body, tuple) or not isinstance(config, dict):
        return None
    field: tuple[Any, ...] = body  # pyright: ignore[reportUnknownVariableType]
    if len(field) != 2 or field[1] is not Ellipsis:
        return None
    items: list[tuple[Any, Any]] = sorted(config.items())  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
    key: tuple[Any, ...] = (name, field[0], tuple(items))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _memoized_create_model(original: Callable[..., Any], module_name: str) -> Callable[..., Any]:
    cache = _model_cache

    def create_model(model_name: str, /, **kwargs: Any) -> Any:
        key = _model_key(model_name, kwargs)
        # __module__ is what pydantic would take from the caller's frame: the SDK module, not this one.
        kwargs.setdefault("__module__", module_name)
        if key is None:
            return original(model_name, **kwargs)
        model = cache.get(key)
        if model is None:
            model = original(model_name, **kwargs)
            if len(cache) < MAX_CACHED:
                cache[key] = model
        return model

    create_model.cache = cache  # type: ignore[attr-defined]  # for tests and diagnostics
    setattr(create_model, _MARK, True)
    return create_model


def _memoized_type_hints(original: Callable[..., Any], module_name: str) -> Callable[..., Any]:
    cache = _hints_cache

    def get_type_hints(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(obj, type):
            return original(obj, *args, **kwargs)
        hints = cache.get(obj)
        if hints is None:
            hints = original(obj)
            if len(cache) < MAX_CACHED:
                cache[obj] = hints
        return dict(hints)  # a copy, as the SDK got a fresh dict before

    get_type_hints.cache = cache  # type: ignore[attr-defined]
    setattr(get_type_hints, _MARK, True)
    return get_type_hints


def install(*, force: bool = False, version: str | None = None) -> bool:
    """Apply the workaround unless switched off (env) or unsupported; True when it is active.

    `version` stands in for the installed google-genai version (to exercise the version guard).
    """
    if not force and not _enabled_by_env():
        logger.info("SDK speedups off (%s)", ENV_SWITCH)
        return False
    with _lock:
        if _patched:
            return True
        targets = _targets(version or _sdk_version())
        if targets is None:
            return False
        for module, name, wrap in targets:
            original = getattr(module, name)
            if getattr(original, _MARK, False):  # already ours (never wrap a wrapper)
                continue
            _patched.append((module, name, original))
            setattr(module, name, wrap(original, module.__name__))
    logger.debug("SDK speedups installed: google-genai serializer models and type hints are cached")
    return True


def uninstall() -> None:
    """Restore the SDK's own functions (tests compare both behaviours)."""
    with _lock:
        while _patched:
            module, name, original = _patched.pop()
            setattr(module, name, original)


def installed() -> bool:
    return bool(_patched)
