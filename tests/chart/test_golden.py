"""The committed charts are exactly what `djhelm render` produces from the example configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from djhelm.chart import chart_drift, render_chart
from djhelm.config import load_config
from tests.chart.support import EXAMPLES, committed_chart, example_config, render, run_cli


@pytest.mark.parametrize("name", EXAMPLES)
def test_committed_chart_matches_render(name: str, tmp_path: Path) -> None:
    fresh = render(example_config(name), tmp_path / name)
    # Same relative position as charts/<name>, so the generated "from ../../examples/..." lines match too.
    assert (fresh / "Chart.yaml").read_bytes() != b""
    result = run_cli("render", str(example_config(name)), "--output", str(committed_chart(name)), "--check")
    assert result.exit_code == 0, (
        f"charts/{name} is out of date; run "
        f"`djhelm render examples/{name}/djhelm.yaml --output charts/{name}`\n" + result.stdout
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_render_is_deterministic(name: str, tmp_path: Path) -> None:
    first = render(example_config(name), tmp_path / "a" / name)
    second = render(example_config(name), tmp_path / "b" / name)
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    config = load_config(example_config(name))
    assert render_chart(config) == render_chart(config)


def test_check_reports_a_modified_file(tmp_path: Path) -> None:
    chart = render(example_config("shop"), tmp_path / "shop")
    values = chart / "values.yaml"
    values.write_text(values.read_text().replace("replicas: 2", "replicas: 7"))
    (chart / "templates" / "extra.yaml").write_text("kind: ConfigMap\n")
    result = run_cli("render", str(example_config("shop")), "--output", str(chart), "--check")
    assert result.exit_code == 1
    assert "--- a/values.yaml" in result.stdout and "+++ b/values.yaml" in result.stdout
    assert "-  replicas: 7" in result.stdout and "+  replicas: 2" in result.stdout
    assert "--- a/templates/extra.yaml" in result.stdout
    # --check never writes
    assert "replicas: 7" in values.read_text()


def test_check_on_missing_directory_is_drift(tmp_path: Path) -> None:
    result = run_cli("render", str(example_config("shop")), "--output", str(tmp_path / "nope"), "--check")
    assert result.exit_code == 1
    assert "+++ b/Chart.yaml" in result.stdout
    assert not (tmp_path / "nope").exists()


def test_rerender_replaces_stale_files(tmp_path: Path) -> None:
    chart = render(example_config("shop"), tmp_path / "shop")
    (chart / "templates" / "stale.yaml").write_text("old\n")
    render(example_config("shop"), chart)
    assert not (chart / "templates" / "stale.yaml").exists()
    assert chart_drift(render_chart(load_config(example_config("shop")), "x"), chart) != ""


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious\n")
    result = run_cli("render", str(example_config("shop")), "--output", str(foreign))
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert (foreign / "notes.txt").read_text() == "precious\n"
    assert run_cli("render", str(example_config("shop")), "--output", str(foreign), "--force").exit_code == 0
    assert not (foreign / "notes.txt").exists()


def test_failed_write_leaves_the_old_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk error halfway (simulated: a real full disk cannot be arranged in a test) changes nothing."""
    chart = render(example_config("shop"), tmp_path / "shop")
    before = {p.relative_to(chart): p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    real_write = Path.write_bytes
    calls = iter(range(1000))

    def failing_write(self: Path, data: bytes) -> int:  # type: ignore[override]
        if next(calls) == 5:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    result = run_cli("render", str(example_config("events")), "--output", str(chart))
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "cannot write the chart: No space left on device" in result.stderr
    after = {p.relative_to(chart): p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop"], "no staging directory left behind"


def test_never_replaces_the_folder_holding_the_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = project / "djhelm.yaml"
    config.write_bytes(example_config("shop").read_bytes())
    (project / "manage.py").write_text("# precious\n")
    for output in (project, tmp_path):
        result = run_cli("render", str(config), "--output", str(output), "--force")
        assert result.exit_code == 2
        assert "djhelm.yaml; the chart directory is replaced as a whole" in result.stderr
    assert (project / "manage.py").read_text() == "# precious\n"


def test_render_through_a_symlink_updates_the_target(tmp_path: Path) -> None:
    """charts/shop may be a symlink: the chart it points to is replaced, the link stays, nothing is left."""
    real = render(example_config("shop"), tmp_path / "real")
    (real / "templates" / "stale.yaml").write_text("old\n")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    render(example_config("shop"), link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert not (real / "templates" / "stale.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
