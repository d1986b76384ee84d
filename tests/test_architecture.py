"""The tree reads as the architecture: imports run loaders -> dadkhah and server -> dadkhah,
never between loaders and server, and the shared core imports neither (the CLI, which
composes them, is the one exception)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN = {"loaders": {"server"}, "server": {"loaders"}, "dadkhah": {"loaders", "server"}}
COMPOSERS = {"dadkhah/cli.py"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files
    offenders = {
        str(f.relative_to(REPO)): sorted(imported_packages(f) & FORBIDDEN[package])
        for f in files
        if str(f.relative_to(REPO)) not in COMPOSERS
    }
    assert {k: v for k, v in offenders.items() if v} == {}
