"""Signatures: one id per log message, the same id for the same kind of event.

Pipeline (vectorised where the data is big, Python only on unique values):
  1. deduplicate messages (dictionary encoding);
  2. mask variable parts of each unique message's first line (RE2 via pyarrow);
  3. fingerprint multi-line messages that carry a stack trace (Sentry-like);
  4. merge masked templates that differ only where values vary;
  5. id = short stable hash of the template / fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.signatures.fingerprint import display, fingerprint
from triage.signatures.ids import signature_id
from triage.signatures.masking import mask_array
from triage.signatures.merge import merge_templates
from triage.signatures.textin import to_string_array

__all__ = ["Grouping", "group_messages", "add_signatures", "signature_id"]

_STR = pd.ArrowDtype(pa.string())


@dataclass
class Grouping:
    ids: pa.Array  # one signature id per message (pyarrow string)
    templates: dict[str, str] = field(default_factory=dict)  # id -> readable template

    def template_array(self) -> pa.Array:
        """Readable template per message, aligned with `ids`."""
        keys = list(self.templates)
        idx = pc.index_in(self.ids, value_set=pa.array(keys, pa.string()))
        return pc.take(pa.array([self.templates[k] for k in keys], pa.string()), idx)


def _fingerprints(uniques: pa.Array, masked: list[str]) -> dict[int, tuple[str, str]]:
    """unique index -> (key, template) for multi-line messages with a stack trace."""
    multi = pc.indices_nonzero(pc.match_substring(uniques, "\n")).to_pylist()
    found = {}
    for i in multi:
        fp = fingerprint(uniques[i].as_py())
        if fp is not None:
            found[i] = fp
    if not found:
        return {}
    msgs = mask_array(pa.array([fp.message for fp in found.values()], pa.large_string())).to_pylist()
    shown: dict[str, set[str]] = {}
    for fp, m in zip(found.values(), msgs):
        shown.setdefault(fp.key, set()).add(m)
    out = {}
    for i, fp in found.items():
        variants = shown[fp.key]
        out[i] = ("F\x1f" + fp.key, display(fp, next(iter(variants)) if len(variants) == 1 else "<*>"))
    return out


def group_messages(messages: Sequence[str] | pd.Series | pa.Array | pa.ChunkedArray) -> Grouping:
    """Signature id per message plus id -> template. Never raises on odd text."""
    arr = to_string_array(messages)
    if len(arr) == 0:
        return Grouping(pa.array([], pa.string()), {})
    enc = pc.dictionary_encode(arr)
    uniques, codes = enc.dictionary, enc.indices
    masked_enc = pc.dictionary_encode(mask_array(uniques))
    templates = masked_enc.dictionary.to_pylist()
    counts = pc.value_counts(pc.take(masked_enc.indices, codes)).to_pylist()
    tcount = [0] * len(templates)
    for vc in counts:
        tcount[vc["values"]] = vc["counts"]
    merged = merge_templates(templates, tcount)
    typed: dict[str, set[str]] = {}
    for t, k in zip(templates, merged):
        typed.setdefault(k, set()).add(t)
    # Show the typed template (`<NUM>`, `<IP>` ...) when the group has only one.
    shown_by_key = {k: next(iter(v)) if len(v) == 1 else k for k, v in typed.items()}
    keys = [merged[t] for t in masked_enc.indices.to_pylist()]
    shown = [shown_by_key[k] for k in keys]
    for i, (key, tpl) in _fingerprints(uniques, templates).items():
        keys[i], shown[i] = key, tpl
    ids_per_unique = [signature_id(k) for k in keys]
    tmap = dict(zip(ids_per_unique, shown))
    ids = pc.take(pa.array(ids_per_unique, pa.string()), codes)
    return Grouping(ids=ids, templates=tmap)


def add_signatures(events: pd.DataFrame) -> pd.DataFrame:
    """The event table with `signature` and `template` columns (pyarrow strings) added."""
    out = events.copy()
    g = group_messages(events["message"] if "message" in events else pd.Series([], dtype=_STR))
    out["signature"] = pd.Series(pd.arrays.ArrowExtensionArray(g.ids), index=events.index, dtype=_STR)
    out["template"] = pd.Series(pd.arrays.ArrowExtensionArray(g.template_array()), index=events.index, dtype=_STR)
    return out
