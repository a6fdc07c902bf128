"""Text preparation for appeals: normalise, scrub personal data, segment.

Pure Python (no Django).  Every function accepts anything a CSV cell or a form can
hand over (``None``, numbers, bytes, binary junk, megabytes of text) and never raises.

Pipeline, in order:

1. :func:`normalise` — decode bytes, drop control characters, cut at
   :data:`MAX_CHARS`, Unicode NFKC (full-width letters/digits/punctuation become
   half-width), traditional → simplified Chinese (OpenCC ``t2s``), collapse whitespace.
2. :func:`scrub` — replace phone numbers, ID-card numbers, bank-card-like digit runs
   and e-mail addresses by placeholder tokens (:data:`PLACEHOLDERS`), so that no
   personal number ever reaches a model, its vocabulary or a log.
3. :func:`tokenize` — word segmentation (rjieba, falling back to jieba) with a user
   dictionary of local names (estates, roads) the community can extend, minus
   punctuation and stop words.
4. :func:`char_ngrams` — character n-grams, which need no dictionary at all.

:func:`prepare` runs steps 1 and 2; the classifier calls it before anything else.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

#: Texts are cut to this many characters (after normalisation).  A few hundred
#: characters carry the topic of an appeal; 5,000 keeps the odd pasted document
#: (or a binary blob) from costing more than a few milliseconds.
MAX_CHARS = 5000

#: Placeholder tokens that replace personal data.  ASCII words so that every
#: segmenter keeps each one as a single token.
PLACEHOLDERS = {
    "id": "IDNO",
    "phone": "TELNO",
    "card": "CARDNO",
    "email": "EMAIL",
}

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The shipped user dictionary (jieba format: ``word [freq] [tag]`` per line).
DEFAULT_USER_DICT = DATA_DIR / "userdict.txt"
#: Extra user dictionaries, separated by ``os.pathsep``: the community's own list of
#: estates, roads and village names.
USER_DICT_ENV = "GONGZHI_INTEL_USERDICT"

# --- normalisation -----------------------------------------------------------------

# C0/C1 control characters except tab/newline/CR, plus zero-width and BOM characters.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_WS_RE = re.compile(r"\s+")
# Private-use, surrogate and replacement characters show up when bytes are mis-decoded.
_JUNK_RE = re.compile("[\ue000-\uf8ff\ud800-\udfff\ufffd\U000f0000-\U0010ffff]")


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_opencc_lock = threading.Lock()
_opencc: _Converter | None = None
_opencc_failed = False


def _t2s() -> _Converter | None:
    """The OpenCC traditional→simplified converter, created once (thread-safe)."""
    global _opencc, _opencc_failed
    if _opencc is not None or _opencc_failed:
        return _opencc
    with _opencc_lock:
        if _opencc is None and not _opencc_failed:
            try:
                import opencc

                _opencc = opencc.OpenCC("t2s")
            except Exception:  # pragma: no cover - depends on the installation
                logger.warning("OpenCC is not available: traditional characters are kept")
                _opencc_failed = True
    return _opencc


def to_text(value: Any) -> str:
    """Anything → ``str``: ``None`` → ``""``, bytes decoded (UTF-8, then GB18030)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value[: MAX_CHARS * 4])
        for encoding in ("utf-8", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", errors="replace")
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet cell
        return ""
    return str(value)


def normalise(value: Any, *, max_chars: int = MAX_CHARS) -> str:
    """Normalise one text: NFKC, traditional→simplified, no control chars, one space.

    >>> normalise("  ＡＢＣ１２３，這裡的馬路壞了\\t\\n ")
    'ABC123,这里的马路坏了'
    """
    text = to_text(value)
    if not text:
        return ""
    # Cut generously before the expensive steps, exactly after them.
    text = text[: max_chars * 2]
    text = _CONTROL_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _JUNK_RE.sub(" ", text)
        converter = _t2s()
        if converter is not None:
            text = converter.convert(text)
    text = _WS_RE.sub(" ", text).strip()
    return text[:max_chars].strip()


# --- scrubbing of personal data ------------------------------------------------------

_DIGIT_OR_AT_RE = re.compile(r"[0-9@]")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 18-digit resident ID (last char may be X) and the old 15-digit form.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]|[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})"
    r"(?![0-9A-Za-z])"
)
# Mainland mobile numbers, optionally with +86 and separators (138-1234-5678).
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
# Landlines: area code 0xx(x) + 7-8 digits, with or without a dash or brackets.
_LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?!\d)")
# Any other long run of digits (bank cards, account numbers): 12 digits or more.
_CARD_RE = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,}(?!\d)")


def scrub(text: str) -> str:
    """Replace e-mails, ID numbers, phone numbers and long digit runs by placeholders.

    >>> scrub("电话13812345678,身份证430102199001011234")
    '电话 TELNO ,身份证 IDNO '
    """
    if not text or not _DIGIT_OR_AT_RE.search(text):
        return text
    text = _EMAIL_RE.sub(f" {PLACEHOLDERS['email']} ", text)
    text = _ID_RE.sub(f" {PLACEHOLDERS['id']} ", text)
    text = _MOBILE_RE.sub(f" {PLACEHOLDERS['phone']} ", text)
    text = _LANDLINE_RE.sub(f" {PLACEHOLDERS['phone']} ", text)
    return _CARD_RE.sub(f" {PLACEHOLDERS['card']} ", text)


