"""The shape of the code, checked: layers and no cycles (import-linter), and one place that commits.

See docs/development.md for the rules these tests hold the code to.
"""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "studyapp"
#: The one module allowed to end a transaction: `finish`, used by the request boundary and CLI commands.
TRANSACTION_MODULE = PACKAGE / "extensions.py"
ENDINGS = {"commit", "rollback"}


def session_endings(path: Path, base: Path = ROOT) -> list[str]:
    """Return `file:line` of each `<something>.session.commit()` / `.rollback()` call in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if node.func.attr in ENDINGS and isinstance(owner, ast.Attribute) and owner.attr == "session":
            found.append(f"{path.relative_to(base)}:{node.lineno}")
    return found


def test_the_import_contracts_are_kept(capsys):
    """Layers (blueprints -> web -> domain -> models -> core), pure core, no cycle between any two packages."""
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    output = capsys.readouterr().out
    assert status == 0, output
    assert "0 broken" in output and "BROKEN" not in output


def test_only_the_transaction_helper_commits_or_rolls_back():
    """Views, domain functions and CLI commands never end a transaction themselves."""
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50 and TRANSACTION_MODULE in modules
    offenders = [where for path in modules if path != TRANSACTION_MODULE for where in session_endings(path)]
    assert offenders == []
    assert len(session_endings(TRANSACTION_MODULE)) == 2  # finish(): one commit, one rollback


def test_the_checker_finds_a_commit(tmp_path):
    """The scan above would see a view that commits (so its empty result means something)."""
    view = tmp_path / "views.py"
    view.write_text("def save():\n    db.session.add(x)\n    db.session.commit()\n", encoding="utf-8")
    assert session_endings(view, tmp_path) == ["views.py:3"]
