"""Bytes in, clean lines out: decompression, UTF-8 repair and line clipping, all counted.

Lines travel as one pyarrow string array so a million of them cost no Python objects.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from triage.events import MAX_RAW_CHARS, LoadReport


def _zstd(data: bytes) -> bytes:
    """Zstandard frames, also streamed ones without a content size and several frames in a row."""
    import zstandard

    parts = []
    while data:
        obj = zstandard.ZstdDecompressor().decompressobj()
        try:
            parts.append(obj.decompress(data))
        except zstandard.ZstdError as exc:
            raise ValueError(str(exc)) from None
        if not obj.eof:
            raise EOFError("truncated zstd frame")
        data = obj.unused_data
    return b"".join(parts)

_MAGIC = {
    b"\x1f\x8b": gzip.decompress,
    b"BZh": bz2.decompress,
    b"\xfd7zXZ\x00": lzma.decompress,
    b"\x28\xb5\x2f\xfd": _zstd,
}


class _ZstdStream:
    """Zstandard frames decompressed piece by piece; a truncated last frame is an EOFError like the other codecs."""

    def __init__(self, fh, piece: int = 1 << 20):
        import zstandard

        self._z, self._fh, self._piece = zstandard, fh, piece
        self._obj, self._fed = zstandard.ZstdDecompressor().decompressobj(), False

    def read1(self, n: int = -1) -> bytes:
        while True:
            data = self._fh.read(self._piece)
            if not data:
                if self._fed:
                    raise EOFError("truncated zstd frame")
                return b""
            out = []
            while data:
                self._fed = True
                try:
                    out.append(self._obj.decompress(data))
                except self._z.ZstdError as exc:
                    raise ValueError(str(exc)) from None
                if not self._obj.eof:
                    break
                data = self._obj.unused_data
                self._obj, self._fed = self._z.ZstdDecompressor().decompressobj(), False
            if any(out):
                return b"".join(out)

    read = read1

    def close(self) -> None:
        pass


_STREAM_OPENERS: dict[bytes, Callable[[Any], Any]] = {
    b"\x1f\x8b": lambda fh: gzip.GzipFile(fileobj=fh),
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
    b"\x28\xb5\x2f\xfd": _ZstdStream,
}
_DECOMPRESS_ERRORS = (OSError, EOFError, ValueError, lzma.LZMAError)
_BINARY_SAMPLE = 8192
BLOCK_BYTES = 8 << 20


class NotText(Exception):
    """The input is binary (not a log); the caller skips it and says so."""


def read_bytes(path: str) -> bytes:
    """Whole input, decompressed when it starts with a gzip/bzip2/xz/zstd magic number; "-" is stdin."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        data = Path(path).read_bytes()
    for magic, decompress in _MAGIC.items():
        if data.startswith(magic):
            try:
                return decompress(data)
            except _DECOMPRESS_ERRORS as exc:
                raise NotText(f"corrupt compressed file ({exc.__class__.__name__})") from None
    return data


class ByteStream:
    """One input opened for streaming: `fh` yields decompressed bytes; `seekable` only for plain files.

    `size` is the on-disk size (compressed size for compressed input, None for stdin), for progress.
    """

    def __init__(self, fh, raw, *, seekable: bool, size: int | None):
        self.fh, self.raw, self.seekable, self.size = fh, raw, seekable, size

    def position(self) -> int:
        """Bytes consumed from the underlying file (compressed bytes for compressed input)."""
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        for f in (self.fh, self.raw):
            try:
                f.close()
            except Exception:  # closing a broken stream must not hide the real error
                pass


def open_stream(path: str) -> ByteStream:
    """Open a file ("-": stdin) for block reading, decompressing gzip/bzip2/xz by magic number."""
    if path == "-":
        raw = sys.stdin.buffer
        size = None
    else:
        raw = open(path, "rb")  # noqa: SIM115  (closed by the ByteStream)
        size = _size(raw)
    head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
    for magic, opener in _STREAM_OPENERS.items():
        if head.startswith(magic):
            return ByteStream(opener(raw), raw, seekable=False, size=size)
    return ByteStream(raw, raw, seekable=path != "-" and raw.seekable(), size=size)


def _size(fh) -> int | None:
    try:
        return os.fstat(fh.fileno()).st_size
    except (OSError, ValueError):
        return None


