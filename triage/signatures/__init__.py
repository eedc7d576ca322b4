"""Signatures: one id per log message, the same id for the same kind of event.

    mask variable parts (one RE2 pass over the column) -> deduplicate ->
    stack-trace fingerprint for multi-line messages (Sentry-like) ->
    merge templates that differ only where values vary -> short stable id.

One default configuration for every log; no Textual import.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.signatures.grouping import Grouping, group_arrow
from triage.signatures.ids import signature_id
from triage.signatures.masking import key_mask_block
from triage.signatures.textin import to_string_array, to_string_chunks

__all__ = ["Grouping", "KEY_COLUMN", "group_messages", "add_signatures", "mask_keys", "signature_id"]

_STR = pd.ArrowDtype(pa.string())


def group_messages(messages: Sequence[str] | pd.Series | pa.Array | pa.ChunkedArray) -> Grouping:
    """Signature id per message plus id -> readable template. Never raises on odd text.

    Ids are 10 hex chars of a hash of the (merged) template, so the same
    template gives the same id on every run and machine. Merging looks at the
    whole batch: a slot is only recognised as variable when it varies here.
    """
    return group_arrow(to_string_array(messages))


KEY_COLUMN = "_mask_key"
"""Masked messages a reader may add while it loads (the file reader's parse threads do, where the
GIL-free regex pass fills the second core); add_signatures uses and drops it."""


def mask_keys(messages: pd.Series) -> pd.Series:
    """The KEY_COLUMN for one block of events (see key_mask_array), dictionary-encoded: a block's
    events share a few hundred keys, so it holds 4 bytes per event while the load goes on."""
    keys = pc.dictionary_encode(key_mask_block(to_string_array(messages)))
    return pd.Series(pd.arrays.ArrowExtensionArray(keys), index=messages.index)


def key_codes(column: pd.Series) -> pa.Array:
    """KEY_COLUMN over many blocks as one dictionary array, exactly what pc.dictionary_encode of its
    text gives (first-appearance order, only keys in use): the blocks' dictionaries are unified and
    the codes encoded again, so the text of the keys is never spelled out per event."""
    arr = pa.array(column)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    if not chunks or not all(pa.types.is_dictionary(c.type) for c in chunks):
        return to_string_array(column)
    unified = pa.chunked_array(chunks, chunks[0].type).unify_dictionaries()
    values = unified.chunks[0].dictionary if unified.num_chunks else pa.array([], pa.string())
    used = pc.dictionary_encode(pa.concat_arrays([c.indices for c in unified.chunks]))
    return pa.DictionaryArray.from_arrays(used.indices, values.take(used.dictionary))


def add_signatures(events: pd.DataFrame) -> pd.DataFrame:
    """The event table with `signature` and `template` columns (pyarrow strings) added."""
    keys = None
    if KEY_COLUMN in events:
        column = events[KEY_COLUMN]
        keys = key_codes(column) if column.notna().all() else None  # frames without it (another reader): masked again
        events = events.drop(columns=KEY_COLUMN)
    out = events.copy()
    msgs = events["message"] if "message" in events else pd.Series([""] * len(events), dtype=_STR)
    g = group_arrow(to_string_chunks(msgs) if keys is not None else to_string_array(msgs), keys)
    out["signature"] = pd.Series(pd.arrays.ArrowExtensionArray(g.ids), index=events.index, dtype=_STR)
    out["template"] = pd.Series(pd.arrays.ArrowExtensionArray(g.template_array()), index=events.index, dtype=_STR)
    return out
