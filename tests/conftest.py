"""Fixtures every test area shares: where ../shared is, and an isolated user environment per test."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Several tests press Ctrl-C on a child process (SIGINT) on purpose. A suite started as a background job
# (`nohup ... &`, or `&` in a script) begins with SIGINT ignored, and a child inherits an ignored signal
# across exec, so those children never see it and the tests time out. A handler is not inherited (exec
# resets it to the default), so installing Python's own makes every child start as from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (the author's example digest and archive), or skip."""
    if not (SHARED / "corpus" / "arxiv-today" / "arXiv").is_dir():
        pytest.skip(f"needs the author's archive at {SHARED} (../shared beside the checkout); absent here")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus" / "arxiv-today" / "arXiv"


@pytest.fixture(scope="session")
def example_digest(shared_dir: Path) -> Path:
    return shared_dir / "examples" / "digest-2025-06-18.txt"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own config/cache/drafts dirs and no real endpoint or key from the environment."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("AUTHOR_TUI_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("AUTHOR_TUI_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("AUTHOR_TUI_DRAFTS_DIR", str(home / "drafts"))
    monkeypatch.setenv("AUTHOR_TUI_DATA_DIR", str(home / "data"))  # the call log and batch jobs
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AUTHOR_TUI_BASE_URL", "AUTHOR_TUI_API_KEY",
                 "AUTHOR_TUI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return home
