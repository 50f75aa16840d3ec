"""Processes of any kind, scheduled jobs, a media volume and a server command of the user's own: what
djhelm.yaml says reaches the rendered pods (Helm 3 and 4), Kubernetes 1.29 and 1.37 accept it, and what the
chart cannot honour is refused with the field named."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from djhelm.chart.values_spec import VALUES
from tests.chart.support import (
    by_kind,
    committed_chart,
    example_config,
    helm_template,
    manifests,
    named,
    pod_templates,
    render,
    run_cli,
    validate_text,
)

pytestmark = pytest.mark.helm

EXTRA = {
    "processes": {
        "mailer": {
            "kind": "command",
            "command": ["python", "manage.py", "send_queued_mail", "--loop"],
            "singleton": True,
            "probe": {"exec": ["test", "-f", "/tmp/alive"]},
            "env": {"MAILER_BATCH": "50"},
        },
        "rq": {
            "kind": "command",
            "command": ["python", "manage.py", "rqworker", "default"],
            "replicas": 3,
            "terminationGracePeriodSeconds": 120,
            "probe": {"tcpPort": 9000},
        },
    },
    "cronJobs": {
        "report": {
            "schedule": "30 3 * * 1",
            "timeZone": "Europe/Berlin",
            "command": ["python", "manage.py", "weekly_report"],
            "env": {"REPORT_TO": "ops"},
            "successfulJobsHistoryLimit": 0,
        },
    },
    "media": {"enabled": True, "mountPath": "/srv/media"},
}


def _config(tmp_path: Path, example: str, **changes: Any) -> Path:
    """The example's djhelm.yaml with top-level sections added or replaced (processes merged)."""
    data = yaml.safe_load(example_config(example).read_text())
    data["django"]["projectDir"] = str(example_config(example).parent)
    for key, value in changes.items():
        if key == "processes":
            data.setdefault("processes", {}).update(value)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = tmp_path / "djhelm.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def events_extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("events-extra")
    return render(_config(tmp, "events", **EXTRA), tmp / "chart")


def _container(template: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = template["spec"]["containers"]
    return containers[0]


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {entry["name"]: entry.get("value", entry.get("valueFrom")) for entry in container["env"]}


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_command_processes_run_their_command_singletons_recreate(
    helm: str, events_extra: Path, kube: str
) -> None:
    text = helm_template(helm, events_extra, kube_version=kube)
    docs = manifests(text)
    mailer, rq = named(docs, "Deployment", "-mailer"), named(docs, "Deployment", "-rq")
    assert mailer["spec"]["strategy"] == {"type": "Recreate"} and mailer["spec"]["replicas"] == 1
    assert rq["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": 0}
    assert rq["spec"]["replicas"] == 3
    assert rq["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 120
    worker = _container(mailer["spec"]["template"])
    assert worker["command"] == ["python", "manage.py", "send_queued_mail", "--loop"]
    assert worker["livenessProbe"]["exec"]["command"] == ["test", "-f", "/tmp/alive"]
    assert _container(rq["spec"]["template"])["livenessProbe"]["tcpSocket"] == {"port": 9000}
    env = _env(worker)
    # its own env over the chart's; djhelm.runtime asked to register it so post waits for old copies
    assert env["MAILER_BATCH"] == "50" and env["DJHELM_PROCESS_REGISTRY"] == "on"
    assert "DATABASE_URL" in env
    # the Celery presets are unchanged beside them
    celery = _container(named(docs, "Deployment", "-worker")["spec"]["template"])
    assert celery["command"][:3] == ["celery", "--app", "events.celery:app"]
    assert "DJHELM_PROCESS_REGISTRY" not in _env(celery)
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_cron_jobs_forbid_overlap_wait_for_migrations_and_keep_their_history(
    helm: str, events_extra: Path, kube: str
) -> None:
    text = helm_template(helm, events_extra, kube_version=kube)
    docs = manifests(text)
    cron = named(docs, "CronJob", "-report")
    spec = cron["spec"]
    assert spec["schedule"] == "30 3 * * 1" and spec["timeZone"] == "Europe/Berlin"
    assert spec["concurrencyPolicy"] == "Forbid" and spec["startingDeadlineSeconds"] == 300
    # 0 is a real choice (keep no successful run), not "unset"
    assert spec["successfulJobsHistoryLimit"] == 0 and spec["failedJobsHistoryLimit"] == 3
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0 and job["activeDeadlineSeconds"] == 3600
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    # events uses strategy job: nothing orders a cron run after the migration Job, so the pod waits itself
    assert [c["name"] for c in pod["initContainers"]] == ["wait-for-migrations"]
    container = pod["containers"][0]
    assert container["command"] == ["python", "manage.py", "weekly_report"]
    assert _env(container)["REPORT_TO"] == "ops" and _env(container)["DJHELM_PROCESS_REGISTRY"] == "on"
    assert len(cron["metadata"]["name"]) <= 52
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_long_release_name_still_gives_cron_job_names_kubernetes_accepts(
    helm3: str, events_extra: Path
) -> None:
    """A CronJob's name is at most 52 characters (its Jobs append 11); the name keeps the job's own."""
    release = "a-very-long-release-name-for-a-staging-copy-x"
    text = subprocess.run(
        [helm3, "template", release, str(events_extra)], capture_output=True, text=True, check=True
    ).stdout
    names = [doc["metadata"]["name"] for doc in by_kind(manifests(text), "CronJob")]
    assert names and all(len(name) <= 52 for name in names), names
    assert any(name.endswith("-report") for name in names)


def test_a_cron_job_set_in_values_alone_gets_the_declared_defaults(helm3: str, tmp_path: Path) -> None:
    """The template's fallbacks for a job added by --set/-f equal the defaults declared for djhelm.yaml."""
    declared = next(entry for entry in VALUES if entry.path == "cronJobs").schema
    assert declared is not None
    defaults = {
        key: node["default"]
        for key, node in declared["additionalProperties"]["properties"].items()
        if "default" in node and key not in ("timeZone", "env")
    }
    values = tmp_path / "values.yaml"
    values.write_text(
        yaml.safe_dump(
            {"cronJobs": {"tidy": {"schedule": "@hourly", "command": ["python", "manage.py", "tidy"]}}}
        )
    )
    docs = manifests(helm_template(helm3, committed_chart("shop"), "-f", str(values)))
    spec = named(docs, "CronJob", "-tidy")["spec"]
    rendered = {**spec, **spec["jobTemplate"]["spec"]}
    assert {key: rendered[key] for key in defaults} == defaults


def test_media_claim_is_created_kept_and_mounted_where_the_app_runs(helm: str, events_extra: Path) -> None:
    docs = manifests(helm_template(helm, events_extra))
    claim = named(docs, "PersistentVolumeClaim", "-media")
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    for kind, name, template in pod_templates(docs):
        spec = template["spec"]
        mounted = {
            m["name"]: m["mountPath"]
            for c in spec["containers"]
            for m in c.get("volumeMounts", [])
            if m["name"] == "media"
        }
        if kind == "Job":
            # a migration Job on another node would wait for a ReadWriteOnce volume and hold the upgrade
            assert not mounted, name
            continue
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["media"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"], name
        assert "/srv/media" in mounted.values(), name


def test_an_existing_media_claim_is_mounted_and_none_created(helm3: str, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"media": {"enabled": True, "existingClaim": "shop-uploads"}}))
    docs = manifests(helm_template(helm3, committed_chart("shop"), "-f", str(values)))
    assert not by_kind(docs, "PersistentVolumeClaim")
    web = named(docs, "Deployment", "-web")["spec"]["template"]["spec"]
    assert {"name": "media", "persistentVolumeClaim": {"claimName": "shop-uploads"}} in web["volumes"]


@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_web_server_command_runs_the_users_server_with_extra_args(
    helm: str, tmp_path: Path, kube: str
) -> None:
    config = _config(
        tmp_path,
        "shop",
        web={
            **yaml.safe_load(example_config("shop").read_text())["web"],
            "server": "command",
            "command": ["uwsgi", "--http-socket", ":8000", "--module", "shop.wsgi"],
            "extraArgs": ["--max-requests", "1000"],
        },
    )
    chart = render(config, tmp_path / "chart")
    text = helm_template(helm, chart, kube_version=kube)
    web = _container(named(manifests(text), "Deployment", "-web")["spec"]["template"])
    assert web["command"] == [
        "uwsgi",
        "--http-socket",
        ":8000",
        "--module",
        "shop.wsgi",
        "--max-requests",
        "1000",
    ]
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr


def test_extra_args_follow_a_preset_server(helm3: str, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"web": {"extraArgs": ["--max-requests", "1000"]}}))
    web = _container(
        named(
            manifests(helm_template(helm3, committed_chart("shop"), "-f", str(values))), "Deployment", "-web"
        )["spec"]["template"]
    )
    assert web["command"][0] == "gunicorn" and web["command"][-2:] == ["--max-requests", "1000"]


