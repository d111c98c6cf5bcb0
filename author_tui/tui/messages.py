"""The events background workers post to the UI: past tense, one per thing that happened.

Why messages: workers run in threads and call the core; the UI only ever changes in reaction to these, on
its own thread. Tests assert on them first (`run_test(message_hook=...)`) and on pixels second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from author_tui.errors import AuthorTuiError, StoreError

if TYPE_CHECKING:
    from author_tui.core.authoring import Authoring
    from author_tui.core.model import Entry
    from author_tui.tui.author_screen import AuthorScreen


def reportable(error: Exception, path: object) -> AuthorTuiError:
    """What a failed write of `path` tells the author: the error itself if it is ours, else a StoreError
    naming the path (a worker must never die silently with the author believing the write happened)."""
    if isinstance(error, AuthorTuiError):
        return error
    return StoreError(f"{path}: could not be written ({type(error).__name__}: {error})",
                      "check the file and its folder (exists, writable, disk not full), then try again")


class ModelConnected(Message):
    """The model endpoint is ready (the embedded server started, or the remote client was built)."""

    def __init__(self, authoring: Authoring | None, endpoint: str, model: str) -> None:
        super().__init__()
        self.authoring, self.endpoint, self.model = authoring, endpoint, model


class ModelStarting(Message):
    """Setting up the model is at `step` (starting the embedded server, loading the archive, indexing it)."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class ModelUnavailable(Message):
    """No model could be reached or started; drafting is off until settings change."""

    def __init__(self, error: AuthorTuiError) -> None:
        super().__init__()
        self.error = error


class StepStarted(Message):
    """The model was asked for a field ('note', 'english', 'tags'); nothing has arrived yet."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field


class FieldStreamed(Message):
    """More text of a field arrived while the model is still writing it (the text so far)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__()
        self.field, self.text = field, text


class DraftReceived(Message):
    """A field's final text from the model ('note' or 'english'), with the output checks' warnings."""

    def __init__(self, field: str, text: str, warnings: list[str]) -> None:
        super().__init__()
        self.field, self.text, self.warnings = field, text, warnings


class TagsSuggested(Message):
    """Tag suggestions: the chosen tags, the ones new to the vocabulary, warnings, and other likely tags
    from the archive (offered as chips that start switched off)."""

    def __init__(self, tags: list[str], new_tags: list[str], warnings: list[str],
                 alternatives: list[str] | None = None) -> None:
        super().__init__()
        self.tags, self.new_tags, self.warnings = tags, new_tags, warnings
        self.alternatives = alternatives or []


class DraftFailed(Message):
    """Generating `field` failed (TranslationFailed when field == 'english'); the error says why."""

    def __init__(self, field: str, error: AuthorTuiError) -> None:
        super().__init__()
        self.field, self.error = field, error


class GenerationCancelled(Message):
    """The author cancelled the generation of `field`."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field


class GenerationFinished(Message):
    """The generation worker stopped (done, failed or cancelled): the UI leaves its busy state."""


class PaperFetched(Message):
    """arXiv returned the paper's title, authors and abstract."""

    def __init__(self, paper: Entry) -> None:
        super().__init__()
        self.paper = paper


class FetchFailed(Message):
    """arXiv could not be asked, or did not know the paper."""

    def __init__(self, error: AuthorTuiError) -> None:
        super().__init__()
        self.error = error


class DigestSaved(Message):
    """The digest was written to disk as it stood at `version` (DigestDocument.version). `requester` is the
    screen that asked; `entry` the entry it saved from the editor (None: the day list saved)."""

    def __init__(self, path: str, version: int, requester: AuthorScreen | None = None,
                 entry: Entry | None = None) -> None:
        super().__init__()
        self.path, self.version, self.requester, self.entry = path, version, requester, entry


class SaveFailed(Message):
    """The digest was not written: it changed on disk (DiskChanged), is locked, or cannot be written."""

    def __init__(self, error: AuthorTuiError, requester: AuthorScreen | None = None,
                 entry: Entry | None = None) -> None:
        super().__init__()
        self.error, self.requester, self.entry = error, requester, entry


class AutosaveWritten(Message):
    """The entry being edited was autosaved."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class AutosaveFailed(Message):
    """The entry being edited could not be autosaved: until a write succeeds, only the screen holds it."""

    def __init__(self, error: AuthorTuiError) -> None:
        super().__init__()
        self.error = error
