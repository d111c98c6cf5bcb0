"""`tags --batch` when the model picks among the engine's candidates: the picks come back as a batch and
`batch apply` writes them through the tag executor and the engine's checks; only tag lines change.
`tags --dry-run` estimates without a model call; with the engine alone there is nothing to submit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.batch_api.conftest import Cli
from tests.support.scripted_answers import structured_content
from tests.support.scripted_batches import ScriptedBatches
from tests.support.scripted_server import ScriptedServer
from tests.tags.archive import write_corpus

DIGEST = """\
2025년 4월 1일
Fast object detection transformer with anchor free heads
(Ada Lovelace)
We detect objects in real time.
물체 검출 헤드를 개선했습니다.
Improves detection heads.
#vision
Latent diffusion for image editing
(Grace Hopper)
We edit images.
확산 모델로 이미지 편집.
Edits images with diffusion.
#generation"""


def _picking(body: dict) -> str:
    """Picks the first candidate the request lists (`#tag score` lines), as a reranking model would."""
    prompt = body["messages"][-1]["content"]
    first = re.search(r"^#(\S+) \d\.\d\d$", prompt, re.MULTILINE)
    return structured_content(body, {"tags": [first.group(1) if first else "none"], "new_tags": []})


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def digest(tmp_path: Path) -> Path:
    """The two-entry digest every test here tags."""
    path = tmp_path / "d.txt"
    path.write_text(DIGEST, encoding="utf-8")
    return path


def test_tags_batch_submits_the_picks_and_apply_changes_only_tag_lines(
    digest: Path, corpus: Path, cli: Cli, server: ScriptedServer, batches: ScriptedBatches
):
    server.responder = _picking
    dry = cli("tags", digest, "--corpus", corpus, "--dry-run")
    assert dry.code == 0 and "estimate: 2 requests" in dry.out and server.total == 0
    submitted = cli("tags", digest, "--corpus", corpus, "--batch", "--apply", "--replace")
    assert submitted.code == 0, submitted.err
    job = re.search(r"submitted job (\S+):", submitted.out).group(1)  # type: ignore[union-attr]
    lines = [json.loads(line) for content in (c for p, c in batches.files.values() if p == "batch")
             for line in content.decode().splitlines()]
    assert len(lines) == 2 and "#object-detection" in lines[0]["body"]["messages"][-1]["content"]
    batches.complete_all()
    before = digest.read_text(encoding="utf-8").split("\n")
    applied = cli("batch", "apply", job)
    assert applied.code == 0, applied.err
    after = digest.read_text(encoding="utf-8").split("\n")
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [("#vision", "#object-detection"), ("#generation", "#diffusion")]
    assert "applied 0 of 2" in cli("batch", "apply", job).out and digest.read_text().split("\n") == after


def test_tags_with_the_engine_alone_has_nothing_to_submit(digest: Path, corpus: Path, cli: Cli):
    dry = cli("tags", digest, "--corpus", corpus, "--no-llm", "--dry-run")
    assert dry.code == 0 and "0 model requests" in dry.out
    refused = cli("tags", digest, "--corpus", corpus, "--no-llm", "--batch", "--apply")
    assert refused.code != 0 and "without --batch" in refused.err


def test_a_live_tags_run_ends_with_what_it_spent_on_stderr(digest: Path, corpus: Path, cli: Cli,
                                                           server: ScriptedServer):
    server.responder = _picking
    ran = cli("tags", digest, "--corpus", corpus, "--format", "jsonl", "--quiet")
    assert ran.code == 0 and len([json.loads(line) for line in ran.out.splitlines()]) == 2  # stdout: data only
    spent = next(line for line in ran.err.splitlines() if line.startswith("spent:"))
    assert "2 requests" in spent and "$" in spent


def test_a_failed_tags_line_is_listed_with_the_live_tags_command(digest: Path, corpus: Path, cli: Cli,
                                                                 server: ScriptedServer):
    from tests.support.scripted_batches import BatchFaults

    server.responder = _picking
    batches = ScriptedBatches(server, BatchFaults(failing=lambda line: line == 0))
    assert cli("tags", digest, "--corpus", corpus, "--batch", "--apply", "--replace").code == 0
    batches.complete_all()
    applied = cli("batch", "apply")
    assert applied.code == 1 and "applied 1 of 2" in applied.out
    assert f"rerun those live: author-tui tags {digest} --corpus {corpus} --apply --replace" in applied.out


def test_tags_batch_needs_apply_and_its_apply_keeps_read_only_files_unless_asked(
    digest: Path, corpus: Path, cli: Cli, server: ScriptedServer, batches: ScriptedBatches
):
    server.responder = _picking
    refused = cli("tags", digest, "--corpus", corpus, "--batch")
    assert refused.code != 0 and "needs --apply" in refused.err and not batches.files
    digest.chmod(0o444)
    kept = re.search(r"submitted job (\S+):", cli("tags", digest, "--corpus", corpus, "--batch", "--apply").out)
    asked = re.search(r"submitted job (\S+):", cli("tags", digest, "--corpus", corpus, "--batch", "--apply",
                                                   "--replace", "--force").out)
    assert kept and asked
    batches.complete_all()
    applied = cli("batch", "apply", kept.group(1))
    assert digest.read_text(encoding="utf-8") == DIGEST and "read-only, not changed" in applied.err
    assert cli("batch", "apply", asked.group(1)).code == 0
    assert "#object-detection" in digest.read_text(encoding="utf-8")
