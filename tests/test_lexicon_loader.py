"""Malformed catalogues and lexicons are refused with a message naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scamscore.lexicon import LexiconError, load_catalogue, load_lexicon_file

GOOD = """language: xx
signals:
  UPFRONT_FEE:
    phrases: [registration fee]
    examples:
      hit: ["pay the registration fee"]
      miss: ["no fees at all"]
"""


def _write(tmp_path: Path, text: str, name: str = "xx.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    entries = load_lexicon_file(_write(tmp_path, GOOD), load_catalogue())
    assert entries["UPFRONT_FEE"].phrases == ("registration fee",)


@pytest.mark.parametrize(("broken", "message"), [
    (GOOD.replace("UPFRONT_FEE", "NOT_A_SIGNAL"), "NOT_A_SIGNAL: not in the signal catalogue"),
    (GOOD.replace("UPFRONT_FEE", "PHONE_NUMBER"), "PHONE_NUMBER: is a computed signal"),
    (GOOD.replace('      miss: ["no fees at all"]\n', ""), "needs at least one 'hit' and one 'miss'"),
    (GOOD.replace("phrases: [registration fee]", "patterns: ['(?<=x)fee']"), "not valid RE2"),
    (GOOD.replace("phrases:", "phrasez:"), "unknown keys"),
    (GOOD.replace("language: xx", "language: yy"), "needs 'language: xx'"),
    ("signals: [", "cannot read"),
])
def test_broken_lexicon_is_refused(tmp_path: Path, broken: str, message: str) -> None:
    with pytest.raises(LexiconError, match=r"xx\.yaml") as info:
        load_lexicon_file(_write(tmp_path, broken), load_catalogue())
    assert message in str(info.value)


def test_catalogue_needs_authority(tmp_path: Path) -> None:
    path = _write(tmp_path, "FOO_BAR:\n  kind: lexicon\n  describe: x\n", "signals.yaml")
    with pytest.raises(LexiconError, match="FOO_BAR: 'authority' is required"):
        load_catalogue(path)


def test_catalogue_names_are_upper_snake(tmp_path: Path) -> None:
    path = _write(tmp_path, "fooBar:\n  kind: lexicon\n  describe: x\n  authority: y\n", "signals.yaml")
    with pytest.raises(LexiconError, match="UPPER_SNAKE"):
        load_catalogue(path)


def test_fired_names_the_signals_match_finds() -> None:
    """`fired` (batch: set match only) and `match` (with spans) agree on what fired."""
    from scamscore.dataset import load_corpus
    from scamscore.features import SignalExtractor
    from scamscore.normalize import normalise

    matcher = SignalExtractor().fit().matcher_
    for text in load_corpus()["text"].tolist()[::5]:
        norm = normalise(text).text
        spans = matcher.match(norm)
        fired = matcher.fired(norm)
        assert set(fired) == set(spans)
        for name, langs in fired.items():
            assert sorted(set(langs)) == sorted({lang for lang, _, _ in spans[name]})


def test_the_sets_fire_exactly_what_each_entry_regex_finds() -> None:
    """Splitting each language into a plain and a long-gap RE2 set loses and adds nothing."""
    from scamscore.dataset import load_corpus
    from scamscore.lexicon import LexiconMatcher, default_lexicons, has_long_gap, matching_view
    from scamscore.normalize import normalise

    matcher = LexiconMatcher.from_lexicons(default_lexicons())
    groups = [keys for keys, _ in matcher.set_groups()]
    assert sorted(key for keys in groups for key in keys) == sorted(matcher.regexes)
    assert any(all(has_long_gap(matcher.regexes[key]) for key in keys) for keys in groups)
    for keys in groups:  # the own-set signals' entries share a set with nothing else
        assert len({name in matcher.own_set_signals for _, name in keys}) == 1
    assert any(name in matcher.own_set_signals for keys in groups for _, name in keys)
    datas = [matching_view(normalise(text).text).encode("utf-8")
             for text in load_corpus()["text"].tolist()[::6]]
    for data, fired in zip(datas, matcher._fired_keys(datas), strict=True):
        expected = sorted(key for key in matcher.regexes if matcher._regex(key).search(data))
        assert fired == expected


def test_long_gaps_are_recognised() -> None:
    from scamscore.lexicon import has_long_gap

    assert has_long_gap(r"trabajo[^\n]{0,60}extranjero")
    assert not has_long_gap(r"free\s{0,4}housing") and not has_long_gap("x{2}")


@pytest.mark.parametrize(("text", "fires"), [
    ("No registration fee.", False),
    ("no hidden registration fee", False),                          # one word between: negated
    ("No experience needed registration fee 5000", True),           # two words: not negated
    ("No experience needed, registration fee 5000", True),          # another clause
    ("Registration fee: waived", False),                            # cue after the match
    ("No registration fee for nurses. Registration fee 50 USD for drivers", True),  # one affirmed
    ("Hakuna ada ya usajili.", False),                               # other languages' cues
    ("रजिस्ट्रेशन फीस नहीं ली जाती", False),
    ("بدون خبرة، لازم تدفع رسوم التسجيل 500 جنيه", True),          # Arabic comma ends the clause
    ("la matrícula no es reembolsable", True),       # English "no" does not negate Spanish text
    ("Você não precisa pagar a taxa de inscrição.", False),
    ("Мы никогда не просим оплату за трудоустройство.", False),
    ("Никогда не платите за трудоустройство.", False),
    ("الشركة تتحمل رسوم التأشيرة وتذاكر الطيران", False),           # the company bears the fees
    ("Never pay a recruitment fee to anyone.", False),
    ("Nunca pagues una cuota de inscripción a un reclutador.", False),
    ("Pague a taxa de inscrição hoje", True),
    ("Certificate of Sponsorship and visa fee paid by the Board", False),  # employer pays
    ("Visa fee paid by you before travel", True),
    ("Security deposit of $500 for the flat, two months' notice.", False),  # a rental
    ("A small commitment deposit of ₦75,000 opens your file", True),
    ("Frais de visa pris en charge par l'employeur", False),
    ("Визовый сбор за счёт работодателя", False),
    ("Оплатите оформление визы до пятницы", True),
    ("Não paguem agência pra garantir vaga", False),                  # a warning, not a demand
])
def test_negated_fee_mentions_do_not_fire(text: str, fires: bool) -> None:
    from scamscore.features import SignalExtractor

    analyser = SignalExtractor().fit().analyser_
    for evidence in (True, False):
        assert ("UPFRONT_FEE" in analyser.analyse(text, evidence).hits) == fires, (text, evidence)


@pytest.mark.parametrize(("text", "fires"), [
    ("We will never ask you to send your passport.", False),
    ("We never ask for a copy of your passport", False),
    ("Passport copy not required at this stage", False),
    ("Don't forget to send your passport copy today", True),         # two words: not negated
    ("Passport copy free of charge, send it now", True),  # a fee cue is not a document cue
    ("Nunca te pediremos copia de tu pasaporte", False),
    ("La copia del pasaporte no es necesaria", False),
    ("Мы никогда не просим копию паспорта", False),
    ("Пришлите копию паспорта сегодня", True),
    # cues inside the match: the request verb is part of it
    ("On ne demande ni argent ni copie de passeport.", False),
    ("On ne vous demandera pas de photo en bikini.", False),
    ("Envoie ta copie de passeport, pas de temps à perdre", True),  # "pas" after the match
    ("La agencia no solicita jamás copia de tu pasaporte", False),
    ("Não pedimos dinheiro nem cópia do passaporte", False),
    ("Мы не просим ни денег, ни копию паспорта", False),
    ("Отправьте копию паспорта не позднее пятницы", True),         # bare "не" is no cue
    ("किसी को भी पासपोर्ट की कॉपी मत भेजें", False),
    ("पासपोर्ट की कॉपी आज ही भेजें, देर मत करें", True),             # "मत" outside the match
    ("Never send a copy of your passport to a recruiter", False),
])
def test_negated_document_requests_do_not_fire(text: str, fires: bool) -> None:
    from scamscore.features import SignalExtractor

    analyser = SignalExtractor().fit().analyser_
    for evidence in (True, False):
        assert ("DOCUMENT_REQUEST" in analyser.analyse(text, evidence).hits) == fires, (text, evidence)


def test_an_entry_negation_replaces_its_language_cues(tmp_path: Path) -> None:
    text = GOOD.replace("language: xx\n", "language: xx\nnegation: {before: ['no']}\n")
    entries = load_lexicon_file(_write(tmp_path, text), load_catalogue())
    assert entries["UPFRONT_FEE"].negation.before == ("no",)
    own = text.replace("    phrases:", "    negation: {before: [never], after: [waived]}\n    phrases:")
    entries = load_lexicon_file(_write(tmp_path, own), load_catalogue())
    assert entries["UPFRONT_FEE"].negation.before == ("never",)
    assert entries["UPFRONT_FEE"].negation.after == ("waived",)


def test_within_cues_are_read_and_unknown_sides_refused(tmp_path: Path) -> None:
    own = GOOD.replace("    phrases:", "    negation: {within: [nor]}\n    phrases:")
    entries = load_lexicon_file(_write(tmp_path, own), load_catalogue())
    assert entries["UPFRONT_FEE"].negation.within == ("nor",)
    bad = GOOD.replace("    phrases:", "    negation: {inside: [nor]}\n    phrases:")
    with pytest.raises(LexiconError, match="'within'"):
        load_lexicon_file(_write(tmp_path, bad), load_catalogue())


def test_the_cue_pre_check_never_changes_what_fires() -> None:
    """`anywhere` only skips work: matchers with and without it fire the same signals and
    quote the same spans on every corpus post (whose negatable matches it mostly skips)."""
    import dataclasses

    from scamscore.dataset import load_corpus
    from scamscore.features import SignalExtractor
    from scamscore.lexicon import LexiconMatcher, matching_view
    from scamscore.normalize import normalise

    checked = SignalExtractor().fit().analyser_.matcher
    unchecked = LexiconMatcher(checked.regexes, {key: dataclasses.replace(cues, anywhere="")
                                                 for key, cues in checked.negations.items()})
    texts = [normalise(t).text for t in load_corpus()["text"]]
    assert checked.fired_many(texts) == unchecked.fired_many(texts)
    negatable = [t for t in texts if checked.negatable & set(unchecked.fired(t))]
    assert len(negatable) > 100
    assert [checked.match(t) for t in negatable] == [unchecked.match(t) for t in negatable]
    skipped = [t for t in negatable if not any(checked._may_negate(key, matching_view(t).encode())
                                               for key in checked.negations)]
    assert skipped, "the pre-check should skip some posts"


def test_first_matches_settle_the_same_languages_as_walking_every_match() -> None:
    """`_affirmed_languages` (each language's first match, read in every cued language's
    cues, and a walk only when that may negate) gives the languages of all affirmed matches,
    on every corpus post where a negatable signal fires, and both of its paths are taken."""
    from scamscore.dataset import load_corpus
    from scamscore.features import SignalExtractor
    from scamscore.lexicon import byte_to_char, matching_view
    from scamscore.normalize import normalise

    matcher = SignalExtractor().fit().analyser_.matcher
    walks = 0
    walk = matcher._affirmed

    def counted(*args: object, **kwargs: object) -> list[tuple[str, int, int]]:
        nonlocal walks
        walks += 1
        return walk(*args, **kwargs)

    matcher._affirmed = counted  # type: ignore[method-assign]
    checked = 0
    for text in load_corpus()["text"]:
        norm = normalise(text).text
        view = matching_view(norm)
        data = view.encode("utf-8")
        for name, langs in matcher._by_signal(matcher._fired_keys([data])[0]).items():
            cued = {lang for lang in langs if matcher._may_negate((lang, name), data)}
            if name not in matcher.negatable or not cued:
                continue
            to_char = byte_to_char(view, data)
            every = sorted({lang for lang, _, _ in walk(name, langs, norm, data, to_char, cued)})
            assert matcher._affirmed_languages(name, langs, norm, data, to_char, cued) == every, text
            checked += 1
    assert checked > 200
    assert 0 < walks < checked


@pytest.mark.parametrize(("text", "start", "expected"), [
    ("x" * 90 + "casino ", 97, b" "),         # the window starts inside "casino": not "no "
    ("we never ", 9, b"we never "),
    ("Paid. no ", 9, b" no "),                 # the clause starts after the full stop
])
def test_clause_before_never_starts_inside_a_word(text: str, start: int, expected: bytes) -> None:
    from scamscore.lexicon import _clause_before

    assert _clause_before(text, start) == expected


@pytest.mark.parametrize(("text", "end", "expected"), [
    (" waived " + "y" * 90, 0, b" waived "),   # the window ends inside the y-word: dropped
    (" not required, pay now", 0, b" not required"),
])
def test_clause_after_never_ends_inside_a_word(text: str, end: int, expected: bytes) -> None:
    from scamscore.lexicon import _clause_after

    assert _clause_after(text, end) == expected


def test_an_entry_negation_needs_a_negatable_signal(tmp_path: Path) -> None:
    text = GOOD.replace("UPFRONT_FEE", "FREE_HOUSING_FOOD").replace(
        "    phrases:", "    negation: {before: [never]}\n    phrases:")
    with pytest.raises(LexiconError, match=r"FREE_HOUSING_FOOD\.negation: FREE_HOUSING_FOOD is not negatable"):
        load_lexicon_file(_write(tmp_path, text), load_catalogue())


def test_only_affirmed_matches_are_quoted() -> None:
    from scamscore.features import SignalExtractor

    text = "No registration fee for nurses. Registration fee 50 USD for drivers"
    hit = SignalExtractor().fit().analyse(text).hits["UPFRONT_FEE"]
    assert [text[a:b] for a, b in hit.evidence] == ["Registration fee 50 USD"]


def test_negatable_is_only_for_lexicon_signals(tmp_path: Path) -> None:
    path = tmp_path / "signals.yaml"
    path.write_text("PHONE_NUMBER:\n  kind: computed\n  describe: d\n  authority: a\n  negatable: true\n")
    with pytest.raises(LexiconError, match="negatable"):
        load_catalogue(path)


@given(st.text(alphabet=st.sampled_from(list("aZ 1,.!€₽«»—–\u0301िाक्ا،؟😀🇷𝗳\u200b\ud800\U000E0001日")), max_size=40))
def test_numpy_matching_view_equals_translate(text: str) -> None:
    """Long posts get their matching view from a numpy table; it equals str.translate's."""
    import scamscore.lexicon as lexicon

    saved = lexicon._NUMPY_VIEW_CHARS
    lexicon._NUMPY_VIEW_CHARS = 0
    try:
        assert lexicon.matching_view(text) == text.translate(lexicon._VIEW_TABLE)
    finally:
        lexicon._NUMPY_VIEW_CHARS = saved


