"""A one-vs-rest linear classifier per tag over the notes' tf-idf vectors, learned in its dual (kernel) form.

Why a linear model beside the neighbour vote: kNN only looks at the few closest notes, while a linear model
weighs every word by how well it separates a tag's notes from the rest (what made a LinearSVC the best
single signal tried on this archive). Why the dual form: the primal needs a features x tags weight matrix
(~30,000 x 400) and a sparse matrix product per step, too slow without scipy; the dual only needs the
cosine similarities between notes, which the index already computes (one postings pass per note), and a
query's score is then its similarity row times a notes x tags matrix: a fraction of a millisecond.

The loss is squared (a regularised least-squares classifier: one linear solve for every tag at once) and
each note is weighted by recency, so the author's current habits (`llm` over `lm`) win. The same solve
gives exact leave-one-out scores (the ranker learns from the archive's own notes as if they were new):
without note p, alpha becomes alpha - G^-1[:, p] alpha_p / G^-1[p, p].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from author_tui.core.retrieval import SimilarityIndex


class LinearTagModel:
    """Scores every tag for a query from its similarities to the model's training notes."""

    def __init__(self, rows: np.ndarray, alpha: np.ndarray, inverse: np.ndarray) -> None:
        self.rows = rows  # positions in the index of the notes the model was fitted on
        self.alpha = alpha  # len(rows) x tags: the dual coefficients
        self.inverse = inverse  # (K + l2 / weights)^-1, for exact leave-one-out
        self._slot = np.full(int(rows.max()) + 1 if rows.size else 0, -1, dtype=np.int64)
        self._slot[rows] = np.arange(rows.size)

    @classmethod
    def fit(
        cls, index: SimilarityIndex, rows: Sequence[int], labels: np.ndarray, weights: np.ndarray, l2: float
    ) -> LinearTagModel:
        """Least squares on 0/1 labels (rows x tags), each row weighted, ridge `l2` on the dual norm."""
        positions = np.asarray(rows, dtype=np.int64)
        if positions.size == 0:
            return cls(positions, np.zeros((0, labels.shape[1])), np.zeros((0, 0)))
        gram = np.vstack([index.postings.scores(index.vectors[i])[positions] for i in positions])
        inverse = np.linalg.inv(gram + np.diag(l2 / np.maximum(weights, 1e-6)))
        return cls(positions, inverse @ labels, inverse)

    def scores(self, sims: np.ndarray, leave_out: int | None = None) -> np.ndarray:
        """Each tag's score for a query whose similarities to the indexed notes are `sims`.

        Excluded notes (-inf) contribute nothing; `leave_out` (an index position) is also taken out of the
        fit itself, exactly, so an archive note is scored as if the model had never seen it."""
        row = sims[self.rows]
        row = np.where(np.isfinite(row), row, 0.0)
        slot = self._slot[leave_out] if leave_out is not None and leave_out < self._slot.size else -1
        if slot < 0:
            return _times(row, self.alpha)
        row[slot] = 0.0
        column = self.inverse[:, slot]
        return _times(row, self.alpha) - (float(row @ column) / column[slot]) * self.alpha[slot]


def _times(row: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """row @ matrix in numpy's own loop: a BLAS call here wakes its threads, and on a busy machine waiting
    for them cost 10-20 ms per query instead of 0.3 ms."""
    return np.einsum("i,ij->j", row, matrix)
