"""Routing classifier: category, calibrated confidence and the words behind it.

Pure Python on numpy/scipy/scikit-learn, no Django.

Features of each prepared text (see :mod:`gongzhi.intel.text`):

* words from the segmenter, TF-IDF weighted (optionally word pairs and character
  n-grams: on our dev set they added nothing but time);
* one pooled feature per *topic* of the lexicon (:mod:`gongzhi.intel.lexicon`): what the
  platform knows without labels.  A word unseen in the training data still counts
  through its topic, and the model learns from the labels which class a topic means.

The estimator is a one-vs-rest linear SVM.  Its decision values become probabilities by
temperature scaling fitted on cross-validated decision values, which keeps the SVM's
accuracy and makes "how sure" a number the :class:`Router` can threshold.  Optional
helpers: a weakly weighted *prior* corpus (the generated appeals of
:mod:`gongzhi.intel.synthetic` when the label names match), and unlabelled texts (IDF,
plus one round of self-training on confident pseudo-labels).
"""

from __future__ import annotations

import itertools
import json
import math
import platform
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction import FeatureHasher
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from gongzhi.intel.lexicon import Topic, TopicMatcher, load_topics
from gongzhi.intel.synthetic import prior_corpus
from gongzhi.intel.text import Tokenizer, char_ngrams, prepare

#: Version of the model directory layout; bumped when an old directory can't be read.
FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
#: Confidences are reported up to this value: certainty is not something a model has.
MAX_CONFIDENCE = 0.9999


class ModelError(Exception):
    """A model can't be trained, saved or loaded; the message says why."""


@dataclass(frozen=True)
class Prediction:
    label: str
    #: Calibrated probability of ``label`` (0..1).
    confidence: float
    #: The words (or ``#topic`` names) that pushed most towards ``label``.
    top_terms: tuple[str, ...]


@dataclass(frozen=True)
class TrainConfig:
    """Training knobs; the defaults were chosen by cross-validation on a real dev set
    (see ``bench/classifier.py`` and ``docs/intel.md``)."""

    #: Character n-gram range, or None for none (words + topics did as well, faster).
    char_ngrams: tuple[int, int] | None = None
    word_bigrams: bool = False
    #: Length of the topic block relative to the (unit-length) TF-IDF block.
    topic_weight: float = 0.7
    C: float = 0.5
    class_weight: str | None = "balanced"
    #: Folds of the cross-validation whose decision values fit the temperature.
    calibration_folds: int = 3
    #: Upper bound of the fitted inverse temperature: on (nearly) separable training
    #: data any larger value "fits" and only makes every answer look certain.  Real
    #: appeals give about 4; generated ones more (the default model caps it at 4).
    max_inverse_temperature: float = 10.0
    self_training_rounds: int = 1
    #: Share of the unlabelled texts (the most confident) pseudo-labelled per round.
    self_training_share: float = 0.5
    self_training_weight: float = 0.5
    #: Weight of each prior example (see ``train(prior=...)``) relative to a labelled one.
    prior_weight: float = 0.1


# --- features ---------------------------------------------------------------------


