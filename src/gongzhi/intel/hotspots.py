"""Hotspot miner: groups appeals about the same problem by text, place and time (no Django).

Contract (used by ``gongzhi.insights.hotspot_source`` and the insights dashboards)::

    from gongzhi.intel.hotspots import Record, Hotspot, Spike, MinerParams, mine, spikes

    records: list[Record]   # the appeals of the window (others are ignored)
    previous: list[Record]  # the appeals before the window (baseline, growth), may be []
    found: list[Hotspot] = mine(records, window_start=start, window_end=end,
                                previous=previous)           # ranked, rank 1 = hottest
    alerts: list[Spike] = spikes(records, window_start=start, window_end=end,
                                 previous=previous, baseline_start=start - 4 * (end - start))

* :class:`Record` — ``id`` (int), ``text``, ``time`` (aware datetime), ``grid_id``,
  ``building_id``, ``resident_id`` (any hashable or ``None``), ``category`` (name or
  ``None``), ``dissatisfied`` (``True``/``False``/``None`` = not rated), ``votes`` (likes),
  ``title`` (subject line, optional: it is prepended to the text for similarity).
* :class:`Hotspot` — ``rank``, ``title`` (the representative appeal's first sentence,
  ≤ 40 characters), ``key_phrases`` (up to 4 words), ``representative_id`` and
  ``representative_text`` (≤ 200 characters, personal data scrubbed), ``count``,
  ``residents`` (distinct residents; appeals without a resident count as one each),
  ``grids`` and ``buildings`` (sorted ids), ``growth`` (``(count - previous) / previous``
  over the window before, ``None`` when nothing matched there or no ``previous`` was
  given), ``dissatisfaction`` (share of rated appeals rated dissatisfied, ``None`` when
  none is rated), ``heat`` (see :func:`heat_score`), ``member_ids`` (ids, oldest first),
  ``category`` (the most frequent one), ``votes`` (sum), ``first_seen``/``last_seen``.
* :class:`Spike` — ``kind`` (``"category"`` or ``"grid"``), ``key`` (category name or grid
  id), ``count`` in the window, ``baseline`` (mean count per window length over
  ``[baseline_start, window_start)``), ``ratio`` (``count / max(baseline, 1)``).

Method (general, nothing tuned to one data set):

1. Each text → prepared head → words + character bigrams → hashed TF-IDF, L2 rows
   (:mod:`gongzhi.intel.similarity`); the idf is computed on the window itself.
2. Candidate pairs by blocking: each appeal's *key features* are those weighing at least
   ``key_share`` of its heaviest feature (the rare, telling words: an estate, a road, a
   specific problem).  Appeals sharing a key feature are sorted by time and each one is
   paired with its next ``neighbours`` appeals no more than ``max_gap`` apart.
3. Each candidate pair is scored: cosine (the larger of the whole head's and, when the
   records have subject lines, the subjects') × place affinity (× ``other_grid`` when both
   grids are known and differ, × ``other_place`` when both texts name places — see
   :func:`gongzhi.intel.similarity.place_keys` — and share none, × ``same_building``
   bonus) and kept above ``threshold``.
4. Connected components of the kept pairs.  A large component whose members are far from
   its centroid on average is a chain of different problems: its links must score 0.1
   more (up to three times).  Members far from their group's centroid (cosine <
   ``core_threshold``) are dropped, so one loose link cannot chain two problems.
5. Groups of at least ``min_size`` appeals are hotspots, ranked by :func:`heat_score`.

Cost is close to linear in the number of appeals (bounded keys and neighbours per
appeal); see ``bench/hotspots.py``.
"""

from __future__ import annotations

import math
import multiprocessing
import re
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gongzhi.intel import similarity
from gongzhi.intel.text import default_tokenizer, prepare

#: Below this many appeals in a window, idf is computed as if there were this many.
MIN_IDF_DOCS = 1000

#: ``progress(done, total, stage)``: called now and then during long runs.
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class Record:
    id: int
    text: str
    time: datetime
    grid_id: int | None = None
    building_id: int | None = None
    resident_id: Hashable | None = None
    category: str | None = None
    dissatisfied: bool | None = None
    votes: int = 0
    #: Subject line, when the appeal has one (the title of the hotspot comes from it).
    title: str = ""


