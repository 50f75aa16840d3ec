"""Real Django projects, not ours, from start to serving: a `django-admin startproject` site, a
`wagtail start` site and pretalx (its PyPI source release). Each goes through `djhelm init` -> `render` ->
`validate` -> `helm lint --strict`, then the chart's own commands run as the kubelet would start them: the
migration Job's container, then the web container, with the env the chart gives them (ConfigMap, Secret
references resolved to a real PostgreSQL), in a virtualenv holding exactly what the project's image
installs (its requirements and its Dockerfile's `pip install` lines). The probes are sent as the kubelet
sends them (the chart's Host header, else the pod IP) and must answer 2xx/3xx.

The edits a project gets are the ones `djhelm init` asks for in its "check:" lines and TODOs (settings that
read the environment, health URLs): what a user does before a first deploy. pretalx needs no code edit: its
config already comes from the environment, which init finds; its djhelm.yaml gets the database variables.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.chart.support import DJHELM, REPO_ROOT, by_kind, manifests
from tests.examples.harness import free_port
from tests.support.kube_env import config_maps_of, container_env

pytestmark = [pytest.mark.realproject, pytest.mark.slow, pytest.mark.postgres, pytest.mark.helm]

CACHE = REPO_ROOT / ".tools" / "real-projects"
POD_IP_HOST = "10.1.2.3:8000"  # what the kubelet sends without httpHeaders


@dataclass(frozen=True)
class Project:
    name: str
    make: Callable[[Path, Path], Path]  # (virtualenv, workdir) -> project dir (holds manage.py)
    # (name, djhelm.yaml data, database URL) -> the user's edits after init
    configure: Callable[[dict[str, Any], str], None]
    requirements: tuple[str, ...]  # what the image installs before the project's own requirements file
    told: tuple[str, ...] = ()  # what init must say about this project (its "check:" lines)


def _venv(name: str, requirements: tuple[str, ...]) -> Path:
    """A virtualenv with ``requirements`` from PyPI, cached under .tools by their hash."""
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
    target = CACHE / f"{name}-{digest}"
    if (target / "ok").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    subprocess.run(
        [str(target / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (target / "ok").write_text("")
    return target


def _dockerfile_pip_installs(project: Path) -> list[str]:
    """Packages the project's Dockerfile installs by name (`RUN pip install "gunicorn==25.1.0"`)."""
    dockerfile = project / "Dockerfile"
    if not dockerfile.exists():
        return []
    found = []
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"\s*RUN\s+pip\s+install\s+(.*)", line)
        if match and "-r" not in match.group(1).split():
            found.extend(word.strip("\"'") for word in match.group(1).split() if not word.startswith("-"))
    return found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r} not found; the generated project changed"
    path.write_text(text.replace(old, new, 1))


ENV_SETTINGS = """
import os
import dj_database_url
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "true"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
DATABASES = {"default": dj_database_url.config()}
"""


def _make_startproject(venv: Path, workdir: Path) -> Path:
    project = workdir / "mysite"
    project.mkdir()
    subprocess.run([str(venv / "bin" / "django-admin"), "startproject", "mysite", str(project)], check=True)
    settings = project / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + ENV_SETTINGS)
    _edit(
        project / "mysite" / "urls.py",
        "from django.urls import path",
        "from django.urls import include, path",
    )
    _edit(
        project / "mysite" / "urls.py",
        "urlpatterns = [",
        'urlpatterns = [\n    path("", include("djhelm.runtime.urls")),',
    )
    (project / "requirements.txt").write_text("Django>=5.2,<6\ngunicorn\npsycopg[binary]\ndj-database-url\n")
    return project


