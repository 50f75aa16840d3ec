"""Rules read objects that may be schema-invalid: they must report, never crash, whatever the shape."""

from __future__ import annotations

import random

import yaml

from djhelm.validation import Source, validate_documents
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