class FeatureSpace:
    """Texts → (sparse TF-IDF matrix, dense topic matrix).  Fitted once.

    Feature strings are hashed in compiled code (``FeatureHasher``) and the hashed
    columns seen in training are remapped to a compact range, so prediction does no
    per-feature dictionary work in Python and the weights stay as small as the
    vocabulary.  TF-IDF (sublinear tf, smoothed idf, L2 rows) is computed directly on
    the CSR arrays: for one short text the overhead of general-purpose transformers
    would cost more than the text itself.
    """

    HASH_BITS = 22

    def __init__(self, topics: Sequence[Topic], config: TrainConfig) -> None:
        self.config = config
        self.matcher = TopicMatcher(topics)
        self.tokenizer = Tokenizer(extra_words=self.matcher.keywords)
        self.hasher = FeatureHasher(
            n_features=2**self.HASH_BITS,
            input_type="string",
            alternate_sign=False,
            dtype=np.float32,
        )
        self.columns = np.zeros(0, dtype=np.int64)  # hashed column of each compact column
        self.idf = np.zeros(0, dtype=np.float32)
        self.topic_map = sp.csr_matrix((0, self.n_topics), dtype=np.float32)
        self.feature_names: list[str] = []
        self._remap: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_remap"] = None  # 16 MB, rebuilt from ``columns`` on first use
        return state

    @property
    def n_words(self) -> int:
        return len(self.columns)

    @property
    def n_topics(self) -> int:
        return len(self.matcher.topics)

    def _analyse(self, texts: Sequence[str]) -> list[list[str]]:
        """Feature strings per text: words, word pairs, character n-grams."""
        tokens_of = self.tokenizer.tokens
        bigrams = self.config.word_bigrams
        ngrams = self.config.char_ngrams
        feats: list[list[str]] = []
        for text in texts:
            tokens = tokens_of(text)
            f = ["w" + t for t in tokens]
            if bigrams:
                f.extend(["b" + a + "_" + b for a, b in itertools.pairwise(tokens)])
            if ngrams:
                f.extend(char_ngrams(text, ngrams[0], ngrams[1], prefix="c"))
            feats.append(f)
        return feats

    def _topics(self, counts: sp.csr_matrix) -> np.ndarray:
        """Topic block: log(1 + keyword hits per topic), rows scaled to ``topic_weight``."""
        topics = np.asarray((counts @ self.topic_map).toarray(), dtype=np.float32)
        if topics.size:
            np.log1p(topics, out=topics)
            norms = np.sqrt((topics * topics).sum(axis=1, keepdims=True))
            norms[norms == 0] = 1.0
            topics *= self.config.topic_weight / norms
        return topics

    def _counts(self, feats: list[list[str]]) -> sp.csr_matrix:
        """Hashed counts remapped to the compact training columns (unknown dropped)."""
        hashed = self.hasher.transform(feats)
        if self._remap is None:
            remap = np.full(2**self.HASH_BITS, -1, dtype=np.int32)
            remap[self.columns] = np.arange(len(self.columns), dtype=np.int32)
            self._remap = remap
        cols = self._remap[hashed.indices]
        keep = cols >= 0
        n = hashed.shape[0]
        row_of = np.repeat(np.arange(n), np.diff(hashed.indptr))[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=n), out=indptr[1:])
        return sp.csr_matrix((hashed.data[keep], cols[keep], indptr), shape=(n, len(self.columns)))

    def _tfidf(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        data = np.log(counts.data) + 1.0
        data *= self.idf[counts.indices]
        n = counts.shape[0]
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n))
        norms[norms == 0] = 1.0
        data /= norms[row_of]
        return sp.csr_matrix(
            (data.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape
        )

    def fit(self, texts: Sequence[str]) -> None:
        feats = self._analyse(texts)
        hashed = self.hasher.transform(feats)
        keyword_feats = [["w" + kw] for kw in self.matcher.keywords]
        keyword_cols = self.hasher.transform(keyword_feats).indices if keyword_feats else []
        # every topic keyword gets a column, seen in training or not, so that topics count
        # it (its own weight stays 0 when training never saw it)
        self.columns = np.unique(np.concatenate([hashed.indices, keyword_cols])).astype(np.int64)
        self._remap = None
        counts = self._counts(feats)
        kw_compact = self._counts(keyword_feats).indices if keyword_feats else np.zeros(0, int)
        rows, cols = [], []
        for kw, col in zip(self.matcher.keywords, kw_compact.tolist(), strict=True):
            for topic in self.matcher.index[kw]:
                rows.append(col)
                cols.append(topic)
        self.topic_map = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(self.columns), self.n_topics),
        )
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = (np.log((1 + counts.shape[0]) / (1 + df)) + 1.0).astype(np.float32)
        # names of the compact columns, for explanations (first feature wins a collision)
        unique = sorted(set(itertools.chain.from_iterable(feats)))
        names: dict[int, str] = {}
        if unique:
            single = self.hasher.transform([[x] for x in unique])
            for x, col in zip(unique, single.indices.tolist(), strict=True):
                names.setdefault(col, x)
        self.feature_names = [
            *(names.get(int(c), "?") for c in self.columns),
            *("#" + n for n in self.matcher.names),
        ]

    def transform_parts(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        counts = self._counts(self._analyse(texts))
        return self._tfidf(counts), self._topics(counts)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """One matrix: TF-IDF columns then topic columns (for training)."""
        words, topics = self.transform_parts(texts)
        return sp.hstack([words, sp.csr_matrix(topics)], format="csr", dtype=np.float32)


# --- the model ----------------------------------------------------------------------


@dataclass
class Model:
    """A trained classifier: the feature space plus a linear model as plain arrays.

    The decision values of a one-vs-rest linear SVM trained on all the data are turned
    into probabilities by a softmax with one temperature, fitted on cross-validated
    decision values (temperature scaling: it leaves the ranking of the classes, hence
    the accuracy, untouched, and makes the confidence mean what it says).
    """

    features: FeatureSpace
    classes: list[str]
    #: features × classes
    weights: np.ndarray
    intercepts: np.ndarray
    #: decision values are multiplied by this before the softmax (1 / temperature)
    inverse_temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def coef(self) -> np.ndarray:
        """Weight of each feature for each class (classes × features)."""
        return self.weights.T

    # -- prediction --

    def decision(self, words: sp.csr_matrix, topics: np.ndarray) -> np.ndarray:
        n_words = self.features.n_words
        scores = words @ self.weights[:n_words] + topics @ self.weights[n_words:]
        return np.asarray(scores + self.intercepts)

    def _proba(self, words: sp.csr_matrix, topics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, best class index) per row.

        A text with no known word and no topic carries no evidence: its probabilities
        are uniform (the best class is still the one the intercepts favour).
        """
        decision = self.decision(words, topics)
        proba = _softmax(decision * self.inverse_temperature)
        np.clip(proba, 0.0, MAX_CONFIDENCE, out=proba)
        best = decision.argmax(axis=1)
        blind = (np.diff(words.indptr) == 0) & ~topics.any(axis=1)
        if blind.any():
            proba[blind] = 1.0 / len(self.classes)
        return proba, best

    def predict_proba(self, texts: Iterable[Any]) -> np.ndarray:
        """Calibrated probabilities (texts × :attr:`classes`)."""
        prepared = [prepare(t) for t in texts]
        if not prepared:
            return np.zeros((0, len(self.classes)))
        return self._proba(*self.features.transform_parts(prepared))[0]

    def predict(self, texts: Iterable[Any], *, explain: bool = True) -> list[Prediction]:
        prepared = [prepare(t) for t in texts]
        if not prepared:
            return []
        words, topics = self.features.transform_parts(prepared)
        proba, best = self._proba(words, topics)
        out = []
        for row, k in enumerate(best.tolist()):
            terms = self._top_terms(words, topics, row, k) if explain else ()
            out.append(Prediction(self.classes[k], float(proba[row, k]), terms))
        return out

    def predict_labels(self, texts: Iterable[Any]) -> list[str]:
        return [p.label for p in self.predict(texts, explain=False)]

    def _top_terms(
        self, words: sp.csr_matrix, topics: np.ndarray, row: int, k: int, n: int = 5
    ) -> tuple[str, ...]:
        start, end = words.indptr[row], words.indptr[row + 1]
        t_idx = np.flatnonzero(topics[row])
        all_cols = np.concatenate([words.indices[start:end], t_idx + self.features.n_words])
        if len(all_cols) == 0:
            return ()
        values = np.concatenate([words.data[start:end], topics[row, t_idx]])
        contrib = values * self.coef[k, all_cols]
        order = np.argsort(-contrib)[: n * 3]
        names = self.features.feature_names
        terms: list[str] = []
        n_topics = 0
        for j in order.tolist():
            if contrib[j] <= 0:
                break
            term = _readable(names[all_cols[j]])
            if term.startswith("#"):
                if n_topics >= 2:  # words explain better than topic names
                    continue
                n_topics += 1
            if term and term not in terms:
                terms.append(term)
            if len(terms) >= n:
                break
        return tuple(terms)

    # -- persistence --

    def save(self, directory: str | Path) -> Path:
        """Write ``model.joblib`` and ``metadata.json`` into ``directory`` (created)."""
        target = Path(directory)
        try:
            target.mkdir(parents=True, exist_ok=True)
            joblib.dump({"format": FORMAT_VERSION, "model": self}, target / MODEL_FILE, compress=3)
            meta = dict(self.metadata)
            meta.update({"format": FORMAT_VERSION, "classes": self.classes})
            (target / METADATA_FILE).write_text(
                json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                encoding="utf-8",
            )
        except OSError as exc:
            raise ModelError(f"cannot write model to {target}: {exc.strerror or exc}") from exc
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Model:
        """Read a directory written by :meth:`save` (only load models you trust)."""
        source = Path(directory)
        path = source / MODEL_FILE
        if not path.is_file():
            raise ModelError(f"{source} is not a model directory (no {MODEL_FILE})")
        try:
            payload = joblib.load(path)
        except Exception as exc:  # corrupt file, incompatible library versions, ...
            raise ModelError(f"cannot read {path}: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ModelError(f"{path}: unsupported model format (expected {FORMAT_VERSION})")
        model = payload.get("model")
        if not isinstance(model, Model):
            raise ModelError(f"{path}: not a Gongzhi classifier")
        return model


def _readable(name: str) -> str:
    kind, body = name[:1], name[1:]
    if kind == "#":
        return "#" + body
    if kind == "b":
        return body.replace("_", "")
    return body


# --- training -----------------------------------------------------------------------


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


def _svm(config: TrainConfig) -> LinearSVC:
    return LinearSVC(C=config.C, class_weight=config.class_weight)


def _decision_columns(svm: LinearSVC, matrix: sp.csr_matrix) -> np.ndarray:
    """Decision values with one column per class (binary: [0, d])."""
    d = np.asarray(svm.decision_function(matrix))
    if d.ndim == 1:
        d = np.column_stack([np.zeros_like(d), d])
    return d


def _fit_temperature(decision: np.ndarray, truth: np.ndarray, cap: float) -> float:
    """Inverse temperature minimising the log loss of softmax(decision · β)."""
    rows = np.arange(len(truth))

    def loss(log_beta: float) -> float:
        proba = _softmax(decision * math.exp(log_beta))
        return float(-np.log(np.clip(proba[rows, truth], 1e-12, 1.0)).mean())

    result = minimize_scalar(loss, bounds=(-5.0, math.log(cap)), method="bounded")
    return float(math.exp(result.x))


def _fit(
    matrix: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    calibrate_on: np.ndarray,
    config: TrainConfig,
) -> tuple[LinearSVC, float]:
    """The SVM on all rows, and the inverse temperature from cross-validation.

    ``calibrate_on`` marks the rows whose held-out decisions fit the temperature (the
    real labelled ones, not the generated prior or pseudo-labels).  A fold that lacks
    a rare class scores that class below every other one.
    """
    svm = _svm(config).fit(matrix, labels, sample_weight=weights)
    classes = svm.classes_
    fallback = min(1.0, config.max_inverse_temperature)
    real = np.flatnonzero(calibrate_on)
    others = np.flatnonzero(~calibrate_on)
    counts = Counter(labels[real].tolist())
    folds = min(config.calibration_folds, max(counts.values()) if counts else 0)
    if folds < 2 or len(real) < 2 * folds:
        return svm, fallback
    held_out = np.zeros((len(labels), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" warning
        splits = list(splitter.split(real, labels[real]))
    for fit_idx, test_idx in splits:
        rows = np.concatenate([real[fit_idx], others])
        if len(set(labels[rows].tolist())) < 2:
            return svm, fallback
        fold_svm = _svm(config).fit(matrix[rows], labels[rows], sample_weight=weights[rows])
        scores = _decision_columns(fold_svm, matrix[real[test_idx]])
        full = np.repeat(scores.min(axis=1, keepdims=True) - 1.0, len(classes), axis=1)
        full[:, np.searchsorted(classes, fold_svm.classes_)] = scores
        held_out[real[test_idx]] = full
    truth = np.searchsorted(classes, labels[real])
    return svm, _fit_temperature(held_out[real], truth, config.max_inverse_temperature)


def train(
    texts: Sequence[Any],
    labels: Sequence[Any],
    *,
    unlabelled: Sequence[Any] | None = None,
    taxonomy: Sequence[Topic] | None = None,
    prior: Sequence[tuple[str, str]] | str | None = "generated",
    config: TrainConfig | None = None,
) -> Model:
    """Train a routing model.

    ``texts``/``labels``: the labelled examples (at least two different labels; a label
    seen once is learned too, with little to go on).  ``unlabelled``: more texts of the
    same kind without labels (IDF and self-training).  ``taxonomy``: extra topics, e.g. from
    :func:`gongzhi.intel.lexicon.read_taxonomy_csv`; the shipped lexicon is always used.
    ``prior``: weakly weighted (text, label) examples; those whose label is not among
    ``labels`` are ignored.  The default, ``"generated"``, is the generated corpus of
    :mod:`gongzhi.intel.synthetic` (both label schemes); ``None`` for none.
    """
    config = config or TrainConfig()
    started = time.perf_counter()
    pairs = [
        (prepare(t), str(lab).strip())
        for t, lab in zip(texts, labels, strict=True)
        if lab is not None and not _is_nan(lab) and str(lab).strip()
    ]
    pairs = [(t, lab) for t, lab in pairs if t]
    if not pairs:
        raise ModelError("no labelled texts to train on")
    class_counts = Counter(lab for _, lab in pairs)
    if len(class_counts) < 2:
        raise ModelError("training needs at least two different labels")
    known = set(class_counts)
    if isinstance(prior, str):
        if prior != "generated":
            raise ModelError(f"unknown prior {prior!r}")
        prior = prior_corpus()
    prior_pairs = [(prepare(t), lab) for t, lab in (prior or ()) if lab in known]
    prior_pairs = [(t, lab) for t, lab in prior_pairs if t]
    extra = [u for u in (prepare(t) for t in (unlabelled or ())) if u]

    texts_all = [t for t, _ in pairs] + [t for t, _ in prior_pairs]
    y = np.array([lab for _, lab in pairs] + [lab for _, lab in prior_pairs], dtype=object)
    weights = np.concatenate([np.ones(len(pairs)), np.full(len(prior_pairs), config.prior_weight)])
    topics = [*load_topics(), *(taxonomy or ())]
    space = FeatureSpace(topics, config)
    space.fit(texts_all + extra)
    matrix = space.transform(texts_all)
    real = np.concatenate([np.ones(len(pairs), bool), np.zeros(len(prior_pairs), bool)])
    svm, beta = _fit(matrix, y, weights, real, config)

    pseudo = 0
    if extra and config.self_training_rounds > 0:
        unl = space.transform(extra)
        for _ in range(config.self_training_rounds):
            proba = _softmax(_decision_columns(svm, unl) * beta)
            take = np.argsort(-proba.max(axis=1))[: int(len(extra) * config.self_training_share)]
            if len(take) == 0:
                break
            pseudo_labels = svm.classes_[proba[take].argmax(axis=1)]
            svm, beta = _fit(
                sp.vstack([matrix, unl[take]], format="csr"),
                np.concatenate([y, pseudo_labels]),
                np.concatenate([weights, np.full(len(take), config.self_training_weight)]),
                np.concatenate([real, np.zeros(len(take), bool)]),
                config,
            )
            pseudo = len(take)

    classes = [str(c) for c in svm.classes_]
    coef = np.asarray(svm.coef_, dtype=np.float32)
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if len(classes) == 2:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    now = datetime.now(UTC)
    metadata = {
        "version": now.strftime("%Y%m%d%H%M%S"),
        "created": now.isoformat(timespec="seconds"),
        "training_size": len(pairs),
        "class_counts": dict(sorted(class_counts.items())),
        "unlabelled_size": len(extra),
        "pseudo_labelled": pseudo,
        "prior_size": len(prior_pairs),
        "topics": len(topics),
        "features": int(matrix.shape[1]),
        "config": asdict(config),
        "train_seconds": round(time.perf_counter() - started, 2),
        "python": platform.python_version(),
    }
    metadata["inverse_temperature"] = round(beta, 4)
    return Model(space, classes, np.ascontiguousarray(coef.T), intercept, beta, metadata)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --- routing interface for the appeals app --------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float
    #: True when the model is not sure enough: a person must choose the category.
    needs_person: bool
    #: Short human-readable reasons (the words that drove the decision).
    reasons: tuple[str, ...]


class Router:
    """What the appeals app calls at intake: ``suggest(text) -> Suggestion``."""

    def __init__(
        self,
        model: Model,
        *,
        threshold: float = 0.6,
        label_map: Mapping[str, str] | None = None,
    ) -> None:
        """``label_map`` renames the model's labels to the platform's category codes
        (e.g. ``{"噪音扰民": "environment.noise"}``); unmapped labels pass unchanged."""
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        self.model = model
        self.threshold = threshold
        self.label_map = dict(label_map or {})

    @classmethod
    def from_directory(
        cls,
        directory: str | Path,
        *,
        threshold: float = 0.6,
        label_map: Mapping[str, str] | None = None,
    ) -> Router:
        return cls(Model.load(directory), threshold=threshold, label_map=label_map)

    @property
    def categories(self) -> list[str]:
        return [self.label_map.get(c, c) for c in self.model.classes]

    def _suggestion(self, text: Any, p: Prediction) -> Suggestion:
        category = self.label_map.get(p.label, p.label)
        if not prepare(text):
            return Suggestion(category, 0.0, True, ("empty text",))
        return Suggestion(category, p.confidence, p.confidence < self.threshold, p.top_terms)

    def suggest(self, text: Any) -> Suggestion:
        return self._suggestion(text, self.model.predict([text])[0])

    def suggest_many(self, texts: Sequence[Any]) -> list[Suggestion]:
        predictions = self.model.predict(texts)
        return [self._suggestion(t, p) for t, p in zip(texts, predictions, strict=True)]
