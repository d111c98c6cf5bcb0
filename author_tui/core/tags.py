"""The tag engine: the author's tag vocabulary, its near-duplicates, and ranked, calibrated tag suggestions.

The vocabulary grew over six years and drifted (`object_detection` in 2020, `vision-language` in 2024), so
every signal is weighted by recency: a past note counts `0.5 ** (age / half_life)`, age measured from the
newest note in the archive (no wall clock). For each tag the engine computes, from one similarity pass:
- knn: the similarity-weighted vote of the k most similar past notes (what the author wrote on them);
- centroid: the cosine between the entry and the recency-weighted sum of the notes carrying the tag;
- lexical: whether the tag's own words occur in the title or the text (`reasoning`, `scaling laws`);
- prior: how much the tag is in use lately;
- linear: a one-vs-rest linear classifier over the notes' tf-idf vectors (tag_linear.py), which weighs every
  word by how well it separates a tag's notes from the rest, where kNN only sees the closest few.
A fixed blend of these picks the candidates; a small logistic regression (tag_ranker.py), learned at build
time from the archive's own most recent notes (each left out of its own vote), turns each candidate's
signals, plus an offset for the author's habitual tags, into a probability. The chosen tags are those
above a probability threshold (at least one): a calibrated number per entry. A tag the author has since
renamed (`image_generation` -> `image-generation`) keeps only its share of its spellings' recent uses.
The knobs were set on a validation split before the test split (bench/tags.py).
Suggestions never look at the entry's current tags.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.retrieval import SimilarityIndex, ragged_ranges, top_k
from author_tui.core.tag_linear import LinearTagModel
from author_tui.core.tag_ranker import Example, Ranker, candidate_features
from author_tui.core.tag_vocab import near_duplicates, phrases_in, tag_phrase


@dataclass(frozen=True)
class TagParams:
    """The engine's knobs; the defaults are the values chosen on the validation split (bench/tags.py)."""

    k: int = 40  # neighbours that vote
    sim_power: float = 2.0  # sharpen votes: a close neighbour counts much more than a loose one
    half_life_days: float = 540.0  # recency weighting of past notes
    trend_half_life_days: float = 45.0  # what the author tags lately (a ranker feature)
    lexical_weight: float = 0.4  # in the candidate blend: the tag's words appear in the text
    prior_weight: float = 0.05  # in the candidate blend: tags in use lately
    pool: int = 30  # candidates the ranker rescores
    threshold: float = 0.25  # choose every candidate at least this likely...
    max_chosen: int = 4  # ...up to this many (the author rarely writes more)
    candidates: int = 10  # how many ranked candidates a suggestion shows
    ranker_docs: int = 800  # the most recent notes the ranker learns from (leave-one-out)
    min_tag_positives: int = 20  # a tag this often right among them gets its own offset (0: none)
    linear_docs: int = 1500  # the most recent notes the linear model is fitted on (its cost grows as n^3)
    linear_l2: float = 0.1  # its ridge penalty
    linear_half_life_days: float = 365.0  # its recency weighting of training notes
    linear_weight: float = 1.0  # in the candidate blend: the linear model's score


@dataclass(frozen=True)
class ScoredTag:
    tag: str
    score: float  # the ranker's probability that the author would write this tag


@dataclass(frozen=True)
class TagSuggestion:
    candidates: list[ScoredTag] = field(default_factory=list)  # best first
    chosen: list[str] = field(default_factory=list)


