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
