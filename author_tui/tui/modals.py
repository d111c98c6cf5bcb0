"""Small dialogs: confirm, paste a paper, enter an arXiv id, restore an autosave, resolve a save conflict.

Each is a ModalScreen that dismisses with its answer, so callers write
`self.app.push_screen(ConfirmScreen("Delete?"), on_answer)`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea
from textual.widgets.button import ButtonVariant


class _Dialog(ModalScreen[object]):
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.name)


def _buttons(*choices: tuple[str, str, ButtonVariant]) -> Horizontal:
    """(name, label, variant) buttons in a row; the dialog dismisses with the pressed one's name."""
    return Horizontal(
        *(Button(label, name=name, id=f"btn-{name}", variant=variant) for name, label, variant in choices),
        classes="buttons",
    )


class ConfirmScreen(_Dialog):
    """A yes/no question; dismisses with True for yes."""

    BINDINGS = [Binding("escape,n", "dismiss_none", "No"), Binding("y", "yes", "Yes")]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog")
        self.question, self.yes = question, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-body"):
            yield Label(self.question, markup=False)
            yield _buttons(("yes", self.yes, "error"), ("no", "No", "default"))

    def action_yes(self) -> None:
        self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.name == "yes")


class PasteScreen(_Dialog):
    """A box to paste a paper into (an arXiv abstract page, a house-format entry, or plain lines)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel"), Binding("ctrl+s", "submit", "Use this")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-body wide"):
            yield Label("Paste the paper (title, authors, abstract), then ctrl+s:")
            yield TextArea("", id="paste-area", soft_wrap=True)
            yield _buttons(("submit", "Use this", "primary"), ("cancel", "Cancel", "default"))

    def action_submit(self) -> None:
        self.dismiss(self.query_one("#paste-area", TextArea).text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name == "submit":
            self.action_submit()
        else:
            self.dismiss(None)


class ArxivScreen(_Dialog):
    """Ask for an arXiv id or URL."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-body"):
            yield Label("arXiv id or URL (e.g. 2506.13585), then Enter:")
            yield Input(placeholder="2506.13585", id="arxiv-ref")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)


class RestoreScreen(_Dialog):
    """Offer to restore an entry autosaved by an instance that did not exit cleanly."""

    BINDINGS = [Binding("r", "choose('restore')", "Restore"), Binding("d", "choose('discard')", "Discard"),
                Binding("escape", "dismiss_none", "Later")]

    def __init__(self, title: str, saved_at: str) -> None:
        super().__init__(classes="dialog")
        self.entry_title, self.saved_at = title, saved_at

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-body"):
            yield Label("Unsaved work was found (author-tui did not exit cleanly):", markup=False)
            yield Label(f"  {self.entry_title or '(untitled)'} — autosaved {self.saved_at}", markup=False)
            yield _buttons(("restore", "Restore (r)", "primary"), ("discard", "Discard (d)", "error"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class ConflictScreen(_Dialog):
    """The digest changed on disk since it was opened: merge, overwrite, or leave it for now."""

    def __init__(self, path: str, can_merge: bool) -> None:
        super().__init__(classes="dialog")
        self.path, self.can_merge = path, can_merge

    def compose(self) -> ComposeResult:
        merge: tuple[str, str, ButtonVariant] = ("merge", "Reload + re-apply my entry", "primary")
        reload: tuple[str, str, ButtonVariant] = ("reload", "Reload (drop my reordering)", "primary")
        first = merge if self.can_merge else reload
        with Vertical(classes="dialog-body"):
            yield Label(f"{self.path} changed on disk since it was opened", markup=False, classes="conflict")
            yield Label("(another program or author-tui window wrote it). Nothing was written.")
            yield _buttons(first, ("overwrite", "Overwrite theirs", "error"), ("cancel", "Cancel", "default"))
