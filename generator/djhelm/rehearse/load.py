"""Load all along the play: HTTP requests through the endpoints (only pods the balancers believe ready),
and an ORM workload in each release's own code that reads every field of every model and writes rows, so a
schema the code cannot use shows up even where no URL touches the model."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
from pathlib import Path

from djhelm.errors import RehearsalError
from djhelm.rehearse.endpoints import Endpoints
from djhelm.rehearse.record import Recorder
from djhelm.rehearse.releases import Release

ORM_WORKER = Path(__file__).with_name("orm_worker.py")


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


class HttpLoad:
    """``rate`` requests per second in all, spread over ``threads``; each request on a new connection, as a
    balancer that has just picked a pod would open one."""

    def __init__(
        self,
        endpoints: Endpoints,
        paths: list[str],
        host: str,
        recorder: Recorder,
        rate: float = 20,
        threads: int = 4,
        phase: str | None = None,
    ) -> None:
        self._phase = phase
        self._endpoints = endpoints
        self._paths = paths
        self._host = host
        self._recorder = recorder
        self._interval = threads / rate
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(i,), name=f"http-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, index: int) -> None:
        turn = index
        while not self._stop.is_set():
            began = time.monotonic()
            path = self._paths[turn % len(self._paths)]
            turn += 1
            target = self._endpoints.pick()
            if target is None:
                self._recorder.sample(
                    "",
                    "http",
                    path,
                    False,
                    0.0,
                    "no ready endpoint: the Service has no pods",
                    phase=self._phase,
                )
            else:
                self._request(target.address, target.port, target.release, path)
            self._stop.wait(max(0.0, self._interval - (time.monotonic() - began)))

    def _request(self, address: str, port: int, release: str, path: str) -> None:
        began = time.monotonic()
        connection = http.client.HTTPConnection(address, port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": self._host})
            response = connection.getresponse()
            body = response.read(2000)
            ms = (time.monotonic() - began) * 1000
            ok = response.status < 500
            error = "" if ok else f"HTTP {response.status}: {first_line(body.decode(errors='replace'))}"
            self._recorder.sample(
                release, "http", path, ok, ms, error, phase=self._phase, status=response.status
            )
        except OSError as exc:
            ms = (time.monotonic() - began) * 1000
            self._recorder.sample(
                release, "http", path, False, ms, f"{type(exc).__name__}: {exc}", phase=self._phase
            )
        finally:
            connection.close()


class OrmLoad:
    """orm_worker.py in a release's Python, with the web container's env; each JSON line it prints is one
    operation."""

    def __init__(
        self,
        release: Release,
        env: dict[str, str],
        recorder: Recorder,
        log: Path,
        rate: float = 10,
        phase: str | None = None,
    ) -> None:
        self._release = release
        self._env = env
        self._recorder = recorder
        self._log = log
        self._rate = rate
        self._phase = phase
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        with open(self._log, "ab") as errors:
            self._process = subprocess.Popen(
                [str(self._release.python), str(ORM_WORKER), "loop", "--rate", str(self._rate)],
                cwd=self._release.project,
                env=self._env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                start_new_session=True,
            )
        self._reader = threading.Thread(target=self._read, name=f"orm-{self._release.label}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            try:
                op = json.loads(line)
            except ValueError:
                continue
            self._recorder.sample(
                self._release.label,
                "orm",
                f"{op['op']} {op['model']}",
                bool(op["ok"]),
                float(op["ms"]),
                op.get("error", ""),
                phase=self._phase,
            )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._reader is not None:
            self._reader.join(timeout=15)


def fill(release: Release, env: dict[str, str], rows: int, log: Path) -> str:
    """Rows in every concrete model, made by the release's own code; returns orm_worker's summary line."""
    done = subprocess.run(
        [str(release.python), str(ORM_WORKER), "fill", "--rows", str(rows)],
        cwd=release.project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    with open(log, "a", encoding="utf-8") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RehearsalError(
            f"filling the database with the {release.label} release's models failed:\n"
            f"{(done.stderr or done.stdout).strip()[-3000:]}"
        )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
