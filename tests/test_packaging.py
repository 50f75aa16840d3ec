"""The wheel works on its own: built from the checkout, installed into a fresh virtualenv outside it, its
`djhelm` command finds the chart templates and schemas packed inside the wheel (not the checkout's copies).

Dependencies are not downloaded again: the fresh venv sees the dev venv's site-packages through a .pth
line. A plain path line does not run the dev venv's own .pth files, so the editable install of djhelm there
stays invisible and `import djhelm` can only come from the wheel (asserted below).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: hatchling is already in the dev venv, and the build needs no network.
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--quiet", "--wheel-dir", str(out), str(REPO_ROOT)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    wheels = sorted(out.glob("djhelm-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv outside the checkout with only the wheel installed; returns (its bin dir, a clean env)."""
    home = tmp_path_factory.mktemp("venv")
    target = home / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                   cwd=home, env={"PATH": os.environ.get("PATH", "")}).stdout.strip()
    Path(purelib, "dev-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    result = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                   "--quiet", str(wheel)], cwd=home, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, result.stderr
    env = {"PATH": f"{target / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return target / "bin", env


def test_wheel_carries_templates_schemas_and_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "djhelm/_data/schemas/djhelm-config.schema.json" in names
    assert any(name.startswith("djhelm/_data/templates/") for name in names)
    assert "djhelm/runtime/apps.py" in names
    assert "djhelm/cli/init.py" in names
    assert not any(name.startswith(("tests/", "examples/", "djhelm/tests/")) for name in names)


def test_installed_cli_uses_the_wheel(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    where = _run([str(bin_dir / "python"), "-c",
                  "import djhelm, djhelm.resources as r; print(djhelm.__file__); print(r.templates_dir()); "
                  "print(r.schemas_dir())"], cwd=tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    package, templates, schemas = where.stdout.splitlines()
    venv_dir = str(bin_dir.parent)
    assert package.startswith(venv_dir), package
    assert templates.startswith(venv_dir) and templates.endswith("djhelm/_data/templates"), templates
    assert schemas.startswith(venv_dir) and schemas.endswith("djhelm/_data/schemas"), schemas
    help_text = _run([str(bin_dir / "djhelm"), "--help"], cwd=tmp_path, env=env)
    assert help_text.returncode == 0, help_text.stderr
    for command in ("render", "init"):
        assert command in help_text.stdout


@pytest.mark.parametrize("example", ["shop", "events"])
def test_installed_cli_renders_an_example(example: str, installed: tuple[Path, dict[str, str]],
                                          tmp_path: Path) -> None:
    bin_dir, env = installed
    out = tmp_path / "chart"
    config = str(REPO_ROOT / "examples" / example / "djhelm.yaml")
    result = _run([str(bin_dir / "djhelm"), "render", config, "--output", str(out)], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "Chart.yaml").is_file()
    assert any((out / "templates").iterdir())
    # The wheel renders byte for byte the chart committed in the checkout (--check writes nothing).
    committed = REPO_ROOT / "charts" / example
    if committed.is_dir():
        check = _run([str(bin_dir / "djhelm"), "render", config, "--output", str(committed), "--check"],
                     cwd=tmp_path, env=env)
        assert check.returncode == 0, check.stdout + check.stderr


def test_installed_init_then_render(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    project = tmp_path / "shop"
    shutil.copytree(REPO_ROOT / "examples" / "shop", project,
                    ignore=shutil.ignore_patterns("djhelm.yaml", "__pycache__"))
    init = _run([str(bin_dir / "djhelm"), "init"], cwd=project, env=env)
    assert init.returncode == 0, init.stderr
    render = _run([str(bin_dir / "djhelm"), "render", "djhelm.yaml", "--output", str(tmp_path / "chart")],
                  cwd=project, env=env)
    assert render.returncode == 0, render.stdout + render.stderr
