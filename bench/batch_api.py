"""The Batch API path at archive scale: N notes through `translate --batch` → status → apply against the
scripted server, with the dry-run estimate set beside the tokens the server counted.

Why: the issue's "done when" (500 notes end to end, only English changed) and its closing note (how good
the estimate is). The scripted server counts characters / 4; where llama-cpp-python and the embedded
model's weights are installed, the requests and answers are also counted with a real tokenizer (Qwen2.5's,
not OpenAI's o200k, which needs a download: read that column as "a real BPE", not as the bill).

    .venv/bin/python bench/batch_api.py [--n 500] [--archive]   # --archive: the corpus as few-shot source
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.cli import main  # noqa: E402
from author_tui.core import batch, vault  # noqa: E402
from tests.batch.conftest import inserted_english, snapshot, write_notes  # noqa: E402
from tests.batch.fakes import english_for, translating  # noqa: E402
from tests.support.scripted_batches import ScriptedBatches  # noqa: E402
from tests.support.scripted_server import ScriptedServer  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"
ESTIMATE = re.compile(r"estimate: (\d+) requests, ~(\d+) prompt \+ ~(\d+) completion tokens")


def run(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(list(argv))
    return out.getvalue()


def notes(folder: Path, n: int) -> str:
    folder.mkdir(parents=True)
    if not CORPUS.is_dir():
        write_notes(folder, n)
        return f"{n} generated notes"
    chosen = [p for p in sorted(CORPUS.rglob("*.md")) if batch.plan_file(p.name, p.read_bytes()).jobs]
    for path in chosen[:: max(1, len(chosen) // n)][:n]:
        shutil.copyfile(path, folder / path.name)
    return f"{n} of the author's notes without English (copies)"


def real_tokens(batches: ScriptedBatches) -> tuple[int, int] | None:
    """Prompt and completion tokens of the batch's lines by Qwen2.5's tokenizer, when it is installed."""
    try:
        import llama_cpp

        from author_tui.config import load_settings
        from author_tui.llm.local_model import resolve_model_path

        model = llama_cpp.Llama(str(resolve_model_path(load_settings())), vocab_only=True, verbose=False)
    except Exception as error:  # no llama-cpp-python or no weights: the column is left out
        print(f"(no real tokenizer: {error.__class__.__name__})")
        return None

    def count(text: str) -> int:
        return len(model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    prompt = completion = 0
    for purpose, content in batches.files.values():
        for line in content.decode().splitlines():
            row = json.loads(line)
            if purpose == "batch":
                prompt += sum(count(m["content"]) + 4 for m in row["body"]["messages"])
            elif row.get("response") and row["response"]["status_code"] == 200:
                completion += count(row["response"]["body"]["choices"][0]["message"]["content"])
    return prompt, completion


def main_bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--archive", action="store_true", help="the corpus as the few-shot source")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-batch-api-"))
    for name in ("DATA_DIR", "CACHE_DIR", "DRAFTS_DIR"):
        os.environ[f"AUTHOR_TUI_{name}"] = str(home / name.lower())
    os.environ["AUTHOR_TUI_CONFIG"] = str(home / "config.toml")
    os.environ["AUTHOR_TUI_MODEL"] = "gpt-4o-mini"
    if args.archive and CORPUS.is_dir():
        os.environ["AUTHOR_TUI_ARCHIVE"] = str(CORPUS)
    folder = home / "notes"
    what = notes(folder, args.n)
    before = snapshot(folder)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        os.environ["AUTHOR_TUI_BASE_URL"] = server.url
        started = time.perf_counter()
        dry = run("translate", str(folder), "--batch", "--dry-run")
        estimated = time.perf_counter() - started
        submitted = run("translate", str(folder), "--batch")
        submit_s = time.perf_counter() - started - estimated
        job = re.search(r"submitted job (\S+):", submitted).group(1)  # type: ignore[union-attr]
        run("batch", "status", job)
        run("batch", "status", job)
        started = time.perf_counter()
        applied = run("batch", "apply", job)
        apply_s = time.perf_counter() - started
    after = snapshot(folder)
    changed = sum(before[k] != after[k] for k in before)
    for name, old in before.items():  # only English: raises on anything else
        note = vault.digest_entry(vault.parse(old, name)).note
        assert inserted_english(old, after[name]) == english_for(note).split("\n"), name
    requests, prompt, completion = (int(x) for x in ESTIMATE.search(dry).groups())  # type: ignore[union-attr]
    counted = batches.counted
    print(f"{what}; archive for examples: {'the corpus' if args.archive else 'none'}")
    print(f"dry run {estimated:.1f} s, submit {submit_s:.1f} s, apply {apply_s:.1f} s; "
          f"{changed} of {len(before)} files changed, only English inserted")
    print(next(line for line in applied.splitlines() if line.startswith("applied")))
    print(f"estimate: {requests} requests, {prompt} prompt, {completion} completion tokens")
    print(f"server:   {counted['requests']} requests, {counted['prompt_tokens']} prompt, "
          f"{counted['completion_tokens']} completion (characters / 4)")
    print(f"ratio estimate / server: prompt {prompt / max(1, counted['prompt_tokens']):.2f}, "
          f"completion {completion / max(1, counted['completion_tokens']):.2f}")
    real = real_tokens(batches)
    if real:
        print(f"Qwen2.5 BPE: {real[0]} prompt, {real[1]} completion; ratio estimate / BPE: prompt "
              f"{prompt / max(1, real[0]):.2f}, completion {completion / max(1, real[1]):.2f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main_bench()
