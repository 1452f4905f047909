"""scamscore: recruitment-scam risk scores for social-media posts, with explanations.

    from scamscore import Scorer
    result = Scorer().score(text)
    result.band, result.probability, [s.name for s in result.signals]
"""

from __future__ import annotations

from typing import Any

__all__ = ["Result", "Scorer", "SignalContribution"]


def __getattr__(name: str) -> Any:
    # imported lazily so that `python -m scamscore.lexicon` and the CLI load only what they use
    if name == "Scorer":
        from scamscore.scorer import Scorer

        return Scorer
    if name in ("Result", "SignalContribution"):
        from scamscore import explain

        return getattr(explain, name)
    raise AttributeError(name)
