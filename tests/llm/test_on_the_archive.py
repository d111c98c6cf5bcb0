"""The model layer's rules held against the author's real notes (skipped without ../shared)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from author_tui.core.acronyms import Acronyms, definitions
from author_tui.core.checks import check_draft, check_note, check_translation
from author_tui.core.digest import parse, render_entry
from author_tui.core.model import Entry
from author_tui.core.outputs import TagSuggestions
from author_tui.core.paste import split_paste
from author_tui.core.surface import EnglishSpelling, Spelling
from author_tui.store.archive import load_archive

pytestmark = pytest.mark.corpus


def test_every_example_entry_pasted_back_splits_into_the_same_paper(example_digest):
    entries = parse(example_digest.read_bytes()).entries()
    assert len(entries) == 7
    for entry in entries:
        pasted = split_paste(render_entry(entry))
        assert (pasted.title, pasted.authors, pasted.abstract) == (entry.title, entry.authors, entry.abstract)


def test_the_authors_own_example_entries_pass_the_note_and_language_checks(example_digest):
    for entry in parse(example_digest.read_bytes()).entries():
        assert check_note(entry.note) == []
        language = [w for w in check_translation(entry.note, entry.english) if "Hangul" in w.message]
        assert language == []


def test_the_draft_checks_that_trigger_a_retry_pass_nearly_all_of_the_authors_notes(corpus_dir):
    """The guided retry must steer a model toward the author's kind of note, not away from the author: the
    language and copy checks (the ones a model fails most) pass on nearly every note of the author's."""
    docs = [d.entry for d in load_archive([corpus_dir]) if d.entry.has_note and d.entry.abstract]
    flagged = Counter()
    for entry in docs:
        for warning in check_draft(entry.note, f"{entry.title}\n{entry.abstract}", abstract=entry.abstract):
            flagged[warning.message.split(" ")[0]] += 1
    assert len(docs) > 1000
    assert flagged["mostly"] / len(docs) < 0.01  # Latin terms are the house style, not "not Korean"
    assert flagged["copies"] / len(docs) < 0.05  # a quoted method name is not a copied sentence
    assert flagged["rewords"] / len(docs) < 0.02  # the paper's terms in a comment are not the abstract reworded
    assert flagged["a"] / len(docs) < 0.002  # "a word half Hangul, half English": 2 notes in 3,468
    assert flagged["repeats"] / len(docs) < 0.002  # "repeats itself": a term named three times, 2 in 3,090


def test_the_authors_tags_are_already_in_house_shape(corpus_dir):
    docs = load_archive([corpus_dir / "2025"])
    tags = {tag for d in docs for tag in d.entry.tags}
    assert TagSuggestions(tags=sorted(tags)).tags == sorted(tags)


def respelled_2025(corpus_dir, text: Callable[[Entry], str], learn: Callable[[Iterable[str]], Any]) -> tuple[int, int]:
    """(Latin words, words changed) when a spelling learned from the author's latest 1,000 texts before 2025
    is put on the author's own 2025 texts."""
    docs = [d for d in load_archive([corpus_dir]) if d.date is not None and text(d.entry).strip()]
    before = sorted((d for d in docs if d.date < dt.date(2025, 1, 1)), key=lambda d: (d.date, d.key))[-1000:]
    spelling = learn(text(d.entry) for d in before)
    latin = re.compile(r"[A-Za-z]+")
    words = changed = 0
    for written in (text(d.entry) for d in docs if d.date >= dt.date(2025, 1, 1)):
        mine, styled = latin.findall(written), latin.findall(spelling.apply(written))
        words, changed = words + len(mine), changed + sum(a != b for a, b in zip(mine, styled, strict=True))
    return words, changed


def test_the_authors_spelling_learned_before_2025_leaves_the_authors_2025_notes_nearly_as_written(corpus_dir):
    """Capitalizing a draft's Latin words (core.surface) must be the author's habit, not a new one."""
    words, changed = respelled_2025(corpus_dir, lambda entry: entry.note, Spelling.of_notes)
    assert words > 1000 and changed / words < 0.03  # 1.7 %: the author's own lower-case words


def test_the_authors_english_spelling_learned_before_2025_leaves_the_authors_2025_english_nearly_as_written(
    corpus_dir,
):
    """Lower-casing a translation's terms (core.surface) must be the author's habit in English, not a new one."""
    words, changed = respelled_2025(corpus_dir, lambda entry: entry.english, EnglishSpelling.of_translations)
    assert words > 1000 and changed / words < 0.01  # 0.24 %


def test_where_the_author_names_a_term_the_abstract_defines_the_note_says_its_acronym(corpus_dir):
    """Writing a draft's long forms as the abstract's acronyms (core.acronyms) must be the author's habit: of
    the defined terms a note names, the author writes the acronym for most, and the rule learned from the
    author's notes leaves nearly every note of theirs as written."""
    docs = [d.entry for d in load_archive([corpus_dir]) if d.entry.has_note and d.entry.abstract]
    acronym = long = 0
    for entry in docs:
        for words, short in definitions(entry.abstract).items():
            spelled = r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", words.rstrip("s"))))
            if re.search(rf"(?<![A-Za-z]){re.escape(short)}(?![a-rt-zA-Z])", entry.note):
                acronym += 1
            elif re.search(spelled, entry.note, re.IGNORECASE):
                long += 1
    assert acronym + long > 300 and acronym / (acronym + long) > 0.75  # 317 to 68
    habits = Acronyms.of_notes(entry.note for entry in docs)
    changed = sum(habits.apply(entry.note, entry.abstract) != entry.note for entry in docs)
    assert changed / len(docs) < 0.03
