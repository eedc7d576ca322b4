"""Turn whatever the caller has (list, pandas Series, pyarrow array) into one
clean pyarrow large_string array: nulls become "", text that is not valid
UTF-8 (lone surrogates) is repaired instead of raising."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from triage.textsafe import repair_utf8


def _clean(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repair_utf8(value if isinstance(value, str) else str(value))


def to_string_array(messages: Sequence[str] | pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous large_string array with no nulls."""
    arr = _strings(messages)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.large_string())
    return arr


def to_string_chunks(messages: Sequence[str] | pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Like to_string_array, but a chunked column stays in its chunks (string or large_string):
    no copy of the text, for readers that take and aggregate rather than scan."""
    arr = _strings(messages, widen=False)
    if isinstance(arr, pa.ChunkedArray) and not arr.num_chunks:
        return pa.array([], pa.large_string())
    return arr


def _strings(messages, widen: bool = True) -> pa.Array | pa.ChunkedArray:
    arr: pa.Array | pa.ChunkedArray | None = None
    if isinstance(messages, (pa.Array, pa.ChunkedArray)):
        arr = messages
    elif isinstance(messages, pd.Series) and isinstance(messages.dtype, pd.ArrowDtype):
        arr = pa.array(messages)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if widen:
            arr = arr.cast(pa.large_string())
    else:
        values = messages.tolist() if hasattr(messages, "tolist") else list(messages)  # type: ignore[union-attr]
        try:
            arr = pa.array(values, pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError, TypeError, ValueError):
            arr = pa.array([_clean(v) for v in values], pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return arr
