"""RE2 patterns and sets compiled with an explicit memory budget (the one place that sets it).

RE2 matches in linear time, but its DFA cache is bounded by `max_mem`: below what a pattern
needs, matching falls back to slower paths. Callers pick the budget for what they compile.
"""

from __future__ import annotations

import re2

DEFAULT_MEMORY = 64 << 20


def options(max_mem: int = DEFAULT_MEMORY) -> re2.Options:
    """RE2 options with `max_mem` bytes for the compiled program and its DFA cache."""
    opts = re2.Options()
    opts.max_mem = max_mem
    return opts


def compile_re2(pattern: str, max_mem: int = DEFAULT_MEMORY) -> re2._Regexp:
    """`pattern` compiled by RE2 with a `max_mem` budget."""
    return re2.compile(pattern, options(max_mem))
