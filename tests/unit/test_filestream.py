"""Streaming local input: block boundaries, the time seek, compressed and truncated files."""

import gzip
import random
from datetime import timedelta

import pandas as pd

from filelog_support import T0, TRACE, odd_log
from triage.events import LoadReport, Progress
from triage.parsing.linereader import bytes_to_lines
from triage.parsing.lineshape import parse_lines
from triage.sources import timeseek
from triage.sources.files import FileSource
from triage.sources.filestream import RecordStream, stream_file


def make_log(n: int, *, seed: int = 3, shuffle: bool = False, extras: bool = True) -> bytes:
    """n events one second apart; every 7th is an ERROR with a Python traceback."""
    r = random.Random(seed)
    events = []
    for i in range(n):
        t = T0 + timedelta(seconds=i)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if i % 7 == 3:
            events.append([f"{stamp} ERROR [pay] charge failed for order {r.randrange(10**6)}"] + [x.format(n=i % 200) for x in TRACE])
        else:
            events.append([f"{stamp} INFO [api] GET /orders/{r.randrange(10**6)} 200 {r.randrange(900)}ms"])
    if shuffle:
        r.shuffle(events)
    text = "\n".join(line for ev in events for line in ev) + "\n"
    data = text.encode()
    if extras:
        data += b"2026-11-26T12:00:00.000Z WARN caf\xe9 broken bytes\nno time on this line at all\n"
    return data


def whole(data: bytes, source: str, report: LoadReport | None = None) -> pd.DataFrame:
    report = report if report is not None else LoadReport()
    return parse_lines(bytes_to_lines(data, report), source=source, report=report)


def cols(df: pd.DataFrame) -> list[tuple]:
    return list(zip(df["timestamp"].astype(str), df["level"].astype(str), df["message"].astype(str), df["line"].tolist()))


def test_small_blocks_fold_traces_and_count_exactly_like_one_read(tmp_path):
    data = make_log(600)
    path = tmp_path / "app.log"
    path.write_bytes(data)
    expected_report = LoadReport()
    expected = whole(data, str(path), expected_report)
    report = LoadReport()
    frames, stats = stream_file(str(path), report=report, progress=Progress(), block_bytes=1500)
    got = pd.concat(frames, ignore_index=True)
    assert len(frames) > 20  # many boundaries, many cut through a traceback
    assert cols(got) == cols(expected)
    assert got["message"].str.contains("Traceback").sum() == 600 // 7 + 1
    assert report.skipped == expected_report.skipped  # held-back lines are not counted twice
    assert stats.timed == expected["timestamp"].notna().sum()


def test_pieces_of_any_size_give_the_same_events(tmp_path):
    data = make_log(80, extras=False)
    stream = RecordStream("-")
    frames = []
    r = random.Random(5)
    pos = 0
    while pos < len(data):
        step = r.randrange(1, 300)
        frames.append(stream.feed(data[pos:pos + step]))
        pos += step
    frames.append(stream.feed(b"", final=True))
    got = pd.concat([f for f in frames if f is not None], ignore_index=True)
    assert cols(got) == cols(whole(data, "-"))


def test_sorted_file_is_entered_by_binary_search_with_right_line_numbers(tmp_path):
    data = make_log(30_000, extras=False)  # ~2.5 MB, 8h20m of events
    path = tmp_path / "big.log"
    path.write_bytes(data)
    start, end = T0 + timedelta(hours=4), T0 + timedelta(hours=4, minutes=20)
    with open(path, "rb") as fh:
        plan = timeseek.plan_read(fh, len(data), start, end, None)
    assert plan.ordered and plan.offset > len(data) // 3
    report = LoadReport()
    frames, stats = stream_file(str(path), start=start, end=end, report=report, progress=Progress(),
                                block_bytes=64 << 10, min_seek_bytes=0)
    got = pd.concat(frames, ignore_index=True)
    full = whole(data, str(path))
    ts = full["timestamp"]
    expected = full[(ts >= pd.Timestamp(start)) & (ts <= pd.Timestamp(end))]
    assert cols(got) == cols(expected)
    assert stats.skipped and stats.dropped < len(full) // 10  # most of the file was never parsed


