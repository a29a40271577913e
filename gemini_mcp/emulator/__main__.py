"""``gemini-mcp emulator [--host H] [--port N] [--research-seconds S] [--latency MODEL=S] [--api-key K]
[--state-path P] [--models F] [--control secret|open|off]``.

Runs the Interactions emulator in the foreground and prints the base URL to use as
``GOOGLE_GEMINI_BASE_URL`` (the one place this project prints to stdout). With ``--control secret`` (the
default) a second line ``EMULATOR_CONTROL_SECRET=...`` gives, once, the random secret the control API
(``/_emulator/*``) wants in its ``x-emulator-secret`` header (``EmulatorClient(url, secret=...)``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn, cast

from .config import EmulatorConfig, parse_latency
from .server import running_emulator


class _OneLineParser(argparse.ArgumentParser):
    """Errors as one line naming the fix, exit code 2 (as every gemini-mcp command)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def parse_args(argv: list[str] | None) -> EmulatorConfig:
    parser = _OneLineParser(prog="gemini-mcp emulator", description="Run the Gemini Interactions emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    parser.add_argument("--research-seconds", type=float, default=20.0, help="duration of a Deep Research job")
    parser.add_argument("--research-steps", type=int, default=6, help="thought summaries per research job")
    parser.add_argument("--model-latency", type=float, default=0.0, help="seconds before a model answers")
    parser.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="MODEL=SECONDS",
        help="seconds before this model answers (repeatable; overrides --model-latency for that model)",
    )
    parser.add_argument("--api-key", default=None, help="the only accepted x-goog-api-key (default: any)")
    parser.add_argument("--state-path", type=Path, default=None, help="sqlite file keeping interactions across runs")
    parser.add_argument(
        "--models", type=Path, default=None, help="JSON file: the model list to serve (Google's Model objects)"
    )
    parser.add_argument(
        "--control",
        choices=["secret", "open", "off"],
        default="secret",
        help="the /_emulator/* control API: behind a random secret printed once (default), open, or off",
    )
    parser.add_argument("--log-level", type=str.upper, default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(args.log_level)
    if args.port < 0 or args.port > 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.research_seconds < 0:
        parser.error(f"--research-seconds must be >= 0, got {args.research_seconds}")
    models = _read_models(parser, args.models) if args.models else None
    latencies: dict[str, float] = {}
    for spec in args.latency:
        try:
            model, seconds = parse_latency(spec)
        except ValueError as exc:
            parser.error(f"--latency: {exc}")
        latencies[model] = seconds
    return EmulatorConfig(
        models=models,
        api_key=args.api_key,
        research_seconds=args.research_seconds,
        research_steps=args.research_steps,
        model_latency=args.model_latency,
        model_latencies=latencies,
        state_path=args.state_path,
        host=args.host,
        port=args.port,
        control=args.control,
    )


def _read_models(parser: argparse.ArgumentParser, path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        parser.error(f"--models {path}: {exc}")
    models: Any = cast(dict[str, Any], data).get("models") if isinstance(data, dict) else data
    if not isinstance(models, list) or not all(isinstance(m, dict) and "name" in m for m in cast(list[Any], models)):
        parser.error(f'--models {path}: expected a JSON list of models (or {{"models": [...]}}), each with a "name"')
    return cast(list[dict[str, Any]], models)


async def serve(config: EmulatorConfig) -> None:
    async with running_emulator(config) as emu:
        print(f"GOOGLE_GEMINI_BASE_URL={emu.base_url}", flush=True)
        if emu.config.control == "secret":
            print(f"EMULATOR_CONTROL_SECRET={emu.config.control_secret}", flush=True)
        logging.getLogger("gemini_mcp.emulator").info("emulator listening on %s", emu.base_url)
        await emu.serve_forever()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = parse_args(argv)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(config))
    except OSError as err:  # the port is taken, or the host is not an address of this machine
        sys.stderr.write(
            f"gemini-mcp emulator: cannot listen on {config.host} port {config.port} ({err.strerror or err}): "
            "pass --port 0 for a free port, or another --host\n"
        )
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
