"""Computed signals: table-driven examples, evidence quoted from the original text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscore.computed import COMPUTED, case_counts
from scamscore.lexicon import load_catalogue
from scamscore.normalize import normalise
from tests.conftest import ENGINES, engine

CASES = [
    ("PHONE_NUMBER", "Call +7 912 345-67-89 today", ["+7 912 345-67-89"]),
    ("PHONE_NUMBER", "WhatsApp 0712 345 678 now", ["0712 345 678"]),
    ("PHONE_NUMBER", "text plus seven nine one two three four five six seven", ["plus seven nine one two three four five six seven"]),
    ("PHONE_NUMBER", "Founded in 2019, 120 staff", None),
    ("MESSENGER_HANDLE", "write to t.me/goodjobs_hr", ["t.me/goodjobs_hr"]),
    ("MESSENGER_HANDLE", "DM @newstart_team for info", ["@newstart_team"]),
    ("MESSENGER_HANDLE", "mail jobs at gmail dot com", ["jobs at gmail dot com"]),
    ("MESSENGER_HANDLE", "email hr@company.com", None),
    ("MONEY_AMOUNT", "Salary $1,500 per month", ["$1,500"]),
    ("MONEY_AMOUNT", "Зарплата 80 000 руб", ["80 000 руб"]),
    ("MONEY_AMOUNT", "pay 300 USD for the visa", ["300 USD"]),
    ("MONEY_AMOUNT", "We have 3 shifts a day", None),
    ("MONEY_AMOUNT", "The medical fee is GH₵1,200", ["GH₵1,200"]),
    ("MONEY_AMOUNT", "Custos: 25.000 MT de abertura do processo", ["25.000 MT"]),
    ("MONEY_AMOUNT", "оплатить страховку (2 100 000 сум)", ["2 100 000 сум"]),
    ("MONEY_AMOUNT", "un dépôt de garantie de 10 000 F est demandé", ["10 000 F"]),
    ("MONEY_AMOUNT", "कुल खर्चा 3.5 लाख", ["3.5 लाख"]),
    ("MONEY_AMOUNT", "Office on the 3F, room 12F", None),
    ("LINK", "apply at https://careers.example.org/jobs/42", ["https://careers.example.org/jobs/42"]),
    ("LINK", "no links here", None),
    ("EMOJI_DENSITY", "🔥🔥🔥 JOBS 💰💰", ["🔥", "🔥", "🔥"]),
    ("EMOJI_DENSITY", "🇷🇺🇷🇺 work 🔥", ["🇷🇺", "🇷🇺"]),  # flags quoted whole, not 🇷
    ("EMOJI_DENSITY", "A calm post with one emoji 🙂 and a lot of ordinary words in it.", None),
    ("CAPS_DENSITY", "URGENT HIRING GIRLS FOR HOTEL WORK ABROAD", []),
    ("CAPS_DENSITY", "An ordinary sentence with a Name in it.", None),
    ("QUOTED_TEXT", 'My cousin got this: "free flight, girls 18-22 only". Real?', ["free flight, girls 18-22 only"]),
    ("QUOTED_TEXT", "On lui a promis « un logement gratuit et 800 dollars » là-bas",
     [" un logement gratuit et 800 dollars "]),
    ("QUOTED_TEXT", "Они обещали „работу в отеле“ и «бесплатное жильё для девушек»",
     ["работу в отеле", "бесплатное жильё для девушек"]),
    ("QUOTED_TEXT", 'Models 5\'4" to 5\'9", "send your photos to our manager now"',
     ["send your photos to our manager now"]),  # feet and inches are no quotation marks
    ("QUOTED_TEXT", 'Get "FREE" housing and a "BIG" salary, DM me', None),  # emphasis, not a quote
    ("QUOTED_TEXT", 'He said "come to Dubai and never stop earning money', None),  # never closed
    ("OBFUSCATED_TEXT", "free h o u s i n g", ["h o u s i n g"]),
    ("OBFUSCATED_TEXT", "plain words only", None),
]


@pytest.mark.parametrize(("name", "text", "evidence"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_computed_signal(name: str, text: str, evidence: list[str] | None) -> None:
    result = COMPUTED[name](text, normalise(text))
    if evidence is None:
        assert result is None
    else:
        assert result is not None and result.value > 0
        assert [text[a:b] for a, b in result.evidence] == evidence


def test_short_links_count_double() -> None:
    text = "info: bit.ly/abc123"
    result = COMPUTED["LINK"](text, normalise(text))
    assert result is not None and result.value == 2.0


def test_every_computed_signal_is_in_the_catalogue() -> None:
    catalogue = load_catalogue()
    computed = {n for n, s in catalogue.items() if s.kind == "computed"}
    assert set(COMPUTED) == computed


@pytest.mark.parametrize("name", ENGINES)
@given(text=st.text(alphabet=st.sampled_from(list("aZ1 éÉßİǅДдΣσ𝗙𝗿😀ꙀⅫⓐⒶ\ud800")), max_size=50))
def test_case_counts_equal_str_methods(name: str, text: str) -> None:
    """The numpy (and the compiled) case counter agrees with str.isupper / str.islower
    character by character (including styled letters outside the BMP and a lone surrogate)."""
    expected = (sum(map(str.isupper, text)), sum(map(str.islower, text)))
    with engine(name):
        assert case_counts(text) == expected
        assert case_counts(text * 20) == (20 * expected[0], 20 * expected[1])  # the numpy path


@pytest.mark.parametrize("text", ["Registration fee N5,000 only", "pay N5000 today", "salary R15000",
                                  "Ksh5000 to book your slot"])
def test_amounts_after_a_currency_letter_are_money(text: str) -> None:
    """Leetspeak undoing must not turn N5000 into 'nso' and hide the amount."""
    norm = normalise(text)
    assert COMPUTED["MONEY_AMOUNT"](text, norm) is not None


@given(st.text(alphabet=st.sampled_from(list("a 😀☀⬛🇷🇺é\u200bд⭐✅")), max_size=60))
def test_emoji_spans_equal_re2_spans(text: str) -> None:
    """EMOJI_DENSITY finds its class with Python's re; spans equal what RE2 finds."""
    import re2

    from scamscore.computed import _EMOJI_RANGES, MAX_SPANS, _spans, _whole_flags

    norm = normalise(text)
    found = COMPUTED["EMOJI_DENSITY"](text, norm)
    expected = _spans(re2.compile(_EMOJI_RANGES), norm, group=0)
    count = len(expected) if len(expected) < MAX_SPANS else sum(map(bool, map(
        re2.compile(_EMOJI_RANGES).fullmatch, norm.text)))
    per_100 = 100.0 * count / max(len(norm.text), 1)
    assert (found is not None) == (count >= 3 and per_100 >= 1.0)
    if found is not None:
        assert found.value == round(min(1.0, per_100 / 5.0), 6)
        assert found.evidence == _whole_flags(text, [norm.to_original(*s) for s in expected[:3]])


