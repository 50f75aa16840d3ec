"""Reading shell command lines the way a shell splits them: a Procfile `web:` line, a Dockerfile CMD, a
container's `sh -c` script. Shared by init (what the project runs) and validate (what a pod runs)."""

from __future__ import annotations

import shlex


def shell_commands(text: str) -> list[list[str]]:
    """The simple commands of a shell line (`a && b; exec c`), each split into words; [] if unparsable."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return []
    commands: list[list[str]] = [[]]
    for word in words:
        if word and set(word) <= set(";&|"):
            commands.append([])
        else:
            commands[-1].append(word)
    return [command for command in commands if command]


def runs_migrate(argv: list[str]) -> bool:
    """`manage.py migrate` (or `django-admin migrate`) that applies migrations: `--check` and `--plan` only
    read, and `migrate_phase wait` only waits."""
    django = any(word.endswith("manage.py") for word in argv) or "django-admin" in argv
    return django and "migrate" in argv and not {"--check", "--plan"} & set(argv)
