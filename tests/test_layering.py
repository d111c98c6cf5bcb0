"""The domain core stays pure: importing any core module loads no UI, network or cache library."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import author_tui.core

ROOT = Path(__file__).resolve().parents[1]
# The code talks HTTP through httpx2 (the openai client's transport); httpx stays listed for any older path.
FORBIDDEN = ("textual", "openai", "httpx", "httpx2", "diskcache")  # pydantic itself loads socket, so not that
CORE_MODULES = sorted(f"author_tui.core.{m.name}" for m in pkgutil.iter_modules(author_tui.core.__path__))


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_io_library(module: str) -> None:
    probe = (f"import sys, json, {module}; "
             f"print(json.dumps([m for m in {list(FORBIDDEN)!r} if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(result.stdout) == [], f"{module} pulls in I/O libraries"


def test_the_probe_can_fail() -> None:
    """The check above would notice: the LLM adapter package does load openai and httpx2."""
    probe = "import sys, author_tui.llm.client; print('openai' in sys.modules and 'httpx2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        pytest.skip("author_tui.llm.client not importable yet")
    assert result.stdout.strip() == "True"


LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (the test extra)")
def test_the_static_import_contracts_hold() -> None:
    """.importlinter: core imports only core and errors; only llm imports openai/httpx2; tui reaches llm and
    store only through their public faces."""
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (the test extra)")
def test_a_broken_contract_is_noticed(tmp_path: Path) -> None:
    """The same kind of contract, on an import the TUI does make (the autosave): import-linter reports it."""
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_package = author_tui\n\n[importlinter:contract:probe]\nname = probe\n"
        "type = forbidden\nsource_modules =\n    author_tui.tui\nforbidden_modules =\n    author_tui.store.*\n",
        encoding="utf-8",
    )
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(config)], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 1 and "author_tui.tui.app -> author_tui.store.autosave" in result.stdout
