"""A principal who can write inside a file root races the server: swaps a checked path for a symlink, a FIFO,
or a file that grows past the cap, between the check and the read. Nothing from outside the roots (a file
outside, ``/proc/self/environ``, the tokens file) may reach Gemini (here: the emulator's recorded requests),
no file over the cap may be sent, and ``/healthz`` keeps answering within a second throughout.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from collections.abc import AsyncGenerator, Callable
from pathlib import Path

import anyio
import pytest
from mcp import Client

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client

from .attack import ALICE, BOB, background, roomy_client, team_server, team_settings, text, warm_up, watching_healthz

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")]

OUTSIDE_MARKER = "OUTSIDE-THE-ROOTS-7b3e1f"
SAFE = "SAFE-CONTENT-inside-the-root"
MiB = 1024 * 1024
CALLS = 320
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


def environ_markers() -> list[str]:
    """Entries of this process's /proc/self/environ that would show in a request body if it leaked."""
    raw = Path("/proc/self/environ").read_bytes().decode("utf-8", "replace").split("\0")
    return [e for e in raw if len(e) > 12 and '"' not in e and "\\" not in e][:8]


def swap_symlinks(root: Path, name: str, targets: list[Path]) -> Callable[[], None]:
    """One step: atomically make ``root/name`` a regular SAFE file, then a symlink to the next target."""
    turn = [0]

    def step() -> None:
        path = root / name
        regular = root / f".{name}.regular"
        regular.write_text(SAFE, encoding="utf-8")
        os.replace(regular, path)
        link = root / f".{name}.link"
        link.unlink(missing_ok=True)
        link.symlink_to(targets[turn[0] % len(targets)])
        os.replace(link, path)
        turn[0] += 1

    return step


def swap_directory(root: Path, outside: Path) -> Callable[[], None]:
    """One step: ``root/sub`` is a real directory, then a symlink to a directory outside the roots."""

    def step() -> None:
        real, link = root / "sub", root / "sub-real"
        os.rename(real, link)
        real.symlink_to(outside, target_is_directory=True)
        real.unlink()
        os.rename(link, real)

    return step


async def hammer(client: Client, files: list[list[str]], calls: int, outcomes: Counter[str]) -> None:
    async def worker(n: int) -> None:
        for i in range(n, calls, 4):
            with anyio.fail_after(30):
                result = await client.call_tool("ask_gemini", {"prompt": f"race {i}", "files": files[i % len(files)]})
            outcomes["error" if result.is_error else "ok"] += 1
            if result.is_error:
                message = text(result)
                assert "Error executing tool ask_gemini: files[0]" in message, message
                for secret in (OUTSIDE_MARKER, ALICE, BOB):
                    assert secret not in message

    async with anyio.create_task_group() as tg:
        for n in range(4):
            tg.start_soon(worker, n)


