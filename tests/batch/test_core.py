"""The pure part of batch translation: finding the work, inserting only the English, proving it."""

from __future__ import annotations

import pytest

from author_tui.core import batch, digest, vault
from author_tui.errors import EntryError
from tests.batch.conftest import FIXTURES, inserted_english

DIGEST = (FIXTURES / "digest.txt").read_bytes()
MODERN = (FIXTURES / "vault" / "2025" / "250101 Modern Note.md").read_bytes()


def test_a_digest_plan_lists_entries_with_a_korean_note_and_no_english_with_their_lines():
    plan = batch.plan_file("d.txt", DIGEST)
    assert [(job.index, job.line) for job in plan.jobs] == [(0, 2), (2, 14), (3, 20)]
    assert plan.jobs[1].entry.title == "Reward Models Drift"
    assert plan.jobs[1].where == "d.txt:14"


def test_force_also_lists_entries_that_have_english():
    assert [job.index for job in batch.plan_file("d.txt", DIGEST, force=True).jobs] == [0, 1, 2, 3]


def test_a_vault_plan_has_one_job_at_the_korean_note_and_a_plain_text_title():
    (job,) = batch.plan_file("250101 Modern Note.md", MODERN).jobs
    assert job.line == 7 and job.entry.title == "Modern Note: A Study"
    assert job.entry.note.startswith("25배")


@pytest.mark.parametrize("name", ["250102 With English.md", "../Untitled.md"])
def test_notes_with_english_or_not_papers_need_nothing(name):
    data = (FIXTURES / "vault" / "2025" / name).read_bytes()
    assert batch.plan_file(name, data).jobs == []


def test_digest_english_goes_right_after_the_note_lines_and_reads_back():
    plan = batch.plan_file("d.txt", DIGEST)
    applied = batch.apply(plan, {0: "First.\n\n  \nSecond line.  ", 2: "Third."})
    assert applied.failed == {}
    assert inserted_english(DIGEST, applied.data) == ["First.", "Second line.", "Third."]
    entries = digest.parse(applied.data).entries()
    assert [e.english for e in entries] == ["First.\nSecond line.", entries[1].english, "Third.", ""]
    batch.verify(DIGEST, applied.data, ["First.\nSecond line.", "Third."])


def test_english_the_digest_cannot_hold_fails_that_entry_only():
    plan = batch.plan_file("d.txt", DIGEST)
    applied = batch.apply(plan, {0: "Fine.", 2: "#not-english", 3: "아직 한국어"})
    assert set(applied.failed) == {2, 3} and "tags line" in applied.failed[2]
    assert inserted_english(DIGEST, applied.data) == ["Fine."]


SENTENCE = "The claim is a 25x speedup, but the baselines look weak."


@pytest.mark.parametrize("style, english, framing", [
    ("block", SENTENCE, f"\n\n<english>\n{SENTENCE}\n</english>\n\n#efficiency"),
    ("plain", SENTENCE, f"\n\n{SENTENCE}\n\n#efficiency"),
    ("plain", "Weak.", "\n\n<english>\nWeak.\n</english>\n\n#efficiency"),  # not prose: a block after all
])
def test_vault_english_is_a_block_or_a_paragraph_after_the_korean_note(style, english, framing):
    applied = batch.apply(batch.plan_file("n.md", MODERN), {0: english}, style)
    assert applied.data.decode().endswith("보이네요." + framing)
    assert vault.parse(applied.data).entry().english == english
    batch.verify(MODERN, applied.data, [english])


def test_an_empty_translation_is_not_written():
    applied = batch.apply(batch.plan_file("n.md", MODERN), {0: " \n "})
    assert applied.failed == {0: "the translation is empty"} and applied.data == MODERN


def test_forced_english_replaces_the_old_english_and_verify_accepts_the_swap():
    data = (FIXTURES / "vault" / "2025" / "250102 With English.md").read_bytes()
    applied = batch.apply(batch.plan_file("n.md", data, force=True), {0: "New English."})
    batch.verify(data, applied.data, ["New English."], ["A note that already has English."])
    with pytest.raises(EntryError):
        batch.verify(data, applied.data, ["New English."])  # removing English was not announced


@pytest.mark.parametrize("tamper, why", [
    (lambda new: new.replace(b"#moe", b"#MoE"), "a tag changed"),
    (lambda new: new.replace(b"(Ada Park", b"(Ada  Park"), "a byte elsewhere"),
    (lambda new: new + b"\n", "a final newline added"),
    (lambda new: new.replace(b"Inserted.\n", b"Inserted.\nExtra line.\n"), "more than the English"),
    (lambda new: new.replace(b"Inserted.\n", b""), "the English missing"),
    (lambda new: new.replace(b"#long-context\n", b"#long-context\n\n"), "a blank line elsewhere"),
])
def test_verify_refuses_anything_but_the_english(tamper, why):
    applied = batch.apply(batch.plan_file("d.txt", DIGEST), {0: "Inserted."})
    batch.verify(DIGEST, applied.data, ["Inserted."])
    with pytest.raises(EntryError):
        batch.verify(DIGEST, tamper(applied.data), ["Inserted."])


def test_verify_holds_for_crlf_files_with_a_bom():
    data = (FIXTURES / "vault" / "2025" / "250104 CRLF.md").read_bytes()
    applied = batch.apply(batch.plan_file("c.md", data), {0: "In English."})
    assert b"\r\n<english>\r\nIn English.\r\n</english>\r\n" in applied.data
    batch.verify(data, applied.data, ["In English."])
    note = vault.parse(applied.data)
    assert note.entry().english == "In English." and note.render() == applied.data


def test_clean_english_drops_blank_lines_and_trailing_spaces():
    assert batch.clean_english("  One.  \r\n\r\nTwo.\n \n") == "  One.\nTwo."
