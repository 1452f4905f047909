"""Language detection is deterministic, with either backend."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scamscore.language import UNDETERMINED, detect_language

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
