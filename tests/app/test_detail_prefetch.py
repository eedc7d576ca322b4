"""The rows next to the shown one are made in the background: a cursor key shows one at once.

A prefetched detail is only used for the state it was made from (same incident, analysis and
windows); after a window change the detail is made again for the new windows.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from app_support import settle
from triage.app import make_app
from triage.app.controllers import analysis as controller
from triage.demo import demo_incident

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("state_dir")]


@pytest.fixture(scope="module")
def demo():
    return demo_incident()


def counting_jobs(monkeypatch) -> list[str]:
    """The signatures whose detail a worker made (user jobs and prefetches alike)."""
    made: list[str] = []
    real = controller.run_detail

    def run(job):
        made.append(job.signature)
        return real(job)

    monkeypatch.setattr(controller, "run_detail", run)
    return made


@asynccontextmanager
async def settled(demo, tmp_path):
    """The demo app, started and settled: (pilot, app, its analysis controller)."""
    app = make_app(lambda progress: demo, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        yield pilot, app, app.analyzer


async def test_a_cursor_key_shows_the_prefetched_neighbour_without_a_job(demo, tmp_path, monkeypatch):
    made = counting_jobs(monkeypatch)
    async with settled(demo, tmp_path) as (pilot, app, a):
        order = list(a.visible_rows()["signature"].astype(str))
        assert a.detail_shown == order[0]
        assert {order[1], order[2]} <= set(a._prefetched)  # the rows below were made in the background
        before = len(made)
        await pilot.press("down")
        assert a.selected == order[1] and a.detail_shown == order[1]  # shown in the key's own handling
        assert "Detail: " in str(app.main.query_one("#detail").border_title)
        await settle(pilot)
        assert order[1] not in made[before:]  # no worker made it again
        assert order[3] in a._prefetched  # and the prefetch moved on with the cursor
        await pilot.press("up")
        assert a.detail_shown == order[0]


async def test_a_window_change_makes_the_detail_again(demo, tmp_path, monkeypatch):
    made = counting_jobs(monkeypatch)
    async with settled(demo, tmp_path) as (pilot, app, a):
        old = a.analysis
        await pilot.press("]")  # a wider after window: a new analysis
        await settle(pilot)
        assert a.analysis is not old
        second = str(a.visible_rows()["signature"].astype(str).iloc[1])
        stale = a._prefetched.get(second)
        assert stale is None or a._usable(stale, a._bins())  # only entries for the new state remain usable
        before = len(made)
        await pilot.press("down")
        await settle(pilot)
        assert a.detail_shown == second
        entry = a._prefetched[second]
        assert entry[1][2]() is a.analysis  # what is shown was made from the analysis on screen
        assert second in made[before:] or stale is not None
