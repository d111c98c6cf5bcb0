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
