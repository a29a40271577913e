"""Child-process entry: serve the Interactions emulator, print its base URL, stop when stdin closes."""

from __future__ import annotations

import argparse
import sys

import anyio
import anyio.to_thread

from gemini_mcp.emulator import EmulatorConfig, running_emulator


async def _serve(cfg: EmulatorConfig) -> None:
    async with running_emulator(cfg) as emu:
        print(emu.base_url, flush=True)
        await anyio.to_thread.run_sync(sys.stdin.read)  # returns at EOF: the parent closed the pipe


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator_proc")
    parser.add_argument("--model-latency", type=float, default=0.0)
    parser.add_argument("--research-seconds", type=float, default=1.5)
    parser.add_argument("--research-steps", type=int, default=4)
    args = parser.parse_args(argv)
    cfg = EmulatorConfig(
        model_latency=args.model_latency,
        research_seconds=args.research_seconds,
        research_steps=args.research_steps,
    )
    anyio.run(_serve, cfg)


if __name__ == "__main__":
    main()
