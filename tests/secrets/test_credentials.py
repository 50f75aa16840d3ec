"""One rule for secret names and one for credentials in text, shared by render and init, as tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from djhelm.config import parse_config
from djhelm.credentials import credential_in, is_secret_name
from djhelm.errors import ConfigError
from djhelm.init.secrets import is_secret
from tests.chart.support import run_cli
from tests.init.conftest import manage_py, write_tree

SECRET_NAMES = [
    "SECRET_KEY", "DJANGO_SECRET_KEY", "SECRET_KEY_FALLBACKS", "SECRET", "CLIENT_SECRET", "API_KEY",
    "STRIPE_API_KEY", "PRIVATE_KEY", "RECAPTCHA_PRIVATE_KEY", "ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEY", "HMAC_KEY", "DB_PWD",
    "PASSWORD", "EMAIL_HOST_PASSWORD", "db_password", "DB_PASSWD", "PASS", "DB_PASS", "PASSPHRASE",
    "GPG_PASSPHRASE", "CREDENTIALS", "GOOGLE_CREDENTIALS", "DSN", "SENTRY_DSN", "SALT", "HASHID_SALT",
    "TOKEN", "GITHUB_TOKEN", "api_token", "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL",
    "CELERY_BROKER_URL", "BROKER_URL", "BASIC_AUTH", "KEY", "JWT_SIGNING_KEY", "Secret_Key",
]  # fmt: skip
ORDINARY_NAMES = [
    "DEBUG", "DJANGO_ALLOWED_HOSTS", "SITE_URL", "KEY_PREFIX", "CACHE_KEY_PREFIX", "ROUTING_KEY",
    "AUTH_TOKEN_LIFETIME", "PASSWORD_MIN_LENGTH", "CACHE_BYPASS", "SECRET_KEY_FILE", "TOKEN_LIFETIME",
    "STRIPE_PUBLISHABLE_KEY", "RECAPTCHA_PUBLIC_KEY", "PASSWORD_HASHERS", "SALTSTACK_HOST", "AUTH_METHOD",
    "LOG_LEVEL", "EMAIL_HOST_USER", "DEFAULT_FROM_EMAIL", "PARTITION_KEY",
]  # fmt: skip

CREDENTIALS = [
    "postgres://app:hunter2@db:5432/app",
    "redis://:hunter2@cache:6379/0",
    "postgres://app:pa ss@db/app",
    "postgres://ap\tp:hunter2@db/app",
    "postgres://app:hunter2\n@db/app",
    "https://db.example.com/app?user=app&password=hunter2",
    "https://db.example.com/app?sslmode=require&PASSWORD=hunter2",
    "host=db port=5432 dbname=app user=app password=hunter2",
    "host=db password = 'hunter2'",
    "jdbc:postgresql://db:5432/app?user=app&password=hunter2",
    "jdbc:sqlserver://db:1433;databaseName=app;user=app;password=hunter2",
    "app:hunter2@db.example.com:5432/app",
    "app:hunter2@db/app",
    "postgres%3A%2F%2Fapp%3Ahunter2%40db%2Fapp",
    "postgres://app\uff1ahunter2@db/app",
    "postgres\uff1a//app\uff1ahunter2\uff20db/app",
    '{"default": "postgres://u:pw@db/x"}',
    'proxy_set_header Authorization "Basic YWRtaW46aHVudGVyMg==";',
    "more_set_input_headers 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x';",
    "https://hooks.example.com/in?token=abc123",
]
NOT_CREDENTIALS = [
    "https://shop.example.com:8443/a@b",
    "postgres://db:5432/app",
    "postgres://app@db:5432/app",
    "Ada Lovelace:ada@example.com",
    "mailto:ops@example.com",
    "https://example.com/login?next=/password/reset/",
    "password=",
    "password=$(DB_PASSWORD)",
    "password=${DB_PASSWORD}",
    "host=db user=app sslmode=require",
    "Token authentication with JWT tokens for the API",
    "Set the password in the Secret shop-db",
    "12:30 at the office",
    "redis:6379",
    "bypass=1",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)
    assert is_secret(name), "init must treat whatever render refuses as a secret"


@pytest.mark.parametrize("name", ORDINARY_NAMES)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("text", CREDENTIALS)
def test_credentials_in_text(text: str) -> None:
    assert credential_in(text) is not None


@pytest.mark.parametrize("text", NOT_CREDENTIALS)
def test_text_without_credentials(text: str) -> None:
    assert credential_in(text) is None


def _config(**extra: Any) -> str:
    config = {
        "name": "shop",
        "image": {"repository": "ghcr.io/acme/shop", "tag": "1.0"},
        "django": {"settingsModule": "shop.settings"},
        "web": {"application": "shop.wsgi:application"},
        "database": {"url": {"secretName": "shop-db", "key": "url"}},
        **extra,
    }
    return json.dumps(config)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_render_refuses_a_literal_under_a_secret_name(name: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(_config(env={name: "some-value"}))
    assert "secretEnv" in str(raised.value) or "set by the chart" in str(raised.value)


@pytest.mark.parametrize("text", CREDENTIALS)
@pytest.mark.parametrize("where", ["env", "description", "annotation"])
def test_render_refuses_a_credential_in_every_string(text: str, where: str) -> None:
    extra: dict[str, Any] = {
        "env": {"EXTRA_SETTINGS": text},
        "description": text,
        "annotation": {
            "ingress": {
                "enabled": True,
                "host": "shop.example.com",
                "annotations": {"nginx.ingress.kubernetes.io/configuration-snippet": text},
            }
        },
    }[where]
    if where != "annotation":
        extra = {where: extra}
    with pytest.raises(ConfigError) as raised:
        parse_config(_config(**extra))
    # refused for the credential, or (a line break in a one-line field) for its shape without repeating it
    assert "carries" in str(raised.value) or "not shown" in str(raised.value), raised.value
    assert "hunter2" not in str(raised.value) and "YWRtaW46aHVudGVyMg" not in str(raised.value)


@pytest.mark.parametrize("text", NOT_CREDENTIALS)
def test_render_accepts_text_without_credentials(text: str) -> None:
    parse_config(_config(env={"EXTRA_SETTINGS": text}, description=text))


def test_a_refused_credential_never_reaches_the_output(tmp_path: Path) -> None:
    config = tmp_path / "djhelm.yaml"
    config.write_text(_config(env={"EXTRA": "host=db password=hunter2"}))
    result = run_cli("render", str(config), "--output", str(tmp_path / "chart"))
    assert result.exit_code == 2 and "hunter2" not in result.stderr and "hunter2" not in result.stdout
    assert not (tmp_path / "chart").exists()


def test_init_writes_no_secret_value_even_in_a_comment(tmp_path: Path) -> None:
    """A settings default such as DB_PWD="S3CR3T..." used to land in djhelm.yaml as a commented line."""
    defaults = {
        "DB_PWD": "S3CR3T-one",
        "PASSPHRASE": "S3CR3T-two",
        "HMAC_KEY": "S3CR3T-three",
        "APP_SALT": "S3CR3T-four",
        "UPSTREAM": "host=db password=S3CR3T-five",
        "LEGACY_DB": "app:S3CR3T-six@db.example.com:5432/app",
        "SIGNING_KEY": "S3CR3T-seven",
        "SECRET_KEY_FALLBACKS": "S3CR3T-eight",
    }
    settings = "import os\n" + "".join(
        f"{name} = os.environ.get({name!r}, {value!r})\n" for name, value in defaults.items()
    )
    project = write_tree(
        tmp_path / "p", {"manage.py": manage_py("proj.settings"), "proj/settings.py": settings}
    )
    result = run_cli("init", str(project))
    assert result.exit_code == 0, result.output
    text = (project / "djhelm.yaml").read_text(encoding="utf-8")
    assert "S3CR3T" not in text
    for name in defaults:
        assert name in text
    rendered = run_cli("render", str(project / "djhelm.yaml"), "--output", str(tmp_path / "chart"))
    assert rendered.exit_code == 0, rendered.stderr
