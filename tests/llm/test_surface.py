"""The author's surface style on a small model's draft: the register of the endings, the case of Latin words."""

from __future__ import annotations

from collections import Counter

import pytest

from author_tui.core.surface import EnglishSpelling, Spelling, casual_endings


@pytest.mark.parametrize(
    ("formal", "casual"),
    [
        ("성능이 좋습니다.", "성능이 좋네요."),  # ~습니다 on a present stem: ~네요
        ("길이를 줄였습니다.", "길이를 줄였군요."),  # a past tense: ~군요, as the author's "높였군요"
        ("할 수 있습니다. 좋겠습니다.", "할 수 있네요. 좋겠네요."),  # but 있 and 겠 take ~네요
        ("방법을 제안합니다.", "방법을 제안하네요."),  # ~ㅂ니다: the ㅂ comes off the syllable
        ("새 모델입니다. 빨라집니다!", "새 모델이네요. 빨라지네요!"),
        ("좋은 아이디어입니다.", "좋은 아이디어네요."),  # after a vowel the copula's 이 goes
        ("모델을 만듭니다", "모델을 만드네요"),  # the end of the text ends a sentence too
        # not the end of a sentence
        ("무엇입니까? 그렇습니다만 아닙니다, 그리고", "무엇입니까? 그렇습니다만 아닙니다, 그리고"),
        ("Sparse Attention이네요.", "Sparse Attention이네요."),  # already the author's
    ],
)
def test_formal_endings_take_the_authors_register(formal, casual):
    assert casual_endings(formal) == casual


def test_latin_words_are_capitalized_unless_the_author_writes_them_in_lower_case():
    spelling = Spelling.of_notes(["Chain of Thought를 쓰는군요.", "o1 vs o3 비교네요.", "Cold Start가 문제네요."])
    assert spelling.apply("long chain of thought와 cold-start 문제, o1 vs GPT") == (
        "Long Chain of Thought와 Cold-Start 문제, o1 vs GPT"
    )
    # Left as they are: a URL, a file name, a LaTeX command, a mixed-case name, a word spliced into Hangul
    # (the author is shown it as the model wrote it), "e.g.", a possessive's "s".
    kept = "https://github.com/a/b train.py Tanh(\\alpha) mHC 인ference e.g. Chinchilla's Law에서"
    assert spelling.apply(kept) == kept
    # An English sentence is prose, not the author's terms: only the Korean sentence's words change.
    assert spelling.apply("Verifiers are crucial for scaling. cold start가 문제네요.") == (
        "Verifiers are crucial for scaling. Cold Start가 문제네요."
    )


def test_without_the_authors_notes_every_lower_case_word_is_capitalized():
    assert Spelling(Counter(), Counter()).apply("masked diffusion의 refinement") == "Masked Diffusion의 Refinement"


def test_a_translations_capitalized_terms_take_the_case_the_authors_english_gives_them():
    spelling = EnglishSpelling.of_translations(
        ["It combines layer norm with post norm, as Qwen did.", "Layer norm: a reward model by Qwen.", "The top k."]
    )
    assert spelling.apply("Layer Norm with a Reward Model, as Qwen uses Post Norm and the Top K.") == (
        "Layer norm with a reward model, as Qwen uses post norm and the top K."  # "Layer" starts the sentence
    )
    # Left as they are: a word the author never wrote, an acronym, a mixed-case name, a URL, a file name, and
    # a word where a sentence (or a parenthesis) starts; a capital letter on its own ("K") is a name.
    kept = "It uses Gather Heads in RL, like LLaDA (https://x.org/Reward) and Reward.py. Norm. (Reward)"
    assert spelling.apply(kept) == kept


def test_without_the_authors_translations_the_english_is_left_as_written():
    text = "Applies Layer Norm to the Reward Model."
    assert EnglishSpelling(Counter(), Counter()).apply(text) == text
