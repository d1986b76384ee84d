"""The README documents what the code offers: every command, every setting, the input
formats; and CI runs exactly the test command the README gives."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from dadkhah.cli import cli
from dadkhah.config import Settings

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented() -> None:
    assert cli.commands
    missing = [name for name in cli.commands if f"`dadkhah {name}" not in README]
    assert missing == []


def test_every_setting_is_documented() -> None:
    names = [f"DADKHAH_{f.name.upper()}" for f in fields(Settings)]
    assert names
    assert [n for n in names if f"`{n}`" not in README] == []


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert len(blocks) >= 2
    test_command = blocks[1].strip()
    assert "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
