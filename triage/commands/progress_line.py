"""Load progress for headless commands: one self-overwriting line on stderr (`triage:  42% reading app.log`), only on a terminal.

A remote load can take minutes; without a sign of life the engineer cannot tell a slow
cluster from a hung one. Redirected stderr (CI, `2> log`) gets nothing, so logs and
scripts see only the warnings they always saw.
"""

from __future__ import annotations

import shutil
import sys
import time

from triage.textsafe import blank

INTERVAL = 0.1  # seconds between redraws: fast enough to look live, cheap for a chatty source


class ProgressLine:
    """A Progress callback that redraws `triage:  42% <message>` in place; `close()` wipes it."""

    def __init__(self, stream=None, *, clock=time.monotonic):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = _is_terminal(self.stream)
        self._clock = clock
        self._last = None
        self._shown = False

    def __call__(self, done: int, total: int | None, message: str) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if self._last is not None and now - self._last < INTERVAL:
            return
        self._last = now
        self._draw(_text(done, total, message))

    def _draw(self, text: str) -> None:
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        try:
            self.stream.write("\r\x1b[K" + text[:width])
            self.stream.flush()
            self._shown = True
        except (OSError, ValueError):  # the terminal went away: stop drawing, never fail the report
            self.enabled = False

    def close(self) -> None:
        if self._shown and self.enabled:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self._shown = False


def _text(done: int, total: int | None, message: str) -> str:
    from triage.redact import redact_cached

    message = blank(redact_cached(message or "loading"))  # a source's message may name a URL with credentials
    if total:
        return f"triage: {min(100, int(100 * done / total)):3d}% {message}"
    return f"triage: {message}"


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False
