"""The retrieval index and the tag engine on a tiny hand-written archive: one behaviour per test."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.retrieval import SimilarityIndex, hangul_stem
from author_tui.core.tag_ranker import DEFAULT_COEF, Example, Ranker, fit_logistic
from author_tui.core.tag_vocab import near_duplicates, phrases_in, tag_phrase
from author_tui.core.tags import ScoredTag, TagEngine, TagParams, choose, spelling_shares
from tests.tags.archive import archive


@pytest.fixture(scope="module")
def docs() -> list[ArchiveDoc]:
    return archive()


@pytest.fixture(scope="module")
def engine(docs: list[ArchiveDoc]) -> TagEngine:
    return TagEngine.build(docs)


QUERIES = [  # (title, note, tag expected first)
    ("Fast object detection transformer with anchor free heads", "물체 검출.", "object-detection"),
    ("Diffusion image generation with fewer sampler steps", "확산 모델 이미지.", "diffusion"),
    ("Reinforcement learning improves math reasoning", "강화학습 추론.", "reasoning"),
    ("Language model pretraining data at scale", "언어 모델 데이터.", "llm"),
]


@pytest.mark.parametrize(("title", "note", "tag"), QUERIES)
def test_suggest_ranks_the_topic_tag_first(engine: TagEngine, title: str, note: str, tag: str) -> None:
    suggestion = engine.suggest(Entry(title=title, note=note))
    assert suggestion.candidates[0].tag == tag
    assert suggestion.chosen[0] == tag


def test_recent_tag_outranks_the_old_spelling_of_the_same_idea(engine: TagEngine) -> None:
    ranked = [c.tag for c in engine.suggest(Entry(title="Language model pretraining", note="언어 모델.")).candidates]
    assert ranked.index("llm") < _place(ranked, "language_model")
    detection = [c.tag for c in engine.suggest(Entry(title="Object detection heads")).candidates]
    assert detection.index("object-detection") < _place(detection, "object_detection")


def _place(ranked: list[str], tag: str) -> int:
    """Where a tag is in a ranking; past the end when the engine left it out."""
    return ranked.index(tag) if tag in ranked else len(ranked)


def test_suggestions_ignore_the_entry_current_tags(engine: TagEngine) -> None:
    plain = Entry(title="Latent diffusion for image generation", note="확산 모델.")
    mislabelled = plain.model_copy(update={"tags": ["object_detection", "rl"]})
    assert engine.suggest(plain) == engine.suggest(mislabelled)


def test_candidates_are_ranked_scored_and_chosen_from(engine: TagEngine) -> None:
    suggestion = engine.suggest(Entry(title="Reward models for reinforcement learning"))
    scores = [c.score for c in suggestion.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert 1 <= len(suggestion.chosen) <= engine.params.max_chosen
    assert set(suggestion.chosen) <= {c.tag for c in suggestion.candidates}
    assert len(suggestion.candidates) <= engine.params.candidates


@pytest.mark.parametrize("by", ["key", "link", "title"])
def test_an_archive_note_gives_itself_no_vote(docs: list[ArchiveDoc], by: str) -> None:
    own = ArchiveDoc(key="vault/own.md", entry=Entry(title="Grokking in small language model training",
                                                       note="언어 모델 그로킹.", tags=["grokking"],
                                                       link="https://arxiv.org/abs/2201.02177"))
    engine = TagEngine.build([*docs, own])
    column = engine.tags.index("grokking")
    asked = {
        "key": (own.entry.model_copy(update={"title": "Language model", "link": None}), own.key),
        "link": (own.entry.model_copy(update={"title": "Language model"}), None),
        "title": (own.entry.model_copy(update={"link": None}), None),
    }[by]
    alone = engine.signals(asked[0].model_copy(update={"link": None, "title": "Language model"}))
    assert alone["knn"][column] > 0 and alone["centroid"][column] > 0  # the probe can see it...
    excluded = engine.signals(*asked)
    assert excluded["knn"][column] == 0 and excluded["centroid"][column] == 0  # ...unless it is itself


def test_empty_archive_suggests_nothing() -> None:
    suggestion = TagEngine.build([]).suggest(Entry(title="Anything"))
    assert suggestion.candidates == [] and suggestion.chosen == []


def test_vocabulary_counts_tags(engine: TagEngine) -> None:
    assert engine.vocabulary["llm"] == 3
    assert engine.vocabulary["diffusion"] == 3
    assert "video" in engine.vocabulary


# --- retrieval -------------------------------------------------------------------------------------------


def test_similar_ranks_the_same_topic_first(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    found = index.similar(Entry(title="Anchor free object detection"), k=3)
    assert len(found) == 3
    assert all("detection" in d.entry.title.lower() for d, _ in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_similar_never_returns_the_excluded_key(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    target = docs[8]
    found = index.similar(target.entry.model_copy(update={"link": None, "title": "x"}), k=20, exclude=target.key)
    assert target.key not in [d.key for d, _ in found]
    assert len(found) == len(docs) - 1


@pytest.mark.parametrize(
    "update",
    [{"link": "https://arxiv.org/abs/2001.00008v2"}, {"title": "  denoising DIFFUSION image generation"}],
    ids=["same-arxiv-id", "same-title"],
)
def test_similar_skips_copies_of_the_same_paper(docs: list[ArchiveDoc], update: dict[str, str]) -> None:
    index = SimilarityIndex.build(docs)
    copy = Entry(title="Something else", note="확산 모델 이미지 생성.").model_copy(update=update)
    assert docs[8].key not in [d.key for d, _ in index.similar(copy, k=20)]


def test_similar_handles_k_zero_and_unknown_words(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    assert index.similar(Entry(title="detection"), k=0) == []
    assert [s for _, s in index.similar(Entry(title="zzz qqq"), k=2)] == [0.0, 0.0]


# --- vocabulary ------------------------------------------------------------------------------------------

NEAR_DUPLICATES = [  # (vocabulary, expected pairs: more used first)
    ({"object_detection": 5, "object-detection": 9}, [("object-detection", "object_detection")]),
    ({"language_model": 3, "lm": 7}, [("lm", "language_model")]),
    ({"tokenizer": 4, "tokenizers": 1}, [("tokenizer", "tokenizers")]),
    ({"positional_encoding": 2, "positional-encoding": 2}, [("positional-encoding", "positional_encoding")]),
    ({"rl": 9, "rlhf": 5, "reasoning": 8}, []),
    ({"loss": 2, "los": 1}, []),  # a word ending in 's' is not a plural of a 3-letter stem
]


@pytest.mark.parametrize(("counts", "pairs"), NEAR_DUPLICATES)
def test_near_duplicates(counts: dict[str, int], pairs: list[tuple[str, str]]) -> None:
    assert near_duplicates(Counter(counts)) == pairs


def test_engine_reports_near_duplicates_without_merging(engine: TagEngine) -> None:
    assert ("object-detection", "object_detection") in engine.near_duplicates()
    assert engine.vocabulary["object_detection"] == 1


@pytest.mark.parametrize(
    ("tag", "text", "found"),
    [
        ("scaling-law", "Scaling Laws for Neural LMs", True),
        ("reward_model", "we train a reward-model", True),
        ("rl", "Reinforcement learning (RL) for LLMs", True),
        ("rl", "control problems", False),
        ("vision-language", "language and vision", False),
    ],
)
def test_tag_phrase_lookup(tag: str, text: str, found: bool) -> None:
    assert (tag_phrase(tag) in phrases_in(text)) is found


# --- choice and ranker -----------------------------------------------------------------------------------

CHOICES = [  # (scores, threshold, max, chosen)
    ([0.9, 0.6, 0.3, 0.2], 0.25, 4, ["a", "b", "c"]),
    ([0.9, 0.6, 0.3, 0.2], 0.5, 4, ["a", "b"]),
    ([0.9, 0.8, 0.7, 0.6], 0.25, 2, ["a", "b"]),
    ([0.1, 0.05], 0.25, 4, ["a"]),  # at least one
    ([], 0.25, 4, []),
]


@pytest.mark.parametrize(("scores", "threshold", "most", "chosen"), CHOICES)
def test_choose(scores: list[float], threshold: float, most: int, chosen: list[str]) -> None:
    ranked = [ScoredTag(tag, s) for tag, s in zip("abcd", scores, strict=False)]
    assert choose(ranked, TagParams(threshold=threshold, max_chosen=most)) == chosen


def test_fit_logistic_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(400), rng.normal(size=400), rng.normal(size=400)])
    y = (x[:, 1] + 0.3 * rng.normal(size=400) > 0).astype(float)
    coef = fit_logistic(x, y)
    assert coef[1] > 2.0 and abs(coef[2]) < 0.5


def test_ranker_falls_back_to_defaults_with_too_few_examples() -> None:
    few = [Example(np.ones((3, len(DEFAULT_COEF))), np.array([0, 1, 2]), np.array([1.0, 0.0, 0.0]))]
    ranker = Ranker.learn(few, n_tags=3)
    assert not ranker.learned
    assert np.array_equal(ranker.coef, DEFAULT_COEF)


def test_ranker_learns_an_offset_for_a_habitual_tag_only() -> None:
    """Tag 0 is right far more often than its signals say; tag 2 is rare: only tag 0 gets an offset."""
    rng = np.random.default_rng(1)
    examples = []
    for _ in range(300):
        signal = rng.uniform(size=3)
        labels = np.array([rng.uniform() < 0.8, signal[1] > 0.7, False], dtype=float)
        features = np.column_stack([np.ones(3), signal])
        examples.append(Example(features, np.array([0, 1, 2]), labels))
    ranker = Ranker.learn(examples, n_tags=4, min_tag_positives=20)
    assert ranker.learned and ranker.tag_bias is not None
    assert ranker.tag_bias[0] > 1.0
    assert ranker.tag_bias[2] == 0.0 and ranker.tag_bias[3] == 0.0
    probabilities = ranker.probabilities(np.array([[1.0, 0.1], [1.0, 0.1]]), [0, 1])
    assert probabilities[0] > probabilities[1] + 0.3  # same signals, the habit decides


def test_spelling_shares_demote_the_spelling_no_longer_in_use() -> None:
    tags = ["image-generation", "image_generation", "lm", "language_model", "rl"]
    twins = [("image_generation", "image-generation"), ("lm", "language_model")]
    shares = spelling_shares(tags, twins, np.array([4.0, 1.0, 0.0, 0.0, 2.0]))
    # the spelling in use keeps its probability; the old one its share; a group nobody uses recently, alone
    assert shares.tolist() == [1.0, 0.25, 1.0, 1.0, 1.0]


def test_an_old_spelling_scores_below_its_share_of_the_recent_uses(engine: TagEngine) -> None:
    suggestion = engine.suggest(Entry(title="Object detection heads", note="물체 검출."))
    scores = {c.tag: c.score for c in suggestion.candidates}
    assert scores.get("object_detection", 0.0) < 0.05 < scores["object-detection"]


def test_a_training_note_sees_the_tag_counts_as_they_stood_before_it(engine: TagEngine) -> None:
    first = min(range(len(engine.docs)), key=lambda i: engine.docs[i].date or dt.date.min)
    entry = engine.docs[first].entry
    assert engine.signals(entry, leave_out=first)["prior"].max() == 0.0  # nothing was written before it
    assert engine.signals(entry)["prior"].max() == 1.0


@pytest.mark.parametrize(
    ("word", "stem"),
    [("이미지를", "이미지"), ("모델이", "모델"), ("데이터에서는", "데이터"), ("학습", "학습"), ("가는", "가는")]
    + [("것이", "것이")],  # a one-syllable stem says too little: kept whole
)
def test_hangul_stem_drops_a_trailing_particle(word: str, stem: str) -> None:
    assert hangul_stem(word) == stem


def test_a_korean_word_matches_across_particles(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    hits = index.similar(Entry(title="", note="확산을"), k=3)  # only the stem is shared with the archive
    assert hits and all("diffusion" in doc.entry.tags for doc, _ in hits)
