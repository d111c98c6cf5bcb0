"""Batch translation over a temporary copy of a few dozen of the author's real notes (skips without them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from author_tui.core import batch, vault
from tests.batch.conftest import inserted_english, snapshot
from tests.batch.fakes import english_for

pytestmark = pytest.mark.corpus


def sample(corpus_dir: Path, needing: int, not_needing: int) -> list[Path]:
    """Notes spread over the years (every 40th file): `needing` that need English, `not_needing` that not."""
    wanted = {True: needing, False: not_needing}
    chosen: list[Path] = []
    for path in sorted(corpus_dir.rglob("*.md"))[::40]:
        needs = bool(batch.plan_file(path.name, path.read_bytes()).jobs)
        if wanted[needs]:
            wanted[needs] -= 1
            chosen.append(path)
    return chosen


def test_real_notes_get_only_their_english_inserted(corpus_dir, tmp_path, translate, server):
    chosen = sample(corpus_dir, 36, 8)
    for path in chosen:  # the shared corpus is read-only, and a read-only note is not translated (issue 11)
        shutil.copyfile(path, tmp_path / path.name)
    before = snapshot(tmp_path)
    ran = translate(tmp_path, "--concurrency", 4)
    assert ran.code == 0, ran.err
    after = snapshot(tmp_path)
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 36 and server.total == 36
    for name in changed:
        note = vault.digest_entry(vault.parse(before[name], name)).note
        assert inserted_english(before[name], after[name]) == english_for(note).split("\n"), name
        edited = vault.parse(after[name], name)
        assert edited.render() == after[name] and edited.entry().english == english_for(note)


def test_every_real_note_without_english_takes_an_inserted_english_and_nothing_else(corpus_dir):
    """The pure part over the whole archive: insertion and its proof hold for every layout in it."""
    english = "The authors report a 2x gain on GSM8K with RoPE (https://example.org); the baselines look weak."
    refused, count = [], 0
    for path in sorted(corpus_dir.rglob("*.md")):
        data = path.read_bytes()
        plan = batch.plan_file(path.name, data)
        if not plan.jobs:
            continue
        count += 1
        applied = batch.apply(plan, {0: english})
        if applied.failed:
            refused.append((path.name, applied.failed))
            continue
        batch.verify(data, applied.data, [english])
        assert vault.parse(applied.data, path.name).entry().english == english, path.name
    assert count > 2000 and refused == []
