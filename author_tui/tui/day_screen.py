"""The day: the digest's entries in order. Open one, add one (blank, pasted, or from arXiv), reorder,
delete (after confirming), save.

Why a list first: the author writes several entries a day and reorders them before publishing; the editor
is one Enter away. Reordering and deleting change the digest in memory (the status bar says
[modified]) until ctrl+s writes it.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from author_tui.core.digest import day_header, problems
from author_tui.core.model import Entry
from author_tui.errors import AuthorTuiError
from author_tui.tui.author_screen import AuthorScreen, PaletteCommand
from author_tui.tui.messages import FetchFailed, PaperFetched
from author_tui.tui.modals import ArxivScreen, ConfirmScreen, PasteScreen
from author_tui.tui.widgets import StatusBar


class DayScreen(AuthorScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("a", "add", "Add"),
        Binding("p", "paste", "Paste paper"),
        Binding("x", "arxiv", "arXiv id"),
        Binding("K,shift+up", "move(-1)", "Up"),
        Binding("J,shift+down", "move(1)", "Down"),
        Binding("d,delete", "delete", "Delete"),
        Binding("ctrl+s", "save", "Save"),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("", id="day-title", markup=False)
        yield OptionList(id="entries")
        yield Label("No entries yet: p pastes a paper, x looks one up on arXiv, a adds a blank one.",
                    id="empty-hint")
        yield StatusBar("", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_entries()

    def on_screen_resume(self) -> None:
        self.refresh_entries()

    # --- the list -------------------------------------------------------------------------------------

    def refresh_entries(self, select: tuple[int, int] | None = None) -> None:
        document = self.author_app.document
        days = document.digest.days
        self.query_one("#day-title", Label).update(
            f"{', '.join(day_header(d.date) for d in days) or day_header(self.author_app.today)}"
            f" — {document.path}"
        )
        options = self.query_one("#entries", OptionList)
        highlighted = select or self.selected()
        options.clear_options()
        for d, day in enumerate(days):
            if len(days) > 1:
                options.add_option(Option(day_header(day.date), disabled=True))
            for i, entry in enumerate(day.entries):
                options.add_option(Option(Text(_row(i, entry)), id=f"e-{d}-{i}"))
        self.set_class(not document.digest.entries(), "-empty")
        self._highlight(highlighted)

    def _highlight(self, where: tuple[int, int] | None) -> None:
        options = self.query_one("#entries", OptionList)
        if where is not None:
            try:
                options.highlighted = options.get_option_index(f"e-{where[0]}-{where[1]}")
                return
            except Exception:  # noqa: BLE001 - the entry is gone (deleted); fall through to the first one
                pass
        first = next((i for i in range(options.option_count) if not options.get_option_at_index(i).disabled), None)
        options.highlighted = first

    def selected(self) -> tuple[int, int] | None:
        options = self.query_one("#entries", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        if not option_id:
            return None
        _, d, i = option_id.split("-")
        return int(d), int(i)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    # --- actions --------------------------------------------------------------------------------------

    def action_open(self) -> None:
        where = self.selected()
        if where is not None:
            self.author_app.open_entry(*where)

    def action_add(self) -> None:
        self.author_app.new_entry(Entry.model_validate({"title": ""}))

    def action_paste(self) -> None:
        self.app.push_screen(PasteScreen(classes="dialog"), self._pasted)

    def _pasted(self, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        from author_tui.core.paste import split_paste

        try:
            paper = split_paste(text)
        except AuthorTuiError as error:
            self.notify(str(error), severity="error", title="Could not read the paste")
            return
        self.author_app.new_entry(paper, pasted=True)

    def action_arxiv(self) -> None:
        self.app.push_screen(ArxivScreen(classes="dialog"), self._arxiv_ref)

    def _arxiv_ref(self, ref: object) -> None:
        if isinstance(ref, str) and ref:
            self.notify(f"Asking arXiv for {ref}…")
            self._fetch(ref)

    @work(thread=True, exclusive=True, group="arxiv", exit_on_error=False)
    def _fetch(self, ref: str) -> None:
        try:
            paper = self.author_app.arxiv.fetch(ref)
        except AuthorTuiError as error:
            self.post_message(FetchFailed(error))
            return
        self.post_message(PaperFetched(paper))

    def on_paper_fetched(self, message: PaperFetched) -> None:
        self.author_app.new_entry(message.paper)

    def on_fetch_failed(self, message: FetchFailed) -> None:
        self.notify(str(message.error), severity="error", title="arXiv", timeout=10)

    def action_move(self, step: int) -> None:
        where = self.selected()
        if where is None:
            return
        index = self.author_app.document.move(where[0], where[1], step)
        self.author_app.document_changed()
        self.refresh_entries((where[0], index))

    def action_delete(self) -> None:
        where = self.selected()
        if where is None:
            return
        entry = self.author_app.document.digest.days[where[0]].entries[where[1]]
        question = f"Delete '{entry.title[:60]}'? (the file changes when you save)"
        self.app.push_screen(ConfirmScreen(question, "Delete"), lambda yes: self._delete(where, yes))

    def _delete(self, where: tuple[int, int], yes: object) -> None:
        if yes:
            self.author_app.document.delete(*where)
            self.author_app.document_changed()
            self.refresh_entries((where[0], max(where[1] - 1, 0)))

    def action_save(self) -> None:
        self.author_app.save_document(self)

    def document_saved(self, entry: Entry | None) -> None:
        """Nothing to do here: the App cleared [modified] if nothing changed while the save ran."""

    def resolve_conflict(self, choice: object) -> None:
        """The digest changed on disk: reload it (dropping the reordering), overwrite, or leave it."""
        if choice == "reload":
            try:
                self.author_app.document.reload()
            except AuthorTuiError as error:  # the other writer left a file we cannot read: nothing changed
                self.notify(str(error), severity="error", title="Not reloaded", timeout=15)
                return
            self.author_app.document_changed()
            self.refresh_entries()
        elif choice == "overwrite":
            self.author_app.save_document(self, overwrite=True)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Paste a paper", "Title, authors and abstract from a pasted block", self.action_paste),
            ("Look up on arXiv", "Title, authors and abstract by arXiv id or URL", self.action_arxiv),
            ("Add a blank entry", "Type the paper in yourself", self.action_add),
            ("Save digest", "Write the reordered / trimmed digest", self.action_save),
        ]


def _row(index: int, entry: Entry) -> str:
    mark = "" if not problems(entry) else "  ⚠"
    tags = f"  {entry.tag_line}" if entry.tags else ""
    return f"{index + 1}. {entry.title}{tags}{mark}"
