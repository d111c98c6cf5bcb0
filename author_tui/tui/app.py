"""The authoring TUI's App: wiring only. It holds the open digest, the autosave, the arXiv client and the
model (built in a worker after the first paint), and routes the author between the day and the editor.

Everything injectable for tests and benchmarks: settings, the digest path, today's date, the clock, the
model factory, the autosave (owner, liveness check), the $EDITOR runner, the arXiv client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.reactive import reactive
from textual.screen import Screen

from author_tui.arxiv import ArxivClient
from author_tui.config import Settings
from author_tui.core.authoring import Authoring
from author_tui.core.model import Entry
from author_tui.errors import AuthorTuiError, DiskChanged, EmbeddedModelCrashed, ModelError
from author_tui.store.autosave import Autosave, Record, Slot
from author_tui.store.document import DigestDocument, Pending
from author_tui.tui.author_screen import AuthorScreen
from author_tui.tui.day_screen import DayScreen
from author_tui.tui.entry_screen import EntryScreen
from author_tui.tui.messages import (
    DigestSaved,
    ModelConnected,
    ModelStarting,
    ModelUnavailable,
    SaveFailed,
    reportable,
)
from author_tui.tui.modals import ConfirmScreen, ConflictScreen, RestoreScreen
from author_tui.tui.widgets import StatusInfo

EditorRunner = Callable[[str, str], "str | None"]
Progress = Callable[[str], None]
# What building the model gives: the use cases (None: no model, drafting off), the endpoint, the model name.
ModelFactory = Callable[[Settings, Progress], tuple["Authoring | None", str, str]]
DOCTOR = "run `author-tui doctor` to see what is wrong"


def connect_model(settings: Settings, progress: Progress = lambda step: None) -> tuple[Authoring | None, str, str]:
    """The Authoring use cases over the configured endpoint (starting the embedded model if needed), with
    examples and tags from the archive. `progress` hears each slow step, for the status bar: indexing the
    author's 3,468 notes takes ~5-8 s, starting the embedded model longer."""
    from author_tui.llm import build_authoring, endpoint_and_model, load_docs

    progress("connecting" if settings.base_url else "starting the embedded model")
    endpoint, model = endpoint_and_model(settings)
    progress("loading the archive")
    docs = load_docs(settings)
    if docs:
        progress(f"indexing {len(docs):,} archive notes")
    return build_authoring(settings, docs), endpoint, model


class AuthorApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "author-tui"

    status: reactive[StatusInfo] = reactive(StatusInfo, always_update=True)

    def __init__(
        self,
        settings: Settings,
        path: Path,
        *,
        today: dt.date | None = None,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        model_factory: ModelFactory = connect_model,
        autosave: Autosave | None = None,
        autosave_delay: float = 0.8,
        editor: EditorRunner | None = None,
        arxiv: ArxivClient | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.today = today or now().date()
        self.document = DigestDocument.load(path)
        self.autosave = autosave or Autosave(settings.drafts_dir, path, now=now)
        self.autosave_delay = autosave_delay
        self.arxiv = arxiv or ArxivClient(settings.arxiv_api_url)
        self.authoring: Authoring | None = None
        self._model_error: AuthorTuiError | None = None
        self._model_factory = model_factory
        self._editor = editor

    # --- start ----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.status = StatusInfo(
            endpoint=self.settings.base_url or "embedded",
            model=self.settings.model or "",
            state="starting",
            file=str(self.document.path),
        )
        self.push_screen(DayScreen())
        self._offer_restore()
        # After the first paint: importing openai (and maybe starting llama.cpp) must not delay it.
        self.call_after_refresh(self._connect)

    def _connect(self) -> None:
        self._connect_model(self.settings)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _connect_model(self, settings: Settings) -> None:
        try:
            authoring, endpoint, model = self._model_factory(settings, self._model_starting)
        except AuthorTuiError as error:
            self.post_message(ModelUnavailable(error))
            return
        except Exception as error:  # noqa: BLE001 - any failure must end "starting", not kill the worker silently
            self.post_message(ModelUnavailable(ModelError(
                f"the model could not be started: {type(error).__name__}: {error}",
                "check the model settings (base_url, model), or run `author-tui` again",
            )))
            return
        self.post_message(ModelConnected(authoring, endpoint, model))

    def _model_starting(self, step: str) -> None:
        """Called on the worker thread: the status bar shows the step via a message."""
        self.post_message(ModelStarting(step))

    def on_model_starting(self, message: ModelStarting) -> None:
        if self.status.state == "starting":
            self._update_status(detail=message.step)

    def on_model_connected(self, message: ModelConnected) -> None:
        self.authoring = message.authoring
        self._update_status(endpoint=message.endpoint, model=message.model, state="ready", detail="")
        self._model_settled()

    def on_model_unavailable(self, message: ModelUnavailable) -> None:
        self._model_unavailable(message.error)

    def model_failed(self, error: AuthorTuiError) -> None:
        """A generation failed with `error`. A crashed embedded model stays down until it is rebuilt: the
        model is off from now on, and the status bar says why (editing and saving go on without it)."""
        if isinstance(error, EmbeddedModelCrashed):
            self.authoring = None
            self._model_unavailable(error)

    def _model_unavailable(self, error: AuthorTuiError) -> None:
        self._model_error = error
        # The status bar names the cause itself ("embedded model crashed (signal 11) on its first request"),
        # not a bare "unavailable"; the notification adds the hint and where to look further.
        self._update_status(state="unavailable", detail=f"{error.message} · {DOCTOR}")
        self.notify(f"{error}\n{DOCTOR}", severity="error", title="No model", timeout=15)
        self._model_settled()

    def _model_settled(self) -> None:
        """Tell the open screens the model is ready or gone: an editor may have a generation waiting for it."""
        for screen in self.screen_stack:
            if isinstance(screen, AuthorScreen):
                screen.model_settled()

    @property
    def model_starting(self) -> bool:
        return self.status.state == "starting"

    def model_problem(self) -> str:
        if self._model_error is not None:
            return f"{self._model_error}\n{DOCTOR}"
        return "The model is still starting; try again in a moment"

    # --- status ---------------------------------------------------------------------------------------

    def _update_status(self, **changes: Any) -> None:
        values = {**self.status.__dict__, **changes}
        self.status = StatusInfo(**values)

    def refresh_usage(self) -> None:
        from author_tui.core.pricing import dollars, price_for

        totals = getattr(self.authoring, "totals", None)
        if totals is not None:
            price = price_for(getattr(self.settings, "prices", {}), self.status.model)
            cost = dollars(price.cost(totals.prompt_tokens, totals.completion_tokens)) if price else ""
            self._update_status(tokens=totals.total_tokens, requests=totals.requests, cache_hits=totals.cache_hits,
                                cost=cost)

    def document_changed(self) -> None:
        self._update_status(modified=self.document.dirty)

    # --- navigation -----------------------------------------------------------------------------------

    def open_entry(self, day: int, index: int) -> None:
        found = self.document.digest.days[day]
        entry = found.entries[index]
        self.push_screen(EntryScreen(Slot(found.date, index, entry.title), entry.model_copy(deep=True)))

    def new_entry(self, paper: Entry, *, pasted: bool = False) -> None:
        """An editor on a new entry; a pasted paper starts drafting at once when `draft_on_paste` is on."""
        day = self.document.target_day(self.today)
        draft = pasted and self.settings.draft_on_paste
        self.push_screen(EntryScreen(Slot(day.date), paper, draft_at_once=draft))

    def _offer_restore(self) -> None:
        orphans = self.autosave.orphans()
        if not orphans:
            return
        record = orphans[0]
        when = record.saved_at.strftime("%Y-%m-%d %H:%M:%S")
        self.push_screen(RestoreScreen(record.entry.title, when), lambda choice: self._restore(record, choice))

    def _restore(self, record: Record, choice: object) -> None:
        if choice is None:
            return  # "later": the record stays and is offered again on the next start
        if choice == "restore":
            self.push_screen(EntryScreen(record.slot, record.entry, restored=True))
            # Adopted: written as this instance's record now, on this thread, and only then is the orphan
            # removed, so at every moment one of the two records holds the entry.
            try:
                self.autosave.save(record.slot, record.entry)
            except Exception as error:  # noqa: BLE001 - keep the orphan: it is offered again next time
                self.notify(f"{reportable(error, self.autosave.path)}\nThe old record is kept",
                            severity="error", title="Autosave failed")
                return
        self.autosave.discard(record)

    # --- saving the digest (for both screens) ----------------------------------------------------------

    def save_document(self, requester: AuthorScreen, entry: Entry | None = None, *, overwrite: bool = False) -> None:
        """Save the digest: rendered here, on the UI thread (the only one that changes it), written by a
        worker. `requester` hears back (`document_saved`, `resolve_conflict`); `entry` is what the editor
        saved, so it can tell whether it was edited while the save ran."""
        try:
            pending = self.document.prepare()
        except AuthorTuiError as error:
            self.notify(str(error), severity="error", title="Not saved")
            return
        self._write_document(pending, overwrite, requester, entry)

    @work(thread=True, group="save", exit_on_error=False)
    def _write_document(self, pending: Pending, overwrite: bool, requester: AuthorScreen, entry: Entry | None) -> None:
        try:
            self.document.write(pending, overwrite=overwrite)
        except Exception as error:  # noqa: BLE001 - StoreError, or anything else: never a silent failure
            self.post_message(SaveFailed(reportable(error, self.document.path), requester, entry))
            return
        self.post_message(DigestSaved(str(self.document.path), pending.version, requester, entry))

    def on_digest_saved(self, message: DigestSaved) -> None:
        self.document.mark_saved(message.version)
        self.document_changed()
        self.notify(f"Saved {message.path}")
        if message.requester is not None and message.requester.is_attached:
            message.requester.document_saved(message.entry)

    def on_save_failed(self, message: SaveFailed) -> None:
        requester = message.requester
        if not isinstance(message.error, DiskChanged) or requester is None or not requester.is_attached:
            self.notify(str(message.error), severity="error", title="Not saved")
            return
        conflict = ConflictScreen(str(self.document.path), can_merge=message.entry is not None)
        self.push_screen(conflict, requester.resolve_conflict)

    # --- the author's editor --------------------------------------------------------------------------

    def edit_externally(self, text: str, field: str) -> str | None:
        """`text` edited in $VISUAL / $EDITOR (the TUI is suspended meanwhile); None if it failed."""
        from author_tui.tui.external import edit_text

        try:
            if self._editor is not None:
                return self._editor(text, field)
            with self.suspend():
                return edit_text(text, field)
        except AuthorTuiError as error:
            self.notify(str(error), severity="error", title="$EDITOR")
        except Exception as error:  # noqa: BLE001 - SuspendNotSupported and the like
            self.notify(f"cannot open an external editor here: {error}", severity="error", title="$EDITOR")
        return None

    # --- quit, palette --------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        unsaved = self.document.dirty or isinstance(self.screen, EntryScreen)
        if not unsaved:
            self.exit()
            return
        question = "Quit? Unsaved changes stay in the autosave only if you are editing an entry."
        if isinstance(self.screen, EntryScreen):
            question = "Quit? The entry being edited stays autosaved and is offered back next time."
            if not self.screen.flush_autosave():
                question = "Quit? The entry being edited could NOT be autosaved: quitting loses it."
        self.push_screen(ConfirmScreen(question, "Quit"), lambda yes: self.exit() if yes else None)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, AuthorScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)
