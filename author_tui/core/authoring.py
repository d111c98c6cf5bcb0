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

import functools
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol

from author_tui.core.acronyms import Acronyms
from author_tui.core.checks import (
    DEFAULT_BOUNDS,
    Bounds,
    OutputWarning,
    check_copied,
    check_draft,
    check_tags,
    check_translation,
    first_sentences,
    keep_own_sentences,
    ranking,
)
from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.outputs import NoteDraft, TagPick, TagSuggestions, Translation, clean_answer
from author_tui.core.port import CancelToken, ModelClient, ModelReply, ModelRequest, OnDelta, Shot, T, Usage
from author_tui.core.prompting import VARIABLE, ExampleBudget, Message, PromptTemplate, clip
from author_tui.core.shots import candidates_text, draft_shot, echoes, seen, translate_shot, vocabulary_text
from author_tui.core.surface import EnglishSpelling, Spelling, casual_endings
from author_tui.core.text import swap_terms
from author_tui.errors import EntryError

ALTERNATIVES = 8  # tags offered beside the chosen ones
SPELLING_NOTES = 1000  # the author's latest notes, for how the author spells Latin words (core.surface)
# The guided retry when a template has no `retry:` of its own; `retry: false` turns it off.
DEFAULT_RETRY = (
    "That answer has problems: {{ problems }}. Write it again, fixing exactly those, and answer with the text only."
)


