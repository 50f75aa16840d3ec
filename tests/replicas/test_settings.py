"""The settings helper, weight parsing, weighted choice and the health bookkeeping, without a database."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError

from djhelm.runtime import db
from djhelm.runtime.replicas.health import ReplicaHealth
from djhelm.runtime.replicas.router import weighted_order

PRIMARY = "postgres://app:s3cret@primary.db:5432/shop"


def env(**values: str) -> dict[str, str]:
    return {"DATABASE_URL": PRIMARY, **values}


def test_primary_only_when_no_replicas_are_set() -> None:
    databases = db.databases_from_env(env())
    assert list(databases) == ["default"]
    assert databases["default"]["HOST"] == "primary.db"
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True
    assert db.replica_options_from_env(env())["weights"] == {}


def test_replicas_become_numbered_test_mirrors_with_a_connect_timeout() -> None:
    databases = db.databases_from_env(env(
        DATABASE_REPLICA_URLS="postgres://app:s3cret@r1.db/shop, postgres://app:s3cret@r2.db/shop?connect_timeout=9"))
    assert list(databases) == ["default", "replica_1", "replica_2"]
    assert databases["replica_1"]["HOST"] == "r1.db"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert databases["replica_1"]["OPTIONS"] == {"connect_timeout": 2}
    assert databases["replica_2"]["OPTIONS"] == {"connect_timeout": 9}  # the URL's own value wins
    assert "TEST" not in databases["default"]


def test_named_and_positional_weights() -> None:
    urls = "postgres://r1/shop,postgres://r2/shop"
    named = db.replica_options_from_env(env(DATABASE_REPLICA_URLS=urls,
                                            DATABASE_REPLICA_WEIGHTS="east=1, west=3"))
    assert named["weights"] == {"replica_1": 1, "replica_2": 3}
    assert named["names"] == {"replica_1": "east", "replica_2": "west"}
    positional = db.replica_options_from_env(env(DATABASE_REPLICA_URLS=urls, DATABASE_REPLICA_WEIGHTS="0,2"))
    assert positional["weights"] == {"replica_1": 0, "replica_2": 2}
    default = db.replica_options_from_env(env(DATABASE_REPLICA_URLS=urls))
    assert default["weights"] == {"replica_1": 1, "replica_2": 1}


def test_timings_from_env_and_overrides() -> None:
    options = db.replica_options_from_env(env(DJHELM_REPLICA_PIN_SECONDS="2.5"), max_lag_seconds=3)
    assert options["pin_seconds"] == 2.5
    assert options["max_lag_seconds"] == 3
    assert options["cooloff_seconds"] == db.TUNING_ENV["DJHELM_REPLICA_COOLOFF_SECONDS"][1]


@pytest.mark.parametrize(("values", "names_var", "mentions"), [
    ({"DATABASE_URL": ""}, "DATABASE_URL", "is not set"),
    ({"DATABASE_URL": "primary.db:5432/shop"}, "DATABASE_URL", "is not a database URL"),
    ({"DATABASE_REPLICA_URLS": "postgres://r1/shop,"}, "DATABASE_REPLICA_URLS", "entry 2 is empty"),
    ({"DATABASE_REPLICA_URLS": "postgres://u:hunter2@r1:notaport/shop"}, "DATABASE_REPLICA_URLS",
     "entry 1"),
    ({"DATABASE_REPLICA_URLS": "mysql://r1/shop"}, "DATABASE_REPLICA_URLS", "same URL scheme"),
])
def test_malformed_urls_name_the_variable_and_the_fix(values: dict[str, str], names_var: str,
                                                       mentions: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        db.databases_from_env(env(**values))
    message = str(error.value)
    assert message.startswith(names_var)
    assert mentions in message
    assert "Fix:" in message
    assert "s3cret" not in message and "hunter2" not in message


@pytest.mark.parametrize(("weights", "mentions"), [
    ("1", "1 weight(s) for 2 replica URL(s)"),
    ("a=1,2", "mixes name=weight and bare weights"),
    ("a=1,b=-1", "whole number >= 0"),
    ("a=1,b=x", "whole number >= 0"),
    ("a=1,a=2", "names repeat"),
    ("=1,b=2", "no valid replica name"),
])
def test_malformed_weights(weights: str, mentions: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        db.replica_options_from_env(env(DATABASE_REPLICA_URLS="postgres://r1/s,postgres://r2/s",
                                        DATABASE_REPLICA_WEIGHTS=weights))
    assert str(error.value).startswith("DATABASE_REPLICA_WEIGHTS")
    assert mentions in str(error.value)


def test_bad_timing_value() -> None:
    with pytest.raises(ImproperlyConfigured, match="DJHELM_REPLICA_MAX_LAG_SECONDS='soon'"):
        db.replica_options_from_env(env(DJHELM_REPLICA_MAX_LAG_SECONDS="soon"))


def test_redact_hides_only_the_password() -> None:
    assert db.redact("postgres://app:s3cret@h:5432/db") == "postgres://app:***@h:5432/db"
    assert db.redact("postgres://h/db") == "postgres://h/db"


def test_weighted_order_follows_the_weights_and_skips_zero() -> None:
    rng = random.Random(7)
    firsts = Counter(weighted_order({"replica_1": 1, "replica_2": 3, "replica_3": 0}, rng)[0]
                     for _ in range(4000))
    assert set(firsts) == {"replica_1", "replica_2"}
    assert 0.70 < firsts["replica_2"] / 4000 < 0.80
    assert sorted(weighted_order({"a": 1, "b": 1}, rng)) == ["a", "b"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def health_with(lags: list[float | Exception]) -> tuple[ReplicaHealth, FakeClock, list[str]]:
    clock = FakeClock()
    calls: list[str] = []

    def measure(alias: str, primary: str) -> float:
        calls.append(alias)
        result = lags.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    return ReplicaHealth(clock=clock, measure=measure), clock, calls


LIMITS = {"max_lag_seconds": 5.0, "check_seconds": 2.0, "cooloff_seconds": 10.0}


def test_health_checks_at_most_every_check_seconds() -> None:
    health, clock, calls = health_with([0.0, 0.0])
    assert health.usable("r", "default", **LIMITS)
    clock.now += 1.9
    assert health.usable("r", "default", **LIMITS)
    assert calls == ["r"]
    clock.now += 0.1
    assert health.usable("r", "default", **LIMITS)
    assert calls == ["r", "r"]


def test_unreachable_replica_sits_out_the_cooloff_then_is_checked_again() -> None:
    health, clock, calls = health_with([OperationalError("connection refused"), 0.0])
    assert not health.usable("r", "default", **LIMITS)
    assert "unreachable" in health.status()["r"]
    clock.now += 9.9
    assert not health.usable("r", "default", **LIMITS)
    assert calls == ["r"]
    clock.now += 0.1
    assert health.usable("r", "default", **LIMITS)
    assert health.status() == {"r": "ok"}


def test_lag_is_bounded_by_the_last_time_the_replica_was_caught_up() -> None:
    # caught up at t=100; then behind with an old last-replayed commit (idle primary): 3s since caught up
    health, clock, _ = health_with([0.0, 3600.0, 3600.0])
    assert health.usable("r", "default", **LIMITS)
    clock.now += 3
    assert health.usable("r", "default", **LIMITS)
    clock.now += 3   # still behind 6s after it was last caught up: over the 5s limit
    assert not health.usable("r", "default", **LIMITS)
    assert "lags 6.0s" in health.status()["r"]


def test_unknown_lag_counts_as_lagging() -> None:
    health, _, _ = health_with([math.inf])
    assert not health.usable("r", "default", **LIMITS)


def test_other_threads_use_the_primary_while_a_due_check_runs() -> None:
    """Under threads, the thread that claims a due check probes; the others must not keep trusting the
    expired result meanwhile (with 4 threads a lagging replica used to serve 14 of 1,370 reads)."""
    import threading

    clock = FakeClock()
    probing, release = threading.Event(), threading.Event()
    lags = [0.0, 60.0]

    def measure(alias: str, primary: str) -> float:
        if len(lags) == 1:
            probing.set()
            assert release.wait(10)
        return lags.pop(0)

    health = ReplicaHealth(clock=clock, measure=measure)
    assert health.usable("r", "default", **LIMITS)
    clock.now += LIMITS["max_lag_seconds"] + 1  # the check is due, and the replica now lags past the limit
    answers: list[bool] = []
    prober = threading.Thread(target=lambda: answers.append(health.usable("r", "default", **LIMITS)))
    prober.start()
    assert probing.wait(10)
    others = [health.usable("r", "default", **LIMITS) for _ in range(5)]
    release.set()
    prober.join(10)
    assert others == [False] * 5
    assert answers == [False]  # the probe found 60 s of lag
    assert "lags" in health.status()["r"]


def test_a_failing_probe_does_not_leave_the_replica_claimed_forever() -> None:
    health, clock, calls = health_with([RuntimeError("bug in a probe"), 0.0])
    with pytest.raises(RuntimeError):
        health.usable("r", "default", **LIMITS)
    clock.now += LIMITS["check_seconds"]
    assert health.usable("r", "default", **LIMITS)
    assert calls == ["r", "r"]


def _skips(replica: str, reason: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value("djhelm_replica_skips_total", {"replica": replica, "reason": reason})
    return value or 0.0


def test_each_time_a_replica_leaves_rotation_is_counted_by_reason() -> None:
    """djhelm_replica_skips_total: what the dashboard's replica panel reads."""
    health, clock, _ = health_with([60.0, OperationalError("connection refused"), 0.0])
    before = {reason: _skips("counted", reason) for reason in ("lag", "unreachable", "failed")}
    assert not health.usable("counted", "default", **LIMITS)  # lags 60 s
    clock.now += LIMITS["cooloff_seconds"]
    assert not health.usable("counted", "default", **LIMITS)  # refused
    clock.now += LIMITS["cooloff_seconds"]
    assert health.usable("counted", "default", **LIMITS)  # back: nothing counted
    health.mark_down("counted", "query failed: x", 1.0)
    after = {reason: _skips("counted", reason) for reason in before}
    assert {reason: after[reason] - before[reason] for reason in before} == {
        "lag": 1, "unreachable": 1, "failed": 1}
