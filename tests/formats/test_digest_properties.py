"""Property tests: the two round-trip promises of the digest format hold for hostile text too."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from author_tui.core import digest
from author_tui.core.model import Day, Digest, Entry
from author_tui.core.text import HANGUL
from author_tui.errors import FormatError

# Text the author's files really contain, plus what breaks naive parsers: '#', '(', CR, emoji, Hangul.
PIECES = st.sampled_from(["#", "(", ")", "\r", "\n", "\r\n", " ", "가", "한국어", "RoPE", "https://x.org/a?b=1",
                          "24B", "🙂", "년", "월", "일", "2025년 6월 18일", "#rl", "\t", "\ufeff"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=12).map("".join)
LONG = st.integers(0, 5000).map(lambda n: "x" * n)
TAG = st.from_regex(r"[a-z0-9_\-가-힣+]{1,12}", fullmatch=True)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    """Mostly representable entries (so few are thrown away), with hostile text in every field."""
    note = draw(st.sampled_from(["", draw(TEXT) + "\n" + draw(TEXT) + "가" + draw(TEXT)]))
    english = HANGUL.sub("", draw(TEXT))
    return Entry(title=draw(TEXT | LONG), authors=draw(TEXT), abstract=draw(TEXT | LONG), note=note,
                 english=english, tags=draw(st.lists(TAG, min_size=1, max_size=4)))


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    dates = draw(st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), max_size=3))
    days = [Day(date=date, entries=draw(st.lists(entries(), max_size=3))) for date in dates]
    return Digest(days=days, newline=draw(st.sampled_from(["\n", "\r\n"])), bom=draw(st.booleans()),
                  final_newline=draw(st.booleans()))


@settings(max_examples=200, deadline=None)
@given(entries())
def test_every_representable_entry_reads_back_the_same(entry: Entry) -> None:
    assume(not digest.problems(entry))
    document = Digest(days=[Day(date=dt.date(2025, 6, 18), entries=[entry])])
    assert digest.parse(digest.render(document)).entries() == [entry]


@settings(max_examples=60, deadline=None)
@given(digests())
def test_whole_digests_round_trip_both_ways(document: Digest) -> None:
    assume(all(not digest.problems(entry) for entry in document.entries()))
    data = digest.render(document)
    parsed = digest.parse(data)
    if b"\n" not in data:  # one line and no line break: which ending the file uses is unknowable
        document = document.model_copy(update={"newline": "\n"})
    if document.days:
        assert parsed == document
    assert digest.render(parsed) == data


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=10)), max_size=30).map("".join))
def test_any_text_the_parser_accepts_renders_to_the_same_bytes(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        parsed = digest.parse(data)
    except FormatError:
        return
    assert digest.render(parsed) == data


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=4), st.booleans())
def test_accepted_files_built_from_house_lines_round_trip(items: list[Entry], crlf: bool) -> None:
    items = [entry for entry in items if not digest.problems(entry)]
    assume(items)
    newline = "\r\n" if crlf else "\n"
    lines = ["2025년 6월 18일"] + [digest.render_entry(entry, newline) for entry in items]
    data = newline.join(lines).encode()
    assert digest.render(digest.parse(data)) == data