def prepare(value: Any, *, max_chars: int = MAX_CHARS) -> str:
    """Normalise then scrub: the only form of a text the models ever see."""
    return scrub(normalise(value, max_chars=max_chars))


# --- segmentation --------------------------------------------------------------------

_STOPWORD_TEXT = """
    的 了 是 在 和 与 及 或 也 都 就 而 但 又 还 被 把 对 向 从 给 让 为 以 于 之 其 这 那 此
    我 你 他 她 它 我们 你们 他们 她们 自己 大家 本人 有 没有 无 不 没 很 非常 太 更 最 已 已经
    一个 一些 这个 那个 这些 那些 什么 怎么 如何 为什么 哪里 多少 吗 呢 吧 啊 呀 哦 嘛 么
    可以 能 能否 会 要 想 请 请问 希望 您好 你好 谢谢 感谢 领导 相关 有关 部门 问题 情况 反映
    关于 目前 现在 如果 因为 所以 但是 而且 并且 然后 同时 以及 或者 还是 等 等等 着 过 个
    上 下 中 里 内 外 前 后 年 月 日 号 时 市 区 县 省
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class _Segmenter(Protocol):
    def cut(self, text: str) -> list[str]: ...


class _RJieba:
    def __init__(self) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self._jieba.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return list(self._jieba.cut(text, False))


class _PyJieba:  # pragma: no cover - used only when rjieba is missing
    def __init__(self) -> None:
        import jieba

        self._jieba = jieba.Tokenizer()

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self._jieba.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return list(self._jieba.lcut(text, HMM=False))


def read_user_dict(path: str | os.PathLike[str]) -> list[tuple[str, int | None, str | None]]:
    """Read a jieba-format user dictionary: ``word [freq] [tag]`` per line, ``#`` comments.

    Unreadable files and malformed lines are skipped with a warning.
    """
    entries: list[tuple[str, int | None, str | None]] = []
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("cannot read user dictionary %s: %s", path, exc)
        return entries
    for line in content.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        word = normalise(parts[0], max_chars=40)
        if not word:
            continue
        freq: int | None = None
        tag: str | None = None
        if len(parts) > 1:
            if parts[1].isdigit():
                freq = int(parts[1])
                tag = parts[2] if len(parts) > 2 else None
            else:
                tag = parts[1]
        entries.append((word, freq, tag))
    return entries


def _user_dict_paths() -> list[Path]:
    paths = [DEFAULT_USER_DICT]
    extra = os.environ.get(USER_DICT_ENV, "")
    paths.extend(Path(p) for p in extra.split(os.pathsep) if p.strip())
    return paths


class Tokenizer:
    """Word segmenter with user dictionaries; thread-safe, picklable (rebuilt on load).

    ``extra_words`` are added on top of the shipped dictionary and the files named in
    ``$GONGZHI_INTEL_USERDICT``: a classifier adds its topic keywords this way.
    """

    def __init__(self, extra_words: Iterable[str] = (), *, user_dicts: bool = True) -> None:
        self.extra_words = tuple(dict.fromkeys(w for w in extra_words if w))
        self.user_dicts = user_dicts
        self._seg: _Segmenter | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"extra_words": self.extra_words, "user_dicts": self.user_dicts}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["extra_words"], user_dicts=state["user_dicts"])  # type: ignore[misc]

    def _segmenter(self) -> _Segmenter:
        if self._seg is not None:
            return self._seg
        with self._lock:
            if self._seg is None:
                seg: Any
                try:
                    seg = _RJieba()
                except ImportError:  # pragma: no cover
                    seg = _PyJieba()
                if self.user_dicts:
                    for path in _user_dict_paths():
                        for word, freq, tag in read_user_dict(path):
                            seg.add_word(word, freq, tag)
                for word in self.extra_words:
                    seg.add_word(word, None, None)
                self._seg = seg
        return self._seg

    def cut(self, text: str) -> list[str]:
        """All segments, punctuation included (for display and debugging)."""
        if not text:
            return []
        return self._segmenter().cut(text)

    def tokens(self, text: str) -> list[str]:
        """Content tokens: no punctuation, whitespace, stop words or bare numbers."""
        if not text:
            return []
        stop = _STOPWORDS
        return [
            t
            for t in self._segmenter().cut(text.lower())
            if t.isalnum() and t not in stop and not t.isdigit()
        ]


@functools.lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    return Tokenizer()


def tokenize(value: Any) -> list[str]:
    """Prepare and segment one text with the default tokenizer."""
    return default_tokenizer().tokens(prepare(value))


_NOT_CJK_RE = re.compile(r"[^\u4e00-\u9fff]+")
_ALNUM_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def char_ngrams(text: str, n_min: int = 1, n_max: int = 3, *, prefix: str = "") -> list[str]:
    """Character n-grams within each run of Chinese characters, plus ASCII words.

    Punctuation, spaces and ASCII words end a run, so no gram spans them; each ASCII
    word (lower-cased) counts as one unigram.  Every gram gets ``prefix`` in front.
    """
    grams: list[str] = []
    for run in _NOT_CJK_RE.split(text):
        size = len(run)
        for n in range(n_min, min(n_max, size) + 1):
            grams.extend([prefix + run[i : i + n] for i in range(size - n + 1)])
    if n_min <= 1:
        grams.extend([prefix + w.lower() for w in _ALNUM_WORD_RE.findall(text)])
    return grams
