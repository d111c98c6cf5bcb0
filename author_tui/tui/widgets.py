"""The editor's building blocks: a field with its warnings, one-line text areas, tag chips, the status bar.

Why TextArea everywhere: it has undo/redo (ctrl+z / ctrl+y) and renders Hangul's double-width cells
aligned; `OneLineArea` keeps title and authors on one line, as the house format does. State is shown with
CSS classes (`-streaming`, `-has-warnings`, `-on`, `-new`), styled in app.tcss.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static, TextArea


class OneLineArea(TextArea):
    """A TextArea for one-line fields: Enter does not insert a line break."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.prevent_default()
            return
        await super()._on_key(event)


class FieldBox(Vertical):
    """A labelled text field with the output-check warnings that concern it shown right below."""

    def __init__(self, name: str, label: str, *, one_line: bool = False, language: str | None = None) -> None:
        super().__init__(id=f"box-{name}", classes="field-box")
        self.field = name
        self.label = label
        area_class = OneLineArea if one_line else TextArea
        self.area = area_class("", id=name, soft_wrap=True, show_line_numbers=False, language=language)
        self.area.border_title = label
        self._before_stream = ""

    def compose(self) -> ComposeResult:
        yield self.area
        yield Static("", classes="warnings", markup=False)

    @property
    def text(self) -> str:
        return self.area.text

    def set_text(self, text: str) -> None:
        """Replace the text as one undoable edit (ctrl+z brings the old text back)."""
        self.area.replace(text, self.area.document.start, self.area.document.end)

    def show_warnings(self, warnings: list[str]) -> None:
        self.query_one(".warnings", Static).update("\n".join(f"⚠ {w}" for w in warnings))
        self.set_class(bool(warnings), "-has-warnings")

    def wait(self, waiting: bool) -> None:
        """Show that the model has been asked for this field (a local model may take a while to start)."""
        self.area.border_subtitle = "waiting for the model… (Esc cancels)" if waiting else ""
        self.set_class(waiting, "-waiting")

    # Streaming: the field is read-only while the model writes it; the final text lands as one undoable
    # edit over what was there before, and a cancel puts that back.
    def start_stream(self) -> None:
        self.wait(False)
        self._before_stream = self.area.text
        self.area.read_only = True
        self.add_class("-streaming")

    def stream(self, text: str) -> None:
        self.area.load_text(text)
        self.area.scroll_end(animate=False)

    def end_stream(self, final: str | None) -> None:
        self.area.load_text(self._before_stream)
        if final is not None:
            self.set_text(final)
        self.area.read_only = False
        self.remove_class("-streaming")


class TagChips(Horizontal):
    """Suggested tags as chips: Enter or a click toggles one; tags new to the vocabulary are marked."""

    class Toggled(Message):
        def __init__(self, tag: str) -> None:
            super().__init__()
            self.tag = tag

    def show(self, suggested: list[str], new: list[str], chosen: list[str]) -> None:
        self.remove_children()
        chips = [self._chip(tag, tag in new, tag in chosen) for tag in suggested]
        self.mount_all(chips)
        self.set_class(bool(chips), "-has-chips")

    def mark(self, chosen: list[str]) -> None:
        for chip in self.query(Button):
            chip.set_class(chip.name in chosen, "-on")

    def _chip(self, tag: str, new: bool, on: bool) -> Button:
        label = f"#{tag}" + (" (new)" if new else "")
        chip = Button(label, name=tag, compact=True, classes="chip")
        chip.set_class(new, "-new")
        chip.set_class(on, "-on")
        return chip

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.post_message(self.Toggled(event.button.name))


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows: the model, its state, what the session has used, the file."""

    endpoint: str = ""
    model: str = ""
    state: str = "starting"  # starting | ready | unavailable
    detail: str = ""  # while starting: the step it is at ("loading the archive")
    tokens: int = 0
    requests: int = 0
    cache_hits: int = 0
    cost: str = ""  # what the session's tokens cost at the model's price ("" when it has none)
    file: str = ""
    modified: bool = False

    def render(self) -> str:
        where = f"{self.endpoint} · {self.model}" if self.model else self.endpoint
        state = f"{self.state}: {self.detail}" if self.detail else self.state
        model = f"model: {where} ({state})" if where else f"model: {state}"
        usage = f"tokens {self.tokens:,} in {self.requests} calls{' · ' + self.cost if self.cost else ''}" \
            f" · cache hits {self.cache_hits}"
        file = self.file + (" [modified]" if self.modified else "")
        return f"{model} │ {usage} │ {file}"


class StatusBar(Label):
    """One line above the footer; follows the app's `status` reactive."""

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show)

    def _show(self, info: StatusInfo) -> None:
        self.update(info.render())
        for state in ("starting", "ready", "unavailable"):
            self.set_class(info.state == state, f"-{state}")
