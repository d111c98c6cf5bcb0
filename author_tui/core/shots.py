"""The worked examples a prompt shows (past papers and the author's notes on them) and what the model saw
and must not hand back: kept apart from the use cases in core.authoring, which only choose among them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from author_tui.core.checks import OutputWarning, copied_run
from author_tui.core.model import Entry
from author_tui.core.port import Shot
from author_tui.core.prompting import PromptTemplate, clip

# A figure of the quoted problems ("22% of its 8-character runs"): the 1.5B answered one retry with
# "8자리 러닝의 22%는 초록이네요." (a dev draft), the problem translated, which no verbatim run catches.
PROBLEM_FIGURE = re.compile(r"\d+%")


def echoes(field_name: str, answer: str, asked: str, question: str = "") -> list[OutputWarning]:
    """A retry answered by repeating the retry prompt (its quoted problems, say), in part or whole, or in
    translation: a percentage of the problems that the question it was asked (`question`) does not hold."""
    run = copied_run(answer, asked) or ("" if len(answer) < 15 or answer.lower() not in asked.lower() else answer)
    figures = set(PROBLEM_FIGURE.findall(asked)) - set(PROBLEM_FIGURE.findall(question))
    run = run or next((figure for figure in PROBLEM_FIGURE.findall(answer) if figure in figures), "")
    return [OutputWarning(field_name, f"repeats the retry prompt: {run[:60]}", severe=True)] if run else []


def candidates_text(suggestion: Any) -> str:
    lines = [f"#{c.tag} {c.score:.2f}" for c in getattr(suggestion, "candidates", [])]
    return "\n".join(lines) or "(none)"


def seen(shots: Sequence[Shot], field: str, template: PromptTemplate) -> list[str]:
    """What the model saw and must not hand back as its answer: the examples' answers, the instruction."""
    instruction = template.messages[-1].content.strip().splitlines()[-1:]
    return [str(shot.answer[field]) for shot in shots] + instruction


def draft_shot(template: PromptTemplate) -> Callable[[Entry], tuple[dict[str, str], dict[str, Any]]]:
    """A past paper as an example question (its abstract clipped to the profile's `example_abstract_chars`)
    and the author's note on it as the answer."""
    chars = int(template.param("example_abstract_chars", 400))

    def shot(entry: Entry) -> tuple[dict[str, str], dict[str, Any]]:
        question = {
            "title": entry.title,
            "authors": entry.authors or "(unknown)",
            "abstract": clip(entry.abstract, chars) or "(no abstract)",
        }
        return question, {"note": entry.note.strip()}

    return shot


def translate_shot(entry: Entry) -> tuple[dict[str, str], dict[str, Any]]:
    return {"title": entry.title, "note": entry.note.strip()}, {"english": entry.english.strip()}


def vocabulary_text(vocabulary: Counter[str], size: int) -> str:
    if not vocabulary:
        return "(no vocabulary: propose tags and mark them all new)"
    return " ".join(f"#{tag}({count})" for tag, count in vocabulary.most_common(size))
