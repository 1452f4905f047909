"""Shared fixtures: the bundled scorer (loaded once) and small post files."""

from __future__ import annotations

import pytest

from scamscore.scorer import Scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer()
