"""Load djhelm.yaml: parse keeping line numbers, check schema and secret rules, fill defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from djhelm.config.checks import semantic_problems
from djhelm.config.schema import schema_problems, with_defaults
from djhelm.config.yamlsource import load_yaml
from djhelm.errors import ConfigError, InputError, Problem
from djhelm.userfile import read_regular_file

if TYPE_CHECKING:
    from djhelm.config.model import ConfigData, ConfigDataDjango

__all__ = ["Config", "load_config", "load_django_section", "parse_config"]

MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class Config:
    """A valid djhelm.yaml with defaults filled in. ``data`` follows schemas/djhelm-config.schema.json, whose
    generated TypedDicts (`djhelm.config.model`) type it read-only."""

    data: ConfigData
    path: Path

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def project_dir(self) -> Path:
        return (self.path.parent / self.data["django"].get("projectDir", ".")).resolve()


def load_config(path: Path) -> Config:
    """Read and check ``path``. Raises ConfigError naming file, line, field and fix."""
    return Config(parse_config(_read_text(path), str(path)), path)


def _read_text(path: Path) -> str:
    filename = str(path)
    try:
        raw = read_regular_file(path, MAX_CONFIG_BYTES, "your djhelm.yaml")
    except InputError as error:
        raise ConfigError(error.problems) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            Problem(
                filename,
                f"not UTF-8 text ({error.reason} at byte {error.start})",
                fix="save the file as UTF-8",
            )
        ) from None


def load_django_section(path: Path) -> ConfigDataDjango | None:
    """Only the `django` section of ``path``, checked as `load_config` checks it, from a file whose other
    sections may not be written yet: what `djhelm migrations check` needs (the settings module and where
    manage.py is). None when the file has no `django` section."""
    filename = str(path)
    data, source = load_yaml(_read_text(path), filename)
    if not isinstance(data, dict) or "django" not in data:
        return None
    problems = [
        problem
        for problem in schema_problems({"django": data["django"]}, source, filename)
        if problem.field == "django" or problem.field.startswith("django.")
    ]
    if problems:
        raise ConfigError(problems)
    return cast("ConfigDataDjango", data["django"])


def parse_config(text: str, filename: str = "djhelm.yaml") -> ConfigData:
    """Check config ``text``; return its data with defaults."""
    data, source = load_yaml(text, filename)
    if not isinstance(data, dict):
        raise ConfigError(
            Problem(
                filename,
                "the file must be a YAML mapping (name: ..., image: ..., ...)",
                line=1,
                fix="start from examples/shop/djhelm.yaml",
            )
        )
    problems = schema_problems(data, source, filename)
    if problems:
        raise ConfigError(problems)
    full = with_defaults(data)
    # Valid against the schema the TypedDicts are generated from: from here on the data is typed.
    typed = cast("ConfigData", full)
    problems = semantic_problems(typed, source, filename)
    if problems:
        raise ConfigError(problems)
    return typed
