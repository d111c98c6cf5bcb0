"""Fixtures for batch translation: copies of the fixture files, a translating scripted server, the CLI."""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from author_tui.cli import main
from tests.batch.fakes import translating
from tests.support.scripted_server import ScriptedServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "batch"
FRAMING = {"", "<english>", "</english>"}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/batch."""
    target = tmp_path / "files"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(responder=translating()) as scripted:
        yield scripted


@dataclass
class Ran:
    code: int
    out: str
    err: str


RunCli = Callable[..., Ran]


@pytest.fixture
def translate(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """`translate(*args)` runs `author-tui translate ARGS --base-url <scripted server>` in-process."""

    def run(*args: object, url: str | None = None) -> Ran:
        argv = ["translate", *map(str, args), "--base-url", url or server.url, "--quiet"]
        code = main(argv)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under `folder` (lock files aside), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def inserted_english(old: bytes, new: bytes) -> list[str]:
    """The lines `new` adds to `old`, framing (blank lines, <english> markers) left out. Fails the test when
    `new` removes or changes any line of `old`: the only allowed change is an insertion."""
    old_lines, new_lines = old.decode().split("\n"), new.decode().split("\n")
    added = []
    for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"lines {a0 + 1}-{a1} changed: {old_lines[a0:a1]} -> {new_lines[b0:b1]}"
        if tag == "insert":
            added += [line.rstrip("\r") for line in new_lines[b0:b1] if line.rstrip("\r") not in FRAMING]
    return added


def write_notes(folder: Path, count: int, special: dict[int, str] | None = None) -> list[Path]:
    """`count` vault notes needing English; note i's Korean note holds a number, a term and `special[i]`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"25{n // 28 + 2:02d}{n % 28 + 1:02d} Paper {n:03d}.md"
        extra = (special or {}).get(n, "")
        path.write_text(f"https://arxiv.org/abs/2502.{n:05d}\n\n*Paper {n}* (Author {n})\n\n"
                        f"> Abstract {n}.\n\n{n}번 논문의 노트. LoRA-{n} 변형{extra}.\n\n#misc")
        paths.append(path)
    return paths


def write_digest(path: Path, count: int, special: dict[int, str] | None = None) -> Path:
    """A one-day digest of `count` entries needing English (the same note shape as `write_notes`)."""
    lines = ["2025년 2월 1일"]
    for n in range(count):
        extra = (special or {}).get(n, "")
        lines += [f"Digest Paper {n}", f"(Writer {n})", f"Abstract {n}.", f"{n}번 항목의 노트. Adam-{n}{extra}.",
                  "#misc"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path
