"""Migration objects for every strategy, with phases on/off and read replicas on/off, as Helm renders them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.support import REPO_ROOT, by_kind, helm_template, manifests, render, run_cli

pytestmark = pytest.mark.helm

STRATEGIES = ("hook", "job", "argocd", "none")
REPLICAS = [
    {"name": "replica1", "secretName": "db", "key": "replica1-url", "weight": 1},
    {"name": "replica2", "secretName": "db", "key": "replica2-url", "weight": 3},
]
SECRET_ENV = re.compile(r"^(DATABASE_URL|DATABASE_MIGRATION_URL|SECRET_KEY|DATABASE_REPLICA_URL_\w+)$")


def _config(strategy: str, phases: bool, replicas: bool) -> dict[str, Any]:
    database: dict[str, Any] = {
        "url": {"secretName": "db", "key": "url"},
        "migrationUrl": {"secretName": "db", "key": "direct-url"},
    }
    if replicas:
        database["replicas"] = REPLICAS
    return {
        "name": "app",
        "image": {"repository": "ghcr.io/acme/app", "tag": "1.0"},
        "django": {"settingsModule": "app.settings"},
        "web": {"application": "app.wsgi:application", "replicas": 2},
        "secretEnv": {"SECRET_KEY": {"secretName": "django", "key": "secret-key"}},
        "database": database,
        "migrations": {
            "strategy": strategy,
            "phases": phases,
            "lockTimeout": "3s",
            "statementTimeout": "2min",
        },
        "processes": {
            "worker": {"kind": "celery-worker", "app": "app.celery:app"},
            "beat": {"kind": "celery-beat", "app": "app.celery:app"},
        },
    }


def _rendered(helm3: str, tmp_path: Path, *extra: str, **config: Any) -> list[dict[str, Any]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "djhelm.yaml"
    path.write_text(yaml.safe_dump(_config(**config)))
    return manifests(helm_template(helm3, render(path, tmp_path / "chart"), *extra))


def _annotations(doc: dict[str, Any]) -> dict[str, str]:
    return dict(doc["metadata"].get("annotations") or {})


def _migration_objects(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        d
        for d in by_kind(docs, kind)
        if d["metadata"]["labels"].get("app.kubernetes.io/component") == "migrations"
    ]


def _pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in by_kind(docs, "Deployment")}


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _all_containers(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    containers = []
    for doc in docs:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", spec)
        containers += pod.get("initContainers", []) + pod.get("containers", [])
    return containers


@pytest.mark.parametrize("replicas", [False, True], ids=["no-replicas", "replicas"])
@pytest.mark.parametrize("phases", [False, True], ids=["plain", "phases"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_migration_objects(helm3: str, tmp_path: Path, strategy: str, phases: bool, replicas: bool) -> None:
    docs = _rendered(helm3, tmp_path, strategy=strategy, phases=phases, replicas=replicas)
    jobs = {_annotations(j)["djhelm.dev/migration-phase"]: j for j in by_kind(docs, "Job")
            if "djhelm.dev/migration-phase" in _annotations(j)}  # not the rollback guard
    config_maps = _migration_objects(docs, "ConfigMap")
    accounts = _migration_objects(docs, "ServiceAccount")

    if strategy == "none":
        assert not jobs and not config_maps and not accounts
    else:
        assert set(jobs) == ({"pre", "post"} if phases else {"all"})
        assert len(config_maps) == 1 and len(accounts) == 1
        first = jobs["pre" if phases else "all"]
        command = first["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command == (
            ["python", "manage.py", "migrate_phase", "pre"]
            if phases
            else ["python", "manage.py", "migrate", "--noinput"]
        )
        if phases:
            post_command = jobs["post"]["spec"]["template"]["spec"]["containers"][0]["command"]
            assert post_command == ["python", "manage.py", "migrate_phase", "post"]
        for job in jobs.values():
            spec = job["spec"]
            assert spec["backoffLimit"] == 1 and spec["activeDeadlineSeconds"] == 540
            pod = spec["template"]["spec"]
            assert pod["restartPolicy"] == "Never"
            assert pod["serviceAccountName"] == accounts[0]["metadata"]["name"]
            assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrations"
            for container in pod["initContainers"] + pod["containers"]:
                assert container["envFrom"] == [
                    {"configMapRef": {"name": config_maps[0]["metadata"]["name"]}}
                ]
                env = _env(container)
                assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "direct-url"
                assert env["DATABASE_MIGRATION_URL"]["valueFrom"]["secretKeyRef"]["key"] == "direct-url"
                assert not [name for name in env if "REPLICA" in name], "migrations use the primary only"
                assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert pod["initContainers"][0]["name"] == "wait-for-database"
        data = config_maps[0]["data"]
        assert data["PGOPTIONS"] == "-c lock_timeout=3s -c statement_timeout=2min"
        assert data["DJHELM_LOCK_TIMEOUT"] == "3s" and data["DJHELM_STATEMENT_TIMEOUT"] == "2min"

    if strategy == "hook":
        support_hooks = "pre-install,pre-upgrade" + (",post-install,post-upgrade" if phases else "")
        assert _annotations(accounts[0])["helm.sh/hook"] == support_hooks
        assert _annotations(accounts[0])["helm.sh/hook-weight"] == "-20"
        assert _annotations(config_maps[0])["helm.sh/hook"] == support_hooks
        assert _annotations(config_maps[0])["helm.sh/hook-weight"] == "-10"
        for obj in (accounts[0], config_maps[0]):
            assert _annotations(obj)["helm.sh/hook-delete-policy"] == "before-hook-creation"
    if strategy == "hook" or (strategy == "job" and phases):
        for phase, job in jobs.items():
            if strategy == "job" and phase != "post":
                continue
            notes = _annotations(job)
            expected = "post-install,post-upgrade" if phase == "post" else "pre-install,pre-upgrade"
            assert notes["helm.sh/hook"] == expected
            assert notes["helm.sh/hook-weight"] == "0"
            assert notes["helm.sh/hook-delete-policy"] == "before-hook-creation"
            assert notes["helm.sh/hook-output-log-policy"] == "hook-succeeded,hook-failed"
    if strategy == "job":
        first = jobs["pre" if phases else "all"]
        assert not [k for k in _annotations(first) if k.startswith(("helm.sh/", "argocd.argoproj.io/"))]
        assert re.fullmatch(r"rel-app-migrate-[0-9a-f]{8}", first["metadata"]["name"])
        for obj in (accounts[0], config_maps[0]):
            assert not [k for k in _annotations(obj) if k.startswith(("helm.sh/", "argocd.argoproj.io/"))]
    if strategy == "argocd":
        for obj in [*jobs.values(), accounts[0], config_maps[0]]:
            assert not [k for k in _annotations(obj) if k.startswith("helm.sh/")], "Argo ignores Helm hooks"
            assert _annotations(obj)["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
        assert _annotations(accounts[0])["argocd.argoproj.io/sync-wave"] == "-20"
        assert _annotations(config_maps[0])["argocd.argoproj.io/sync-wave"] == "-10"
        for phase, job in jobs.items():
            assert _annotations(job)["argocd.argoproj.io/hook"] == (
                "PostSync" if phase == "post" else "PreSync"
            )

    # App pods wait for migrations exactly where nothing else orders them after the Job.
    pods = _pod_specs(docs)
    assert set(pods) == {"rel-app-web", "rel-app-worker", "rel-app-beat"}
    for name, pod in pods.items():
        init = pod.get("initContainers", [])
        if strategy in ("job", "none"):
            assert [c["name"] for c in init] == ["wait-for-migrations"], name
            command = init[0]["command"]
            if phases:
                assert command == ["python", "manage.py", "migrate_phase", "wait", "--timeout", "600"]
            else:
                assert command[:2] == ["python", "-c"] and '"migrate", "--check"' in command[2]
            assert not [n for n in _env(init[0]) if "REPLICA" in n]
        else:
            assert init == [], name
        env = _env(pod["containers"][0])
        if replicas:
            assert env["DATABASE_REPLICA_URLS"]["value"] == (
                "$(DATABASE_REPLICA_URL_REPLICA1),$(DATABASE_REPLICA_URL_REPLICA2)"
            )
            assert env["DATABASE_REPLICA_WEIGHTS"]["value"] == "replica1=1,replica2=3"
            names = list(env)
            # $(VAR) expansion only sees variables defined earlier in the list
            assert names.index("DATABASE_REPLICA_URL_REPLICA2") < names.index("DATABASE_REPLICA_URLS")
            assert env["DATABASE_REPLICA_URL_REPLICA2"]["valueFrom"]["secretKeyRef"] == {
                "name": "db",
                "key": "replica2-url",
            }
        else:
            assert not [n for n in env if "REPLICA" in n]
    web = pods["rel-app-web"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"

    # Secrets travel only as references.
    for container in _all_containers(docs):
        for name, entry in _env(container).items():
            if SECRET_ENV.match(name):
                assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], (
                    container["name"],
                    name,
                )


def test_replicas_absent_changes_nothing(helm3: str, tmp_path: Path) -> None:
    without = _rendered(helm3, tmp_path / "a", strategy="hook", phases=False, replicas=False)
    path = tmp_path / "b" / "djhelm.yaml"
    path.parent.mkdir()
    config = _config("hook", False, False)
    config["database"]["replicas"] = []
    path.write_text(yaml.safe_dump(config))
    empty_list = manifests(helm_template(helm3, render(path, tmp_path / "b" / "chart")))
    assert without == empty_list


def test_job_name_follows_image_and_settings(helm3: str, tmp_path: Path) -> None:
    runs = iter(range(100))

    def job_name(*extra: str) -> str:
        docs = _rendered(
            helm3, tmp_path / str(next(runs)), *extra, strategy="job", phases=False, replicas=False
        )
        return str(by_kind(docs, "Job")[0]["metadata"]["name"])

    base = job_name()
    assert job_name("--set", "image.tag=1.1") != base
    assert job_name("--set", "migrations.lockTimeout=9s") != base
    assert job_name("--set", "web.replicas=5") == base


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_lints(helm: str, tmp_path: Path, strategy: str) -> None:
    path = tmp_path / "djhelm.yaml"
    path.write_text(yaml.safe_dump(_config(strategy, True, True)))
    chart = render(path, tmp_path / "chart")
    for kube in ("1.29", "1.37"):
        proc = subprocess.run(
            [helm, "lint", "--strict", str(chart), "--kube-version", kube],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0 and "[WARNING]" not in proc.stdout, proc.stdout + proc.stderr


def test_migration_jobs_have_their_own_resources(helm3: str, tmp_path: Path) -> None:
    """migrations.resources in djhelm.yaml sizes the migration Jobs; without it they get web.resources."""
    source = REPO_ROOT / "examples" / "shop" / "djhelm.yaml"
    data = yaml.safe_load(source.read_text())
    data["django"]["projectDir"] = str(source.parent)
    for given, expected in (
        (None, data["web"]["resources"]),
        ({"requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}},
         {"requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}}),
    ):
        if given is not None:
            data["migrations"]["resources"] = given
        config = tmp_path / "djhelm.yaml"
        config.write_text(yaml.safe_dump(data))
        chart = tmp_path / f"chart-{given is None}"
        assert run_cli("render", str(config), "--output", str(chart)).exit_code == 0
        docs = manifests(helm_template(helm3, chart))
        jobs = [doc for doc in docs if doc["kind"] == "Job"]
        assert jobs
        for job in jobs:
            for container in job["spec"]["template"]["spec"]["containers"]:
                assert container["resources"] == expected, job["metadata"]["name"]
        web = next(d for d in docs if d["kind"] == "Deployment")
        assert web["spec"]["template"]["spec"]["containers"][0]["resources"] == data["web"]["resources"]
