"""Raw text read back from plain files: the same text the reader made, or nothing when the file changed."""

import gzip
import os
from datetime import timedelta

import pandas as pd
import pytest

from filelog_support import T0, odd_log
from triage import rawtext
from triage.events import LoadReport, Progress
from triage.sources.files import FileSource
from triage.sources.filestream import stream_file


def _raw_of_every_event(events: pd.DataFrame) -> list:
    return [raw if isinstance(raw, str) else rawtext.lookup(src, int(line))
            for raw, src, line in zip(events["raw"], events["source"], events["line"])]


@pytest.fixture(autouse=True)
def _forget():
    rawtext.forget()
    yield
    rawtext.forget()


@pytest.mark.parametrize("threads", [True, False])
def test_raw_read_back_is_the_raw_the_reader_made(tmp_path, monkeypatch, threads):
    import triage.sources.filestream as fs

    monkeypatch.setattr(fs, "PARSE_THREADS", 2 if threads else 1)
    path = tmp_path / "hostile.log"
    path.write_bytes(odd_log(9, 4000, hostile=True))
    eager = FileSource([str(path)], lazy_raw=False).load().events
    lazy = FileSource([str(path)]).load().events
    assert len(lazy) == len(eager) > 3000
    held = lazy["raw"].notna()
    assert (~held).mean() > 0.8  # most events hold no raw text
    assert held.sum() >= 300  # tracebacks, the clipped line and the mid-file BOM keep theirs
    assert _raw_of_every_event(lazy) == eager["raw"].tolist()
    assert any("\x1b[31m" in t for t in eager["raw"]) and any("\ufffd" in t for t in eager["raw"])


def test_raw_read_back_after_the_time_seek_and_in_small_blocks(tmp_path):
    path = tmp_path / "sorted.log"
    path.write_bytes(odd_log(4, 20000, hostile=True))
    start, end = T0 + timedelta(seconds=9000), T0 + timedelta(seconds=12000)
    kw = dict(start=start, end=end, progress=Progress(), block_bytes=20000, min_seek_bytes=10000)
    eager, _ = stream_file(str(path), report=LoadReport(), **kw)
    lazy, stats = stream_file(str(path), report=LoadReport(), lazy_raw=True, **kw)
    eager, lazy = pd.concat(eager, ignore_index=True), pd.concat(lazy, ignore_index=True)
    assert stats.skipped and lazy["line"].min() > 1000  # entered by the seek, far into the file
    assert lazy["raw"].isna().mean() > 0.8
    assert _raw_of_every_event(lazy) == eager["raw"].tolist()


def test_a_replaced_or_shortened_file_gives_no_raw_and_an_appended_one_still_does(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(odd_log(9, 500, hostile=True))
    lazy = FileSource([str(path)]).load().events
    row = lazy[lazy["raw"].isna()].iloc[100]
    want = FileSource([str(path)], lazy_raw=False).load().events.set_index("line")["raw"][row["line"]]
    rawtext.forget()
    lazy = FileSource([str(path)]).load().events
    src, line = row["source"], int(row["line"])
    with open(path, "ab") as fh:  # follow mode: the file grows
        fh.write(b"2026-11-26 12:00:00,000 INFO appended\n")
    assert rawtext.lookup(src, line) == want
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # truncated
    assert rawtext.lookup(src, line) is None
    path.write_bytes(data)  # as it was (appended to): trusted again
    assert rawtext.lookup(src, line) == want
    path.write_bytes(data[:-200] + data[-200:].replace(b"INFO", b"WARN"))  # other bytes up to the read size
    assert rawtext.lookup(src, line) is None
    path.write_bytes(data)
    st = os.stat(path)
    rawtext.forget()
    lazy = FileSource([str(path)]).load().events
    path.write_bytes(data.replace(b"INFO api GET", b"INFO api PUT"))  # same size, rewritten in place
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert rawtext.lookup(src, line) is None
    os.replace(tmp_path / "app.log", tmp_path / "old.log")
    (tmp_path / "app.log").write_bytes(data)  # rotated: another inode under the name
    assert rawtext.lookup(src, line) is None
    assert rawtext.lookup(src, 10**9) is None and rawtext.lookup(None, 3) is None and rawtext.lookup("nope.log", 3) is None


def test_compressed_input_and_stdin_keep_their_raw(tmp_path):
    path = tmp_path / "app.log.gz"
    path.write_bytes(gzip.compress(odd_log(9, 300, hostile=True)))
    events = FileSource([str(path)]).load().events
    assert events["raw"].notna().all()


def test_samples_and_the_note_show_the_raw_line_of_a_lazily_read_file(tmp_path):
    from triage.analysis import analyze, signature_detail
    from triage.pipeline import load_incident

    path = tmp_path / "app.log"
    path.write_bytes(odd_log(9, 3000, hostile=True))
    deploy = T0 + timedelta(seconds=1500)
    shown = {}
    for lazy in (False, True):
        rawtext.forget()
        inc = load_incident(FileSource([str(path)], lazy_raw=lazy), deploy=deploy,
                            before=timedelta(minutes=25), after=timedelta(minutes=25))
        sigs = analyze(inc).signatures
        details = [signature_detail(inc, s) for s in sigs["signature"]]
        shown[lazy] = [[s["raw"] for s in d.samples] for d in details]
        if lazy:
            assert inc.events["raw"].isna().mean() > 0.8
    assert shown[True] == shown[False]
    assert all(isinstance(t, str) for group in shown[True] for t in group)
