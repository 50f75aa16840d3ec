"""djhelm validate from the command line: inputs, exit codes, text and JSON output, real Helm for charts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from djhelm.cli import app
from tests.validate.support import FIXTURES, web
from tests.validate.support import app as app_objects

REPO = Path(__file__).resolve().parents[2]
GOOD = str(FIXTURES / "app.yaml")
CHART = FIXTURES / "tinychart"


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["validate", *args], input=input, env=env, terminal_width=200)


def test_valid_file_exits_0() -> None:
    result = invoke(GOOD)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: 10 object(s) x 2 version(s) = 20 checked on Kubernetes 1.29, "
                                    "1.37")


def test_text_and_json_count_the_same_objects() -> None:
    import json

    text = invoke(GOOD).output
    summary = json.loads(invoke(GOOD, "--format", "json").output)["summary"]
    assert text.startswith(f"valid: {summary['distinctObjects']} object(s) x 2 version(s) = "
                           f"{summary['objects']} checked")


def test_invalid_file_exits_1_with_location_and_fix(tmp_path: Path) -> None:
    objects = app_objects()
    web(objects)["imagePullPolicyy"] = "Always"
    manifest = tmp_path / "app.yaml"
    manifest.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    result = invoke(str(manifest), "--kube-version", "1.37")
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"{manifest}:")
    assert (
        "error K8S001 [k8s 1.37]: unknown field 'spec.template.spec.containers[0].imagePullPolicyy'" in first
    )
    assert "  fix: " in result.output
    assert result.output.splitlines()[-1].startswith("INVALID:")


def test_findings_on_several_versions_are_merged_in_text() -> None:
    objects = app_objects()
    del web(objects)["readinessProbe"]
    result = invoke("-", input=yaml.safe_dump_all(objects))
    assert result.exit_code == 1
    assert "<stdin>:" in result.output and "ZD002 [k8s 1.29, 1.37]" in result.output


def test_warnings_alone_exit_0() -> None:
    result = invoke("-", input="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    assert result.exit_code == 0, result.output
    assert "warning K8S002" in result.output
    assert invoke("-", "--strict-kinds", input="apiVersion: example.com/v1\nkind: Widget\n").exit_code == 1


def test_stdin_directory_and_sorted_files(tmp_path: Path) -> None:
    (tmp_path / "b.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nbogus: 1\n")
    (tmp_path / "notes.txt").write_text("not yaml: [")
    result = invoke(str(tmp_path), "-k", "1.37", "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert [o["name"] for o in payload["objects"]] == ["a", "b"]
    assert payload["findings"][0]["location"] == {
        "file": str(tmp_path / "a.yaml"),
        "line": 4,
        "document": 0,
        "item": None,
    }
    stdin = invoke("-", "-k", "1.37", input=(tmp_path / "b.yml").read_text())
    assert stdin.exit_code == 0, stdin.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does-not-exist.yaml"], "no such file or directory"),
        ([GOOD, "--kube-version", "1.12"], "unsupported Kubernetes version '1.12'"),
        ([GOOD, "--format", "xml"], "Invalid value"),
        ([GOOD, "--values", GOOD], "--values and --set apply to chart directories only"),
        ([GOOD, "--set", "a=b"], "--values and --set apply to chart directories only"),
    ],
)
def test_usage_and_input_errors_exit_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_yaml_syntax_error_exits_2_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x}\n")
    result = invoke(str(bad))
    assert result.exit_code == 2
    assert f"error: {bad}:3: YAML does not parse" in result.output


def test_json_contract() -> None:
    objects = app_objects()
    del web(objects)["lifecycle"]
    result = invoke("-", "-k", "1.29", "-k", "1.37", "-f", "json", input=yaml.safe_dump_all(objects))
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert list(payload) == [
        "schemaVersion",
        "source",
        "kubeVersions",
        "valid",
        "summary",
        "objects",
        "findings",
    ]
    assert payload["schemaVersion"] == 1 and payload["valid"] is False and payload["source"] == "-"
    assert payload["kubeVersions"] == ["1.29", "1.37"]
    assert payload["summary"] == {
        "objects": 20, "distinctObjects": 10, "errors": 2, "warnings": 0, "infos": 0,
    }
    assert set(payload["objects"][0]) == {
        "kubeVersion",
        "apiVersion",
        "kind",
        "name",
        "namespace",
        "status",
        "location",
    }
    finding = payload["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "fix", "kubeVersion", "location", "path", "object"}
    assert finding["rule"] == "ZD003" and finding["kubeVersion"] == "1.29"
    assert finding["object"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop-web"}
    # deterministic: same input, same bytes
    again = invoke("-", "-k", "1.29", "-k", "1.37", "-f", "json", input=yaml.safe_dump_all(objects))
    assert again.output == result.output


def test_chart_without_helm_on_path_exits_2(tmp_path: Path) -> None:
    result = invoke(str(CHART), env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert "helm is not on PATH" in result.output


@pytest.mark.helm
def test_chart_is_rendered_per_kube_version(helm: str) -> None:
    result = invoke(str(CHART), "--helm-binary", helm, "-k", "1.29,1.37", "-f", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["summary"]["objects"] == 4
    assert all(o["location"]["file"] == "tinychart/templates/deployment.yaml" for o in payload["objects"])
    # The template picks the sleep action from 1.30 on, exec sleep before: no ZD003 warning on 1.29.
    assert [f for f in payload["findings"] if f["rule"] == "ZD003"] == []


@pytest.mark.helm
def test_chart_values_reach_helm(helm: str, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("stopSignal: true\n")
    result = invoke(str(CHART), "--helm-binary", helm, "--values", str(values), "-k", "1.29", "-k", "1.37")
    assert result.exit_code == 1, result.output
    assert "unknown field 'spec.template.spec.containers[0].lifecycle.stopSignal'" in result.output
    assert "[k8s 1.29]" in result.output and "[k8s 1.37]" not in result.output
    assert "tinychart/templates/deployment.yaml:" in result.output


@pytest.mark.helm
def test_broken_chart_exits_2(helm: str, tmp_path: Path) -> None:
    chart = tmp_path / "broken"
    shutil.copytree(CHART, chart)
    (chart / "templates" / "deployment.yaml").write_text("{{ .Values.nope.deeper }}\n")
    result = invoke(str(chart), "--helm-binary", helm)
    assert result.exit_code == 2
    assert "helm template failed for Kubernetes 1.29" in result.output


@pytest.mark.helm
@pytest.mark.parametrize("chart", ["shop", "events"])
def test_example_charts_are_valid(helm: str, chart: str) -> None:
    path = REPO / "charts" / chart
    if not (path / "Chart.yaml").is_file():
        pytest.skip(f"charts/{chart} is not generated yet")
    result = invoke(str(path), "--helm-binary", helm, "-k", "1.29", "-k", "1.37")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


@pytest.mark.helm
def test_helm_binary_found_through_path(helm3: str) -> None:
    env = {"PATH": f"{Path(helm3).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = invoke(str(CHART), "--helm-binary", Path(helm3).name, "-k", "1.37", env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("text", ["", "---\n# nothing\n", "---\n---\n"])
def test_empty_input_is_an_input_error(text: str) -> None:
    result = invoke("-", input=text)
    assert result.exit_code == 2, result.output
    assert "no Kubernetes objects in the input" in result.output and "fix:" in result.output


def test_a_document_that_is_not_an_object_is_still_reported_as_invalid() -> None:
    result = invoke("-", input="- a\n- b\n")
    assert result.exit_code == 1, result.output
    assert "K8S004" in result.output


@pytest.mark.helm
def test_piped_helm_output_names_each_template(helm: str) -> None:
    rendered = subprocess.run(
        [helm, "template", "x", str(CHART), "--kube-version", "1.37", "--set", "stopSignal=true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = invoke("-", "-k", "1.29", input=rendered)
    assert result.exit_code == 1
    assert result.output.startswith("tinychart/templates/deployment.yaml:")


@pytest.mark.helm
@pytest.mark.parametrize("chart", ["shop", "events"])
@pytest.mark.parametrize("strategy", ["hook", "job", "argocd", "none"])
@pytest.mark.parametrize("phases", ["false", "true"])
def test_example_charts_pass_every_rule_with_each_migration_strategy(
    helm3: str, chart: str, strategy: str, phases: str
) -> None:
    path = REPO / "charts" / chart
    if not (path / "Chart.yaml").is_file():
        pytest.skip(f"charts/{chart} is not generated yet")
    settings = [
        f"migrations.strategy={strategy}",
        f"migrations.phases={phases}",
        "ingress.enabled=true",
        "httpRoute.enabled=true",
        "web.autoscaling.enabled=true",
    ]
    result = invoke(str(path), "--helm-binary", helm3, *[a for s in settings for a in ("--set", s)])
    assert result.exit_code == 0, result.output
    assert " 0 error(s)" in result.output


def test_unreadable_inputs_exit_2(tmp_path: Path) -> None:
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = invoke(str(binary))
    assert result.exit_code == 2 and "not UTF-8 text" in result.output
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    result = invoke(str(empty_dir))
    assert result.exit_code == 2 and "holds no *.yaml or *.yml files" in result.output


def test_folder_of_charts_names_the_charts_instead_of_parsing_templates(tmp_path: Path) -> None:
    """`djhelm validate charts/` must not read Go templates as manifests ("YAML does not parse")."""
    shutil.copytree(CHART, tmp_path / "charts" / "tiny")
    (tmp_path / "charts" / "loose.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = invoke(str(tmp_path / "charts"))
    assert result.exit_code == 2, result.output
    assert "does not parse" not in result.output
    assert str(tmp_path / "charts" / "tiny") in result.output and "fix:" in result.output, result.output


def test_text_output_escapes_control_characters_from_the_manifest() -> None:
    """Names come from the input: a newline or escape sequence in one must not forge or colour lines."""
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        'metadata: {name: "web\\nvalid: 0 object(s)\\e[2J", labels: {app.kubernetes.io/component: web}}\n'
        "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
        "    spec: {containers: [{name: w, image: x}]}\n"
    )
    result = invoke("-", "-k", "1.37", input=manifest)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert not any(line.startswith("valid: 0") for line in result.output.splitlines()), result.output
    assert "web\\nvalid: 0 object(s)\\x1b[2J" in result.output, result.output


ALIAS_BOMB = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
    '  a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"  {new}: &{new} [{', '.join([f'*{old}'] * 9)}]\n"
        for old, new in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: &a {a: *a}\n", "refers to itself"),
        ("apiVersion: v1\nkind: List\nitems: &a [*a]\n", "refers to itself"),
        (ALIAS_BOMB, "aliases expand to more than"),
    ],
    ids=["cyclic-map", "cyclic-list", "alias-bomb"],
)
def test_recursive_and_exploding_aliases_exit_2(text: str, message: str) -> None:
    """kubectl and kubeconform refuse these too; expanding them would crash or run for hours."""
    result = invoke("-", input=text)
    assert result.exit_code == 2, result.output
    assert message in result.output and "fix:" in result.output, result.output


def test_ordinary_aliases_are_still_read() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: &l {a: b}, annotations: *l}\n"
    result = invoke("-", "-k", "1.37", input=text)
    assert result.exit_code == 0, result.output


def test_non_utf8_standard_input_exits_2() -> None:
    """Bytes that are not UTF-8 on stdin reach Python as surrogates (or a decode error): never a traceback."""
    djhelm = Path(sys.executable).with_name("djhelm")
    for env in ({"LANG": "C.UTF-8"}, {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""}):
        proc = subprocess.run(
            [str(djhelm), "validate", "-"],
            input=b'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "\xff\xfe"}\n',
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", **env},
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert b"Traceback" not in proc.stderr and b"not UTF-8" in proc.stderr, proc.stderr


def test_a_helm_that_hangs_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stuck `helm template` (a plugin waiting on the network, say) ends in exit 2, not a traceback."""
    import djhelm.validation.helm as helm_module

    monkeypatch.setattr(helm_module, "HELM_TIMEOUT_SECONDS", 0.5)
    slow = tmp_path / "helm"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    result = invoke(str(CHART), "--helm-binary", str(slow), "-k", "1.37")
    assert result.exit_code == 2, result.output
    assert "did not finish" in result.output and "fix:" in result.output


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_reading(tmp_path: Path, kind: str) -> None:
    target = Path("/dev/zero")
    if kind == "fifo":
        target = tmp_path / "pipe.yaml"
        os.mkfifo(target)
    result = invoke(str(target))
    assert result.exit_code == 2 and "is not a regular file" in result.stderr, result.stderr
