"""Vault edits: each changes only its own part (exact expected bytes), or is refused with nothing produced."""

from __future__ import annotations

import pytest

from author_tui.core import vault, vault_edit
from author_tui.core.model import Entry
from author_tui.errors import EntryError

MODERN = "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n한국어 노트.\n\n#rl #llm\n\n# Links\n\n[[other]]"

ENGLISH_CASES = [
    ("insert after the Korean note",
     MODERN, "New English.", None,
     "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n한국어 노트.\n\n<english>\nNew English.\n</english>\n\n"
     "#rl #llm\n\n# Links\n\n[[other]]"),
    ("insert a plain paragraph",
     MODERN, "This is the new English.", "plain",
     "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n한국어 노트.\n\nThis is the new English.\n\n"
     "#rl #llm\n\n# Links\n\n[[other]]"),
    ("replace inside the author's markers",
     "한국어.\n\n<english>\nOld one.\nOld two.\n</english>\n\n#t", "New.", None,
     "한국어.\n\n<english>\nNew.\n</english>\n\n#t"),
    ("replace plain English with plain English",
     "한국어.\n\n#t\n\nOld English sentence here.\n\nA second old paragraph here.", "A new English sentence.", None,
     "한국어.\n\n#t\n\nA new English sentence."),
    ("plain English that is not prose becomes a block",
     "한국어.\n\n#t\n\nOld English sentence here.", "New", None,
     "한국어.\n\n#t\n\n<english>\nNew\n</english>"),
    ("an unclosed block is closed",
     "한국어.\n\n<english>\nOld.\n\n#t", "New.", None,
     "한국어.\n\n<english>\nNew.\n</english>\n\n#t"),
    ("a block with no blank lines stays without them",
     "https://x.org/1\n한국어 첫 줄.\n한국어 둘째 줄.\n#gan", "New.", None,
     "https://x.org/1\n한국어 첫 줄.\n한국어 둘째 줄.\n<english>\nNew.\n</english>\n#gan"),
    ("the last line keeps the file's final newline",
     "한국어.\n", "New.", None,
     "한국어.\n\n<english>\nNew.\n</english>\n"),
    ("the last line without newline stays without",
     "한국어.", "New.", None,
     "한국어.\n\n<english>\nNew.\n</english>"),
    ("CRLF files get CRLF lines",
     "한국어.\r\n\r\n#t", "New.", None,
     "한국어.\r\n\r\n<english>\r\nNew.\r\n</english>\r\n\r\n#t"),
    ("no Korean note: after the abstract",
     "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n#t", "New.", None,
     "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n<english>\nNew.\n</english>\n\n#t"),
    ("empty text removes the English",
     "한국어.\n\n<english>\nOld.\n</english>\n\n#t", "", None,
     "한국어.\n\n#t"),
]


@pytest.mark.parametrize(("case", "before", "text", "style", "after"), ENGLISH_CASES,
                         ids=[case[0] for case in ENGLISH_CASES])
def test_set_english(case: str, before: str, text: str, style: str | None, after: str) -> None:
    edited = vault_edit.set_english(vault.parse_text(before, "n.md"), text, style)  # type: ignore[arg-type]
    assert edited.text() == after
    assert edited.entry().english == text


TAG_CASES = [
    ("replace the tags line", MODERN, ["moe"],
     "https://x.org/1\n\n*T* (A)\n\n> Abs.\n\n한국어 노트.\n\n#moe\n\n# Links\n\n[[other]]"),
    ("replace inline tags", "한국어 노트. 재미있음. #pose #gan", ["pose", "b"], "한국어 노트. 재미있음. #pose #b"),
    ("add before a Links section", "https://x.org/1\n\n한국어.\n\n# Links\n\n[[a]]", ["t"],
     "https://x.org/1\n\n한국어.\n\n#t\n\n# Links\n\n[[a]]"),
    ("add at the end", "https://x.org/1\n\n*T* (A)", ["a", "b"], "https://x.org/1\n\n*T* (A)\n\n#a #b"),
    ("add at the end, keeping the final newline", "한국어.\n", ["a"], "한국어.\n\n#a\n"),
    ("remove", "한국어.\n\n#a\n\n# Links", [], "한국어.\n\n# Links"),
    ("remove a trailing line of a block", "한국어.\n#a", [], "한국어."),
    ("'#' prefixes are accepted", "한국어.\n\n#a", ["#b"], "한국어.\n\n#b"),
]


@pytest.mark.parametrize(("case", "before", "tags", "after"), TAG_CASES, ids=[case[0] for case in TAG_CASES])
def test_set_tags(case: str, before: str, tags: list[str], after: str) -> None:
    edited = vault_edit.set_tags(vault.parse_text(before, "n.md"), tags)
    assert edited.text() == after
    assert edited.entry().tags == [tag.lstrip("#") for tag in tags]


def test_same_tags_change_nothing() -> None:
    note = vault.parse_text("한국어.\n\n#a  #b ", "n.md")
    assert vault_edit.set_tags(note, ["a", "b"]) is note


@pytest.mark.parametrize(("before", "text", "style"), [
    ("한국어.\n\n#t", "Line one.\n</english>\nescaped?", "block"),   # would close the block early
    ("한국어.\n\n#t", "short", "plain"),                           # plain English must be prose
    ("한국어.\n\n#t", "한국어가 섞인 영어 문장입니다.", "plain"),        # would read as Korean
    # English split around other text
    ("한국어.\n\nThe first English paragraph.\n\n[[x]]\n\nThe second English paragraph.", "New.", None),
])
def test_set_english_refuses_what_would_not_read_back(before: str, text: str, style: str | None) -> None:
    note = vault.parse_text(before, "n.md")
    with pytest.raises(EntryError):
        vault_edit.set_english(note, text, style)  # type: ignore[arg-type]


@pytest.mark.parametrize("tags", [["two words"], ["a#b"], [""]])
def test_set_tags_refuses_bad_tags(tags: list[str]) -> None:
    with pytest.raises(EntryError):
        vault_edit.set_tags(vault.parse_text("한국어.\n\n#t", "n.md"), tags)


def test_new_note_has_the_archive_layout_and_reads_back() -> None:
    entry = Entry(title="Paper: Sub", authors="A, B", abstract="Abs.", note="첫 줄.\n둘째 줄.",
                  english="First.\nSecond.", tags=["rl", "llm"], link="https://x.org/1")
    note = vault_edit.new_note(entry, "250101 Paper.md")
    assert note.text() == ("https://x.org/1\n\n*Paper: Sub* (A, B)\n\n> Abs.\n\n첫 줄.\n\n둘째 줄.\n\n"
                           "<english>\nFirst.\nSecond.\n</english>\n\n#rl #llm")
    assert note.entry() == entry


@pytest.mark.parametrize("note", ["> 인용처럼 보이는 줄", "#tag", "# 제목처럼 보이는 줄", "<english>"])
def test_new_note_refuses_note_lines_that_would_read_as_something_else(note: str) -> None:
    with pytest.raises(EntryError):
        vault_edit.new_note(Entry(title="T", note=f"한국어.\n{note}\n한국어 끝.", tags=["t"]), "n.md")
