"""What an on-call user touches first: Enter opens the detail, the template gets the width,
throttling reads as waiting (not failing)."""

from __future__ import annotations

import time

import pytest

from app_support import settle
from triage.app import make_app
from triage.app.widgets.signature_table import SignatureTable
from triage.demo import demo_incident

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


@pytest.fixture(scope="module")
def demo():
    return demo_incident()


def header_text(app) -> str:
    return str(app.main.query_one("#header").render())


async def test_enter_zooms_the_detail_and_escape_returns_to_the_table(demo, tmp_path):
    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        body = str(app.main.query_one("#detail-body").render())
        # The small pane: the samples come before the histogram, so the first event is in view.
        assert body.index("Samples") < body.index("whole loaded range")
        await pilot.press("down", "enter")
        await settle(pilot)
        second = app.analyzer.visible_rows().iloc[1]
        detail = app.main.query_one("#detail")
        assert app.analyzer.selected == second["signature"]
        assert app.main.maximized is detail and app.focused is detail
        body = str(app.main.query_one("#detail-body").render())
        assert "Samples" in body and str(second["template"])[:20] in body
        assert app.analyzer.detail_shown == second["signature"]
        assert body.index("whole loaded range") < body.index("Samples")  # zoomed: everything, in order
        await pilot.press("escape")
        await settle(pilot)
        assert app.main.maximized is None
        assert isinstance(app.focused, SignatureTable)
        body = str(app.main.query_one("#detail-body").render())
        assert body.index("Samples") < body.index("whole loaded range")
        await pilot.press("down")
        await settle(pilot)
        assert app.analyzer.selected == app.analyzer.visible_rows().iloc[2]["signature"]


async def test_template_column_gets_the_width_and_header_keeps_the_title(demo, tmp_path):
    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.main.query_one("#signatures", SignatureTable)
        template = next(c for c in table.columns.values() if c.key.value == "template")
        assert template.width >= 45
        header = header_text(app)
        assert demo.title in header
        assert "deployed 2026-11-26 14:02Z" in header and "-30m/+30m" in header and "events" in header
    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        table = app.main.query_one("#signatures", SignatureTable)
        template = next(c for c in table.columns.values() if c.key.value == "template")
        assert template.width >= 125


async def test_throttling_shows_as_waiting_then_cancels(tmp_path):
    def throttled(progress):
        progress.update(done=10, message="fetching page 1")
        progress.update(message="throttled, waiting 4s")  # right after another update: not coalesced away
        while True:
            progress.check()
            time.sleep(0.01)

    app = make_app(throttled, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.4)
        assert app.state.startswith("waiting: throttled, waiting 4s")
        assert "waiting: throttled" in header_text(app)
        assert "error" not in app.state_style and "red" not in app.state_style
        await pilot.press("escape")
        await settle(pilot)
        assert app.state.startswith("cancelled") and app.is_running


async def test_note_preview_gets_the_width_and_zooms(demo, tmp_path):
    from triage.app.screens.note import NoteScreen

    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f", "enter", "n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        box = screen.query_one("#note-preview-box")
        assert box.size.width >= 70  # the rendered note, not the editors, gets most of 120 columns
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert screen.maximized is box and box.size.width >= 110
        await pilot.press("escape")  # first escape un-zooms, the note stays open
        await settle(pilot)
        assert app.screen is screen and screen.maximized is None


async def test_help_opens_and_closes_with_escape_and_the_app_keeps_working(demo, tmp_path):
    from triage.app.screens.help import HelpScreen

    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {binding_id: key for key, _, binding_id in app.screen._rows}
        assert rows["triage.save_preset"] == "p" and rows["(table)"] == "enter"
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("q")  # q closes help, it does not quit the app
        await settle(pilot)
        assert app.is_running and not isinstance(app.screen, HelpScreen)
        await pilot.press("down")
        await settle(pilot)
        assert app.analyzer.selected == app.analyzer.visible_rows().iloc[1]["signature"]


async def test_deploy_prompt_names_the_display_zone(demo, tmp_path):
    from triage.app.screens.modals import AskModal
    from triage.timeparse import resolve_tz

    app = make_app(lambda progress: demo, export_dir=tmp_path, tz=resolve_tz("Europe/Berlin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, AskModal)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "times without a zone are in CET" in text
        assert "15:02:00+01:00" in app.screen.query_one("Input").value
