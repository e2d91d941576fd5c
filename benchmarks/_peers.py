"""The peers of benchmarks/peers.py: an OpenAPI 3.1 document over our schemas, and installing
Schemathesis and Prism where they are missing (each failure is a reason, never a crash).

Installs go to ``$XDG_CACHE_HOME/interactions-conformance/peers`` (default ``~/.cache``): a
virtual environment for Schemathesis when the current one lacks it (``pip install -e
'.[bench]'`` puts it in the current one), and an npm prefix for ``@stoplight/prism-cli``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from interactions_conformance import load_revision

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
PEERS = CACHE / "interactions-conformance" / "peers"
PRISM_PACKAGE = "@stoplight/prism-cli@5"


def _without_ids(node: Any) -> Any:
    """The schema with its ``$id``s removed: refs then resolve next to the file, offline."""
    if isinstance(node, dict):
        return {k: _without_ids(v) for k, v in node.items() if k != "$id"}
    if isinstance(node, list):
        return [_without_ids(v) for v in node]
    return node


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ref}}}


def openapi_document(folder: Path, revision: str = "2025-12") -> Path:
    """``folder/openapi.json`` (OpenAPI 3.1) whose operations ``$ref`` the revision's schemas,
    copied beside it as ``folder/schemas/*.json``. Returns the document's path."""
    rev = load_revision(revision)
    schemas = folder / "schemas"
    schemas.mkdir(parents=True, exist_ok=True)
    for stem, schema in rev.schemas.items():
        (schemas / f"{stem}.json").write_text(json.dumps(_without_ids(schema)), "utf-8")
    # OpenAPI 3.1 has no itemSchema: the schema of text/event-stream is one event's (as
    # Schemathesis reads it), its data JSON described by contentSchema ("data: [DONE]" ends it).
    event = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string"},
            "id": {"type": "string"},
            "data": {
                "anyOf": [
                    {"const": "[DONE]"},
                    {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": "schemas/sse-event.json"},
                    },
                ]
            },
        },
    }
    error = {
        "description": "an error in the documented body",
        "content": _json("schemas/error.json"),
    }
    interaction = {
        "description": "an Interaction (a stream of events when stream is true)",
        "content": {
            **_json("schemas/interaction.json"),
            "text/event-stream": {"schema": event},
        },
    }
    ident = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    # Links let a stateful tester reach a real id: get, delete and cancel what a create made.
    links = {
        name: {"operationId": op, "parameters": {"id": "$response.body#/id"}}
        for name, op in (
            ("get", "getInteraction"),
            ("delete", "deleteInteraction"),
            ("cancel", "cancelInteraction"),
        )
    }
    errors = dict.fromkeys(("400", "401", "403", "404", "429"), error)
    # The guide's simplest request, as examples: a schema alone cannot tell which model names
    # exist, so without them a generator rarely gets past a 400 to see an Interaction.
    simple = {"model": "gemini-2.5-flash-lite", "input": "What is 17*23?"}
    create = _json("schemas/create-request.json")
    create["application/json"]["examples"] = {
        "simple": {"value": simple},
        "streamed": {"value": {**simple, "stream": True}},
    }
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"Gemini Interactions API ({revision})", "version": revision},
        "security": [{"key": []}],
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "x-goog-api-key"}}
        },
        "paths": {
            "/v1beta/interactions": {
                "post": {
                    "operationId": "createInteraction",
                    "requestBody": {
                        "required": True,
                        "content": create,
                    },
                    "responses": {"200": {**interaction, "links": links}, **errors},
                }
            },
            "/v1beta/interactions/{id}": {
                "get": {
                    "operationId": "getInteraction",
                    "parameters": ident,
                    "responses": {"200": interaction, **errors},
                },
                "delete": {
                    "operationId": "deleteInteraction",
                    "parameters": ident,
                    "responses": {
                        "200": {
                            "description": "deleted",
                            "content": _json("schemas/delete-response.json"),
                        },
                        **errors,
                    },
                },
            },
            "/v1beta/interactions/{id}/cancel": {
                "post": {
                    "operationId": "cancelInteraction",
                    "parameters": ident,
                    "responses": {"200": interaction, **errors},
                }
            },
        },
    }
    path = folder / "openapi.json"
    path.write_text(json.dumps(document, indent=1), "utf-8")
    return path


def _run(command: list[str], timeout: float = 900) -> tuple[bool, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return done.returncode == 0, " | ".join(tail)


def schemathesis_command() -> tuple[list[str] | None, str]:
    """How to run Schemathesis's CLI (installing it into the cache if needed), or why not."""
    try:
        import schemathesis  # noqa: F401

        return [sys.executable, "-m", "schemathesis.cli"], "from the current environment"
    except ImportError:
        pass
    venv = PEERS / "schemathesis-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        ok, why = _run([sys.executable, "-m", "venv", str(venv)])
        if not ok:
            return None, f"could not make a virtual environment for it: {why}"
    probe = [str(python), "-c", "import schemathesis"]
    if not _run(probe)[0]:
        ok, why = _run([str(python), "-m", "pip", "install", "-q", "schemathesis"])
        if not ok:
            return None, f"pip install schemathesis failed: {why}"
    return [str(python), "-m", "schemathesis.cli"], f"installed in {venv}"


def prism_command() -> tuple[list[str] | None, str]:
    """How to run Prism's CLI (installing it with npm into the cache if needed), or why not."""
    prefix = PEERS / "prism"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            return None, "node and npm are needed to install @stoplight/prism-cli"
        prefix.mkdir(parents=True, exist_ok=True)
        install = [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(prefix),
            PRISM_PACKAGE,
        ]
        ok, why = _run(install)
        if not ok or not binary.exists():
            return None, f"npm install {PRISM_PACKAGE} failed: {why}"
    return [str(binary)], f"installed in {prefix}"
