"""Table-driven tests of the house-format digest: what parses to what, and what is refused where."""

from __future__ import annotations

import datetime as dt

import pytest

from author_tui.core import digest
from author_tui.core.model import Day, Digest, Entry
from author_tui.errors import EntryError, FormatError

ENTRY_A = [
    "Sparse Widgets Are All You Need",
    "(Ada Lovelace, Alan Turing)",
    "We study sparse widgets. They are fast.",
    "위젯을 sparse하게 만들면 빨라진다는 주장. 벤치마크가 좀 약하네요.",
    "A claim that sparse widgets are faster. The benchmarks are a bit weak.",
    "#sparsity #efficiency",
]
ENTRY_B = [
    "(Parenthesised) Title: 한국어 제목도 괜찮다",
    "(Lab X: Grace Hopper)",
    "",
    "https://example.org/paper 링크만 남겨둡니다.",
    "#misc",
]
DAY = "2025년 6월 18일"


def text(*lines: str, end: str = "") -> bytes:
    return ("\n".join(lines) + end).encode()


def test_parses_entries_fields_and_day() -> None:
    parsed = digest.parse(text(DAY, *ENTRY_A, *ENTRY_B))
    assert [day.date for day in parsed.days] == [dt.date(2025, 6, 18)]
    first, second = parsed.entries()
    assert first.title == ENTRY_A[0]
    assert first.authors == "Ada Lovelace, Alan Turing"
    assert first.note.startswith("위젯을") and first.english.startswith("A claim")
    assert first.tags == ["sparsity", "efficiency"]
    assert second.title.startswith("(Parenthesised)")
    assert second.abstract == "" and second.english == "" and second.tags == ["misc"]


@pytest.mark.parametrize(
    ("body", "note", "english"),
    [
        (["한국어 한 줄"], "한국어 한 줄", ""),
        (["한국어", "두 번째 줄"], "한국어\n두 번째 줄", ""),
        (["- list item", "한국어로 끝남"], "- list item\n한국어로 끝남", ""),
        (["한국어", "English one.", "", "English two."], "한국어", "English one.\n\nEnglish two."),
        (["Only English, no note yet."], "", "Only English, no note yet."),
        ([], "", ""),
    ],
)
def test_body_splits_at_the_last_hangul_line(body: list[str], note: str, english: str) -> None:
    entry = digest.parse(text(DAY, "T", "()", "abs", *body, "#t")).entries()[0]
    assert (entry.note, entry.english) == (note, english)


@pytest.mark.parametrize(
    ("lines", "line", "expected"),
    [
        (["2025년 06월 18일", *ENTRY_A], 1, "day header"),
        (["Title first", "(A)"], 1, "day header"),
        ([DAY, "", *ENTRY_A], 2, "title line"),
        ([DAY, "Title", "Ada Lovelace", "abs", "#t"], 3, "authors line"),
        ([DAY, "Title", "(A)", "abs", "한국어"], 6, "tags line"),
        ([DAY, "Title", "(A)", "abs", "한국어", "2025년 6월 19일", *ENTRY_A], 6, "tags line"),
        ([DAY, *ENTRY_A, "2025년 2월 30일"], 8, "real date"),
    ],
)
def test_malformed_file_names_line_and_expectation(lines: list[str], line: int, expected: str) -> None:
    with pytest.raises(FormatError) as caught:
        digest.parse(text(*lines), path="day.txt")
    assert caught.value.line == line
    assert expected in caught.value.expected
    assert str(caught.value).startswith(f"day.txt:{line}: expected ")


def test_not_utf8_is_a_format_error_with_line() -> None:
    with pytest.raises(FormatError, match=r"x.txt:2: expected UTF-8"):
        digest.parse(DAY.encode() + b"\nT\xff\n", path="x.txt")


@pytest.mark.parametrize(
    "data",
    [
        text(DAY, *ENTRY_A),
        text(DAY, *ENTRY_A, end="\n"),
        ("\r\n".join([DAY, *ENTRY_A]) + "\r\n").encode(),
        ("\ufeff" + "\n".join([DAY, *ENTRY_A, "2025년 6월 19일", *ENTRY_B])).encode(),
        text(DAY),
        b"",
        text(DAY, *[line + ("  " if i != 1 else "") for i, line in enumerate(ENTRY_A[:5])], ENTRY_A[5]),
    ],
    ids=["no-final-newline", "final-newline", "crlf", "bom-two-days", "empty-day", "empty", "trailing-ws"],
)
def test_render_gives_back_the_same_bytes(data: bytes) -> None:
    assert digest.render(digest.parse(data)) == data


@pytest.mark.parametrize(
    "data",
    [
        b"2025\xeb\x85\x84 6\xec\x9b\x94 18\xec\x9d\xbc\r\nT\n",  # CRLF then LF
        text(DAY, "Title\rwith a stray CR"),
        b"\n",
    ],
)
def test_mixed_endings_and_blank_files_are_refused(data: bytes) -> None:
    with pytest.raises(FormatError):
        digest.parse(data)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (Entry(title=" ", tags=["t"]), "title is empty"),
        (Entry(title="2025년 6월 18일", tags=["t"]), "day header"),
        (Entry(title="T", note="한국어\nno hangul last", tags=["t"]), "end with a line that contains Hangul"),
        (Entry(title="T", note="한국어", english="영어가 아님", tags=["t"]), "English translation contains"),
        (Entry(title="T", note="#rl #llm\n한국어", tags=["t"]), "reads as a tags line"),
        (Entry(title="T", note="한국어", english="#not-english", tags=["t"]), "reads as a tags line"),
        (Entry(title="T", note="한국어"), "at least one tag"),
    ],
)
def test_unrepresentable_entries_are_refused(entry: Entry, problem: str) -> None:
    assert any(problem in found for found in digest.problems(entry))
    with pytest.raises(EntryError, match="cannot be written"):
        digest.render(Digest(days=[Day(date=dt.date(2025, 1, 2), entries=[entry])]))


def test_one_line_fields_fold_line_breaks() -> None:
    entry = Entry(title="A long\n  title", authors="A,\r\nB", abstract="one\ntwo", tags=["#x"], note="가\r\n나")
    assert (entry.title, entry.authors, entry.abstract) == ("A long title", "A, B", "one two")
    assert entry.tags == ["x"] and entry.note == "가\n나"


def test_tags_with_spaces_are_rejected_by_the_model() -> None:
    with pytest.raises(ValueError, match="one word"):
        Entry(title="T", tags=["two words"])


def test_new_day_is_appended_and_rendered_with_house_header() -> None:
    parsed = digest.parse(text(DAY, *ENTRY_A))
    parsed.ensure_day(dt.date(2025, 7, 1)).entries.append(Entry(title="New", note="새 글", tags=["new"]))
    assert digest.render(parsed).decode().endswith("2025년 7월 1일\nNew\n()\n\n새 글\n#new")


def test_entry_lines_at_points_at_each_title() -> None:
    data = text(DAY, *ENTRY_A, *ENTRY_B, "2025년 6월 19일", *ENTRY_A)
    lines = data.decode().split("\n")
    found = list(digest.entry_lines_at(digest.parse(data)))
    assert [line for line, _ in found] == [2, 8, 14]
    assert [lines[line - 1] for line, _ in found] == [e.title for _, e in found]
