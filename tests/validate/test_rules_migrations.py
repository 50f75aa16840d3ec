"""Zero-downtime rules for migration Jobs and hooks: ZD005-ZD011, each breaking one thing in the fixture."""

from __future__ import annotations

from typing import Any

from tests.validate.support import app, findings, obj, pod, run


def hook(item: dict[str, Any], events: str | None, weight: str | None = None) -> None:
    annotations = item["metadata"].setdefault("annotations", {})
    if events is None:
        for key in ("helm.sh/hook", "helm.sh/hook-weight", "helm.sh/hook-delete-policy"):
            annotations.pop(key, None)
        return
    annotations["helm.sh/hook"] = events
    if weight is not None:
        annotations["helm.sh/hook-weight"] = weight


def migrate_job(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return obj(objects, "Job", "shop-migrate")


def set_command(job: dict[str, Any], *words: str) -> None:
    job["spec"]["template"]["spec"]["containers"][0]["command"] = list(words)


def only(report_findings: list[Any], version: str = "1.37") -> list[Any]:
    return [f for f in report_findings if f.kube_version == version]


# ZD005 hook dependencies


def test_zd005_regular_configmap_read_by_pre_install_hook() -> None:
    objects = app()
    hook(obj(objects, "ConfigMap", "shop-migrations"), None)
    [error] = only(findings(run(objects), "ZD005", "error"))
    assert error.object_ref == "Job/shop-migrate"
    assert "ConfigMap/shop-migrations, a regular resource" in error.message
    assert "helm.sh/hook-weight below 0" in error.fix
    assert error.path == "spec.template.spec.containers[0].envFrom[0].configMapRef"


def test_zd005_dependency_weight_not_lower() -> None:
    objects = app()
    hook(obj(objects, "ServiceAccount", "shop-migrations"), "pre-install,pre-upgrade", "0")
    [error] = only(findings(run(objects), "ZD005", "error"))
    assert "ServiceAccount/shop-migrations whose hook weight 0 is not below the Job's 0" in error.message


def test_zd005_dependency_missing_an_event() -> None:
    objects = app()
    hook(obj(objects, "ConfigMap", "shop-migrations"), "pre-upgrade")
    [error] = only(findings(run(objects), "ZD005", "error"))
    assert "not a pre-install hook" in error.message


def test_zd005_secret_volume_defined_in_the_chart() -> None:
    objects = app()
    objects.append(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "shop-extra"}, "stringData": {}}
    )
    pod(objects, "Job", "shop-migrate")["volumes"] = [
        {"name": "extra", "secret": {"secretName": "shop-extra"}}
    ]
    [error] = only(findings(run(objects), "ZD005", "error"))
    assert "Secret/shop-extra" in error.message


def test_zd005_external_secret_and_post_hooks_are_fine() -> None:
    objects = app()
    # shop-db (read by the pre Job) is not defined in the set; the post Job reads a pre hook ConfigMap.
    assert findings(run(objects), "ZD005") == []


# ZD006 post hook + waiters


def test_zd006_single_migrate_job_as_post_hook_deadlocks() -> None:
    objects = app()
    objects.remove(obj(objects, "Job", "shop-migrate-post"))
    job = migrate_job(objects)
    hook(job, "post-install,post-upgrade")
    del job["metadata"]["annotations"]["djhelm.dev/migration-phase"]
    set_command(job, "python", "manage.py", "migrate", "--noinput")
    [error] = only(findings(run(objects), "ZD006", "error"))
    assert error.object_ref == "Job/shop-migrate"
    assert "Deployment/shop-web" in error.message and "deadlock" in error.message


def test_zd006_post_phase_is_fine_only_when_waiters_wait_for_pre() -> None:
    objects = app()
    assert findings(run(objects), "ZD006") == []  # fixture: post Job, waiters run `migrate_phase wait`
    init = pod(objects, "Deployment", "shop-web")["initContainers"][0]
    init["command"] = ["sh", "-c", "until python manage.py migrate --check; do sleep 2; done"]
    [error] = only(findings(run(objects), "ZD006", "error"))
    assert error.object_ref == "Job/shop-migrate-post"
    assert "every migration" in error.message


