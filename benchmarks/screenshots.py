"""Drive the real app on the demo incident and write SVG (and PNG) screenshots for the README.

    python benchmarks/screenshots.py [--out screenshots] [--no-png]

PNG needs `rsvg-convert` (apt-get install -y librsvg2-bin; fonts-firacode for the right font).
Drafts go to a throw-away state dir so a saved draft never changes the pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SIZE = (120, 36)


async def settle(pilot, seconds: float = 0.3) -> None:
    from textual.worker import WorkerCancelled, WorkerFailed

    app = pilot.app
    for _ in range(3):
        await pilot.pause(seconds)
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):  # superseded by a newer worker: fine
            pass
    await pilot.pause(0.1)


async def shoot(out: Path) -> list[Path]:
    from triage.app import make_demo_app

    app = make_demo_app(export_dir=tempfile.mkdtemp(prefix="triage-shots-"))
    written = []

    def save(name: str) -> None:
        written.append(Path(app.save_screenshot(f"{name}.svg", path=str(out))))

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.clear_notifications()
        save("main")
        await pilot.press("down", "enter")  # Enter opens the signature's detail full-screen
        await settle(pilot)
        save("detail")
        await pilot.press("escape")
        await pilot.press("up")
        await settle(pilot)
        app.main.query_one("#metrics").focus()
        await pilot.press("z")
        await settle(pilot)
        save("metrics")
        await pilot.press("escape")
        app.main.query_one("#signatures").focus()
        await pilot.press("slash")
        await pilot.press(*"level:error status:new,spike")
        await pilot.press("enter")
        await settle(pilot)
        save("filter")
        app.analyzer.clear_filter()
        await settle(pilot)
        await pilot.press("f")
        await pilot.press(*"first error after the deploy")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Card payments fail since v2.4.0: payments cannot reach mock-payments.")
        await settle(pilot, 0.5)
        save("note")
        await pilot.press("escape")
        await pilot.press("question_mark")
        await settle(pilot)
        save("help")
    return written


def to_png(svg: Path) -> Path | None:
    """rsvg drops spaces at the start of text runs unless told to preserve them."""
    if not shutil.which("rsvg-convert"):
        return None
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False, encoding="utf-8") as tmp:
        tmp.write(text)
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-o", str(png), tmp.name], check=True)
    os.unlink(tmp.name)
    return png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--no-png", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TRIAGE_STATE_DIR"] = tempfile.mkdtemp(prefix="triage-state-")
    for svg in asyncio.run(shoot(out)):
        png = None if args.no_png else to_png(svg)
        print(svg, png or "")


if __name__ == "__main__":
    main()
