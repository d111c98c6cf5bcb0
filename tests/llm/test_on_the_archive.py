"""The model layer's rules held against the author's real notes (skipped without ../shared)."""

from __future__ import annotations

import re

import pytest

from author_tui.core.checks import check_note, check_translation
from author_tui.core.digest import parse, render_entry
from author_tui.core.outputs import NOTE_PATTERN, TagSuggestions
from author_tui.core.paste import split_paste
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


def test_the_note_schema_accepts_nearly_all_of_the_authors_recent_notes(corpus_dir):
    notes = [d.entry.note.strip() for d in load_archive([corpus_dir / "2025"]) if d.entry.has_note]
    one_line = [n for n in notes if "\n" not in n]
    accepted = [n for n in one_line if re.match(NOTE_PATTERN, n)]
    assert len(one_line) > 300
    assert len(accepted) / len(one_line) > 0.97  # the schema steers a model, it must not fight the author


def test_the_authors_tags_are_already_in_house_shape(corpus_dir):
    docs = load_archive([corpus_dir / "2025"])
    tags = {tag for d in docs for tag in d.entry.tags}
    assert TagSuggestions(tags=sorted(tags)).tags == sorted(tags)
