"""Stable short signature ids: the same template gives the same id everywhere."""

from __future__ import annotations

import hashlib

ID_HEX_CHARS = 10


def signature_id(key: str) -> str:
    """10 hex chars of BLAKE2b over the UTF-8 key (no salt, no process-dependent hash)."""
    data = key.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=ID_HEX_CHARS // 2).hexdigest()
