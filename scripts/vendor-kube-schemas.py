#!/usr/bin/env python3
"""Extract compact strict Kubernetes JSON Schemas from the kubernetes-validate wheel into schemas/kubernetes/.

djhelm validates offline and must not need kubernetes-validate (108 MB installed) at run time, so this script
keeps only what validation reads: for each minor version, the strict definitions without descriptions, formats
and x-kubernetes-* annotations, plus an index from "apiVersion kind" to the definition that validates it.
Integer formats become bounds (`int32` -> minimum/maximum of a 32-bit integer): the API server's decoder
refuses `replicas: 2147483648`, and jsonschema checks bounds without a format checker.

Output (deterministic: sorted keys, gzip mtime 0):
  schemas/kubernetes/v1.NN.json.gz   {"kubeVersion", "kinds": {"apps/v1 Deployment": defName}, "definitions"}
  schemas/kubernetes/index.json      versions, source package version, sha256 and size of each file

Each file stands alone so djhelm reads exactly one small file per version (about 20 KB each; gzip removes the
repetition, so sharing definitions across versions would save little and cost a second read).

Usage: python scripts/vendor-kube-schemas.py [--source DIR] [--out schemas/kubernetes]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

_DROP_KEYS = {"description", "format", "default"}
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")
_DEFS_PREFIX_IN_KIND_FILES = "/api/_definitions.json#/$defs/"


def _source_dir() -> Path:
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
    except ImportError:
        sys.exit("kubernetes-validate is not installed: pip install -e '.[bench]' (it ships the schemas)")
    return Path(kubernetes_validate.__file__).resolve().parent / "kubernetes-json-schema"


def _compact(node: Any) -> Any:
    """Drop what validation never reads; keep property names even when they look like dropped keywords."""
    if isinstance(node, list):
        return [_compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    bounds = _INTEGER_BOUNDS.get(node.get("format")) if isinstance(node.get("format"), str) else None
    if bounds is not None:
        out["minimum"], out["maximum"] = bounds
    for key, value in node.items():
        if key in _DROP_KEYS or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: _compact(schema) for name, schema in value.items()}
        elif key == "$ref":
            out[key] = value.replace(_DEFS_PREFIX_IN_KIND_FILES, "#/$defs/")
        else:
            out[key] = _compact(value)
    return out


def _kind_index(definitions: dict[str, Any]) -> dict[str, str]:
    """Map "apiVersion kind" to the definition whose own name ends with that kind.

    Shared types such as DeleteOptions list dozens of group/version/kinds; they are not objects one applies,
    so only the definition named after the kind is indexed.
    """
    index: dict[str, str] = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            if name.rsplit(".", 1)[-1] != gvk["kind"]:
                continue
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            index[f"{api_version} {gvk['kind']}"] = name
    return index


def _gzip_json(payload: Any) -> bytes:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write(text)
    return buffer.getvalue()


def vendor(source: Path, out: Path, source_version: str) -> list[dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for version_dir in sorted(
        source.iterdir(), key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.name))
    ):
        match = _VERSION_DIR.match(version_dir.name)
        if not match:
            continue
        minor = f"{match.group(1)}.{match.group(2)}"
        raw = json.loads((version_dir / "_definitions.json").read_text())["$defs"]
        kinds = _kind_index(raw)
        payload = {
            "kubeVersion": minor,
            "kinds": kinds,
            "definitions": {name: _compact(schema) for name, schema in raw.items()},
        }
        data = _gzip_json(payload)
        target = out / f"v{minor}.json.gz"
        target.write_bytes(data)
        entries.append(
            {
                "kubeVersion": minor,
                "file": target.name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "kinds": len(kinds),
                "definitions": len(raw),
            }
        )
    index = {
        "source": f"kubernetes-validate {source_version} (strict schemas from the Kubernetes OpenAPI)",
        "versions": entries,
    }
    (out / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source", type=Path, default=None, help="kubernetes-json-schema dir of kubernetes-validate"
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "schemas" / "kubernetes"
    )
    args = parser.parse_args()
    source = args.source or _source_dir()
    try:
        from importlib.metadata import version

        source_version = version("kubernetes-validate")
    except Exception:
        source_version = "unknown"
    entries = vendor(source, args.out, source_version)
    total = sum(e["bytes"] for e in entries)
    for entry in entries:
        print(
            f"v{entry['kubeVersion']}: {entry['kinds']} kinds, {entry['definitions']} definitions, "
            f"{entry['bytes']} bytes"
        )
    print(f"total {total} bytes in {args.out}")


if __name__ == "__main__":
    main()
