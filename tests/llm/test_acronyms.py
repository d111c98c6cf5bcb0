"""A draft's acronyms as the author writes them (core.acronyms)."""

from __future__ import annotations

import pytest

from author_tui.core.acronyms import Acronyms, definitions

ABSTRACT = (
    "We study masked diffusion models (MDMs) trained with Reinforcement Learning (RL) and Chain-of-Thought (CoT) "
    "prompts, in large language models (LLMs) with Multi-head Latent Attention (MLA) and Mixture-of-Experts (MoE), "
    "scored by reward models (RMs), sampled by Generative Flow Networks (GFlowNets)."
)
# The author's notes: these acronyms written as acronyms, "Reward Model" spelled out, "FLOPs" in the plural.
AUTHOR = Acronyms.of_notes(
    [
        "MDM으로 RL을 하는군요. CoT와 LLM, MLA, GFlowNets.",
        "MoE 라우터를 바꾼 방법이네요. Reward Model을 학습시켰군요. Reward Model이 문제죠.",
        "FLOPs를 줄였네요. FLOPs 대비 성능. RM. https://x.org/Multi-head-Latent-Attention",
    ]
)


def test_an_abstracts_acronyms_are_read_with_the_words_that_spell_them():
    assert definitions(ABSTRACT) == {
        "masked diffusion models": "MDM",  # plural in the abstract, singular as the author writes it
        "Reinforcement Learning": "RL",
        "Chain-of-Thought": "CoT",  # "of" is skipped, not "Thought" alone
        "large language models": "LLM",  # not "language models", whose initials are L, M
        "Multi-head Latent Attention": "MLA",  # "head" is skipped
        "Mixture-of-Experts": "MoE",
        "reward models": "RM",
        "Generative Flow Networks": "GFlowNets",  # not a plural of capitals: as the abstract writes it
    }
    assert definitions("A model (ours) and the Value (V) of (AB)") == {}  # no acronym its words spell


@pytest.mark.parametrize(
    ("drafted", "written"),
    [
        ("Masked Diffusion Models는 흥미롭네요.", "MDM은 흥미롭네요."),  # the particle follows the acronym's sound
        ("masked diffusion model (MDM)를 쓴 Chain of Thought.", "MDM을 쓴 CoT."),
        ("MDMs와 reinforcement learning으로 학습.", "MDM과 RL로 학습."),  # R is 알: 로, not 으로
        ("Large Language Models로 mixture-of-experts가 있네요.", "LLM으로 MoE가 있네요."),
        ("Multi-Head Latent Attention이군요", "MLA이군요"),  # 이 before 군요 is not a particle here
        ("Generative Flow Networks은", "GFlowNets은"),  # after a lower-case letter the model's particle stays
        ("LLMs와 VLMs를 쓴 Eso-LMs", "LLM과 VLM을 쓴 Eso-LMs"),  # a plural acronym in the singular, not in a name
        # The author's own habit: "Reward Model" spelled out, "FLOPs" in the plural.
        ("Reward Models를 FLOPs로", "Reward Models를 FLOPs로"),
        # Left as written: a URL, another word than the long form.
        ("https://x.org/Masked-Diffusion-Models 참고", "https://x.org/Masked-Diffusion-Models 참고"),
        ("Reinforcement Learner 또는 DPO를", "Reinforcement Learner 또는 DPO를"),
    ],
)
def test_a_drafts_acronyms_are_written_as_the_author_writes_them(drafted, written):
    assert AUTHOR.apply(drafted, ABSTRACT) == written


def test_without_the_authors_notes_only_plural_acronyms_change():
    unknown = Acronyms.of_notes([])
    assert unknown.apply("Masked Diffusion Models는 LLMs를", ABSTRACT) == "Masked Diffusion Models는 LLM을"