@pytest.mark.parametrize(
    ("changes", "field", "fix"),
    [
        (
            {"processes": {"rq": {"kind": "command", "app": "x.celery:app", "command": ["rq"]}}},
            "processes.rq.app",
            "remove it",
        ),
        ({"processes": {"rq": {"kind": "command"}}}, "processes.rq", "command"),
        (
            {"processes": {"w": {"kind": "celery-worker", "app": "x.celery:app", "command": ["x"]}}},
            "processes.w.command",
            "remove it",
        ),
        (
            {"processes": {"m": {"kind": "command", "command": ["x"], "singleton": True, "replicas": 2}}},
            "processes.m.replicas",
            "remove replicas",
        ),
        (
            {
                "processes": {
                    "m": {"kind": "command", "command": ["x"], "env": {"DJHELM_PROCESS_REGISTRY": "off"}}
                }
            },
            "processes.m.env.DJHELM_PROCESS_REGISTRY",
            "remove it",
        ),
        (
            {
                "processes": {"m": {"kind": "command", "command": ["x"]}},
                "cronJobs": {"m": {"schedule": "@daily", "command": ["x"]}},
            },
            "cronJobs.m",
            "another name",
        ),
        ({"cronJobs": {"tidy": {"schedule": "every day", "command": ["x"]}}}, "cronJobs.tidy.schedule", ""),
        ({"cronJobs": {"tidy": {"schedule": "@daily", "command": []}}}, "cronJobs.tidy.command", ""),
        (
            {"cronJobs": {"tidy": {"schedule": "@daily", "command": ["x"], "env": {"API_TOKEN": "abc"}}}},
            "cronJobs.tidy.env.API_TOKEN",
            "secretEnv",
        ),
        (
            {"web": {"server": "gunicorn", "application": "shop.wsgi:application", "command": ["x"]}},
            "web.command",
            "server: command",
        ),
        ({"web": {"server": "command"}}, "web", "command"),
    ],
)
def test_what_the_chart_cannot_honour_is_refused_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], field: str, fix: str
) -> None:
    if "web" in changes:
        base = yaml.safe_load(example_config("shop").read_text())["web"]
        base.pop("application") if changes["web"]["server"] == "command" else None
        changes = {"web": {**base, **changes["web"]}}
    result = run_cli("render", str(_config(tmp_path, "shop", **changes)), "--output", str(tmp_path / "out"))
    assert result.exit_code == 2, result.stdout
    assert f": {field}" in result.stderr and fix in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
