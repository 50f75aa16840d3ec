"""The Grafana dashboard every chart carries (dashboards/djhelm-deploys.json), built from one table of panels.

One dashboard serves every release: Grafana variables pick the namespace and the release (the
`djhelm_release` label the PodMonitor adds), so the file holds no project text and is the same bytes for
every chart. The ConfigMap that ships it is rendered only with monitoring.grafanaDashboard.enabled.
Every metric name below is checked against a real scrape or a pinned exporter list (tests/monitoring).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["DASHBOARD_PATH", "PANELS", "Panel", "dashboard", "dashboard_text", "expressions"]

DASHBOARD_PATH = "dashboards/djhelm-deploys.json"
APP = 'namespace="$namespace",djhelm_release="$release"'
DEPLOYMENTS = 'namespace="$namespace",deployment=~"$release-.*"'
RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method_bucket"


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    unit: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)


PANELS: tuple[Panel, ...] = (
    Panel(
        "Requests by status",
        "Responses per second, by HTTP status.",
        "reqps",
        ((f"sum by (status) (rate({RESPONSES}{{{APP}}}[$__rate_interval]))", "{{status}}"),),
    ),
    Panel(
        "5xx ratio",
        "Share of responses that are server errors; a rise right after a deploy means roll back.",
        "percentunit",
        (
            (
                f'sum(rate({RESPONSES}{{{APP},status=~"5.."}}[$__rate_interval])) / '
                f"sum(rate({RESPONSES}{{{APP}}}[$__rate_interval]))",
                "5xx",
            ),
        ),
    ),
    Panel(
        "Latency",
        "Request latency over all views.",
        "s",
        (
            (f"histogram_quantile(0.5, sum by (le) (rate({LATENCY}{{{APP}}}[$__rate_interval])))", "p50"),
            (f"histogram_quantile(0.99, sum by (le) (rate({LATENCY}{{{APP}}}[$__rate_interval])))", "p99"),
        ),
    ),
    Panel(
        "Rollout",
        "Updated and available pods against the desired count, per Deployment.",
        "short",
        (
            (f"kube_deployment_spec_replicas{{{DEPLOYMENTS}}}", "{{deployment}} desired"),
            (f"kube_deployment_status_replicas_updated{{{DEPLOYMENTS}}}", "{{deployment}} updated"),
            (f"kube_deployment_status_replicas_available{{{DEPLOYMENTS}}}", "{{deployment}} available"),
        ),
    ),
    Panel(
        "Live processes by code version",
        "App processes in djhelm's registry: two versions at once during a rollout, one after it.",
        "short",
        ((f"max by (code) (djhelm_app_processes{{{APP}}})", "{{code}}"),),
    ),
    Panel(
        "Pending migrations",
        "Migrations the running code ships that are not applied, by phase.",
        "short",
        (
            (f"max by (phase) (djhelm_migrations_pending{{{APP}}})", "{{phase}}"),
        ),
    ),
    Panel(
        "Migration runs",
        "The newest migrate_phase run of each phase: time spent and lock_timeout retries.",
        "s",
        (
            (f"max by (phase) (djhelm_migration_last_run_duration_seconds{{{APP}}})", "{{phase}} duration"),
            (f"max by (phase) (djhelm_migration_last_run_lock_retries{{{APP}}})", "{{phase}} lock retries"),
            (f"max by (phase) (djhelm_migration_last_run_failed{{{APP}}})", "{{phase}} failed"),
        ),
    ),
    Panel(
        "Lock waits (postgres_exporter)",
        "Sessions waiting on a lock; during a migration, queries queue "
        "behind an ALTER that waits for a long transaction.",
        "short",
        (('sum by (datname) (pg_stat_activity_count{wait_event_type="Lock"})', "{{datname}}"),),
    ),
    Panel(
        "Read replicas",
        "Replica lag (postgres_exporter), and djhelm's router taking replicas out of "
        "rotation or retrying reads on the primary.",
        "short",
        (
            ("max(pg_replication_lag_seconds)", "lag (s)"),
            (
                f"sum by (replica, reason) (increase(djhelm_replica_skips_total{{{APP}}}[$__rate_interval]))",
                "{{replica}} skipped ({{reason}})",
            ),
            (
                f"sum by (replica) (increase(djhelm_replica_fallbacks_total{{{APP}}}[$__rate_interval]))",
                "{{replica}} fallbacks",
            ),
        ),
    ),
)

# Grafana marks these moments on every panel.
ANNOTATIONS: tuple[tuple[str, str, str], ...] = (
    ("Deploys", f"changes(kube_deployment_metadata_generation{{{DEPLOYMENTS}}}[2m]) > 0", "#5794F2"),
    ("Migration runs", f"changes(djhelm_migration_last_run_timestamp_seconds{{{APP}}}[2m]) > 0", "#FF9830"),
)


def _datasource() -> dict[str, str]:
    return {"type": "prometheus", "uid": "${datasource}"}


def _panel(index: int, panel: Panel) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": panel.title,
        "description": panel.description,
        "datasource": _datasource(),
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {
                "refId": chr(ord("A") + number),
                "datasource": _datasource(),
                "expr": expr,
                "legendFormat": legend,
            }
            for number, (expr, legend) in enumerate(panel.targets)
        ],
    }


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": _datasource(),
        "query": {"query": query, "refId": name},
        "refresh": 2,
        "sort": 1,
    }


def dashboard() -> dict[str, Any]:
    return {
        "title": "djhelm: deploys and migrations",
        "uid": "djhelm-deploys",
        "description": "Watch a Django release during and after a deploy: errors, latency, rollout, code "
        "versions, migrations and locks.",
        "tags": ["djhelm", "django"],
        "editable": True,
        "schemaVersion": 39,
        "time": {"from": "now-3h", "to": "now"},
        "refresh": "30s",
        "templating": {
            "list": [
                {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"},
                _variable("namespace", "Namespace", "label_values(djhelm_migrations_pending, namespace)"),
                _variable(
                    "release",
                    "Release",
                    'label_values(djhelm_migrations_pending{namespace="$namespace"}, djhelm_release)',
                ),
            ]
        },
        "annotations": {
            "list": [
                {
                    "name": name,
                    "enable": True,
                    "datasource": _datasource(),
                    "expr": expr,
                    "iconColor": color,
                    "step": "60s",
                    "titleFormat": name,
                }
                for name, expr, color in ANNOTATIONS
            ]
        },
        "panels": [_panel(index, panel) for index, panel in enumerate(PANELS)],
    }


def dashboard_text() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


def expressions() -> list[str]:
    """Every PromQL expression of the dashboard: panel targets, annotations and variable queries."""
    found = [expr for panel in PANELS for expr, _ in panel.targets]
    found += [expr for _, expr, _ in ANNOTATIONS]
    return found
