"""The layer rule of ARCHITECTURE.md, checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "interactions_conformance"
CORE = [
    "_spec.py",
    "_findings.py",
    "_traffic.py",
    "_secrets.py",
    "_sse.py",
    "_wire.py",
    "_shape.py",
    "_diff.py",
    "_verdicts.py",
    "checks",
]
# What core may not import: other layers, and anything that does I/O or testing.
CORE_FORBIDDEN = {
    "interactions_conformance.emulator",
    "interactions_conformance._plugin",
    "interactions_conformance._client",
    "interactions_conformance._targets",
    "interactions_conformance._cli",
    "pytest",
    "httpx",
    "starlette",
    "uvicorn",
    "vcr",
}
EMULATOR_FORBIDDEN = {
    "interactions_conformance._plugin",
    "interactions_conformance._client",
    "interactions_conformance._targets",
    "pytest",
}


def _files(entries: list[str]) -> list[Path]:
    found: list[Path] = []
    for entry in entries:
        path = PACKAGE / entry
        if path.is_dir():
            found.extend(sorted(path.rglob("*.py")))
        elif path.is_file():
            found.append(path)
    return found


def _imports(path: Path, root: Path = PACKAGE) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    package_parts = ["interactions_conformance", *path.relative_to(root).parent.parts]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _violations(files: list[Path], forbidden: set[str], root: Path = PACKAGE) -> list[str]:
    bad = []
    for path in files:
        for name in sorted(_imports(path, root)):
            if any(name == f or name.startswith(f"{f}.") for f in forbidden):
                bad.append(f"{path.relative_to(root).as_posix()} imports {name}")
    return bad


def test_core_imports_no_other_layer() -> None:
    files = _files(CORE)
    assert files, "no core modules found"
    assert _violations(files, CORE_FORBIDDEN) == []


def test_emulator_imports_only_core() -> None:
    files = _files(["emulator"])
    if not files:
        pytest.skip("no emulator package yet")
    assert _violations(files, EMULATOR_FORBIDDEN) == []


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    # The check has teeth: a relative import of the emulator from checks/ is resolved and reported.
    fake = tmp_path / "checks" / "_probe.py"
    fake.parent.mkdir()
    fake.write_text("from ..emulator import create_app\nimport json\n", "utf-8")
    assert _violations([fake], CORE_FORBIDDEN, root=tmp_path) == [
        "checks/_probe.py imports interactions_conformance.emulator",
        "checks/_probe.py imports interactions_conformance.emulator.create_app",
    ]