async def test_symlink_and_directory_swaps_never_send_bytes_from_outside_the_roots(
    emu: Emulator, tmp_path: Path
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text(OUTSIDE_MARKER, encoding="utf-8")
    (outside / "race.txt").write_text(OUTSIDE_MARKER, encoding="utf-8")
    (root / "sub" / "race.txt").write_text(SAFE, encoding="utf-8")
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"alice:{ALICE}\nbob:{BOB}\n", encoding="utf-8")
    targets = [outside / "secret.txt", Path("/proc/self/environ"), tokens]
    settings = team_settings(
        emu.base_url, tmp_path / "data", http_tokens=None, http_tokens_file=tokens, file_roots=[root]
    )
    outcomes: Counter[str] = Counter()
    async with team_server(settings) as url, http_client(url, ALICE) as client:
        await warm_up(client)
        emu.reset()
        async with watching_healthz(url) as health:
            with background(swap_symlinks(root, "race.txt", targets)) as swaps:
                await hammer(client, [["race.txt"]], CALLS, outcomes)
            with background(swap_directory(root, outside)) as dir_swaps:
                await hammer(client, [["sub/race.txt"]], CALLS // 2, outcomes)
    assert swaps[0] > 100 and dir_swaps[0] > 50, (swaps, dir_swaps)
    assert outcomes["ok"] > 0 and outcomes["error"] > 0, outcomes  # both sides of the race were hit
    bodies = [json.dumps(r.body, ensure_ascii=False) for r in emu.requests if r.method == "POST"]
    assert len(bodies) == outcomes["ok"]
    leaks = [*environ_markers(), OUTSIDE_MARKER, ALICE, BOB]
    for body in bodies:
        assert SAFE in body
        for secret in leaks:
            assert secret not in body, "a file outside the roots reached Gemini"
    health.assert_healthy()


def inline_data(value: object) -> list[str]:
    """Every base64 ``data`` field anywhere in a request body."""
    if isinstance(value, dict):
        found = [value["data"]] if isinstance(value.get("data"), str) else []
        return found + [d for v in value.values() for d in inline_data(v)]
    if isinstance(value, list):
        return [d for v in value for d in inline_data(v)]
    return []


def grow(path: Path) -> Callable[[], None]:
    """One step: truncate text file ``path``, then append 256 KiB at a time up to 2.25 MiB (the text cap is 2)."""
    chunk = "g" * (MiB // 4)

    def step() -> None:
        with path.open("w", encoding="utf-8") as handle:
            for _ in range(9):
                handle.write(chunk)
                handle.flush()

    return step


def longest_text(value: object) -> int:
    """The longest ``text`` field anywhere in a request body."""
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return max([own, *(longest_text(v) for v in value.values())])
    if isinstance(value, list):
        return max([0, *(longest_text(v) for v in value)])
    return 0


def swap_sizes(root: Path) -> Callable[[], None]:
    """One step: ``root/swap.png`` becomes a 1 KiB PNG, then a 21 MiB one (atomic renames of prepared files)."""
    small, big = root / ".small.png", root / ".big.png"

    def step() -> None:
        for source in (small, big):
            staged = source.with_suffix(".staged")
            os.link(source, staged)
            os.replace(staged, root / "swap.png")

    small.write_bytes(PNG_HEAD + b"\0" * 1024)
    big.write_bytes(PNG_HEAD + b"\0" * (21 * MiB))
    return step


async def test_a_growing_or_swapped_file_never_passes_the_cap(emu: Emulator, tmp_path: Path) -> None:
    """A text file grown past the 2 MiB text cap while it is read, and a media file swapped between 1 KiB and
    21 MiB (over the 20 MiB cap): nothing over its cap is ever sent."""
    root = tmp_path / "root"
    root.mkdir()
    settings = team_settings(emu.base_url, tmp_path / "data", file_roots=[root])
    largest_media = largest_text = 0
    outcomes: Counter[str] = Counter()
    async with team_server(settings) as url, roomy_client(url, ALICE) as client:
        await warm_up(client)
        emu.reset()
        async with watching_healthz(url) as health:
            with background(grow(root / "grow.txt")), background(swap_sizes(root)):
                for i in range(60):
                    name = "grow.txt" if i % 2 else "swap.png"
                    with anyio.fail_after(60):
                        result = await client.call_tool("ask_gemini", {"prompt": f"size {i}", "files": [name]})
                    outcomes[f"{name} {'error' if result.is_error else 'ok'}"] += 1
                    if result.is_error:
                        assert "may be at most 2 MiB" in text(result) or "may be at most 20 MiB" in text(result), text(
                            result
                        )
                    for request in emu.requests:
                        largest_media = max(
                            [largest_media, *(len(base64.b64decode(d)) for d in inline_data(request.body))]
                        )
                        largest_text = max(largest_text, longest_text(request.body))
                    emu.reset()  # the recorded bodies are large: check each call's, then forget them
    assert all(outcomes[f"{n} {o}"] > 0 for n in ("grow.txt", "swap.png") for o in ("ok", "error")), outcomes
    assert 0 < largest_media <= 20 * MiB
    assert 0 < largest_text <= 2 * MiB + 100  # the file's bytes plus its <file name=...> wrapper
    health.assert_healthy()


def swap_fifo(root: Path) -> Callable[[], None]:
    """One step: ``root/pipe.txt`` becomes a regular file, then a FIFO nobody writes to."""

    def step() -> None:
        regular, fifo = root / ".pipe.regular", root / ".pipe.fifo"
        regular.write_text(SAFE, encoding="utf-8")
        os.replace(regular, root / "pipe.txt")
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo)
        os.replace(fifo, root / "pipe.txt")

    return step


async def test_a_fifo_swapped_in_never_blocks_the_server(emu: Emulator, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    settings = team_settings(emu.base_url, tmp_path / "data", file_roots=[root])
    outcomes: Counter[str] = Counter()
    async with team_server(settings) as url, http_client(url, ALICE) as client:
        await warm_up(client)
        emu.reset()
        async with watching_healthz(url) as health:
            with background(swap_fifo(root)):
                for i in range(150):
                    with anyio.fail_after(10):
                        result = await client.call_tool("ask_gemini", {"prompt": f"fifo {i}", "files": ["pipe.txt"]})
                    if result.is_error:
                        assert "is not a regular file" in text(result), text(result)
                    outcomes["error" if result.is_error else "ok"] += 1
            with anyio.fail_after(10):  # still serving afterwards
                after = await client.call_tool("ask_gemini", {"prompt": "still there?"})
    assert not after.is_error, text(after)
    assert outcomes["ok"] > 0 and outcomes["error"] > 0, outcomes
    health.assert_healthy()
