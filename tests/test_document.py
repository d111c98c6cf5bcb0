"""The digest the TUI has open (store.document.DigestDocument): entries placed by index and title when the
file moved under it, a new file on first save, and the locked read-compare-write between two instances."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from author_tui.core.digest import parse
from author_tui.core.model import Entry
from author_tui.errors import DiskChanged
from author_tui.store.autosave import Slot
from author_tui.store.document import DigestDocument
from tests.tui.test_errors import write_digest

DAY = dt.date(2025, 6, 18)


def entry(title: str) -> Entry:
    return Entry.model_validate({"title": title, "note": "노트군요.", "tags": ["x"]})


def test_put_finds_the_entry_it_was_opened_from_after_the_file_moved(tmp_path: Path) -> None:
    document = DigestDocument.load(write_digest(tmp_path))
    document.move(0, 0, 1)  # "First Paper" is now second
    slot = document.put(Slot(DAY, 0, "First Paper"), entry("First Paper, revised"))
    assert slot == Slot(DAY, 1, "First Paper, revised")
    assert [e.title for e in document.digest.entries()] == ["Second Paper", "First Paper, revised", "Third Paper"]
    document.put(Slot(DAY, 0, "Gone"), entry("New"))  # its original vanished: appended, never lost
    assert document.digest.entries()[-1].title == "New"


def test_a_new_digest_gets_its_file_on_first_save(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "2025-06-18.txt"
    document = DigestDocument.load(path)
    assert document.digest.days == [] and not document.snapshot.changed()
    document.put(Slot(document.target_day(DAY).date), entry("Only"))
    document.save()
    assert path.read_text(encoding="utf-8") == "2025년 6월 18일\nOnly\n()\n\n노트군요.\n#x"


def test_two_instances_on_one_digest_cannot_overwrite_each_other(tmp_path: Path) -> None:
    path = write_digest(tmp_path)
    first, second = DigestDocument.load(path), DigestDocument.load(path)
    first.delete(0, 2)
    first.save()
    second.move(0, 0, 1)
    try:
        second.save()
    except DiskChanged:
        pass
    else:
        raise AssertionError("the second instance overwrote the first one's save")
    assert [e.title for e in parse(path.read_bytes()).entries()] == ["First Paper", "Second Paper"]
