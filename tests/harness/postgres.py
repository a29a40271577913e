"""A throwaway PostgreSQL cluster for tests: `initdb` + `pg_ctl` in a temp dir on a free loopback port.

One cluster per test session (`PostgresCluster.start`), one fresh database per test (`new_database`).
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user (Debian's package
creates it) or `nobody`. `.ci/run` installs Debian's `postgresql` package when `initdb` is missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.harness.ports import free_port

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)  # newest major version first
START_TIMEOUT = 60


def pg_tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL (Debian: apt-get install -y postgresql)")
    return found


def _run_as() -> list[str]:
    """The command prefix that runs the server as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root without a 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class PostgresCluster:
    root: Path
    port: int
    prefix: list[str]

    @classmethod
    def start(cls) -> PostgresCluster:
        root = Path(tempfile.mkdtemp(prefix="gemini-mcp-pg-"))
        prefix = _run_as()
        if prefix:
            shutil.chown(root, user=prefix[2])
        cluster = cls(root, free_port(), prefix)
        data = root / "data"
        cluster._run(pg_tool("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        cluster._run(pg_tool("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        return cluster

    def _run(self, *command: str) -> None:
        subprocess.run([*self.prefix, *command], check=True, capture_output=True, timeout=START_TIMEOUT, cwd=self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def _psql(self, sql: str) -> None:
        subprocess.run(
            [pg_tool("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c", sql],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )

    def stop(self) -> None:
        try:
            self._run(pg_tool("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
