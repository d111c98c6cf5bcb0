"""What a generation worker does: call the core's use cases in order and post what happened.

Why a plain function: the screen's `@work(thread=True)` method stays one line, and this logic (which step
feeds the next, how each outcome is reported) reads without any widget in the way. It runs on a worker
thread; `post` is the screen's thread-safe `post_message`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.message import Message

from author_tui.core.authoring import Authoring
from author_tui.core.model import Entry
from author_tui.core.port import CancelToken
from author_tui.errors import AuthorTuiError, Cancelled
from author_tui.tui.messages import (
    DraftFailed,
    DraftReceived,
    FieldStreamed,
    GenerationCancelled,
    GenerationFinished,
    StepStarted,
    TagsSuggested,
)

STEPS = ("note", "english", "tags")
Post = Callable[[Message], Any]


def run_steps(authoring: Authoring, steps: Sequence[str], entry: Entry, post: Post, cancel: CancelToken,
              *, fresh: bool = False) -> None:
    """Run `steps` (a subsequence of STEPS) on a copy of `entry`; each result feeds the next step. `fresh`:
    a new sample from the model, not the cached answer (what "regenerate" means)."""
    entry = entry.model_copy(deep=True)
    step = steps[0] if steps else ""
    try:
        for step in steps:
            cancel.raise_if_cancelled()  # a step that never calls the model (the tag engine) must stop too
            post(StepStarted(step))
            _STEP[step](authoring, entry, post, cancel, fresh)
    except Cancelled:
        post(GenerationCancelled(step))
    except AuthorTuiError as error:
        post(DraftFailed(step, error))
    except Exception as error:  # a bug must not kill the app silently: show it like any failure
        post(DraftFailed(step, AuthorTuiError(f"unexpected error: {error!r}")))
    finally:
        post(GenerationFinished())


def _streamer(field: str, post: Post) -> Callable[[str], None]:
    return lambda text: post(FieldStreamed(field, text))


def _note(authoring: Authoring, entry: Entry, post: Post, cancel: CancelToken, fresh: bool) -> None:
    result = authoring.draft_note(entry, on_delta=_streamer("note", post), cancel=cancel, fresh=fresh)
    entry.note = result.value.note
    post(DraftReceived("note", entry.note, _texts(result.warnings)))


def _english(authoring: Authoring, entry: Entry, post: Post, cancel: CancelToken, fresh: bool) -> None:
    result = authoring.translate(entry, on_delta=_streamer("english", post), cancel=cancel, fresh=fresh)
    entry.english = result.value.english
    post(DraftReceived("english", entry.english, _texts(result.warnings)))


def _tags(authoring: Authoring, entry: Entry, post: Post, cancel: CancelToken, fresh: bool) -> None:
    result = authoring.suggest_tags(entry, cancel=cancel, fresh=fresh)
    value = result.value
    post(TagsSuggested(list(value.tags), list(value.new_tags), _texts(result.warnings), list(value.alternatives)))


def _texts(warnings: Sequence[Any]) -> list[str]:
    return [getattr(w, "message", str(w)) for w in warnings]


Step = Callable[[Authoring, Entry, Post, CancelToken, bool], None]
_STEP: dict[str, Step] = {"note": _note, "english": _english, "tags": _tags}
