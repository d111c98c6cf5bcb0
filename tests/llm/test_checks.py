"""Output checks: one behaviour per row."""

from __future__ import annotations

import pytest

from author_tui.core.checks import (
    Bounds,
    check_draft,
    check_note,
    check_tags,
    check_translation,
    first_sentences,
    keep_own_sentences,
    repeats_instructions,
    split_sentences,
)
from author_tui.core.outputs import clean_answer


def messages(warnings) -> list[str]:
    return [f"{w.field}: {w.message}" for w in warnings]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("RoPE 확장 방법이군요. 흥미롭네요.", []),
        ("", ["note: the note is empty"]),
        ("This is not Korean at all, sadly.", ["note: the note contains no Hangul: it is not Korean"]),
        ("추론 모델의 学習 방법이네요.", ["note: Chinese/Japanese characters leaked in: 学習"]),
        ("시퀀encer의 인ference가 빠르네요.", ["note: a word half Hangul, half English: 시퀀encer의, 인ference가"]),
        ("Transformer를 쓴 inference 방법이네요.", []),  # a particle after a term, a word on its own: fine
        ("좋네요", ["note: only 3 characters (expected at least 10)"]),
        ("가" * 601, ["note: 601 characters (expected at most 600)"]),
    ],
)
def test_note(note, expected):
    assert messages(check_note(note)) == expected


@pytest.mark.parametrize(
    ("note", "english", "expected"),
    [
        (
            "Pass@K 기반 RL 분석이네요 (https://arxiv.org/abs/2504.13837).",
            "An analysis of RL based on Pass@K (https://arxiv.org/abs/2504.13837).",
            [],
        ),
        ("바이트 UNet 모델이군요.", "A byte-level U-Net model.", []),  # spelling of a term may vary
        ("Long Context 상황 분석.", "Analysis of the long context setting.", []),  # and its case
        (
            "24B 문서, 24T 토큰이네요.",
            "24B documents and 24 trillion tokens.",
            ["english: number(s) of the note missing: 24T"],
        ),
        (
            "링크 https://a.example/x 참고.",
            "See the link.",
            ["english: URL(s) of the note missing: https://a.example/x"],
        ),
        (
            "MoE와 RoPE의 조합이군요.",
            "A combination of MoE and rotary embeddings.",
            ["english: term(s) of the note missing: RoPE"],
        ),
        ("한국어 노트입니다.", "", ["english: the translation is empty"]),
        ("한국어 노트입니다.", "This still has 한국어 in it.", ["english: the translation still contains Hangul"]),
    ],
)
def test_translation(note, english, expected):
    assert messages(check_translation(note, english)) == expected


def test_translation_length_bounds():
    assert messages(check_translation("짧은 노트네요.", "x" * 30, Bounds(english_max=20))) == [
        "english: 30 characters (expected at most 20)"
    ]


@pytest.mark.parametrize(
    ("tags", "new", "expected"),
    [
        (["rl", "reasoning"], [], []),
        (["object_detection"], [], []),
        ([], [], ["tags: no tags"]),
        (["world-model"], [], ["tags: #world-model is not in the vocabulary and not marked new"]),
        (["world-model"], ["world-model"], []),
        (["Long Context"], [], ["tags: #Long Context is not lower-case words joined by '-' or '_'"]),
        (["rl"] * 7, [], ["tags: 7 tags; the author rarely uses more than 6"]),
    ],
)
def test_tags(tags, new, expected):
    assert messages(check_tags(tags, new, {"rl", "reasoning", "object_detection"})) == expected


def test_tags_without_a_vocabulary_only_check_shape():
    assert check_tags(["anything-goes"], [], set()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("전혀 새로운 노트를 썼네요, 좋습니다.", []),
        (
            "SFT로 행동 양식을 주입하고 RL을 하는군요.",
            ["note: repeats the prompt or a past note: SFT로 행동 양식을 주입하고 RL을 하는군요."],
        ),
        (
            "Write the author's Korean note on this paper.",
            ["note: repeats the prompt or a past note: Write the author's Korean note on this paper."],
        ),
        ("짧은 말.", []),  # too short to call a copy
    ],
)
def test_copied(text, expected):
    from author_tui.core.checks import check_copied

    sources = [
        "SFT로 행동 양식을 주입하고  RL을 하는군요.",
        "Write the author's Korean note on this paper.",
        "짧은 말.",
    ]
    assert messages(check_copied("note", text, sources)) == expected


