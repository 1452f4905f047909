"""The normaliser undoes evasion and maps every span back into the original text."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scamscore.normalize import normalise
from tests.conftest import ENGINES, engine

CASES = [
    # (original, normalised, obfuscation evidence quoted from the original)
    ("𝗙𝗥𝗘𝗘 𝗛𝗢𝗨𝗦𝗜𝗡𝗚", "free housing", []),
    ("ＦＲＥＥ visa", "free visa", []),
    ("g u a r a n t e e d", "guaranteed", ["g u a r a n t e e d"]),
    ("W.h.a.t.s.A.p.p me", "whatsapp me", ["W.h.a.t.s.A.p.p"]),
    ("f💰r💰e💰e housing", "free housing", ["f💰r💰e💰e"]),
    ("wh@tsapp", "whatsapp", []),
    ("fr33 v1sa", "free visa", []),
    ("freeeeee", "fre", []),
    ("frее", "free", ["frее"]),                     # Cyrillic е inside a Latin word
    ("Рaбота", "работа", ["Рaбота"]),               # Latin a inside a Cyrillic word
    ("раб0та", "работа", []),
    ("v1sа", "visa", ["v1sа"]),                     # Cyrillic а and a leet digit in one word
    ("fr3е", "free", ["fr3е"]),
    ("free\u200bhousing", "freehousing", ["e\u200bh"]),
    ("Promoção GRÁTIS", "promocao gratis", []),
    ("жильё", "жилье", []),
    ("नौकरी विदेश में", "नौकरी विदेश में", []),
    ("U S A", "u s a", []),                         # three letters are not a spaced word
    ("Registration fee N5,000", "registration fee n5,000", []),  # a currency letter, not leet
    ("salary R15000, Ksh500 or Rs5000", "salary r15000, ksh500 or rs5000", []),
    ("earn x10 a day, x2 bonus", "earn x10 a day, x2 bonus", []),  # multipliers, not leet
    ("R$1500 por mês ou US$80", "r$1500 por mes ou us$80", []),
    ("fr33 h0us1ng", "free housing", []),           # two leet digits at the end are still leet
]


@pytest.mark.parametrize(("original", "expected", "evidence"), CASES, ids=[c[0] for c in CASES])
def test_normalise_cases(original: str, expected: str, evidence: list[str]) -> None:
    n = normalise(original)
    assert n.text == expected
    assert [original[a:b] for a, b in n.obfuscation] == evidence


def test_spans_point_into_the_original() -> None:
    original = "Call 𝗪𝗵𝗮𝘁𝘀𝗔𝗽𝗽 for g u a r a n t e e d jobs"
    n = normalise(original)
    start = n.text.index("whatsapp")
    a, b = n.to_original(start, start + len("whatsapp"))
    assert original[a:b] == "𝗪𝗵𝗮𝘁𝘀𝗔𝗽𝗽"
    start = n.text.index("guaranteed")
    a, b = n.to_original(start, start + len("guaranteed"))
    assert original[a:b] == "g u a r a n t e e d"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_span_map_is_consistent(text: str) -> None:
    n = normalise(text)
    if n.starts is None:  # nothing inserted or removed: the implicit map is the identity
        assert n.ends is None and len(n.text) == len(text)
    else:
        assert len(n.starts) == len(n.ends) == len(n.text)
    spans = [n.to_original(i, i + 1) for i in range(len(n.text))]
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    assert all(a[0] <= b[0] for a, b in pairwise(spans))
    for a, b in n.obfuscation:
        assert 0 <= a < b <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once


def test_numeral_that_is_not_a_letter_does_not_break_leetspeak() -> None:
    assert normalise("0\U00011fc0").text == "0\U00011fc0"


_PRECHECK_ALPHABET = list("aeo Zé_13@$½Ⅻ٣ .-•/ дЕоαο😀\n")


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(_PRECHECK_ALPHABET), max_size=30))
def test_re2_prechecks_find_whatever_their_pass_would_change(text: str) -> None:
    """Each pass skips a post its RE2 pre-check does not match: the pre-check must match
    wherever the pass's own Python pattern would."""
    from scamscore import normalize as n

    if n._MIXED_HINT.search(text):
        assert n._MIXED_HINT_RE2.search(text)
    if n._SPACED.search(text):
        assert n._SPACED_RE2.search(text)
    unchecked = n._Builder(text)
    _leet_without_precheck(n, unchecked)
    if unchecked.text != text:
        assert n._LEET_AFTER_LETTER.search(text)


