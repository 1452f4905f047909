"""Builds the optional compiled inner loops (scamscore/_fast.c); everything else is in
pyproject.toml. Without a C compiler the build goes on and scamscore uses numpy instead.
-ffp-contract=off: no fused multiply-adds, so sums round as numpy's do (the same bits)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("scamscore._fast", ["scamscore/_fast.c"], optional=True,
                             extra_compile_args=["-O3", "-std=c99", "-ffp-contract=off"])])
