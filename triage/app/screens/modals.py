"""Small modal dialogs: ask for one value, confirm, or explain an error."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from triage.app.inert import inert


class AskModal(ModalScreen[str | None]):
    """One line of input; Enter returns it, Escape returns None.

    `check` may raise ValueError with a readable message to keep the dialog open.
    """

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="modal.cancel")]

    def __init__(self, title: str, prompt: str = "", value: str = "", placeholder: str = "", check=None):
        super().__init__()
        self._title, self._prompt, self._value, self._placeholder, self._check = title, prompt, value, placeholder, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Text(self._title)
            if self._prompt:
                yield Static(inert(self._prompt, multiline=True), classes="prompt")
            yield Input(value=self._value, placeholder=self._placeholder, id="ask-input")
            yield Static("", id="ask-error", classes="error")
            yield Static(Text("Enter to confirm, Escape to cancel", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        if self._check is not None:
            try:
                self._check(value)
            except ValueError as exc:
                self.query_one("#ask-error", Static).update(inert(str(exc)))
                return
        self.dismiss(value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="modal.no"),
        Binding("y", "answer(True)", "Yes", id="modal.yes"),
    ]

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "Cancel"):
        super().__init__()
        self._title, self._question, self._yes, self._no = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Text(self._title)
            yield Static(inert(self._question, multiline=True), classes="prompt")
            with Horizontal(classes="buttons"):
                yield Button(Text(self._yes), variant="warning", id="yes")
                yield Button(Text(self._no), id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ErrorModal(ModalScreen[None]):
    """A failure the user can act on: what happened and what to do."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="modal.close")]

    def __init__(self, title: str, message: str, hint: str = ""):
        super().__init__()
        self._title, self._message, self._hint = title, message, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog") as box:
            box.border_title = Text(self._title)
            yield Static(inert(self._message, multiline=True, limit=4000), classes="prompt")
            if self._hint:
                yield Static(Text.assemble(("What to do: ", "bold"), inert(self._hint, multiline=True)))
            yield Button(Text("Close"), id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
