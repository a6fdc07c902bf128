"""Short-text similarity shared by the duplicate finder and the hotspot miner (no Django).

A text is prepared (:func:`gongzhi.intel.text.prepare`: normalised, personal data
scrubbed), cut to its head (:data:`HEAD_CHARS`: the subject and the first sentences say
what and where), and turned into features:

* character bigrams inside runs of Chinese characters — they need no dictionary, so
  unknown estate, road and village names still match, and they cost a quarter of word
  segmentation (the miner featurises a million texts; words are used only for the key
  phrases of the groups found);
* ASCII words and numbers (building and bus-line numbers), lower-cased.

:func:`place_keys` picks the names in front of address suffixes (小区, 花园, 苑, 路, 村,
栋...) — Chinese address grammar, nothing tuned to one data set — so that "the same
problem" can also mean "at the same place".

Placeholders of scrubbed personal data (``TELNO``...) are dropped: two messages do not
become similar because both carry a phone number.  Features are hashed in compiled code
(``FeatureHasher``) into :data:`N_FEATURES` columns and weighted TF-IDF (sublinear tf,
smoothed idf, L2-normalised rows), so the cosine of two rows is a dot product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher

from gongzhi.intel.text import PLACEHOLDERS, prepare

#: Characters of a prepared text that are used for similarity.
HEAD_CHARS = 240
HASH_BITS = 20
N_FEATURES = 2**HASH_BITS

_PLACEHOLDER_WORDS = frozenset(p.lower() for p in PLACEHOLDERS.values())
_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]{2,}")
_ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]+")
_PLACE_RE = re.compile(
    r"([\u4e00-\u9fff]{2})(?:小区|花园|家园|新村|新城|公寓|大厦|广场|社区|小学|中学|学校|医院|"
    r"公园|市场|商场|山庄|华庭|雅居|名都|国际|村|苑|园|城|府|庭|湾|里|路|街|巷|大道|镇|乡|组|栋)"
)
# Words that stand before an address suffix without naming a place.
_NOT_PLACES = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "整个",
        "所在",
        "附近",
        "周边",
        "我的",
        "一个",
        "居住",
        "住在",
        "所有",
        "全市",
        "各个",
        "城市",
        "农村",
        "本小",
        "该小",
        "此小",
        "老旧",
        "新建",
        "周围",
        "社区",
        "县城",
        "进城",
        "小区",
        "公共",
        "道路",
        "马路",
        "公路",
        "街道",
        "铁路",
        "高速",
        "线路",
        "出行",
        "上学",
        "学校",
        "幼儿",
        "医院",
        "家里",
        "到底",
        "一下",
        "尽快",
        "立即",
        "相关",
        "回家",
        "进出",
        "出入",
        "当地",
        "城乡",
        "城区",
        "辖区",
        "商品",
        "单元",
        "每栋",
        "整栋",
        "这栋",
        "那栋",
        "一栋",
        "楼栋",
        "小组",
        "村组",
        "村民",
    ]
)

_hasher = FeatureHasher(
    n_features=N_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32
)


def features(prepared: str) -> list[str]:
    """Feature strings of one *prepared* text (see the module docstring)."""
    head = prepared[:HEAD_CHARS]
    if not head:
        return []
    feats: list[str] = []
    for run in _CJK_RUN_RE.findall(head):
        feats.extend([run[i : i + 2] for i in range(len(run) - 1)])
    for word in _ASCII_WORD_RE.findall(head):
        word = word.lower()
        if word not in _PLACEHOLDER_WORDS:
            feats.append(word)
    return feats


def place_keys(prepared: str, limit: int = 4) -> list[str]:
    """Up to ``limit`` place names (the two characters before an address suffix)."""
    keys: list[str] = []
    for m in _PLACE_RE.finditer(prepared[:HEAD_CHARS]):
        key = m.group(1)
        if key not in _NOT_PLACES and key not in keys:
            keys.append(key)
            if len(keys) == limit:
                break
    return keys


def _head(value: object) -> str:
    # Cut before preparing: normalising 5,000 characters to use 240 would cost 20 times more.
    if isinstance(value, str):
        value = value[: 2 * HEAD_CHARS]
    return prepare(value)[:HEAD_CHARS]


def analyse(texts: Iterable[object]) -> list[list[str]]:
    """Prepare then featurise each text (anything a CSV cell can hold; never raises)."""
    return [features(_head(t)) for t in texts]


def analyse_with_places(texts: Iterable[object]) -> tuple[list[list[str]], list[list[str]]]:
    """:func:`analyse` and :func:`place_keys` of each text, preparing it once."""
    feats: list[list[str]] = []
    places: list[list[str]] = []
    for t in texts:
        head = _head(t)
        feats.append(features(head))
        places.append(place_keys(head))
    return feats, places


def counts(feats: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """Hashed feature counts, one row per text."""
    if not feats:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    matrix = _hasher.transform(feats)
    matrix.sum_duplicates()
    return matrix.tocsr()


def document_frequency(matrix: sp.csr_matrix) -> np.ndarray:
    return np.bincount(matrix.indices, minlength=N_FEATURES).astype(np.float32)


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


def tfidf(matrix: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf × idf, rows L2-normalised (empty rows stay empty)."""
    n = matrix.shape[0]
    data = (np.log(np.maximum(matrix.data, 1.0)) + 1.0).astype(np.float32)
    data *= idf[matrix.indices]
    row_of = np.repeat(np.arange(n), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n)).astype(np.float32)
    norms[norms == 0] = 1.0
    data /= norms[row_of]
    return sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def pair_cosines(x: sp.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cosine of rows ``left[i]`` and ``right[i]`` of an L2-normalised matrix."""
    out = np.zeros(len(left), dtype=np.float32)
    step = 200_000
    for start in range(0, len(left), step):
        a = x[left[start : start + step]]
        b = x[right[start : start + step]]
        out[start : start + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out
