"""`translate --batch` → `batch status` → `batch apply` against the scripted server: only English is
inserted, a changed entry is never overwritten, failed and expired lines are listed with the live command,
a second apply changes nothing, and an endpoint without a Batch API is told to use the live path."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.batch.conftest import inserted_english, snapshot, write_digest, write_notes
from tests.batch.fakes import english_for
from tests.batch_api.conftest import Cli
from tests.support.scripted_batches import BatchFaults, ScriptedBatches
from tests.support.scripted_server import ScriptedServer


def _job_id(out: str) -> str:
    found = re.search(r"submitted job (\S+):", out)
    assert found, out
    return found.group(1)


def _settle(cli: Cli, job: str) -> None:
    assert "in_progress" in cli("batch", "status", job).out
    assert "completed" in cli("batch", "status", job).out


def test_submit_status_apply_inserts_only_the_english(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    notes = write_notes(tmp_path / "vault", 4)
    digest = write_digest(tmp_path / "digests" / "2025-02-01.txt", 3)
    before = snapshot(tmp_path)
    submitted = cli("translate", tmp_path / "vault", digest, "--batch")
    assert submitted.code == 0, submitted.err
    job = _job_id(submitted.out)
    assert "7 requests" in submitted.out and "batch" in submitted.out
    assert snapshot(tmp_path) == before  # nothing written at submission
    assert "validating" in cli("batch", "list").out
    _settle(cli, job)
    applied = cli("batch", "apply", job)
    assert applied.code == 0, applied.err
    assert "applied 7 of 7" in applied.out and "spent: 7 requests" in applied.out
    after = snapshot(tmp_path)
    for path in notes:
        name = str(path.relative_to(tmp_path))
        note = path.read_text().split("\n\n")[3]
        assert inserted_english(before[name], after[name]) == english_for(note).split("\n")
    added = inserted_english(before["digests/2025-02-01.txt"], after["digests/2025-02-01.txt"])
    assert len(added) == 3 and all(line.startswith("In English:") for line in added)
    assert "applied" in cli("batch", "list").out
    logged = [json.loads(line) for line in cli("log", "--json").out.splitlines()]
    assert len(logged) == 7 and all(r["rung"].startswith("batch ") and r["outcome"] == "ok" for r in logged)
    assert all("번" in r["messages"][-1]["content"] and r["reply"].startswith("In English") for r in logged)


def test_a_second_apply_changes_nothing(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 3)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    batches.complete_all()
    assert cli("batch", "apply", job).code == 0
    once = snapshot(tmp_path)
    calls = len(batches.calls)
    again = cli("batch", "apply", job)
    assert again.code == 0 and "applied 0 of 3" in again.out and "(3 applied before)" in again.out
    assert snapshot(tmp_path) == once and len(batches.calls) == calls  # no network either


def test_an_entry_edited_between_submit_and_apply_is_skipped_and_reported(
    tmp_path: Path, cli: Cli, batches: ScriptedBatches
):
    notes = write_notes(tmp_path / "vault", 3)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    edited = notes[1].read_text().replace("번 논문의 노트", "번 논문에 대한 새 노트")
    notes[1].write_text(edited)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert applied.code == 1 and "applied 2 of 3" in applied.out
    assert notes[1].read_text() == edited  # never overwritten
    assert "changed since" in applied.err and notes[1].name in applied.err
    assert f"rerun those live: author-tui translate '{notes[1]}'" in applied.out
    assert "In English" in notes[0].read_text() and "In English" in notes[2].read_text()


def test_a_batch_with_20_percent_failed_lines_lists_them_with_the_live_command(
    tmp_path: Path, cli: Cli, server: ScriptedServer
):
    batches = ScriptedBatches(server, BatchFaults(failing=lambda line: line % 5 == 0))
    notes = write_notes(tmp_path / "vault", 10)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert applied.code == 1 and "applied 8 of 10" in applied.out and "2 not applied" in applied.out
    assert applied.err.count("HTTP 500") == 2
    untouched = [p for p in notes if "In English" not in p.read_text()]
    assert len(untouched) == 2
    rerun = next(line for line in applied.out.splitlines() if line.startswith("rerun those live"))
    assert all(f"'{p}'" in rerun for p in untouched)


def test_expired_and_cancelled_batches_apply_what_came_back(tmp_path: Path, cli: Cli, server: ScriptedServer):
    batches = ScriptedBatches(server, BatchFaults(expire_from=2))
    write_notes(tmp_path / "a", 3)
    job = _job_id(cli("translate", tmp_path / "a", "--batch").out)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert "applied 2 of 3" in applied.out and "batch_expired" in applied.err
    batches.faults = BatchFaults(cancel_after=1)
    write_notes(tmp_path / "b", 3)
    job = _job_id(cli("translate", tmp_path / "b", "--batch").out)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert "applied 1 of 3" in applied.out and applied.err.count("not run") == 2


def test_status_wait_asks_until_the_batch_is_finished(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 1)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    waited = cli("batch", "status", "--wait", "--every", "0")
    assert waited.code == 0 and waited.out.count(job) >= 2 and "completed" in waited.out
    assert f"apply it with `author-tui batch apply {job}`" in waited.out
    assert [path for method, path in batches.calls if method == "GET"].count(f"/v1/batches/{batches_id(batches)}") == 2


def batches_id(batches: ScriptedBatches) -> str:
    [batch_id] = batches.batches
    return batch_id


def test_cancel_then_apply_what_was_done(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 4)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    cli("batch", "status", job)
    assert "cancelling" in cli("batch", "cancel", job).out
    assert "cancelled" in cli("batch", "status", job).out
    assert "applied 2 of 4" in cli("batch", "apply", job).out


def test_a_failed_batch_says_why_and_writes_nothing(tmp_path: Path, cli: Cli, server: ScriptedServer):
    batches = ScriptedBatches(server, BatchFaults(fail_batch="line 1: bad request"))
    write_notes(tmp_path / "vault", 2)
    before = snapshot(tmp_path)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert applied.code != 0 and "failed at the provider: line 1: bad request" in applied.err
    assert snapshot(tmp_path) == before


def test_apply_before_the_batch_is_done_says_to_wait(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 1)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    early = cli("batch", "apply", job)
    assert early.code != 0 and "not finished yet" in early.err and "batch status" in early.err


def test_an_endpoint_without_batches_is_told_to_use_the_live_path(tmp_path: Path, cli: Cli, server: ScriptedServer):
    ScriptedBatches(server, supported=False)
    write_notes(tmp_path / "vault", 1)
    refused = cli("translate", tmp_path / "vault", "--batch")
    assert refused.code == 3 and "has no Batch API" in refused.err and "without --batch" in refused.err
    assert "no batch jobs" in cli("batch", "list").out  # a definite no leaves no job stuck "submitting"


def test_a_submission_the_provider_refuses_leaves_no_job(tmp_path: Path, cli: Cli, server: ScriptedServer,
                                                         monkeypatch):
    import openai

    from author_tui.llm import batch_api

    def refusing(self, file_id, metadata):  # what a provider's 400 on the create looks like to the client
        with self._errors("creating the batch"):
            raise openai.BadRequestError("bad input file", response=_response(400), body=None)

    monkeypatch.setattr(batch_api.BatchApi, "create", refusing)
    ScriptedBatches(server)
    write_notes(tmp_path / "vault", 1)
    refused = cli("translate", tmp_path / "vault", "--batch")
    assert refused.code == 3 and "creating the batch" in refused.err
    assert "no batch jobs" in cli("batch", "list").out


def test_a_job_whose_outcome_is_unknown_is_kept_until_forgotten(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    def broken() -> None:
        raise RuntimeError("the provider went away")  # HTTP 500: the batch may or may not exist

    batches.on_create = broken
    write_notes(tmp_path / "vault", 1)
    assert cli("translate", tmp_path / "vault", "--batch").code != 0
    listed = cli("batch", "list").out
    assert "submitting" in listed
    job = listed.split()[0]
    status = cli("batch", "status", job)
    assert status.code == 3 and f"author-tui batch forget {job}" in status.err
    assert cli("batch", "forget").code != 0  # never the newest job by default
    forgot = cli("batch", "forget", job)
    assert forgot.code == 0 and f"forgot job {job}" in forgot.out
    assert "no batch jobs" in cli("batch", "list").out
    assert not list((Path(os.environ["AUTHOR_TUI_DATA_DIR"]) / "batches").iterdir())


def test_cancel_needs_an_id(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 1)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    refused = cli("batch", "cancel")
    assert refused.code != 0 and "needs the job's ID" in refused.err
    assert "cancelling" not in cli("batch", "status", job).out


def _response(status: int):
    import httpx2

    return httpx2.Response(status, request=httpx2.Request("POST", "http://127.0.0.1/v1/batches"))


def test_the_embedded_model_has_no_batch_api(tmp_path: Path, cli: Cli, monkeypatch):
    monkeypatch.delenv("AUTHOR_TUI_BASE_URL")
    write_notes(tmp_path / "vault", 1)
    refused = cli("translate", tmp_path / "vault", "--batch")
    assert refused.code == 3 and "embedded model has no Batch API" in refused.err


def test_dry_runs_estimate_tokens_and_cost_and_send_nothing(tmp_path: Path, cli: Cli, batches: ScriptedBatches,
                                                           server: ScriptedServer):
    write_notes(tmp_path / "vault", 5)
    live = cli("translate", tmp_path / "vault", "--dry-run")
    assert "estimate: 5 requests" in live.out and " live, $" in live.out and "UTF-8 bytes / 3" in live.out
    batch = cli("translate", tmp_path / "vault", "--batch", "--dry-run")
    assert "estimate: 5 requests" in batch.out and "batch" in batch.out and "nothing sent" in batch.out
    assert batches.calls == [] and server.total == 0


def test_an_unknown_model_is_estimated_in_tokens_only(tmp_path: Path, cli: Cli, monkeypatch):
    monkeypatch.setenv("AUTHOR_TUI_MODEL", "scripted-model")
    write_notes(tmp_path / "vault", 2)
    out = cli("translate", tmp_path / "vault", "--dry-run").out
    assert "estimate: 2 requests" in out and "tokens only" in out and "$" not in out


def test_a_live_run_ends_with_tokens_and_cost(tmp_path: Path, cli: Cli):
    write_notes(tmp_path / "vault", 2)
    ran = cli("translate", tmp_path / "vault", "--quiet")
    assert ran.code == 0, ran.err
    spent = next(line for line in ran.out.splitlines() if line.startswith("spent:"))
    assert "2 requests" in spent and "live" in spent and "$" in spent


def test_saved_results_read_back_the_same():
    from author_tui.core.port import Usage
    from author_tui.llm.batch_api import LineResult, parse_results

    results = [LineResult("a", "The English.", Usage(10, 3, 2, 1, attempts=1)),
               LineResult("b", None, error="batch_expired: late")]
    assert parse_results("".join(r.jsonl() for r in results).splitlines()) == results


def test_in_a_digest_only_the_entry_edited_meanwhile_is_skipped(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    digest = write_digest(tmp_path / "2025-02-01.txt", 3)
    job = _job_id(cli("translate", digest, "--batch").out)
    edited = digest.read_text().replace("1번 항목의 노트", "1번 항목의 고친 노트")  # the second entry only
    digest.write_text(edited)
    batches.complete_all()
    applied = cli("batch", "apply", job)
    assert applied.code == 1 and "applied 2 of 3" in applied.out
    assert "the entry changed since it was submitted" in applied.err and "Digest Paper 1" in applied.err
    added = inserted_english(edited.encode(), digest.read_bytes())
    assert [line.split(":")[0] for line in added] == ["In English", "In English"]
    assert "1번 항목의 고친 노트. Adam-1.\n#misc" in digest.read_text()  # no English under the edited note


def test_nothing_to_translate_submits_nothing(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    write_notes(tmp_path / "vault", 2)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    batches.complete_all()
    assert cli("batch", "apply", job).code == 0
    calls = len(batches.calls)
    again = cli("translate", tmp_path / "vault", "--batch")
    assert again.code == 0 and "nothing to submit" in again.out and len(batches.calls) == calls


def test_a_damaged_job_file_does_not_hide_the_others(tmp_path: Path, cli: Cli, batches: ScriptedBatches):
    import os

    write_notes(tmp_path / "vault", 1)
    job = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    folder = Path(os.environ["AUTHOR_TUI_DATA_DIR"]) / "batches"
    (folder / "translate-00000000-000000-dead.json").write_text("{not json")
    listed = cli("batch", "list")
    assert job in listed.out and "not a batch job" in listed.err


def test_batch_apply_writes_read_only_files_only_when_submitted_with_write_read_only(
    tmp_path: Path, cli: Cli, batches: ScriptedBatches
):
    notes = write_notes(tmp_path / "vault", 2)
    notes[0].chmod(0o444)
    before = notes[0].read_bytes()
    kept = _job_id(cli("translate", tmp_path / "vault", "--batch").out)
    asked = _job_id(cli("translate", notes[0], "--batch", "--write-read-only").out)
    batches.complete_all()
    applied = cli("batch", "apply", kept)
    assert notes[0].read_bytes() == before and "read-only, not changed" in applied.err
    assert cli("batch", "apply", asked).code == 0
    assert notes[0].read_bytes() != before and notes[0].stat().st_mode & 0o777 == 0o444
