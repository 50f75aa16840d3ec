"""Zero-downtime rules for serving Deployments: ZD001-ZD004. Each breaks one thing in the good fixture."""

from __future__ import annotations

from typing import Any

from djhelm.validation import all_rules
from tests.validate.support import app, findings, obj, pod, run, web


def test_rules_are_discovered_with_unique_ids_and_documentation() -> None:
    rules = all_rules()
    ids = [r.id for r in rules]
    assert ids == sorted(set(ids))
    assert {"ZD001", "ZD002", "ZD003", "ZD004"} <= set(ids)
    assert all(r.title and r.why and r.severity in ("error", "warning", "info") for r in rules)


def test_good_fixture_passes_every_rule() -> None:
    report = run(app())
    assert [f for f in report.findings if f.rule.startswith("ZD")] == []


# ZD001 rolling update


def test_zd001_max_unavailable_above_zero() -> None:
    objects = app()
    obj(objects, "Deployment", "shop-web")["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = 1
    [first, _second] = findings(run(objects), "ZD001", "error")
    assert first.path == "spec.strategy.rollingUpdate.maxUnavailable"
    assert "maxUnavailable: 0" in first.fix


def test_zd001_max_surge_zero() -> None:
    objects = app()
    obj(objects, "Deployment", "shop-web")["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = "0%"
    assert [f.path for f in findings(run(objects), "ZD001", "error")] == [
        "spec.strategy.rollingUpdate.maxSurge"
    ] * 2


def test_zd001_default_strategy_with_many_replicas() -> None:
    objects = app()
    deployment = obj(objects, "Deployment", "shop-web")
    del deployment["spec"]["strategy"]
    deployment["spec"]["replicas"] = 4  # 25% of 4 = 1 pod may go
    assert len(findings(run(objects), "ZD001", "error")) == 2
    deployment["spec"]["replicas"] = 2  # 25% of 2 rounds down to 0: still worth a warning
    report = run(objects)
    assert findings(report, "ZD001", "error") == []
    assert len(findings(report, "ZD001", "warning")) == 2


def test_zd001_recreate_on_web_is_an_error() -> None:
    objects = app()
    obj(objects, "Deployment", "shop-web")["spec"]["strategy"] = {"type": "Recreate"}
    assert "Recreate" in findings(run(objects), "ZD001", "error")[0].message


def test_zd001_recreate_is_fine_for_a_single_beat_but_not_for_many() -> None:
    objects = app()
    assert findings(run(objects), "ZD001") == []  # the fixture's beat uses Recreate with 1 replica
    obj(objects, "Deployment", "shop-beat")["spec"]["replicas"] = 3
    [warning, _] = findings(run(objects), "ZD001")
    assert warning.severity == "warning" and warning.object_ref == "Deployment/shop-beat"


# ZD002 probes


def test_zd002_missing_readiness_probe() -> None:
    objects = app()
    del web(objects)["readinessProbe"]
    [error, _] = findings(run(objects), "ZD002", "error")
    assert "no readinessProbe" in error.message


def test_zd002_liveness_same_as_readiness() -> None:
    objects = app()
    web(objects)["livenessProbe"] = {**web(objects)["readinessProbe"], "periodSeconds": 30}
    [error, _] = findings(run(objects), "ZD002", "error")
    assert error.path.endswith("livenessProbe")


def test_zd002_ignores_workers_without_ports() -> None:
    objects = app()
    del pod(objects, "Deployment", "shop-beat")["containers"][0]["args"]
    assert findings(run(objects), "ZD002") == []


def _with_metrics_sidecar(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A second container with a port of its own and no probes or preStop (the chart's metrics container)."""
    sidecar = {"name": "metrics", "image": "shop:1", "ports": [{"name": "metrics", "containerPort": 9808}]}
    pod(objects, "Deployment", "shop-web")["containers"].append(sidecar)
    return sidecar


def test_zd002_to_zd004_leave_a_sidecar_no_service_targets_alone() -> None:
    objects = app()
    _with_metrics_sidecar(objects)
    report = run(objects)
    assert [f for f in report.findings if f.rule in ("ZD002", "ZD003", "ZD004")] == []


def test_zd002_and_zd003_check_a_sidecar_once_a_service_targets_it() -> None:
    objects = app()
    _with_metrics_sidecar(objects)
    obj(objects, "Service", "shop")["spec"]["ports"].append({"name": "metrics", "port": 9808,
                                                              "targetPort": 9808})
    report = run(objects)
    assert any("container metrics has no readinessProbe" in f.message for f in findings(report, "ZD002"))
    assert any("container metrics has no preStop" in f.message for f in findings(report, "ZD003"))


# ZD003 preStop


def test_zd003_missing_prestop() -> None:
    objects = app()
    del web(objects)["lifecycle"]
    assert len(findings(run(objects), "ZD003", "error")) == 2


def test_zd003_sleep_longer_than_grace_period() -> None:
    objects = app()
    web(objects)["lifecycle"]["preStop"] = {"exec": {"command": ["/bin/sh", "-c", "sleep 45"]}}
    [error, _] = findings(run(objects), "ZD003", "error")
    assert "45s" in error.message and "40" in error.message


def test_zd003_zero_sleep() -> None:
    objects = app()
    web(objects)["lifecycle"]["preStop"] = {"sleep": {"seconds": 0}}
    assert len(findings(run(objects, ("1.37",)), "ZD003", "error")) == 1


def test_zd003_sleep_action_passes_on_new_versions() -> None:
    objects = app()
    web(objects)["lifecycle"]["preStop"] = {"sleep": {"seconds": 10}}
    assert findings(run(objects, ("1.30", "1.37")), "ZD003") == []


def test_zd003_unreadable_prestop_is_info() -> None:
    objects = app()
    web(objects)["lifecycle"]["preStop"] = {"httpGet": {"path": "/drain", "port": "http"}}
    assert [f.severity for f in findings(run(objects), "ZD003")] == ["info", "info"]


# ZD004 grace period


def test_zd004_grace_period_too_short_for_prestop_plus_drain() -> None:
    objects = app()
    pod(objects, "Deployment", "shop-web")["terminationGracePeriodSeconds"] = 30  # 10 + 25 > 30
    [error, _] = findings(run(objects), "ZD004", "error")
    assert "at least 35" in error.fix
    assert error.path == "spec.template.spec.terminationGracePeriodSeconds"


def test_zd004_reads_uvicorn_flag_when_no_annotation() -> None:
    objects = app()
    del obj(objects, "Deployment", "shop-web")["spec"]["template"]["metadata"]["annotations"]
    web(objects)["args"] = ["uvicorn", "shop.asgi:application", "--timeout-graceful-shutdown=35"]
    [error, _] = findings(run(objects), "ZD004", "error")
    assert "--timeout-graceful-shutdown" in error.message


def test_zd004_gunicorn_default_is_30_seconds() -> None:
    objects = app()
    del obj(objects, "Deployment", "shop-web")["spec"]["template"]["metadata"]["annotations"]
    web(objects)["args"] = ["gunicorn", "shop.wsgi:application"]
    assert findings(run(objects), "ZD004") == []  # 10 + 30 = 40: exactly enough
    pod(objects, "Deployment", "shop-web")["terminationGracePeriodSeconds"] = 35
    [error, _] = findings(run(objects), "ZD004", "error")
    assert "gunicorn default" in error.message


def test_zd004_unknown_server_is_info() -> None:
    objects = app()
    del obj(objects, "Deployment", "shop-web")["spec"]["template"]["metadata"]["annotations"]
    web(objects)["args"] = ["./serve"]
    assert [f.severity for f in findings(run(objects), "ZD004")] == ["info", "info"]


def test_a_deployment_a_service_selects_is_serving_even_without_declared_ports() -> None:
    """Declaring ports is optional; a Service still sends traffic to the pods it selects."""
    objects = app()
    deployment = obj(objects, "Deployment", "shop-web")
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        container.pop("ports", None)
        container.pop("readinessProbe", None)
    deployment["metadata"]["labels"].pop("app.kubernetes.io/component", None)
    deployment["spec"]["template"]["metadata"]["labels"].pop("app.kubernetes.io/component", None)
    service = obj(objects, "Service", "shop")
    service["spec"]["selector"] = dict(deployment["spec"]["template"]["metadata"]["labels"])
    assert findings(run(objects), "ZD002", "error"), "a selected Deployment without readiness must be caught"
    service["spec"]["selector"] = {"app.kubernetes.io/name": "something-else"}
    assert findings(run(objects), "ZD002", "error") == []  # selected by nothing, no port: a worker


def test_a_port_no_service_selects_is_a_health_port_when_the_services_are_in_view() -> None:
    """Sentry's Kafka consumers declare a container port (their health check) that no Service selects:
    they are workers, not serving pods; alone (no Service in the input), a port still counts."""
    objects = app()
    deployment = obj(objects, "Deployment", "shop-web")
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        container.pop("readinessProbe", None)
        container.get("lifecycle", {}).pop("preStop", None)
    deployment["metadata"]["labels"].pop("app.kubernetes.io/component", None)
    deployment["spec"]["template"]["metadata"]["labels"].pop("app.kubernetes.io/component", None)
    deployment["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    obj(objects, "Service", "shop")["spec"]["selector"] = {"app.kubernetes.io/name": "something-else"}
    rules = ("ZD001", "ZD002", "ZD003")
    assert [f for f in run(objects).findings if f.rule in rules] == []
    alone = [o for o in objects if o["kind"] != "Service"]
    assert {f.rule for f in run(alone).findings if f.rule in rules} == set(rules)


# ZD012 migrations in every pod


def test_zd012_migrate_in_an_init_container_or_the_command() -> None:
    objects = app()
    spec = obj(objects, "Deployment", "shop-web")["spec"]["template"]["spec"]
    spec.setdefault("initContainers", []).append(
        {"name": "migrate", "image": "shop:1", "command": ["python", "manage.py", "migrate", "--noinput"]})
    spec["containers"][0]["command"] = ["sh", "-c", "python /app/manage.py migrate && gunicorn shop.wsgi"]
    found = findings(run(objects), "ZD012", "error")
    paths = {f.path for f in found}
    assert paths == {"spec.template.spec.containers[0]", "spec.template.spec.initContainers[1]"}
    assert all("Job" in f.fix for f in found)


def test_zd012_leaves_checks_and_waits_alone() -> None:
    objects = app()
    spec = obj(objects, "Deployment", "shop-web")["spec"]["template"]["spec"]
    spec.setdefault("initContainers", []).extend([
        {"name": "check", "image": "shop:1", "command": ["python", "manage.py", "migrate", "--check"]},
        {"name": "wait", "image": "shop:1", "command": ["python", "manage.py", "migrate_phase", "wait"]},
        # DefectDojo's chart: a shell loop that waits for the migration Job
        {"name": "db-migration-checker", "image": "shop:1", "command": [
            "sh", "-c", 'while ! /app/manage.py migrate --check; do echo "not migrated yet"; sleep 5; done']},
    ])
    assert findings(run(objects), "ZD012", "error") == []


def test_zd012_a_check_does_not_excuse_the_migrate_that_follows_it() -> None:
    objects = app()
    spec = obj(objects, "Deployment", "shop-web")["spec"]["template"]["spec"]
    spec["containers"][0]["command"] = [
        "sh", "-c", "python manage.py migrate --check || python manage.py migrate --noinput; exec gunicorn x"]
    assert {f.path for f in findings(run(objects), "ZD012", "error")} == {"spec.template.spec.containers[0]"}
