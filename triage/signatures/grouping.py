"""From a column of messages to one signature id per message.

Only two passes touch every message, both in C++: the one-regex key mask and
the dictionary encoding of its result. Everything in Python runs on unique
masked keys (thousands, not millions): cutting multi-line keys to their first
line, stack-trace fingerprints, merging, hashing, display templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from triage.signatures.fingerprint import Fingerprint, display, fingerprint
from triage.signatures.ids import signature_id
from triage.signatures.masking import clean_key, key_mask_array, typed_mask_array
from triage.signatures.merge import PLACEHOLDER, merge_templates, shared_affixes
from triage.signatures.slots import MIN_CONSTANT_EVENTS, PLACEHOLDER_RE, fill_constants

_TRACE_PREFIX = "F\x1f"


@dataclass
class Grouping:
    ids: pa.Array  # one signature id per message (pyarrow string)
    templates: dict[str, str] = field(default_factory=dict)  # id -> readable template

    def template_array(self) -> pa.Array:
        """Readable template per message, aligned with `ids`."""
        keys = list(self.templates)
        idx = pc.index_in(self.ids, value_set=pa.array(keys, pa.string()))
        return pc.take(pa.array([self.templates[k] for k in keys], pa.string()), idx)


def _samples(messages: pa.Array, codes: pa.Array, n: int) -> tuple[pa.Array, pa.Array]:
    """Smallest and largest message of each key 0..n-1: representatives that do not depend on row order."""
    agg = pa.table({"k": codes, "m": messages}).group_by("k").aggregate([("m", "min"), ("m", "max")])
    order = pa.array(np.argsort(agg["k"].to_numpy()))
    lo = agg["m_min"].combine_chunks().take(order)
    hi = agg["m_max"].combine_chunks().take(order)
    return lo, hi


def _trace_keys(lo: pa.Array, keys: list[str]) -> dict[int, Fingerprint]:
    """Fingerprint the representative message of each multi-line key."""
    found = {}
    for k, key in enumerate(keys):
        if "\n" in key:
            fp = fingerprint(lo[k].as_py())
            if fp is not None:
                found[k] = fp
    return found


def _trace_templates(fps: dict[int, Fingerprint]) -> dict[str, str]:
    """Fingerprint key -> display; the exception message is shown when all members agree."""
    if not fps:
        return {}
    shown = typed_mask_array(pa.array([fp.message for fp in fps.values()], pa.large_string())).to_pylist()
    variants: dict[str, set[str]] = {}
    for fp, msg in zip(fps.values(), shown):
        variants.setdefault(fp.key, set()).add(msg)
    out = {}
    for fp in fps.values():
        v = variants[fp.key]
        out[fp.key] = display(fp, next(iter(v)) if len(v) == 1 else PLACEHOLDER)
    return out


MAX_SAMPLES = 8
"""Representative messages per signature typed for its display template."""


def _slot(values: set[str]) -> str:
    """`<*>` keeping what every value shares around it: "rhost=<IP>", "rhost=x" -> "rhost=<*>"."""
    head, tail = shared_affixes(sorted(values))
    return head + PLACEHOLDER + tail


def _align(typed: list[str]) -> str | None:
    """One template from several typed samples: equal tokens stay, others become a slot."""
    if len(set(typed)) == 1:
        return typed[0]
    rows = [t.split() for t in typed]
    if len({len(r) for r in rows}) != 1:
        return None
    return " ".join(col[0] if len(set(col)) == 1 else _slot(set(col)) for col in zip(*rows))


def _display(lo: pa.Array, hi: pa.Array, merged: list[str], counts: np.ndarray) -> dict[str, str]:
    """Merged key -> readable template from typed samples of its commonest keys; else the key."""
    groups: dict[str, list[int]] = {}
    for k, m in enumerate(merged):
        groups.setdefault(m, []).append(k)
    order: list[str] = []
    rows: list[int] = []
    for m, ks in groups.items():
        top = sorted(ks, key=lambda k: (-counts[k], k))[:MAX_SAMPLES]
        order.extend([m] * (len(top) + 1))
        rows.extend(top + [len(lo) + top[0]])  # the smallest of each, and the largest of the commonest
    both = pa.concat_arrays([lo, hi])
    typed = typed_mask_array(both.take(pa.array(rows, pa.int64()))).to_pylist()
    samples: dict[str, list[str]] = {}
    for m, t in zip(order, typed):
        samples.setdefault(m, []).append(t)
    return {m: _align(samples[m]) or m for m in groups}


CONSTANT_SAMPLE = 200
"""Events per signature (evenly spread over the input) read to find slots that hold one value."""
MAX_CONSTANT_SIGNATURES = 5000
"""Only the commonest signatures get constants filled in; the rest keep their placeholders."""


def _spread_sample(row_sig: np.ndarray, n_sigs: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): rows sorted by signature (stable), and where each signature starts; sample
    positions are then starts[s] + floor(i * size / k), spread over the whole input, not its head."""
    order = np.argsort(row_sig, kind="stable")
    sizes = np.bincount(row_sig, minlength=n_sigs)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, np.stack([starts, sizes], axis=1)


def _with_constants(messages: pa.Array, row_sig: np.ndarray, names: list[str], shown: list[str],
                    traces: set[int]) -> list[str]:
    """Display templates with slots that hold one value in nearly all events shown as that value."""
    order, spans = _spread_sample(row_sig, len(names), CONSTANT_SAMPLE)
    cands = [s for s in range(len(names)) if s not in traces and spans[s, 1] >= MIN_CONSTANT_EVENTS
             and PLACEHOLDER_RE.search(shown[s])]
    cands = sorted(cands, key=lambda s: (-spans[s, 1], s))[:MAX_CONSTANT_SIGNATURES]
    out = list(shown)
    for s in cands:
        start, size = spans[s]
        k = min(size, CONSTANT_SAMPLE)
        rows = order[start + (np.arange(k) * size) // k]
        out[s] = fill_constants(shown[s], messages.take(pa.array(rows)))
    return out


def group_arrow(messages: pa.Array) -> Grouping:
    """`messages`: large_string array without nulls (see textin.to_string_array)."""
    if len(messages) == 0:
        return Grouping(pa.array([], pa.string()), {})
    enc = pc.dictionary_encode(key_mask_array(messages))
    raw_keys = enc.dictionary.to_pylist()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes, minlength=len(raw_keys))
    lo, hi = _samples(messages, enc.indices, len(raw_keys))
    fps = _trace_keys(lo, raw_keys)
    merged = merge_templates([clean_key(k) for k in raw_keys])
    shown = _display(lo, hi, merged, counts)
    fp_shown = _trace_templates(fps)
    final = [_TRACE_PREFIX + fps[k].key if k in fps else m for k, m in enumerate(merged)]
    names = sorted(set(final))
    sig_of = {key: i for i, key in enumerate(names)}
    per_key_sig = np.array([sig_of[key] for key in final], dtype=np.int64)
    row_sig = per_key_sig[codes]
    display_of = [fp_shown[key[len(_TRACE_PREFIX):]] if key.startswith(_TRACE_PREFIX) else shown[key] for key in names]
    traces = {i for i, key in enumerate(names) if key.startswith(_TRACE_PREFIX)}
    display_of = _with_constants(messages, row_sig, names, display_of, traces)
    ids = [signature_id(key) for key in names]
    templates = dict(zip(ids, display_of))
    per_key = pa.array([ids[i] for i in per_key_sig], pa.string())
    return Grouping(ids=pc.take(per_key, enc.indices), templates=templates)
