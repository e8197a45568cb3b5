"""The package's shape, checked: small modules, no private names across modules, and the
command line and the web UI independent of each other's internals."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "restorer"
MAX_LINES = 400


def modules() -> dict[str, ast.Module]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts): ast.parse(p.read_text())
            for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) for every `from X import ...` in the module."""
    package = name.rsplit(".", 1)[0] if not name.endswith("__init__") else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [a.name for a in node.names]))
    return found


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_no_private_name_is_imported_from_another_module():
    bad = [(name, target, n) for name, tree in modules().items() for target, names in imports(name, tree)
           for n in names if n.startswith("_") and not n.startswith("__") and target.startswith("restorer")]
    assert not bad, bad


def test_cli_and_ui_do_not_import_each_others_internals():
    bad = []
    for name, tree in modules().items():
        for target, _ in imports(name, tree):
            if name.startswith("restorer.ui") and target.startswith("restorer.cli"):
                bad.append((name, target))
            if name.startswith("restorer.cli") and target.startswith("restorer.ui") and target not in (
                    "restorer.ui.app", "restorer.ui.state", "restorer.ui.sandbox"):  # `restore ui` starts the app
                bad.append((name, target))
    assert not bad, bad


def test_the_checker_sees_relative_imports():
    """The walker resolves `from ..cli.options import x` inside restorer.ui to restorer.cli.options."""
    tree = ast.parse("from ..cli.options import _x\nfrom .state import y\n")
    assert imports("restorer.ui.controls", tree) == [("restorer.cli.options", ["_x"]), ("restorer.ui.state", ["y"])]


def test_the_independent_damage_generator_stays_out_of_training():
    # its whole point is that no model ever trains on it: only the benches may import it
    users = [name for name, tree in modules().items() for target, _ in imports(name, tree)
             if target == "restorer.bench.damage_independent" and not name.startswith("restorer.bench.")]
    assert not users, users
