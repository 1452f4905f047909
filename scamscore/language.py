"""Deterministic language detection for posts.

Two backends: `py3langid` (default: fast, deterministic, covers our languages) and
`langdetect` (seeded, so it is deterministic too). Both see the post with links, handles,
e-mail addresses, numbers and emoji removed, and both are restricted to the languages
recruitment posts in our scope are written in, so that short Russian posts are not read as
Bulgarian. Text too short to tell gets "und".
"""

from __future__ import annotations

import re
from functools import lru_cache

SUPPORTED = ("en", "es", "fr", "pt", "ru", "sw", "ar", "hi")
# Languages we report but have no lexicon for: neighbours of the supported ones and the
# languages of the regions the documented campaigns recruit from.
REPORTED = (
    *SUPPORTED,
    "uk", "kk", "ky", "uz", "tg", "tr", "az", "id", "ms", "tl", "th", "vi", "my", "km", "lo",
    "am", "ha", "yo", "ig", "zu", "so", "ur", "bn", "ne", "fa", "zh", "de", "it", "pl", "ro", "nl",
)
BACKENDS = ("py3langid", "langdetect")
UNDETERMINED = "und"
MIN_LETTERS = 8

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+|@\w+|#|\d+|[\U0001F000-\U0001FAFF\u2600-\u27BF]"
)


def _clean(text: str) -> str:
    return _NOISE.sub(" ", text)


@lru_cache(maxsize=1)
def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(REPORTED))
    return identifier


@lru_cache(maxsize=1)
def _langdetect():
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    from langdetect import detect

    return detect


def detect_language(text: str, backend: str = "py3langid") -> str:
    """ISO 639-1 code of the post's main language, or "und" when it cannot be told."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown language detector {backend!r}; choose from {BACKENDS}")
    cleaned = _clean(text[:4000])
    if sum(ch.isalpha() for ch in cleaned) < MIN_LETTERS:
        return UNDETERMINED
    if backend == "py3langid":
        lang, _ = _py3langid().classify(cleaned)
        return str(lang)
    from langdetect.lang_detect_exception import LangDetectException

    try:
        lang = _langdetect()(cleaned)
    except LangDetectException:
        return UNDETERMINED
    return lang.split("-")[0]
