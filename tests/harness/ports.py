"""Loopback ports: a free one to bind, and the TCP state of a port as the kernel reports it (/proc/net/tcp)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A port nothing listens on right now (for a server that must be told its port, e.g. to restart on it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bound_socket() -> socket.socket:
    """A listening 127.0.0.1 socket on a free port: connections queue from now on (no bind race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


_TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class TcpConn:
    local_port: int
    remote_port: int
    state: str


def tcp_connections(port: int) -> list[TcpConn]:
    """Every TCP socket on this machine with ``port`` at one end (from /proc/net/tcp{,6})."""
    found: list[TcpConn] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="utf-8").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            lport, rport = int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)
            if port in (lport, rport):
                found.append(TcpConn(lport, rport, _TCP_STATES.get(state, state)))
    return found


def client_connections(port: int) -> list[TcpConn]:
    """The client ends of open (ESTABLISHED) connections to a server listening on ``port``."""
    return [c for c in tcp_connections(port) if c.remote_port == port and c.state == "ESTABLISHED"]