def iter_blocks(fh, block_bytes: int = BLOCK_BYTES, piece: int = 4 << 20):
    """Blocks of about `block_bytes` that end at a newline (the last one may not).

    Read in `piece`s so a compressed file that turns corrupt still yields what came before;
    then NotText is raised.
    """
    buf = bytearray()
    read = getattr(fh, "read1", fh.read)  # read1: a buffered reader would drop what it had on an error
    while True:
        try:
            data = read(min(piece, block_bytes))
        except _DECOMPRESS_ERRORS as exc:
            if buf:
                yield bytes(buf)
            raise NotText(f"corrupt compressed file ({exc.__class__.__name__})") from None
        if data:
            buf += data
            if len(buf) < block_bytes:
                continue
        elif not buf:
            return
        cut = buf.rfind(b"\n") + 1 if data else len(buf)
        if cut == 0:
            continue  # one line longer than a block: keep reading until it ends
        out = bytes(buf[:cut])
        del buf[:cut]
        yield out
        if not data:
            return


_TEXT_BYTES = bytes([9, 10, 12, 13, 27, *range(32, 127), *range(128, 256)])


def looks_binary(data: bytes) -> bool:
    """Mostly control bytes or invalid UTF-8 in the first 8 KiB: an image, archive or core dump.

    A stray NUL or escape inside a real log does not count; the share does.
    """
    sample = data[:_BINARY_SAMPLE]
    if not sample:
        return False
    controls = len(sample.translate(None, _TEXT_BYTES))
    invalid = sample.decode("utf-8", errors="replace").count("\ufffd") - sample.count("\ufffd".encode())
    return controls + invalid > 0.1 * len(sample)


def decode(data: bytes, report: LoadReport | None = None) -> str:
    """UTF-8 with invalid bytes replaced (U+FFFD) and counted; a leading BOM is dropped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if report is not None:
            repaired = text.count("\ufffd") - data.count("\ufffd".encode())
            report.skip("invalid UTF-8 sequences (replaced)", max(repaired, 1))
    return text[1:] if text.startswith("\ufeff") else text


def split_lines(text: str) -> pa.Array:
    """One array element per line; "\\r\\n" endings and a final empty line are dropped."""
    if not text:
        return pa.array([], pa.string())
    if text.endswith("\n"):
        text = text[:-1]
    arr = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()
    if "\r" in text:
        arr = pc.utf8_rtrim(arr, "\r")
    return arr.cast(pa.string()) if len(text) < 2**31 - 1 else arr


def bytes_to_lines(data: bytes, report: LoadReport | None = None) -> pa.Array:
    """Split raw bytes into lines inside Arrow (no Python string for the whole file).

    Valid UTF-8 is split as bytes and checked by the cast; otherwise the text is repaired
    (and counted) first.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        return pa.array([], pa.string())
    parts = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
    try:
        arr = parts.cast(pa.large_string())
    except pa.ArrowInvalid:  # the newline back: split_lines drops one, and a blank last line must stay a line
        return split_lines(decode(data, report) + "\n")
    if b"\r" in data:
        arr = pc.utf8_rtrim(arr, "\r")
    return arr.cast(pa.string()) if len(data) < 2**31 - 1 else arr


def clip_lines(arr: pa.Array, report: LoadReport | None = None, limit: int = MAX_RAW_CHARS) -> pa.Array:
    """Megabyte lines are cut to `limit` characters (counted) so they stay usable everywhere."""
    if len(arr) == 0:
        return arr
    too_long = pc.greater(pc.binary_length(arr), limit)
    if not pc.any(too_long).as_py():
        return arr
    too_long = pc.greater(pc.utf8_length(arr), limit)
    n = pc.sum(too_long).as_py() or 0
    if n and report is not None:
        report.skip(f"lines longer than {limit // 1024} KiB (clipped)", n)
    return pc.if_else(too_long, pc.utf8_slice_codeunits(arr, 0, limit), arr)


def to_line_array(lines, report: LoadReport | None = None) -> pa.Array:
    """Accept a list/Series/pyarrow array of lines; return a clipped pyarrow string array."""
    if isinstance(lines, pa.ChunkedArray):
        arr = lines.combine_chunks()
    elif isinstance(lines, pa.Array):
        arr = lines
    elif hasattr(lines, "array") and hasattr(lines, "dtype"):  # pandas Series
        arr = pa.array(lines.astype(object).where(lines.notna(), None), pa.string())
    else:
        arr = pa.array([None if x is None else str(x) for x in lines], pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    arr = pc.fill_null(arr, "")
    return clip_lines(arr, report)
