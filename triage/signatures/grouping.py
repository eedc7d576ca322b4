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

from triage.signatures.fingerprint import Fingerprint, display, fingerprint, intro
from triage.signatures.ids import signature_id
from triage.signatures.masking import clean_key, key_mask_array, typed_mask_array
from triage.signatures.merge import PLACEHOLDER, merge_templates, shared_affixes
from triage.signatures.slots import MIN_CONSTANT_EVENTS, PLACEHOLDER_RE, fill_constants

_TRACE_PREFIX = "F\x1f"


@dataclass
class Grouping:
    ids: pa.Array  # one signature id per message (pyarrow string)
    templates: dict[str, str] = field(default_factory=dict)  # id -> readable template
    codes: pa.Array | None = None  # per message, its id's position in `templates` (when group_arrow made it)

    def template_array(self) -> pa.Array:
        """Readable template per message, aligned with `ids`."""
        keys = list(self.templates)
        idx = self.codes if self.codes is not None else pc.index_in(self.ids, value_set=pa.array(keys, pa.string()))
        return pc.take(pa.array([self.templates[k] for k in keys], pa.string()), idx)


def _samples(messages: pa.Array | pa.ChunkedArray, codes: pa.Array, n: int) -> tuple[pa.Array, pa.Array]:
    """Smallest and largest message of each key 0..n-1: representatives that do not depend on row order."""
    agg = pa.table({"k": codes, "m": messages}).group_by("k").aggregate([("m", "min"), ("m", "max")])
    order = pa.array(np.argsort(agg["k"].to_numpy()))
    lo = agg["m_min"].combine_chunks().take(order)
    hi = agg["m_max"].combine_chunks().take(order)
    return lo, hi


def _trace_keys(lo: pa.Array, keys: list[str]) -> tuple[dict[int, Fingerprint], dict[int, str]]:
    """Fingerprint the representative message of each multi-line key, and the line that introduced it."""
    found, titles = {}, {}
    for k, key in enumerate(keys):
        if "\n" in key:
            msg = lo[k].as_py()
            fp = fingerprint(msg)
            if fp is not None:
                found[k] = fp
                titles[k] = intro(msg, fp)
    return found, titles


def _agree(values: list[str]) -> str:
    """One display for several masked texts: the text when all agree, else aligned slots, else `<*>`."""
    uniq = sorted(set(values))
    if len(uniq) == 1:
        return uniq[0]
    return _align(uniq) or PLACEHOLDER


@dataclass(frozen=True)
class _Trace:
    fp: Fingerprint
    title: str  # masked introducing message ("" when the trace stands alone)
    message: str  # masked exception message

    def show(self) -> str:
        return display(self.fp, self.message, self.title)


def _trace_templates(fps: dict[int, Fingerprint], titles: dict[int, str]) -> dict[str, _Trace]:
    """Fingerprint key -> its display parts: title (introducing message) and exception message,
    each shown as the members have it when they agree, as slots where they differ."""
    if not fps:
        return {}
    ks = list(fps)
    texts = [fps[k].message for k in ks] + [titles.get(k, "") for k in ks]
    typed = typed_mask_array(pa.array(texts, pa.large_string())).to_pylist()
    msgs: dict[str, list[str]] = {}
    heads: dict[str, list[str]] = {}
    for i, k in enumerate(ks):
        msgs.setdefault(fps[k].key, []).append(typed[i])
        heads.setdefault(fps[k].key, []).append(typed[len(ks) + i])
    out = {}
    for k in ks:
        key = fps[k].key
        if key not in out:
            head = "" if "" in heads[key] else _agree(heads[key])
            out[key] = _Trace(fps[k], head, _agree(msgs[key]))
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
TRACE_SAMPLE = 40
"""Fewer for stack traces: each sampled event is fingerprinted again to read its exception message."""
MAX_CONSTANT_SIGNATURES = 5000
"""Only the commonest signatures get constants filled in; the rest keep their placeholders."""


