"""Prompt templates: front matter, strict rendering, example budgets, and the shipped prompt files."""

from __future__ import annotations

import pytest

from author_tui.core.prompting import PromptTemplate, clip, estimate_tokens, fit_examples
from author_tui.errors import PromptError
from author_tui.llm.prompts import DEFAULT_DIR, load_prompts

TEMPLATE = """---
name: demo
max_tokens: 300
examples: 2
label: plain text
---
@system
Be terse. {{ examples }}
@user
Title: {{title}}
"""


def test_front_matter_and_messages():
    template = PromptTemplate.parse(TEMPLATE, "demo.md")
    assert template.name == "demo"
    assert template.params == {"name": "demo", "max_tokens": 300, "examples": 2, "label": "plain text"}
    assert [m.role for m in template.messages] == ["system", "user"]
    assert template.variables == {"examples", "title"}


def test_render_substitutes_every_variable():
    messages = PromptTemplate.parse(TEMPLATE).render(examples="E", title="{{ not a variable }}")
    assert messages[0].content == "Be terse. E"
    assert messages[1].content == "Title: {{ not a variable }}"  # values are not rendered again


def test_a_missing_variable_is_an_error_naming_it():
    with pytest.raises(PromptError, match=r"demo.md: no value for variable\(s\) title"):
        PromptTemplate.parse(TEMPLATE, "demo.md").render(examples="")


def test_an_unused_variable_is_an_error_naming_it():
    with pytest.raises(PromptError, match="abstarct"):
        PromptTemplate.parse(TEMPLATE).render(examples="", title="t", abstarct="typo")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nnot a pair\n---\n@user\nx", "demo.md:2: expected 'key: value'"),
        ("stray\n@user\nx", "text before the first"),
        ("@user\nx\n@assistant\ny", "must end with an @user message"),
        ("no roles at all", "text before the first"),
    ],
)
def test_malformed_templates(text, message):
    with pytest.raises(PromptError, match=message):
        PromptTemplate.parse(text, "demo.md")


def test_the_hash_covers_the_whole_file():
    a = PromptTemplate.parse(TEMPLATE)
    assert a.content_hash == PromptTemplate.parse(TEMPLATE).content_hash
    assert a.content_hash != PromptTemplate.parse(TEMPLATE.replace("300", "301")).content_hash


def test_examples_fill_the_budget_best_first_skipping_ones_too_long():
    examples = ["a" * 30, "b" * 300, "c" * 30, "d" * 30]  # 10, 100, 10, 10 tokens
    assert fit_examples(examples, tokens=35) == ["a" * 30, "c" * 30, "d" * 30]
    assert fit_examples(examples, tokens=35, limit=2) == ["a" * 30, "c" * 30]
    assert fit_examples(examples, tokens=5) == []


def test_token_estimate_is_pessimistic_for_korean():
    assert estimate_tokens("가나다") == 3  # 9 bytes: one token per syllable
    assert estimate_tokens("abcdef") == 2


def test_clip_cuts_at_a_word():
    assert clip("one two three", 8) == "one two …"
    assert clip("short", 8) == "short"


def test_the_shipped_prompts_load_and_declare_their_variables():
    prompts = load_prompts(DEFAULT_DIR)
    assert prompts["draft"].variables == {"title", "authors", "abstract"}
    assert prompts["translate"].variables == {"title", "note"}
    assert prompts["tags"].variables == {"title", "abstract", "note", "vocabulary", "candidates"}
    for template in prompts.values():
        assert template.messages[0].role == "system" and template.param("max_tokens")


def test_a_prompt_folder_missing_a_task_is_refused(tmp_path):
    (tmp_path / "draft.md").write_text("---\nname: draft\n---\n@user\n{{ title }}")
    with pytest.raises(PromptError, match="lacks translate, tags"):
        load_prompts(tmp_path)


def test_render_question_renders_only_the_last_message_strictly():
    template = PromptTemplate.parse(TEMPLATE, "demo.md")
    assert template.render_question(title="T") == "Title: T"
    with pytest.raises(PromptError, match="the question uses"):
        template.render_question(title="T", examples="not in the question")