class SimilarNotes(Protocol):
    """author_tui.core.retrieval.SimilarityIndex, seen from here."""

    docs: list[ArchiveDoc]

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
        fresh: bool = False,
    ) -> Result[NoteDraft]:
        if not paper.title.strip():
            raise EntryError("a paper needs a title before a note can be drafted")
        template = self.prompts["draft"]
        shots = self._shots("draft", paper, exclude, draft_shot(template), lambda e: e.has_note and bool(e.abstract))
        values = {
            "title": paper.title,
            "authors": paper.authors or "(unknown)",
            # A small model reads ~40 prompt tokens a second on 2 busy cores: the profile may clip the abstract.
            "abstract": clip(paper.abstract, int(template.param("abstract_chars", 100_000))) or "(no abstract)",
        }
        examples = [str(shot.answer["note"]) for shot in shots]

        instructions = "\n".join(message.content for message in template.messages)

        def checked(note: str) -> list[OutputWarning]:
            paper_text = f"{paper.title}\n{paper.abstract}"
            drafted = check_draft(note, paper_text, examples, self.bounds, instructions, abstract=paper.abstract)
            return drafted + check_copied("note", note, seen((), "note", template))

        # A sentence copied from the paper, an example or the instructions, or in English, is dropped while
        # one of the model's own is left; the author writes 1-3 sentences, so a fourth is a summary running on.
        def finish(text: str) -> str:
            own = keep_own_sentences(clean_answer(text), [paper.title, paper.abstract, *examples], instructions)
            return first_sentences(own, self.bounds.sentences_max)

        result = self._free_text("draft", values, NoteDraft, "note", shots, checked, on_delta, cancel, fresh, finish)
        note = self._in_house_style(template, result.value.note, paper.abstract)
        return replace(result, value=NoteDraft(note=note))

    def translate(
        self,
        entry: Entry,
        *,
        exclude: Any = None,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
        fresh: bool = False,
    ) -> Result[Translation]:
        if not entry.has_note:
            raise EntryError(f"'{entry.title}' has no Korean note to translate")
        template = self.prompts["translate"]
        usable = lambda e: e.has_note and e.has_english  # noqa: E731
        shots = self._shots("translate", entry, exclude, translate_shot, usable)
        # A small model renders some of the author's terms its own way (추론 as "inference" where the author
        # writes "reasoning"): the profile's `terms` put the author's English in their place, and the model
        # keeps a Latin-script term as it is. The checks still read the note as the author wrote it.
        values = {"title": entry.title, "note": swap_terms(entry.note, template.terms)}
        sources = seen(shots, "english", template)
        examples = [str(shot.answer["english"]) for shot in shots]

        def checked(english: str) -> list[OutputWarning]:
            translated = check_translation(entry.note, english, self.bounds, examples)
            return translated + check_copied("english", english, sources)

        result = self._free_text("translate", values, Translation, "english", shots, checked, on_delta, cancel, fresh)
        return replace(result, value=Translation(english=self._in_house_english(template, result.value.english)))

    def suggest_tags(
        self,
        entry: Entry,
        *,
        exclude: Any = None,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
        fresh: bool = False,
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
                "vocabulary": vocabulary_text(vocabulary, int(template.param("vocabulary_size", 120))),
                "candidates": candidates_text(suggestion),
            }
            reply = self._ask(self._request("tags", values, fresh=fresh), TagPick, on_delta, cancel)
            value = TagSuggestions(**reply.value.model_dump())
            usage, cached = reply.usage, reply.cached
        value.alternatives = [tag for tag in ranked[:ALTERNATIVES] if tag not in value.tags]
        warnings = check_tags(value.tags, value.new_tags, vocabulary, self.bounds)
        return Result(value, warnings, usage, cached)

    # --- internals ----------------------------------------------------------------------------------

    def _in_house_style(self, template: PromptTemplate, note: str, abstract: str) -> str:
        """The profile's surface rules (core.surface), put on the chosen draft after the checks have read it:
        `acronyms: author` for the abstract's long forms and plural acronyms as the author writes them
        (core.acronyms), `endings: casual` for the author's register, `capitalize: author` for the author's
        Latin spelling."""
        if template.param("acronyms") == "author":
            note = self._acronyms.apply(note, abstract)
        if template.param("endings") == "casual":
            note = casual_endings(note)
        if template.param("capitalize") == "author" and self._spelling is not None:
            note = self._spelling.apply(note)
        return note

    def _in_house_english(self, template: PromptTemplate, english: str) -> str:
        """`capitalize: author` on a translation: the note's capitalized terms in the case the author's own
        English gives them mid-sentence ("Layer Norm" -> "layer norm"), after the checks have read it."""
        if template.param("capitalize") == "author" and self._english_spelling is not None:
            english = self._english_spelling.apply(english)
        return english

    @functools.cached_property
    def _english_spelling(self) -> EnglishSpelling | None:
        """How the author writes English words now: the latest SPELLING_NOTES translations."""
        translations = [doc.entry.english for doc in self._by_date if doc.entry.has_english][-SPELLING_NOTES:]
        return EnglishSpelling.of_translations(translations) if translations else None

    @functools.cached_property
    def _latest_notes(self) -> list[str]:
        """The author's latest SPELLING_NOTES notes, for how the author writes now (the habits change)."""
        return [doc.entry.note for doc in self._by_date[-SPELLING_NOTES:] if doc.entry.has_note]

    @functools.cached_property
    def _acronyms(self) -> Acronyms:
        """The author's acronym habits (no notes: every plural acronym singular)."""
        return Acronyms.of_notes(self._latest_notes)

    @functools.cached_property
    def _spelling(self) -> Spelling | None:
        """How the author writes Latin words now: the latest SPELLING_NOTES notes (the author's habits
        change: capitalized Latin words went from 35 % of a note's in 2023 to 95 % since 2024)."""
        return Spelling.of_notes(self._latest_notes) if self._latest_notes else None

    @functools.cached_property
    def _by_date(self) -> list[ArchiveDoc]:
        """The archive's dated notes, oldest first; none without an archive."""
        docs = self.similar.docs if self.similar is not None else []
        return sorted((doc for doc in docs if doc.date is not None), key=lambda doc: (doc.date, doc.key))

    def _free_text(
        self,
        task: str,
        values: dict[str, Any],
        output: type[T],
        field_name: str,
        shots: tuple[Shot, ...],
        checked: Callable[[str], list[OutputWarning]],
        on_delta: OnDelta | None,
        cancel: CancelToken | None,
        fresh: bool,
        finish: Callable[[str], str] | None = None,
    ) -> Result[T]:
        """Ask for plain text and check it. On a severe problem (not in its language, copied: core.checks)
        the template's `resample: n` asks the same question again up to n times, each a warm sample of its
        own seed; an answer still copying a worked example is asked for once more without the examples; then,
        when the checks still object (`retry_on: severe`: only to a severe problem), one
        guided retry quotes what was wrong. The least bad answer wins (core.checks.ranking: badness, then
        how far past its limit): a resample only when strictly better, the guided retry on a tie, and never a
        retry that echoes its prompt."""
        template, finish = self.prompts[task], finish or clean_answer
        request = self._request(task, values, shots, preview=field_name, fresh=fresh)
        reply = self._ask(request, output, on_delta, cancel)
        usage, cached = reply.usage, reply.cached
        raw = str(getattr(reply.value, field_name))

        def judged(answer: str) -> tuple[str, list[OutputWarning]]:  # cleaned once, then checked
            cleaned = finish(answer)
            return cleaned, checked(cleaned)

        text, warnings = judged(raw)

        def ask_again(asked: ModelRequest) -> None:  # the new answer replaces the old one if strictly better
            nonlocal raw, text, warnings, usage, cached
            again = self._ask(asked, output, on_delta, cancel)
            usage, cached = usage + again.usage, cached and again.cached
            other = str(getattr(again.value, field_name))
            other_text, other_warnings = judged(other)
            if ranking(other_warnings) < ranking(warnings):
                raw, text, warnings = other, other_text, other_warnings

        for sample in range(1, int(template.param("resample", 0)) + 1):
            if not any(w.severe for w in warnings):
                break
            ask_again(replace(request, sample=sample))
        if request.shots and any(w.from_example for w in warnings):
            # It copies a worked example: the cure is the question without it. A guided retry keeps the example
            # in view, and the 0.5B handed back the same sentence of it again (2 of 40 dev translations).
            ask_again(replace(request, shots=()))
        retry = template.param("retry", DEFAULT_RETRY)
        wanted = [w for w in warnings if w.severe or template.param("retry_on", "any") != "severe"]
        if wanted and retry:
            asked = str(retry).replace("{{ problems }}", "; ".join(w.message for w in warnings))
            followup = (Message("assistant", raw), Message("user", asked))
            again = self._ask(replace(request, followup=followup), output, on_delta, cancel)
            usage, cached = usage + again.usage, cached and again.cached
            second, second_warnings = judged(str(getattr(again.value, field_name)))
            # A small model may answer the retry by repeating it: that is worse than anything it fixed.
            question = " ".join(str(value) for value in values.values())
            if not echoes(field_name, second, asked, question) and ranking(second_warnings) <= ranking(warnings):
                text, warnings = second, second_warnings
        return Result(output.model_validate({field_name: text}), warnings, usage, cached)

    def _request(
        self,
        task: str,
        values: dict[str, Any],
        shots: tuple[Shot, ...] = (),
        *,
        preview: str | None = None,
        fresh: bool = False,
    ) -> ModelRequest:
        """The request for `task`; a profile's template may leave a variable out (the title, say), so only
        the values it uses are rendered. `preview` set: free text, asked for and streamed as plain text."""
        template = self.prompts[task]
        used = {key: value for key, value in values.items() if key in template.variables}
        return ModelRequest(
            task,
            tuple(template.render(**used)),
            template.content_hash,
            shots=shots,
            max_tokens=template.param("max_tokens"),
            temperature=template.param("temperature"),
            preview_field=preview,
            plain_text=preview is not None,
            fresh=fresh,
            prompt_name=template.name,
        )

    def _ask(
        self, request: ModelRequest, output: type[T], on_delta: OnDelta | None, cancel: CancelToken | None
    ) -> ModelReply[T]:
        reply = self.client.generate(request, output, on_delta=on_delta, cancel=cancel)
        with self._lock:
            self.totals = self.totals + reply.usage
        return reply

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
        longest = int(template.param("example_max_chars", 100_000))  # a small model copies long examples
        for doc in self._candidates(template, entry, exclude, budget.limit):
            if not usable(doc.entry):
                continue
            user_values, answer = values(doc.entry)
            if any(len(str(text)) > longest for text in answer.values()):
                continue
            asked = set(VARIABLE.findall(template.messages[-1].content))
            shot = Shot(template.render_question(**{k: v for k, v in user_values.items() if k in asked}), answer)
            if budget.offer(shot.user + "".join(map(str, answer.values()))):
                shots.append(shot)
            if len(shots) >= budget.limit:
                break
        return tuple(reversed(shots))

    def _candidates(self, template: PromptTemplate, entry: Entry, exclude: Any, limit: int) -> list[ArchiveDoc]:
        """Example candidates, best first: the most similar past notes, or with `example_choice: recent` the
        author's latest ones. Those are the same for every paper, so the prompt up to the question is too,
        and llama.cpp answers from its KV cache instead of reading the examples again on every call."""
        assert self.similar is not None
        if template.param("example_choice", "similar") != "recent":
            return [doc for doc, _ in self.similar.similar(entry, k=limit * 4, exclude=exclude)]
        dated = [doc for doc in self.similar.docs if doc.date is not None and doc.key != exclude]
        return sorted(dated, key=lambda doc: (doc.date, doc.key), reverse=True)


def warnings_text(warnings: Sequence[OutputWarning]) -> list[str]:
    return [str(w) for w in warnings]
