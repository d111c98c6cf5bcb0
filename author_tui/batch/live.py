"""The live executors: each entry answered by a model call now (the Batch API executor answers later).

Why here: the policy around a model call in a batch lives in one place. Translating: the use case checks
the answer and retries once, guided (`Authoring.translate`); an answer that is still no English (Hangul
left in it, or empty) fails its entry instead of being written. Tagging: the tag engine ranks from the
text alone (the entry's current tags never reach a suggester), a capable model may pick among its
candidates, and when the model fails the engine's choice stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from author_tui.batch.run import Executor
from author_tui.batch.tasks import Outcome
from author_tui.core import batch_tags
from author_tui.core.authoring import Authoring
from author_tui.core.batch import Job
from author_tui.core.port import CancelToken, Usage
from author_tui.core.text import has_hangul
from author_tui.errors import AuthorTuiError, Cancelled, ModelError


def translator(authoring: Authoring, cancel: CancelToken) -> Executor:
    """One entry through the model. The use case checks the answer and makes the one guided retry when
    the checks object (`Authoring.translate`); here, an answer that is still no English fails its entry."""

    def translate(job: Job) -> Outcome:
        outcome = Outcome(job)
        try:
            result = authoring.translate(job.entry, exclude=job.key, cancel=cancel)
        except Cancelled:
            outcome.status = "interrupted"
            return outcome
        except AuthorTuiError as error:
            outcome.fail(error.message)
            outcome.usage = Usage(attempts=getattr(error, "attempts", 0))  # what the failure cost the server
            return outcome
        outcome.usage, outcome.retried = result.usage, _calls(result.usage) > 1
        outcome.warnings = [str(w) for w in result.warnings]
        if has_hangul(result.value.english) or not result.value.english.strip():
            # Not a translation (a small model may echo the Korean): report it, never write it as English.
            outcome.fail("the model gave no English translation (Hangul left in it, or empty), even on retry")
            return outcome
        outcome.status, outcome.english = "translated", result.value.english
        return outcome

    return translate


def _calls(usage: Usage) -> int:
    """Model calls behind a result, answered or cached: two when the use case retried."""
    return usage.requests + usage.cache_hits


def tagger(engine: Any, authoring: Authoring | None, corpus_keys: Mapping[str, str], replace: bool) -> Executor:
    """One entry's tags: the engine's ranking and choice, then (with `authoring`) the model's pick among
    the candidates. The outcome's `tags` are what the entry ends with (`replace`: the chosen ones only)."""

    def tag(job: Job) -> Outcome:
        outcome = Outcome(job, "tagged")
        bare = job.entry.model_copy(update={"tags": []})  # the current tags never reach a suggester
        exclude = corpus_keys.get(resolved_key(job.key))  # an entry in the corpus is not its own neighbour
        outcome.suggestion = engine.suggest(bare, exclude=exclude)
        outcome.chosen = list(outcome.suggestion.chosen)
        if authoring is not None:
            _pick(outcome, authoring, bare, exclude)
        outcome.tags = batch_tags.merged(job.entry.tags, outcome.chosen, replace)
        return outcome

    return tag


def _pick(outcome: Outcome, authoring: Authoring, bare: Any, exclude: str | None) -> None:
    try:
        result = authoring.suggest_tags(bare, exclude=exclude)
    except ModelError as error:  # the engine's choice stands; the run goes on for the other entries
        outcome.notes.append(f"the model failed ({error.message}); kept the engine's choice")
        return
    outcome.usage = result.usage
    outcome.chosen = list(result.value.tags) or outcome.chosen
    outcome.warnings = [str(getattr(w, "message", w)) for w in result.warnings]


def corpus_keys(keys: Sequence[str]) -> dict[str, str]:
    """Each corpus key by its resolved spelling, so a target given as a relative path still finds itself."""
    return {resolved_key(key): key for key in keys}


def resolved_key(key: str) -> str:
    file, hash_mark, number = key.partition("#")
    return f"{Path(file).resolve()}{hash_mark}{number}"


def tags_authoring(settings: Any, engine: Any) -> Authoring:
    """The model layer with this tag engine as its candidate source (built once, not twice: building
    one over the author's archive takes seconds); no few-shot examples, tags need none."""
    from author_tui.llm import build_authoring

    return build_authoring(settings, docs=[], tag_engine=engine)
