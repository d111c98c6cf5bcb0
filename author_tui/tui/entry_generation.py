"""The editor's generation half: ask the model for fields on a worker, show what streams in, land the final
text, and leave the busy state however the worker ended.

Why apart from the editing half (entry_screen.py): it is one subject (the model's side of the editor), and
its invariant fits in a line: `self._cancel` is set exactly while a generation worker runs, so Esc cancels
a generation or leaves the screen, never neither.
"""

from __future__ import annotations

from textual import work
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from author_tui.core.authoring import Authoring
from author_tui.core.model import Entry
from author_tui.core.port import CancelToken
from author_tui.tui import drafting
from author_tui.tui.author_screen import AuthorScreen
from author_tui.tui.messages import (
    DraftFailed,
    DraftReceived,
    FieldStreamed,
    GenerationCancelled,
    GenerationFinished,
    StepStarted,
    TagsSuggested,
)
from author_tui.tui.widgets import FieldBox, TagChips

REPAINT_EVERY = 0.05  # seconds: at most ~20 preview / stream repaints a second
FIELD_NAMES = {"note": "Korean note", "english": "translation", "tags": "tags"}


class GeneratingScreen(AuthorScreen):
    """An editor whose fields (`boxes`) the model can fill; subclasses build the boxes and the entry."""

    boxes: dict[str, FieldBox]

    def __init__(self) -> None:
        super().__init__()
        self._cancel: CancelToken | None = None  # the running generation's token; None when none runs
        self._worker: Worker[None] | None = None
        # A stream may deliver dozens of pieces a second; only the latest text of each field is painted.
        self._streamed: dict[str, str] = {}
        self._stream_timer: Timer | None = None
        # A generation asked for while the model was still starting (ctrl+r, or a paste with draft_on_paste):
        # it runs once the model is ready, rather than the author's key doing nothing.
        self._waiting: tuple[tuple[str, ...], bool] | None = None

    def current_entry(self) -> Entry:
        raise NotImplementedError

    @property
    def generating(self) -> bool:
        return self._cancel is not None

    @property
    def generating_worker_running(self) -> bool:
        """Whether the generation worker itself still runs (its state, not the messages it posted)."""
        return self._worker is not None and self._worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    # --- start, cancel ----------------------------------------------------------------------------------

    def action_draft_all(self) -> None:
        self.generate(drafting.STEPS)

    def action_regenerate(self, field: str) -> None:
        """ctrl+n / ctrl+t / ctrl+g: a new sample, never the cached answer the author just saw."""
        self.generate((field,), fresh=True)

    def generate(self, steps: tuple[str, ...], *, fresh: bool = False) -> None:
        authoring = self.author_app.authoring
        if self._cancel is not None:
            self.notify("A generation is running: Esc cancels it", severity="warning")
            return
        if authoring is None and self.author_app.model_starting:
            self._waiting = (steps, fresh)
            names = [FIELD_NAMES[step] for step in steps]
            what = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            self.notify(f"The model is starting: the {what} will be written as soon as it is ready (Esc drops this)",
                        title="Waiting for the model")
            return
        if authoring is None:
            self.notify(self.author_app.model_problem(), severity="error", title="No model")
            return
        self._cancel = CancelToken()
        self.add_class("-generating")
        self._worker = self._run_generation(authoring, steps, self.current_entry(), self._cancel, fresh)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def _run_generation(self, authoring: Authoring, steps: tuple[str, ...], entry: Entry, cancel: CancelToken,
                        fresh: bool) -> None:
        drafting.run_steps(authoring, steps, entry, self.post_message, cancel, fresh=fresh)

    def model_settled(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and self.author_app.authoring is not None:
            steps, fresh = waiting
            self.generate(steps, fresh=fresh)
        # Unavailable instead: the app's notification already says why; the waiting generation is dropped.

    def cancel_generation(self) -> bool:
        """Esc while generating: ask the worker to stop (it says so with GenerationCancelled). False when no
        generation is running any more, even if its end was never heard of (the worker is gone). Esc while a
        generation waits for the model drops it."""
        if self._waiting is not None:
            self._waiting = None
            self.notify("Dropped: nothing will be written when the model is ready", timeout=3)
            return True
        if self._cancel is None:
            return False
        if not self.generating_worker_running:
            self._finish()  # the worker ended without a GenerationFinished reaching us: never stay stuck
            return False
        self._cancel.cancel()
        self.notify("Cancelling: the field being written is left as it was", timeout=3)
        return True

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()  # a stream must not outlive its screen

    # --- what the worker reports ------------------------------------------------------------------------

    def on_step_started(self, message: StepStarted) -> None:
        for box in self.boxes.values():
            box.wait(box.field == message.field)

    def on_field_streamed(self, message: FieldStreamed) -> None:
        box = self.boxes[message.field]
        if "-streaming" not in box.classes:
            box.start_stream()
        self._streamed[message.field] = message.text  # only the latest text matters
        if self._stream_timer is None:
            self._stream_timer = self.set_timer(REPAINT_EVERY, self._show_streamed)

    def _show_streamed(self) -> None:
        self._stream_timer = None
        for field, text in self._streamed.items():
            if "-streaming" in self.boxes[field].classes:
                self.boxes[field].stream(text)
        self._streamed.clear()

    def on_draft_received(self, message: DraftReceived) -> None:
        self._streamed.pop(message.field, None)
        box = self.boxes[message.field]
        box.wait(False)
        if "-streaming" in box.classes:
            box.end_stream(message.text)
        else:
            box.set_text(message.text)
        box.show_warnings(message.warnings)
        self.author_app.refresh_usage()

    def on_tags_suggested(self, message: TagsSuggested) -> None:
        self.boxes["tags"].wait(False)
        self.boxes["tags"].set_text(" ".join(f"#{t}" for t in message.tags))
        self.boxes["tags"].show_warnings(message.warnings)
        self.query_one(TagChips).show(message.tags + message.alternatives, message.new_tags, message.tags)
        self.author_app.refresh_usage()

    def on_draft_failed(self, message: DraftFailed) -> None:
        self._end_streams()
        what = FIELD_NAMES.get(message.field, message.field)
        error = message.error
        text = error.message + (f"\n{error.hint}" if error.hint else "")
        self.notify(text, severity="error", title=f"The {what} could not be generated", timeout=10)
        self.author_app.refresh_usage()
        self.author_app.model_failed(error)

    def on_generation_cancelled(self, message: GenerationCancelled) -> None:
        self._end_streams()
        self.notify(f"Cancelled: the {FIELD_NAMES.get(message.field, message.field)} was left as it was")

    def on_generation_finished(self, message: GenerationFinished) -> None:
        self._finish()

    def _finish(self) -> None:
        # The token goes first: whatever the repaint below does, Esc must not find a generation running.
        self._cancel = self._worker = None
        self.remove_class("-generating")
        self._end_streams()

    def _end_streams(self) -> None:
        self._streamed.clear()
        for box in self.boxes.values():
            box.wait(False)
            if "-streaming" in box.classes:
                box.end_stream(None)
