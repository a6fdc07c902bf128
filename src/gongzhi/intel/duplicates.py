"""Duplicate finder: the open appeals most similar to a new one (no Django).

Two ways, same scores (:mod:`gongzhi.intel.similarity`: character bigrams of the prepared
head, TF-IDF, cosine):

* :func:`similar` — a pure function over a small candidate set: ``similar(text,
  [(id, text), ...], k=5)``.  The intake path uses this one: it fetches the open appeals
  of the same grid and period from the database (a few dozen to a few hundred rows, one
  indexed query) and scores them, so the answer is always current, nothing is kept in
  memory between requests, and there is no index to rebuild when appeals are opened,
  merged or closed.  About 1-5 ms for 200 candidates.
* :class:`DuplicateIndex` — an in-memory index of many open appeals, partitioned by
  ``(grid, period)``, for batch work (a nightly sweep for duplicates, the benchmark at a
  million stored appeals): ``index = DuplicateIndex.build(entries)``, then
  ``index.query(text, grid_id=..., when=..., k=5)``.  A query scores only the appeals of
  its grid in the periods within ``days`` of ``when``, so its cost depends on a grid's
  size, not on the whole city's: under 20 ms at 1,000,000 stored appeals
  (``bench/duplicates.py``).  Idf comes from the whole index.

Scores are cosines in ``[0, 1]``; :data:`DUPLICATE_THRESHOLD` is where "probably the
same problem" starts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp

from gongzhi.intel import similarity

#: A score from which two appeals are probably about the same problem.
DUPLICATE_THRESHOLD = 0.5
#: Below this many texts, idf is computed as if there were this many (see the miner).
MIN_IDF_DOCS = 1000
#: Length of one period of the index.
PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class Match:
    id: int
    score: float


@dataclass(frozen=True)
class Entry:
    """One stored open appeal."""

    id: int
    text: str
    grid_id: int | None
    time: datetime


def _top(scores: np.ndarray, ids: Sequence[int] | np.ndarray, k: int) -> list[Match]:
    if not len(scores):
        return []
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [Match(int(ids[i]), round(float(scores[i]), 4)) for i in best if scores[i] > 0]


def similar(text: object, candidates: Sequence[tuple[int, object]], *, k: int = 5) -> list[Match]:
    """The ``k`` candidates most similar to ``text``, best first (score > 0 only).

    ``candidates`` are ``(id, text)`` pairs; idf is computed on them and the query.
    """
    if not candidates or k < 1:
        return []
    feats = similarity.analyse([text, *(t for _, t in candidates)])
    counts = similarity.counts(feats)
    if counts[0].nnz == 0:
        return []
    # compact columns: idf over a few hundred texts, not over 2**20 hashed columns
    cols, inverse = np.unique(counts.indices, return_inverse=True)
    compact = sp.csr_matrix(
        (counts.data, inverse, counts.indptr), shape=(counts.shape[0], len(cols))
    )
    df = np.bincount(inverse, minlength=len(cols)).astype(np.float32)
    idf = similarity.idf_from_df(df, max(counts.shape[0], MIN_IDF_DOCS))
    x = similarity.tfidf(compact, idf)
    query = x[0].toarray().ravel()
    scores = np.asarray(x[1:] @ query).ravel()
    return _top(scores, [i for i, _ in candidates], k)


def _period(when: datetime) -> int:
    return int(when.timestamp() // PERIOD.total_seconds())


class DuplicateIndex:
    """Open appeals by (grid, period); top-k similar for a new text."""

    def __init__(self) -> None:
        self.idf = np.ones(similarity.N_FEATURES, dtype=np.float32)
        self._parts: dict[tuple[int | None, int], tuple[sp.csr_matrix, np.ndarray]] = {}
        self.size = 0

    @classmethod
    def build(cls, entries: Iterable[Entry], *, chunk: int = 50_000) -> DuplicateIndex:
        index = cls()
        items = list(entries)
        index.size = len(items)
        if not items:
            return index
        parts = [
            similarity.counts(similarity.analyse([e.text for e in items[a : a + chunk]]))
            for a in range(0, len(items), chunk)
        ]
        counts = sp.vstack(parts, format="csr")
        index.idf = similarity.idf_from_df(similarity.document_frequency(counts), len(items))
        x = similarity.tfidf(counts, index.idf)
        keys: dict[tuple[int | None, int], list[int]] = defaultdict(list)
        for i, e in enumerate(items):
            keys[(e.grid_id, _period(e.time))].append(i)
        ids = np.array([e.id for e in items], dtype=np.int64)
        for key, rows in keys.items():
            sel = np.array(rows)
            index._parts[key] = (x[sel], ids[sel])
        return index

    def query(
        self,
        text: object,
        *,
        grid_id: int | None,
        when: datetime,
        k: int = 5,
        days: int = 30,
    ) -> list[Match]:
        """The ``k`` stored appeals of ``grid_id`` within ``days`` of ``when`` most similar
        to ``text``, best first."""
        q = similarity.tfidf(similarity.counts(similarity.analyse([text])), self.idf)
        if q.nnz == 0:
            return []
        first = _period(when - timedelta(days=days))
        last = _period(when + timedelta(days=days))
        mats, idss = [], []
        for period in range(first, last + 1):
            part = self._parts.get((grid_id, period))
            if part is not None:
                mats.append(part[0])
                idss.append(part[1])
        if not mats:
            return []
        matrix = mats[0] if len(mats) == 1 else sp.vstack(mats, format="csr")
        ids = idss[0] if len(idss) == 1 else np.concatenate(idss)
        scores = (matrix @ q.T).toarray().ravel()
        return _top(scores, ids, k)