class TagEngine:
    """Built once from the archive; `suggest` is one similarity pass plus a few array operations."""

    def __init__(self, docs: Sequence[ArchiveDoc], params: TagParams) -> None:
        self.params = params
        self.docs = [doc for doc in docs if doc.entry.tags]
        self.vocabulary: Counter[str] = Counter(tag for doc in self.docs for tag in doc.entry.tags)
        self.tags = sorted(self.vocabulary)
        self.index = SimilarityIndex.build(self.docs)
        self._recency = _recency_weights(self.docs, params.half_life_days)
        self._members = Membership(self.docs, self.tags)
        self._centroid_norms = _centroid_norms(self.index, self._members, self._recency)
        self._trend = _recency_weights(self.docs, params.trend_half_life_days)
        self._prior_sums = self._members.per_tag(self._recency)
        self._days = np.array([(doc.date or dt.date.min).toordinal() for doc in self.docs])
        self._trend_sums = self._members.per_tag(self._trend)
        self._together = self._members.together(self._recency)
        column = {tag: j for j, tag in enumerate(self.tags)}
        self._doc_tags = [np.array([column[t] for t in doc.entry.tags]) for doc in self.docs]
        self._phrases = [tag_phrase(tag) for tag in self.tags]
        self.linear = self._fit_linear()
        self._spelling = spelling_shares(self.tags, self.near_duplicates(), self._trend_sums)
        self.ranker = Ranker.learn(self._training_examples(), len(self.tags), params.min_tag_positives)

    @classmethod
    def build(cls, docs: Sequence[ArchiveDoc], params: TagParams | None = None) -> TagEngine:
        return cls(docs, params or TagParams())

    def near_duplicates(self) -> list[tuple[str, str]]:
        """Tag pairs that look like one tag written two ways; reported for the author, never merged."""
        return near_duplicates(self.vocabulary)

    def suggest(self, entry: Entry, exclude: str | None = None) -> TagSuggestion:
        """Ranked candidate tags and a calibrated choice, from the entry's text only (not its tags)."""
        if not self.tags:
            return TagSuggestion()
        pool, features = self.candidates(entry.model_copy(update={"tags": []}), exclude)
        # A tag the author now spells another way is worth only its share of the recent uses.
        probabilities = self.ranker.probabilities(features, pool) * self._spelling[pool]
        order = sorted(range(len(pool)), key=lambda i: (-probabilities[i], i))
        ranked = [ScoredTag(self.tags[pool[i]], round(float(probabilities[i]), 4)) for i in order]
        return TagSuggestion(ranked[: self.params.candidates], choose(ranked, self.params))

    def candidates(
        self, entry: Entry, exclude: str | None = None, leave_out: int | None = None
    ) -> tuple[list[int], np.ndarray]:
        """The pool of likely tags (indices into `self.tags`, best blend first) and their features.

        `leave_out` (a position in `self.docs`) also takes that note out of the tag counts: how the ranker
        sees its training notes as if they were new."""
        signals = self.signals(entry, exclude, leave_out)
        blend = (
            _by_max(signals["knn"])
            + self.params.linear_weight * _by_max(np.clip(signals["linear"], 0.0, None))
            + _by_max(signals["centroid"])
            + self.params.prior_weight * signals["prior"]
            + self.params.lexical_weight * (signals["lexical"] > 0) * np.sqrt(signals["prior"])
        )
        pool = top_k(blend, self.params.pool)
        if pool:  # how often each tag goes with the pool's first tag
            signals["with_first"] = self._with(pool[0], leave_out)
        return pool, candidate_features(signals, pool)

    def _with(self, first: int, leave_out: int | None) -> np.ndarray:
        row = self._together[first].copy()
        if leave_out is not None and first in self._doc_tags[leave_out]:
            row[self._doc_tags[leave_out]] -= self._recency[leave_out]
        return row / row[first] if row[first] > 1e-12 else np.zeros_like(row)

    def _counts(self, sums: np.ndarray, weights: np.ndarray, leave_out: int | None) -> np.ndarray:
        if leave_out is not None:  # as the author's habits stood the day before that note
            sums = self._members.per_tag(weights * (self._days < self._days[leave_out]))
        return _by_max(np.clip(sums, 0.0, None))

    def signals(
        self, entry: Entry, exclude: str | None = None, leave_out: int | None = None
    ) -> dict[str, np.ndarray]:
        """Each signal for every tag: neighbour votes, centroid cosine, lexical match, recency prior."""
        sims = self.index.scores(entry, exclude)
        weighted = np.where(np.isfinite(sims), np.clip(sims, 0.0, None), 0.0) * self._recency
        neighbours = top_k(sims, self.params.k)
        votes = np.zeros(len(self.docs))
        votes[neighbours] = weighted[neighbours] ** self.params.sim_power
        voters = np.zeros(len(self.docs))
        voters[neighbours] = 1.0 / max(len(neighbours), 1)
        return {
            "knn": self._members.per_tag(votes) / max(float(votes.sum()), 1e-12),
            "voters": self._members.per_tag(voters),
            "recent": self._counts(self._trend_sums, self._trend, leave_out),
            "centroid": self._members.per_tag(weighted) / self._centroid_norms,
            "lexical": self._lexical(entry),
            "prior": self._counts(self._prior_sums, self._recency, leave_out),
            "linear": self.linear.scores(sims, self.index.position(exclude) if leave_out is None else leave_out),
        }

    def _fit_linear(self) -> LinearTagModel:
        """The linear model on the most recent notes, each weighted by its age."""
        rows = self._most_recent(self.params.linear_docs)
        labels = np.zeros((len(rows), len(self.tags)))
        for slot, i in enumerate(rows):
            labels[slot, self._doc_tags[i]] = 1.0
        weights = _recency_weights(self.docs, self.params.linear_half_life_days)[rows]
        return LinearTagModel.fit(self.index, rows, labels, weights, self.params.linear_l2)

    def _most_recent(self, n: int) -> list[int]:
        by_date = sorted(range(len(self.docs)), key=lambda i: self.docs[i].date or dt.date.min)
        return by_date[-n:] if n > 0 else []

    def _lexical(self, entry: Entry) -> np.ndarray:
        """2 where the tag's words occur in the title, 1 where only in the rest of the text, else 0."""
        title = phrases_in(entry.title)
        body = phrases_in(" ".join((entry.abstract, entry.note, entry.english)))
        return np.array([2.0 if ph in title else 1.0 if ph in body else 0.0 for ph in self._phrases])

    def _training_examples(self) -> list[Example]:
        """(features, labels) of each recent note's candidate pool, the note left out of its own vote."""
        examples = []
        for i in self._most_recent(self.params.ranker_docs):
            doc = self.docs[i]
            pool, features = self.candidates(doc.entry.model_copy(update={"tags": []}), doc.key, leave_out=i)
            gold = set(doc.entry.tags)
            labels = np.array([self.tags[j] in gold for j in pool], dtype=float)
            examples.append(Example(features, np.asarray(pool, dtype=np.int64), labels))
        return examples