ABSTRACT = (
    "Gemini 2.5 Pro reaches 24% on the new benchmark. We extend the context window with rotary "
    "position interpolation. Code at https://example.org/rope."
)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("RoPE 보간으로 Long Context를 늘리는 방법이군요. 24%면 나쁘지 않네요.", []),
        ("Gemini 2.5 Pro의 Long Context 실험. https://example.org/rope 에 코드가 있네요.", []),
        (
            "An English note copied from the abstract, with only one 한 word.",
            ["note: mostly not Korean: 1 Hangul letters, 39 in Latin words"],
        ),
        ("This is not Korean at all, sadly.", ["note: the note contains no Hangul: it is not Korean"]),
        (
            "하나네요. 둘이네요. 셋이네요. 넷이네요.",
            ["note: 4 sentences (the author writes 1-3)"],
        ),
        ("소수점 2.5는 문장을 끊지 않네요. e.g. 이것도요.", []),
        (
            "긴 문맥을 다루는 논문인데 요약하면 the context window with rotary 방식으로 문맥을 늘리는 이야기군요.",
            ["note: copies the abstract word for word: the context window with rotary"],
        ),
        ("Classifier-free Guidance를 쓰는 긴 Context Window 방식이군요.", []),  # names, not a sentence
        (
            "Gemini 3.0은 48%를 달성했다고 하네요 (https://arxiv.org/abs/2501.00001).",
            ["note: not in the abstract: 3.0, 48%, https://arxiv.org/abs/2501.00001"],
        ),
    ],
)
def test_draft(note, expected):
    from author_tui.core.checks import check_draft

    assert messages(check_draft(note, ABSTRACT)) == expected


def test_a_draft_copying_an_example_note_names_it():
    from author_tui.core.checks import check_draft

    example = "Speculative Decoding에서 Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요."
    note = "이 논문도 Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요."
    assert messages(check_draft(note, ABSTRACT, [example])) == [
        "note: copies an example note word for word: Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요."
    ]


def test_a_draft_copying_the_abstract_and_an_example_is_unusable_for_the_example():
    from author_tui.core.checks import check_draft

    example = "Speculative Decoding에서 Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요."
    note = (
        "요약하자면 이 논문은 the context window with rotary 방식이고, "
        "뒷부분은 Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요."
    )
    warnings = check_draft(note, ABSTRACT, [example])
    assert messages(warnings) == [
        "note: copies the abstract word for word: the context window with rotary",
        "note: copies an example note word for word: Drafter를 Diffusion LM으로 교체한 시도군요 재미있네요.",
    ]
    assert [(w.unusable, w.from_example) for w in warnings] == [(False, False), (True, True)]


def test_a_run_the_example_shares_with_this_paper_is_not_a_copy_of_the_example():
    from author_tui.core.checks import check_draft

    # A similar past note names the same method as this paper: the words are this paper's too.
    example = "예전에도 the context window with rotary 보간을 썼었죠."
    note = (
        "긴 문맥을 다루는 방법인데 결국 the context window with rotary 보간이라는 이야기군요. "
        "길이 일반화가 어디까지 될지 궁금하네요."
    )
    warnings = check_draft(note, ABSTRACT, [example])
    assert messages(warnings) == ["note: copies the abstract word for word: the context window with rotary"]
    assert not any(w.from_example or w.unusable for w in warnings)


def test_a_draft_that_is_the_abstract_reworded_is_severe_and_the_papers_terms_alone_are_not():
    from author_tui.core.checks import check_draft, shared_grams

    reworded = (
        "Gemini 2.5 Pro가 새로운 벤치마크에서 24%에 도달했다고 하는 논문. "
        "그리고 rotary position 보간으로 문맥 길이를 늘렸습니다."
    )
    share = shared_grams(reworded, ABSTRACT)
    assert share > 0.2
    warnings = check_draft(reworded, ABSTRACT, abstract=ABSTRACT)
    assert [(w.message, w.severe) for w in warnings] == [
        (f"rewords the abstract: {share:.0%} of its 8-character runs are the abstract's", True)
    ]
    comment = "RoPE 보간으로 context window를 늘리는 방법이군요. 길이 일반화가 어디까지 될지 궁금하네요."
    assert 0 < shared_grams(comment, ABSTRACT) <= 0.2 and check_draft(comment, ABSTRACT, abstract=ABSTRACT) == []
    assert shared_grams("Context Window", "context window") == 0
    assert shared_grams("Context Window", "context window", fold_case=True) == 1


