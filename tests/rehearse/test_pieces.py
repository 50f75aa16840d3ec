"""The pure parts of `djhelm rehearse`: what it reads from a rendered chart, how it builds a container's env,
how it reads migration output and the database's log, what the endpoints do, and what the report says."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from djhelm.errors import InputError
from djhelm.rehearse.database import failed_statements
from djhelm.rehearse.endpoints import Endpoints
from djhelm.rehearse.jobs import _Progress
from djhelm.rehearse.kubeenv import SecretSource, container_env, expand, read_env_file
from djhelm.rehearse.manifests import read_manifests
from djhelm.rehearse.pods import Timing, argv_for, local_mounts
from djhelm.rehearse.record import Recorder
from djhelm.rehearse.releases import Release
from djhelm.rehearse.report import build_report, render_text
from tests.chart.support import committed_chart


def _rendered(helm: str, example: str) -> str:
    return subprocess.run(
        [helm, "template", "r", str(committed_chart(example)), "--kube-version", "1.33"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.helm
def test_the_shop_chart_as_a_rehearsal_reads_it(helm3: str) -> None:
    manifests = read_manifests(_rendered(helm3, "shop"), "shop")
    web = manifests.web
    # replicas 2, maxSurge 25% rounds up to 1, maxUnavailable 0: one new pod at a time, none lost
    assert (web.replicas, web.max_surge, web.max_unavailable) == (2, 1, 0)
    assert (web.min_ready_seconds, web.grace_seconds, web.container.pre_stop_seconds) == (5, 40, 10)
    assert web.container.argv[0] == "gunicorn" and web.container.ports == {"http": 8000}
    assert web.container.readiness is not None and web.container.readiness.host == "shop.example.com"
    assert [(job.phase, job.when, job.backoff_limit) for job in manifests.jobs] == [("all", "before", 1)]
    assert manifests.jobs[0].containers[-1].argv == ["python", "manage.py", "migrate", "--noinput"]


@pytest.mark.helm
def test_the_events_chart_runs_its_pre_job_beside_the_rollout_and_post_after_it(helm3: str) -> None:
    manifests = read_manifests(_rendered(helm3, "events"), "events")
    # autoscaled: no replicas in the Deployment, the HPA's minReplicas
    assert manifests.web.replicas == 3
    assert sorted((job.phase, job.when) for job in manifests.jobs) == [("post", "after"), ("pre", "with")]
    assert [c.name for c in manifests.web.init_containers] == ["wait-for-migrations"]


def test_env_is_built_in_kubernetes_order_with_the_rehearsal_secrets() -> None:
    source = SecretSource("postgres://db/x", {"API_TOKEN": "given"})
    env = container_env(
        [
            {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
            {"name": "SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": "django", "key": "key"}}},
            {"name": "OTHER_KEY", "valueFrom": {"secretKeyRef": {"name": "django", "key": "key"}}},
            {"name": "WHO", "value": "$(POD)-$(HOST)-$$(HOST)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        ],
        [{"configMapRef": {"name": "cm"}}],
        {"cm": {"HOST": "a.example", "DJANGO_SETTINGS_MODULE": "x.settings"}},
        source,
        {"status.podIP": "127.0.1.5"},
        {"PATH": "/bin"},
    )
    assert env["DATABASE_URL"] == "postgres://db/x" and env["API_TOKEN"] == "given"
    # one stand-in per Secret key, the same wherever it is referenced
    assert env["SECRET_KEY"] == env["OTHER_KEY"] and len(env["SECRET_KEY"]) > 20
    # $(POD) is not defined yet when WHO is (order matters), $$ is a literal $
    assert env["WHO"] == "$(POD)-a.example-$(HOST)" and env["POD"] == "127.0.1.5"
    assert expand("$(A)$(B)", {"A": "1"}) == "1$(B)"


def test_env_files_and_their_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.env"
    good.write_text("# comment\nexport A=1\nB='two words'\n\nC=\"x=y\"\n")
    assert read_env_file(good) == {"A": "1", "B": "two words", "C": "x=y"}
    bad = tmp_path / "bad.env"
    bad.write_text("A=1\nnot a pair\n")
    with pytest.raises(InputError) as caught:
        read_env_file(bad)
    assert "bad.env:2" in str(caught.value) and "NAME=value" in str(caught.value)


def test_a_pods_volumes_and_command_are_its_own(tmp_path: Path) -> None:
    env = local_mounts(
        {"PROMETHEUS_MULTIPROC_DIR": "/run/djhelm-metrics", "TMPDIR": "/tmp", "X": "/runx"},
        {"metrics": "/run/djhelm-metrics", "tmp": "/tmp"},
        tmp_path,
    )
    assert env == {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "TMPDIR": "/tmp", "X": "/runx"}
    assert (tmp_path / "metrics").is_dir()
    release = Release("to", "v2", tmp_path, Path("/venv/bin/python"))
    from djhelm.rehearse.manifests import Container

    container = Container("web", ["gunicorn", "x.wsgi", "--bind", "0.0.0.0:8000"], [], [])
    assert argv_for(container, release, "127.0.1.9")[1:] == ["x.wsgi", "--bind", "127.0.1.9:8000"]
    python = Container("migrate", ["python", "manage.py", "migrate"], [], [])
    assert argv_for(python, release, "127.0.1.9")[0] == "/venv/bin/python"
    assert Timing(0.2, 0.4).seconds(10) == 2 and Timing(0.01, 0).period(10) == 0.2


def test_migrate_output_gives_each_migration_its_duration() -> None:
    progress = _Progress()
    progress.feed("Operations to perform:\n  Applying catalog.0004_x...", 10.0)
    progress.feed(" OK\n  Applying catalog.0005_y...", 12.5)
    progress.feed(" OK\n", 13.0)
    progress.feed(
        '{"event":"migration","app":"a","name":"0001","duration_ms":1500,"retries":2,"outcome":"applied"}\n',
        14.0,
    )
    assert progress.applied == [("catalog.0004_x", 2.5), ("catalog.0005_y", 0.5), ("a.0001", 1.5)]
    assert progress.retries == 2


def test_failed_statements_come_from_the_database_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(
        'djhelm-rehearse:from-web-1|ERROR:  column "x" does not exist at character 8\n'
        "djhelm-rehearse:from-web-1|STATEMENT:  SELECT x FROM t\n"
        "|LOG:  checkpoint starting\n"
        "psql|ERROR:  syntax error\n"
    )
    assert failed_statements(log) == [
        ("djhelm-rehearse:from-web-1", 'column "x" does not exist at character 8', "SELECT x FROM t")
    ]


class _Target:
    def __init__(self, name: str) -> None:
        self.name, self.address, self.port, self.release = name, "127.0.0.1", 1, "from"


def test_endpoints_change_only_after_the_propagation_delay() -> None:
    endpoints = Endpoints(0.3)
    pod = _Target("a")
    endpoints.ready(pod)
    assert endpoints.pick() is None
    time.sleep(0.5)
    assert endpoints.pick() is pod
    endpoints.gone(pod)
    assert endpoints.pick() is pod  # balancers still send to it for a while
    time.sleep(0.5)
    assert endpoints.pick() is None
    endpoints.close()


def test_the_report_judges_the_played_phases_and_the_rollback_probes_apart() -> None:
    recorder = Recorder()
    recorder.enter("steady-from")
    recorder.sample("from", "http", "/", True, 5.0)
    recorder.enter("pre")
    recorder.sample("from", "http", "/", False, 0.0, "HTTP 500: boom")
    recorder.sample("from", "orm", "read a.B", True, 1.0)
    recorder.sample("to", "http", "/", True, 3.0, phase="rollback-after-post")  # not the old code: ignored
    recorder.sample("from", "orm", "read a.B", False, 1.0, "x does not exist", phase="rollback-after-post")
    recorder.finish()
    report = build_report(recorder, "v1", "v2", "helm3", [])
    assert not report.passed and report.failed_requests == 1 and report.failed_operations == 0
    assert report.verdict() == "FAIL: 1 failed request (pre: 1); rolling back: NOT safe after post"
    assert report.rollback == {"after pre": None, "after post": False}
    text = render_text(report, markdown=True)
    assert "| pre | from | requests | 1 | 1 |" in text and "`HTTP 500: boom`" in text


@pytest.mark.parametrize(("arguments", "field", "fix"), [
    (["--to", "v2"], "--from", "--from v1.4.0"),
    (["--from", "v1", "--to", "v2", "--database-url", "postgres://db/x"], "--database-url", "--yes"),
    (["--from", "no-such-ref", "--to", "HEAD"], "--from", "git log"),
    (["--from", "v1", "--to", "v2", "--long-transaction", "catalog_product:soon"], "--long-transaction",
     "TABLE:SECONDS"),
    (["--from", "v1", "--to", "v2", "--load-paths", "PATHS"], "--load-paths", "starting with /"),
])
def test_bad_input_is_refused_with_the_field_and_the_fix(helm3: str, tmp_path: Path, arguments: list[str],
                                                          field: str, fix: str) -> None:
    from tests.chart.support import REPO_ROOT, run_cli

    paths = tmp_path / "paths.txt"
    paths.write_text("products/\n")
    arguments = [str(paths) if a == "PATHS" else a for a in arguments]
    result = run_cli("rehearse", str(REPO_ROOT / "examples" / "shop"), "--helm-binary", helm3, *arguments)
    assert result.exit_code == 2, result.output
    assert f": {field}: " in result.stderr and fix in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
