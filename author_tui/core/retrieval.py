"""Find the author's past notes most similar to a new entry: few-shot examples for drafting, votes for tags.

Why this shape: each note becomes a sparse vector of words (English words, word pairs, and Korean words
as written) with sublinear tf x idf, L2-normalised; a query is scored against every note at once through
a column-major postings array and `numpy.bincount`, so one query costs a millisecond or two on 3,500
notes without scipy or scikit-learn. Character n-grams (to match Korean stems across particles) were
measured on the archive's time split (bench/tags.py) and did not pay for their 4x cost; stripping the
common particles does the same job for a few more features per note (val F1 0.550 -> 0.557, R@3 +0.009).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from author_tui.core.model import ArchiveDoc, Entry

LATIN_WORD = re.compile(r"[a-z][a-z0-9]*|[0-9]+[a-z]+[a-z0-9]*")
HANGUL_WORD = re.compile(r"[\uac00-\ud7af]+")
# Korean particles the author's notes attach to nouns, longest first.
PARTICLES = ("에서는", "이라는", "으로", "에서", "에게", "까지", "부터", "처럼", "보다", "라는", "에는",
             "을", "를", "이", "가", "은", "는", "의", "에", "로", "와", "과", "도", "만")  # fmt: skip
URL = re.compile(r"https?://\S+")
# Field weights: the title and abstract say what the paper is; the note says what the author saw in it.
FIELD_WEIGHTS = (("title", 2), ("abstract", 1), ("note", 1), ("english", 1))
# Features in more than this share of documents carry no signal and only slow the postings walk.
MAX_DF_SHARE = 0.5


def entry_features(entry: Entry) -> Counter[str]:
    """Weighted term counts of an entry: words and adjacent English word pairs, per field."""
    counts: Counter[str] = Counter()
    for field, weight in FIELD_WEIGHTS:
        features = _text_features(URL.sub(" ", getattr(entry, field)).lower())
        for _ in range(weight):  # Counter.update runs in C; a weight is a repeat count
            counts.update(features)
    return counts


def _text_features(text: str) -> list[str]:
    latin = LATIN_WORD.findall(text)
    # Word pairs keep phrases ("reward model", "flow matching") apart from their words' other uses.
    pairs = [f"{a}_{b}" for a, b in zip(latin, latin[1:], strict=False)]
    hangul = HANGUL_WORD.findall(text)
    # Each Korean word also as its stem, marked apart, so `모델을` and `모델이` meet at `~모델`.
    return latin + pairs + hangul + [f"~{hangul_stem(w)}" for w in hangul]


def hangul_stem(word: str) -> str:
    """A Korean word without its trailing particle (`이미지를` -> `이미지`); one-syllable stems are kept whole."""
    for suffix in PARTICLES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class SparseVector:
    """A document or query as parallel arrays of feature ids and weights."""

    ids: np.ndarray
    weights: np.ndarray


class Vectorizer:
    """Maps an entry to a sublinear tf-idf vector over the vocabulary seen at build time."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = idf

    @classmethod
    def fit(cls, feature_counts: Sequence[Counter[str]]) -> Vectorizer:
        df: Counter[str] = Counter()
        for counts in feature_counts:
            df.update(counts.keys())
        n = len(feature_counts)
        limit = max(2, MAX_DF_SHARE * n)
        kept = sorted(f for f, d in df.items() if d >= 2 and d <= limit) if n > 4 else sorted(df)
        vocabulary = {feature: i for i, feature in enumerate(kept)}
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept], dtype=np.float32)
        return cls(vocabulary, idf)

    def vector(self, counts: Counter[str]) -> SparseVector:
        ids = np.fromiter(map(self.vocabulary.get, counts, repeat(-1)), np.int64, len(counts))
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        known = ids >= 0
        ids, tf = ids[known], tf[known]
        if ids.size == 0:
            return SparseVector(np.zeros(0, np.int64), np.zeros(0, np.float32))
        weights = (1.0 + np.log(tf)) * self.idf[ids]
        return SparseVector(ids, (weights / np.linalg.norm(weights)).astype(np.float32))


