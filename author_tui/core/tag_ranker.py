"""Turn a candidate tag's signals into the probability that the author would write it.

A fixed blend of kNN votes, centroid similarity, lexical match and recency prior ranks well enough to pick
a pool of candidates, but how much each signal counts (and how sure a score of 0.4 is) depends on the
archive. So the engine learns it from the archive itself: each of the most recent notes is suggested for
with itself left out, its pool's signals become rows, its real tags the labels, and an L2-regularised
logistic regression (Newton steps; sixteen features, a few thousand rows: milliseconds) is fitted. The output
is a probability, which is what makes a fixed choice threshold mean the same thing on any archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEATURES = (
    "bias", "knn", "knn_share_of_top", "centroid", "centroid_share_of_top",
    "in_title", "in_text", "prior", "log_rank", "is_first", "voters", "recent", "with_first",
    "linear", "linear_share_of_top", "rising",
)  # fmt: skip
# Used when the archive is too small to learn from (tests, a new author); fitted on the author's archive
# before the validation cut (bench/tags.py --split val --ranker-coef) and rounded.
DEFAULT_COEF = np.array([-2.0, 2.4, 1.2, -2.0, -1.4, 1.5, 1.1, -1.4, -0.8, -1.2, 2.2, -0.5, 0.2, 2.6, 1.8, 0.5])
MIN_POSITIVES = 30
L2 = 1.0
NEWTON_STEPS = 25


def candidate_features(signals: dict[str, np.ndarray], pool: Sequence[int]) -> np.ndarray:
    """One row per pooled tag (pool order is rank order), columns as in FEATURES."""
    idx = np.asarray(pool, dtype=np.int64)
    knn, centroid = signals["knn"], signals["centroid"]
    lexical = signals["lexical"][idx]
    rank = np.arange(len(idx), dtype=np.float64)
    return np.column_stack([
        np.ones(len(idx)),
        knn[idx],
        knn[idx] / max(float(knn.max()), 1e-12),
        centroid[idx],
        centroid[idx] / max(float(centroid.max()), 1e-12),
        lexical == 2.0,
        lexical == 1.0,
        signals["prior"][idx],
        np.log1p(rank),
        rank == 0,
        signals["voters"][idx],
        signals["recent"][idx],
        signals["with_first"][idx] * (rank > 0),
        signals["linear"][idx],
        signals["linear"][idx] / max(float(signals["linear"].max()), 1e-12),
        # rising: tagged lately more than over the longer past (`reasoning` in late 2024, `rl` in 2025)
        np.log((signals["recent"][idx] + 0.01) / (signals["prior"][idx] + 0.01)),
    ]).astype(np.float64)  # fmt: skip


@dataclass(frozen=True)
class Example:
    """One note's candidate pool as the ranker learns from it."""

    features: np.ndarray  # rows as candidate_features
    tags: np.ndarray  # the pooled tags' indices
    labels: np.ndarray  # 1.0 where the author did write the tag


@dataclass(frozen=True)
class Ranker:
    coef: np.ndarray
    # Per-tag offsets for tags common enough in the examples: the author's habits the signals miss
    # (a tag put on almost every paper of a kind, or one the neighbours over-vote). Indexed by tag.
    tag_bias: np.ndarray | None = None
    learned: bool = False  # False: the defaults (too few examples to learn from)

    @classmethod
    def learn(cls, examples: Sequence[Example], n_tags: int, min_tag_positives: int = 0) -> Ranker:
        if not examples:
            return cls(DEFAULT_COEF)
        x = np.vstack([e.features for e in examples])
        y = np.concatenate([e.labels for e in examples])
        if y.sum() < MIN_POSITIVES or (len(y) - y.sum()) < MIN_POSITIVES:
            return cls(DEFAULT_COEF)
        tags = np.concatenate([e.tags for e in examples])
        positives = np.bincount(tags, weights=y, minlength=n_tags)
        biased = np.flatnonzero(positives >= min_tag_positives) if min_tag_positives > 0 else np.zeros(0, int)
        column = np.full(n_tags, -1)
        column[biased] = np.arange(len(biased))
        onehot = np.zeros((len(y), len(biased)))
        rows = np.flatnonzero(column[tags] >= 0)
        onehot[rows, column[tags[rows]]] = 1.0
        coef = fit_logistic(np.hstack([x, onehot]), y)
        tag_bias = np.zeros(n_tags)
        tag_bias[biased] = coef[x.shape[1] :]
        return cls(coef[: x.shape[1]], tag_bias, learned=True)

    def probabilities(self, features: np.ndarray, tags: Sequence[int]) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        logits = features @ self.coef
        if self.tag_bias is not None:
            logits = logits + self.tag_bias[np.asarray(tags, dtype=np.int64)]
        return _sigmoid(logits)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = NEWTON_STEPS) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (the bias is regularised too: harmless here)."""
    coef = np.zeros(x.shape[1])
    ridge = l2 * np.eye(x.shape[1])
    for _ in range(steps):
        p = _sigmoid(x @ coef)
        gradient = x.T @ (p - y) + l2 * coef
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-4:  # far below what changes a ranking
            break
    return coef


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