def _leet_without_precheck(n, b) -> None:
    """The leetspeak pass with its pre-check forced to pass."""
    saved = n._LEET_AFTER_LETTER
    n._LEET_AFTER_LETTER = n._precheck("")
    try:
        n._leetspeak(b)
    finally:
        n._LEET_AFTER_LETTER = saved


@given(st.text(alphabet=st.sampled_from(list("aZ é\u0301ﬁ①²Ａ𝗳…™㍿ﾊ\u200bД😀\ufe0f\ud800")), max_size=40))
def test_nfkc_by_class_equals_nfkc_character_by_character(text: str) -> None:
    """Batches find the characters NFKC changes through a class built from the Unicode
    tables; the result equals normalising every character on its own."""
    import unicodedata

    from scamscore.normalize import _Builder, _nfkc, _nfkc_candidates

    expected = "".join(unicodedata.normalize("NFKC", ch) for ch in text)
    for by_class in (True, False):
        changed = {i: unicodedata.normalize("NFKC", ch) for i, ch in _nfkc_candidates(text, by_class)}
        assert "".join(changed.get(i, ch) for i, ch in enumerate(text)) == expected
    builder = _Builder(text)
    _nfkc(builder)
    assert builder.text == expected


@given(st.text(alphabet=st.sampled_from(list("aZ é\u0301ﬁ①²Ａ𝗳…™㍿ﾊ\u200bД😀\ufe0f\ud800㎏½")), max_size=40))
def test_nfkc_by_compiled_tables_equals_nfkc_character_by_character(text: str) -> None:
    """Batches (once the tables are built) translate the one-for-one NFKC changes in one
    compiled pass and splice in the rest: the text, and each character's original span,
    are those of normalising every character on its own."""
    import unicodedata

    from scamscore.normalize import _Builder, _nfkc, _nfkc_tables

    _nfkc_tables()  # built: every post that is not NFKC-normal takes the compiled pass
    with engine("compiled"):
        builder = _Builder(text)
        _nfkc(builder)
    pieces = [unicodedata.normalize("NFKC", ch) for ch in text]
    assert builder.text == "".join(pieces)
    spans = [(i, i + 1) for i, piece in enumerate(pieces) for _ in piece]
    assert [builder.span(i, i + 1) for i in range(len(builder.text))] == spans


_SPLICE_ALPHABET = list("ab é日😀\u200bД\U0001d5f3")


