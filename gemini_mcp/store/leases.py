"""Watcher leases: one process follows each running interaction, even when several share a data dir.

Two desktop clients may each launch `gemini-mcp` on the same data dir, and HTTP replicas may share a
database: without a lease every process would stream every running job. The holder identity is
`host:pid:nonce`; a lease expires after `lease_ttl` seconds (default `LEASE_TTL`) without renewal, and a lease held by a
dead process on this host (e.g. after `kill -9`) is taken over at once instead of after the TTL.
"""

from __future__ import annotations

import os
import socket
import uuid

from gemini_mcp.store.port import Store

LEASE_TTL = 30.0  # default of the lease_ttl setting; a holder renews all its leases every third of it


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True only when the holder is a process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


async def acquire(store: Store, interaction_id: str, holder: str, ttl: float = LEASE_TTL) -> bool:
    """Take (or renew) the lease; take it over from a dead process on this host."""
    if await store.claim(interaction_id, holder, ttl):
        return True
    current = await store.lease_holder(interaction_id)
    if current is not None and holder_is_dead(current):
        return await store.claim(interaction_id, holder, ttl, steal_from=current)
    return False
