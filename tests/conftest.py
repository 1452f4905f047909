"""Shared fixtures: the bundled scorer (loaded once) and small post files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from scamscore.scorer import Scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer()


from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run: CI must not be flaky.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.load_profile("deterministic")


ENGINES = ("compiled", "numpy")


@contextmanager
def engine(name: str) -> Iterator[None]:
    """Run with the compiled inner loops or with numpy only. Where a C compiler is installed
    the compiled ones must have been built (a missing build fails here), unless
    SCAMSCORE_NO_EXTENSION=1 turned them off; without a compiler those runs are skipped."""
    from scamscore import compiled

    saved = compiled.FAST
    if name == "compiled" and saved is None:
        if os.environ.get("SCAMSCORE_NO_EXTENSION"):
            pytest.skip("SCAMSCORE_NO_EXTENSION=1: compiled loops turned off")
        compiler = os.environ.get("CC", "cc").split()[0]
        if shutil.which(compiler) is None:
            pytest.skip(f"no C compiler ({compiler}): scamscore._fast not built, numpy runs")
        pytest.fail("scamscore._fast was not built although a C compiler is installed "
                    "(reinstall: make install, or pip install -e .)")
    compiled.FAST = saved if name == "compiled" else None
    try:
        yield
    finally:
        compiled.FAST = saved
