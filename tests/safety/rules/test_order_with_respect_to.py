"""AlterOrderWithRespectTo: adding or dropping the hidden _order column on an existing table."""

from __future__ import annotations

from pathlib import Path

from tests.safety.support import create_model, migration, run_check, write_project

PARENT = "('parent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='{app}.box'))"
OTHER = "('other', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to='{app}.box'))"


def _app(app: str, *changes: str, ordered: bool = False) -> dict[str, str]:
    initial = [create_model("Box"), create_model("Item", PARENT.format(app=app), OTHER.format(app=app))]
    if ordered:
        initial.append("migrations.AlterOrderWithRespectTo('item', 'parent')")
    return {
        "0001_initial": migration(*initial, initial=True),
        "0002_change": migration(*changes, deps=[(app, "0001_initial")]),
    }


def test_order_with_respect_to(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "start": _app("start", "migrations.AlterOrderWithRespectTo('item', 'parent')"),
        "stop": _app("stop", "migrations.AlterOrderWithRespectTo('item', None)", ordered=True),
        "switch": _app("switch", "migrations.AlterOrderWithRespectTo('item', 'other')", ordered=True),
        "fresh": {"0001_initial": migration(
            create_model("Box"), create_model("Item", PARENT.format(app="fresh")),
            "migrations.AlterOrderWithRespectTo('item', 'parent')", initial=True)},
    })
    result = run_check(tmp_path)
    assert result.phases["start.0002_change"] == "blocked"
    assert result.rules("start", "0002_change") == ["order-with-respect-to-add"]
    fix = result.verdict("start", "0002_change")["findings"][0]["fix"]
    assert 'ADD COLUMN "_order" integer DEFAULT 0 NOT NULL' in fix
    assert result.phases["stop.0002_change"] == "blocked"
    assert result.rules("stop", "0002_change") == ["order-with-respect-to-remove"]
    # moving the ordering to another field keeps the column: no SQL, no finding
    assert result.verdict("switch", "0002_change")["operations"] == ["any"]
    assert result.rules("switch", "0002_change") == []
    assert result.phases["fresh.0001_initial"] == "pre" and result.rules("fresh", "0001_initial") == []


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")).rstrip(",\n")


def test_printed_fixes_pass(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe"
    write_project(unsafe, {
        "start": _app("start", "migrations.AlterOrderWithRespectTo('item', 'parent')"),
        "stop": _app("stop", "migrations.AlterOrderWithRespectTo('item', None)", ordered=True),
    })
    first = run_check(unsafe)
    add_fix = first.verdict("start", "0002_change")["findings"][0]["fix"]
    stop_fix = first.verdict("stop", "0002_change")["findings"][0]["fix"]
    pre, post = stop_fix.split("# release N+1 (post): drop the column")
    stop = _app("stop", _code(pre), ordered=True)
    stop["0003_drop"] = migration(_code(post), deps=[("stop", "0002_change")])
    write_project(tmp_path / "fixed", {"start": _app("start", _code(add_fix)), "stop": stop})
    fixed = run_check(tmp_path / "fixed")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.phases == {"start.0001_initial": "pre", "start.0002_change": "pre",
                            "stop.0001_initial": "pre", "stop.0002_change": "pre", "stop.0003_drop": "post"}
