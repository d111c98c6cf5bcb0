"""Prompt templates: plain files with front matter, rendered strictly into chat messages.

Why files: the author tunes the prompts, not the code. Why strict: a template that silently renders an
empty `{{ note }}` produces a plausible but wrong answer, and a cached one at that.

A template file looks like this:

    ---
    name: translate
    temperature: 0.2
    max_tokens: 400
    ---
    @system
    You translate ... {{ examples }}
    @user
    {{ note }}

The front matter holds `key: value` lines (a value is read as JSON when it parses, else as text). The body
is split into messages at lines `@system`, `@user` and `@assistant`. `{{ name }}` is replaced by a
variable; a variable the template uses but the caller did not pass is an error naming it, and so is one the
caller passed that the template never uses (usually a typo on one side). `content_hash` covers the whole
file, so any edit invalidates cached replies.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from author_tui.errors import PromptError

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ROLE_LINE = re.compile(r"^@(system|user|assistant)\s*$", re.MULTILINE)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file: its parameters (front matter) and its message templates."""

    name: str
    params: Mapping[str, Any]
    messages: tuple[Message, ...]
    content_hash: str
    source: str = ""  # where it was read from, for error messages

    @classmethod
    def parse(cls, text: str, source: str = "<prompt>") -> PromptTemplate:
        text = text.replace("\r\n", "\n")
        match = FRONT_MATTER.match(text)
        params = _front_matter(match.group(1), source) if match else {}
        body = text[match.end() :] if match else text
        messages = _messages(body, source)
        name = str(params.get("name", source))
        return cls(name, params, messages, hashlib.sha256(text.encode()).hexdigest(), source)

    @property
    def variables(self) -> set[str]:
        return {name for message in self.messages for name in VARIABLE.findall(message.content)}

    def param(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def terms(self) -> dict[str, str]:
        """The front matter's `terms`: a JSON object of the author's Korean terms and the English the author
        writes for them ({"추론": "reasoning"}), put in place of the Korean before a model reads the note."""
        terms = self.params.get("terms", {})
        if not isinstance(terms, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                                  for k, v in terms.items()):
            raise PromptError(
                f"prompt {self.source}: terms must be a JSON object of Korean term to English, found {terms!r}",
                hint='write it on one line, e.g. terms: {"추론": "reasoning"}',
            )
        return terms

    def render(self, **values: Any) -> list[Message]:
        """The messages with every `{{ variable }}` replaced; wrong or missing variables are errors."""
        missing = sorted(self.variables - values.keys())
        if missing:
            raise PromptError(
                f"prompt {self.source}: no value for variable(s) {', '.join(missing)}",
                hint="pass them when rendering, or remove them from the template",
            )
        unused = sorted(values.keys() - self.variables)
        if unused:
            raise PromptError(
                f"prompt {self.source}: variable(s) {', '.join(unused)} not used by the template",
                hint="add {{ name }} to the template or stop passing it",
            )
        return [Message(m.role, VARIABLE.sub(lambda v: str(values[v.group(1)]), m.content)) for m in self.messages]

    def render_question(self, **values: Any) -> str:
        """Only the last (user) message, strictly: how a few-shot example's question is written."""
        last = self.messages[-1]
        wanted = set(VARIABLE.findall(last.content))
        if wanted != values.keys():
            raise PromptError(f"prompt {self.source}: the question uses {sorted(wanted)}, got {sorted(values)}")
        return VARIABLE.sub(lambda v: str(values[v.group(1)]), last.content)


def _front_matter(text: str, source: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for number, line in enumerate(text.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip().isidentifier():
            raise PromptError(f"{source}:{number}: expected 'key: value' in the front matter, found {line!r}")
        params[key.strip()] = _value(value.strip())
    return params


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _messages(body: str, source: str) -> tuple[Message, ...]:
    parts = ROLE_LINE.split(body)
    if parts[0].strip():
        raise PromptError(f"{source}: text before the first @system/@user line", hint="start the body with @system")
    messages = tuple(Message(role, content.strip("\n")) for role, content in zip(parts[1::2], parts[2::2], strict=True))
    if not messages or messages[-1].role != "user":
        raise PromptError(f"{source}: the template must end with an @user message")
    return messages


# --- prompt profiles ----------------------------------------------------------------------------------


def select_profile(prompts: Mapping[str, PromptTemplate], profile: str) -> dict[str, PromptTemplate]:
    """The templates under their task names, with a profile's own files in place: `draft-small.md`
    (name `draft-small`) answers for `draft` in the "small" profile. A task the profile has no file for
    keeps the base template (`draft.md`, which is the "hosted" profile). A profile may fall back on others,
    most specific first: in "medium,small" a task takes its `-medium` file, else its `-small` one, else the
    base template."""
    chosen = dict(prompts)
    for wanted in reversed([name.strip() for name in profile.split(",") if name.strip()]):
        for name, template in prompts.items():
            task, _, suffix = name.rpartition("-")
            if task and suffix == wanted:
                chosen[task] = template
    return chosen


def profile_files(prompts: Mapping[str, PromptTemplate], profile: str, tasks: Iterable[str]) -> list[str]:
    """Which template answers for each task in the profile (for `author-tui config`)."""
    chosen = select_profile(prompts, profile)
    return [f"{task}: {chosen[task].name}" for task in tasks if task in chosen]


# --- few-shot examples within a token budget -----------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """A deliberately pessimistic token count: UTF-8 bytes / 3 (a Hangul syllable is 3 bytes, ~1 token)."""
    return (len(text.encode()) + 2) // 3


@dataclass
class ExampleBudget:
    """Picks examples, best first, until the next one would not fit in `tokens`."""

    tokens: int
    limit: int = 8
    chosen: list[str] = field(default_factory=list)
    used: int = 0

    def offer(self, text: str) -> bool:
        cost = estimate_tokens(text)
        if len(self.chosen) >= self.limit or self.used + cost > self.tokens:
            return False
        self.chosen.append(text)
        self.used += cost
        return True


def fit_examples(candidates: Iterable[str], tokens: int, limit: int = 8) -> list[str]:
    """The candidates (already ordered best first) that fit in the budget; a too-long one is skipped."""
    budget = ExampleBudget(tokens, limit)
    for text in candidates:
        budget.offer(text)
        if len(budget.chosen) >= limit:
            break
    return budget.chosen


def clip(text: str, chars: int) -> str:
    """Shorten text to about `chars` characters at a word boundary, marking the cut."""
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0]
    return cut + " …"
