"""The examples run with nothing but what their Docker images install: requirements.txt plus the djhelm
wheel installed with --no-deps (see the Dockerfiles). No Docker daemon runs here, so the image's Python
environment is rebuilt as a virtualenv that links in only those distributions (and what they require) from
the dev venv. djhelm's generator dependencies (Jinja2, Typer, PyYAML, pglast, ...) are absent there, so
this fails if the settings or djhelm.runtime import anything the image does not have.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.examples.harness import EXAMPLES, REPO_ROOT, example_env, free_port, get

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Broker clients the images install for production but the tests replace with the filesystem transport.
NOT_NEEDED_HERE = {"redis"}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirement_lines: list[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution that the requirements pull in, with markers and extras applied."""
    found: dict[str, metadata.Distribution] = {}
    queue = [Requirement(line) for line in requirement_lines]
    while queue:
        requirement = queue.pop()
        name = _normalize(requirement.name)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            assert name in NOT_NEEDED_HERE, f"{requirement} is not installed in the dev venv"
            continue
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in found:
            continue
        found[key] = dist
        for line in dist.requires or []:
            sub = Requirement(line)
            extras = ["", *sorted(requirement.extras)]
            if sub.marker is None or any(sub.marker.evaluate({"extra": extra}) for extra in extras):
                queue.append(sub)
    return found


def _image_venv(example: str, root: Path, wheel: Path) -> Path:
    lines = [line.strip() for line in (EXAMPLES / example / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    target = root / f"{example}-image"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    for dist in _closure(lines).values():
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in sorted(tops):
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            link = site / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "--quiet", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    return python


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--quiet", "--wheel-dir", str(out), str(REPO_ROOT)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return next(out.glob("djhelm-*.whl"))


def _clean_env(env: dict[str, str], python: Path) -> dict[str, str]:
    env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{python.parent}{os.pathsep}/usr/bin:/bin"
    return env


@pytest.mark.parametrize("example", ["shop", "events"])
def test_example_runs_with_only_the_image_requirements(example: str, wheel: Path, tmp_path: Path,
                                                       postgres_db: str) -> None:
    python = _image_venv(example, tmp_path, wheel)
    env = _clean_env(example_env(example, postgres_db, CELERY_BROKER_URL="filesystem://",
                                 CELERY_FILESYSTEM_DIR=str(tmp_path)), python)
    cwd = EXAMPLES / example

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=120)

    absent = run("-c", "import jinja2")
    assert absent.returncode != 0, "the image venv must not see the generator's dependencies"
    for args in (("manage.py", "check"), ("manage.py", "migrate_phase", "pre"),
                 ("manage.py", "migrate_phase", "post"), ("manage.py", "migrate", "--check")):
        result = run(*args)
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"

    port = free_port()
    server = (["-m", "gunicorn", "shop.wsgi:application", "--bind", f"127.0.0.1:{port}"] if example == "shop"
              else ["-m", "uvicorn", "events.asgi:application", "--host", "127.0.0.1", "--port", str(port)])
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([str(python), *server], cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = 0
        for _ in range(300):
            try:
                status = get(port, "/healthz/ready", timeout=5).status
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200, log.read_text()
        assert get(port, "/").status == 200, log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    if example == "events":
        worker_log = tmp_path / "worker.log"
        with open(worker_log, "w") as out:
            argv = [str(python), "-m", "celery", "-A", "events.celery:app", "worker", "--concurrency", "1",
                    "--loglevel", "INFO"]
            worker = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        try:
            for _ in range(600):
                if "ready." in worker_log.read_text() or worker.poll() is not None:
                    break
                time.sleep(0.1)
            assert "ready." in worker_log.read_text(), worker_log.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, worker_log.read_text()
