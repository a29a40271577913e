"""EmulatorClient: drive the control API of an emulator running in another process (sync httpx)."""

from __future__ import annotations

from typing import Any

from .config import Fault


class EmulatorClient:
    """Control an emulator by URL. Usable as a context manager; ``close()`` frees its connection."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, secret: str | None = None) -> None:
        """``secret``: the emulator's control secret (``EmulatorConfig.control == "secret"``)."""
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._headers = {"x-emulator-secret": secret} if secret else {}
        self._http: Any = None

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        if self._http is None:
            import httpx  # deferred: keeps `import gemini_mcp.emulator` light

            self._http = httpx.Client(base_url=self.base_url, timeout=self._timeout, headers=self._headers)
        response = self._http.request(method, path, json=json)
        if response.status_code != 200:
            raise RuntimeError(f"emulator control call {method} {path} failed: {response.status_code} {response.text}")
        return response.json()

    def add_fault(self, fault: Fault) -> None:
        self._call("POST", "/_emulator/faults", fault.to_json())

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def set_timing(self, **timing: Any) -> dict[str, Any]:
        """Change model_latency, model_latencies, research_seconds or research_steps of the running emulator."""
        data: dict[str, Any] = self._call("PUT", "/_emulator/config", timing)
        return data

    def requests(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._call("GET", "/_emulator/requests")
        return data

    def reset(self) -> None:
        self._call("POST", "/_emulator/reset")

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = self._call("GET", "/_emulator/health")
        return data
