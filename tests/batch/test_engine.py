"""The batch engine's own seams: answers applied later (another executor), tag edits proved, progress lines."""

from __future__ import annotations

import io

import pytest

from author_tui.batch import Endpoint, Event, Outcome, Progress, Tag, Translate, apply_answers, plan
from author_tui.core import batch_tags
from author_tui.errors import EntryError
from tests.batch.conftest import inserted_english, write_digest, write_notes

DIGEST = "2025년 4월 1일\nWidgets\n(A)\nabs\n위젯 논문.\n#widgets\nGadgets\n(B)\nabs\n가젯 논문.\n#gadgets"


def answered(planned, english="Later English.") -> list[Outcome]:
    return [Outcome(job, "translated", english=english) for job in planned.jobs]


def test_answers_that_come_back_later_are_written_into_an_unchanged_file(tmp_path):
    digest = write_digest(tmp_path / "d.txt", 2)
    before = digest.read_bytes()
    outcomes = answered(plan([digest], Translate()))
    (result,) = apply_answers(outcomes, Translate())
    assert result.written and not result.error
    assert inserted_english(before, digest.read_bytes()) == ["Later English.", "Later English."]
    assert [o.status for o in outcomes] == ["translated", "translated"]


def test_answers_for_a_file_changed_since_it_was_planned_are_not_written(tmp_path):
    notes = write_notes(tmp_path / "vault", 2)
    outcomes = answered(plan([tmp_path / "vault"], Translate()))
    edited = notes[1].read_bytes() + b"\n\nThe author's own line."
    notes[1].write_bytes(edited)  # the author edited it while the batch job waited
    results = {r.path: r for r in apply_answers(outcomes, Translate())}
    assert results[str(notes[0])].written
    assert not results[str(notes[1])].written and "changed since it was planned" in results[str(notes[1])].error
    assert notes[1].read_bytes() == edited
    assert [o.status for o in outcomes] == ["translated", "failed"]


def test_a_tag_plan_has_every_entry_and_an_unchanged_tag_is_not_a_change():
    planned = batch_tags.plan_file("d.txt", DIGEST.encode())
    assert [(job.index, job.line, job.entry.tags) for job in planned.jobs] == [(0, 2, ["widgets"]), (1, 7, ["gadgets"])]
    applied = batch_tags.apply(planned, {0: ["widgets"], 1: ["gadgets", "hardware"]})
    assert applied.written == {1: "#gadgets #hardware"}
    assert applied.data.decode() == DIGEST.replace("#gadgets", "#gadgets #hardware")
    batch_tags.verify(planned, applied.data, {1: ["gadgets", "hardware"]})


def test_tag_verification_refuses_any_change_beyond_the_tags():
    planned = batch_tags.plan_file("d.txt", DIGEST.encode())
    sneaky = DIGEST.replace("#gadgets", "#gadgets #hardware").replace("가젯 논문.", "가젯 논문!")
    with pytest.raises(EntryError, match="beyond its tags"):
        batch_tags.verify(planned, sneaky.encode(), {1: ["gadgets", "hardware"]})
    with pytest.raises(EntryError, match="has tags"):
        batch_tags.verify(planned, DIGEST.encode(), {1: ["gadgets", "hardware"]})


def test_a_note_that_is_not_a_paper_is_a_problem_for_tags_only(tmp_path):
    (tmp_path / "Untitled.md").write_text("just a scratch line")
    assert plan([tmp_path], Translate()).problems == []
    assert plan([tmp_path], Tag()).problems == [f"{tmp_path / 'Untitled.md'}: not a paper note"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_a_line_every_interval_and_the_slow_endpoint_named_once(monkeypatch):
    from author_tui.batch import progress

    monkeypatch.setattr(progress, "EVERY", 10.0)
    stream, clock = io.StringIO(), Clock()
    shown = Progress("translating", 3, stream=stream, endpoint=Endpoint("http://127.0.0.1:9/v1", 60, 3), clock=clock)
    shown.show(Event("entry", Outcome(None, "failed")))  # type: ignore[arg-type]
    clock.now += 9.9
    shown.tick(2, 9.9)
    assert stream.getvalue() == ""
    clock.now += 0.1
    shown.tick(2, 61.0)
    clock.now += 10
    shown.tick(2, 71.0)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "author-tui: http://127.0.0.1:9/v1 has not answered within the 60 s timeout; retrying, up to 3 times "
        "(see --timeout and --max-retries)",
        "translating: 0 of 3 done, 1 failed, 2 in flight, 10 s elapsed",
        "translating: 0 of 3 done, 1 failed, 2 in flight, 20 s elapsed",
    ]


def test_quiet_progress_prints_no_lines_but_still_names_a_slow_endpoint():
    stream, clock = io.StringIO(), Clock()
    shown = Progress("tagging", 1, quiet=True, stream=stream, endpoint=Endpoint("the embedded model", 5), clock=clock)
    clock.now += 100
    shown.tick(1, 6.0)
    assert stream.getvalue().splitlines() == [
        "author-tui: the embedded model has not answered within the 5 s timeout "
        "(see --timeout and --max-retries)"]
