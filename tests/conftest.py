"""Shared fixtures: the bundled scorer (loaded once) and small post files."""

from __future__ import annotations

import pytest

from scamscore.scorer import Scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer()


from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run: CI must not be flaky.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.load_profile("deterministic")