def test_zd006_post_hook_without_waiters_is_not_a_deadlock() -> None:
    objects = app()
    del pod(objects, "Deployment", "shop-web")["initContainers"]
    set_command(obj(objects, "Job", "shop-migrate-post"), "python", "manage.py", "migrate")
    del obj(objects, "Job", "shop-migrate-post")["metadata"]["annotations"]["djhelm.dev/migration-phase"]
    assert findings(run(objects), "ZD006") == []


# ZD007 migration Job hygiene


def test_zd007_missing_deadline_and_wrong_restart_policy() -> None:
    objects = app()
    job = migrate_job(objects)
    del job["spec"]["activeDeadlineSeconds"]
    job["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    messages = sorted(f.message for f in only(findings(run(objects), "ZD007", "error")))
    assert messages == [
        "Job/shop-migrate: migration Job has no activeDeadlineSeconds",
        "Job/shop-migrate: restartPolicy is OnFailure, not Never",
    ]


def test_zd007_large_or_default_backoff_is_a_warning() -> None:
    objects = app()
    del migrate_job(objects)["spec"]["backoffLimit"]
    obj(objects, "Job", "shop-migrate-post")["spec"]["backoffLimit"] = 10
    warnings = only(findings(run(objects), "ZD007", "warning"))
    assert sorted(f.object_ref for f in warnings) == ["Job/shop-migrate", "Job/shop-migrate-post"]


def test_zd007_ttl_is_an_error_when_pods_wait_and_a_warning_otherwise() -> None:
    objects = app()
    migrate_job(objects)["spec"]["ttlSecondsAfterFinished"] = 60
    [error] = only(findings(run(objects), "ZD007", "error"))
    assert error.path == "spec.ttlSecondsAfterFinished"
    del pod(objects, "Deployment", "shop-web")["initContainers"]
    assert [f.severity for f in only(findings(run(objects), "ZD007"))] == ["warning"]


def test_zd007_hook_succeeded_deletes_logs() -> None:
    objects = app()
    migrate_job(objects)["metadata"]["annotations"]["helm.sh/hook-delete-policy"] = "hook-succeeded"
    [warning] = only(findings(run(objects), "ZD007"))
    assert warning.severity == "warning" and "hook-succeeded" in warning.message


def test_zd007_fixture_passes() -> None:
    assert findings(run(app()), "ZD007") == []


# ZD008 phases


def test_zd008_pre_hook_running_the_post_phase() -> None:
    objects = app()
    job = migrate_job(objects)
    set_command(job, "python", "manage.py", "migrate_phase", "post")
    job["metadata"]["annotations"]["djhelm.dev/migration-phase"] = "post"
    [error] = only(findings(run(objects), "ZD008", "error"))
    assert "pre-install/pre-upgrade hook runs the post (contract) phase" in error.message


def test_zd008_annotation_disagrees_with_command() -> None:
    objects = app()
    set_command(migrate_job(objects), "python", "manage.py", "migrate_phase", "post")
    errors = only(findings(run(objects), "ZD008", "error"))
    assert any("annotation djhelm.dev/migration-phase: pre but the command runs" in e.message for e in errors)


def test_zd008_post_hook_running_the_pre_phase() -> None:
    objects = app()
    job = obj(objects, "Job", "shop-migrate-post")
    set_command(job, "python", "manage.py", "migrate_phase", "pre")
    job["metadata"]["annotations"]["djhelm.dev/migration-phase"] = "pre"
    [error] = only(findings(run(objects), "ZD008", "error"))
    assert "runs the pre (expand) phase after the new code" in error.message


def test_zd008_plain_job_running_post() -> None:
    objects = app()
    job = obj(objects, "Job", "shop-migrate-post")
    hook(job, None)
    [error] = only(findings(run(objects), "ZD008", "error"))
    assert "plain Job runs the post (contract) phase" in error.message


def test_zd008_fixture_passes() -> None:
    assert findings(run(app()), "ZD008") == []


# ZD009 PodDisruptionBudget


def test_zd009_missing_pdb() -> None:
    objects = app()
    objects.remove(obj(objects, "PodDisruptionBudget", "shop-web"))
    [warning] = only(findings(run(objects), "ZD009"))
    assert warning.severity == "warning" and "2 replicas" in warning.message


def test_zd009_autoscaled_single_replica_still_needs_one() -> None:
    objects = app()
    objects.remove(obj(objects, "PodDisruptionBudget", "shop-web"))
    obj(objects, "Deployment", "shop-web")["spec"]["replicas"] = 1
    assert findings(run(objects), "ZD009") == []
    objects.append(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "shop-web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop-web"},
                "minReplicas": 3,
                "maxReplicas": 6,
            },
        }
    )
    assert "3 replicas" in only(findings(run(objects), "ZD009"))[0].message