def test_no_pattern_ends_in_a_single_digit() -> None:
    r"""A match must end at a word edge, so a pattern ending in one bare \d matches "5" but
    never "5000": end numbers with \d+ or \d[\d,.]* (or \d\d for two-digit ages)."""
    import re

    from scamscore.lexicon import default_lexicons

    single_digit_end = re.compile(r"(?<![\\\]])(?<!\\d)\\d\)*$")
    bad = [f"{lang} {name}: {pattern}" for lang, entries in default_lexicons().items()
           for name, entry in entries.items() for pattern in entry.patterns
           if single_digit_end.search(pattern)]
    assert not bad, bad


@pytest.mark.parametrize(("text", "fires"), [
    ("Is this agency legit? Something feels off", True),
    ("100% legit, no scam, DM me for details", False),                # a pitch denying a scam
    ("Trabajo real, no es estafa, escríbeme al WhatsApp", False),
    ("Cuidado con esta oferta, es una estafa", True),
    ("Vaga 100% real, não é golpe!", False),
    ("Alguém conhece essa agência? Não sei se é golpe", True),
    ("Ce n'est pas une arnaque, places limitées", False),
    ("Attention aux faux recruteurs sur TikTok", True),
    ("Это не развод, всё честно", False),
    ("Осторожно, это развод на деньги", True),
])
def test_scam_warnings_fire_and_denials_do_not(text: str, fires: bool) -> None:
    from scamscore.features import SignalExtractor

    analyser = SignalExtractor().fit().analyser_
    for evidence in (True, False):
        assert ("SCAM_WARNING_CONTEXT" in analyser.analyse(text, evidence).hits) == fires, (text, evidence)


