"""Vault notes: table-driven reading of the archive's layouts (own fixtures), byte-exact rendering, naming."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from author_tui.core import vault
from author_tui.errors import FormatError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vault"


def load(name: str) -> vault.Note:
    return vault.parse((FIXTURES / name).read_bytes(), name)


# (file, expected entry fields; fields left out must be empty)
ENTRY_CASES = [
    ("250301 Modern Note.md", {
        "title": "Modern Note: Testing the Current Layout", "authors": "Ada Lovelace, Alan Turing",
        "abstract": r"We study the $Pass@K$ metric and obtain $3\times$ gains with "
                    r"\textbf{\textit{stable training}}.",
        "note": "새로운 레이아웃을 시험하는 노트입니다. Pass@K를 다룹니다.\n"
                "두 번째 문단도 있습니다 (https://example.org/ref).",
        "english": "A note that tries the current layout. It covers Pass@K.",
        "tags": ["rl", "reasoning"], "link": "https://arxiv.org/abs/2503.00001"}),
    ("200301 Old Plain Title.md", {
        "title": "Old Plain Title: A Wrapped Title Over Two Lines", "authors": "Grace Hopper, Edsger Dijkstra",
        "note": "옛날 형식의 노트. 제목에 별표가 없음.", "tags": ["old_style", "nlp"],
        "link": "https://arxiv.org/abs/2003.00002"}),
    ("170301 No Blank Lines.md", {
        "title": "No Blank Lines",
        "note": "빈 줄이 없는 아주 오래된 노트이다. 링크와 본문이 붙어 있다.\n둘째 줄도 한국어다.",
        "tags": ["gan"], "link": "https://arxiv.org/abs/1703.00003"}),
    ("190301 Link Glued.md", {
        "title": "Link Glued", "note": "링크 바로 뒤에 본문이 이어지는 노트.\n둘째 줄.", "tags": ["pretraining"],
        "link": "https://arxiv.org/abs/1903.00004"}),
    ("240301 English After Tags.md", {
        "title": "English After Tags", "authors": "Barbara Liskov", "abstract": "An abstract.",
        "note": "태그 다음에 영어 문단이 오는 노트입니다.",
        "english": "This note puts its English after the tags line.\nA second English paragraph follows here.",
        "tags": ["alignment"], "link": "https://arxiv.org/abs/2403.00005"}),
    ("210301 Inline Tags.md", {
        "title": "Inline Tags", "authors": "Donald Knuth", "note": "태그가 본문 끝에 붙어 있는 노트. 재미있음.",
        "tags": ["pose", "inpainting"], "link": "https://arxiv.org/abs/2103.00006"}),
    ("241201 Unclosed English.md", {
        "title": "Unclosed English", "authors": "Claude Shannon", "abstract": "Abstract text.",
        "note": "닫히지 않은 영어 블록이 있는 노트.", "english": "An English block that is never closed.",
        "tags": ["moe"], "link": "https://arxiv.org/abs/2412.00007"}),
    ("Plain English Only.md", {
        "title": "Plain English Only",
        "english": "This note is written in English only, without a link or tags.\n"
                   "1. First point of the note.\n2. Second point of the note."}),
]


@pytest.mark.parametrize(("name", "fields"), ENTRY_CASES, ids=[case[0] for case in ENTRY_CASES])
def test_entry_fields(name: str, fields: dict[str, object]) -> None:
    entry = load(name).entry()
    empty = {"title": "", "authors": "", "abstract": "", "note": "", "english": "", "tags": [], "link": None}
    assert entry.model_dump() == {**empty, **fields}


BLOCK_CASES = [
    ("250301 Modern Note.md", ["link", "title", "abstract", "note", "note", "english", "tags", "heading", "other"]),
    ("170301 No Blank Lines.md", ["mixed", "tags"]),
    ("240301 English After Tags.md", ["link", "title", "abstract", "note", "tags", "english", "english"]),
    ("Untitled.md", ["other"]),
]


@pytest.mark.parametrize(("name", "kinds"), BLOCK_CASES, ids=[case[0] for case in BLOCK_CASES])
def test_block_kinds(name: str, kinds: list[str]) -> None:
    assert [block.kind for block in load(name).blocks] == kinds


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.md")))
def test_every_fixture_renders_back_byte_for_byte(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert vault.parse(data, name).render() == data


@pytest.mark.parametrize("text", [
    "", "\n", "\n\n\n", " ", "a", "a\n", "a\r\nb", "a\rb\n", "\ufeffa\r\n\r\n#t\r\n", "a\n \t\n\nb  ",
    "#t", "> q\n>\n> r", "<english>\n</english>", "한국어\u2028줄\x0b끝\x85", "\r", "\r\r\n",
])
def test_edge_texts_render_back(text: str) -> None:
    assert vault.parse(text.encode(), "n.md").render() == text.encode()


def test_crlf_and_bom_are_kept_and_read_like_lf() -> None:
    lf = (FIXTURES / "250301 Modern Note.md").read_text(encoding="utf-8")
    data = ("\ufeff" + lf.replace("\n", "\r\n")).encode()
    note = vault.parse(data, "250301 Modern Note.md")
    assert note.bom and note.newline == "\r\n"
    assert note.render() == data
    assert note.entry() == load("250301 Modern Note.md").entry()


def test_blocks_keep_their_separators() -> None:
    note = vault.parse(b"a\n\n \n\nb\nc\n\n", "n.md")
    assert [(b.start, b.stop, b.sep_stop) for b in note.blocks] == [(0, 1, 4), (4, 6, 7)]


def test_not_a_paper_note_is_flagged_not_fatal() -> None:
    note = load("Untitled.md")
    assert not note.is_paper
    assert vault.problems(note) == [(1, "not a paper note: no link, title, abstract, note, English or tags")]


@pytest.mark.parametrize(("text", "problem"), [
    ("https://x.org/1\n\n한국어 노트.\n\n<english>\nEnglish.\n\n#t", (5, "<english> is never closed with </english>")),
    ("https://x.org/1\n\n한국어 노트.\n\n<enligsh>\nEnglish.\n</english>\n\n#t",
     (5, "English marker '<enligsh>' should be <english>")),
    ("https://x.org/1\n\n한국어 노트.\n\n<english>\nEnglish.\n<english>\n\n#t",
     (7, "English marker '<english>' should be </english>")),
    ("https://x.org/1\n\n한국어 노트.", (3, "no tags line")),
])
def test_problems_name_the_line(text: str, problem: tuple[int, str]) -> None:
    assert vault.problems(vault.parse_text(text, "n.md")) == [problem]


def test_undecodable_bytes_are_a_format_error_naming_the_line() -> None:
    with pytest.raises(FormatError) as caught:
        vault.parse(b"https://x.org\n\n\xff\xfe", "bad.md")
    assert caught.value.line == 3 and caught.value.path == "bad.md"


@pytest.mark.parametrize(("name", "date", "title"), [
    ("250618 Gemini 2.5.md", dt.date(2025, 6, 18), "Gemini 2.5"),
    ("2025/250311.md", dt.date(2025, 3, 11), ""),
    ("DeepSeekMath V2.md", None, "DeepSeekMath V2"),
    ("251399 Not A Date.md", None, "251399 Not A Date"),
])
def test_date_and_short_title_come_from_the_file_name(name: str, date: dt.date | None, title: str) -> None:
    assert vault.date_from_name(name) == date
    assert vault.name_title(name) == title


@pytest.mark.parametrize(("title", "short"), [
    ("Gemini 2.5: Pushing the Frontier", "Gemini 2.5"),
    ("How much do language models memorize?", "How much do language models memorize"),
    ("Beyond Thumbs Up/Down: Fine-Grained Feedback", "Beyond Thumbs Up"),
    ('"Principal Components" Enable A New Language', "Principal Components Enable A New Language"),
    ("L$^2$M: Mutual Information", "L$^2$M"),
    ("Reinforcement Learning with Verifiable Rewards", "Reinforcement Learning with Verifiable Rewards"),
    (": nothing before", "Untitled paper"),
])
def test_short_title_names_notes_like_the_archive(title: str, short: str) -> None:
    assert vault.short_title(title) == short


def test_digest_entry_shows_plain_text_and_no_link() -> None:
    entry = vault.digest_entry(load("250301 Modern Note.md"))
    assert entry.abstract == "We study the Pass@K metric and obtain 3× gains with stable training."
    assert entry.link is None
