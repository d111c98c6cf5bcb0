"""What a run costs: token estimates before it, dollars from a per-model price table before and after it.

Why pure and apart: `--dry-run` and every run's closing line must agree on how tokens become money, and
the rule (prices per million tokens, the Batch API at its own price, an unknown model priced at nothing
rather than guessed) must be testable without a model or a settings file.

How tokens are estimated before a run (`estimate_request`):
- prompt: the exact messages the run would send (examples, instructions and format included), counted
  by `prompting.estimate_tokens` (UTF-8 bytes / 3: pessimistic for English, about right for Hangul),
  plus MESSAGE_OVERHEAD per message for the chat format's role markers;
- completion: for a translation (plain text, nothing around it), COMPLETION_PER_CHAR tokens per
  character of the Korean note (measured over 161 of the author's notes with both: their English is 0.41
  BPE tokens per character of the Korean note, median 0.42, by Qwen2.5's tokenizer; 0.45 errs a little
  high); for tags, TAGS_COMPLETION; else the template's max_tokens.

The embedded model runs on this machine: it costs nothing, and says so ("local: $0").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field

from author_tui.core.port import Usage
from author_tui.core.prompting import estimate_tokens

MESSAGE_OVERHEAD = 4
COMPLETION_PER_CHAR = 0.45
TAGS_COMPLETION = 60
DEFAULT_COMPLETION = 256
PER = 1_000_000
EMBEDDED_MODEL = "embedded"  # the model name the batch commands give the embedded llama.cpp model


class ModelPrice(BaseModel):
    """US dollars per million tokens. Batch prices default to half the live ones (OpenAI's Batch API)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    batch_input: float | None = Field(None, ge=0)
    batch_output: float | None = Field(None, ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int, *, batch: bool = False, cached_tokens: int = 0) -> float:
        """Dollars for these tokens (cached prompt tokens are billed like the others: a safe upper bound)."""
        del cached_tokens  # providers discount them differently; not counting the discount never under-reports
        rate_in = self.batch_input if batch and self.batch_input is not None else self.input / (2 if batch else 1)
        rate_out = self.batch_output if batch and self.batch_output is not None else self.output / (2 if batch else 1)
        return (prompt_tokens * rate_in + completion_tokens * rate_out) / PER


# Published list prices (USD per 1M tokens, 2025); override or extend with `prices` in the settings file.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.60),
    "gpt-4o": ModelPrice(input=2.50, output=10.00),
    "gpt-4.1-mini": ModelPrice(input=0.40, output=1.60),
    "gpt-4.1-nano": ModelPrice(input=0.10, output=0.40),
    "gpt-4.1": ModelPrice(input=2.00, output=8.00),
}


def price_for(table: Mapping[str, ModelPrice], model: str) -> ModelPrice | None:
    """The model's price: its own entry, else the longest entry its name starts with
    ("gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini"), else None (unknown: tokens only)."""
    if model in table:
        return table[model]
    prefixes = [name for name in table if model.startswith(name + "-")]
    return table[max(prefixes, key=len)] if prefixes else None


@dataclass(frozen=True)
class Estimate:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.requests + other.requests, self.prompt_tokens + other.prompt_tokens,
                        self.completion_tokens + other.completion_tokens)


def prompt_tokens(messages: Iterable[Mapping[str, str]]) -> int:
    return sum(estimate_tokens(str(m.get("content", ""))) + MESSAGE_OVERHEAD for m in messages)


def completion_tokens(task: str, note: str, max_tokens: int | None) -> int:
    if task == "translate":
        return round(len(note.strip()) * COMPLETION_PER_CHAR)
    if task == "tags":
        return TAGS_COMPLETION
    return max_tokens or DEFAULT_COMPLETION


def estimate_request(task: str, messages: Iterable[Mapping[str, str]], note: str = "",
                     max_tokens: int | None = None) -> Estimate:
    return Estimate(1, prompt_tokens(messages), completion_tokens(task, note, max_tokens))


HOW_ESTIMATED = ("prompt tokens: the exact messages to be sent, UTF-8 bytes / 3 each (+4 per message); "
                 "completion tokens: 0.45 per character of the Korean note for a translation "
                 "(the author's notes: 0.41), 60 per entry for tags")


def cost_line(prices: Mapping[str, ModelPrice], model: str, prompt: int, completion: int,
              batch: bool | None = None) -> str:
    """'$0.0123 live, $0.0062 batch' (or one of them), 'local: $0' for the embedded model, or a note that
    the model has no price."""
    price = price_for(prices, model)
    if price is None and model == EMBEDDED_MODEL:
        return "local: $0"
    if price is None:
        return f"no price for model {model!r} in the price table (tokens only)"
    modes = [False, True] if batch is None else [batch]
    return ", ".join(f"{dollars(price.cost(prompt, completion, batch=mode))} {'batch' if mode else 'live'}"
                     for mode in modes)


def counted(number: int, noun: str) -> str:
    """'1 request', '2 requests': said in every closing line, so said right."""
    return f"{number} {noun}{'s' * (number != 1)}"


def dollars(amount: float) -> str:
    """Cents for a real bill, more digits for a small one (a few notes cost a fraction of a cent)."""
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}" if amount >= 0.01 else f"${amount:.6f}"


def spent_line(prices: Mapping[str, ModelPrice], model: str, usage: Usage, batch: bool = False) -> str:
    """The closing line of a run: tokens spent and what they cost."""
    tokens = (f"{counted(usage.requests, 'request')}, {usage.cache_hits} cached, "
              f"{usage.prompt_tokens}+{usage.completion_tokens} tokens")
    return f"spent: {tokens}; {cost_line(prices, model, usage.prompt_tokens, usage.completion_tokens, batch)}"