@pytest.mark.parametrize("requires", ["NO_SUCH_SIGNAL", "B", "A"])
def test_requires_names_another_enabled_signal(tmp_path: Path, requires: str) -> None:
    path = tmp_path / "signals.yaml"
    path.write_text("A:\n  kind: computed\n  describe: d\n  authority: x\n  requires: " + requires
                    + "\nB:\n  kind: computed\n  describe: d\n  authority: x\n  enabled: false\n")
    with pytest.raises(LexiconError, match="requires names an enabled signal"):
        load_catalogue(path)


def test_each_language_is_dealt_into_set_parts_sets_of_near_equal_size() -> None:
    """Half sets need far less DFA memory than whole ones (see LexiconMatcher.set_parts)."""
    from scamscore.lexicon import LexiconMatcher, default_lexicons

    matcher = LexiconMatcher.from_lexicons(default_lexicons())
    assert matcher.set_parts >= 2
    groups = matcher.set_groups()
    for lang in {lang for lang, _ in matcher.regexes}:
        plain = [keys for keys, _ in groups
                 if {k[0] for k in keys} == {lang} and not {k[1] for k in keys} & set(matcher.own_set_signals)]
        assert len(plain) == matcher.set_parts, lang
        sizes = sorted(len(keys) for keys in plain)
        assert sizes[-1] - sizes[0] <= 1, (lang, sizes)
    # the own sets thrashed below 12 MB on the bench export; no set gets less
    assert all(budget >= 12 << 20 for _, budget in groups)