def spelling_shares(tags: Sequence[str], twins: Sequence[tuple[str, str]], uses: np.ndarray) -> np.ndarray:
    """For each tag, its recent uses over those of its most used spelling (1.0: it is the one in use).

    The author renamed tags over the years (`image_generation` became `image-generation` in 2024) and
    writes the old spelling no more, yet old notes keep voting for it and take places in the top five."""
    column = {tag: j for j, tag in enumerate(tags)}
    group = list(range(len(tags)))  # union-find over the near-duplicate pairs

    def root(j: int) -> int:
        while group[j] != j:
            j = group[j]
        return j

    for a, b in twins:
        group[root(column[a])] = root(column[b])
    roots = np.array([root(j) for j in range(len(tags))], dtype=np.int64)
    best = np.zeros(len(tags))
    np.maximum.at(best, roots, uses)
    leader = best[roots]
    return np.where(leader > 0, uses / np.where(leader > 0, leader, 1.0), 1.0)


def _by_max(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values


def choose(ranked: Sequence[ScoredTag], params: TagParams) -> list[str]:
    """Every candidate at least `threshold` likely, up to `max_chosen`; the best one when none is."""
    chosen = [c.tag for c in ranked[: params.max_chosen] if c.score >= params.threshold]
    return chosen or [c.tag for c in ranked[:1]]


def _recency_weights(docs: Sequence[ArchiveDoc], half_life_days: float) -> np.ndarray:
    dates = [doc.date for doc in docs if doc.date]
    newest = max(dates) if dates else dt.date(2000, 1, 1)
    oldest = min(dates) if dates else newest
    # An undated note is treated as the oldest: its place in the drift is unknown.
    ages = np.array([(newest - (doc.date or oldest)).days for doc in docs], dtype=np.float64)
    return np.power(0.5, ages / half_life_days)


class Membership:
    """Which notes carry which tag, as flat (note, tag) pairs: sums per tag are one `bincount`."""

    def __init__(self, docs: Sequence[ArchiveDoc], tags: Sequence[str]) -> None:
        column = {tag: j for j, tag in enumerate(tags)}
        pairs = [(i, column[tag]) for i, doc in enumerate(docs) for tag in doc.entry.tags]
        self.doc = np.array([i for i, _ in pairs], dtype=np.int64)
        self.tag = np.array([j for _, j in pairs], dtype=np.int64)
        self.n_tags = len(tags)

    def per_tag(self, doc_values: np.ndarray) -> np.ndarray:
        """For each tag, the sum of `doc_values` over the notes carrying it."""
        return np.bincount(self.tag, weights=doc_values[self.doc], minlength=self.n_tags)

    def together(self, doc_weights: np.ndarray) -> np.ndarray:
        """tags x tags: the weighted count of notes carrying both tag a and tag b."""
        matrix = np.zeros((len(doc_weights), self.n_tags))
        matrix[self.doc, self.tag] = 1.0
        return (matrix * doc_weights[:, None]).T @ matrix


def _centroid_norms(index: SimilarityIndex, members: Membership, recency: np.ndarray) -> np.ndarray:
    """|sum of recency-weighted member vectors| per tag, so `per_tag(w * sims)` becomes a cosine.

    All tags at once: every (note, tag) pair contributes its note's entries under the key (tag, feature);
    summing per key gives the centroids, summing squares per tag their norms.
    """
    vectors = index.vectors
    lengths = np.array([len(v.ids) for v in vectors], dtype=np.int64)
    doc_starts = np.concatenate([[0], np.cumsum(lengths)])
    ids = np.concatenate([v.ids for v in vectors] or [np.zeros(0, np.int64)])
    vals = np.concatenate([v.weights for v in vectors] or [np.zeros(0, np.float32)]).astype(np.float64)
    gather = ragged_ranges(doc_starts[members.doc], doc_starts[members.doc + 1])
    pair_lengths = lengths[members.doc]
    n_features = max(len(index.vectorizer.vocabulary), 1)
    keys = np.repeat(members.tag, pair_lengths) * n_features + ids[gather]
    weights = vals[gather] * np.repeat(recency[members.doc], pair_lengths)
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=weights)
    norms = np.sqrt(np.bincount(unique // n_features, weights=sums**2, minlength=members.n_tags))
    return np.where(norms > 0, norms, 1.0)
