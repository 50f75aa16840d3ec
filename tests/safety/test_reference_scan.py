"""The checker skips Django's field reference scan only where Django ignores its answer: a ProjectState
without rendered model classes. With rendered apps, Django's own answer stands (run in a subprocess:
it needs django.setup())."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import django
    from django.conf import settings
    settings.configure(INSTALLED_APPS=[], DATABASES={})
    django.setup()
    from django.db import models
    from django.db.migrations import state as state_module
    from django.db.migrations.state import ModelState, ProjectState
    from djhelm.safety.classify import _reference_scan_only_for_rendered_apps

    def build():
        state = ProjectState()
        state.add_model(ModelState("shop", "box", [("id", models.AutoField(primary_key=True))]))
        state.add_model(ModelState("shop", "item", [
            ("id", models.AutoField(primary_key=True)),
            ("box", models.ForeignKey("shop.box", models.CASCADE, to_field="id")),
        ]))
        return state

    field = ("id", build().models["shop", "box"].fields["id"])
    django_answer = state_module.field_is_referenced
    assert django_answer(build(), ("shop", "box"), field) is True
    with _reference_scan_only_for_rendered_apps():
        unrendered = build()
        assert state_module.field_is_referenced(unrendered, ("shop", "box"), field) is False
        rendered = build()
        rendered.apps  # renders the model classes
        assert state_module.field_is_referenced(rendered, ("shop", "box"), field) is True
    assert state_module.field_is_referenced is django_answer
    print("ok")
""")


def test_the_scan_is_skipped_only_without_rendered_apps() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
