"""The vendored Kubernetes schemas (schemas/kubernetes/) and validators compiled from them, cached.

Each version file holds the strict definitions of one Kubernetes minor version. A validator for one
(version, apiVersion, kind) is built once: its $refs are replaced by the referenced definitions (shared
Python objects, so nothing is copied) because resolving references at validation time is what makes
jsonschema slow; only references that recurse stay references and resolve through the root's $defs.
jsonschema stays the one validating engine.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from djhelm.resources import schemas_dir
from djhelm.validation.fastcheck import Check, Compiler, Unsupported

_DEFS = "#/$defs/"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")


def kubernetes_schema_dir() -> Path:
    return schemas_dir() / "kubernetes"


@cache
def supported_versions() -> tuple[str, ...]:
    index = json.loads((kubernetes_schema_dir() / "index.json").read_text())
    versions = [entry["kubeVersion"] for entry in index["versions"]]
    return tuple(sorted(versions, key=lambda v: tuple(int(x) for x in v.split("."))))


def default_versions() -> tuple[str, ...]:
    """The oldest version djhelm promises (1.29) and the newest it has."""
    newest = supported_versions()[-1]
    return ("1.29", newest) if newest != "1.29" else ("1.29",)


def normalize_version(text: str) -> str | None:
    """'1.30', 'v1.30.2' and '1.30.0' all mean minor version '1.30'; None when it is not a version."""
    match = _VERSION.match(text.strip())
    if not match:
        return None
    return f"{int(match.group(1))}.{int(match.group(2))}"


@dataclass(frozen=True)
class KindLookup:
    """What the schemas know about one apiVersion/kind on one version."""

    definition: str | None
    # other apiVersions that define this kind (to name the right one when an apiVersion was removed)
    alternatives: tuple[str, ...]


class SchemaSet:
    """All schemas of one Kubernetes minor version, plus the version-independent extras (Gateway API)."""

    def __init__(self, version: str) -> None:
        self.version = version
        payload = json.loads(gzip.decompress((kubernetes_schema_dir() / f"v{version}.json.gz").read_bytes()))
        extras = _extras()
        self.definitions: dict[str, Any] = {**payload["definitions"], **extras["definitions"]}
        self.kinds: dict[str, str] = {**payload["kinds"], **extras["kinds"]}
        self._by_kind: dict[str, list[str]] = {}
        for key in self.kinds:
            api_version, kind = key.split(" ", 1)
            self._by_kind.setdefault(kind, []).append(api_version)
        self._validators: dict[str, jsonschema.protocols.Validator] = {}
        self._inliner = _Inliner(self.definitions)
        self._compiler = Compiler(self.definitions)
        self._prechecks: dict[str, Check | None] = {}

    def lookup(self, api_version: str, kind: str) -> KindLookup:
        definition = self.kinds.get(f"{api_version} {kind}")
        others = tuple(sorted(v for v in self._by_kind.get(kind, []) if v != api_version))
        return KindLookup(definition, others)

    def precheck(self, definition: str) -> Check | None:
        """The fast yes/no check for a definition (None when its schema needs jsonschema alone)."""
        if definition not in self._prechecks:
            try:
                self._prechecks[definition] = self._compiler.definition(definition)
            except Unsupported:
                self._prechecks[definition] = None
        return self._prechecks[definition]

    def validator(self, definition: str) -> jsonschema.protocols.Validator:
        validator = self._validators.get(definition)
        if validator is None:
            schema = dict(self._inliner.inline(definition) or {"$ref": _DEFS + definition})
            schema["$defs"] = self.definitions
            validator = jsonschema.Draft202012Validator(schema)
            self._validators[definition] = validator
        return validator


class _Inliner:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.done: dict[str, Any] = {}
        self.active: set[str] = set()

    def inline(self, name: str) -> Any:
        if name in self.done:
            return self.done[name]
        if name in self.active or name not in self.definitions:
            return None  # recursion (or a dangling name): keep the $ref
        self.active.add(name)
        result = self._walk(self.definitions[name])
        self.active.discard(name)
        self.done[name] = result
        return result

    def _walk(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS):
            inlined = self.inline(ref[len(_DEFS) :])
            return {"$ref": ref} if inlined is None else inlined
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: self._walk(schema) for name, schema in value.items()}
            else:
                out[key] = self._walk(value)
        return out


@cache
def _extras() -> dict[str, Any]:
    """Hand-written schemas for common objects that are not part of Kubernetes itself (Gateway API)."""
    result: dict[str, Any] = {"definitions": {}, "kinds": {}}
    folder = kubernetes_schema_dir() / "extras"
    if not folder.is_dir():
        return result
    for path in sorted(folder.glob("*.json")):
        payload = json.loads(path.read_text())
        result["definitions"].update(payload["definitions"])
        result["kinds"].update(payload["kinds"])
    return result


@cache
def schema_set(version: str) -> SchemaSet:
    return SchemaSet(version)
