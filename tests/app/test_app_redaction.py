"""Secrets in log lines: masked on screen by default (R shows them), always masked in the
note preview, the clipboard copy and the export."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rich.text import Text

from app_support import settle
from secret_corpus import own_samples, vendor_samples
from triage.app import make_app
from triage.app.screens.note import NoteScreen
from triage.pipeline import load_incident
from triage.sources.files import FileSource

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]

DEPLOY = datetime(2026, 11, 26, 14, 2, tzinfo=timezone.utc)


def _samples():
    picks = [s for s in vendor_samples()[::40] + own_samples()[::25] if "\n" not in s.line]
    return picks[:12]


def _write(path, samples) -> str:
    lines = [f"2026-11-26T13:{40 + m // 2:02d}:{(m % 2) * 30:02d}Z INFO request served in {m} ms" for m in range(30)]
    for i, s in enumerate(samples):
        for k in range(4):
            lines.append(f"2026-11-26T14:{10 + k:02d}:{i:02d}Z ERROR leak{i} {s.line}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _plain(widget) -> str:
    body = widget.render()
    return body.plain if isinstance(body, Text) else str(body)


async def test_secrets_are_masked_on_screen_until_shown_and_never_leave(tmp_path):
    samples = _samples()
    path = _write(tmp_path / "leaky.log", samples)
    app = make_app(lambda progress: load_incident(FileSource([path]), deploy=DEPLOY, progress=progress), export_dir=tmp_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]  # the terminal's OSC 52 is not under test
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.main.query_one("#signatures")
        col = table.get_column_index("template")
        cells = " ".join(table.get_cell_at((r, col)).plain for r in range(table.row_count))
        shown = []
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await settle(pilot, rounds=2)
            shown.append(_plain(app.main.query_one("#detail-body")))
        screen = cells + "\n".join(shown)
        assert "[REDACTED" in screen
        assert [s.kind for s in samples if s.secret in screen] == []

        table.move_cursor(row=0)  # the most changed signature: one of the leaky NEW lines
        await settle(pilot, rounds=2)
        masked = _plain(app.main.query_one("#detail-body"))
        await pilot.press("R")
        await settle(pilot)
        raw = _plain(app.main.query_one("#detail-body"))
        here = [s for s in samples if s.secret in raw]
        assert here and "[REDACTED" in masked and not any(s.secret in masked for s in here)

        for row in range(table.row_count):  # pin every finding, then look at each exit
            table.move_cursor(row=row)
            await settle(pilot, rounds=1)
            table.focus()
            await pilot.press("f")
            await settle(pilot, rounds=1)
            await pilot.press("enter")  # no comment
            await settle(pilot, rounds=1)
        assert len(app.drafts.draft.findings) == table.row_count
        table.focus()
        await pilot.press("y")
        await settle(pilot)
        app.action_note()
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        preview = app.screen.query_one("#note-preview").source
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        exported = app.drafts.last_export.read_text(encoding="utf-8")
        assert copied and all("leak" in c for c in copied)
        for text in (*copied, preview, exported):
            assert [s.kind for s in samples if s.secret in text] == []

        table.move_cursor(row=0)
        await settle(pilot, rounds=2)
        assert any(s.secret in _plain(app.main.query_one("#detail-body")) for s in here)  # still shown
        table.focus()
        await pilot.press("R")
        await settle(pilot)
        assert _plain(app.main.query_one("#detail-body")) == masked
