"""The optional compiled inner loops (`scamscore/_fast.c`), or None where they were not built.

They compute the same integers as the numpy code beside each call (tests compare both), so
they change speed, never output. `SCAMSCORE_NO_EXTENSION=1` turns them off (for benchmarks
and tests that compare the two).
"""

from __future__ import annotations

import os
from types import ModuleType

API_VERSION = 4  # _fast.c's API_VERSION: a build left from an older checkout is not used


def _load() -> ModuleType | None:
    if os.environ.get("SCAMSCORE_NO_EXTENSION"):
        return None
    try:
        from scamscore import _fast
    except ImportError:  # installed without a C compiler
        return None
    return _fast if getattr(_fast, "API_VERSION", None) == API_VERSION else None


FAST = _load()
