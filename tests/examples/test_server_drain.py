"""Each web server the chart can run, run with the exact command the chart renders for it, keeps serving a
request that is in flight when SIGTERM arrives and exits once it is answered (the kubelet's SIGKILL comes only
at terminationGracePeriodSeconds). A table lock holds the request in the database as long as the test likes.

Servers the chart does not run, measured the same way by hand (docs/chart.md): uwsgi with --die-on-term
drops the request; daphne closes it; so init maps them to a server that drains and says why."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.chart.support import helm_template, manifests
from tests.examples.chart_pods import Pod, argv_of, run_migration_jobs, secret_values, start_container
from tests.examples.harness import (
    REPO_ROOT,
    Server,
    free_port,
    get,
    request_held_in_database,
    wait_listening,
)

pytestmark = [pytest.mark.postgres, pytest.mark.helm, pytest.mark.slow]

# (example, server, interface, a table its home page reads)
CASES = [
    ("shop", "granian", "wsgi", "catalog_product"),
    ("events", "granian", "asgi", "agenda_event"),
    ("shop", "gunicorn", "wsgi", "catalog_product"),
    ("events", "uvicorn", "asgi", "agenda_event"),
]


@pytest.mark.parametrize(("example", "server", "interface", "table"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_rendered_server_drains_an_in_flight_request(helm3: str, postgres_db: str, tmp_path: Path,
                                                         example: str, server: str, interface: str,
                                                         table: str) -> None:
    text = helm_template(helm3, REPO_ROOT / "charts" / example, "--set", f"web.server={server}",
                         "--set", f"web.interface={interface}", "--set", "monitoring.enabled=false")
    docs: list[dict[str, Any]] = manifests(text)
    queue = tmp_path / "queue"
    queue.mkdir()
    pod = Pod(docs, secret_values(docs, postgres_db), {"CELERY_FILESYSTEM_DIR": str(queue)})
    assert run_migration_jobs(example, docs, pod, "pre")
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-web"))
    spec = web["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["command"][0] == server
    env = pod.env(container, tmp_path / "pod")
    host = env["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    port = free_port()
    log = tmp_path / "web.log"
    with start_container(example, argv_of(container, port=port), env, log) as process, \
            ThreadPoolExecutor(max_workers=1) as pool:
        wait_listening(Server(process, port, log))
        send = partial(pool.submit, get, port, "/", host, 60)
        with request_held_in_database(postgres_db, table, send, log.read_text) as in_flight:
            process.send_signal(signal.SIGTERM)
            time.sleep(1.5)
            assert process.poll() is None, f"{server} quit with a request in flight:\n{log.read_text()}"
        response = in_flight.result(timeout=60)
        code = process.wait(timeout=spec["terminationGracePeriodSeconds"])
    assert response.status == 200, response.body + log.read_text()
    assert code in (0, -signal.SIGTERM), log.read_text()
