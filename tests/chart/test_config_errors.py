"""Bad djhelm.yaml: exit 2, `file:line: field: message` plus a fix, no traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.chart.support import run_cli

VALID = textwrap.dedent(
    """\
    name: shop
    image:
      repository: ghcr.io/acme/shop
      tag: "1.0"
    django:
      settingsModule: shop.settings
    web:
      application: shop.wsgi:application
      port: 8000
    database:
      url: {secretName: shop-db, key: url}
    """
)


def _render_bad(tmp_path: Path, text: str | bytes) -> tuple[str, Path]:
    config = tmp_path / "djhelm.yaml"
    if isinstance(text, bytes):
        config.write_bytes(text)
    else:
        config.write_text(text, encoding="utf-8")
    output = tmp_path / "out" / "chart"
    result = run_cli("render", str(config), "--output", str(output))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing may be written for a bad config"
    assert not list(tmp_path.glob(".*")), "no temporary directories left behind"
    return result.stderr, config


def test_valid_base_renders(tmp_path: Path) -> None:
    (tmp_path / "djhelm.yaml").write_text(VALID)
    result = run_cli("render", str(tmp_path / "djhelm.yaml"), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID.replace("  port: 8000", "  port: abc"),
            [":9: web.port: 'abc' is not of type 'integer'", "fix:"],
        ),
        (
            VALID.replace("  port: 8000", "  prot: 8000"),
            [":9: web.prot: unknown key 'prot'", "did you mean 'port'?"],
        ),
        (
            VALID + "migratons: {strategy: hook}\n",
            [":12: migratons: unknown key", "did you mean 'migrations'?"],
        ),
        (
            VALID.replace("database:\n  url: {secretName: shop-db, key: url}\n", ""),
            [":1: missing required key 'database'", "fix: add 'database:'"],
        ),
        (
            VALID.replace("{secretName: shop-db, key: url}", "{secretName: shop-db}"),
            [":11: database.url: missing required key 'key'"],
        ),
        (VALID + "x: !!binary aGk=\n", [":12: x: unsupported YAML tag"]),
        (
            VALID + "migrations: {strategy: hok}\n",
            [":12: migrations.strategy: 'hok' is not one of", "did you mean 'hook'?"],
        ),
        (
            VALID.replace("name: shop", "name: Shop_App"),
            [":1: name: 'Shop_App' is not valid here", "DNS-1123"],
        ),
        (VALID + "name: other\n", [":12: name: duplicate key 'name' (first at line 1)"]),
        (VALID.replace("  port: 8000", "  port: [8000"), [":10: malformed YAML"]),
        (VALID.replace("  port: 8000", "\tport: 8000"), [":9: malformed YAML"]),
        ("", [": the file must be a YAML mapping"]),
        ("- a\n- b\n", [":1: the file must be a YAML mapping"]),
        ("a: &x [*x]\n", ["recursive alias"]),
        # Deep nesting and an alias bomb end in an error, not a RecursionError or an endless expansion.
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", [":1: malformed YAML", "nested"]),
        (
            'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
            + "".join(
                f"{new}: &{new} [{', '.join([f'*{old}'] * 9)}]\n"
                for old, new in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            ["aliases", "fix:"],
        ),
        (VALID + "---\nname: x\n", [":12: malformed YAML", "single document"]),
        (
            VALID + "env: {SECRET_KEY: hunter2}\n",
            [":12: env.SECRET_KEY: SECRET_KEY looks like a secret", "secretEnv"],
        ),
        (VALID + "env:\n  STRIPE_API_KEY: sk_live_x\n", [":13: env.STRIPE_API_KEY", "secretEnv"]),
        (VALID + "env:\n  SMTP_PASSWORD: x\n", [":13: env.SMTP_PASSWORD", "move it to secretEnv"]),
        (VALID + "env:\n  GITHUB_TOKEN: x\n", [":13: env.GITHUB_TOKEN", "secretEnv"]),
        # Environment variable names are case-sensitive, secrets in lowercase are still secrets.
        (VALID + "env:\n  db_password: hunter2\n", [":13: env.db_password", "move it to secretEnv"]),
        (VALID + "env:\n  Secret_Key: x\n", [":13: env.Secret_Key", "secretEnv"]),
        (VALID + "env:\n  DJANGO_DB_PASS: x\n", [":13: env.DJANGO_DB_PASS", "secretEnv"]),
        # A URL with a password is a secret wherever it sits in the value.
        (
            VALID + 'env:\n  CACHE: " redis://user:s3cret@cache:6379/0"\n',
            [":13: env.CACHE: this value carries a URL with a password"],
        ),
        (
            VALID + "env:\n  CONF: '{\"url\": \"postgres://u:pw@db/x\"}'\n",
            [":13: env.CONF: this value carries a URL with a password"],
        ),
        (
            VALID + "env:\n  DATABASE_URL: postgres://u:p@db/x\n",
            [":13: env.DATABASE_URL: DATABASE_URL is set by the chart"],
        ),
        (
            VALID + "env:\n  CACHE: redis://user:s3cret@cache:6379/0\n",
            [":13: env.CACHE: this value carries a URL with a password"],
        ),
        # Annotations (e.g. an ingress auth-url) go to values.yaml as well: no credentials there either.
        (
            VALID + "ingress:\n  annotations: {nginx.ingress.kubernetes.io/auth-url: 'https://u:pw@auth'}\n",
            [":13: ingress.annotations.nginx.ingress.kubernetes.io/auth-url: this value carries a URL"],
        ),
        (VALID + "env:\n  DEBUG: false\n", [":13: env.DEBUG: false is not of type 'string'", "quote it"]),
        # The value as the user wrote it, not as Python prints it (an unquoted date-like tag is common).
        (
            VALID.replace('tag: "1.0"', "tag: 2024-01-31"),
            [":4: image.tag: 2024-01-31 is not of type 'string'", "quote it"],
        ),
        (VALID + "env:\n  EMPTY:\n", [":13: env.EMPTY: null is not of type 'string'", "quote it"]),
        (
            VALID + "secretEnv:\n  SECRET_KEY: hunter2\n",
            [":13: secretEnv.SECRET_KEY: a secret is not written in djhelm.yaml"],
        ),
        (
            VALID + "processes:\n  beat: {kind: celery-beat, app: shop.celery:app, replicas: 2}\n",
            [":13: processes.beat.replicas: celery beat must run exactly once"],
        ),
        (
            VALID + "processes:\n  Bad_Name: {kind: celery-worker, app: shop.celery:app}\n",
            [":13: processes.Bad_Name: invalid name 'Bad_Name'"],
        ),
        (VALID + "ingress: {enabled: true}\n", [":12: ingress: ingress is enabled but has no host"]),
        # The chart's own validator (ZD002) rejects a liveness probe that checks what readiness checks.
        (
            VALID.replace("  port: 8000", "  port: 8000\n  readinessPath: /health\n  livenessPath: /health"),
            [":11: web.livenessPath: livenessPath is the same endpoint as readinessPath", "fix:"],
        ),
        (VALID + "x: !!python/object/apply:os.system [echo]\n", [":12: x: unsupported YAML tag"]),
    ],
    ids=lambda value: value[0][:30] if isinstance(value, list) else None,
)
def test_bad_config(tmp_path: Path, text: str, expected: list[str]) -> None:
    stderr, config = _render_bad(tmp_path, text)
    assert stderr.startswith(f"error: {config}"), stderr
    for fragment in expected:
        assert fragment in stderr, stderr


@pytest.mark.parametrize("written", ["hunter2-literal", "['a', 'b']", "42"])
def test_a_literal_where_a_secret_reference_belongs_says_how_to_reference_it(
        tmp_path: Path, written: str) -> None:
    stderr, _ = _render_bad(tmp_path, VALID + f"secretEnv:\n  API_TOKEN: {written}\n")
    assert "secretEnv.API_TOKEN: a secret is not written in djhelm.yaml" in stderr
    assert "use {secretName: <Secret name>, key: <key inside it>}" in stderr
    assert "hunter2" not in stderr  # the value may be the secret itself


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = VALID.replace("  port: 8000", "  port: abc\n  prot: 1").replace("name: shop", "name: BAD")
    stderr, _ = _render_bad(tmp_path, text)
    assert ":1: name:" in stderr and ":9: web.port:" in stderr and ":10: web.prot:" in stderr


def test_not_utf8(tmp_path: Path) -> None:
    stderr, _ = _render_bad(tmp_path, b"name: \xff\xfe\n")
    assert "not UTF-8" in stderr and "fix:" in stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run_cli("render", str(tmp_path / "nope.yaml"), "--output", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.stderr
    assert not (tmp_path / "out").exists()


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    """Through the installed console script, as a user or CI runs it."""
    config = tmp_path / "djhelm.yaml"
    config.write_text(VALID.replace("  port: 8000", "  port: abc"))
    djhelm = str(Path(sys.executable).parent / "djhelm")
    proc = subprocess.run(
        [djhelm, "render", str(config), "--output", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {config}:9: web.port: 'abc' is not of type 'integer'")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "c").exists()


# Python's `$` also matches before a final newline; JSON Schema's (ECMA-262) does not. A trailing newline
# must not slip past a pattern: in `name` it breaks values.yaml, in a Secret key or image tag the cluster
# rejects the object only at install time.
@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", VALID.replace("name: shop", 'name: "shop\\n"')),
        ("image.tag", VALID.replace('tag: "1.0"', 'tag: "1.0\\n"')),
        ("database.url.key", VALID.replace("key: url}", 'key: "url\\n"}')),
        ("web.application", VALID.replace("application: shop.wsgi:application", 'application: "a.b:c\\n"')),
        ('env["GREETING\\n"]', VALID + 'env: {"GREETING\\n": hi}\n'),
    ],
    ids=lambda value: value if "\n" not in value else None,
)
def test_trailing_newline_does_not_match_a_pattern(tmp_path: Path, field: str, text: str) -> None:
    stderr, _ = _render_bad(tmp_path, text)
    assert field in stderr and "fix:" in stderr, stderr


def test_schema_patterns_anchor_only_at_the_end() -> None:
    """The config loader makes a final `$` mean end of string; a `$` elsewhere would need the same care."""
    from djhelm.config.schema import config_schema

    def patterns(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
            return own + [p for value in node.values() for p in patterns(value)]
        if isinstance(node, list):
            return [p for value in node for p in patterns(value)]
        return []

    found = patterns(config_schema())
    assert found
    for pattern in found:
        assert "$" not in pattern[:-1], pattern


def test_ordinary_env_is_not_taken_for_a_secret(tmp_path: Path) -> None:
    text = VALID + (
        "env:\n  AUTH_TOKEN_LIFETIME: '3600'\n  CACHE_BYPASS: '1'\n"
        "  SITE_URL: https://shop.example.com:8443/a@b\n  PASSWORD_MIN_LENGTH: '12'\n"
    )
    (tmp_path / "djhelm.yaml").write_text(text)
    result = run_cli("render", str(tmp_path / "djhelm.yaml"), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("key", ["GREETING\\nfake: line", "BELL\\u0007", "ESC\\u001b[2J"])
def test_control_characters_in_a_key_are_escaped_in_the_message(tmp_path: Path, key: str) -> None:
    """A hostile key must not break the one-line `file:line: field: message` format or drive the terminal."""
    stderr, _ = _render_bad(tmp_path, VALID + f'env: {{"{key}": hi}}\n')
    first = stderr.splitlines()[0]
    assert "env[" in first and "invalid name" in first, stderr
    assert "\x1b" not in stderr and "\x07" not in stderr, stderr


def test_control_characters_in_an_unknown_key_are_escaped(tmp_path: Path) -> None:
    stderr, _ = _render_bad(tmp_path, VALID + '"x\\u001b[2J": 1\n')
    assert "unknown key 'x\\x1b[2J'" in stderr and "\x1b" not in stderr, stderr


# Each of these renders to a chart that both Helm versions refuse ("control characters are not allowed"),
# or, for the lone surrogate, cannot be written as UTF-8 at all.
@pytest.mark.parametrize("escape", ["\\x7f", "\\x80", "\\x9f", "\\ufffe", "\\uffff", "\\ud800", "\\udfff"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_characters_helm_cannot_carry_are_refused(tmp_path: Path, escape: str, where: str) -> None:
    entry = f'"GREETING{escape}": hi' if where == "key" else f'GREETING: "x{escape}y"'
    stderr, _ = _render_bad(tmp_path, VALID + f"env: {{{entry}}}\n")
    code = escape.removeprefix("\\x").removeprefix("\\u").upper().rjust(4, "0")
    assert f"contains U+{code}" in stderr and "env" in stderr and "fix:" in stderr, stderr


@pytest.mark.helm
def test_characters_next_to_the_refused_ones_reach_helm_intact(tmp_path: Path, helm: str) -> None:
    """The boundary of the rule above: the C0 controls, NEL's neighbours and U+FFFD pass through Helm."""
    accepted = "\x01\x1f\x7e\xa0\ud7ff\ue000\ufffd\U00010000"
    escaped = accepted.encode("unicode_escape").decode("ascii")
    config = tmp_path / "djhelm.yaml"
    config.write_text(VALID + f'env: {{GREETING: "{escaped}"}}\n', encoding="utf-8")
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 0, result.stderr
    rendered = subprocess.run(
        [helm, "template", "shop", str(tmp_path / "chart")], capture_output=True, text=True, check=True
    ).stdout
    configmaps = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "ConfigMap"]
    assert any(c["data"].get("GREETING") == accepted for c in configmaps)


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_config_path_that_is_not_a_regular_file_is_refused_without_reading(
    tmp_path: Path, kind: str
) -> None:
    """/dev/zero would be read until memory runs out, and a FIFO would wait forever for a writer."""
    if kind == "fifo":
        target = tmp_path / "djhelm.yaml"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/zero")
    else:
        target = tmp_path / "folder"
        target.mkdir()
    output = tmp_path / "out"
    result = run_cli("render", str(target), "--output", str(output))
    assert result.exit_code == 2, result.output
    expected = "is a directory" if kind == "directory" else "is not a regular file"
    assert f"{target}: {expected}" in result.stderr and "fix:" in result.stderr
    assert not output.exists()


def test_a_config_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    from djhelm.config import MAX_CONFIG_BYTES

    config = tmp_path / "djhelm.yaml"
    config.write_text(VALID + "#" * MAX_CONFIG_BYTES + "\n")
    result = run_cli("render", str(config), "--output", str(tmp_path / "out"))
    assert result.exit_code == 2 and "larger than 1 MB" in result.stderr, result.stderr


@pytest.mark.parametrize("escape", ["\\x00", "\\t", "\\u200b", "\\ue000", "\\u00a0"])
def test_a_description_helm_would_rewrite_is_refused(tmp_path: Path, escape: str) -> None:
    """Helm's sanitizeString drops unprintable characters from Chart.yaml and turns other spaces into ' '
    (found by tests/fuzz: `description: "a\\x00b"` rendered, then `helm show chart` said `ab`)."""
    stderr, _ = _render_bad(tmp_path, VALID + f'description: "a{escape}b"\n')
    assert "description: contains U+" in stderr and "Helm removes" in stderr, stderr
