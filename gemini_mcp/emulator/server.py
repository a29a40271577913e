"""Running the emulator: in the current event loop (:func:`running_emulator`) or in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import socket
import threading
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any

import uvicorn

from .app import build_app
from .config import EmulatorConfig, Fault
from .faults import add_fault, clear_faults
from .sse import DropStreamCutLogs
from .store import Persistence, RecordedRequest, Store

log = logging.getLogger("gemini_mcp.emulator")
_cut_filter = DropStreamCutLogs()


class Emulator:
    """A running emulator: its URL, what it received, and fault injection."""

    def __init__(
        self, store: Store, base_url: str, loop: asyncio.AbstractEventLoop, serving: asyncio.Task[None] | None = None
    ) -> None:
        self.store = store
        self._serving = serving
        self.base_url = base_url
        self.config = store.config
        self._loop = loop

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.store.lock:
            return list(self.store.requests)

    def streams_peak(self) -> dict[str, int]:
        """Per interaction, the most event streams that were ever open for it at once."""
        with self.store.lock:
            return dict(self.store.streams_peak)

    def add_fault(self, fault: Fault) -> None:
        add_fault(self.store, fault)

    def clear_faults(self) -> None:
        clear_faults(self.store)

    def reset(self) -> None:
        """Forget interactions, recorded requests and faults."""
        self._call(self.store.reset)

    async def serve_forever(self) -> None:
        """Wait until the HTTP server stops (e.g. on SIGINT/SIGTERM)."""
        if self._serving is not None:
            await asyncio.shield(self._serving)

    async def wait_finished(self, interaction_id: str) -> None:
        """Wait (in the emulator's own loop) until an interaction has emitted its last event."""
        inter = self.store.interactions.get(interaction_id)
        while inter is not None and not inter.finished and not inter.closed:
            await inter.changed.wait()

    def _call(self, fn: Any) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            fn()
            return

        async def run() -> None:
            fn()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)


class _Server(uvicorn.Server):
    """uvicorn's server, woken by an event instead of a 0.1 s polling tick (quicker stop in tests)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def stop(self) -> None:
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000  # on_tick refreshes the Date header when counter % 10 == 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 1.0)
            should_exit = await self.on_tick(counter)


def _open_persistence(config: EmulatorConfig) -> Persistence | None:
    if config.state_path is None:
        return None
    from .persistence import SqlitePersistence

    return SqlitePersistence(config.state_path)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted sockets on Linux; asyncio also sets TCP_NODELAY on each connection.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def running_emulator(config: EmulatorConfig | None = None) -> AsyncGenerator[Emulator]:
    """Serve the emulator with uvicorn on ``config.host:config.port`` (0 = a free port) in this loop."""
    config = config or EmulatorConfig()
    if config.control == "secret" and not config.control_secret:
        config = dataclasses.replace(config, control_secret=secrets.token_urlsafe(24))
    logging.getLogger("uvicorn.error").addFilter(_cut_filter)
    persistence = _open_persistence(config)
    store = Store(config, persistence)
    if persistence is not None:
        for inter in persistence.load_all():
            store.interactions[inter.id] = inter
            inter.advance()
    sock = _listen(config.host, config.port)
    port = sock.getsockname()[1]
    server = _Server(
        uvicorn.Config(
            build_app(store, port=port),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=2,
        )
    )
    scheduler = asyncio.create_task(store.run_scheduler(), name="emulator-scheduler")
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="emulator-uvicorn")
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the emulator's HTTP server stopped during start-up")
            await asyncio.sleep(0.005)
        host = f"[{config.host}]" if ":" in config.host else config.host
        yield Emulator(store, f"http://{host}:{port}", asyncio.get_running_loop(), serving)
    finally:
        store.shutdown()
        server.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        sock.close()
        if persistence is not None:
            persistence.close()


class EmulatorThread:
    """``with EmulatorThread(cfg) as emu:`` serves the emulator from a daemon thread with its own loop."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._ready = threading.Event()
        self._emulator: Emulator | None = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="gemini-mcp-emulator", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the thread that called start()
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running_emulator(self.config) as emu:
            self._emulator = emu
            self._ready.set()
            await self._stop.wait()

    def start(self) -> Emulator:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise RuntimeError(f"the emulator thread failed to start: {self._error}") from self._error
        if self._emulator is None:
            raise RuntimeError("the emulator thread did not start within 30 s")
        return self._emulator

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=10)

    @property
    def emulator(self) -> Emulator:
        if self._emulator is None:
            raise RuntimeError("the emulator thread is not running; use `with EmulatorThread(...) as emu:`")
        return self._emulator

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.emulator.requests

    def add_fault(self, fault: Fault) -> None:
        self.emulator.add_fault(fault)

    def clear_faults(self) -> None:
        self.emulator.clear_faults()

    def reset(self) -> None:
        self.emulator.reset()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
