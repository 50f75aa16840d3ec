"""The pure parts of the runtime: phase planning over a graph, settings parsing, backoff, SQLSTATE lookup."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pytest

from djhelm.runtime.guards import backoff_ms, is_lock_timeout, sqlstate
from djhelm.runtime.migration_settings import ConfigError, GuardConfig, load_config, parse_duration_ms
from djhelm.runtime.phases import Key, build_plan
from djhelm.safety.model import Finding, MigrationVerdict

A1, A2, A3, A4 = ("a", "0001"), ("a", "0002"), ("a", "0003"), ("a", "0004")
B1 = ("b", "0001")


def classifier(phases: dict[Key, str]):  # type: ignore[no-untyped-def]
    def classify(keys: Collection[Key]) -> Iterable[MigrationVerdict]:
        return [
            MigrationVerdict(
                app,
                name,
                phases[(app, name)],  # type: ignore[arg-type]
                (Finding("r", "error", 0, "unsafe", "do this"),) if phases[(app, name)] == "blocked" else (),
            )
            for app, name in keys
            if (app, name) in phases
        ]

    return classify


def chain(*keys: Key) -> dict[Key, list[Key]]:
    return {key: ([keys[i - 1]] if i else []) for i, key in enumerate(keys)}


ELSEWHERE = {("z", "0001")}  # something is applied: not a first install


def test_pre_stops_before_the_first_post_and_defers_what_follows() -> None:
    phases = {A1: "pre", A2: "post", A3: "pre"}
    plan = build_plan([A1, A2, A3], chain(A1, A2, A3), ELSEWHERE, classifier(phases))
    assert [(s.name, s.run_in) for s in plan.steps] == [("0001", "pre"), ("0002", "post"), ("0003", "post")]
    assert "depends on a.0002" in plan.steps[2].reason
    assert plan.errors == ()  # a.0002 waits on a.0001, pending in this very run: the same release


def test_pre_behind_an_earlier_releases_contract_is_an_error() -> None:
    parents = chain(A1, A2, A3, A4)
    plan = build_plan([A2, A3, A4], parents, {A1}, classifier({A2: "post", A3: "post", A4: "pre"}))
    assert [s.run_in for s in plan.steps] == ["post", "post", "post"]
    assert len(plan.errors) == 1
    assert (
        "a.0004 (pre) depends on a.0002 (post)" in plan.errors[0] and "migrate_phase post" in plan.errors[0]
    )


def test_other_branches_keep_running_in_pre() -> None:
    parents = {A1: [], A2: [A1], B1: [A1]}
    plan = build_plan([A1, A2, B1], parents, ELSEWHERE, classifier({A1: "pre", A2: "post", B1: "pre"}))
    assert plan.as_dict()["pre"] == ["a.0001", "b.0001"]


def test_a_first_install_runs_contract_migrations_in_pre_but_still_refuses_blocked_ones() -> None:
    phases = {A1: "pre", A2: "post", A3: "pre", B1: "blocked"}
    parents = {**chain(A1, A2, A3), B1: [A3]}
    plan = build_plan([A1, A2, A3, B1], parents, set(), classifier(phases))
    assert [s.run_in for s in plan.steps] == ["pre", "pre", "pre", "refused"]
    assert plan.errors == () and "first install" in plan.steps[1].reason


def test_unjudged_migrations_are_trusted_as_pre_and_blocked_ones_refuse() -> None:
    plan = build_plan(
        [B1, A1, A2], {B1: [], A1: [B1], A2: [A1]}, set(), classifier({A1: "blocked", A2: "pre"})
    )
    first, blocked, behind = plan.steps
    assert (first.run_in, first.judged, first.reason) == ("pre", False, "third-party app: trusted as pre")
    assert blocked.run_in == "refused" and "unsafe Fix: do this" in blocked.reason
    assert behind.run_in == "refused" and "blocked a.0001" in behind.reason


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("200ms", 200),
        ("5s", 5000),
        ("15min", 900_000),
        ("1h", 3_600_000),
        ("1.5s", 1500),
        ("0", 0),
        (3, 3000),
    ],
)
def test_durations(text: object, ms: int) -> None:
    assert parse_duration_ms(text, "x") == ms


def test_environment_overrides_settings_and_bad_values_name_their_source() -> None:
    config = load_config({"LOCK_TIMEOUT": "2s", "LOCK_RETRIES": 3}, {"DJHELM_LOCK_TIMEOUT": "250ms"})
    assert (config.lock_timeout_ms, config.lock_retries) == (250, 3)
    assert load_config(None, {}) == GuardConfig()
    with pytest.raises(ConfigError, match="environment variable DJHELM_STATEMENT_TIMEOUT"):
        load_config(None, {"DJHELM_STATEMENT_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match=r"DJHELM_MIGRATIONS\['LOCK_TIMOUT'\]: unknown key"):
        load_config({"LOCK_TIMOUT": "1s"}, {})
    with pytest.raises(ConfigError, match="expected a dict"):
        load_config(["LOCK_TIMEOUT"], {})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="THIRD_PARTY"):
        load_config({"THIRD_PARTY": "trust"}, {})


def test_phases_list_files_the_project_cannot_edit() -> None:
    config = load_config({"PHASES": {"taggit.0004_alter": "post", "auth.0011_update": "pre"}}, {})
    assert config.phases == {("taggit", "0004_alter"): "post", ("auth", "0011_update"): "pre"}
    assert load_config(None, {}).phases == {}
    with pytest.raises(ConfigError, match=r"\['PHASES'\]\['taggit\.0004'\]: 'soon' is not 'pre' or 'post'"):
        load_config({"PHASES": {"taggit.0004": "soon"}}, {})
    with pytest.raises(ConfigError, match=r"is not 'app_label\.migration_name'"):
        load_config({"PHASES": {"taggit": "post"}}, {})


def test_backoff_doubles_up_to_the_cap() -> None:
    config = GuardConfig(retry_delay_ms=100, retry_max_delay_ms=350)
    assert [backoff_ms(config, n) for n in (1, 2, 3, 4)] == [100, 200, 350, 350]


def test_sqlstate_is_found_on_the_driver_error_behind_djangos() -> None:
    class DriverError(Exception):
        sqlstate = "55P03"

    try:
        try:
            raise DriverError("canceling statement due to lock timeout")
        except DriverError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert sqlstate(outer) == "55P03" and is_lock_timeout(outer)
    assert not is_lock_timeout(ValueError("x"))


def test_postgresql_timeouts_read_a_bare_number_as_milliseconds_like_postgresql() -> None:
    config = load_config({"LOCK_TIMEOUT": 250, "STATEMENT_TIMEOUT": "1d", "RETRY_DELAY": 2}, {})
    assert config.lock_timeout_ms == 250 and config.statement_timeout_ms == 86_400_000
    assert config.retry_delay_ms == 2000
