"""The example Dockerfiles, read as text (no Docker daemon here): what they copy exists, the server is PID 1,
the image runs as a non-root user, Python output is unbuffered, static files are collected at build time."""

from __future__ import annotations

import json
import re

import pytest

from tests.examples.harness import EXAMPLES, REPO_ROOT


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


@pytest.mark.parametrize("example", ["shop", "events"])
def test_dockerfile(example: str) -> None:
    steps = _instructions((EXAMPLES / example / "Dockerfile").read_text())
    final_stage = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM"):]

    # Build context is the repository root: every COPY source (outside --from) must exist there.
    for keyword, args in steps:
        if keyword == "COPY" and not args.startswith("--from"):
            *sources, _ = args.split()
            for source in sources:
                assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"

    cmd = [args for keyword, args in final_stage if keyword == "CMD"]
    assert len(cmd) == 1
    argv = json.loads(cmd[0])  # exec form: a JSON array, no shell between the kubelet and the server
    assert argv[0] == ("gunicorn" if example == "shop" else "uvicorn")
    assert f"{example}.{'wsgi' if example == 'shop' else 'asgi'}:application" in argv

    users = [args for keyword, args in final_stage if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"
    env = " ".join(args for keyword, args in final_stage if keyword == "ENV")
    assert "PYTHONUNBUFFERED=1" in env
    runs = " ".join(args for keyword, args in final_stage if keyword == "RUN")
    assert "collectstatic --noinput" in runs
    assert "-r requirements.txt" in runs
