"""The entry editor: the paper's fields, the drafted note / English / tags, and a live preview of the entry
exactly as it will be written in the digest.

Why it looks like this: the author reads the abstract, lets the model draft, fixes the Korean, asks for the
English again, toggles tags and saves, without leaving the keyboard. Generation (entry_generation.py) runs
in a thread worker (drafting.run_steps) that posts messages; the field being written streams and is
read-only meanwhile, the rest of the screen stays usable. Every change is autosaved (debounced) so nothing
is lost.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Label, Static, TextArea

from author_tui.core.digest import entry_lines, problems
from author_tui.core.hashtag import is_tag
from author_tui.core.model import Entry
from author_tui.errors import AuthorTuiError
from author_tui.store.autosave import Slot
from author_tui.tui.author_screen import PaletteCommand
from author_tui.tui.entry_generation import REPAINT_EVERY, GeneratingScreen
from author_tui.tui.messages import AutosaveFailed, AutosaveWritten, reportable
from author_tui.tui.modals import ConfirmScreen
from author_tui.tui.widgets import FieldBox, StatusBar, TagChips

FIELDS = [  # (name, label, one line)
    ("title", "Title", True),
    ("authors", "Authors", True),
    ("abstract", "Abstract", False),
    ("note", "Korean note", False),
    ("english", "English", False),
    ("tags", "Tags (#one #two)", True),
]


class EntryScreen(GeneratingScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+r", "draft_all", "Draft all"),
        Binding("ctrl+n", "regenerate('note')", "Note"),
        Binding("ctrl+t", "regenerate('english')", "Translate"),
        Binding("ctrl+g", "regenerate('tags')", "Tags"),
        Binding("ctrl+o", "external_edit", "$EDITOR"),
        Binding("ctrl+l", "last_call", "Last call", show=False),  # in the palette; the footer is full
        # priority: Esc is the way out, so it must not wait in the editor's message queue behind a stream (or a
        # stalled handler) as a key on its way up the widget tree does; ctrl+p is a priority binding too.
        Binding("escape", "cancel_or_back", "Cancel/Back", priority=True),
    ]

    def __init__(self, slot: Slot, entry: Entry, *, restored: bool = False, draft_at_once: bool = False) -> None:
        super().__init__()
        self.slot, self.entry, self.restored = slot, entry, restored
        self.draft_at_once = draft_at_once  # a pasted paper with `draft_on_paste` on: draft all on opening
        # What "no unsaved changes" means: the entry as in the digest; nothing yet for a new or restored one.
        in_digest = slot.index is not None and not restored
        self.saved = entry if in_digest else Entry.model_validate({"title": ""})
        self.boxes = {name: FieldBox(name, label, one_line=one) for name, label, one in FIELDS}
        self._autosave_timer: Timer | None = None
        self._autosave_failing = False  # the last autosave failed (and the author was told)
        # Preview repaints are coalesced: it re-wraps the whole entry, and keystrokes must not queue behind it.
        self._preview_timer: Timer | None = None

    # --- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="editor"):
            with VerticalScroll(id="fields"):
                yield from (self.boxes[name] for name in ("title", "authors", "abstract", "note", "english"))
                yield self.boxes["tags"]
                yield TagChips(id="chips")
            with Vertical(id="preview-pane"):
                yield Label("Preview (as it will be written)", id="preview-title")
                yield Static("", id="problems", markup=False)
                with VerticalScroll(id="preview-scroll"):
                    yield Static("", id="preview", markup=False)
        yield StatusBar("", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        for name, text in _field_texts(self.entry).items():
            self.boxes[name].area.load_text(text)
        self._refresh_preview()
        self.boxes["title" if not self.entry.title else "note"].area.focus()
        if self.draft_at_once:
            self.action_draft_all()

    # --- the entry in the fields ----------------------------------------------------------------------

    def current_entry(self) -> Entry:
        """The entry as the fields hold it; tags that are not one word are dropped (shown as a problem)."""
        texts = {name: box.text for name, box in self.boxes.items()}
        tags = [t for t in texts.pop("tags").split() if _valid_tag(t)]
        return Entry.model_validate({**texts, "tags": tags, "link": self.entry.link})

    def _bad_tags(self) -> list[str]:
        return [t for t in self.boxes["tags"].text.split() if not _valid_tag(t)]

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        if self._preview_timer is None:
            self._preview_timer = self.set_timer(REPAINT_EVERY, self._refresh_preview)
        if event.text_area.id == "tags":
            self.query_one(TagChips).mark(self.current_entry().tags)
        self._schedule_autosave()

    def _refresh_preview(self) -> None:
        self._preview_timer = None
        entry = self.current_entry()
        found = problems(entry) + [f"not a tag: {t!r}" for t in self._bad_tags()]
        self.query_one("#preview", Static).update("\n".join(entry_lines(entry)))
        self.query_one("#problems", Static).update("\n".join(f"⚠ cannot be written: {p}" for p in found))
        self.query_one("#preview-pane").set_class(bool(found), "-invalid")

    # --- autosave -------------------------------------------------------------------------------------

    def _schedule_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(self.author_app.autosave_delay, self._autosave_now)

    def _autosave_now(self) -> None:
        self._autosave_timer = None
        if self.current_entry() != self.saved:
            self._write_autosave(self.slot, self.current_entry(), self.author_app.autosave.epoch)

    def flush_autosave(self) -> bool:
        """Write the autosave now, on this thread (before quitting: no debounce left pending); False when
        it could not be written (the error is shown)."""
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
            self._autosave_timer = None
        if self.current_entry() == self.saved:
            return True
        try:
            self.author_app.autosave.save(self.slot, self.current_entry())
        except Exception as error:  # noqa: BLE001 - whatever it is, the author decides knowing it failed
            self.notify(str(reportable(error, self.author_app.autosave.path)), severity="error",
                        title="Autosave failed")
            return False
        return True

    @work(thread=True, exclusive=True, group="autosave", exit_on_error=False)
    def _write_autosave(self, slot: Slot, entry: Entry, epoch: int) -> None:
        autosave = self.author_app.autosave
        try:
            record = autosave.save(slot, entry, epoch)
        except Exception as error:  # noqa: BLE001 - StoreError or anything else: the author must hear of it
            self.post_message(AutosaveFailed(reportable(error, autosave.path)))
            return
        if record is not None:
            self.post_message(AutosaveWritten(str(record.path)))

    def on_autosave_failed(self, message: AutosaveFailed) -> None:
        if not self._autosave_failing:  # once per run of failures, not at every keystroke's autosave
            self.notify(f"{message.error}\nOnly this screen holds your changes: save with ctrl+s",
                        severity="error", title="Autosave failed", timeout=20)
        self._autosave_failing = True

    def on_autosave_written(self, message: AutosaveWritten) -> None:
        self._autosave_failing = False

    @on(TagChips.Toggled)
    def _toggle_tag(self, event: TagChips.Toggled) -> None:
        tags = self.current_entry().tags
        tags = [t for t in tags if t != event.tag] if event.tag in tags else [*tags, event.tag]
        self.boxes["tags"].set_text(" ".join(f"#{t}" for t in tags))

    # --- save, leave, external editor -----------------------------------------------------------------

    def action_save(self) -> None:
        self._save(overwrite=False)

    def _save(self, *, overwrite: bool, merge: bool = False) -> None:
        """Put the entry as the fields hold it into the digest (re-read from disk first when merging) and
        have the App write it."""
        entry = self.current_entry()
        found = problems(entry) + [f"not a tag: {t!r}" for t in self._bad_tags()]
        if found:
            self.notify("\n".join(found), severity="error", title="Cannot be written yet")
            return
        document = self.author_app.document
        try:
            self.slot = document.merge(self.slot, entry) if merge else document.put(self.slot, entry)
        except AuthorTuiError as error:  # the other writer left a file we cannot read: nothing changed
            self.notify(f"{error}\nYour entry is kept here and autosaved", severity="error", title="Not merged",
                        timeout=15)
            return
        self.author_app.save_document(self, entry, overwrite=overwrite)

    def document_saved(self, entry: Entry | None) -> None:
        """`entry` is in the file now. Only if the fields still hold it is the autosave done with: text typed
        while the save ran is in neither the file nor a discarded record, so it keeps being autosaved."""
        if entry is None:
            return
        self.saved = entry
        if self.current_entry() != entry:
            self._schedule_autosave()
            return
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self.author_app.autosave.discard()

    def resolve_conflict(self, choice: object) -> None:
        """The digest changed on disk: merge this entry into the file as it is now, overwrite, or leave it."""
        if choice in ("merge", "overwrite"):
            self._save(overwrite=choice == "overwrite", merge=choice == "merge")
        else:
            self.notify("Not saved: your entry is kept here and autosaved", severity="warning")

    def action_cancel_or_back(self) -> None:
        if self.cancel_generation():
            return
        if self.current_entry() == self.saved:
            self._leave(True)
        else:
            self.app.push_screen(ConfirmScreen("Discard the unsaved changes to this entry?", "Discard"), self._leave)

    def _leave(self, discard: object) -> None:
        if not discard:
            return
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self.author_app.autosave.discard()
        self.dismiss(None)

    def action_external_edit(self) -> None:
        focused = self.focused
        box = next((b for b in self.boxes.values() if b.area is focused), self.boxes["note"])
        edited = self.author_app.edit_externally(box.text, box.field)
        if edited is not None and edited != box.text:
            box.set_text(edited)
        box.area.focus()

    def action_last_call(self) -> None:
        """The logged model call that last filled the focused field (the note if none is focused)."""
        from author_tui.tui.call_view import show_last_call

        box = next((b for b in self.boxes.values() if b.area is self.focused), self.boxes["note"])
        show_last_call(self, box.field, self.boxes["title"].text)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Draft all", "Korean note, then English, then tags", self.action_draft_all),
            ("Regenerate the Korean note", "Ask the model for a new note", lambda: self.action_regenerate("note")),
            ("Translate again", "English from the Korean note as it is now",
             lambda: self.action_regenerate("english")),
            ("Suggest tags", "Tag suggestions as chips", lambda: self.action_regenerate("tags")),
            ("Save entry", "Write the digest file", self.action_save),
            ("Open field in $EDITOR", "Edit the focused field in your editor", self.action_external_edit),
            ("Last model call (ctrl+l)", "What the model was asked and said for the focused field",
             self.action_last_call),
        ]


def _field_texts(entry: Entry) -> dict[str, str]:
    return {
        "title": entry.title,
        "authors": entry.authors,
        "abstract": entry.abstract,
        "note": entry.note,
        "english": entry.english,
        "tags": entry.tag_line,
    }


def _valid_tag(tag: str) -> bool:
    return is_tag(tag.removeprefix("#"))