@given(st.text(alphabet=st.sampled_from(list('ab "“”„«»「」『』')), max_size=60))
def test_quoted_passages_open_and_close_with_a_pair(text: str) -> None:
    """Each passage runs from an opening mark to one that closes it, none overlap, and a
    post of unmatched openers is read in one pass (no passage, no quadratic rescans)."""
    from scamscore.quotes import _QUOTE_CLOSERS, quoted_passages

    end = 0
    for start, stop in quoted_passages(text):
        assert start >= end and stop - start >= 2
        assert text[stop - 1] in _QUOTE_CLOSERS[text[start]]
        end = stop
    assert quoted_passages("«" * 20_000) == []


# first matches that do not decide the signal: a year and a short number before the phone,
# more amounts than MAX_SPANS, a handle after a bare "@"
_UNDECIDED_FIRST = [
    "Since 2019, 12 34 offices. Call +7 912 345-67-89 today",
    "Fees: " + ", ".join(f"${n},000" for n in range(1, 12)),
    "Write @ me or @newstart_team, bit.ly/x1 and https://careers.example.org/jobs/42",
    "zero one two three four five six seven 🔥🔥🔥 🇷🇺🇷🇺",
]


def test_without_evidence_each_computed_signal_gives_the_same_value() -> None:
    """Batch scoring asks for no evidence, so phone, money and handle searches stop at the
    first span that decides them: the value must be the one the whole search gives, over
    the corpus and posts whose first matches do not decide."""
    from scamscore.dataset import load_corpus

    texts = [case[1] for case in CASES] + _UNDECIDED_FIRST + load_corpus()["text"].tolist()
    fired = dict.fromkeys(COMPUTED, 0)
    for text in texts:
        norm = normalise(text)
        for name, fn in COMPUTED.items():
            full, bare = fn(text, norm), fn(text, norm, evidence=False)
            assert (bare is None) == (full is None), (name, text)
            if full is not None:
                assert bare.value == full.value and bare.evidence == (), (name, text)
                fired[name] += 1
    assert all(fired.values()), fired  # every signal was compared where it fires
