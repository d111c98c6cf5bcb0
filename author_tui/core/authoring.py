"""The three things a model does for the author, as use cases the TUI and the batch commands share.

Why here and this small: the TUI and `author-tui draft` / batch translation must behave the same, so the
prompting, few-shot selection and output checks live in one place, over a client protocol. No openai here:
`author_tui.llm.build_authoring(settings)` builds the real thing (an OpenAI-compatible client with cache,
retries and the structured-output ladder); tests pass any object with a `generate` method.

Usage:

    authoring = build_authoring(settings)             # from author_tui.llm
    result = authoring.draft_note(paper, on_delta=show, cancel=token)
    result.value.note, result.warnings, result.usage  # NoteDraft, [OutputWarning], Usage
    authoring.translate(entry)      -> Result[Translation]     (entry.note must be set)
    authoring.suggest_tags(entry)   -> Result[TagSuggestions]
    authoring.totals                -> Usage summed over every call so far (the TUI's status line)

`on_delta(text_so_far)` receives the growing text of the main field (the note, the English; nothing for
tags) while the reply streams. `cancel.cancel()` from another thread stops the stream between chunks and
the call raises `errors.Cancelled`. Failures raise `author_tui.errors.ModelError` with a hint saying how to fix it.
`exclude` (a doc key) keeps a past note out of its own few-shot examples, for evaluation on the archive.

The model port (ModelRequest, ModelReply, Usage, CancelToken, ModelClient) is `core.port`; the output
schemas (NoteDraft, Translation, TagSuggestions) are `core.outputs`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol

from author_tui.core.checks import (
    DEFAULT_BOUNDS,
    Bounds,
    OutputWarning,
    check_copied,
    check_note,
    check_tags,
    check_translation,
)
from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.outputs import NoteDraft, TagPick, TagSuggestions, Translation
from author_tui.core.port import CancelToken, ModelClient, ModelReply, ModelRequest, OnDelta, Shot, T, Usage
from author_tui.core.prompting import ExampleBudget, PromptTemplate, clip
from author_tui.errors import EntryError

ALTERNATIVES = 8  # tags offered beside the chosen ones


class SimilarNotes(Protocol):
    """author_tui.core.retrieval.SimilarityIndex, seen from here."""

    def similar(self, entry: Entry, k: int, exclude: Any = None) -> list[tuple[ArchiveDoc, float]]: ...


class TagEngineLike(Protocol):
    """author_tui.core.tags.TagEngine, seen from here."""

    vocabulary: Counter[str]

    def suggest(self, entry: Entry, exclude: Any = None) -> Any: ...


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T
    warnings: list[OutputWarning]
    usage: Usage
    cached: bool = False


@dataclass
class Authoring:
    """Draft, translate and tag, each returning value + warnings + usage. Thread-safe."""

    client: ModelClient
    prompts: Mapping[str, PromptTemplate]
    similar: SimilarNotes | None = None
    tags: TagEngineLike | None = None
    # Whether a model picks among the tag engine's candidates. A small local model picks worse than the
    # engine alone (and takes a minute on a CPU), so the wiring turns this off for the 0.5B model.
    rerank_tags: bool = True
    bounds: Bounds = DEFAULT_BOUNDS
    totals: Usage = Usage()
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def draft_note(
        self,
        paper: Entry,
        *,
        exclude: Any = None,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
    ) -> Result[NoteDraft]:
        if not paper.title.strip():
            raise EntryError("a paper needs a title before a note can be drafted")
        shots = self._shots("draft", paper, exclude, _draft_shot, lambda e: e.has_note)
        values = {
            "title": paper.title,
            "authors": paper.authors or "(unknown)",
            "abstract": paper.abstract or "(no abstract)",
        }
        reply = self._call("draft", values, NoteDraft, "note", on_delta, cancel, shots)
        note = reply.value.note
        return self._result(
            reply,
            check_note(note, self.bounds) + check_copied("note", note, _seen(shots, "note", self.prompts["draft"])),
        )

    def translate(
        self,
        entry: Entry,
        *,
        exclude: Any = None,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
    ) -> Result[Translation]:
        if not entry.has_note:
            raise EntryError(f"'{entry.title}' has no Korean note to translate")
        shots = self._shots("translate", entry, exclude, _translate_shot, lambda e: e.has_note and e.has_english)
        values = {"title": entry.title, "note": entry.note}
        reply = self._call("translate", values, Translation, "english", on_delta, cancel, shots)
        english = reply.value.english
        warnings = check_translation(entry.note, english, self.bounds)
        return self._result(
            reply, warnings + check_copied("english", english, _seen(shots, "english", self.prompts["translate"]))
        )

    def suggest_tags(
        self,
        entry: Entry,
        *,
        exclude: Any = None,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
    ) -> Result[TagSuggestions]:
        vocabulary: Counter[str] = self.tags.vocabulary if self.tags else Counter()
        suggestion = self.tags.suggest(entry, exclude=exclude) if self.tags else None
        ranked = [c.tag for c in getattr(suggestion, "candidates", [])]
        if suggestion is not None and not self.rerank_tags:
            value, usage, cached = TagSuggestions(tags=list(suggestion.chosen)), Usage(), False
        else:
            template = self.prompts["tags"]
            values = {
                "title": entry.title,
                "abstract": clip(entry.abstract, 600) or "(no abstract)",
                "note": entry.note or "(no note yet)",
                "vocabulary": _vocabulary(vocabulary, int(template.param("vocabulary_size", 120))),
                "candidates": _candidates(suggestion),
            }
            reply = self._call("tags", values, TagPick, None, on_delta, cancel)
            value = TagSuggestions(**reply.value.model_dump())
            usage, cached = reply.usage, reply.cached
        value.alternatives = [tag for tag in ranked[:ALTERNATIVES] if tag not in value.tags]
        warnings = check_tags(value.tags, value.new_tags, vocabulary, self.bounds)
        return Result(value, warnings, usage, cached)

    # --- internals ----------------------------------------------------------------------------------

    def _call(
        self,
        task: str,
        values: dict[str, Any],
        output: type[T],
        preview: str | None,
        on_delta: OnDelta | None,
        cancel: CancelToken | None,
        shots: tuple[Shot, ...] = (),
    ) -> ModelReply[T]:
        template = self.prompts[task]
        request = ModelRequest(
            task,
            tuple(template.render(**values)),
            template.content_hash,
            shots=shots,
            max_tokens=template.param("max_tokens"),
            preview_field=preview,
        )
        reply = self.client.generate(request, output, on_delta=on_delta, cancel=cancel)
        with self._lock:
            self.totals = self.totals + reply.usage
        return reply

    def _result(self, reply: ModelReply[T], warnings: list[OutputWarning]) -> Result[T]:
        return Result(reply.value, warnings, reply.usage, reply.cached)

    def _shots(
        self,
        task: str,
        entry: Entry,
        exclude: Any,
        values: Callable[[Entry], tuple[dict[str, str], dict[str, Any]]],
        usable: Callable[[Entry], bool],
    ) -> tuple[Shot, ...]:
        """The most similar past notes as worked examples, best first, within the template's token budget.

        The list is reversed at the end so the most similar example sits right before the question, where
        a small model pays it the most attention."""
        if self.similar is None:
            return ()
        template = self.prompts[task]
        budget = ExampleBudget(int(template.param("example_tokens", 1500)), int(template.param("examples", 6)))
        shots: list[Shot] = []
        for doc, _ in self.similar.similar(entry, k=budget.limit * 4, exclude=exclude):
            if not usable(doc.entry):
                continue
            user_values, answer = values(doc.entry)
            shot = Shot(template.render_question(**user_values), answer)
            if budget.offer(shot.user + "".join(map(str, answer.values()))):
                shots.append(shot)
            if len(shots) >= budget.limit:
                break
        return tuple(reversed(shots))


def _candidates(suggestion: Any) -> str:
    lines = [f"#{c.tag} {c.score:.2f}" for c in getattr(suggestion, "candidates", [])]
    return "\n".join(lines) or "(none)"


def _seen(shots: Sequence[Shot], field: str, template: PromptTemplate) -> list[str]:
    """What the model saw and must not hand back as its answer: the examples' answers, the instruction."""
    instruction = template.messages[-1].content.strip().splitlines()[-1:]
    return [str(shot.answer[field]) for shot in shots] + instruction


def _draft_shot(entry: Entry) -> tuple[dict[str, str], dict[str, Any]]:
    question = {
        "title": entry.title,
        "authors": entry.authors or "(unknown)",
        "abstract": clip(entry.abstract, 400) or "(no abstract)",
    }
    return question, {"note": entry.note.strip()}


def _translate_shot(entry: Entry) -> tuple[dict[str, str], dict[str, Any]]:
    return {"title": entry.title, "note": entry.note.strip()}, {"english": entry.english.strip()}


def _vocabulary(vocabulary: Counter[str], size: int) -> str:
    if not vocabulary:
        return "(no vocabulary: propose tags and mark them all new)"
    return " ".join(f"#{tag}({count})" for tag, count in vocabulary.most_common(size))


def warnings_text(warnings: Sequence[OutputWarning]) -> list[str]:
    return [str(w) for w in warnings]