def test_zd009_fixture_passes() -> None:
    assert findings(run(app()), "ZD009") == []


# ZD010 Argo CD + Helm hooks


def test_zd010_argo_and_helm_hook_annotations_mixed() -> None:
    objects = app()
    migrate_job(objects)["metadata"]["annotations"]["argocd.argoproj.io/hook"] = "PreSync"
    [warning] = only(findings(run(objects), "ZD010"))
    assert "argocd.argoproj.io/hook" in warning.message and "helm.sh/hook" in warning.message


def test_zd010_argo_only_passes() -> None:
    objects = app()
    job = migrate_job(objects)
    hook(job, None)
    job["metadata"]["annotations"]["argocd.argoproj.io/hook"] = "PreSync"
    assert findings(run(objects), "ZD010") == []


# ZD011 immutable Job


def test_zd011_plain_job_with_fixed_name() -> None:
    objects = app()
    hook(migrate_job(objects), None)
    [warning] = only(findings(run(objects), "ZD011"))
    assert "field is immutable" in warning.message


def test_zd011_plain_job_with_hash_name_passes() -> None:
    objects = app()
    job = migrate_job(objects)
    hook(job, None)
    job["metadata"]["name"] = "shop-migrate-3836b4f0"
    assert findings(run(objects), "ZD011") == []


# Argo CD hooks follow the same rules (PreSync = pre-*, PostSync = post-*, sync-wave = weight)


def argo(item: dict[str, Any], phase: str, wave: str) -> None:
    hook(item, None)
    item["metadata"]["annotations"].update(
        {"argocd.argoproj.io/hook": phase, "argocd.argoproj.io/sync-wave": wave}
    )


def test_argo_cd_hooks_are_understood() -> None:
    objects = app()
    argo(obj(objects, "ServiceAccount", "shop-migrations"), "PreSync", "-20")
    argo(obj(objects, "ConfigMap", "shop-migrations"), "PreSync", "-10")
    argo(migrate_job(objects), "PreSync", "0")
    argo(obj(objects, "Job", "shop-migrate-post"), "PostSync", "0")
    assert [f for f in run(objects).findings if f.rule.startswith("ZD")] == []
    argo(obj(objects, "ConfigMap", "shop-migrations"), "PreSync", "5")
    [error] = only(findings(run(objects), "ZD005", "error"))
    assert "argocd.argoproj.io/sync-wave below 0" in error.fix
    argo(migrate_job(objects), "PostSync", "0")
    assert only(findings(run(objects), "ZD008", "error"))


# ZD013 the migration Job's image


def test_zd013_migration_job_on_another_image() -> None:
    objects = app()
    job = obj(objects, "Job", "shop-migrate")
    assert findings(run(objects), "ZD013", "warning") == []
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/acme/shop:0.9.0"
    [first, *_] = findings(run(objects), "ZD013", "warning")
    assert "0.9.0" in first.message and first.path.endswith(".image")


# ZD014 rollback guard


def _phased_post_hook(objects: list[dict[str, Any]]) -> dict[str, Any]:
    post = obj(objects, "Job", "shop-migrate-post")
    post["metadata"].setdefault("annotations", {})["helm.sh/hook"] = "post-install,post-upgrade"
    return post


def test_zd014_phases_without_a_rollback_guard() -> None:
    objects = [o for o in app() if o["metadata"]["name"] != "shop-rollback-check"]
    post = _phased_post_hook(objects)
    [finding, *_] = findings(run(objects), "ZD014", "warning")
    assert "pre-rollback" in finding.fix
    guard = {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "shop-rollback-check", "annotations": {"helm.sh/hook": "pre-rollback"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "check", "image": post["spec"]["template"]["spec"]["containers"][0]["image"],
             "command": ["python", "manage.py", "migrate_phase", "rollback-check"]}]}}},
    }
    objects.append(guard)
    assert findings(run(objects), "ZD014", "warning") == []
