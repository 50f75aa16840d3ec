"""`djhelm render` on generated configs: a clear exit 2 with nothing on disk, or a chart both Helm versions
accept in which every accepted config string comes back literally."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.chart.support import manifests, run_cli
from tests.chart.test_hostile_strings import BASE, FIELDS, _strings_in, _with
from tests.fuzz.settings import CORPUS, fuzz_settings, hostile_text

pytestmark = [pytest.mark.helm, pytest.mark.fuzz]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        found += [p for key, item in value.items() for p in _paths(item, (*path, key))]
    elif isinstance(value, list):
        found += [p for index, item in enumerate(value) for p in _paths(item, (*path, index))]
    return found


PATHS = _paths(BASE)
# Fields that take free text; most others have a pattern that refuses nearly every generated string, so they
# are drawn less often (they still are: refusing cleanly is half of the property).
FREE_TEXT = [("description",), ("ingress", "annotations", "example.com/note"), ("env", "GREETING")]
ANY_VALUE = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(hostile_text, max_size=3),
    st.dictionaries(hostile_text, hostile_text, max_size=2),
)


@st.composite
def configs(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[Any, ...] | None, str | None]:
    """A config with one hostile string (kept: it must come back literally) and maybe more damage."""
    field = draw(st.one_of(st.sampled_from(FREE_TEXT), st.sampled_from(FIELDS)))
    text = draw(hostile_text)
    data = _with(field, text)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        path = draw(st.sampled_from(PATHS))
        target: Any = data
        try:
            for part in path[:-1]:
                target = target[part]
            if draw(st.booleans()):
                target[path[-1]] = draw(ANY_VALUE)
            elif isinstance(target, dict):
                target[draw(hostile_text)] = draw(ANY_VALUE)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape under this path
        if field is not None and path[: len(field)] == field[: len(path)]:
            field, text = None, None  # the kept string was overwritten or its parent replaced
    return data, field, text


def _helm(helm: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm, *args], capture_output=True, text=True, check=False, timeout=120)


def check_render(config_text: str, helm3: str, helm4: str, field: tuple[Any, ...] | None = None,
                 text: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        root = Path(workdir)
        config = root / "djhelm.yaml"
        config.write_text(config_text, encoding="utf-8")
        chart = root / "out" / "chart"
        result = run_cli("render", str(config), "--output", str(chart))  # raises on a traceback
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert result.stderr.startswith("error: ") and str(config) in result.stderr, result.stderr
            assert not (root / "out").exists(), "nothing may be written for a bad config"
            assert sorted(p.name for p in root.iterdir()) == ["djhelm.yaml"], "temporary files left"
            return
        rendered = {}
        for helm in (helm3, helm4):
            done = _helm(helm, "template", "fuzz", str(chart), "--kube-version", "1.37")
            assert done.returncode == 0, f"{helm} refused a chart djhelm accepted:\n{done.stderr}"
            rendered[helm] = done.stdout
        if field is None or text is None or field in (("chartVersion",), ("django", "projectDir")):
            return  # kept out of the manifests: the chart version, and a folder only djhelm reads
        if field == ("description",) and text:  # an empty description means the default one
            shown = _helm(helm3, "show", "chart", str(chart))
            # BaseLoader: Helm prints a plain `<<`, which a resolving loader would take for a merge key
            assert yaml.load(shown.stdout, Loader=yaml.BaseLoader)["description"] == text
            return
        if field == ("description",):
            return
        for helm, output in rendered.items():
            found = [s for doc in manifests(output) for s in _strings_in(doc) if text in s]
            assert found, f"{helm}: accepted {field} = {text!r} does not come back literally"


@fuzz_settings(ci_examples=300)
@given(case=configs())
def test_render_fuzz(case: tuple[dict[str, Any], tuple[Any, ...] | None, str | None], helm3: str,
                     helm4: str) -> None:
    data, field, text = case
    check_render(yaml.safe_dump(data, allow_unicode=False), helm3, helm4, field, text)


@pytest.mark.parametrize("case", sorted((CORPUS / "render").glob("*.yaml")), ids=lambda p: p.name)
def test_render_corpus(case: Path, helm3: str, helm4: str) -> None:
    """Inputs that once broke render (traceback, Helm refusing the chart, a hang): replayed every run."""
    check_render(case.read_text(encoding="utf-8"), helm3, helm4)
