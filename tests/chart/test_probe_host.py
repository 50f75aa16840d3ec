"""Probes must pass whatever ALLOWED_HOSTS says: the kubelet sends `Host: <pod IP>:<port>` (Kubernetes docs,
"Configure Liveness, Readiness and Startup Probes": httpGet sets Host to the pod IP unless httpHeaders
names one), which Django refuses with 400 unless the host is allowed. The chart sends a host the site is
served under; proved on a project made by `django-admin startproject`, served by gunicorn."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import committed_chart, helm_template, manifests, named
from tests.support.postgres import free_port

pytestmark = pytest.mark.helm
BIN = Path(sys.executable).parent


def _probes(docs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    container = named(docs, "Deployment", f"{name}-web")["spec"]["template"]["spec"]["containers"][0]
    return [container[kind]["httpGet"] for kind in ("startupProbe", "readinessProbe", "livenessProbe")]


def _test_pod_env(docs: list[dict[str, Any]]) -> dict[str, str]:
    pod = next(d for d in docs if d["kind"] == "Pod")
    return {e["name"]: e.get("value", "") for e in pod["spec"]["containers"][0]["env"]}


@pytest.mark.parametrize(("extra", "host"), [
    ([], "shop.example.com"),  # the ingress host
    (["--set", "web.probeHost=internal.shop.test"], "internal.shop.test"),
])
def test_probes_and_the_test_pod_send_an_allowed_host(helm3: str, extra: list[str], host: str) -> None:
    docs = manifests(helm_template(helm3, committed_chart("shop"), *extra))
    for probe in _probes(docs, "shop"):
        assert probe["httpHeaders"] == [{"name": "Host", "value": host}]
    assert _test_pod_env(docs)["DJHELM_TEST_HOST"] == host


def test_without_a_host_the_kubelet_default_stays(helm3: str) -> None:
    docs = manifests(helm_template(helm3, committed_chart("shop"), "--set", "web.probeHost="))
    assert all("httpHeaders" not in probe for probe in _probes(docs, "shop"))
    assert "DJHELM_TEST_HOST" not in _test_pod_env(docs)


@contextmanager
def _gunicorn(project: Path, port: int) -> Iterator[None]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_conf.settings", "PYTHONPATH": str(project)}
    log = (project / "gunicorn.log").open("w")
    command = [str(BIN / "gunicorn"), "site_conf.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError((project / "gunicorn.log").read_text()) from None
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _get(port: int, path: str, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": host})
    return connection.getresponse().status


def test_a_startproject_site_answers_the_charts_probe_host_and_refuses_the_pod_ip(
        helm3: str, tmp_path: Path) -> None:
    subprocess.run([str(BIN / "django-admin"), "startproject", "site_conf", str(tmp_path)], check=True)
    settings = tmp_path / "site_conf" / "settings.py"
    text = settings.read_text().replace("DEBUG = True", "DEBUG = False")
    settings.write_text(text.replace("ALLOWED_HOSTS = []", "ALLOWED_HOSTS = ['shop.example.com']"))
    docs = manifests(helm_template(helm3, committed_chart("shop")))
    probe = _probes(docs, "shop")[1]
    port = free_port()
    with _gunicorn(tmp_path, port):
        # the kubelet's default Host is the pod's address: refused
        assert _get(port, "/admin/login/", f"127.0.0.1:{port}") == 400
        # with the chart's header: answered
        assert _get(port, "/admin/login/", probe["httpHeaders"][0]["value"]) == 200
