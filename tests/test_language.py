"""Language detection is deterministic, with either backend."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscore.language import UNDETERMINED, detect_language
from tests.conftest import ENGINES, engine

SAMPLES = {
    "en": "We are hiring waitresses for a hotel abroad, flights and housing included",
    "es": "Buscamos chicas para trabajar en un hotel en el extranjero, vuelos incluidos",
    "fr": "Nous recrutons des serveuses pour un hôtel à l'étranger, logement compris",
    "pt": "Estamos contratando garçonetes para um hotel no exterior, com moradia incluída",
    "ru": "Работа в Татарстане для девушек, жильё и питание бесплатно",
    "ar": "مطلوب فتيات للعمل في فندق بالخارج مع سكن مجاني وتذاكر طيران",
    "hi": "विदेश में होटल में काम के लिए लड़कियों की जरूरत, रहना और खाना मुफ्त",
    "sw": "Tunatafuta wasichana kufanya kazi hotelini nje ya nchi, malazi bure na tiketi",
}


@pytest.mark.parametrize(("lang", "text"), sorted(SAMPLES.items()))
def test_py3langid_detects_supported_languages(lang: str, text: str) -> None:
    assert detect_language(text) == lang


def test_too_short_is_undetermined() -> None:
    assert detect_language("ok 👍 http://x.co") == UNDETERMINED


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown language detector"):
        detect_language("hello world hello", backend="nope")


def test_langdetect_is_deterministic_across_processes() -> None:
    code = ("from scamscore.language import detect_language as d; "
            f"print([d(t, 'langdetect') for t in {list(SAMPLES.values())!r}])")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout for _ in range(3)}
    assert len(outputs) == 1


def _trie_depth() -> int:
    """Depth of py3langid's keyword trie, found breadth first over its automaton."""
    import numpy as np

    from scamscore.language import _py3langid

    identifier = _py3langid()
    moves = np.frombuffer(identifier.tk_nextmove, dtype=np.uint32)
    rowbase = np.asarray(identifier.tk_row, dtype=np.int64) << 8
    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    frontier, depth = np.zeros(1, dtype=np.int64), 0
    while True:
        targets = np.unique(moves[(rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = targets[~seen[targets]].astype(np.int64)
        if not len(frontier):
            return depth
        seen[frontier] = True
        depth += 1


def test_the_window_covers_the_deepest_trie_node() -> None:
    from scamscore.language import _Automaton

    assert _trie_depth() <= _Automaton.WINDOW


def _mixed_texts() -> list[str]:
    import random

    from scamscore.dataset import load_corpus

    rng = random.Random(0)
    alphabet = "abcdeñé ДЖжа日本😀\u0627\u0644\u0915\u093f 0123\n.,!?"
    texts = load_corpus()["text"].tolist()[::4]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200))) for _ in range(300)]
    return texts + list(SAMPLES.values())


@pytest.mark.parametrize("name", ENGINES)
def test_batch_counts_equal_the_automaton_walk(monkeypatch, name) -> None:
    from scamscore import language

    monkeypatch.setattr(language, "_BATCH_BYTES", 4000)  # posts straddle numpy batches
    datas = [d for d in map(language._prepare, _mixed_texts()) if d is not None]
    with engine(name):
        counted = language._automaton().counts(datas)
    for data, (features, counts) in zip(datas, counted, strict=True):
        walked_features, walked_counts = language._walk_counts(data)
        assert features.tolist() == walked_features.tolist()
        assert counts.tolist() == walked_counts.tolist()


@pytest.mark.parametrize("name", ENGINES)
def test_a_post_gets_the_same_language_alone_and_in_a_batch(name) -> None:
    from scamscore.language import BATCH_MIN_POSTS, detect_languages

    texts = _mixed_texts()
    assert len(texts) >= BATCH_MIN_POSTS
    with engine("numpy"):  # alone: py3langid's own walk
        alone = [detect_language(t) for t in texts]
    with engine(name):
        assert detect_languages(texts) == alone


def test_agrees_with_py3langid_classify() -> None:
    from scamscore.language import _clean, _prepare, _py3langid

    texts = [t for t in _mixed_texts() if _prepare(t) is not None]
    ours = [detect_language(t) for t in texts]
    identifier = _py3langid()
    theirs = [identifier.classify(_clean(t[:4000]))[0] for t in texts]
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    assert agree >= 0.999 * len(texts)


_NOISY = st.text(alphabet=st.sampled_from(list("ab Zé_1²½Ⅻ٣@#:/.w h t p s\n😀☀д")), max_size=40)


# pieces of links among noisy characters
_URLISH = st.lists(st.sampled_from([*"ab Z_1²٣@#:/.ws\n\u2003😀☀д", "http://", "https://", "www.", "http"]),
                   max_size=25).map("".join)


@pytest.mark.parametrize("name", ENGINES)
@given(text=st.one_of(_NOISY, _URLISH))
def test_clean_equals_the_full_noise_pattern(name: str, text: str) -> None:
    """The quick cleaners (no "@" alternatives when the text has no "@"; the compiled
    one) remove the same as the full pattern, and give a canonical str."""
    from scamscore import language

    with engine(name):
        cleaned = language._clean(text)
    expected = language._NOISE.sub(" ", text)
    assert cleaned == expected and hash(cleaned) == hash(expected)


def test_clean_on_corpus_posts_equals_the_full_noise_pattern() -> None:
    from scamscore import language
    from scamscore.dataset import load_corpus

    with engine("compiled"):
        for text in load_corpus()["text"]:
            assert language._clean(text) == language._NOISE.sub(" ", text)


@given(_NOISY)
def test_too_short_counts_alphabetic_characters(text: str) -> None:
    from scamscore import language

    assert language._too_short(text) == (sum(map(str.isalpha, text)) < language.MIN_LETTERS)
