"""The command palette: time controls, filters by service/host/status, pin, note, export, presets."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from triage.app.inert import clean, screen_redaction

if TYPE_CHECKING:
    from triage.app.app import TriageApp

STATUSES = ("NEW", "SPIKE", "DROP", "GONE", "STEADY")
LEVELS = ("warn", "error", "fatal")
MAX_VALUES = 300


class TriageCommands(Provider):
    @property
    def triage(self) -> TriageApp:
        """The app, typed (the palette only ever runs inside TriageApp)."""
        return cast("TriageApp", self.app)

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.triage
        view, loads = app.analyzer, app.loads
        cmds: list[tuple[str, Callable[[], object], str]] = [
            ("Set deploy time…", app.action_set_deploy, "absolute, now-2h, or +5m from the current deploy"),
            ("Change windows…", app.action_set_window, "before/after the deploy, e.g. 10m/45m"),
            ("Widen windows (+5m)", partial(app.action_widen, 1), ""),
            ("Narrow windows (-5m)", partial(app.action_widen, -1), ""),
            ("Move deploy 1 minute earlier", partial(app.action_shift, -1), ""),
            ("Move deploy 1 minute later", partial(app.action_shift, 1), ""),
            ("Pin selected finding", app.action_pin, "signature or metric"),
            ("Open the incident note", app.action_note, "summary, impact, actions, preview"),
            ("Export note…", app.action_export_note, "write the redacted Markdown file"),
            ("Copy note to clipboard", app.action_copy_note, ""),
            ("Show secrets on screen" if screen_redaction() else "Mask secrets on screen", app.action_toggle_redaction,
             "log text only; notes, exports and copies stay redacted"),
            ("Clear filter", view.clear_filter, ""),
            ("Reload data", app.action_reload, "run the source again"),
            ("Save current query as preset…", app.action_save_preset, "a TOML file you can reuse and commit"),
            ("Help: keys", app.action_help, ""),
        ]
        for status in STATUSES:
            cmds.append((f"Filter by status {status}", partial(view.set_filter_token, "status", status.lower()), ""))
        for level in LEVELS:
            cmds.append((f"Filter by level {level} and worse", partial(view.set_filter_token, "level", level), ""))
        for key in ("rank", "after", "ratio", "q", "before", "status", "template"):
            cmds.append((f"Sort by {key}", partial(view.sort_by, key), ""))
        prepared = view.prepared
        if prepared is not None:
            for service in prepared.services[:MAX_VALUES]:
                cmds.append((f"Filter by service {clean(service, 60)}",
                             partial(view.set_filter_token, "service", service), ""))
            for host in prepared.hosts[:MAX_VALUES]:
                cmds.append((f"Filter by host {clean(host, 60)}", partial(view.set_filter_token, "host", host), ""))
        for name in loads.presets:
            cmds.append((f"Switch preset {clean(name, 60)}", partial(loads.switch_preset, name), "reload from this preset"))
        return cmds

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands()[:14]:
            yield DiscoveryHit(Content(text), command, text=text, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                # Values from the data may contain markup: never let the matcher parse them.
                display = Content(text) if ("[" in text or "]" in text) else matcher.highlight(text)
                yield Hit(score, display, command, text=text, help=help_text or None)
