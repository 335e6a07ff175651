"""Random (version 4) UUIDs as text, for ids minted by the thousand.

NOTE: `str(uuid.uuid4())` asks the kernel for 16 bytes per id and builds a UUID object on the
way; routing mints two ids per task, and the two were ~10 % of a warning process's samples. The
same kernel randomness is drawn 4 KiB at a time here, per thread and
per process (no id is handed out twice).
"""

import os
import threading

_DRAW = 4096
_local = threading.local()


def _forget_pool() -> None:
    _local.pool = None  # a forked child must never hand out its parent's ids


os.register_at_fork(after_in_child=_forget_pool)


def uuid4_text() -> str:
    """A random UUID in its canonical text form, as `str(uuid.uuid4())` gives."""
    pool: bytes | None = getattr(_local, "pool", None)
    at: int = getattr(_local, "at", _DRAW)
    if pool is None or at >= _DRAW:
        pool, at = os.urandom(_DRAW), 0
        _local.pool = pool
    raw = bytearray(pool[at : at + 16])
    _local.at = at + 16
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