def test_unsorted_file_is_read_whole(tmp_path):
    data = make_log(30_000, shuffle=True, extras=False)
    path = tmp_path / "shuffled.log"
    path.write_bytes(data)
    start, end = T0 + timedelta(hours=4), T0 + timedelta(hours=4, minutes=20)
    with open(path, "rb") as fh:
        assert not timeseek.plan_read(fh, len(data), start, end, None).ordered
    frames, stats = stream_file(str(path), start=start, end=end, report=LoadReport(), progress=Progress(),
                                block_bytes=256 << 10, min_seek_bytes=0)
    got = pd.concat(frames, ignore_index=True)
    full = whole(data, str(path))
    ts = full["timestamp"]
    assert len(got) == int(((ts >= pd.Timestamp(start)) & (ts <= pd.Timestamp(end))).sum()) > 1000
    assert not stats.skipped and stats.timed == len(full)


def test_gzip_streams_and_a_truncated_one_keeps_what_was_read(tmp_path):
    data = make_log(3000, extras=False)
    good = tmp_path / "a.log.gz"
    good.write_bytes(gzip.compress(data))
    assert cols(pd.concat(stream_file(str(good), report=LoadReport(), progress=Progress(), block_bytes=4096)[0])) == \
        cols(whole(data, str(good)))
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(gzip.compress(data)[: len(gzip.compress(data)) // 2])
    result = FileSource([str(cut)]).load()
    assert 0 < len(result.events) < 3000 and result.report.partial
    assert "corrupt compressed file" in result.report.warning()


def test_a_file_outside_the_range_is_named_as_skewed(tmp_path):
    inside = tmp_path / "a.log"
    inside.write_bytes(make_log(100, extras=False))
    late = tmp_path / "b.log"
    late.write_text("2026-11-27T03:00:00Z ERROR late\n2026-11-27T03:00:01Z INFO later\n")
    result = FileSource([str(inside), str(late)]).load(T0, T0 + timedelta(hours=1))
    warning = result.report.warning()
    assert "b.log: none of its 2 events" in warning and "skew" in warning
    assert "2 events outside 2026-11-26 10:00..11:00Z were left out" in warning


def test_blocks_parsed_on_threads_give_the_events_of_one_read(tmp_path, monkeypatch):
    import triage.sources.filestream as fs

    for seed in (1, 2, 3):
        data = odd_log(seed)
        path = tmp_path / f"odd{seed}.log"
        path.write_bytes(data)
        expected_report = LoadReport()
        expected = whole(data, str(path), expected_report)
        assert expected["message"].str.contains("Traceback").sum() > 300
        for threads in (4, 1):  # on threads, and in order
            monkeypatch.setattr(fs, "PARSE_THREADS", threads)
            for block in (3000, 8000, 20000):
                report = LoadReport()
                frames, stats = stream_file(str(path), report=report, progress=Progress(), block_bytes=block)
                got = pd.concat(frames, ignore_index=True)
                assert cols(got) == cols(expected), (seed, threads, block)
                assert report.skipped == expected_report.skipped, (seed, threads, block)
                assert stats.read_to == len(data) and stats.next_line == data.count(b"\n") + 1


def test_a_sorted_file_stops_at_the_window_end_with_blocks_in_flight(tmp_path):
    data = make_log(4000, extras=False)
    path = tmp_path / "sorted.log"
    path.write_bytes(data)
    end = T0 + timedelta(seconds=300)
    frames, stats = stream_file(str(path), end=end, report=LoadReport(), progress=Progress(), block_bytes=4000,
                                min_seek_bytes=0)
    got = pd.concat(frames, ignore_index=True)
    assert stats.skipped and stats.read_to < len(data) // 2  # the reading stopped early
    assert got["timestamp"].max() <= pd.Timestamp(end)
    assert len(got) == 301


def test_keys_masked_on_the_parse_threads_give_the_signatures_of_masking_afterwards(tmp_path, monkeypatch):
    """The reader masks messages on its threads; add_signatures uses that column, drops it, and the ids,
    templates and rows are the ones masking from scratch gives (also for a table mixing frames without it)."""
    import triage.sources.filestream as fs
    from triage.signatures import KEY_COLUMN, add_signatures

    monkeypatch.setattr(fs, "PARSE_THREADS", 2)
    path = tmp_path / "odd.log"
    path.write_bytes(odd_log(4))
    frames, _ = stream_file(str(path), report=LoadReport(), progress=Progress(), block_bytes=5000)
    events = pd.concat(frames, ignore_index=True)
    assert KEY_COLUMN in events and events[KEY_COLUMN].notna().all()
    fresh = add_signatures(events.drop(columns=KEY_COLUMN))
    reused = add_signatures(events)
    assert KEY_COLUMN not in reused.columns and list(reused.columns) == list(fresh.columns)
    pd.testing.assert_frame_equal(reused, fresh)
    assert reused["signature"].nunique() >= 3
    # half the rows from a reader that did not mask: the column is incomplete, so everything is masked again
    mixed = pd.concat([events.iloc[:200], events.iloc[200:].drop(columns=KEY_COLUMN)], ignore_index=True)
    pd.testing.assert_frame_equal(add_signatures(mixed), fresh)


def test_a_sorted_file_is_read_only_to_a_bound_past_the_window_end(tmp_path, monkeypatch):
    """The time seek also finds where the window ends: blocks parsed ahead on threads no longer read
    the rest of the file, and the events are exactly the window's (an untimed stretch after the end,
    where a probe finds no time, moves the bound later, never earlier)."""
    import triage.sources.filestream as fs

    monkeypatch.setattr(fs, "PARSE_THREADS", 2)
    lines = make_log(30_000, extras=False).decode().splitlines(keepends=True)
    cut = len(lines) * 6 // 10  # an untimed stretch (a huge trace) well after the window
    trace = [f"    at com.example.Worker.step(Worker.java:{i})\n" for i in range(6000)]
    data = "".join(lines[:cut] + trace + lines[cut:]).encode()
    path = tmp_path / "big.log"
    path.write_bytes(data)
    start, end = T0 + timedelta(hours=3), T0 + timedelta(hours=3, minutes=30)
    with open(path, "rb") as fh:
        plan = timeseek.plan_read(fh, len(data), start, end, None)
    assert plan.ordered and plan.offset < plan.stop < len(data) * 6 // 10
    frames, stats = stream_file(str(path), start=start, end=end, report=LoadReport(), progress=Progress(),
                                block_bytes=64 << 10, min_seek_bytes=0)
    got = pd.concat(frames, ignore_index=True)
    full = whole(data, str(path))
    ts = full["timestamp"]
    expected = full[(ts >= pd.Timestamp(start)) & (ts <= pd.Timestamp(end))]
    assert cols(got) == cols(expected) and len(got) > 1000
    assert stats.skipped and stats.read_to <= plan.stop
    # probes that land in untimed text: the end bound stays after the window
    with open(path, "rb") as fh:
        late = timeseek.plan_read(fh, len(data), start, T0 + timedelta(hours=4, minutes=50), None)
    t_stop = full[full["line"] >= data[:late.stop].count(b"\n")]["timestamp"].dropna().min()
    assert late.stop is None or t_stop >= pd.Timestamp(T0 + timedelta(hours=4, minutes=50))


def test_keys_stay_block_dictionaries_through_the_window_cut_and_give_the_same_signatures(tmp_path, monkeypatch):
    """The parse threads keep each block's masked keys dictionary-encoded (4 bytes an event while the
    load goes on). Blocks cut by the load range, and the record held back at a block's end, keep keys
    their rows no longer use, in their block's order; the signatures must still be exactly those of
    masking the kept events from scratch."""
    import pyarrow as pa

    import triage.sources.filestream as fs
    from triage.signatures import KEY_COLUMN, add_signatures

    monkeypatch.setattr(fs, "PARSE_THREADS", 2)
    path = tmp_path / "odd.log"
    path.write_bytes(odd_log(5))
    start, end = T0 + timedelta(seconds=777), T0 + timedelta(seconds=2222)  # both ends inside a block
    frames, _ = stream_file(str(path), start=start, end=end, report=LoadReport(), progress=Progress(), block_bytes=5000)
    events = pd.concat(frames, ignore_index=True)
    keys = pa.array(events[KEY_COLUMN])
    assert pa.types.is_dictionary(keys.type) and keys.num_chunks > 10
    assert sum(len(c.dictionary) for c in keys.chunks) > keys.combine_chunks().dictionary_decode().unique().__len__()
    timed = events["timestamp"].dropna()
    assert timed.min() >= pd.Timestamp(start) and timed.max() <= pd.Timestamp(end)
    reused = add_signatures(events)
    fresh = add_signatures(events.drop(columns=KEY_COLUMN))
    pd.testing.assert_frame_equal(reused, fresh)
    assert reused["signature"].nunique() >= 3
