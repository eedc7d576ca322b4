"""FileSource: files, .gz, globs, directories, stdin, and bad input that never stops a load."""

import gzip
import io
import sys
from datetime import datetime, timezone

import pytest

from triage.events import Cancelled, Progress, SourceError
from triage.sources.files import FileSource, expand_paths, from_args

APP = "2026-11-26T10:00:00Z ERROR db down\n2026-11-26T10:05:00Z INFO ok\n"


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as fh:
        fh.write(data)
    return str(path)


def test_plain_and_gz_files_load_with_their_own_source_and_lines(tmp_path):
    a = write(tmp_path / "a.log", APP)
    b = write(tmp_path / "b.log.gz", gzip.compress(b"2026-11-26T10:01:00Z WARN slow\n"))
    result = FileSource([a, b]).load()
    ev = result.events
    assert ev["message"].tolist() == ["db down", "ok", "slow"]
    assert ev["source"].tolist() == [a, a, b]
    assert ev["line"].tolist() == [1, 2, 1]
    assert result.report.warning() is None
    assert result.description == "files: a.log (+1)"


def test_gzip_is_detected_by_content_not_name(tmp_path):
    p = write(tmp_path / "rotated.1", gzip.compress(APP.encode()))
    assert len(FileSource([p]).load().events) == 2


def test_globs_and_directories_expand_sorted_without_hidden_files(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    write(tmp_path / "d" / "b.log", APP)
    write(tmp_path / "d" / "sub" / "a.log", APP)
    write(tmp_path / "d" / ".hidden", APP)
    write(tmp_path / "x1.log", APP)
    write(tmp_path / "x2.log", APP)
    assert expand_paths([str(tmp_path / "d")]) == [str(tmp_path / "d" / "b.log"), str(tmp_path / "d" / "sub" / "a.log")]
    assert expand_paths([str(tmp_path / "x*.log"), str(tmp_path / "x1.log")]) == [str(tmp_path / "x1.log"), str(tmp_path / "x2.log")]
    assert len(FileSource([str(tmp_path / "d")]).load().events) == 4


def test_stdin_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(APP.encode())))
    result = FileSource(["-"]).load()
    assert result.events["source"].tolist() == ["-", "-"]
    assert result.description == "files: stdin"


def test_bad_files_are_skipped_counted_and_the_rest_loads(tmp_path):
    good = write(tmp_path / "good.log", APP)
    binary = write(tmp_path / "core.bin", b"\x7fELF\x00\x00\x01\x02" * 100)
    corrupt = write(tmp_path / "broken.gz", b"\x1f\x8b\x08\x00garbage")
    missing = str(tmp_path / "missing.log")
    result = FileSource([good, binary, corrupt, missing]).load()
    assert len(result.events) == 2
    skipped = result.report.skipped
    assert skipped["binary files"] == 1 and skipped["files not found"] == 1 and skipped["unreadable files"] == 1
    warning = result.report.warning()
    assert "binary files" in warning and "missing.log" in warning


def test_unreadable_path_is_skipped(tmp_path):
    good = write(tmp_path / "good.log", APP)
    result = FileSource([good + "/child.log", good]).load()  # a path through a file: NotADirectoryError
    assert len(result.events) == 2 and result.report.skipped["unreadable files"] == 1
    assert "cannot read" in result.report.warning()


def test_nothing_readable_is_a_source_error_with_the_reason(tmp_path):
    with pytest.raises(SourceError, match="no readable input.*files not found"):
        FileSource([str(tmp_path / "nope.log")]).load()


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    p = write(tmp_path / "latin1.log", b"2026-11-26T10:00:00Z ERROR caf\xe9 \xff\xfe broken\n2026-11-26T10:00:01Z INFO fine\n")
    result = FileSource([p]).load()
    assert result.events["message"].tolist() == ["caf\ufffd \ufffd\ufffd broken", "fine"]
    assert result.report.skipped["invalid UTF-8 sequences (replaced)"] == 3


def test_crlf_line_endings_and_bom(tmp_path):
    p = write(tmp_path / "win.log", b"\xef\xbb\xbf2026-11-26T10:00:00Z ERROR a\r\n2026-11-26T10:00:01Z INFO b\r\n")
    ev = FileSource([p]).load().events
    assert ev["message"].tolist() == ["a", "b"] and ev["level"].tolist() == ["error", "info"]


def test_megabyte_lines_are_clipped_not_fatal(tmp_path):
    p = write(tmp_path / "big.log", "2026-11-26T10:00:00Z ERROR " + "y" * 3_000_000 + "\n2026-11-26T10:00:01Z INFO after\n")
    result = FileSource([p]).load()
    assert len(result.events) == 2 and result.events["message"][1] == "after"
    assert result.report.skipped["lines longer than 64 KiB (clipped)"] == 1


def test_time_range_filter_keeps_untimed_events(tmp_path):
    p = write(tmp_path / "a.log", APP + "ERROR: no time at all\n")
    start = datetime(2026, 11, 26, 10, 1, tzinfo=timezone.utc)
    result = FileSource([p], content=False).load(start, None)
    assert result.events["message"].tolist() == ["ok", "no time at all"]
    assert any("outside the time range" in n and "left out" in n for n in result.report.notes)


def test_cancel_before_reading_raises_cancelled(tmp_path):
    p = write(tmp_path / "a.log", APP)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        FileSource([p]).load(progress=progress)


def test_progress_counts_bytes_over_all_files(tmp_path):
    paths = [write(tmp_path / f"{i}.log", APP) for i in range(3)]
    seen = []
    FileSource(paths).load(progress=Progress(lambda done, total, msg: seen.append((done, total, msg))))
    total = 3 * len(APP)
    assert seen[0][:2] == (0, total) and seen[-1][:2] == (total, total)
    assert [d for d, *_ in seen] == sorted(d for d, *_ in seen)  # bytes read only grow
    assert all(any(p in msg for *_, msg in seen) for p in paths)


def test_from_args_defaults_to_stdin():
    class Args:
        files = []
        content = True
        tz = "Europe/Berlin"

    src = from_args(Args())
    assert src.paths == ["-"] and src.content and src.tz == "Europe/Berlin" and src.kind == "files"


def test_unknown_zone_is_a_source_error(tmp_path):
    p = write(tmp_path / "a.log", APP)
    with pytest.raises(SourceError, match="unknown time zone"):
        FileSource([p], tz="Mars/Base").load()
