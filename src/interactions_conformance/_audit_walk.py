"""Dump the installed google-genai's Interactions types as JSON (the SDK half of ``audit``).

Runs in whatever interpreter has the SDK, so it imports nothing of this project: the
comparison (``_audit.py``) runs in the project's interpreter and reads this module's output.
``python _audit_walk.py`` (or ``python -m interactions_conformance._audit_walk``) prints::

    {"version": "3.6.1", "package": "google.genai._gaos.types.interactions",
     "roots": {"Interaction": <type>, ...},
     "models": {"TextContent": {"module": "textcontent.py",
                                "fields": {"text": {"type": <type>, "required": true,
                                                    "deprecated": false, "sdk_only": false}}}}}

where ``<type>`` is ``{"kind": "literal", "values": [...], "open": bool}``, ``{"kind":
"model", "name": ...}``, ``{"kind": "list"|"dict", "of": <type>}``, ``{"kind": "union", "of":
[<type>...], "discriminator": "type", "variants": {"text": "TextContent"}}`` or
``{"kind": "scalar", "name": "str"}``. The SDK (Speakeasy-generated pydantic models) marks an
open enum with ``UnrecognizedStr`` and an open union with ``parse_open_union``; a field whose
docstring says "added by the SDK" is ``sdk_only`` (never on the wire).

Exit 0 with the JSON, 3 with a one-line reason on stderr when the SDK or its Interactions
types are not importable.
"""

from __future__ import annotations

import ast
import enum
import functools
import importlib
import inspect
import itertools
import json
import pkgutil
import sys
import types
import typing
from typing import Any

PACKAGE = "google.genai._gaos.types.interactions"
# The types a client sends and reads on the REST endpoint; everything else is reached from them.
ROOTS = ("CreateModelInteraction", "CreateAgentInteraction", "Interaction", "InteractionSSEEvent")


class WalkError(Exception):
    """The SDK cannot be walked (absent, or a version without Interactions types)."""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("google-genai")
    except Exception:  # any metadata failure means "not installed"
        return "unknown"


def _load() -> Any:
    try:
        importlib.import_module("google.genai")
    except ImportError as exc:
        raise WalkError(f"google-genai is not installed in {sys.executable} ({exc})") from None
    try:
        return importlib.import_module(PACKAGE)
    except ImportError:
        raise WalkError(
            f"google-genai {_version()} has no {PACKAGE.replace('.', '/')} "
            "(the Speakeasy Interactions types arrived in 2.9.0); install google-genai>=2.9"
        ) from None


