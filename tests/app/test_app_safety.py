"""The app stays safe and never loses work: hostile log text is inert, loads can be cancelled,
failures become a dialog, and a draft note survives `kill -9`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone

import pytest
from rich.text import Text

from app_support import settle
from triage.app import make_app
from triage.app.screens.modals import ErrorModal
from triage.app.screens.note import NoteScreen
from triage.cli import main
from triage.pipeline import load_incident
from triage.sources.files import FileSource

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]

DEPLOY = datetime(2026, 11, 26, 14, 2, tzinfo=timezone.utc)
HOSTILE = [
    "[@click=app.quit]click me[/] [bold red]boom[/]",
    "\x1b[2J\x1b[31mred escape\x07 bell \x08 backspace \u202e evil",
]


def write_log(path, extra: list[bytes] = ()) -> str:
    lines = []
    for minute in range(30):
        stamp = f"2026-11-26T13:{40 + minute // 2:02d}:{(minute % 2) * 30:02d}Z" if minute < 40 else ""
        lines.append(f"{stamp} INFO request served in {minute} ms".encode())
    for i, text in enumerate(HOSTILE * 5):
        lines.append(f"2026-11-26T14:{10 + i:02d}:00Z ERROR {text}".encode())
    lines.append(b"2026-11-26T14:30:00Z ERROR huge " + b"A" * 1_000_000)
    lines.append(b"2026-11-26T14:31:00Z ERROR broken utf8 \xff\xfe here")
    lines.append(b'{"ts":"2026-11-26T14:20:00Z","level":"error","service":"[@click=app.quit]svc","msg":"json [b]x"}')
    lines.extend(extra)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def files_loader(path):
    return lambda progress: load_incident(FileSource([path]), deploy=DEPLOY, progress=progress)


async def test_hostile_log_text_renders_literally_and_triggers_nothing(tmp_path):
    app = make_app(files_loader(write_log(tmp_path / "hostile.log")), export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.state == "ready"
        table = app.main.query_one("#signatures")
        templates = [table.get_cell_at((r, table.get_column_index("template"))) for r in range(table.row_count)]
        assert all(isinstance(t, Text) for t in templates)
        assert any("[bold red]boom[/]" in t.plain for t in templates)
        seen_click = False
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await settle(pilot, rounds=2)
            body = app.main.query_one("#detail-body").render()
            plain = body.plain if isinstance(body, Text) else str(body)
            assert not any(c in plain for c in "\x1b\x07\x08\u202e")
            assert len(plain) < 60_000  # the megabyte line is clipped for display
            seen_click |= "[@click=app.quit]click me[/]" in plain
            await pilot.click("#detail-body", offset=(3, 0))
        assert seen_click
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x07" not in svg
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None

        # A hostile service name in the command palette is shown literally and picking it only filters.
        await pilot.press("ctrl+p", *"filter by service")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.analyzer.filter_text.startswith("service:") and "@click=app.quit" in app.analyzer.filter_text
        assert len(app.analyzer.visible_rows()) >= 1
        assert app.is_running and app.return_code is None
        app.analyzer.clear_filter()

        await pilot.press("e", "enter")
        await settle(pilot)
        note = app.drafts.last_export.read_text(encoding="utf-8")
        assert "\x1b" not in note and "\x07" not in note


async def test_escape_cancels_a_slow_load(tmp_path):
    started = []

    def slow(progress):
        started.append(True)
        deadline = time.monotonic() + 30  # bounded, so a broken cancel fails the test instead of hanging it
        while time.monotonic() < deadline:
            progress.update(message="waiting for the cluster")
            progress.check()
            time.sleep(0.01)
        raise AssertionError("the load was never cancelled")

    app = make_app(slow, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        assert started and app.loads.active
        assert "loading" in app.state
        app.main.query_one("#filter").focus()  # escape cancels the load even while typing a filter
        await pilot.pause(0.05)
        await pilot.press("escape")
        await settle(pilot)
        assert not app.loads.active
        assert app.state.startswith("cancelled")
        assert app.is_running


async def test_load_failure_becomes_a_dialog_with_a_hint(tmp_path):
    app = make_app(files_loader(str(tmp_path / "missing.log")), export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "no readable input" in text and "What to do" in text
        await pilot.press("escape")
        assert app.state == "load failed" and app.is_running


CRASHER = textwrap.dedent("""
    import asyncio, sys
    from datetime import datetime, timezone
    from triage.app import make_app
    from triage.pipeline import load_incident
    from triage.sources.files import FileSource

    DEPLOY = datetime(2026, 11, 26, 14, 2, tzinfo=timezone.utc)

    async def main():
        app = make_app(lambda p: load_incident(FileSource([sys.argv[1]]), deploy=DEPLOY, progress=p))
        async with app.run_test(size=(120, 36)) as pilot:
            while app.analyzer.analysis is None:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            await pilot.press("f", *"pinned before the crash", "enter")
            await pilot.press("n")
            await pilot.pause(0.3)
            await pilot.press(*"typed before the crash")
            await pilot.pause(1.0)
            print("TYPED", flush=True)
            await asyncio.sleep(120)

    asyncio.run(main())
""")


async def test_draft_survives_sigkill_and_is_restored(tmp_path, state_dir):
    log = write_log(tmp_path / "app.log")
    script = tmp_path / "crasher.py"
    script.write_text(CRASHER, encoding="utf-8")
    env = {**os.environ, "TRIAGE_STATE_DIR": str(state_dir)}
    proc = subprocess.Popen([sys.executable, str(script), log], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "TYPED", proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    app = make_app(files_loader(log), export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.drafts.draft.summary == "typed before the crash"
        assert [f.comment for f in app.drafts.draft.findings] == ["pinned before the crash"]
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.query_one("#note-summary").text == "typed before the crash"


def test_open_without_deploy_is_a_one_line_error(tmp_path, capsys):
    log = write_log(tmp_path / "a.log")
    assert main(["open", log]) == 2
    err = capsys.readouterr().err
    assert "--deploy is required" in err and "Traceback" not in err
    assert main(["open", log, "--deploy", "yesterday-ish"]) == 2
    assert "--deploy" in capsys.readouterr().err
    assert main(["open", log, "--deploy", "2026-11-26T14:02Z", "--metrics", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
