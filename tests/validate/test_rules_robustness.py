"""Rules read objects that may be schema-invalid: they must report, never crash, whatever the shape."""

from __future__ import annotations

import random

import yaml

from djhelm.validation import Source, validate_documents
from djhelm.validation.loader import parse_manifests
from tests.validate.support import app
from tests.validate.test_fastcheck import mutate


def test_rules_survive_thousands_of_broken_objects() -> None:
    rng = random.Random(7)
    sets = 0
    for _ in range(120):
        objects = [mutate(o, rng) for o in app()]
        for _ in range(3):
            objects = [mutate(o, rng) for o in objects]
        report = validate_documents([Source(yaml.safe_dump_all(objects), "fuzz.yaml")], ["1.37"])
        assert report.objects  # reached the end: schema check and every rule ran
        sets += 1
    assert sets == 120


def test_odd_shapes_do_not_crash() -> None:
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata: null
spec: "not a spec"
---
apiVersion: batch/v1
kind: Job
metadata:
  name: j
  labels: {app.kubernetes.io/component: migrations}
  annotations: {helm.sh/hook: 7, helm.sh/hook-weight: heavy}
spec:
  template:
    spec:
      containers: {name: not-a-list}
      volumes: [null, 3, {secret: {}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/component: web}}
spec:
  replicas: many
  strategy: Recreate
  template:
    metadata: {labels: [a]}
    spec:
      terminationGracePeriodSeconds: soon
      initContainers: [{name: wait-for-migrations, command: [1, 2]}]
      containers:
        - name: web
          lifecycle: {preStop: {exec: {command: "sleep 5"}}}
          readinessProbe: []
"""
    report = validate_documents([Source(text, "odd.yaml")], ["1.29", "1.37"])
    assert not report.valid
    assert len(report.objects) == 6


def test_scalar_env_envfrom_and_projected_sources_do_not_crash() -> None:
    """ZD005 lists what a hook reads; a number where a list belongs is a schema error, not a crash."""
    text = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  labels: {app.kubernetes.io/component: migrations}
  annotations: {helm.sh/hook: "pre-install,pre-upgrade", helm.sh/hook-weight: "0"}
spec:
  activeDeadlineSeconds: 100
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: a, image: x, env: 5, envFrom: 7}
      volumes:
        - {name: v, projected: {sources: 3}}
"""
    report = validate_documents([Source(text, "scalars.yaml")], ["1.37"])
    assert not report.valid
    assert any(f.rule == "K8S001" and f.path.endswith(".env") for f in report.findings), report.findings


_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    KEY: x
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


def _findings(text: str) -> list[tuple[str, str, str]]:
    report = validate_documents([Source(text, "k.yaml")], ["1.29", "1.37"])
    return [(f.rule, f.severity, f.message) for f in report.findings]


def test_keys_yaml_reads_as_non_strings_become_the_strings_kubectl_sends() -> None:
    """sigs.k8s.io/yaml writes int, float and bool keys as their text and refuses a null key."""
    for key, expected, severity in [
        ("1", "1", "warning"),
        ("true", "true", "warning"),
        ("1.5", "1.5", "warning"),
        ("0x1f", "31", "warning"),
        ("null", "null", "error"),
    ]:
        text = _DEPLOYMENT.replace("KEY", key).replace("REPLICAS", "2")
        report = validate_documents([Source(text, "k.yaml")], ["1.37"])
        notes = [f for f in report.findings if f.rule == "K8S007"]
        assert [f.severity for f in notes] == [severity], (key, report.findings)
        assert parse_manifests(text, "k.yaml").objects[0].data["metadata"]["annotations"] == {expected: "x"}


def test_a_date_key_or_value_stays_the_text_it_is_written_as() -> None:
    text = _DEPLOYMENT.replace("KEY", "2020-01-01").replace("REPLICAS", "2")
    text = text.replace("    2020-01-01: x", "    2020-01-01: 2021-02-03")
    assert parse_manifests(text, "k.yaml").objects[0].data["metadata"]["annotations"] == {
        "2020-01-01": "2021-02-03"
    }
    assert _findings(text) == []


def test_non_string_keys_in_unknown_fields_are_reported_not_crashed_on() -> None:
    text = _DEPLOYMENT.replace("KEY", "k").replace("REPLICAS", "2") + "        1: a\n        null: b\n"
    found = _findings(text)
    assert ("K8S007", "error") in {(rule, severity) for rule, severity, _ in found}
    unknown = sorted(m for r, _, m in found if r == "K8S001")
    assert unknown[0].startswith("unknown field 'spec.template.spec.containers[0].1'"), unknown


def test_integers_past_their_field_width_are_invalid() -> None:
    def errors(value: str) -> list[str]:
        text = _DEPLOYMENT.replace("KEY", "k").replace("REPLICAS", value)
        return [message for _, severity, message in _findings(text) if severity == "error"]

    assert errors("2147483647") == []
    assert any("greater than the maximum of 2147483647" in m for m in errors("2147483648"))
    assert any("less than the minimum of -2147483648" in m for m in errors("-2147483649"))
    huge = str(2**64)
    assert any("32-bit" in m for m in errors(huge))


def test_int64_fields_take_int64_values() -> None:
    job = """\
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  activeDeadlineSeconds: DEADLINE
  template:
    spec:
      restartPolicy: Never
      containers: [{name: j, image: busybox:1.36}]
"""
    assert _findings(job.replace("DEADLINE", str(2**40))) == []
    assert any("64-bit" in m for _, _, m in _findings(job.replace("DEADLINE", str(2**63))))


def test_tags_with_no_json_form_are_errors() -> None:
    for tagged in ["items: !!set {a, b}", "items: !!omap [{a: 1}]", "items: !!binary aGk="]:
        found = _findings(f"apiVersion: v1\nkind: List\n{tagged}\n")
        rules = {(rule, severity) for rule, severity, _ in found}
        assert ("K8S007", "error") in rules, (tagged, found)
        assert ("K8S004", "error") in rules or tagged.startswith("items: !!omap"), (tagged, found)
