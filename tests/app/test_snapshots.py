"""Snapshot tests of the main screens on the demo incident at 120x36.

Deterministic: the demo is seeded, the header has no clock, drafts go to a temp dir,
notifications are cleared and cursors do not blink. Update with `--snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from app_support import settle as _settle
from triage.app import make_app
from triage.demo import demo_incident

pytestmark = pytest.mark.usefixtures("state_dir")

SIZE = (120, 36)


@pytest.fixture(scope="module")
def demo():
    return demo_incident()


async def settle(pilot) -> None:
    """Workers done, notifications gone and cursors still, so the picture is deterministic."""
    await _settle(pilot)
    app = pilot.app
    app.clear_notifications()
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause(0.1)


def app_for(demo, tmp_path):
    return make_app(lambda progress: demo, export_dir=tmp_path)


def test_main_screen(snap_compare, demo, tmp_path):
    assert snap_compare(app_for(demo, tmp_path), terminal_size=SIZE, run_before=settle)


def test_detail_zoomed_on_second_signature(snap_compare, demo, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)

    assert snap_compare(app_for(demo, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_metrics_zoomed(snap_compare, demo, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.main.query_one("#metrics").focus()
        await pilot.press("z")
        await settle(pilot)

    assert snap_compare(app_for(demo, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_note_screen_with_a_pinned_finding(snap_compare, demo, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f", *"first error after the deploy", "enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Card payments fail since v2.4.0.")
        await pilot.pause(0.4)
        await settle(pilot)

    assert snap_compare(app_for(demo, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_deploy_picker(snap_compare, demo, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)

    assert snap_compare(app_for(demo, tmp_path), terminal_size=SIZE, run_before=run_before)
