"""A stopped run (Ctrl-C) still finishes the file writes it had queued, instead of dying mid-write."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from author_tui.batch import Outcome, Run, Translate, apply, plan

DIGEST = "2025년 6월 18일\nWidgets\n(A)\nabs\n위젯 논문이군요.\n#widgets"


def test_drain_waits_for_a_queued_write_after_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "d.txt"
    path.write_text(DIGEST, encoding="utf-8")
    plans = plan([path], Translate()).files
    writing, release = threading.Event(), threading.Event()
    original = apply.apply_file

    def slow_write(*args: object, **kwargs: object) -> apply.FileResult:
        writing.set()
        release.wait(5)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(apply, "apply_file", slow_write)
    run = Run(plans, lambda job: Outcome(job, "translated", english="A widgets paper."), concurrency=1,
              task=Translate()).start()
    assert writing.wait(5)
    run.stop()  # the author pressed Ctrl-C while the file was being written
    threading.Timer(0.3, release.set).start()
    run.drain(timeout=5)
    assert "A widgets paper." in path.read_text(encoding="utf-8")
    assert [o.status for o in run.outcomes()] == ["translated"]
