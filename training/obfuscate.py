"""Obfuscation techniques scammers use against keyword filters, as text transforms.

Used to derive training variants (`python -m training.obfuscate` writes
data/corpus/derived.csv), by the evasion benchmark and by the golden tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scamscore.dataset import CORPUS_COLUMNS, CORPUS_DIR

_TO_CYRILLIC = str.maketrans("aeopcxyAEOPCXYK", "аеорсхуАЕОРСХУК")
_LEET = str.maketrans("eoaisEOAIS", "3041530415")


def homoglyphs(text: str) -> str:
    """Latin letters swapped for Cyrillic look-alikes."""
    return text.translate(_TO_CYRILLIC)


def zero_width(text: str) -> str:
    """A zero-width space after every character."""
    return "\u200b".join(text)


def spaced(text: str) -> str:
    """Every word of 5+ letters written with spaces between its letters (two between words)."""
    words = text.split(" ")
    out = [" ".join(w) if len(w) >= 5 and w.isalpha() else w for w in words]
    joined = out[0] if out else ""
    for prev, word, new in zip(words, words[1:], out[1:], strict=False):
        wide = new != word or (len(prev) >= 5 and prev.isalpha())
        joined += ("  " if wide else " ") + new
    return joined


def leetspeak(text: str) -> str:
    """e->3, o->0, a->4, i->1, s->5."""
    return text.translate(_LEET)


def stretched(text: str) -> str:
    """The last letter of every longer word repeated."""
    return " ".join(w + w[-1] * 4 if len(w) > 4 and w[-1].isalpha() else w for w in text.split(" "))


def bold_unicode(text: str) -> str:
    """Latin letters in mathematical bold (𝐟𝐫𝐞𝐞)."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr(ord(ch) - ord("a") + 0x1D41A))
        elif "A" <= ch <= "Z":
            out.append(chr(ord(ch) - ord("A") + 0x1D400))
        else:
            out.append(ch)
    return "".join(out)


TECHNIQUES: dict[str, Callable[[str], str]] = {
    f.__name__: f for f in (homoglyphs, zero_width, spaced, leetspeak, stretched, bold_unicode)
}
# evidence of deliberate hiding, used for derived training posts
HIDING = ("homoglyphs", "zero_width", "spaced")


def derive(corpus: pd.DataFrame, share_scam: float = 0.2, share_legit: float = 0.03,
           seed: int = 0) -> pd.DataFrame:
    """Obfuscated variants of a random share of the hand-written posts, in their groups."""
    rng = random.Random(seed)
    rows = []
    hand = corpus[corpus["derived"] == 0].sort_values("id")
    for _, post in hand.iterrows():
        share = share_scam if post["label"] == 1 else share_legit
        if rng.random() >= share:
            continue
        technique = rng.choice((*HIDING, "leetspeak", "stretched", "bold_unicode"))
        variant = TECHNIQUES[technique](post["text"])
        if variant == post["text"]:  # e.g. Latin-letter tricks on an Arabic post
            continue
        rows.append({**post.to_dict(), "id": f"{post['id']}-{technique}",
                     "text": variant, "derived": 1,
                     "group": post["group"]})
    return pd.DataFrame(rows, columns=CORPUS_COLUMNS)


def main() -> None:
    from scamscore.dataset import load_corpus

    target = Path(CORPUS_DIR) / "derived.csv"
    corpus = load_corpus()
    derived = derive(corpus[corpus["derived"] == 0])
    derived.to_csv(target, index=False)
    print(f"{len(derived)} derived posts written to {target}")


if __name__ == "__main__":
    main()
