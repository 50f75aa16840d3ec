"""Helpers for the validate tests: the known-good app manifests, and running the real core on them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from djhelm.validation import Finding, Report, Source, validate_documents

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_APP = [d for d in yaml.safe_load_all((FIXTURES / "app.yaml").read_text()) if d]


def app() -> list[dict[str, Any]]:
    """A fresh copy of the manifest set that passes every rule."""
    return copy.deepcopy(_APP)


def obj(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for item in objects:
        if item["kind"] == kind and item["metadata"]["name"] == name:
            return item
    raise KeyError(f"{kind}/{name}")


def web(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The web container of the web Deployment."""
    container: dict[str, Any] = obj(objects, "Deployment", "shop-web")["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def pod(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = obj(objects, kind, name)["spec"]["template"]["spec"]
    return spec


def run(objects: list[dict[str, Any]], versions: tuple[str, ...] = ("1.29", "1.37")) -> Report:
    text = yaml.safe_dump_all(objects, sort_keys=False)
    return validate_documents([Source(text, "app.yaml")], versions)


def findings(report: Report, rule: str, severity: str | None = None) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule and (severity is None or f.severity == severity)]


def schema_errors(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule.startswith("K8S") and f.severity == "error"]