class Postings:
    """Column-major (feature -> documents) store of document vectors, for scoring a query against all."""

    def __init__(self, vectors: Sequence[SparseVector], n_features: int) -> None:
        self.n_docs = len(vectors)
        empty = [SparseVector(np.zeros(0, np.int64), np.zeros(0, np.float32))]
        vectors = list(vectors) or empty
        rows = np.repeat(np.arange(len(vectors), dtype=np.int32), [len(v.ids) for v in vectors])
        cols = np.concatenate([v.ids for v in vectors]).astype(np.int64)
        vals = np.concatenate([v.weights for v in vectors]).astype(np.float32)
        order = np.argsort(cols, kind="stable")
        self.rows, self.vals = rows[order], vals[order]
        self.starts = np.searchsorted(cols[order], np.arange(n_features + 1))

    def scores(self, query: SparseVector) -> np.ndarray:
        """Cosine similarity of the query with every document (both sides are unit vectors)."""
        starts, ends = self.starts[query.ids], self.starts[query.ids + 1]
        offsets = ragged_ranges(starts, ends)
        if offsets.size == 0:
            return np.zeros(self.n_docs, np.float64)
        weights = self.vals[offsets] * np.repeat(query.weights, ends - starts)
        return np.bincount(self.rows[offsets], weights=weights, minlength=self.n_docs)


def ragged_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of range(starts[i], ends[i]) for every i, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)


def paper_keys(entry: Entry) -> set[str]:
    """What identifies a paper across files: its arXiv id, its link, its title ignoring case."""
    keys = {f"title:{entry.title.strip().lower()}"} if entry.title.strip() else set()
    if entry.arxiv_id:
        keys.add(f"arxiv:{entry.arxiv_id}")
    if entry.link:
        keys.add(f"link:{entry.link}")
    return keys


class SimilarityIndex:
    """The archive, vectorised once; `similar` ranks past notes by cosine similarity to an entry."""

    def __init__(self, docs: Sequence[ArchiveDoc], vectorizer: Vectorizer, vectors: list[SparseVector]) -> None:
        self.docs = list(docs)
        self.vectorizer = vectorizer
        self.vectors = vectors
        self.postings = Postings(vectors, len(vectorizer.vocabulary))
        self._positions = {doc.key: i for i, doc in enumerate(self.docs)}
        self._papers: dict[str, list[int]] = {}
        for i, doc in enumerate(self.docs):
            for key in paper_keys(doc.entry):
                self._papers.setdefault(key, []).append(i)

    @classmethod
    def build(cls, docs: Sequence[ArchiveDoc]) -> SimilarityIndex:
        counts = [entry_features(doc.entry) for doc in docs]
        vectorizer = Vectorizer.fit(counts)
        return cls(docs, vectorizer, [vectorizer.vector(c) for c in counts])

    def scores(self, entry: Entry, exclude: str | None = None) -> np.ndarray:
        """Similarity with every doc; the excluded doc and copies of the same paper score -inf."""
        scores = self.postings.scores(self.vectorizer.vector(entry_features(entry)))
        for position in self._excluded(entry, exclude):
            scores[position] = -np.inf
        return scores

    def similar(self, entry: Entry, k: int, exclude: str | None = None) -> list[tuple[ArchiveDoc, float]]:
        """The k most similar past notes, best first, never the excluded key nor the same paper."""
        scores = self.scores(entry, exclude)
        return [(self.docs[i], float(scores[i])) for i in top_k(scores, k)]

    def position(self, key: str | None) -> int | None:
        """Where the note with this key sits in `docs` (None: not indexed)."""
        return self._positions.get(key) if key is not None else None

    def _excluded(self, entry: Entry, exclude: str | None) -> list[int]:
        positions = [self._positions[exclude]] if exclude in self._positions else []
        return positions + [i for key in paper_keys(entry) for i in self._papers.get(key, [])]


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest finite scores, best first (ties by position, so results are stable)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if k <= 0 or finite.size == 0:
        return []
    k = min(k, finite.size)
    candidates = finite[np.argpartition(-scores[finite], k - 1)[:k]]
    return sorted(candidates.tolist(), key=lambda i: (-scores[i], i))
