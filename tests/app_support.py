"""Shared helpers for the Pilot tests: wait for the app to settle, open it from CLI arguments."""

from __future__ import annotations

from textual.worker import WorkerCancelled, WorkerFailed

from triage.app import make_app
from triage.cli import build_parser
from triage.commands.open import build_loader
from triage.timeparse import resolve_tz


async def settle(pilot, rounds: int = 3, pause: float = 0.15) -> None:
    """Let debounce timers fire and every worker finish (superseded workers count as finished)."""
    for _ in range(rounds):
        await pilot.pause(pause)
        try:
            await pilot.app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            pass
    await pilot.pause(0.05)


def open_app(tmp_path, *argv):
    """The app as `triage open ARGV` would build it, exporting into tmp_path."""
    args = build_parser().parse_args(["open", *argv])
    return make_app(build_loader(args, resolve_tz(None)), export_dir=tmp_path)
