"""Generated event messages for the id-stability tests, built column-wise (a million in about a second)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

USERS = [f"{a}{b}" for a in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi") for b in ("", "_ops", "2")]
HOSTS = ["db.prod", "db.replica", "mock-payments.internal", "cache-1.local", "cache-2.local"]
FILES = ["report.csv", "report.json", "export.pdf", "notes.txt", "dump.sql.gz"]


def _pick(rng, values, n):
    return pa.array(values, pa.string()).take(pa.array(rng.integers(0, len(values), n)))


def _num(rng, n, hi):
    return pa.array(rng.integers(0, hi, n)).cast(pa.string())


def _columns(rng, n: int) -> list:
    j = pc.binary_join_element_wise
    return [
        lambda m: j("user ", _pick(rng, USERS, m), " logged in from 10.0.", _num(rng, m, 255), ".", _num(rng, m, 255), ""),
        lambda m: j("connect to host=", _pick(rng, HOSTS, m), " port=5432 failed after ", _num(rng, m, 900), " ms", ""),
        lambda m: j("provider responded 401 Unauthorized for order ord-", _num(rng, m, 10**6), ""),
        lambda m: j("feature flag new_checkout=", _pick(rng, ["true", "false"], m), " for user ", _pick(rng, USERS, m), ""),
        lambda m: j("uploaded ", _pick(rng, FILES, m), " (", _num(rng, m, 5000), " KB) for ", _pick(rng, USERS, m), ""),
        lambda m: j("cache miss key=session:", _num(rng, m, 10**8), ""),
        lambda m: j("worker ", _num(rng, m, 64), " started", ""),
        lambda m: j("worker ", _num(rng, m, 64), " stopped", ""),
        lambda m: j("GET /api/orders/", _num(rng, m, 10**5), " 200 ", _num(rng, m, 300), "ms", ""),
        lambda m: j("POST /api/orders 502 Bad Gateway upstream=", _pick(rng, HOSTS, m), ""),
    ]


def messages(n: int, seed: int = 11) -> pa.Array:
    """n messages from ten templates with numbers, hex ids, user names, hosts, booleans, file names.

    Each template's rows are built in one go, then put in a random order (no per-row Python)."""
    rng = np.random.default_rng(seed)
    makers = _columns(rng, n)
    which = rng.integers(0, len(makers), n)
    sizes = np.bincount(which, minlength=len(makers))
    parts = pa.concat_arrays([makers[k](int(sizes[k])).cast(pa.large_string()) for k in range(len(makers))])
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.argsort(which, kind="stable")] = np.arange(n)
    return parts.take(pa.array(inverse))