@dataclass
class Hotspot:
    rank: int
    title: str
    key_phrases: list[str]
    representative_id: int
    representative_text: str
    count: int
    residents: int
    grids: list[int]
    buildings: list[int]
    growth: float | None
    dissatisfaction: float | None
    heat: float
    member_ids: list[int]
    category: str | None = None
    votes: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True)
class Spike:
    kind: str  # "category" | "grid"
    key: str | int
    count: int
    baseline: float
    ratio: float


@dataclass(frozen=True)
class MinerParams:
    threshold: float = 0.42
    core_threshold: float = 0.35
    key_share: float = 0.6
    max_keys: int = 6
    neighbours: int = 6
    #: Largest gap between two linked appeals; ``None``: the window's length, at least
    #: one day and at most 60 days.
    max_gap: timedelta | None = None
    #: Score factor when both grids are known and differ (a problem spanning grids needs
    #: nearly the same words: at 0.45 a cosine of about 0.93), when both texts name places
    #: and none is shared, and bonus when both are in the same building. At 0.6, ordinary
    #: complaints about the same kind of problem chained across neighbouring grids as the
    #: corpus grew (generated corpus, 300k appeals: 11,557 groups, ARI 0.86; at 0.45: 2,145
    #: groups, ARI 0.99).
    other_grid: float = 0.45
    other_place: float = 0.6
    same_building: float = 1.1
    min_size: int = 2
    #: Components of at least ``loose_size`` whose mean cosine to their centroid is below
    #: ``loose_closeness`` are split by raising their links' threshold by ``split_step``.
    loose_size: int = 50
    loose_closeness: float = 0.35
    split_step: float = 0.1
    #: Use subject lines (``Record.title``) for similarity: prefixed to the text and as a
    #: second view.  Off when titles are generated ("category: place"); the headline
    #: still comes from them.
    title_view: bool = True
    #: Worker processes for text preparation (``fork``); 1 = in this process.
    workers: int = 1
    extra: dict[str, float] = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------

_SENTENCE_END_RE = re.compile(r"[\n。！？!?；;]")


def headline(text: str, limit: int = 40) -> str:
    """First line or sentence of a prepared text, at most ``limit`` characters."""
    text = text.strip()
    first = _SENTENCE_END_RE.split(text, maxsplit=1)[0].strip() or text
    return first[:limit].rstrip(" ,，") + ("…" if len(first) > limit else "")


def heat_score(
    *,
    count: int,
    residents: int,
    grids: int,
    growth: float | None,
    dissatisfaction: float | None,
    votes: int,
) -> float:
    """How much a hotspot deserves attention now.

    ``residents + 0.5 × repeats`` (a resident writing again counts half), times
    ``1 + 0.5 × dissatisfaction``, times ``1 + 0.25 × growth`` (growth capped at 4, only
    when rising), plus ``0.5`` per extra grid and ``0.5 × log2(1 + votes)``.
    """
    base = residents + 0.5 * max(count - residents, 0)
    base *= 1.0 + 0.5 * (dissatisfaction or 0.0)
    if growth is not None and growth > 0:
        base *= 1.0 + 0.25 * min(growth, 4.0)
    base += 0.5 * max(grids - 1, 0) + 0.5 * math.log2(1 + max(votes, 0))
    return round(base, 3)


_FORK_TEXTS: Sequence[str] = ()


