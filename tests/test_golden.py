"""Golden posts: bands and the signals that must be shown, never exact probabilities."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.obfuscate import TECHNIQUES

GOLDEN = Path(__file__).parent / "data" / "golden"
CORE_SIGNALS = {"AGE_GENDER_TARGETING", "FREE_HOUSING_FOOD", "FREE_LANGUAGE_LESSONS",
                "SCHEDULED_PROMOTION"}
LANGS = ["en", "es", "fr", "pt", "ru"]


@pytest.mark.parametrize("lang", LANGS)
def test_alabuga_pitch_scores_high_with_its_signals(scorer, lang: str) -> None:
    text = (GOLDEN / f"alabuga_{lang}.txt").read_text(encoding="utf-8")
    result = scorer.score(text)
    assert result.band == "high"
    fired = {s.name: s for s in result.signals}
    assert set(fired) >= CORE_SIGNALS
    for name in CORE_SIGNALS:
        assert fired[name].evidence, name
        for ev in fired[name].evidence:
            assert text[ev.start:ev.end] == ev.text


def test_legitimate_nursing_job_is_not_high(scorer) -> None:
    text = (GOLDEN / "nurse_legit_en.txt").read_text(encoding="utf-8")
    assert scorer.score(text).band != "high"


@pytest.mark.parametrize("technique", sorted(TECHNIQUES))
def test_obfuscated_alabuga_pitch_stays_high(scorer, technique: str) -> None:
    text = (GOLDEN / "alabuga_en.txt").read_text(encoding="utf-8")
    disguised = TECHNIQUES[technique](text)
    result = scorer.score(disguised)
    assert result.band == "high"
    names = {s.name for s in result.signals}
    assert len(CORE_SIGNALS & names) >= 3
