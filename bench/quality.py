"""Do the words author-tui gets from a model beat a one-line prompt on the same model? Measured, not assumed.

    .venv/bin/python bench/quality.py [--models 0.5b,1.5b] [--limit 30] [--cut 2025-06-01] [--block 5]

One run, each embedded model in turn (llama.cpp, 2 cores), on a time split of ../shared's vault: the notes
dated before `--cut` are the archive (few-shot examples and nothing else); `--limit` notes after it, spread
evenly over that period, are evaluated. No reply cache. For each note and model, side by side:

- translate: author-tui's path (`Authoring.translate`, the active prompt profile, checks and one guided
  retry) against the one-line baseline ("Translate the Korean text into English. Output only the
  translation.", plain text): chrF (sacrebleu, corpus level) against the author's own English, seconds
  per note;
- draft: `Authoring.draft_note` against a plain Korean instruction with the abstract ("다음 논문에 대한
  짧은 한국어 코멘트를 1-3문장으로 쓰세요."): chrF against the author's note, share of Korean drafts (Hangul
  the majority, core.checks.korean_share), copy rates (share of a draft's character 8-grams found in the
  abstract, core.checks.shared_grams: case-sensitive as the issue measured it, "any case" folds it, and
  is the one to judge copying by, since the small profile capitalizes a draft's Latin words by rule;
  drafts holding a 20-character, 4-word run of an example note), length against the author's
  median, seconds to the first Hangul character and in total.

The two paths run interleaved in blocks of `--block` notes (baseline first in even blocks, ours first in
odd ones): the cores are shared and noisy, and a block keeps each path's fixed prompt prefix in llama.cpp's
KV cache, as consecutive calls in real use do. Prints one table, then a few outputs of each model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.config import Settings  # noqa: E402
from author_tui.core.checks import copied_run, korean_share, shared_grams  # noqa: E402
from author_tui.core.model import ArchiveDoc, Entry  # noqa: E402
from author_tui.core.outputs import NoteDraft, Translation  # noqa: E402
from author_tui.core.port import CallRecord, ModelRequest  # noqa: E402
from author_tui.core.prompting import Message  # noqa: E402
from author_tui.core.text import has_hangul  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"
BASELINE_TRANSLATE = "Translate the Korean text into English. Output only the translation."
BASELINE_DRAFT = "다음 논문에 대한 짧은 한국어 코멘트를 1-3문장으로 쓰세요."
DRAFT_TOKENS = 160  # the baseline's cap, the same as prompts/draft-small.md's max_tokens


@dataclass
class Outcome:
    text: str
    seconds: float
    first: float | None = None  # seconds to the first Hangul (draft) / the first word (translate)
    examples: list[str] = field(default_factory=list)
    calls: int = 1


@dataclass
class Runs:
    """Every outcome of one model, by task and path, aligned with the evaluated notes."""

    model: str
    profile: str
    results: dict[tuple[str, str], list[Outcome]] = field(default_factory=dict)

    def add(self, task: str, path: str, outcome: Outcome) -> None:
        self.results.setdefault((task, path), []).append(outcome)


def load_split(
    corpus: Path, cut: dt.date, limit: int, until: dt.date | None = None
) -> tuple[list[ArchiveDoc], list[ArchiveDoc]]:
    """The archive before the cut, and `limit` notes after it (with an abstract, a note and the author's
    English; before `until` when given), spread evenly over the period. A prompt is tuned on a window
    before the test cut (`--cut 2025-04-01 --until 2025-06-01`) and judged once after it."""
    from author_tui.store.archive import load_archive

    docs = [d for d in load_archive([corpus]) if d.date is not None]
    before = [d for d in docs if d.date < cut]  # type: ignore[operator]
    after = sorted(
        (
            d for d in docs
            if d.date >= cut and (until is None or d.date < until)  # type: ignore[operator]
            and d.entry.has_note and d.entry.has_english and d.entry.abstract
        ),
        key=lambda d: (d.date, d.key),
    )
    if len(after) < limit:
        raise SystemExit(f"only {len(after)} notes after {cut}; lower --limit or move --cut")
    step = len(after) / limit
    return before, [after[int(i * step)] for i in range(limit)]


def timed(call: Callable[[Callable[[str], None]], str], korean: bool) -> Outcome:
    """Run `call(on_delta)`, noting when the first Hangul (or any word) reached the screen."""
    started = time.perf_counter()
    first: list[float] = []

    def on_delta(text: str) -> None:
        if not first and (has_hangul(text) if korean else text.strip()):
            first.append(time.perf_counter() - started)

    text = call(on_delta)
    return Outcome(text, time.perf_counter() - started, first[0] if first else None)


def plain(
    client: object, task: str, system: str | None, user: str, field_name: str, max_tokens: int,
    temperature: float | None = None,
) -> Callable:
    """The baseline: one system line (or none) and the text, plain text, through the same client."""
    output = NoteDraft if field_name == "note" else Translation
    messages = (Message("system", system), Message("user", user)) if system else (Message("user", user),)
    request = ModelRequest(
        task, messages, f"baseline-{task}",
        max_tokens=max_tokens, preview_field=field_name, plain_text=True, prompt_name=f"baseline-{task}",
        temperature=temperature,
    )

    def call(on_delta: Callable[[str], None]) -> str:
        reply = client.generate(request, output, on_delta=on_delta)  # type: ignore[attr-defined]
        return str(getattr(reply.value, field_name)).strip()

    return call


def run_model(
    size: str, before: list[ArchiveDoc], notes: list[ArchiveDoc], block: int, tasks: list[str],
    paths: tuple[str, ...] = ("baseline", "ours"),
    baseline_temperature: float | None = None,
) -> Runs:
    from author_tui.llm import build_authoring, prompt_profile

    settings = Settings(base_url=None, local_model=size, no_cache=True)
    records: list[CallRecord] = []
    authoring = build_authoring(settings, docs=before, tags=False, on_call=records.append)
    runs = Runs(size, prompt_profile(settings))
    client = authoring.client
    plain(client, "warm-up", BASELINE_TRANSLATE, "안녕하세요.", "english", 8)(lambda _: None)

    def ours_translate(doc: ArchiveDoc) -> Outcome:
        entry = Entry(title=doc.entry.title, note=doc.entry.note)
        records.clear()
        outcome = timed(lambda on: authoring.translate(entry, on_delta=on).value.english, korean=False)
        outcome.calls = len(records)  # a guided retry shows in the "retried" column
        return outcome

    def ours_draft(doc: ArchiveDoc) -> Outcome:
        paper = Entry(title=doc.entry.title, authors=doc.entry.authors, abstract=doc.entry.abstract)
        records.clear()
        outcome = timed(lambda on: authoring.draft_note(paper, on_delta=on).value.note, korean=True)
        sent = records[0].messages if records else []
        outcome.examples = [m["content"] for m in sent[1:-1] if m["role"] == "assistant"]
        outcome.calls = len(records)
        return outcome

    def base_translate(doc: ArchiveDoc) -> Outcome:
        asked = plain(client, "translate", BASELINE_TRANSLATE, doc.entry.note, "english", 400, baseline_temperature)
        return timed(asked, korean=False)

    def base_draft(doc: ArchiveDoc) -> Outcome:
        # "a plain Korean instruction with the abstract": one user message, the instruction first.
        asked = f"{BASELINE_DRAFT}\n\n{doc.entry.abstract}"
        return timed(plain(client, "draft", None, asked, "note", DRAFT_TOKENS, baseline_temperature), korean=True)

    by_task = {"translate": (base_translate, ours_translate), "draft": (base_draft, ours_draft)}
    for task, (baseline, ours) in ((task, by_task[task]) for task in tasks):
        for start in range(0, len(notes), block):
            order = [(p, r) for p, r in (("baseline", baseline), ("ours", ours)) if p in paths]
            for path, run in order if (start // block) % 2 == 0 else order[::-1]:
                for doc in notes[start : start + block]:
                    runs.add(task, path, run(doc))
            print(f"  {size} {task}: {min(start + block, len(notes))}/{len(notes)}", file=sys.stderr, flush=True)
        # A long run on shared cores may be cut short: each finished task is printed as soon as it is done.
        print(f"\n{size}, {task} done:\n{table(summary(runs, notes))}", file=sys.stderr, flush=True)
    return runs


def is_korean(text: str) -> bool:
    hangul, latin = korean_share(text)
    return has_hangul(text) and hangul > latin


def mean(values: list[float]) -> float:
    return statistics.mean(values) if values else float("nan")


def summary(runs: Runs, notes: list[ArchiveDoc]) -> list[dict[str, object]]:
    import sacrebleu

    rows: list[dict[str, object]] = []
    english = [d.entry.english for d in notes]
    author_notes = [d.entry.note for d in notes]
    author_median = statistics.median(len(n) for n in author_notes)
    for path in ("baseline", "ours"):
        if ("translate", path) not in runs.results:
            continue
        done = runs.results[("translate", path)]
        rows.append({
            "model": runs.model, "task": "translate", "path": path,
            "chrF": sacrebleu.corpus_chrf([o.text for o in done], [english]).score,
            "s/note": mean([o.seconds for o in done]),
            "first word s": mean([o.first for o in done if o.first is not None]),
            "Korean left": sum(has_hangul(o.text) for o in done) / len(done),
            "retried": sum(o.calls > 1 for o in done) / len(done),
        })
    for path in ("baseline", "ours"):
        if ("draft", path) not in runs.results:
            continue
        done = runs.results[("draft", path)]
        rows.append({
            "model": runs.model, "task": "draft", "path": path,
            "chrF": sacrebleu.corpus_chrf([o.text for o in done], [author_notes]).score,
            "s/note": mean([o.seconds for o in done]),
            "first Hangul s": mean([o.first for o in done if o.first is not None]),
            "Korean": sum(is_korean(o.text) for o in done) / len(done),
            "abstract 8-grams": mean([shared_grams(o.text, d.entry.abstract)
                                      for o, d in zip(done, notes, strict=True)]),
            "any case": mean([shared_grams(o.text, d.entry.abstract, fold_case=True)
                              for o, d in zip(done, notes, strict=True)]),
            "copied example": sum(any(copied_run(o.text, e) for e in o.examples) for o in done) / len(done),
            "length/author": statistics.median(len(o.text) for o in done) / author_median,
            "retried": sum(o.calls > 1 for o in done) / len(done),
        })
    return rows


def author_row(notes: list[ArchiveDoc]) -> dict[str, object]:
    return {
        "model": "author", "task": "draft", "path": "the author's notes",
        "Korean": sum(is_korean(d.entry.note) for d in notes) / len(notes),
        "abstract 8-grams": mean([shared_grams(d.entry.note, d.entry.abstract) for d in notes]),
        "any case": mean([shared_grams(d.entry.note, d.entry.abstract, fold_case=True) for d in notes]),
    }


COLUMNS = ["model", "task", "path", "chrF", "s/note", "first word s", "first Hangul s", "Korean", "Korean left",
           "abstract 8-grams", "any case", "copied example", "length/author", "retried"]


def table(rows: list[dict[str, object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.1f}" if abs(value) >= 1.5 or value == 0 else f"{value:.2f}"
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def examples(runs: Runs, notes: list[ArchiveDoc], count: int) -> str:
    out = []
    for i in range(min(count, len(notes))):
        doc = notes[i * len(notes) // count]
        index = notes.index(doc)
        out.append(f"--- {runs.model}: {doc.entry.title[:90]}")
        for task in ("draft", "translate"):
            for path in (p for p in ("baseline", "ours") if (task, p) in runs.results):
                out.append(f"  {task} {path}: {runs.results[(task, path)][index].text[:400]!r}")
        out.append(f"  author note: {doc.entry.note[:300]!r}")
        out.append(f"  author English: {doc.entry.english[:300]!r}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="0.5b,1.5b", help="embedded models, comma separated")
    parser.add_argument("--limit", type=int, default=30, help="notes evaluated after the cut (default 30)")
    parser.add_argument("--cut", type=dt.date.fromisoformat, default=dt.date(2025, 6, 1))
    parser.add_argument("--until", type=dt.date.fromisoformat, help="evaluate notes before this date only")
    parser.add_argument("--paths", default="baseline,ours", help="which paths (default both)")
    parser.add_argument("--baseline-temperature", type=float,
                        help="sample the baseline at this temperature (default: the client's, 0.3)")
    parser.add_argument("--block", type=int, default=5, help="notes per interleaved block")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--examples", type=int, default=3, help="outputs printed per model")
    parser.add_argument("--tasks", default="translate,draft", help="which tasks (default both)")
    parser.add_argument("--json", type=Path, help="also write every output and the table rows here")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus} (../shared is needed)")
    before, notes = load_split(args.corpus, args.cut, args.limit, args.until)
    print(f"archive: {len(before)} notes before {args.cut}; evaluated: {len(notes)} notes after it", flush=True)
    rows: list[dict[str, object]] = []
    dumps: dict[str, object] = {}
    for size in args.models.split(","):
        runs = run_model(size.strip(), before, notes, args.block, args.tasks.split(","), tuple(args.paths.split(",")),
                         args.baseline_temperature)
        rows += summary(runs, notes)
        print(f"\nprofile for {runs.model}: {runs.profile}\n{table(rows)}\n", flush=True)
        print(examples(runs, notes, args.examples), flush=True)
        dumps[runs.model] = {f"{t}/{p}": [o.__dict__ for o in v] for (t, p), v in runs.results.items()}
    rows.append(author_row(notes))
    print("\n" + table(rows))
    if args.json:
        notes_out = [{"key": d.key, "note": d.entry.note, "english": d.entry.english} for d in notes]
        data = {"rows": rows, "runs": dumps, "notes": notes_out}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
