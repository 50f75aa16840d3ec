"""The web servers the chart runs: each command carries its drain flag set to web.gracefulTimeoutSeconds,
validates on the oldest and newest Kubernetes it claims with Helm 3 and 4, and the validator reads the drain
from the flag. A server and an interface that do not go together are refused in djhelm.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.chart.support import (
    committed_chart,
    example_config,
    helm_template,
    manifests,
    named,
    run_cli,
    validate_text,
)

pytestmark = pytest.mark.helm
DRAIN_FLAG = {
    "gunicorn": "--graceful-timeout",
    "uvicorn": "--timeout-graceful-shutdown",
    "granian": "--workers-kill-timeout",
}


@pytest.mark.parametrize(
    ("server", "interface"),
    [("gunicorn", "wsgi"), ("uvicorn", "asgi"), ("granian", "wsgi"), ("granian", "asgi")],
)
@pytest.mark.parametrize("kube", ["1.29", "1.37"])
def test_each_server_renders_its_drain_flag_and_validates(
    helm: str, server: str, interface: str, kube: str
) -> None:
    text = helm_template(
        helm,
        committed_chart("shop"),
        "--set",
        f"web.server={server}",
        "--set",
        f"web.interface={interface}",
        "--set",
        "web.gracefulTimeoutSeconds=17",
        kube_version=kube,
    )
    command = named(manifests(text), "Deployment", "-web")["spec"]["template"]["spec"]["containers"][0][
        "command"
    ]
    assert command[0] == server
    assert command[command.index(DRAIN_FLAG[server]) + 1] == "17"
    if server == "granian":
        assert command[1:3] == ["--interface", interface]
    result = validate_text(text, kube)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s), 0 info" in result.stdout, result.stdout


def test_the_validator_reads_granians_drain_without_the_annotation(helm3: str) -> None:
    """ZD004 checks the grace period against the drain: from granian's own flag when nothing else says it."""
    text = helm_template(
        helm3,
        committed_chart("shop"),
        "--set",
        "web.server=granian",
        "--set",
        "web.interface=wsgi",
        "--set",
        "web.gracefulTimeoutSeconds=300",
    )
    docs = manifests(text)
    web = named(docs, "Deployment", "-web")
    del web["spec"]["template"]["metadata"]["annotations"]["djhelm.dev/graceful-timeout-seconds"]
    result = validate_text(yaml.safe_dump_all(docs), "1.37")
    assert result.returncode == 0, result.stdout  # the grace period covers preStop + 300 s
    # a grace period shorter than the drain granian's flag names
    web["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30
    result = validate_text(yaml.safe_dump_all(docs), "1.37")
    assert result.returncode == 1 and "ZD004" in result.stdout and "--workers-kill-timeout" in result.stdout


@pytest.mark.parametrize(
    ("server", "interface", "refused"),
    [
        ("gunicorn", "asgi", True),
        ("uvicorn", "wsgi", True),
        ("granian", "asgi", False),
        ("uvicorn", "asgi", False),
    ],
)
def test_a_server_and_an_interface_that_do_not_match_are_refused(
    tmp_path: Path, server: str, interface: str, refused: bool
) -> None:
    data = yaml.safe_load(example_config("shop").read_text())
    data["django"]["projectDir"] = str(example_config("shop").parent)
    data["web"].update(server=server, interface=interface)
    config = tmp_path / "djhelm.yaml"
    config.write_text(yaml.safe_dump(data))
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    if refused:
        assert result.exit_code == 2 and "web.interface" in result.stderr and "fix:" in result.stderr
        assert not (tmp_path / "chart").exists()
    else:
        assert result.exit_code == 0, result.output
        values = yaml.safe_load((tmp_path / "chart" / "values.yaml").read_text())
        assert values["web"]["interface"] == interface
