"""The structured-output ladder's pieces: request shapes, parsing, reasoning blocks, streamed previews."""

from __future__ import annotations

import json

import pytest

from author_tui.core.outputs import NoteDraft, TagPick, Translation
from author_tui.llm.structured import OutputInvalid, Rung, ladder, schema_of, strip_reasoning

JSON, OBJECT, TAGGED = Rung("json_schema"), Rung("json_object"), Rung("tagged")


def test_the_ladder_starts_at_the_remembered_rung():
    assert [r.name for r in ladder(None)] == ["json_schema", "json_object", "tagged"]
    assert [r.name for r in ladder("json_object")] == ["json_object", "tagged"]
    assert [r.name for r in ladder("nonsense")] == ["json_schema", "json_object", "tagged"]


def test_response_formats_per_rung():
    strict = JSON.response_format(TagPick)
    assert strict["type"] == "json_schema" and strict["json_schema"]["strict"] is True
    assert strict["json_schema"]["schema"]["required"] == ["tags", "new_tags"]  # strict mode: all required
    assert strict["json_schema"]["schema"]["additionalProperties"] is False
    loose = OBJECT.response_format(TagPick)
    assert loose["type"] == "json_object" and loose["schema"]["required"] == ["tags"]
    assert TAGGED.response_format(TagPick) is None


def test_schemas_are_built_once_per_type_and_strict_mode_leaves_the_shared_one_alone():
    assert schema_of(TagPick) is schema_of(TagPick)
    assert schema_of(TagPick) == TagPick.model_json_schema()
    JSON.response_format(TagPick)
    assert "additionalProperties" not in schema_of(TagPick)
    assert OBJECT.response_format(TagPick)["schema"] == TagPick.model_json_schema()


def test_instructions_name_the_fields():
    assert "<note>" in TAGGED.instruction(NoteDraft) and "</note>" in TAGGED.instruction(NoteDraft)
    assert '"note"' in OBJECT.instruction(NoteDraft) and "JSON" in OBJECT.instruction(NoteDraft)


@pytest.mark.parametrize(
    ("rung", "text", "note"),
    [
        (OBJECT, '{"note": "짧네요."}', "짧네요."),
        (OBJECT, '```json\n{"note": "펜스 안이네요."}\n```', "펜스 안이네요."),
        (OBJECT, 'Sure! Here it is: {"note": "앞말이 있네요."} Hope it helps.', "앞말이 있네요."),
        (OBJECT, '<think>let me think {"note": "no"}</think>\n{"note": "생각 뒤네요."}', "생각 뒤네요."),
        (TAGGED, "<note>\n태그 안이네요.\n</note>", "태그 안이네요."),
        (TAGGED, "<note>닫히지 않았네요.", "닫히지 않았네요."),
        (TAGGED, "블록 없이 답했네요.", "블록 없이 답했네요."),
        (TAGGED, "<think>먼저 생각</think><note>생각 뒤네요.</note>", "생각 뒤네요."),
    ],
)
def test_parse(rung, text, note):
    assert rung.parse(text, NoteDraft).note == note


def test_tagged_lists_split_on_spaces_and_commas():
    parsed = TAGGED.parse("<tags>#rl, #reasoning long-context</tags><new_tags></new_tags>", TagPick)
    assert parsed.tags == ["rl", "reasoning", "long-context"] and parsed.new_tags == []


@pytest.mark.parametrize(
    ("rung", "text", "message"),
    [
        (OBJECT, "no json here", "no JSON object"),
        (OBJECT, '{"note": "unterminated}', "not valid JSON"),
        (OBJECT, '{"summary": "x"}', "note: Field required"),
        (OBJECT, '{"note": 3}', "note: Input should be a valid string"),
        (TAGGED, "<think>only thinking, never answering", "no <field>"),
    ],
)
def test_invalid_answers_say_why(rung, text, message):
    with pytest.raises(OutputInvalid, match=message):
        rung.parse(text, NoteDraft)


def test_reasoning_blocks_are_removed_even_when_unclosed():
    assert strip_reasoning("<think>a</think>b<THINK>c") == "b"


def test_json_preview_decodes_the_string_as_far_as_it_arrived():
    full = json.dumps({"note": 'RoPE의 "확장"\n이네요 \u00e9'}, ensure_ascii=True)
    previews = [OBJECT.preview(full[:i], "note") for i in range(len(full) + 1)]
    assert previews[-1] == 'RoPE의 "확장"\n이네요 \u00e9'
    assert all(previews[-1].startswith(p) for p in previews)  # never shows half an escape


def test_tagged_preview_hides_a_half_arrived_closing_tag():
    assert TAGGED.preview("<note>거의 다 왔네요.</no", "note") == "거의 다 왔네요."
    assert TAGGED.preview("<think>생각 중", "note") == ""


def test_tags_are_put_in_house_shape():
    parsed = OBJECT.parse(
        '{"tags": ["#Load Balancing", "moe", "MoE"], "new_tags": ["Load  balancing"]}', TagPick
    )
    assert parsed.tags == ["load-balancing", "moe"] and parsed.new_tags == ["load-balancing"]


def test_the_note_schema_holds_no_pattern_a_grammar_would_force_on_free_text():
    # The note is asked for as plain text; a pattern here once made llama.cpp splice Hangul into titles.
    assert "pattern" not in json.dumps(NoteDraft.model_json_schema())


def test_the_note_schema_accepts_the_authors_shapes():
    for note in [
        "MoE 코드 모델. Tree-sitter를 썼군요.",
        "Diffusion LM의 Long Context 상황에서의 특성 분석.",
        "Pass@K를 기반으로 한 주장 (https://arxiv.org/abs/2504.13837)이 있었죠.",
    ]:
        assert OBJECT.parse(json.dumps({"note": note}), NoteDraft).note == note


def test_no_schema_carries_a_length_limit_that_llama_cpp_would_unroll():
    for output in (NoteDraft, Translation, TagPick):
        assert "maxLength" not in json.dumps(output.model_json_schema())
