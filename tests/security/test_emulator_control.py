"""The emulator's control API (recorded requests with mcp_servers headers, fault injection) is not for a
foreign page: every route checks Host and Origin exactly, the embedded emulator has no control API at all,
and the standalone one wants the secret it printed."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import anyio
import httpx2
import pytest

from gemini_mcp.cli.serve import start_emulator
from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorClient, EmulatorConfig, EmulatorThread, Fault, running_emulator

FOREIGN_HOSTS = ["evil.example", "evil.example:{port}", "localhost:80.evil.example", "127.0.0.1:{port}.evil.example"]
FOREIGN_ORIGINS = ["https://evil.example", "http://localhost:{port}.evil.example", "null", "http://127.0.0.1:1"]


async def test_the_control_api_refuses_a_foreign_host_or_origin() -> None:
    async with running_emulator(EmulatorConfig()) as emu, httpx2.AsyncClient(base_url=emu.base_url) as http:
        port = int(emu.base_url.rsplit(":", 1)[1])
        emu.add_fault(Fault(kind="status", status=503, count=5))
        with anyio.fail_after(30):
            for host in FOREIGN_HOSTS:
                for method, path in (("GET", "/_emulator/requests"), ("POST", "/_emulator/reset")):
                    r = await http.request(method, path, headers={"Host": host.format(port=port)})
                    assert r.status_code == 421, (host, path, r.status_code)
                r = await http.post("/v1beta/interactions", json={}, headers={"Host": host.format(port=port)})
                assert r.status_code == 421
            for origin in FOREIGN_ORIGINS:
                r = await http.post(
                    "/_emulator/faults",
                    json={"kind": "delay", "delay": 5},
                    headers={"Origin": origin.format(port=port)},
                )
                assert r.status_code == 403, (origin, r.status_code)
            own = await http.get("/_emulator/requests", headers={"Origin": emu.base_url})
        assert own.status_code == 200 and own.json() == []  # nothing foreign was recorded
        assert len(emu.store.faults) == 1  # the injected faults were not touched, none added


def test_the_embedded_emulator_has_no_control_api(tmp_path: Path) -> None:
    settings = Settings.model_validate({"data_dir": tmp_path, "emulator": "on"})
    with ExitStack() as stack:
        served, _ = start_emulator(settings, stack)
        assert served.base_url is not None and served.base_url.startswith("http://127.0.0.1:")
        with httpx2.Client(base_url=served.base_url, timeout=10) as http:
            assert http.get("/_emulator/requests").status_code == 404
            assert http.post("/_emulator/faults", json={"kind": "status"}).status_code == 404
            assert http.get("/_emulator/requests", headers={"Host": "evil.example"}).status_code == 421


def test_a_secret_control_api_wants_its_secret() -> None:
    with EmulatorThread(EmulatorConfig(control="secret")) as emu:
        secret = emu.config.control_secret
        assert secret and len(secret) >= 24
        with EmulatorClient(emu.base_url) as stranger, pytest.raises(RuntimeError, match="403"):
            stranger.requests()
        with (
            EmulatorClient(emu.base_url, secret="x" * len(secret)) as guesser,
            pytest.raises(RuntimeError, match="403"),
        ):
            guesser.requests()
        with EmulatorClient(emu.base_url, secret=secret) as owner:
            assert owner.requests() == []
