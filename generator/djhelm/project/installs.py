"""What a project's image installs, as far as its files say: requirement files, pyproject.toml, setup.cfg,
Pipfile, lock files, and the Dockerfile's own `pip install` lines. Used to tell a user that the server the
chart runs is not in the image."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path
from typing import Any

from djhelm.errors import InputError
from djhelm.project.dockerfile import dockerfile_lines
from djhelm.userfile import read_regular_file

_LIMIT = 2_000_000
_FILE_OPTIONS = ("-r", "-c", "-e", "--requirement", "--constraint", "--editable")
_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "Pipfile", "uv.lock", "poetry.lock")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PIP_INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|python\s+-m\s+pip)\s+install\s+(?P<args>.*)", re.IGNORECASE)


def normalized(name: str) -> str:
    """PEP 503: `Django_Prometheus` and `django-prometheus` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-") or "://" in line or line.startswith((".", "/")):
        return None
    match = _NAME.match(line)
    return normalized(match.group(1)) if match else None


def _read(path: Path) -> str | None:
    try:
        return read_regular_file(path, _LIMIT, path.name).decode("utf-8", errors="replace")
    except (InputError, OSError):
        return None


def _from_toml(path: Path, text: str) -> set[str]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return set()
    names: set[str] = set()
    if path.name in ("uv.lock", "poetry.lock"):
        packages = data.get("package", [])
        return {normalized(str(p["name"])) for p in packages if isinstance(p, dict) and "name" in p}
    if path.name == "Pipfile":
        for section in ("packages", "dev-packages"):
            names.update(normalized(str(key)) for key in data.get(section, {}))
        return names
    project = data.get("project", {})
    groups = [project.get("dependencies", []), *project.get("optional-dependencies", {}).values(),
              *data.get("dependency-groups", {}).values()]
    for group in groups:
        names.update(n for item in group if isinstance(item, str) and (n := _requirement_name(item)))
    poetry = data.get("tool", {}).get("poetry", {})
    names.update(normalized(str(key)) for key in poetry.get("dependencies", {}))
    for group in poetry.get("group", {}).values():
        names.update(normalized(str(key)) for key in group.get("dependencies", {}))
    return names


def _from_setup_cfg(text: str) -> set[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
        requires = parser.get("options", "install_requires", fallback="")
    except configparser.Error:
        return set()
    return {n for line in requires.splitlines() if (n := _requirement_name(line))}


def _from_dockerfile(root: Path) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    files: list[str] = []
    for path, lines in dockerfile_lines(root):
        found = False
        for _, line in lines:
            for command in re.split(r"&&|\|\||;", line):
                match = _PIP_INSTALL.search(command)
                if not match:
                    continue
                found = True
                words = match.group("args").replace("\\", " ").split()
                for previous, word in zip(["", *words], words, strict=False):
                    word = word.strip("\"'")
                    if previous in _FILE_OPTIONS or word.endswith(".txt"):
                        continue  # a file (its names are read from the file itself), not a name
                    if (name := _requirement_name(word)) is not None:
                        names.add(name)
        if found:
            files.append("Dockerfile" if path.parent == root else "../Dockerfile")
    return names, files


def image_installs(root: Path) -> tuple[set[str], list[str]] | None:
    """(distribution names, files they came from) for the project in ``root`` and the folder above it (a
    `src/` layout keeps pyproject.toml there); None when no such file exists."""
    names: set[str] = set()
    files: list[str] = []
    for folder, prefix in ((root, ""), (root.parent, "../")):
        candidates = [*sorted(folder.glob("requirements*.txt")), *sorted(folder.glob("requirements/*.txt"))]
        candidates += [folder / name for name in _PROJECT_FILES]
        for path in candidates:
            if not path.is_file() or (text := _read(path)) is None:
                continue
            if path.suffix == ".txt":
                names.update(n for line in text.splitlines() if (n := _requirement_name(line)))
            elif path.name == "setup.cfg":
                names.update(_from_setup_cfg(text))
            else:
                names.update(_from_toml(path, text))
            files.append(prefix + str(path.relative_to(folder)))
    docker_names, docker_files = _from_dockerfile(root)
    names.update(docker_names)
    files.extend(docker_files)
    return (names, files) if files else None
