"""Run by `djhelm rehearse` in a release's own Python and folder (it imports nothing from djhelm, which that
environment may not have): `fill --rows N` puts rows in every concrete model of the project's own apps;
`loop --rate R` reads every field of, inserts, updates and deletes rows of each model in turn, printing one
JSON line per operation, until SIGTERM. Rows come from model-bakery."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _models() -> list[Any]:
    import django
    from django.apps import apps

    django.setup()
    here = Path.cwd().resolve()
    found = []
    for config in apps.get_app_configs():
        if not Path(config.path).resolve().is_relative_to(here):
            continue  # Django's and third-party apps: not this project's schema
        for model in config.get_models():
            meta = model._meta
            if meta.managed and not meta.proxy and not meta.auto_created and not meta.abstract:
                found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def fill(rows: int) -> None:
    models = _models()  # sets Django up: model_bakery needs the app registry when imported
    from model_bakery import baker

    for model in models:
        missing = rows - model._default_manager.count()
        if missing > 0:
            baker.make(model, _quantity=missing, _bulk_create=True)
    print(
        f"filled {len(models)} model(s) to {rows} row(s) each: " + ", ".join(m._meta.label for m in models),
        flush=True,
    )


def loop(rate: float) -> None:
    models = _models()
    from django.db import DatabaseError, connection
    from model_bakery import baker

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    if not models:
        print(json.dumps({"op": "none", "model": "-", "ok": True, "ms": 0}), flush=True)
        return
    interval = 1.0 / rate if rate > 0 else 0.0
    turn = 0
    while not stopping:
        model = models[turn % len(models)]
        turn += 1
        created: Any = None
        for op in ("read", "insert", "update", "delete"):
            if stopping:
                break
            began = time.monotonic()
            try:
                if op == "read":
                    list(model._default_manager.order_by("-pk")[:10])  # every concrete field
                elif op == "insert":
                    created = baker.make(model)
                elif op == "update" and created is not None:
                    created.save()  # an UPDATE naming every column this code knows
                elif op == "delete" and created is not None:
                    created.delete()
                else:
                    continue
                ok, error = True, ""
            except DatabaseError as exc:
                ok, error = False, _first_line(exc)
                connection.close()  # a broken session must not poison the next operation
            except Exception as exc:
                ok, error = False, _first_line(exc)
            ms = (time.monotonic() - began) * 1000
            print(
                json.dumps(
                    {"op": op, "model": model._meta.label, "ok": ok, "ms": round(ms, 2), "error": error}
                ),
                flush=True,
            )
            time.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    fill_parser = sub.add_parser("fill")
    fill_parser.add_argument("--rows", type=int, required=True)
    loop_parser = sub.add_parser("loop")
    loop_parser.add_argument("--rate", type=float, default=10)
    args = parser.parse_args()
    # run as a script, this file's folder comes first on sys.path: the project's folder takes its place
    here = Path(__file__).resolve().parent
    sys.path[:] = [os.getcwd(), *(p for p in sys.path if p and Path(p).resolve() != here)]
    if args.action == "fill":
        fill(args.rows)
    else:
        loop(args.rate)


if __name__ == "__main__":
    main()