class _Walker:
    def __init__(self, package: Any) -> None:
        self.package = package
        self.models: dict[str, dict[str, Any]] = {}
        from pydantic import BaseModel

        self.base = BaseModel
        self.unrecognized: Any = getattr(
            importlib.import_module("google.genai._gaos.types"), "UnrecognizedStr", None
        )

    def model(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.models:
            module = inspect.getmodule(cls)
            fields: dict[str, Any] = {}
            self.models[name] = {
                "module": (module.__name__.rsplit(".", 1)[-1] + ".py") if module else "?",
                "fields": fields,
            }
            notes = _attribute_docs(cls)
            for attr, info in cls.model_fields.items():  # type: ignore[attr-defined]
                if attr in ("raw", "is_unknown"):
                    continue
                wire = info.alias or attr
                fields[wire] = {
                    "attr": attr,
                    "type": self.type(info.annotation, info.metadata),
                    "required": info.is_required(),
                    "deprecated": bool(getattr(info, "deprecated", None)),
                    "sdk_only": "added by the SDK" in notes.get(attr, ""),
                }
        return {"kind": "model", "name": name}

    def type(self, tp: Any, metadata: Any = ()) -> dict[str, Any]:
        for meta in metadata or ():
            found = _open_union(meta)
            if found is not None:
                disc, variants = found
                return {
                    "kind": "union",
                    "of": [self.model(c) for c in variants.values()],
                    "discriminator": disc,
                    "variants": {k: c.__name__ for k, c in variants.items()},
                }
        if isinstance(tp, typing.TypeAliasType if hasattr(typing, "TypeAliasType") else ()):
            return self.type(tp.__value__)
        if type(tp).__name__ == "TypeAliasType":  # typing_extensions' own class
            return self.type(tp.__value__)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Annotated:
            return self.type(args[0], tp.__metadata__)
        if origin is typing.Literal:
            return {"kind": "literal", "values": list(args), "open": False}
        if origin in (typing.Union, types.UnionType):
            return self._union([a for a in args if a is not type(None)])
        if origin in (list, tuple, set, frozenset):
            return {"kind": "list", "of": self.type(args[0]) if args else _scalar("Any")}
        if origin is dict:
            return {"kind": "dict", "of": self.type(args[1]) if len(args) > 1 else _scalar("Any")}
        if self.unrecognized is not None and tp is self.unrecognized:
            return {"kind": "literal", "values": [], "open": True}
        if inspect.isclass(tp) and issubclass(tp, enum.Enum):
            return {"kind": "literal", "values": [m.value for m in tp], "open": False}
        if inspect.isclass(tp) and issubclass(tp, self.base):
            if tp.__name__.startswith("Unknown"):
                return _scalar("unknown-variant")
            return self.model(tp)
        return _scalar(getattr(tp, "__name__", str(tp)))

    def _union(self, members: list[Any]) -> dict[str, Any]:
        parts = [self.type(m) for m in members]
        parts = [p for p in parts if p != _scalar("unknown-variant")]
        literals = [p for p in parts if p["kind"] == "literal"]
        rest = [p for p in parts if p["kind"] != "literal"]
        if literals:
            merged = {
                "kind": "literal",
                "values": [v for p in literals for v in p["values"]],
                "open": any(p["open"] for p in literals),
            }
            rest = [p for p in rest if p != _scalar("str")] if merged["open"] else rest
            if not rest:
                return merged
            parts = [merged, *rest]
        if len(parts) == 1:
            return parts[0]
        return {"kind": "union", "of": parts}


def _scalar(name: str) -> dict[str, Any]:
    return {"kind": "scalar", "name": name}


def _open_union(meta: Any) -> tuple[str, dict[str, type]] | None:
    """The discriminator and variants of a ``BeforeValidator(partial(parse_open_union, ...))``."""
    func = getattr(meta, "func", None)
    if isinstance(func, functools.partial):
        keywords = func.keywords
        if "variants" in keywords and "disc_key" in keywords:
            variants = {k: v for k, v in keywords["variants"].items() if inspect.isclass(v)}
            return str(keywords["disc_key"]), variants
    return None


@functools.cache
def _module_tree(module_name: str) -> ast.Module | None:
    try:
        return ast.parse(inspect.getsource(sys.modules[module_name]))
    except (OSError, TypeError, SyntaxError, KeyError):
        return None


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstring after each field of a class (Speakeasy writes them as bare strings)."""
    tree = _module_tree(cls.__module__)
    docs: dict[str, str] = {}
    if tree is None:
        return docs
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            body = node.body
            for here, after in itertools.pairwise(body):
                if (
                    isinstance(here, ast.AnnAssign)
                    and isinstance(here.target, ast.Name)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    docs[here.target.id] = after.value.value
    return docs


def walk() -> dict[str, Any]:
    """The SDK's Interactions surface, reached from ``ROOTS``."""
    package = _load()
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{PACKAGE}.{info.name}")
    walker = _Walker(package)
    roots: dict[str, Any] = {}
    for name in ROOTS:
        found = None
        for info in pkgutil.iter_modules(package.__path__):
            module = sys.modules[f"{PACKAGE}.{info.name}"]
            if hasattr(module, name):
                found = getattr(module, name)
                break
        if found is None:
            raise WalkError(f"google-genai {_version()} has no Interactions type {name}")
        roots[name] = walker.type(found)
    defined = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = sys.modules[f"{PACKAGE}.{info.name}"]
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, walker.base)
                and value.__module__ == module.__name__
                and not value.__name__.startswith("Unknown")
            ):
                defined.add(value.__name__)
    return {
        "version": _version(),
        "package": PACKAGE,
        "python": sys.executable,
        "roots": roots,
        "models": walker.models,
        "unreached": sorted(defined - set(walker.models)),
    }


def main() -> int:
    try:
        data = walk()
    except WalkError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 3
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
