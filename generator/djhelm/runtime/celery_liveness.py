"""Liveness for Celery worker and beat pods that does not ask the broker.

`celery inspect ping` as a liveness probe restarts every worker when the broker has a bad minute, which is
the failure a liveness probe must never turn into an outage (the web pods' liveness stays off the database
for the same reason). Instead each process proves that its own main loop still turns: the worker's event
loop (its consumer timer) and beat's scheduler loop write, into a small file, the time by which they will
have written again. The chart's exec probe (`PROBE_SOURCE`, stdlib only) fails once that time has passed.

Beat sleeps up to its max loop interval between ticks (5 minutes by default), so each tick writes its own
deadline: the sleep it is about to take plus a margin. A process that never wrote the file (djhelm.runtime
not in INSTALLED_APPS, or still starting) passes the probe: it cannot be judged, and failing it would turn
a missing app into a restart loop.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from djhelm import envnames

logger = logging.getLogger("djhelm.celery")

HEARTBEAT_FILE_ENV = envnames.CELERY_HEARTBEAT_FILE
HEARTBEAT_SECONDS_ENV = envnames.CELERY_HEARTBEAT_SECONDS
DEFAULT_HEARTBEAT_FILE = "/tmp/djhelm-celery-alive"  # /tmp is the chart's writable emptyDir
DEFAULT_HEARTBEAT_SECONDS = 10.0
# Missed writes tolerated before the deadline passes: a loop busy for a few seconds is not a hung loop.
_MISSED_BEATS = 3

# What the chart's exec probe runs with `python -c`: no djhelm or Django import, so it costs a few ms.
PROBE_SOURCE = (
    "import os,sys,time\n"
    f"p=os.environ.get({HEARTBEAT_FILE_ENV!r},{DEFAULT_HEARTBEAT_FILE!r})\n"
    "try:\n"
    " due=float(open(p).read())\n"
    "except (OSError,ValueError):\n"
    " sys.exit(0)\n"
    "sys.exit(1 if time.time()>due else 0)\n"
)


def heartbeat_file() -> str:
    return os.environ.get(HEARTBEAT_FILE_ENV) or DEFAULT_HEARTBEAT_FILE


def heartbeat_seconds() -> float:
    try:
        return max(0.1, float(os.environ.get(HEARTBEAT_SECONDS_ENV) or DEFAULT_HEARTBEAT_SECONDS))
    except ValueError:
        return DEFAULT_HEARTBEAT_SECONDS


def write_deadline(seconds_from_now: float, path: str | None = None) -> None:
    """Promise another write within ``seconds_from_now``; replaced atomically so a probe never reads half."""
    target = path or heartbeat_file()
    partial = f"{target}.{os.getpid()}.tmp"
    try:
        with open(partial, "w") as handle:
            handle.write(f"{time.time() + seconds_from_now:.3f}\n")
        os.replace(partial, target)
    except OSError as exc:  # a read-only or full /tmp must not stop the worker; the probe then passes
        logger.warning("cannot write the liveness file %s: %s", target, exc)


def connect() -> None:
    """Hook the worker and beat loops (called from the app's ready(); a no-op without Celery)."""
    try:
        from celery import signals
    except ImportError:
        return
    signals.worker_ready.connect(_on_worker_ready, weak=False, dispatch_uid="djhelm-liveness-worker")
    signals.beat_init.connect(_on_beat_init, weak=False, dispatch_uid="djhelm-liveness-beat")


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    timer = getattr(sender, "timer", None)
    if timer is None:
        return
    interval = heartbeat_seconds()
    deadline = interval * _MISSED_BEATS

    def beat() -> None:
        write_deadline(deadline)

    beat()
    # The consumer's timer runs on the worker's main event loop: if that loop hangs, the writes stop.
    timer.call_repeatedly(interval, beat)


def _on_beat_init(sender: Any = None, **_: Any) -> None:
    scheduler = getattr(sender, "scheduler", None)
    if scheduler is None:
        return
    tick = scheduler.tick

    def tick_and_promise(*args: Any, **kwargs: Any) -> Any:
        sleep = tick(*args, **kwargs)
        write_deadline(float(sleep or 0) + heartbeat_seconds() * _MISSED_BEATS)
        return sleep

    scheduler.tick = tick_and_promise
    write_deadline(heartbeat_seconds() * _MISSED_BEATS)