def _spread_sample(row_sig: np.ndarray, n_sigs: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, spans): rows sorted by signature (stable), and (start, size) of each signature in it;
    a sample of k takes start + floor(i * size / k): spread over the whole input, not its head."""
    small = np.uint16 if n_sigs <= np.iinfo(np.uint16).max else np.int64
    order = np.argsort(row_sig.astype(small), kind="stable")  # 16-bit keys sort by radix: ~6x faster
    sizes = np.bincount(row_sig, minlength=n_sigs)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, np.stack([starts, sizes], axis=1)


def _filled_trace(t: _Trace, sample: pa.Array) -> str:
    title = fill_constants(t.title, sample) if t.title else ""
    excs = [fp.message for fp in map(fingerprint, sample.to_pylist()) if fp is not None]
    message = fill_constants(t.message, excs) if PLACEHOLDER_RE.search(t.message) else t.message
    return display(t.fp, message, title)


def _rows(messages: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """messages[rows] as one array; a chunked column is taken chunk by chunk (a take over the
    whole ChunkedArray costs time in proportion to all of it, not to the rows asked for)."""
    if isinstance(messages, pa.Array):
        return messages.take(pa.array(rows))
    starts = np.cumsum([0] + [len(c) for c in messages.chunks])
    which = np.searchsorted(starts, rows, side="right") - 1
    order = np.argsort(which, kind="stable")
    parts = [messages.chunks[c].take(pa.array(rows[order][which[order] == c] - starts[c])) for c in np.unique(which)]
    joined = pa.concat_arrays(parts) if parts else pa.array([], messages.type)
    return joined.take(pa.array(np.argsort(order, kind="stable")))


def _with_constants(messages: pa.Array | pa.ChunkedArray, row_sig: np.ndarray, shown: list[str | _Trace]) -> list[str]:
    """Display templates with slots that hold one value in nearly all events shown as that value."""
    order, spans = _spread_sample(row_sig, len(shown))
    out = [t.show() if isinstance(t, _Trace) else t for t in shown]
    cands = [s for s in range(len(shown)) if spans[s, 1] >= MIN_CONSTANT_EVENTS and PLACEHOLDER_RE.search(out[s])]
    for s in sorted(cands, key=lambda s: (-spans[s, 1], s))[:MAX_CONSTANT_SIGNATURES]:
        start, size = spans[s]
        part = shown[s]
        trace = part if isinstance(part, _Trace) else None
        k = min(size, TRACE_SAMPLE if trace else CONSTANT_SAMPLE)
        sample = _rows(messages, order[start + (np.arange(k) * size) // k])
        out[s] = _filled_trace(trace, sample) if trace is not None else fill_constants(out[s], sample)
    return out


def group_arrow(messages: pa.Array | pa.ChunkedArray, keys: pa.Array | None = None) -> Grouping:
    """`messages`: string array without nulls (see textin.to_string_array); chunked only with `keys`.

    `keys`: the messages already masked (key_mask_array), when the reader did it while loading;
    as strings, or dictionary-encoded in first-appearance order (what pc.dictionary_encode gives).
    """
    if len(messages) == 0:
        return Grouping(pa.array([], pa.string()), {})
    if keys is None:
        if isinstance(messages, pa.ChunkedArray):
            messages = messages.combine_chunks()
        keys = key_mask_array(messages)
    enc = keys if isinstance(keys, pa.DictionaryArray) else pc.dictionary_encode(keys)
    raw_keys = enc.dictionary.to_pylist()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes, minlength=len(raw_keys))
    lo, hi = _samples(messages, enc.indices, len(raw_keys))
    fps, titles = _trace_keys(lo, raw_keys)
    merged = merge_templates([clean_key(k) for k in raw_keys], counts.tolist())
    shown = _display(lo, hi, merged, counts)
    fp_shown = _trace_templates(fps, titles)
    final = [_TRACE_PREFIX + fps[k].key if k in fps else m for k, m in enumerate(merged)]
    names = sorted(set(final))
    sig_of = {key: i for i, key in enumerate(names)}
    per_key_sig = np.array([sig_of[key] for key in final], dtype=np.int64)
    row_sig = per_key_sig[codes]
    parts = [fp_shown[key[len(_TRACE_PREFIX):]] if key.startswith(_TRACE_PREFIX) else shown[key] for key in names]
    display_of = _with_constants(messages, row_sig, parts)
    ids = [signature_id(key) for key in names]
    templates = dict(zip(ids, display_of))
    per_key = pa.array([ids[i] for i in per_key_sig], pa.string())
    # one row per id in `templates` (ids of different names could only collide by a hash clash)
    code_of = {i: n for n, i in enumerate(templates)}
    row_code = pa.array(np.array([code_of[ids[i]] for i in per_key_sig], dtype=np.int32)).take(enc.indices)
    return Grouping(ids=pc.take(per_key, enc.indices), templates=templates, codes=row_code)
