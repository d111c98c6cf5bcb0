"""The dual linear tag model: it separates topics, and its leave-one-out scores are those of a real refit."""

from __future__ import annotations

import numpy as np
import pytest

from author_tui.core.model import ArchiveDoc
from author_tui.core.retrieval import SimilarityIndex
from author_tui.core.tag_linear import LinearTagModel
from tests.tags.archive import archive


@pytest.fixture(scope="module")
def docs() -> list[ArchiveDoc]:
    return archive()


def labels(docs: list[ArchiveDoc], tags: list[str]) -> np.ndarray:
    return np.array([[tag in d.entry.tags for tag in tags] for d in docs], dtype=float)


def test_a_note_scores_highest_on_its_own_topic(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    tags = ["diffusion", "reasoning", "object-detection"]
    model = LinearTagModel.fit(index, range(len(docs)), labels(docs, tags), np.ones(len(docs)), l2=0.1)
    for i, tag in ((8, "diffusion"), (12, "reasoning"), (5, "object-detection")):
        scores = model.scores(index.scores(docs[i].entry, docs[i].key), leave_out=i)
        assert tags[int(np.argmax(scores))] == tag


@pytest.mark.parametrize("left_out", [0, 4, 9])
def test_leave_one_out_equals_refitting_without_the_note(docs: list[ArchiveDoc], left_out: int) -> None:
    index = SimilarityIndex.build(docs)
    y = labels(docs, ["llm", "diffusion", "rl"])
    weights = np.linspace(0.2, 1.0, len(docs))  # recency weights enter the penalty; the identity must hold
    full = LinearTagModel.fit(index, range(len(docs)), y, weights, l2=0.3)
    others = [i for i in range(len(docs)) if i != left_out]
    refit = LinearTagModel.fit(index, others, y[others], weights[others], l2=0.3)
    query = docs[(left_out + 1) % len(docs)].entry
    sims = index.scores(query)
    np.testing.assert_allclose(full.scores(sims, leave_out=left_out), refit.scores(sims), atol=1e-9)


def test_no_training_notes_scores_zero(docs: list[ArchiveDoc]) -> None:
    index = SimilarityIndex.build(docs)
    model = LinearTagModel.fit(index, [], np.zeros((0, 2)), np.zeros(0), l2=0.1)
    assert model.scores(index.scores(docs[0].entry)).tolist() == [0.0, 0.0]
