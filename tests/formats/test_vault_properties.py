"""Property tests for vault notes with hostile text: round trip, edits confined to their part, new notes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from author_tui.core import vault, vault_edit
from author_tui.core.model import Entry
from author_tui.errors import EntryError

HANGUL = "가나다라마바사한국어노트논문"
# Pieces that collide with the layout rules: markers, tags, quotes, parentheses, URLs, emoji, CR.
PIECES = ["#", "# ", "#tag", "(", ")", "> ", "*", "<english>", "</english>", "https://arxiv.org/abs/2506.1",
          "[[x]]", "😀", "\r", "\t", " ", "$\\times$", "Pass@K", "ab", "가", "한국어", ".", "x" * 300]

line_text = st.lists(st.sampled_from(PIECES) | st.text(alphabet=HANGUL + "abc ()#>*.", max_size=8),
                     max_size=6).map("".join)
any_text = st.lists(line_text, max_size=12).map("\n".join)

korean_line = st.builds(lambda a, b: f"{a}{b}.", st.text(alphabet=HANGUL, min_size=1, max_size=10),
                        st.text(alphabet="abc (),@0123456789" + HANGUL, max_size=20))
english_line = st.builds(lambda a: f"The paper says {a}.", st.text(alphabet="abcxyz ()@,-0123456789", max_size=30))
tag = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
blocks = st.one_of(
    st.just("https://arxiv.org/abs/2506.14245"),
    st.builds(lambda t, a: f"*{t}* ({a})", st.text(alphabet="Ab가 (:)*", min_size=1, max_size=20).map(str.strip)
              .filter(bool), st.text(alphabet="Ab, ", max_size=10)),
    st.builds(lambda t: f"> {t}", line_text),
    korean_line,
    st.lists(english_line, min_size=1, max_size=3).map(lambda ls: "\n".join(["<english>", *ls, "</english>"])),
    st.lists(tag, min_size=1, max_size=3).map(lambda ts: " ".join(f"#{t}" for t in ts)),
    st.just("# Links"),
    line_text,
)
note_text = st.builds(
    lambda bs, seps, nl, bom, final: ("\ufeff" if bom else "")
    + "".join(b + (seps[i % len(seps)] if i < len(bs) - 1 else "") for i, b in enumerate(bs)).replace("\n", nl)
    + (nl if final else ""),
    st.lists(blocks, min_size=1, max_size=8),
    st.lists(st.sampled_from(["\n\n", "\n \n", "\n\n\n", "\n"]), min_size=1, max_size=3),
    st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans(),
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.one_of(any_text, note_text), st.booleans())
def test_any_text_renders_back_byte_for_byte(text: str, bom: bool) -> None:
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    assert vault.parse(data, "n.md").render() == data


@FAST
@given(note_text, st.lists(tag, max_size=3))
def test_set_tags_changes_only_the_tags(text: str, tags: list[str]) -> None:
    note = vault.parse_text(text, "n.md")
    try:
        edited = vault_edit.set_tags(note, tags)
    except EntryError:
        return
    assert edited.entry().tags == list(dict.fromkeys(tags))
    before, after = note.entry(), edited.entry()
    assert before.model_copy(update={"tags": after.tags}) == after
    tag_lines = note.lines_with("tags")
    if len(tag_lines) == 1 and tags:  # one tags line replaced: every other line keeps its bytes
        i = tag_lines[0]
        assert edited.lines[:i] == note.lines[:i] and edited.lines[i + 1:] == note.lines[i + 1:]


@FAST
@given(note_text, st.lists(english_line, max_size=3).map("\n".join))
def test_set_english_changes_only_the_english(text: str, english: str) -> None:
    note = vault.parse_text(text, "n.md")
    try:
        edited = vault_edit.set_english(note, english)
    except EntryError:
        return
    before, after = note.entry(), edited.entry()
    assert after.english == english
    assert before.model_copy(update={"english": english}) == after
    markers = note.lines_with("marker")
    if len(markers) == 2 and english and note.lines[markers[0]].text == "<english>" \
            and note.lines[markers[1]].text == "</english>":
        first, last = markers
        assert edited.lines[: first + 1] == note.lines[: first + 1]
        assert edited.lines[-(len(note.lines) - last):] == note.lines[last:]


hostile_entry = st.builds(
    Entry,
    title=line_text.filter(str.strip),
    authors=line_text,
    abstract=line_text,
    note=st.lists(line_text, max_size=3).map("\n".join),
    english=st.lists(line_text, max_size=3).map("\n".join),
    tags=st.lists(tag, max_size=3),
    link=st.none() | st.just("https://arxiv.org/abs/2506.14245"),
)
plain_entry = st.builds(
    Entry,
    title=st.text(alphabet="Ab가나 :-0123456789", min_size=1, max_size=40).map(str.strip).filter(bool),
    authors=st.text(alphabet="Ab, ", max_size=20).map(str.strip),
    abstract=st.text(alphabet="Ab ,.$@", max_size=60).map(str.strip),
    note=st.lists(korean_line, min_size=1, max_size=3).map("\n".join),
    english=st.lists(english_line, max_size=3).map("\n".join),
    tags=st.lists(tag, min_size=1, max_size=3),
    link=st.none() | st.just("https://arxiv.org/abs/2506.14245"),
)


@FAST
@given(hostile_entry)
def test_new_note_reads_back_exactly_or_is_refused(entry: Entry) -> None:
    try:
        note = vault_edit.new_note(entry, "n.md")
    except EntryError:
        return
    got = note.entry()
    for field in ("title", "authors", "abstract", "tags", "link"):
        assert getattr(got, field) == getattr(entry, field)


@FAST
@given(plain_entry)
def test_ordinary_entries_always_become_notes(entry: Entry) -> None:
    entry = entry.model_copy(update={"tags": list(dict.fromkeys(entry.tags))})
    assert vault_edit.new_note(entry, "n.md").entry() == entry
