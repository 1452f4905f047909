"""Every `hit` example fires its signal and every `miss` example does not, in every language."""

from __future__ import annotations

import pytest

from scamscore.lexicon import LexiconMatcher, default_lexicons, load_catalogue
from scamscore.normalize import normalise


def _cases() -> list[tuple[str, str, str, bool]]:
    cases = []
    for lang, entries in default_lexicons().items():
        for name, entry in entries.items():
            cases += [(lang, name, text, True) for text in entry.hits]
            cases += [(lang, name, text, False) for text in entry.misses]
    return cases


def _id(case: tuple[str, str, str, bool]) -> str:
    return f"{case[0]}-{case[1]}-{'hit' if case[3] else 'miss'}-{abs(hash(case[2])) % 10_000}"


_MATCHERS: dict[tuple[str, str], LexiconMatcher] = {}


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_lexicon_example(case: tuple[str, str, str, bool]) -> None:
    lang, name, text, should_fire = case
    key = (lang, name)
    if key not in _MATCHERS:
        _MATCHERS[key] = LexiconMatcher.from_lexicons({lang: {name: default_lexicons()[lang][name]}})
    fired = name in _MATCHERS[key].match(normalise(text).text)
    assert fired == should_fire


REQUIRED_LANGUAGES = ("en", "es", "fr", "pt", "ru")


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
def test_required_languages_cover_every_lexicon_signal(lang: str) -> None:
    wanted = {n for n, s in load_catalogue().items() if s.kind == "lexicon" and s.enabled}
    assert wanted <= set(default_lexicons()[lang])