def test_compiled_state_is_rebuilt_every_refresh_posts_and_nothing_else_changes() -> None:
    """A long run drops its RE2 sets and regexes every `refresh_posts` posts, so that their
    DFA caches stop growing; what fires, and where, stays the same."""
    from scamscore.dataset import load_corpus
    from scamscore.lexicon import LexiconMatcher, default_lexicons
    from scamscore.normalize import normalise

    refreshed, steady = (LexiconMatcher.from_lexicons(default_lexicons()) for _ in range(2))
    refreshed.refresh_posts, steady.refresh_posts = 5, 10**9
    texts = [normalise(text).text for text in load_corpus()["text"].tolist()[::100][:24]]
    compiled = []  # each set list compiled (kept, so that no id is reused)
    for i in range(0, len(texts), 4):
        chunk = texts[i : i + 4]
        assert refreshed.fired_many(chunk) == steady.fired_many(chunk)
        assert refreshed.match(chunk[0]) == steady.match(chunk[0])
        if not any(sets is refreshed._sets for sets in compiled):
            compiled.append(refreshed._sets)
    # 5 posts a round (4 through fired_many, 1 through match): a fresh compile each round
    assert len(compiled) == 6 and steady._sets is not None


def test_one_language_per_negatable_signal_fires_the_same_signals() -> None:
    """Batch scoring asks `fired_many` for one affirmed language per negatable signal
    instead of all: the same signals fire, each with languages that fired it."""
    from scamscore.dataset import load_corpus
    from scamscore.lexicon import LexiconMatcher, default_lexicons
    from scamscore.normalize import normalise

    matcher = LexiconMatcher.from_lexicons(default_lexicons())
    texts = [normalise(text).text for text in load_corpus()["text"].tolist()[::3]]
    fewer = 0
    for every, one in zip(matcher.fired_many(texts), matcher.fired_many(texts, all_languages=False),
                          strict=True):
        assert set(one) == set(every)
        for name, langs in one.items():
            assert langs and set(langs) <= set(every[name])
            fewer += len(langs) < len(every[name])
            if name not in matcher.negatable:
                assert langs == every[name]
    assert fewer > 20  # posts where checking one language saved checking others
