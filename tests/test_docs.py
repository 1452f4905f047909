"""The docs match the code: generated pages are current and every command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscore.cli import cli
from training.gen_docs import DOCS, cli_md, signals_md

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("name", "render"), [("signals.md", signals_md), ("cli.md", cli_md)])
def test_generated_docs_are_current(name: str, render) -> None:
    assert (DOCS / name).read_text(encoding="utf-8") == render(), "run `make docs`"


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"scamscore {name}" in readme, name


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make run" in head and "make test" in head
