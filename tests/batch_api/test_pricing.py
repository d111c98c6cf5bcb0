"""Prices and token estimates: the table lookup, live against batch, the estimate rule, the settings file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from author_tui.config import load_settings
from author_tui.core.port import Usage
from author_tui.core.pricing import ModelPrice, cost_line, estimate_request, price_for, spent_line
from author_tui.errors import ConfigError

TABLE = {"gpt-4o-mini": ModelPrice(input=0.15, output=0.60), "gpt-4o": ModelPrice(input=2.5, output=10.0),
         "own": ModelPrice(input=1.0, output=2.0, batch_input=0.9, batch_output=1.9)}


def test_cost_per_million_tokens_and_batch_at_half_unless_given():
    price = TABLE["gpt-4o-mini"]
    assert price.cost(1_000_000, 0) == pytest.approx(0.15)
    assert price.cost(2_000_000, 1_000_000) == pytest.approx(0.90)
    assert price.cost(2_000_000, 1_000_000, batch=True) == pytest.approx(0.45)
    assert TABLE["own"].cost(1_000_000, 1_000_000, batch=True) == pytest.approx(2.8)


def test_a_dated_model_name_is_priced_by_the_longest_entry_it_starts_with():
    assert price_for(TABLE, "gpt-4o-mini-2024-07-18") is TABLE["gpt-4o-mini"]
    assert price_for(TABLE, "gpt-4o-2024-08-06") is TABLE["gpt-4o"]
    assert price_for(TABLE, "gpt-4") is None and price_for(TABLE, "qwen2.5") is None


def test_an_unknown_model_gets_tokens_only():
    assert "tokens only" in cost_line(TABLE, "qwen2.5-coder", 1000, 100)
    line = spent_line(TABLE, "qwen2.5-coder", Usage(1000, 100, 0, 3, 1))
    assert "3 requests, 1 cached, 1000+100 tokens" in line and "$" not in line


def test_the_embedded_model_costs_nothing_and_one_request_is_one_request():
    line = spent_line(TABLE, "embedded", Usage(1000, 100, 0, 1, 0))
    assert line == "spent: 1 request, 0 cached, 1000+100 tokens; local: $0"


def test_a_translation_estimate_is_the_english_alone():  # plain text now: no JSON wrapper around it
    assert estimate_request("translate", [], note="가" * 100).completion_tokens == 45


def test_cost_line_shows_live_and_batch():
    assert cost_line(TABLE, "gpt-4o", 1_000_000, 100_000) == "$3.50 live, $1.75 batch"
    assert cost_line(TABLE, "gpt-4o", 1_000_000, 100_000, batch=True) == "$1.75 batch"
    assert cost_line(TABLE, "gpt-4o-mini", 1000, 100) == "$0.000210 live, $0.000105 batch"


def test_estimate_counts_the_messages_and_scales_the_completion_with_the_note():
    messages = [{"role": "system", "content": "abc" * 10}, {"role": "user", "content": "한국어"}]
    short = estimate_request("translate", messages, note="짧은 노트")
    long = estimate_request("translate", messages, note="짧은 노트" * 10)
    assert short.requests == 1 and short.prompt_tokens == 10 + 4 + 3 + 4
    assert long.completion_tokens > 5 * short.completion_tokens - 40
    assert estimate_request("tags", messages).completion_tokens == 60


def test_prices_from_the_settings_file_extend_the_defaults(tmp_path: Path):
    config = Path(os.environ["AUTHOR_TUI_CONFIG"])
    config.write_text('[prices."my-model"]\ninput = 1.0\noutput = 3.0\n[prices.gpt-4o-mini]\ninput = 9\noutput = 9\n')
    prices = load_settings().prices
    assert prices["my-model"].cost(1_000_000, 1_000_000, batch=True) == pytest.approx(2.0)
    assert prices["gpt-4o-mini"].input == 9 and "gpt-4o" in prices


def test_a_negative_price_is_a_settings_error():
    Path(os.environ["AUTHOR_TUI_CONFIG"]).write_text('[prices.m]\ninput = -1\noutput = 1\n')
    with pytest.raises(ConfigError, match="prices"):
        load_settings()
