"""`djhelm validate` on generated manifests: broken objects, YAML that kubectl reads differently, bytes that
are not text. Always exit 0, 1 or 2, a parseable JSON report for 0 and 1, a one-line error for 2."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from djhelm.cli import app as cli
from tests.fuzz.settings import CORPUS, fuzz_settings, hostile_text
from tests.validate.support import app
from tests.validate.test_fastcheck import mutate

pytestmark = pytest.mark.fuzz

# Lines that once crashed validate or passed although kubectl refuses them, indented to land in a mapping.
HAZARDS = [
    "1: x", "true: y", "null: z", "2020-01-01: d", "1.5: f", "? [a]\n  : b", "? {a: 1}\n  : b",
    "x: !!set {a, b}", "x: !!omap [{a: 1}]", "x: !!binary aGk=", "x: !!python/name:os.system", "x: !custom 1",
    "x: 99999999999999999999", "replicas: 2147483648", "replicas: -1", "x: &a [*a]", "x: .nan", "x: .inf",
    "<<: {a: 1}", "x: 0x1f",
    "x: 0o17", "x: 1_000", "x: ~", "x: |\n    block", "x: '\\ud800'", '"\\ud800": 1', "x: \t1", "kind: List",
    "items: {}", "items: [1, null]",
]  # fmt: skip


@st.composite
def manifest_texts(draw: st.DrawFn) -> bytes:
    rng = random.Random(draw(st.integers(0, 2**32)))
    objects = app()
    for _ in range(draw(st.integers(0, 4))):
        index = rng.randrange(len(objects))
        objects[index] = mutate(objects[index], rng)
    lines = yaml.safe_dump_all(objects, allow_unicode=True).splitlines()
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(lines)))
        indent = " " * draw(st.sampled_from([0, 2, 4, 6, 8]))
        hazard = draw(st.one_of(st.sampled_from(HAZARDS), hostile_text))
        lines.insert(position, indent + hazard.replace("\n", "\n" + indent))
    text = "\n".join(lines) + "\n"
    return text.encode("utf-8", errors="surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


def check_validate(data: bytes) -> None:
    arguments = ["validate", "-", "--format", "json", "--kube-version", "1.37"]
    result = CliRunner().invoke(cli, arguments, input=data, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr, result.stderr
        return
    report = json.loads(result.stdout)
    assert report["valid"] is (result.exit_code == 0)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert bool(errors) is (result.exit_code == 1), report["summary"]


@fuzz_settings(ci_examples=150)
@given(data=manifest_texts())
def test_validate_fuzz(data: bytes) -> None:
    check_validate(data)


@pytest.mark.parametrize("case", sorted((CORPUS / "validate").glob("*.yaml")), ids=lambda p: p.name)
def test_validate_corpus(case: Path) -> None:
    check_validate(case.read_bytes())
