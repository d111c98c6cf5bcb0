"""The last model call that filled a field, on a key in the entry editor: what it was asked, what it said.

Why: when the model writes something odd into a field, the author's first question is "what was it
asked?". The call log (`store.calllog`) has every call; this finds the newest answered one for the field's
task about this paper (its title in the messages), on a worker thread, and shows it in a dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, TextArea

if TYPE_CHECKING:
    from author_tui.store.calllog import LoggedCall

TASK_OF_FIELD = {"note": "draft", "english": "translate", "tags": "tags"}


def last_call_for(settings: Any, field: str, title: str) -> LoggedCall | None:
    """The newest answered call of the field's task about the paper titled `title` (I/O: a worker's job)."""
    from author_tui.store.calllog import open_call_log

    task = TASK_OF_FIELD.get(field)
    if task is None:
        return None
    log = open_call_log(settings)
    try:
        return log.last(task, mentioning=title.strip() or None)
    finally:
        log.close()


def describe(call: LoggedCall) -> str:
    """The call as the dialog shows it: the facts, then every message, then the reply."""
    cached = " (from the reply cache)" if call.cached else ""
    lines = [
        f"{call.started[:19].replace('T', ' ')} UTC · {call.task} · prompt {call.prompt_name}@{call.prompt_hash[:8]}",
        f"{call.model} at {call.endpoint} · rung {call.rung or '-'} · {call.prompt_tokens}+{call.completion_tokens} "
        f"tokens · {call.seconds:.1f} s · {call.outcome}{cached}",
    ]
    for message in call.messages:
        lines += ["", f"--- {message.get('role', '?')}", str(message.get("content", ""))]
    lines += ["", "--- reply", call.reply]
    return "\n".join(lines)


class LastCallScreen(ModalScreen[None]):
    """A read-only view of one logged call (or a line saying there is none)."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, field: str, call: LoggedCall | None) -> None:
        super().__init__(classes="dialog")
        self.field, self.call = field, call

    def compose(self) -> ComposeResult:
        with Vertical(id="last-call", classes="dialog-body" + (" wide" if self.call else "")):
            if self.call is None:
                yield Label(f"No logged model call filled the {self.field} of this paper "
                            "(written by hand, from an older log, or the call log is off: call_log_days = 0).",
                            markup=False)
            else:
                yield Label(f"The last model call for the {self.field}", markup=False)
                yield TextArea(describe(self.call), read_only=True, id="call-text")
            yield Button("Close", name="close", id="btn-close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


def show_last_call(screen: Screen[Any], field: str, title: str) -> None:
    """Look the call up on a worker thread, then show it (the lookup reads SQLite: not on the UI thread)."""
    app = screen.app
    settings = getattr(app, "settings", None)

    def find() -> None:
        call = last_call_for(settings, field, title) if settings is not None else None
        app.call_from_thread(app.push_screen, LastCallScreen(field, call))

    screen.run_worker(find, thread=True, group="last-call", exclusive=True, exit_on_error=False)
