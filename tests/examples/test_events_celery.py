"""The events example's Celery processes, as the chart runs them: a worker executes tasks, beat schedules
them, and both stop cleanly on SIGTERM. Redis is not available here, so the broker is kombu's filesystem
transport (a folder of message files); everything else is the real worker, beat and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.examples.harness import BIN, EXAMPLES, example_env, manage

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PROJECT = EXAMPLES / "events"


@pytest.fixture
def celery_env(postgres_db: str, tmp_path: Path) -> dict[str, str]:
    queue = tmp_path / "queue"
    queue.mkdir()
    env = example_env("events", postgres_db, CELERY_BROKER_URL="filesystem://",
                      CELERY_FILESYSTEM_DIR=str(queue),
                      CELERY_RESULT_BACKEND=f"file://{tmp_path / 'results'}",
                      CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "beat-schedule"),
                      EVENTS_REMINDER_INTERVAL_SECONDS="1")
    (tmp_path / "results").mkdir()
    result = manage("events", env, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    return env


@contextmanager
def celery(env: Mapping[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen([str(BIN / "celery"), "-A", "events.celery:app", *args],
                                   cwd=PROJECT, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _add_event(database_url: str, slug: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO agenda_venue (name, city) VALUES ('Hall', 'Lyon')")
        # reminder_sent is omitted on purpose: its db_default (migration 0003) fills it, as for old code.
        conn.execute("INSERT INTO agenda_event (venue_id, title, slug, starts_at) "
                     "SELECT id, 'Launch', %s, now() + interval '2 hours' FROM agenda_venue", (slug,))


def _reminded(database_url: str, slug: str) -> bool:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT reminder_sent FROM agenda_event WHERE slug = %s", (slug,)).fetchone()
        return bool(row and row[0])


def test_worker_runs_a_task_sent_from_django(celery_env: dict[str, str], postgres_db: str,
                                              tmp_path: Path) -> None:
    _add_event(postgres_db, "launch")
    worker_args = ("worker", "--concurrency", "1", "--loglevel", "INFO")
    with celery(celery_env, tmp_path / "worker.log", *worker_args) as worker:
        script = ("import django; django.setup()\n"
                  "from agenda.tasks import send_reminders\n"
                  "print(send_reminders.delay(window_hours=24).get(timeout=90))\n")
        sent = subprocess.run([sys.executable, "-c", script], cwd=PROJECT,
                              env={**celery_env, "DJANGO_SETTINGS_MODULE": "events.settings"},
                              capture_output=True, text=True, timeout=120)
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert sent.returncode == 0, sent.stderr + log
        assert sent.stdout.strip() == "1", sent.stdout + log
        assert _reminded(postgres_db, "launch")
        worker.send_signal(signal.SIGTERM)
        # Warm shutdown: the worker finishes what it is running and exits 0.
        assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text(errors="replace")


def test_beat_schedules_reminders_that_the_worker_runs(celery_env: dict[str, str], postgres_db: str,
                                                       tmp_path: Path) -> None:
    _add_event(postgres_db, "meetup")
    with celery(celery_env, tmp_path / "worker.log", "worker", "--concurrency", "1") as worker, \
            celery(celery_env, tmp_path / "beat.log", "beat", "--loglevel", "INFO") as beat:
        for _ in range(600):
            if _reminded(postgres_db, "meetup"):
                break
            if beat.poll() is not None or worker.poll() is not None:
                break
            time.sleep(0.1)
        logs = "".join((tmp_path / name).read_text(errors="replace") for name in ("beat.log", "worker.log"))
        assert _reminded(postgres_db, "meetup"), logs
        for process in (beat, worker):
            process.send_signal(signal.SIGTERM)
        assert beat.wait(timeout=60) == 0, logs
        assert worker.wait(timeout=60) == 0, logs


def _registered_roles(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return [str(role) for (role,) in conn.execute("SELECT role FROM djhelm_process").fetchall()]


def test_worker_processes_register_and_leave_on_warm_shutdown(celery_env: dict[str, str], postgres_db: str,
                                                              tmp_path: Path) -> None:
    """The prefork worker's main process and its forked children each register (the registry migrate_phase
    post reads before dropping what old code uses), and a warm shutdown leaves no row behind."""
    created = manage("events", celery_env, "migrate_phase", "pre")  # creates the registry table
    assert created.returncode == 0, created.stderr
    env = {**celery_env, "DJHELM_HEARTBEAT": "200ms"}
    with celery(env, tmp_path / "worker.log", "worker", "--concurrency", "2") as worker:
        deadline = time.monotonic() + 60
        while len(_registered_roles(postgres_db)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        roles = _registered_roles(postgres_db)
        assert len(roles) == 3 and all(role.startswith("celery") for role in roles), (
            roles, (tmp_path / "worker.log").read_text(errors="replace"))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    assert _registered_roles(postgres_db) == [], (tmp_path / "worker.log").read_text(errors="replace")
