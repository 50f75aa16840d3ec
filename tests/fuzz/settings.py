"""How hard the fuzz suite tries: bounded for CI, longer on request.

The runs are derandomized (Hypothesis draws the same examples every time from a fixed seed) and keep no
example database, so CI sees the same inputs on every machine; a failure found by a longer run is copied into
the checked-in corpus (tests/fuzz/corpus/) where every CI run replays it. `DJHELM_FUZZ_EXAMPLES=2000`
asks each fuzz test for that many examples instead (a few minutes per CLI on 2 cores).
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).resolve().parent / "corpus"
LONG_RUN = int(os.environ.get("DJHELM_FUZZ_EXAMPLES", "0"))


def fuzz_settings(ci_examples: int) -> settings:
    return settings(
        max_examples=LONG_RUN or ci_examples,
        derandomize=not LONG_RUN,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# Characters that broke something once, or that YAML, JSON, Go templates, terminals or shells treat
# specially; mixed with arbitrary code points (lone surrogates included) by `hostile_text`.
SPECIAL = [
    *"\x00\x01\x07\x08\t\n\r\x1b\x7f\x80\x85\x9f\xa0\u2028\u2029\ufeff\ufffe\uffff\ud800\udfff",
    *"{}[]$\"'\\:#&*!|>%@`,?-~=<;()/ ",
    *["{{", "}}", "{{-", "-}}", "$(", "${", "\\u", "\\x", "---", "...", "<<", "!!", "\U0001f680", "0x1f"],
]

hostile_text = st.lists(
    st.one_of(
        st.sampled_from(SPECIAL),
        st.characters(codec=None, exclude_categories=()),
        st.text(max_size=4),
    ),
    max_size=12,
).map("".join)
