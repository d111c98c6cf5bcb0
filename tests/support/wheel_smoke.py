"""CI's wheel check: build author-tui's wheel, install it (not editable) into a fresh venv with the pinned
set, and draft one entry through it against the scripted server.

Why: an editable install reads everything from the checkout, so a file that is not shipped (the prompts,
once) only breaks for users who installed the wheel. Run from the checkout: `python3 -m tests.support.wheel_smoke`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.scripted_answers import answering
from tests.support.scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parents[2]
NOTE = "작은 모델로 긴 문맥을 다루는 방법이군요."
ENGLISH = "A way to handle long context with a small model."


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="author-tui-wheel-") as scratch:
        work = Path(scratch)
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"), str(ROOT)])
        [wheel] = (work / "dist").glob("author_tui-*.whl")
        run([sys.executable, "-m", "venv", str(work / "venv")])
        pip = [str(work / "venv" / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        run([*pip, "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)])
        home = work / "home"
        with ScriptedServer(responder=answering(note=NOTE, english=ENGLISH, tags=["long-context"])) as server:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHOR_TUI_", "OPENAI_"))}
            env.update(AUTHOR_TUI_BASE_URL=server.url, AUTHOR_TUI_CONFIG=str(home / "config.toml"),
                       AUTHOR_TUI_CACHE_DIR=str(home / "cache"), AUTHOR_TUI_DRAFTS_DIR=str(home / "drafts"),
                       AUTHOR_TUI_DATA_DIR=str(home / "data"), HOME=str(home))
            result = run([str(work / "venv" / "bin" / "author-tui"), "draft", "--title", "Long context, small model",
                          "--authors", "A. Author", "--abstract", "We extend the context of a small model."],
                         cwd=str(home.parent), env=env, capture_output=True)
            sent = " ".join(str(m["content"]) for body in server.requests for m in body.get("messages", []))
        shutil.rmtree(home, ignore_errors=True)
    out = result.stdout
    missing = [what for what in (NOTE, ENGLISH, "#long-context") if what not in out]
    # No notes in the new home: the draft's examples are the shipped prompts/starter.txt (its first note).
    starter_note = (ROOT / "prompts" / "starter.txt").read_text(encoding="utf-8").splitlines()[4]
    missing += [] if starter_note in sent else ["the starter examples in the prompt"]
    if missing:
        print(f"wheel smoke: FAILED, the drafted entry lacks {missing}:\n{out}\n{result.stderr}", file=sys.stderr)
        return 1
    print("wheel smoke: the installed wheel drafted an entry through the scripted server", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