@st.composite
def _text_and_edits(draw) -> tuple[str, bool, list[tuple[int, int, str]]]:
    text = draw(st.text(alphabet=st.sampled_from(_SPLICE_ALPHABET), max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for i, j in zip(cuts[::2], cuts[1::2], strict=False):
        if j > i:
            edits.append((i, j, draw(st.text(alphabet=st.sampled_from(_SPLICE_ALPHABET), max_size=4))))
    return text, draw(st.booleans()), edits


@pytest.mark.parametrize("name", ENGINES)
@given(case=_text_and_edits())
def test_the_compiled_splice_edits_text_and_maps_as_python_does(name: str, case) -> None:
    """Both builders give the same text (a canonical str: equal and hashed alike) and the
    same original spans, from the identity map or from one an earlier edit left."""
    from scamscore.normalize import _Builder

    text, earlier_edit, edits = case

    def built() -> tuple[str, list[int] | None, list[int] | None]:
        b = _Builder(text)
        if earlier_edit and text:
            b.apply([(0, 1, "xy")])  # the maps become explicit
        b.apply([(i + 1, j + 1, new) for i, j, new in edits] if earlier_edit and text else edits)
        return b.text, None if b.starts is None else list(b.starts), None if b.ends is None else list(b.ends)

    with engine("numpy"):
        expected = built()
    with engine(name):
        got = built()
    assert got == expected
    assert hash(got[0]) == hash(expected[0]) and got[0].isascii() == expected[0].isascii()


@pytest.mark.parametrize("name", ENGINES)
def test_corpus_posts_normalise_the_same_with_and_without_the_compiled_splice(name: str) -> None:
    from scamscore.dataset import load_corpus

    texts = load_corpus()["text"].tolist()

    def normalised() -> list[tuple]:
        return [(n.text, n.starts and list(n.starts), n.ends and list(n.ends), n.obfuscation)
                for n in map(normalise, texts)]

    with engine("numpy"):
        expected = normalised()
    with engine(name):
        assert normalised() == expected


@pytest.mark.parametrize("name", ENGINES)
@given(text=st.text(alphabet=st.sampled_from(list("aaAé_1٣²ДДд😀 \u0301")), max_size=40))
def test_stretched_letters_are_the_runs_the_python_pattern_finds(name: str, text: str) -> None:
    from scamscore.normalize import _STRETCH, _Builder, _stretched

    b = _Builder(text)
    with engine(name):
        _stretched(b)
    expected = _STRETCH.sub(lambda m: m.group(1), text)
    assert b.text == expected and hash(b.text) == hash(expected)


_TOKEN_ALPHABET = list("aZé_0134@$9٣² .-дЕ\u200b\u00ad\ufe0f😀N,")


@given(st.text(alphabet=st.sampled_from(_TOKEN_ALPHABET), max_size=40))
def test_compiled_scans_find_what_the_python_patterns_find(text: str) -> None:
    """The compiled leetspeak-token and invisible-character scans return the spans and
    positions of the regexes they stand for (less the tokens the leetspeak pass skips: those
    without a leet character after a letter)."""
    from scamscore import normalize as n

    def leet_after_letter(token: str) -> bool:
        first = next((i for i, ch in enumerate(token) if ch.isalpha()), len(token))
        return n._LEET_CHARS.search(token, first) is not None

    with engine("compiled"):
        from scamscore import compiled

        assert compiled.FAST.leet_tokens(text) == [m.span() for m in n._LEET_TOKEN.finditer(text)
                                                   if leet_after_letter(m.group())]
        edits, inside_words = compiled.FAST.removals(text, n._INVISIBLE_TABLE)
        assert edits == [(m.start(), m.end(), "") for m in n._INVISIBLE.finditer(text)]
        assert inside_words == [(i - 1, i + 2) for i, _, _ in edits
                                if 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from([*_TOKEN_ALPHABET, *_SPLICE_ALPHABET, *"ooo   vv1sa fr33 g.u.a",
                                         *"ÉèñçёЙ’–\u2212أإةى\u064b\u0301ΆİẞǅⅫ"]), max_size=60))
def test_normalise_is_the_same_with_and_without_the_compiled_loops(text: str) -> None:
    def normalised() -> tuple:
        n = normalise(text)
        return n.text, n.starts and list(n.starts), n.ends and list(n.ends), n.obfuscation

    with engine("numpy"):
        expected = normalised()
    with engine("compiled"):
        assert normalised() == expected


def test_the_compiled_fold_maps_every_character_as_the_fold_pattern_does() -> None:
    from scamscore import normalize as n

    foldable, folded = n._fold_pattern()
    every = "".join(map(chr, range(len(n._fold_codes()) + 50)))
    with engine("compiled"):
        from scamscore import compiled

        got = compiled.FAST.translate(every, n._fold_codes())
    expected = foldable.sub(lambda m: folded[m.group()], every)
    assert got == expected and hash(got) == hash(expected)