def _count_chunk(bounds: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    start, stop = bounds
    return _analyse_chunk(_FORK_TEXTS[start:stop])


def _analyse_chunk(texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    feats, places = similarity.analyse_with_places(texts)
    return similarity.counts(feats), _place_matrix(places)


def _feature_counts(
    texts: Sequence[str], workers: int, progress: Progress | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Hashed feature counts and place-key hashes of every text (in chunks, maybe forked)."""
    n = len(texts)
    step = 10_000
    bounds = [(a, min(a + step, n)) for a in range(0, n, step)]
    parts: list[tuple[sp.csr_matrix, np.ndarray]] = []
    if workers > 1 and n > 4 * step and "fork" in multiprocessing.get_all_start_methods():
        global _FORK_TEXTS
        _FORK_TEXTS = texts
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                done = 0
                for part in pool.imap(_count_chunk, bounds):
                    parts.append(part)
                    done += part[0].shape[0]
                    if progress:
                        progress(done, n, "texts")
        finally:
            _FORK_TEXTS = ()
    else:
        for a, b in bounds:
            parts.append(_analyse_chunk(texts[a:b]))
            if progress:
                progress(b, n, "texts")
    if not parts:
        return similarity.counts([]), np.full((0, 4), -1, dtype=np.int64)
    return sp.vstack([c for c, _ in parts], format="csr"), np.vstack([p for _, p in parts])


def _key_features(x: sp.csr_matrix, df: np.ndarray, p: MinerParams) -> tuple[np.ndarray, ...]:
    """(feature, row) of each row's key features."""
    n = x.shape[0]
    lengths = np.diff(x.indptr)
    row_of = np.repeat(np.arange(n), lengths)
    row_max = np.zeros(n, dtype=np.float32)
    nonempty = lengths > 0
    if nonempty.any():
        row_max[nonempty] = np.maximum.reduceat(x.data, x.indptr[:-1][nonempty])
    keep = (x.data >= p.key_share * row_max[row_of]) & (df[x.indices] >= 2)
    feats = x.indices[keep].astype(np.int64)
    rows = row_of[keep]
    weights = x.data[keep]
    # at most max_keys per row: the heaviest (rows with many ties keep the first ones)
    order = np.lexsort((-weights, rows))
    feats, rows = feats[order], rows[order]
    starts = np.searchsorted(rows, rows, side="left")
    pos = np.arange(len(rows)) - starts
    sel = pos < p.max_keys
    return feats[sel], rows[sel]


def _candidate_pairs(
    feats: np.ndarray, rows: np.ndarray, seconds: np.ndarray, n: int, p: MinerParams, gap: float
) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((seconds[rows], feats))
    f = feats[order]
    r = rows[order]
    t = seconds[r]
    codes: list[np.ndarray] = []
    for d in range(1, p.neighbours + 1):
        if len(r) <= d:
            break
        ok = (f[d:] == f[:-d]) & (t[d:] - t[:-d] <= gap) & (r[d:] != r[:-d])
        a = r[:-d][ok]
        b = r[d:][ok]
        codes.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    unique = np.unique(np.concatenate(codes))
    return unique // n, unique % n


def _window_gap(window_start: datetime | None, window_end: datetime | None) -> timedelta:
    if window_start is None or window_end is None:
        return timedelta(days=60)
    length = window_end - window_start
    return max(timedelta(days=1), min(length, timedelta(days=60)))


# --- the miner -------------------------------------------------------------------------


def mine(
    records: Sequence[Record],
    *,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    previous: Sequence[Record] = (),
    params: MinerParams | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
) -> list[Hotspot]:
    """Hotspots among ``records`` whose time is in ``[window_start, window_end)``.

    ``None`` bounds mean "no bound".  ``previous`` (appeals before the window) gives each
    hotspot its growth: appeals of the window of the same length just before, matched to
    the hotspot's centroid.  Returns hotspots ranked by heat (``limit`` keeps the first).
    """
    p = params or MinerParams()
    rows = [
        r
        for r in records
        if (window_start is None or r.time >= window_start)
        and (window_end is None or r.time < window_end)
    ]
    n = len(rows)
    if n < p.min_size:
        return []
    rows.sort(key=lambda r: r.time)
    texts = [f"{r.title}\n{r.text}" if r.title and p.title_view else r.text for r in rows]
    counts, places = _feature_counts(texts, p.workers, progress)
    df = similarity.document_frequency(counts)
    # A small window says little about which words are rare: below MIN_IDF_DOCS appeals
    # the weights flatten out instead of punishing the hotspot's own (frequent) words.
    idf = similarity.idf_from_df(df, max(n, MIN_IDF_DOCS))
    x = similarity.tfidf(counts, idf)
    del counts
    if progress:
        progress(n, n, "vectors")

    epoch = rows[0].time
    seconds = np.fromiter(((r.time - epoch).total_seconds() for r in rows), float, n)
    gap = (p.max_gap or _window_gap(window_start, window_end)).total_seconds()
    feats, key_rows = _key_features(x, df, p)
    xt: sp.csr_matrix | None = None
    if p.title_view and any(r.title for r in rows):
        # Subject lines say what and where in a few words: a second, sharper view.
        tcounts = similarity.counts(similarity.analyse([r.title for r in rows]))
        tdf = similarity.document_frequency(tcounts)
        xt = similarity.tfidf(tcounts, similarity.idf_from_df(tdf, max(n, MIN_IDF_DOCS)))
        tfeats, trows = _key_features(xt, tdf, p)
        feats = np.concatenate([feats, tfeats + similarity.N_FEATURES])
        key_rows = np.concatenate([key_rows, trows])
    left, right = _candidate_pairs(feats, key_rows, seconds, n, p, gap)
    if progress:
        progress(n, n, "pairs")
    sims = similarity.pair_cosines(x, left, right)
    if xt is not None:
        sims = np.maximum(sims, similarity.pair_cosines(xt, left, right))
    grid = np.array([r.grid_id if r.grid_id is not None else -1 for r in rows], dtype=np.int64)
    building = np.array(
        [r.building_id if r.building_id is not None else -1 for r in rows], dtype=np.int64
    )
    gl, gr = grid[left], grid[right]
    sims = np.where((gl >= 0) & (gr >= 0) & (gl != gr), sims * p.other_grid, sims)
    bl, br = building[left], building[right]
    sims = np.where((bl >= 0) & (bl == br), sims * p.same_building, sims)
    sims = np.where(_places_differ(places, left, right), sims * p.other_place, sims)
    labels, sizes = _components(n, left, right, sims, x, p)
    groups = _groups(labels, sizes, p.min_size)
    if progress:
        progress(n, n, "groups")

    word_idf = _word_idf(texts)
    hotspots: list[Hotspot] = []
    centroids: list[tuple[np.ndarray, np.ndarray]] = []
    for members in groups:
        cols, vals, closeness = _centroid(x[members])
        core = members[closeness >= p.core_threshold]
        if len(core) < p.min_size:
            continue
        if len(core) < len(members):
            cols, vals, closeness = _centroid(x[core])
        rep = int(core[int(np.argmax(closeness))])
        centroids.append((cols, vals))
        hotspots.append(_describe([rows[i] for i in core], rows[rep], word_idf))

    _growth(hotspots, centroids, previous, window_start, window_end, idf, p)
    for h in hotspots:
        h.heat = heat_score(
            count=h.count,
            residents=h.residents,
            grids=len(h.grids),
            growth=h.growth,
            dissatisfaction=h.dissatisfaction,
            votes=h.votes,
        )
    hotspots.sort(key=lambda h: (-h.heat, -h.count, h.first_seen or epoch))
    for rank, h in enumerate(hotspots, start=1):
        h.rank = rank
    return hotspots[:limit] if limit is not None else hotspots


def _components(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    sims: np.ndarray,
    x: sp.csr_matrix,
    p: MinerParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the pairs scoring ``threshold`` or more.

    A large component whose members lie far from its centroid on average is a chain of
    different problems: its links must then score ``split_step`` more, up to three times.
    """
    required = np.full(len(sims), p.threshold, dtype=np.float32)
    for _ in range(4):
        keep = sims >= required
        graph = sp.coo_matrix(
            (np.ones(int(keep.sum()), dtype=np.int8), (left[keep], right[keep])), shape=(n, n)
        )
        _, labels = connected_components(graph, directed=False)
        sizes = np.bincount(labels)
        loose = np.zeros(len(sizes), dtype=bool)
        for label in np.flatnonzero(sizes >= p.loose_size):
            members = np.flatnonzero(labels == label)
            if _centroid(x[members])[2].mean() < p.loose_closeness:
                loose[label] = True
        if not loose.any():
            break
        required = np.where(loose[labels[left]], required + p.split_step, required)
    return labels, sizes


def _centroid(sub: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised mean of the rows (as used columns and values) and each row's cosine."""
    cols, inverse = np.unique(sub.indices, return_inverse=True)
    sums = np.bincount(inverse, weights=sub.data, minlength=len(cols))
    vals: np.ndarray = sums / (float(np.linalg.norm(sums)) or 1.0)
    row_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    closeness = np.bincount(row_of, weights=sub.data * vals[inverse], minlength=sub.shape[0])
    return cols, vals, closeness


def _place_matrix(places: Sequence[Sequence[str]], width: int = 4) -> np.ndarray:
    """Hashes of each text's place keys, ``-1`` padded: shape ``(n, width)``."""
    out = np.full((len(places), width), -1, dtype=np.int64)
    for i, keys in enumerate(places):
        for j, key in enumerate(keys[:width]):
            out[i, j] = (ord(key[0]) << 21) | ord(key[1])
    return out


def _places_differ(places: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """True where both texts name places and share none."""
    out = np.zeros(len(left), dtype=bool)
    step = 500_000
    for a in range(0, len(left), step):
        pl = places[left[a : a + step]]
        pr = places[right[a : a + step]]
        both = (pl[:, 0] >= 0) & (pr[:, 0] >= 0)
        shared = ((pl[:, :, None] == pr[:, None, :]) & (pl[:, :, None] >= 0)).any(axis=(1, 2))
        out[a : a + step] = both & ~shared
    return out


def _word_idf(texts: Sequence[str], sample: int = 3000) -> dict[str, float]:
    """Word idf from an evenly spaced sample of the texts (for key phrases only)."""
    tokens_of = default_tokenizer().tokens
    step = max(1, len(texts) // sample)
    picked = texts[::step]
    df: Counter[str] = Counter()
    for text in picked:
        df.update(set(tokens_of(prepare(text[:600])[: similarity.HEAD_CHARS])))
    total = len(picked)
    default = math.log((1 + total) / 1.0) + 1.0
    idf = {w: math.log((1 + total) / (1 + c)) + 1.0 for w, c in df.items()}
    idf[""] = default
    return idf


def _groups(labels: np.ndarray, sizes: np.ndarray, min_size: int) -> list[np.ndarray]:
    big = np.flatnonzero(sizes >= min_size)
    if not len(big):
        return []
    members = np.flatnonzero(np.isin(labels, big))
    members = members[np.argsort(labels[members], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[members])) + 1
    return np.split(members, cuts)


def _key_phrases(
    heads: list[str], texts: list[str], idf: dict[str, float], limit: int = 4
) -> list[str]:
    """Words most members share, headline words first, rarer words before common ones."""
    tokens_of = default_tokenizer().tokens
    size = min(len(texts), 200)
    score: dict[str, float] = {}
    for head, text in zip(heads[:size], texts[:size], strict=True):
        in_head = {t for t in tokens_of(head) if len(t) > 1}
        in_text = {t for t in tokens_of(text[: similarity.HEAD_CHARS]) if len(t) > 1}
        for t in in_head | in_text:
            score[t] = score.get(t, 0.0) + (1.0 if t in in_head else 0.3)
    default = idf.get("", 8.0)
    ranked = sorted(
        (score[t] / size * min(idf.get(t, default), 6.0), t)
        for t in score
        if score[t] >= min(2.0, size * 0.5)
    )
    return [t for _, t in reversed(ranked)][:limit]


def _describe(members: list[Record], rep: Record, idf: dict[str, float]) -> Hotspot:
    members.sort(key=lambda r: (r.time, r.id))
    texts = [prepare(r.text) for r in members]
    heads = [headline(prepare(r.title) or t, 80) for r, t in zip(members, texts, strict=True)]
    rep_text = prepare(rep.text)
    rep_title = prepare(rep.title)
    residents = len({r.resident_id for r in members if r.resident_id is not None}) + sum(
        1 for r in members if r.resident_id is None
    )
    rated = [r.dissatisfied for r in members if r.dissatisfied is not None]
    categories = Counter(r.category for r in members if r.category)
    return Hotspot(
        rank=0,
        title=headline(rep_title or rep_text),
        key_phrases=_key_phrases(heads, texts, idf),
        representative_id=rep.id,
        representative_text=rep_text[:200],
        count=len(members),
        residents=residents,
        grids=sorted({r.grid_id for r in members if r.grid_id is not None}),
        buildings=sorted({r.building_id for r in members if r.building_id is not None}),
        growth=None,
        dissatisfaction=(sum(rated) / len(rated)) if rated else None,
        heat=0.0,
        member_ids=[r.id for r in members],
        category=categories.most_common(1)[0][0] if categories else None,
        votes=sum(max(r.votes, 0) for r in members),
        first_seen=members[0].time,
        last_seen=members[-1].time,
    )


def _growth(
    hotspots: list[Hotspot],
    centroids: list[tuple[np.ndarray, np.ndarray]],
    previous: Sequence[Record],
    window_start: datetime | None,
    window_end: datetime | None,
    idf: np.ndarray,
    p: MinerParams,
) -> None:
    if not hotspots or not previous or window_start is None or window_end is None:
        return
    since = window_start - (window_end - window_start)
    before = [r for r in previous if since <= r.time < window_start]
    if not before:
        for h in hotspots:
            h.growth = None
        return
    texts = [f"{r.title}\n{r.text}" if r.title and p.title_view else r.text for r in before]
    px = similarity.tfidf(similarity.counts(similarity.analyse(texts)), idf)
    cmat = sp.vstack(
        [
            sp.csr_matrix((vals, cols, [0, len(cols)]), shape=(1, similarity.N_FEATURES))
            for cols, vals in centroids
        ],
        format="csr",
    )
    scores = (px @ cmat.T).toarray()
    best = scores.argmax(axis=1)
    hit = scores[np.arange(len(before)), best] >= p.threshold
    matched = np.bincount(best[hit], minlength=len(hotspots))
    for h, prev in zip(hotspots, matched.tolist(), strict=True):
        h.growth = round((h.count - prev) / prev, 3) if prev else None


# --- spikes ------------------------------------------------------------------------------


def spikes(
    records: Sequence[Record],
    *,
    window_start: datetime,
    window_end: datetime,
    previous: Sequence[Record] = (),
    baseline_start: datetime | None = None,
    min_count: int = 5,
    min_ratio: float = 2.0,
) -> list[Spike]:
    """Categories and grids whose count in the window rises well above their baseline.

    The baseline of a key is its mean count per window length over
    ``[baseline_start, window_start)`` (default: from the oldest ``previous`` record).
    A spike needs ``count >= min_count``, ``count >= min_ratio × baseline`` and
    ``count - baseline >= 3 √max(baseline, 1)`` (well outside Poisson noise).  Sorted by
    ratio, then count.
    """
    length = (window_end - window_start).total_seconds()
    if length <= 0:
        return []
    now_rows = [r for r in records if window_start <= r.time < window_end]
    before_rows = [
        r
        for r in previous
        if r.time < window_start and (baseline_start is None or r.time >= baseline_start)
    ]
    start = baseline_start or min((r.time for r in before_rows), default=window_start)
    span_windows = max((window_start - start).total_seconds() / length, 1.0)
    found: list[Spike] = []
    for kind, key_of in (
        ("category", lambda r: r.category),
        ("grid", lambda r: r.grid_id),
    ):
        current = Counter(k for k in map(key_of, now_rows) if k is not None)
        past = Counter(k for k in map(key_of, before_rows) if k is not None)
        for key, count in current.items():
            baseline = past.get(key, 0) / span_windows
            if count < min_count or count < min_ratio * baseline:
                continue
            if count - baseline < 3 * math.sqrt(max(baseline, 1.0)):
                continue
            found.append(
                Spike(kind, key, count, round(baseline, 3), round(count / max(baseline, 1.0), 3))
            )
    found.sort(key=lambda s: (-s.ratio, -s.count, str(s.key)))
    return found


_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([hdwm])\s*$", re.IGNORECASE)
_WINDOW_NAMES = {"day": "1d", "week": "7d", "month": "30d"}


def parse_window(value: str) -> timedelta | None:
    """``"7d"``, ``"24h"``, ``"2w"``, ``"1m"`` (30 days), ``day|week|month`` → length;
    ``"all"`` → ``None``.  Raises ``ValueError`` with a readable message otherwise."""
    text = (value or "").strip().lower()
    if text == "all":
        return None
    text = _WINDOW_NAMES.get(text, text)
    m = _WINDOW_RE.match(text)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"window {value!r}: use all, day, week, month or e.g. 24h, 7d, 2w, 1m")
    amount, unit = int(m.group(1)), m.group(2)
    hours = {"h": 1, "d": 24, "w": 24 * 7, "m": 24 * 30}[unit] * amount
    if hours > 24 * 366 * 20:
        raise ValueError(f"window {value!r} is too long")
    return timedelta(hours=hours)


def assignments(hotspots: Sequence[Hotspot]) -> dict[int, int]:
    """Record id → rank of its hotspot."""
    return {i: h.rank for h in hotspots for i in h.member_ids}
