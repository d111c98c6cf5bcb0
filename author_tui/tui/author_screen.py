"""The typed seam between the screens and the App: a screen reaches its app as `AuthorApp` (so mypy checks
every call across it, as posting's `cast("Posting", self.app)` does), and the App calls back into a screen
only through the methods declared here.

What crosses the seam, each way:
- screen -> App: the open digest (`document`), the autosave, the model (`authoring`, `model_problem`), the
  arXiv client, `save_document`, `edit_externally`, navigation (`open_entry`, `new_entry`);
- App -> screen: `document_saved` and `resolve_conflict` after a save the screen asked for, and
  `palette_commands` for the command palette. The defaults here do nothing, so a screen declares only what
  it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from author_tui.core.model import Entry
    from author_tui.tui.app import AuthorApp

PaletteCommand = tuple[str, str, Callable[[], object]]  # (title, help, what it runs)


class AuthorScreen(Screen[None]):
    """A screen of the authoring app (the day list, the entry editor)."""

    @property
    def author_app(self) -> AuthorApp:
        return cast("AuthorApp", self.app)

    def document_saved(self, entry: Entry | None) -> None:
        """The App wrote the digest this screen asked to save; `entry` is what the editor saved (or None)."""

    def resolve_conflict(self, choice: object) -> None:
        """The digest changed on disk before this screen's save: the author chose `choice` in the dialog."""

    def model_settled(self) -> None:
        """The model finished starting: it is ready (`author_app.authoring` set) or it is unavailable."""

    def palette_commands(self) -> list[PaletteCommand]:
        """What this screen adds to the command palette."""
        return []
