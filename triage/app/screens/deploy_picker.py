"""The deploy picker: deploy-time candidates found in the data (triage.deploys), or type one.

Shown after a `--deploy auto` load and on `D`. Labels are log text: rendered inert.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage.app import format as fmt
from triage.app.inert import inert

TYPE_OWN = "type"
KIND_WORDS = {"version": "version", "rollout": "rollout", "change_point": "change"}


class DeployPicker(ModalScreen[object]):
    """Returns the chosen candidate's time (a datetime), TYPE_OWN to type a time, or None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="picker.cancel")]

    def __init__(self, candidates: list, *, tz=None, current=None):
        super().__init__()
        self._candidates, self._tz, self._current = list(candidates), tz, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="deploy-picker") as box:
            box.border_title = Text("Deploy time")
            intro = ("Candidates found in the logs, strongest evidence first:" if self._candidates
                     else "No version change, rollout line or clear change point in the loaded data.")
            yield Static(Text(intro), classes="prompt")
            options = [Option(self._label(c), id=f"c{i}") for i, c in enumerate(self._candidates)]
            options.append(Option(Text("Type a time…", style="italic"), id=TYPE_OWN))
            yield OptionList(*options, id="deploy-options")
            yield Static(Text("Enter to choose, Escape to keep the current deploy", style="dim"))

    def _label(self, c) -> Text:
        when = fmt.when(c.time.to_pydatetime(), self._tz)
        text = Text()
        text.append(f"{when}  ", style="bold")
        text.append(f"{KIND_WORDS.get(c.kind, c.kind):<8} ", style="cyan")
        text.append(inert(c.label, limit=160))
        if self._current is not None and abs((c.time.to_pydatetime() - self._current).total_seconds()) < 1:
            text.append("  (current)", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one("#deploy-options", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        if oid == TYPE_OWN:
            self.dismiss(TYPE_OWN)
            return
        self.dismiss(self._candidates[int(oid[1:])].time.to_pydatetime())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
