"""A stand-in for the kubeconform binary, used ONLY because the real Go binary cannot be installed here
(it is not in the package registries this machine reaches). It mimics the parts djhelm relies on:
the flags djhelm passes (-strict, -output json, -schema-location TEMPLATE with {{ .ResourceKind }} and
{{ .KindSuffix }}), and kubeconform's JSON report ({"resources": [...], "summary": {...}}). It really
validates: it loads the schema files djhelm wrote and runs jsonschema on every document.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema
import yaml


def kind_suffix(api_version: str) -> str:
    parts = api_version.split("/")
    suffix = "-" + parts[0].split(".")[0].lower()
    return suffix + ("-" + parts[1].lower() if len(parts) > 1 else "")


def main(argv: list[str]) -> int:
    with Path(os.environ["FAKE_KUBECONFORM_LOG"]).open("a") as handle:
        handle.write(json.dumps(argv) + "\n")
    args = list(argv)
    strict = "-strict" in args
    location = args[args.index("-schema-location") + 1]
    files = [a for a in args if a.endswith(".yaml")]
    resources = []
    summary = {"valid": 0, "invalid": 0, "errors": 0, "skipped": 0}
    for file in files:
        for doc in yaml.safe_load_all(Path(file).read_text()):
            if not isinstance(doc, dict):
                continue
            kind, version = doc.get("kind", ""), doc.get("apiVersion", "")
            name = (doc.get("metadata") or {}).get("name", "")
            path = Path(
                location.replace("{{ .ResourceKind }}", kind.lower()).replace(
                    "{{ .KindSuffix }}", kind_suffix(version)
                )
            )
            record = {"filename": file, "kind": kind, "name": name, "version": version}
            if not path.exists():
                resources.append(
                    {**record, "status": "statusError", "msg": f"could not find schema for {kind}"}
                )
                summary["errors"] += 1
                continue
            schema = json.loads(path.read_text())
            if not strict:
                schema = json.loads(json.dumps(schema).replace('"additionalProperties": false', '"x": 0'))
            error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(doc))
            if error is None:
                summary["valid"] += 1
                continue
            summary["invalid"] += 1
            resources.append({**record, "status": "statusInvalid", "msg": error.message})
    print(json.dumps({"resources": resources, "summary": summary}, indent=2))
    return 1 if summary["invalid"] or summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
