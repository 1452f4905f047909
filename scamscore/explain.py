"""What a score is made of: result objects, their JSON form and the moderator's text view."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

BANDS = ("low", "medium", "high")
DISCLAIMER = "A triage aid for a human reviewer, not a verdict."


@dataclass(frozen=True)
class Evidence:
    """Words in the original post that fired a signal; [start, end) index the original text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SignalContribution:
    """One fired signal and how much it moved the log-odds."""

    name: str
    description: str
    value: float
    contribution: float
    evidence: tuple[Evidence, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass
class Result:
    """A scored post. intercept + wording + the signal contributions = logit(probability)."""

    source: str
    probability: float
    band: str
    language: str
    language_source: str
    signals: list[SignalContribution]
    wording: float
    intercept: float
    thresholds: dict[str, float]
    model: dict[str, str]
    truncated: bool = False
    wording_ngrams: list[tuple[str, float]] = field(default_factory=list)

    @property
    def score(self) -> int:
        return round(100 * self.probability)

    @property
    def logit(self) -> float:
        return self.intercept + self.wording + sum(s.contribution for s in self.signals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "probability": round(self.probability, 6),
            "score": self.score,
            "band": self.band,
            "language": self.language,
            "language_source": self.language_source,
            "signals": [
                {
                    "name": s.name,
                    "description": s.description,
                    "value": s.value,
                    "contribution": round(s.contribution, 6),
                    "evidence": [asdict(e) for e in s.evidence],
                }
                for s in self.signals
            ],
            "wording": round(self.wording, 6),
            "intercept": round(self.intercept, 6),
            "thresholds": self.thresholds,
            "truncated": self.truncated,
            "model": self.model,
        }


def band_for(probability: float, thresholds: dict[str, float]) -> str:
    if probability >= thresholds["high"]:
        return "high"
    if probability >= thresholds["medium"]:
        return "medium"
    return "low"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _quote(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return f'"{flat if len(flat) <= limit else flat[: limit - 1] + "…"}"'


def render_text(result: Result, original: str, max_evidence: int = 3) -> str:
    """The moderator's view of one result."""
    lines = [
        f"{result.source}   language: {result.language} ({result.language_source})   "
        f"model: {result.model.get('version', '?')} ({result.model.get('sha256', '')[:8]})",
        "",
        f"  RISK: {result.band.upper()}   p(scam) = {result.probability:.2f}   score {result.score}/100"
        f"   (medium from {result.thresholds['medium']:.2f}, high from {result.thresholds['high']:.2f})",
    ]
    if result.truncated:
        lines.append(f"  note: only the first {len(original):,} characters were analysed (truncated)")
    lines += ["", "    pts  signal                       why"]
    for s in result.signals:
        quotes = ", ".join(
            f"{_quote(e.text)} (line {_line_of(original, e.start)})" for e in s.evidence[:max_evidence]
        )
        more = f" +{len(s.evidence) - max_evidence} more" if len(s.evidence) > max_evidence else ""
        why = f"{s.description}: {quotes}{more}" if quotes else s.description
        lines.append(f"  {s.contribution:+5.2f}  {s.name:<28} {why}")
    top = ", ".join(_quote(g, 20) for g in _distinct_ngrams(result.wording_ngrams))
    lines.append(f"  {result.wording:+5.2f}  {'(wording)':<28} character n-grams of the whole post"
                 + (f"; strongest: {top}" if top else ""))
    lines.append(f"  {result.intercept:+5.2f}  {'(baseline)':<28} a typical post before any signal")
    lines.append("  -----")
    lines.append(f"  {result.logit:+5.2f}  total log-odds -> p = {_sigmoid(result.logit):.2f}")
    lines += ["", DISCLAIMER + " Use --json for machines."]
    return "\n".join(lines)


def _distinct_ngrams(ngrams: list[tuple[str, float]], limit: int = 4) -> list[str]:
    """The strongest positive n-grams, stripped, skipping ones inside an already chosen one."""
    chosen: list[str] = []
    for gram, share in ngrams:
        gram = gram.strip()
        if share <= 0 or len(gram) < 3 or any(gram in c or c in gram for c in chosen):
            continue
        chosen.append(gram)
        if len(chosen) == limit:
            break
    return chosen


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
