"""How close the configured model's translations come to the author's own English, on notes that have both.

    .venv/bin/python bench/translation_quality.py [--n 20] [--seed 1] [--archive-examples] [--base-url URL ...]

A sample of the author's vault notes with a Korean note and an English translation; each note is
translated again through `build_authoring(settings).translate` (the path `author-tui translate` takes,
with its cache: pass --no-cache to measure afresh) and scored against the author's English:
- chrF (sacrebleu, corpus level, and the mean per note): character n-gram F-score, robust for short texts;
- term preservation: of the URLs, numbers and Latin-script terms in the Korean note (core.checks rules),
  the share present in the English. The same rate for the author's own English is printed beside it as
  the reference: the author sometimes rephrases a term away, so 100 % is not the ceiling to expect.
Without --base-url the embedded local model is started (as the tool does). With --archive-examples the
rest of the vault supplies few-shot examples (the note itself excluded), as in real use with `archive`
configured; otherwise the prompt has no examples, the floor.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.batch.live import translator  # noqa: E402
from author_tui.config import add_common_flags, settings_from_args  # noqa: E402
from author_tui.core import vault  # noqa: E402
from author_tui.core.batch import Job  # noqa: E402
from author_tui.core.checks import missing_numbers, missing_terms, missing_urls  # noqa: E402
from author_tui.core.model import ArchiveDoc, Entry  # noqa: E402
from author_tui.core.port import CancelToken  # noqa: E402
from author_tui.core.text import LATIN_TERM, NUMBER, URL  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"


def pairs(corpus: Path) -> list[ArchiveDoc]:
    """Every vault note with both a Korean note and the author's English, as the batch command reads it."""
    found = []
    for path in sorted(corpus.rglob("*.md")):
        note = vault.parse(path.read_bytes(), path.name)
        entry = vault.digest_entry(note)
        if note.is_paper and entry.has_note and entry.has_english:
            found.append(ArchiveDoc(key=str(path), date=note.date, entry=entry))
    return found


def terms(note: str) -> int:
    """How many URLs, numbers and Latin terms (over one letter) the preservation rate checks in `note`."""
    bare = URL.sub(" ", note)
    latin = [t for t in LATIN_TERM.findall(bare) if len("".join(c for c in t if c.isalnum())) > 1]
    return len(dict.fromkeys(URL.findall(note))) + len(dict.fromkeys(NUMBER.findall(bare))) + len(
        dict.fromkeys(latin))


def missing(note: str, english: str) -> int:
    return len(missing_urls(note, english)) + len(missing_numbers(note, english)) + len(missing_terms(note, english))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="notes to translate (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="which sample (default 1)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--archive-examples", action="store_true", help="few-shot examples from the rest of the vault")
    add_common_flags(parser)
    args = parser.parse_args()
    import sacrebleu

    from author_tui.llm import build_authoring, endpoint_and_model

    docs = pairs(args.corpus)
    sample = random.Random(args.seed).sample(docs, min(args.n, len(docs)))
    settings = settings_from_args(args)
    authoring = build_authoring(settings, docs=docs if args.archive_examples else [])
    endpoint, model = endpoint_and_model(settings)
    print(f"{model} at {endpoint}; {len(sample)} of {len(docs)} notes with both Korean and English "
          f"(seed {args.seed}); few-shot examples: {'vault' if args.archive_examples else 'none'}")
    translate = translator(authoring, CancelToken())  # as `author-tui translate`: one retry on warnings
    hypotheses, references, seconds, failures, warned, retried = [], [], [], 0, 0, 0
    kept = [0, 0, 0]  # terms in the notes, missing from the model's English, missing from the author's
    for doc in sample:
        started = time.perf_counter()
        outcome = translate(Job(doc.key, 0, 1, Entry(title=doc.entry.title, note=doc.entry.note)))
        if outcome.status != "translated":
            failures += 1
            print(f"  failed: {Path(doc.key).name}: {outcome.error}", file=sys.stderr)
            continue
        seconds.append(time.perf_counter() - started)
        warned += bool(outcome.warnings)
        retried += outcome.retried
        english = outcome.english
        hypotheses.append(english)
        references.append(doc.entry.english)
        kept[0] += terms(doc.entry.note)
        kept[1] += missing(doc.entry.note, english)
        kept[2] += missing(doc.entry.note, doc.entry.english)
    report(hypotheses, references, seconds, (failures, retried, warned), kept, sacrebleu)
    return 0


def report(hypotheses: list[str], references: list[str], seconds: list[float], counts: tuple[int, int, int],
           kept: list[int], sacrebleu: object) -> None:
    failures, retried, warned = counts
    if not hypotheses:
        print("no translation succeeded")
        return
    corpus = sacrebleu.corpus_chrf(hypotheses, [references])  # type: ignore[attr-defined]
    per_note = [sacrebleu.sentence_chrf(h, [r]).score for h, r in zip(hypotheses, references, strict=True)]  # type: ignore[attr-defined]
    total, model_missing, author_missing = kept
    print(f"chrF corpus {corpus.score:.1f}; per note mean {statistics.mean(per_note):.1f}, "
          f"median {statistics.median(per_note):.1f}, min {min(per_note):.1f}, max {max(per_note):.1f}")
    if total:
        print(f"term preservation (URLs, numbers, Latin terms; {total} in the notes): model "
              f"{1 - model_missing / total:.1%}, the author's own English {1 - author_missing / total:.1%}")
    print(f"{len(hypotheses)} translated, {failures} failed, {retried} retried after the checks objected, "
          f"{warned} still with warnings; "
          f"{statistics.median(seconds):.1f} s median per note")


if __name__ == "__main__":
    sys.exit(main())