def _make_wagtail(venv: Path, workdir: Path) -> Path:
    project = workdir / "mysite"
    project.mkdir()
    subprocess.run(
        [str(venv / "bin" / "wagtail"), "start", "mysite", str(project)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    production = project / "mysite" / "settings" / "production.py"
    production.write_text(production.read_text().replace("DEBUG = False", "DEBUG = False\n" + ENV_SETTINGS))
    _edit(
        project / "mysite" / "urls.py",
        "urlpatterns = [",
        'urlpatterns = [\n    path("", include("djhelm.runtime.urls")),',
    )
    with (project / "requirements.txt").open("a") as requirements:
        requirements.write("psycopg[binary]\ndj-database-url\n")
    return project


def _make_pretalx(venv: Path, workdir: Path) -> Path:
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            "pretalx==2025.2.2",
            "-d",
            str(workdir),
        ],
        check=True,
    )
    with tarfile.open(workdir / "pretalx-2025.2.2.tar.gz") as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "pretalx-2025.2.2" / "src"


def _user_edits_common(data: dict[str, Any]) -> None:
    data["image"]["repository"] = "registry.example.com/site"
    data["ingress"] = {"enabled": True, "className": "nginx", "host": "site.example.com"}
    data["env"]["DJANGO_ALLOWED_HOSTS"] = "site.example.com"


def _configure_env_settings(data: dict[str, Any], database_url: str) -> None:
    _user_edits_common(data)


def _configure_pretalx(data: dict[str, Any], database_url: str) -> None:
    """pretalx takes its database from PRETALX_DB_* (init listed them as optional reads) and has no
    liveness URL of its own: `/orga/` answers anonymous requests with a redirect to its login page."""
    data["image"]["repository"] = "registry.example.com/pretalx"
    data["ingress"] = {"enabled": True, "className": "nginx", "host": "pretalx.example.com"}
    url = urlsplit(database_url)
    data["env"].update(
        {
            "PRETALX_DB_TYPE": "postgresql",
            "PRETALX_DB_NAME": url.path.lstrip("/"),
            "PRETALX_DB_USER": url.username or "",
            "PRETALX_DB_HOST": url.hostname or "",
            "PRETALX_DB_PORT": str(url.port or 5432),
            "PRETALX_SITE_URL": "https://pretalx.example.com",
        }
    )
    # pretalx's own /healthcheck/ (which init found) also demands a working cache, i.e. its Redis
    # (PRETALX_REDIS; 503 "Cache not available." without); no Redis runs here, so readiness asks the
    # database through the public API instead
    assert data["web"]["readinessPath"] == "/healthcheck/"
    data["web"]["readinessPath"] = "/api/events/"
    data["web"]["livenessPath"] = "/orga/"
    data["web"]["startupPath"] = "/orga/"


