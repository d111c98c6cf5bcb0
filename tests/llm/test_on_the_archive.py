"""The model layer's rules held against the author's real notes (skipped without ../shared)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from author_tui.core.checks import check_draft, check_note, check_translation
from author_tui.core.digest import parse, render_entry
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


def test_the_authors_tags_are_already_in_house_shape(corpus_dir):
    docs = load_archive([corpus_dir / "2025"])
    tags = {tag for d in docs for tag in d.entry.tags}
    assert TagSuggestions(tags=sorted(tags)).tags == sorted(tags)


def test_the_authors_spelling_learned_before_2025_leaves_the_authors_2025_notes_nearly_as_written(corpus_dir):
    """Capitalizing a draft's Latin words (core.surface) must be the author's habit, not a new one."""
    docs = [d for d in load_archive([corpus_dir]) if d.date is not None and d.entry.has_note]
    before = sorted((d for d in docs if d.date < dt.date(2025, 1, 1)), key=lambda d: (d.date, d.key))[-1000:]
    spelling = Spelling.of_notes(d.entry.note for d in before)
    latin = re.compile(r"[A-Za-z]+")
    words = changed = 0
    for note in (d.entry.note for d in docs if d.date >= dt.date(2025, 1, 1)):
        mine, styled = latin.findall(note), latin.findall(spelling.apply(note))
        words, changed = words + len(mine), changed + sum(a != b for a, b in zip(mine, styled, strict=True))
    assert words > 1000 and changed / words < 0.03  # 1.7 %: the author's own lower-case words


def test_the_authors_english_spelling_learned_before_2025_leaves_the_authors_2025_english_nearly_as_written(
    corpus_dir,
):
    """Lower-casing a translation's terms (core.surface) must be the author's habit in English, not a new one."""
    docs = [d for d in load_archive([corpus_dir]) if d.date is not None and d.entry.has_english]
    before = sorted((d for d in docs if d.date < dt.date(2025, 1, 1)), key=lambda d: (d.date, d.key))[-1000:]
    spelling = EnglishSpelling.of_translations(d.entry.english for d in before)
    latin = re.compile(r"[A-Za-z]+")
    words = changed = 0
    for english in (d.entry.english for d in docs if d.date >= dt.date(2025, 1, 1)):
        mine, styled = latin.findall(english), latin.findall(spelling.apply(english))
        words, changed = words + len(mine), changed + sum(a != b for a, b in zip(mine, styled, strict=True))
    assert words > 1000 and changed / words < 0.01
