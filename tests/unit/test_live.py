"""Follow mode engine: appended lines join the incident with the signatures their kind already had."""

from datetime import datetime, timedelta, timezone

from triage.analysis import analyze
from triage.live import LiveIncident, PollFollower, follow_incident
from triage.pipeline import load_incident
from triage.sources.files import FileSource

DEPLOY = datetime(2026, 11, 26, 14, 0, tzinfo=timezone.utc)


def line(minute: float, text: str) -> str:
    t = DEPLOY + timedelta(minutes=minute)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z {text}\n"


def base_log(path):
    rows = []
    for m in range(-30, 10):
        rows.append(line(m, f"INFO GET /orders/{1000 + m} 200"))
        if m >= 0:
            rows.append(line(m + 0.5, f"ERROR payment failed for order {5000 + m}"))
    path.write_text("".join(rows))


def live_incident(path, **kw):
    source = FileSource([str(path)], follow=True)
    inc = load_incident(source, deploy=DEPLOY, open_end=True, **kw)
    return inc, follow_incident(inc, source)


def test_appended_lines_keep_their_signature_and_stretch_the_after_window(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    inc, live = live_incident(log)
    known = inc.events.loc[inc.events["message"].str.startswith("payment failed"), "signature"].iloc[0]
    assert live.step() is None  # nothing new yet
    with open(log, "a") as fh:
        fh.write(line(40, "ERROR payment failed for order 9999"))
        fh.write(line(40.1, "WARN cache warmed in 41 ms"))
        fh.write(line(40.2, "ERROR half a li").rstrip("\n"))  # still being written
    grown = live.step()
    assert grown is not None and len(grown.events) == len(inc.events) + 1  # the last record may go on: held
    with open(log, "a") as fh:
        fh.write("ne now complete\n")
    grown = live.step() or grown
    grown = live.step() or grown  # quiet: the held-back records are complete
    new = grown.events.iloc[len(inc.events):]
    assert new["message"].tolist() == ["payment failed for order 9999", "cache warmed in 41 ms", "half a line now complete"]
    assert new["signature"].iloc[0] == known and new["signature"].iloc[1] != known
    assert new["line"].tolist() == [len(inc.events) + 1, len(inc.events) + 2, len(inc.events) + 3]
    assert grown.after >= timedelta(minutes=40)
    a = analyze(grown)
    assert int(a.signatures.loc[a.signatures["signature"] == known, "after"].iloc[0]) == 11


def test_a_traceback_written_in_two_pieces_is_one_event(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    inc, live = live_incident(log)
    with open(log, "a") as fh:
        fh.write(line(41, "ERROR unhandled") + "Traceback (most recent call last):\n")
    with open(log, "a") as fh:
        fh.write('  File "/srv/app.py", line 3, in run\nValueError: bad\n')
    grown = live.step()
    grown = live.step() or grown
    last = grown.events.iloc[-1]
    assert last["message"].startswith("unhandled\nTraceback") and last["message"].endswith("ValueError: bad")


def test_truncated_file_is_followed_from_its_start(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    inc, live = live_incident(log)
    log.write_text(line(50, "ERROR after rotation"))
    grown = live.step() or live.step()
    assert grown.events["message"].iloc[-1] == "after rotation"
    assert any("truncated" in n for n in grown.report.notes)


def test_rotated_file_is_followed_from_its_start(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    inc, live = live_incident(log)
    rotated = tmp_path / "app.log.1"
    log.rename(rotated)
    log.write_text("".join(line(50 + i / 10, f"ERROR fresh file line {i} " + "x" * 80) for i in range(60)))  # larger than before
    grown = live.step()
    grown = live.step() or grown
    assert grown.events["message"].iloc[len(inc.events)].startswith("fresh file line 0")
    assert len(grown.events) == len(inc.events) + 60
    assert any("replaced (rotated)" in n for n in grown.report.notes)


def test_polling_a_source_returns_each_new_event_once(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    source = FileSource([str(log)])  # any Source: the follower only calls load(start, end)
    inc = load_incident(source, deploy=DEPLOY)
    newest = inc.events["timestamp"].max().to_pydatetime()
    clock = [DEPLOY + timedelta(hours=2)]
    poll = PollFollower(source, newest, clock=lambda: clock[0])
    live = LiveIncident(inc, [poll])
    assert live.step() is None  # the overlap it asks for again holds only events it already has
    with open(log, "a") as fh:
        fh.write(line(45, "ERROR payment failed for order 1"))
    grown = live.step()
    assert grown is not None and grown.events["message"].tolist().count("payment failed for order 1") == 1
    assert live.step() is None  # asked again: nothing new


def test_since_rollback_is_a_third_window(tmp_path):
    log = tmp_path / "app.log"
    base_log(log)
    inc = load_incident(FileSource([str(log)]), deploy=DEPLOY, rollback=DEPLOY + timedelta(minutes=5))
    a = analyze(inc)
    row = a.signatures[a.signatures["template"].str.startswith("payment failed")].iloc[0]
    assert int(row["after"]) == 10 and int(row["since_rollback"]) == 5
    assert abs(row["rate_since_rollback"] - 5 / 4.5) < 0.01  # the data covers 14:05 .. 14:09:30
    assert "since_rollback" not in analyze(load_incident(FileSource([str(log)]), deploy=DEPLOY)).signatures


def test_report_with_rollback_shows_the_third_window(tmp_path, capsys):
    from triage.cli import main

    log = tmp_path / "app.log"
    base_log(log)
    code = main(["report", str(log), "--deploy", DEPLOY.isoformat(), "--rollback", (DEPLOY + timedelta(minutes=5)).isoformat()])
    out = capsys.readouterr().out
    assert code == 0 and "**Since the rollback** (2026-11-26 14:05" in out and "5 (1.11/min; before the deploy 0/min)" in out
    assert main(["report", str(log), "--deploy", DEPLOY.isoformat(), "--rollback", "2026-11-26T13:00Z"]) == 2
    assert "is not after the deploy" in capsys.readouterr().err


def jline(minute, level, service, host, msg, status=None, timed=True) -> str:
    import json

    t = DEPLOY + timedelta(minutes=minute)
    rec = {"ts": f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"} if timed else {}
    rec.update(level=level, service=service, host=host, msg=msg)
    if status is not None:
        rec["status"] = status
    return json.dumps(rec) + "\n"


def test_a_step_extends_the_analysis_arrays_to_what_a_fresh_analysis_gives(tmp_path):
    from dataclasses import replace

    import numpy as np
    import pandas as pd

    from triage.analysis import prepare
    from triage.app.timelines import Prepared as Indexes

    log = tmp_path / "app.jsonl"
    rows = []
    for m in range(-30, 10):
        rows.append(jline(m, "info", "api", f"web-{m % 2}", f"GET /orders/{m} 200", 200))
        if m >= 0:
            rows.append(jline(m + 0.5, "error", "pay", "pay-1", f"payment failed for order {m}", 502))
        if m % 7 == 0:
            rows.append(jline(m + 0.2, "warn", "api", "web-1", f"slow query took {m + 40} ms"))
    log.write_text("".join(rows))
    inc, live = live_incident(log)
    analyze(inc)  # what the app does first: the arrays of the load are cached on it
    indexes = Indexes(inc)
    rounds = [
        # known kinds only: counts and last-seen move, a host's mode may flip
        [jline(10 + i / 10, "info", "api", "web-1", f"GET /orders/{i} 200", 200) for i in range(30)],
        # new signatures, a new service and host, an untimed line, a 4xx without a level
        [jline(11, "error", "search", "search-9", "index shard 3 unavailable", 503),
         jline(11.1, "fatal", "search", "search-9", "out of memory in worker 7"),
         jline(11.2, "warn", "pay", "pay-2", "retrying charge 77", timed=False),
         jline(11.3, "", "edge", "lb-1", "POST /login 401", 401)]
        + [jline(11.4 + i / 100, "error", "pay", "pay-2", f"payment failed for order {900 + i}", 502) for i in range(25)],
        # the new kinds again, and the level mode of a signature changes
        [jline(12 + i / 10, "error", "api", "web-0", f"slow query took {i} ms") for i in range(20)]
        + [jline(12.5, "error", "search", "search-9", "index shard 4 unavailable", 503)],
    ]
    for lines in rounds:
        size = len(live.incident.events)
        with open(log, "a") as fh:
            fh.write("".join(lines))
        grown = live.step()
        grown = live.step() or grown  # the last record is held until the file is quiet
        assert grown is not None and len(grown.events) == size + len(lines)
        assert "_prepared" in grown.__dict__  # extended by the step, not built from scratch
        fresh = replace(grown)  # the same events, nothing cached
        grew, scratch = prepare(grown), prepare(fresh)
        assert grew is not scratch
        for name in ("ts", "has_ts", "sig_codes", "service_codes", "host_codes", "is_error", "is_5xx", "is_4xx",
                     "has_status", "host_service"):
            assert np.array_equal(getattr(grew, name), getattr(scratch, name)), name
        assert (grew.ts_min, grew.ts_max, grew.services, grew.hosts) == (scratch.ts_min, scratch.ts_max,
                                                                          scratch.services, scratch.hosts)
        pd.testing.assert_frame_equal(grew.signatures, scratch.signatures)
        pd.testing.assert_frame_equal(grew.source_spans, scratch.source_spans)
        a, b = analyze(grown), analyze(fresh)
        pd.testing.assert_frame_equal(a.signatures, b.signatures)  # counts, status, ranks, stories
        pd.testing.assert_frame_equal(a.dimensions, b.dimensions)
        assert [s.members for s in a.stories] == [s.members for s in b.stories]
        # the app's indexes (sparklines, detail rows, filters) grow the same way
        indexes = indexes.extended(grown)
        whole = Indexes(grown)
        assert indexes.timelines.index == whole.timelines.index
        assert np.array_equal(indexes.timelines.codes, whole.timelines.codes)
        assert np.array_equal(indexes.timelines.times, whole.timelines.times)
        assert np.array_equal(indexes.rows.order, whole.rows.order) and indexes.rows.index == whole.rows.index
        assert (indexes.rows.start, indexes.rows.end) == (whole.rows.start, whole.rows.end)
        pd.testing.assert_frame_equal(indexes.by_service, whole.by_service)
        pd.testing.assert_frame_equal(indexes.by_host, whole.by_host)
        assert (indexes.services, indexes.hosts) == (whole.services, whole.hosts)
    sigs = a.signatures.set_index("template")
    assert sigs.loc["index shard <NUM> unavailable", "after"] == 2
    assert sigs.loc["slow query took <DUR>", "level"] == "error"  # its mode (warn at first) flipped with the last round


def test_a_kept_judgement_leaves_counts_and_statuses_fresh(tmp_path):
    import pandas as pd

    log = tmp_path / "app.jsonl"
    rows = [jline(m, "info", "api", "web-1", f"GET /orders/{m} 200", 200) for m in range(-30, 10)]
    rows += [jline(m + 0.5, "error", "pay", "pay-1", f"payment failed for order {m}", 502) for m in range(0, 10)]
    log.write_text("".join(rows))
    inc, live = live_incident(log)
    first = analyze(inc)
    assert first.stories  # the payment failures are a story
    pd.testing.assert_frame_equal(analyze(inc, keep=first).signatures, first.signatures)  # kept = what it would be
    with open(log, "a") as fh:
        fh.write("".join(jline(10 + i / 10, "error", "search", "search-1", f"index shard {i} unavailable", 503)
                         for i in range(12)))
    grown = live.step()
    grown = live.step() or grown
    kept, full = analyze(grown, keep=first), analyze(grown)
    by_sig = ["signature", "before", "after", "status", "q"]
    k, f = (x.sort_values("signature").reset_index(drop=True)[by_sig] for x in (kept.signatures, full.signatures))
    pd.testing.assert_frame_equal(k, f)  # the new signature is counted and tested at once
    new = kept.signatures.set_index("template").loc["index shard <NUM> unavailable"]
    assert new["status"] == "NEW" and new["after"] == 12 and new["story"] == 0 and new["role"] == ""
    assert [s.members for s in kept.stories] == [s.members for s in first.stories]
    assert kept.dimensions is first.dimensions


def test_many_steps_do_not_leave_a_chunk_per_step(tmp_path):
    from triage.live import MAX_CHUNKS

    log = tmp_path / "app.log"
    base_log(log)
    inc, live = live_incident(log)
    for i in range(3 * MAX_CHUNKS):
        with open(log, "a") as fh:
            fh.write(line(40 + i / 100, f"ERROR payment failed for order {7000 + i}"))
        live.step()
    live.step()  # the file is quiet: the held-back last line is complete
    events = live.incident.events
    assert events["message"].tolist()[len(inc.events):] == [f"payment failed for order {7000 + i}" for i in range(3 * MAX_CHUNKS)]
    assert events["message"].array._pa_array.num_chunks <= MAX_CHUNKS
    assert str(events["message"].dtype) == str(inc.events["message"].dtype)
