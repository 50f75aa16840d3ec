"""The monitoring objects of the committed charts, rendered by the real `helm`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# Every alert renders: phases on, and the postgres_exporter alerts with a selector.
ALL_ALERTS = {
    "migrations": {"phases": True},
    "monitoring": {"postgresExporter": {"enabled": True, "selector": 'job="postgres-exporter"'}},
}
# (chart, release, namespace, values): the committed charts as they are, and shop with every alert on.
VARIANTS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "shop": ("shop", "shop", "default", {}),
    "events": ("events", "events", "events-prod", {}),
    "shop-all-alerts": ("shop", "shop", "shop", ALL_ALERTS),
}


def render(helm: str, variant: str, tmp_path: Path, extra: dict[str, Any] | None = None,
           release: str | None = None) -> list[dict[str, Any]]:
    chart, default_release, namespace, values = VARIANTS[variant]
    release = release or default_release
    values_file = tmp_path / f"{variant}-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    command = [helm, "template", release, str(REPO_ROOT / "charts" / chart), "--namespace", namespace,
               "-f", str(values_file)]
    if extra:
        extra_file = tmp_path / f"{variant}-extra.yaml"
        extra_file.write_text(yaml.safe_dump(extra))
        command += ["-f", str(extra_file)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def rule_groups(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for rule in of_kind(docs, "PrometheusRule"):
        groups.extend(rule["spec"]["groups"])
    return groups


def alerts(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in rule_groups(docs) for rule in group["rules"] if "alert" in rule}


def write_rules(docs: list[dict[str, Any]], path: Path) -> Path:
    path.write_text(yaml.safe_dump({"groups": rule_groups(docs)}, sort_keys=False))
    return path
