"""One definition of a tag (core.hashtag): the entry model, both formats, the editor and `check` agree on it.

The property: any word the definition calls a tag goes through a digest and through a vault note (a new
note, and a note whose tags are replaced) and comes back the same; any word it refuses is refused by
every writer, so neither format can hold a tag the other cannot read.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from author_tui.core import digest, hashtag, vault, vault_edit
from author_tui.core.model import Day, Digest, Entry
from author_tui.core.outputs import TagPick
from author_tui.errors import EntryError
from author_tui.tui.entry_screen import _valid_tag

# Letters, digits, punctuation and symbols of any script: everything a tag may hold, '#' aside.
TAG_CHARS = st.characters(categories=["L", "N", "P", "S"], exclude_characters="#")
tag = st.text(TAG_CHARS, min_size=1, max_size=12)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def entry(tags: list[str]) -> Entry:
    return Entry(title="A Paper", authors="Ada", abstract="An abstract.", note="한국어 노트입니다.",
                 english="An English note.", tags=tags)


@FAST
@given(st.lists(tag, min_size=1, max_size=4, unique=True))
def test_a_tag_reads_back_the_same_from_a_digest_and_from_a_vault_note(tags: list[str]) -> None:
    assert all(hashtag.is_tag(t) for t in tags)
    line = hashtag.tag_line(tags)
    assert hashtag.DIGEST_TAGS_LINE.fullmatch(line) and hashtag.NOTE_TAGS_LINE.fullmatch(line)
    written = Digest(days=[Day(date=dt.date(2025, 6, 18), entries=[entry(tags)])])
    assert digest.parse(digest.render(written)).entries()[0].tags == tags
    assert vault_edit.new_note(entry(tags), "250618 A Paper.md").entry().tags == tags
    retagged = vault_edit.set_tags(vault.parse_text("https://arxiv.org/abs/2506.1\n\n한국어.\n\n#old", "n.md"), tags)
    assert vault.parse(retagged.render(), "n.md").entry().tags == tags
    assert all(_valid_tag(f"#{t}") for t in tags)


@pytest.mark.parametrize("word", ["two words", "a#b", "#", "", "tab\there", "new\nline"])
def test_a_word_that_is_not_a_tag_is_refused_by_every_writer(word: str) -> None:
    assert not hashtag.is_tag(word)
    with pytest.raises(ValidationError):
        Entry(title="T", tags=[word])
    with pytest.raises(EntryError):
        vault_edit.set_tags(vault.parse_text("한국어.\n\n#old", "n.md"), [word])
    assert not _valid_tag(word)


def test_a_digest_tags_line_is_a_vault_tags_line_but_not_the_other_way() -> None:
    """The vault is looser (tabs, runs of spaces, as the archive has them); the digest renders single spaces."""
    for line in ("#llm", "#llm #rl", "#long-context #object_detection"):
        assert hashtag.DIGEST_TAGS_LINE.fullmatch(line) and hashtag.NOTE_TAGS_LINE.fullmatch(line)
    for line in ("#llm  #rl", "#llm\t#rl"):
        assert hashtag.NOTE_TAGS_LINE.fullmatch(line) and not hashtag.DIGEST_TAGS_LINE.fullmatch(line)
    assert digest.is_tags_line("#llm #rl") and not digest.is_tags_line("# Links")


@pytest.mark.parametrize(("written", "shaped", "house"), [
    ("Load Balancing", "load-balancing", True),
    ("#RL", "rl", True),
    ("object_detection", "object_detection", True),
    ("한국어", "한국어", False),
])
def test_the_house_shape_is_what_the_model_output_and_check_use(written: str, shaped: str, house: bool) -> None:
    assert hashtag.house_shape(written) == shaped
    assert TagPick(tags=[written]).tags == [shaped]
    assert hashtag.is_house_tag(shaped) is house