def test_a_draft_retyping_the_abstract_in_its_own_capitals_rewords_it_all_the_same():
    from author_tui.core.checks import check_draft, shared_grams

    # The abstract's words in title case: no 20-character run and under a fifth of its 8-grams case-sensitive.
    retyped = "Rotary Position Interpolation으로 The Context Window를 늘린 방법."
    share, any_case = shared_grams(retyped, ABSTRACT), shared_grams(retyped, ABSTRACT, fold_case=True)
    assert share <= 0.2 < 0.3 < any_case
    warnings = check_draft(retyped, ABSTRACT, abstract=ABSTRACT)
    assert [(w.message, w.severe, w.degree) for w in warnings] == [
        (f"rewords the abstract: {any_case:.0%} (case ignored) of its 8-character runs are the abstract's",
         True, any_case)
    ]
    # The paper's terms in the author's capitals inside a comment of its own are still fine.
    comment = "RoPE Interpolation으로 Context Window를 늘리는 방법이군요. 길이 일반화가 어디까지 될지 궁금하네요."
    assert shared_grams(comment, ABSTRACT, fold_case=True) <= 0.3
    assert check_draft(comment, ABSTRACT, abstract=ABSTRACT) == []


def test_only_not_being_in_the_language_is_severe():
    from author_tui.core.checks import badness, check_draft

    english = check_draft("This is not Korean at all, sadly.", ABSTRACT)
    three_small = check_draft("하나네요 3.0. 둘이네요 https://x.io 입니다. 셋이네요. 넷이네요.", ABSTRACT)
    assert [w.severe for w in english] == [True] and not any(w.severe for w in three_small)
    assert len(three_small) == 2 and badness(three_small) < badness(english)


def test_a_note_not_in_korean_is_worse_than_a_korean_one_with_several_severe_problems():
    from author_tui.core.checks import badness, check_draft

    english = check_draft("Position interpolation extends the context window, it seems.", ABSTRACT)
    korean = check_draft("시퀀encer의 学習이 인ference를 늘리는 방법이네요.", ABSTRACT)
    assert sum(w.severe for w in korean) == 2 and not any(w.unusable for w in korean)
    assert [w.unusable for w in english] == [True] and badness(korean) < badness(english)


def test_a_note_copying_an_example_is_as_unusable_as_one_not_in_korean():
    from author_tui.core.checks import check_draft

    example = "데이터의 규모가 저장 공간을 모두 채우는 시점이 되면 일반화가 시작된다고."
    borrowed = check_draft("Ring-lite는 저장 공간을 모두 채우는 시점이 되면 일반화가 시작된다고.", ABSTRACT, [example])
    copied = "긴 문맥을 다루는 논문인데 요약하자면 the context window with rotary 방식으로 늘린다는 이야기군요."
    from_abstract = check_draft(copied, ABSTRACT, [example], abstract=ABSTRACT)
    assert [w.unusable for w in borrowed] == [True]  # another paper's sentence
    assert [(w.severe, w.unusable) for w in from_abstract] == [(True, False)] * 2  # this paper's: copied, reworded


def test_keep_own_sentences_drops_copies_and_english_lines_but_never_everything():
    source = "We scale the rotary position embedding to extend the context window of a model."
    text = ("Scaling RoPE for Long Context Models. RoPE 스케일링의 장단점이 궁금하네요! "
            "rotary position embedding to extend the context 방식.")
    assert keep_own_sentences(text, [source]) == "RoPE 스케일링의 장단점이 궁금하네요!"
    assert keep_own_sentences("MoE 논문이군요. GRPO.", [source]) == "MoE 논문이군요. GRPO."  # a term, not a sentence
    assert keep_own_sentences("Only English here, all of it.", [source]) == "Only English here, all of it."
    assert split_sentences("첫째네요. 2.5배라니! 끝") == ["첫째네요.", "2.5배라니!", "끝"]


def test_a_sentence_said_twice_is_kept_once_where_it_first_stood():
    assert keep_own_sentences("루프네요. 루프네요. 루프네요!", []) == "루프네요."
    looped = "MoE 라우터네요. 다른 생각이군요. MoE 라우터네요."
    assert keep_own_sentences(looped, []) == "MoE 라우터네요. 다른 생각이군요."
    assert keep_own_sentences("한 줄이네요.\n두 줄이네요.", []) == "한 줄이네요.\n두 줄이네요."  # nothing dropped


