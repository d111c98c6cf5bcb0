"""The Batch API path at archive scale: 500 notes through `translate --batch` → status → apply with only
English inserted, over generated notes and over a copy of the author's real notes (skipped without them);
the dry-run estimate is checked against the tokens the scripted server counted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from author_tui.core import batch, vault
from tests.batch.conftest import inserted_english, snapshot, write_notes
from tests.batch.fakes import english_for
from tests.batch_api.conftest import Cli
from tests.support.scripted_batches import ScriptedBatches

ESTIMATE = re.compile(r"estimate: (\d+) requests, ~(\d+) prompt \+ ~(\d+) completion tokens")


def _through_the_batch(cli: Cli, batches: ScriptedBatches, folder: Path) -> tuple[dict[str, bytes], list[int]]:
    """Estimate, submit, follow and apply `folder`; the files before, and the estimate's three numbers."""
    before = snapshot(folder)
    estimate = ESTIMATE.search(cli("translate", folder, "--batch", "--dry-run").out)
    assert estimate, "no estimate printed"
    submitted = cli("translate", folder, "--batch")
    assert submitted.code == 0, submitted.err
    job = re.search(r"submitted job (\S+):", submitted.out).group(1)  # type: ignore[union-attr]
    assert "in_progress" in cli("batch", "status", job).out
    assert "completed" in cli("batch", "status", job).out
    applied = cli("batch", "apply", job)
    assert applied.code == 0, applied.err[:2000]
    return before, [int(n) for n in estimate.groups()]


def _only_english_inserted(folder: Path, before: dict[str, bytes]) -> int:
    after = snapshot(folder)
    assert after.keys() == before.keys()
    for name, old in before.items():
        note = vault.digest_entry(vault.parse(old, name)).note
        assert inserted_english(old, after[name]) == english_for(note).split("\n"), name
    return len(after)


def test_500_generated_notes_end_to_end(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 500)
    before, (requests, prompt, completion) = _through_the_batch(cli, batches, tmp_path / "vault")
    assert _only_english_inserted(tmp_path / "vault", before) == 500
    assert requests == batches.counted["requests"] == 500
    # The scripted server counts characters / 4; the estimate counts UTF-8 bytes / 3, which is higher for
    # Hangul (3 bytes a syllable): it must never promise less than the server then counts.
    assert batches.counted["prompt_tokens"] <= prompt <= 3 * batches.counted["prompt_tokens"]
    assert completion >= batches.counted["completion_tokens"] * 0.5


@pytest.mark.corpus
def test_500_real_notes_end_to_end_with_an_edit_between_and_a_second_apply(
    corpus_dir: Path, tmp_path: Path, cli: Cli, batches: ScriptedBatches
):
    folder = tmp_path / "arXiv"
    folder.mkdir()
    chosen = [p for p in sorted(corpus_dir.rglob("*.md")) if batch.plan_file(p.name, p.read_bytes()).jobs][::4][:500]
    for path in chosen:
        shutil.copyfile(path, folder / path.name)  # a copy: the shared corpus is read-only
    assert len(chosen) == 500
    before, (requests, prompt, _) = _through_the_batch(cli, batches, folder)
    assert requests == 500 and _only_english_inserted(folder, before) == 500
    assert batches.counted["prompt_tokens"] <= prompt
    once = snapshot(folder)
    assert "applied 0 of 500" in cli("batch", "apply").out and snapshot(folder) == once


@pytest.mark.corpus
def test_real_notes_edited_between_submit_and_apply_are_left_as_edited(
    corpus_dir: Path, tmp_path: Path, cli: Cli, batches: ScriptedBatches
):
    chosen = [p for p in sorted(corpus_dir.rglob("*.md")) if batch.plan_file(p.name, p.read_bytes()).jobs][:12:3]
    for path in chosen:
        shutil.copyfile(path, tmp_path / path.name)
    submitted = cli("translate", tmp_path, "--batch")
    edited, touched = tmp_path / chosen[0].name, tmp_path / chosen[1].name
    note = vault.digest_entry(vault.parse(edited.read_bytes(), edited.name)).note
    first = note.split("\n")[0].encode()
    edited.write_bytes(edited.read_bytes().replace(first, first + " 고침".encode(), 1))  # the entry itself
    kept = edited.read_bytes()
    touched.write_bytes(touched.read_bytes() + b"\n")  # the file, not the entry: still answered
    touched_before = touched.read_bytes()
    batches.complete_all()
    applied = cli("batch", "apply")
    assert submitted.code == 0 and applied.code == 1 and f"applied {len(chosen) - 1} of {len(chosen)}" in applied.out
    assert edited.read_bytes() == kept and "changed since" in applied.err and edited.name in applied.err
    touched_note = vault.digest_entry(vault.parse(touched_before, touched.name)).note
    assert inserted_english(touched_before, touched.read_bytes()) == english_for(touched_note).split("\n")
