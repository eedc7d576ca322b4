"""The help screen: every key, its binding id (for keymaps) and the filter language."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

FILTER_HELP = """\
Filter bar (/): words must all appear in the template; plus
  level:warn           that level and worse (debug info warn error fatal)
  service:NAME host:NAME   signatures seen on that service / host
  status:new,spike     NEW SPIKE DROP GONE STEADY
  sig:3fa9             signature id prefix
Time: d sets the deploy (absolute, epoch, now-2h, or +5m / -90s relative to the current deploy);
D picks one of the deploy times found in the data (version change, rollout lines, change point);
[ and ] move it by one minute; + and - widen or narrow both windows; w sets them (15m or 10m/45m).
Keys can be remapped by binding id (TRIAGE_KEYMAP=path/to/keymap.toml, lines like  "triage.pin" = "p")."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str, str]]):
        super().__init__()
        self._rows = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key")
        table.add_column("does")
        table.add_column("binding id", style="dim")
        for key, description, binding_id in self._rows:
            table.add_row(Text(key), Text(description), Text(binding_id))
        with VerticalScroll(classes="dialog help-dialog") as box:
            box.border_title = Text("Help: keys (Escape to close)")
            yield Static(table)
            yield Static(Text(FILTER_HELP, style=""), classes="prompt")