PROJECTS = {
    "startproject": Project(
        "startproject",
        _make_startproject,
        _configure_env_settings,
        ("Django>=5.2,<6", "gunicorn==23.0.0", "psycopg[binary]", "dj-database-url"),
    ),
    "wagtail": Project(
        "wagtail",
        _make_wagtail,
        _configure_env_settings,
        # 7.0 LTS: 8.x's template asks for Django 6.1, which needs Python 3.12
        ("wagtail==7.0.10", "psycopg[binary]", "dj-database-url"),
        # its Dockerfile's CMD is `python manage.py migrate --noinput; gunicorn ...`
        told=("runs `manage.py migrate` before the server",),
    ),
    "pretalx": Project(
        "pretalx",
        _make_pretalx,
        _configure_pretalx,
        # pretalx's package leaves the server to the installer (its docs: pip install gunicorn)
        ("pretalx==2025.2.2", "psycopg2-binary", "gunicorn==23.0.0"),
        told=("the chart runs gunicorn, which none of ../pyproject.toml, ../setup.cfg installs",),
    ),
}


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def _image_env(project: Project, project_dir: Path) -> Path:
    """The image's Python: the base requirements, then the project's requirements file and the
    Dockerfile's `pip install` lines, then djhelm (its runtime serves the health URLs where used)."""
    files = [project_dir / "requirements.txt", project_dir.parent / "requirements.txt"]
    listed = [
        line.strip()
        for file in files
        if file.exists()
        for line in file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    requirements = (*project.requirements, *listed, *_dockerfile_pip_installs(project_dir), str(REPO_ROOT))
    return _venv(project.name, tuple(requirements))


def _probe(port: int, probe: dict[str, Any]) -> tuple[int, str]:
    headers = {h["name"]: h["value"] for h in probe["httpGet"].get("httpHeaders", [])}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", probe["httpGet"]["path"], headers={"Host": headers.get("Host", POD_IP_HOST)})
    response = connection.getresponse()
    return response.status, response.read(300).decode(errors="replace")


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_a_real_project_goes_from_init_to_answering_the_kubelets_probes(
    name: str, helm3: str, postgres_db: str, tmp_path: Path
) -> None:
    project = PROJECTS[name]
    tool_env = _venv(f"{name}-generator", project.requirements)
    project_dir = project.make(tool_env, tmp_path)

    # init -> the user's edits -> render -> validate -> lint
    config = tmp_path / "djhelm.yaml"
    result = _run([DJHELM, "init", str(project_dir), "--output", str(config)])
    assert result.returncode == 0, result.stderr
    for text in project.told:
        assert text in result.stdout + result.stderr, result.stdout + result.stderr
    data = yaml.safe_load(config.read_text())
    assert data["web"]["server"] == "gunicorn"
    project.configure(data, postgres_db)
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    chart = tmp_path / "chart"
    result = _run([DJHELM, "render", str(config), "--output", str(chart)])
    assert result.returncode == 0, result.stderr
    result = _run([DJHELM, "validate", str(chart), "--kube-version", "1.29", "--kube-version", "1.37"])
    assert result.returncode == 0, result.stdout + result.stderr
    result = _run([helm3, "lint", "--strict", str(chart)])
    assert result.returncode == 0, result.stdout + result.stderr

    rendered = _run([helm3, "template", "rel", str(chart)])
    assert rendered.returncode == 0, rendered.stderr
    docs = manifests(rendered.stdout)
    config_maps = config_maps_of(docs)
    image = _image_env(project, project_dir)

    def secret(secret_name: str, key: str) -> str:
        return (
            postgres_db
            if "url" in key
            else ("postgres" if "db-pass" in key else "a-secret-key-for-this-test-only-" + "x" * 30)
        )

    def start(container: dict[str, Any], port: int | None = None) -> tuple[list[str], dict[str, str]]:
        argv = [str(a) for a in container["command"] + container.get("args", [])]
        binary = image / "bin" / argv[0]
        # the chart's command must be something the image installs
        assert binary.exists(), (
            f"{argv[0]} is not installed by {name}'s image: {sorted(project.requirements)}"
        )
        argv[0] = str(binary)
        if port is not None:
            argv = [f"127.0.0.1:{port}" if a.startswith("0.0.0.0:") else a for a in argv]
        base = {
            "PATH": f"{image / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "PRETALX_DATA_DIR": str(tmp_path / "data"),
        }
        return argv, container_env(container, config_maps, secret, base)

    # 1. the migration Job (a pre-install hook)
    jobs = [
        doc for doc in by_kind(docs, "Job") if "djhelm.dev/migration-phase" in doc["metadata"]["annotations"]
    ]
    assert jobs
    for job in jobs:
        spec = job["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            argv, env = start(container)
            done = _run(argv, cwd=project_dir, env=env, timeout=600)
            assert done.returncode == 0, f"{container['name']}: {done.stdout[-3000:]}{done.stderr[-3000:]}"

    # 2. the web container, probed as the kubelet does
    web = next(doc for doc in by_kind(docs, "Deployment") if doc["metadata"]["name"].endswith("-web"))
    container = next(c for c in web["spec"]["template"]["spec"]["containers"] if c["name"] == "web")
    port = free_port()
    argv, env = start(container, port)
    log = tmp_path / "web.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            argv, cwd=project_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            status, body = _probe(port, container[kind])
            assert 200 <= status < 400, (
                f"{kind} {container[kind]['httpGet']}: {status} {body}\n{log.read_text()}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