def test_a_translation_handing_back_the_examples_english_is_severe():
    example = "Is it possible to add new skills with RL? This paper suggests it is possible if you did it well."
    note = "자연어 기반 부등식 증명 벤치마크."
    english = "A natural language benchmark. This paper suggests it is possible if you did it."
    leaked = check_translation(note, english, examples=[example])
    assert [(w.message, w.severe) for w in leaked] == [
        ("copies the example's English, not the note: This paper suggests it is possible if you did it", True)
    ]
    assert check_translation(note, "A benchmark of proving inequalities in natural language.", examples=[example]) == []
    # A stretch the note holds itself (a quoted English title, say) is the note's, not the example's.
    quoted = "'This paper suggests it is possible' 라는 제목이네요."
    assert check_translation(quoted, "Titled 'This paper suggests it is possible'.", examples=[example]) == []


def test_a_sentence_made_of_the_instructions_quoted_patterns_is_theirs_not_a_note():
    instructions = '당신은 논문을 매일 읽는 연구자입니다.\n- 첫 문장은 한 줄로 ("~에 대한 분석.", "~를 사용한 ~.").'
    echo = "~에 대한 분석. ~를 사용한 ~."  # as a 0.5B answered, the quotes dropped
    assert repeats_instructions(echo, instructions)
    assert repeats_instructions("당신은 논문을 매일 읽는 연구자입니다!", instructions)  # its letters are theirs
    assert not repeats_instructions("MoE 라우터에 대한 분석.", instructions)
    assert not repeats_instructions("~에 대한 분석.", "")  # no instructions, nothing to repeat
    own = "라우터 초기화가 흥미롭네요."
    assert keep_own_sentences(f"{echo}\n\n{own}", [], instructions) == own
    listed = instructions + "\n- 기술 용어는 영어 그대로 씁니다 (MoE, RoPE, RL, Long Context)."
    echoed = f"{own} 우리는 기술 용어를 영어로 쓰네요 (MoE, RoPE, RL, Long Context)."
    assert keep_own_sentences(echoed, [], listed) == own
    assert [w.message for w in check_draft(echo, "paper", instructions=instructions)][-1].startswith(
        "repeats the prompt's instructions"
    )


def test_three_sentences_and_an_unfinished_fourth_keep_three():
    assert first_sentences("하나네요. 둘이네요. 셋이네요. 넷은 잘린", 3) == "하나네요. 둘이네요. 셋이네요."


def test_a_last_sentence_cut_off_by_max_tokens_is_dropped_and_a_finished_one_is_not():
    assert first_sentences("하나네요. 둘은 잘린", 3) == "하나네요."
    assert first_sentences("학습됐네요. DeepSeek-Prover-V2는 671B 파라미터의 Large", 3) == "학습됐네요."
    assert first_sentences("하나네요. 둘도 끝났네요", 3) == "하나네요. 둘도 끝났네요"  # no period, yet finished
    assert first_sentences("하나네요. (https://example.org/x)", 3) == "하나네요. (https://example.org/x)"
    assert first_sentences("한 문장뿐인 잘린", 3) == "한 문장뿐인 잘린"  # nothing finished to keep instead


def test_a_closing_remark_about_the_answer_is_not_part_of_it():
    remark = "This translation maintains all URL, number, and Latin-script terms exactly as written."
    assert clean_answer(f"Orthogonal routers stay balanced.\n\n{remark}") == "Orthogonal routers stay balanced."
    assert clean_answer("Note the router.\n\nNote: kept 16B.") == "Note the router."
    assert clean_answer("First paragraph.\n\nNothing to strip here.") == "First paragraph.\n\nNothing to strip here."


def test_a_draft_caught_in_a_loop_repeats_itself():
    clause = "도구 사용을 학습하도록 인터프리터처럼 활용하는 대신, "
    looped = check_draft("RL로 " + clause * 4, "paper")
    assert any(w.severe and w.message.startswith("repeats itself: 도구 사용을") for w in looped)
    named = "Position Interpolation은 Position Interpolation과 달리 Position Interpolation을 넘어서네요."
    assert not any(w.message.startswith("repeats itself") for w in check_draft(named, "paper"))
