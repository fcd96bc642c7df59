"""Property-based tests of the draw and its verification on random frames (hypothesis).

- The draw is a pure function of the secret, the public value and the committed inputs:
  the same ones give the same result, whatever order the frame's rows come in; it
  draws exactly the units asked for (or every forced one), with known π.
- ``verify`` accepts exactly the untampered outputs: a cycle committed and drawn
  verifies, and one byte changed anywhere in a published file or in the log fails.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.sampling import VerificationError, draw, verify
from audit.sampling.commit import commit, inputs_sha256
from audit.sampling.draw import build_result
from audit.sampling.log import LOG_NAME
from audit.sampling.params import COMPONENTS, check_params
from audit.sampling.risk import risk_table
from audit.sampling.seal import commitment
from audit.sampling.units import frame_rows, frame_table, units_body

T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)
UNIT_IDS = st.from_regex(r"[A-Z]{2}[0-9]{2}", fullmatch=True)


@st.composite
def frames(draw_):
    """A random eligible frame, parameters, history and unit count."""
    ids = draw_(st.lists(UNIT_IDS, min_size=2, max_size=18, unique=True))
    n = len(ids)
    rate = st.floats(0, 1, allow_nan=False)
    measured = pd.DataFrame({"unit_id": ids, "name": [f"Unit {u}" for u in ids], "level": "regional",
                             "cases_total": draw_(st.lists(st.integers(1, 5000), min_size=n, max_size=n)),
                             "open_cases": draw_(st.lists(st.integers(0, 5000), min_size=n, max_size=n))})
    for c in COMPONENTS:
        measured[c] = draw_(st.lists(rate, min_size=n, max_size=n))
    params = check_params({"units": {"floor": draw_(st.floats(0.01, 2)),
                                     "coverage_cycles": draw_(st.integers(1, 3))}})
    earlier = draw_(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=4))
    history = {"cycles": [{"cycle": f"h{k}", "as_of": f"2026-0{k + 1}-01", "drawn_at": f"2026-0{k + 1}-02T00:00:00Z",
                           "selected": sorted(sel)} for k, sel in enumerate(earlier)],
               "external": [], "file": None}
    count = draw_(st.integers(1, n))
    return frame_rows(risk_table(measured, params["units"])), params, history, count


def _doc(rows, params, history, count, secret: bytes) -> dict:
    inputs = {"kind": "units", "cycle": "p", "unit": None, "as_of": "2026-10-15", "params": params,
              "request": {"kind": "units", "cycle": "p", "count": count}, "history": history,
              "committed_at": "2026-11-03T08:00:00.000000Z", "earliest_draw": "2026-11-04T08:00:00.000000Z",
              "public": {"source": "xsmb", "round": "2026-11-04"},
              "frame": rows}
    digest = inputs_sha256(inputs)
    return {"inputs": inputs, "inputs_sha256": digest, "commitment": commitment(secret, digest)}


SECRETS = st.binary(min_size=32, max_size=32)
VALUES = st.from_regex(r"[0-9]{5}", fullmatch=True)


@settings(max_examples=100, deadline=None, database=None)
@given(frames(), SECRETS, VALUES, st.randoms(use_true_random=False))
def test_the_draw_is_a_pure_function_of_secret_public_value_and_inputs(frame, secret, value, random):
    rows, params, history, count = frame
    doc = _doc(rows, params, history, count, secret)
    line = {"seq": 1, "hash": "0" * 64}
    first = build_result(doc, line, secret, value, "2026-11-05T00:00:00.000000Z")
    assert first == build_result(_doc(rows, params, history, count, secret), line, secret, value,
                                 "2026-11-05T00:00:00.000000Z")
    seed = bytes.fromhex(first["seed"])
    shuffled = rows[:]
    random.shuffle(shuffled)
    again = units_body(frame_table(shuffled), count, history, params, seed)
    assert again["selected"] == first["selected"] or sorted(again["selected"]) == sorted(first["selected"])
    by_unit = {r["unit_id"]: r for r in first["units"]}
    assert {r["unit_id"]: r["pi"] for r in again["units"]} == {u: r["pi"] for u, r in by_unit.items()}
    # Exactly the units asked for, or every unit the coverage rule forces in.
    forced = set(first["coverage"]["forced"])
    assert len(first["selected"]) == max(count, len(forced)) and forced <= set(first["selected"])
    assert all(r["selected"] for r in first["units"] if r["pi"] >= 1 - 1e-9)
    if len(forced) <= count:
        assert sum(r["pi"] for r in first["units"]) == pytest.approx(max(count, len(forced)))


def _published(folder: Path) -> list[Path]:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and "sealed" not in p.parts]
    return files + [folder.parent / LOG_NAME]


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), VALUES, st.booleans(), st.data())
def test_verify_accepts_exactly_the_untampered_outputs(frame, value, tamper, data):
    rows, params, history, count = frame
    request = {"kind": "units", "cycle": "p", "source": "synthetic", "as_of": "2026-10-15", "count": count,
               "rule_params": None, "history_file": None}
    extra = {"fingerprint": "f" * 64, "rules_sha256": "e" * 64, "history": history, "history_file_sha256": None}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        commit(folder, kind="units", unit=None, request=request, params=params, prepare=lambda: (extra, rows),
               now=T0)
        result = draw(folder, public_value=value, now=T0 + dt.timedelta(days=2))
        assert result["status"] == "drawn" and len(result["selected"]) >= count
        if not tamper:
            assert [v.selected for v in verify(folder).draws] == [result["selected"]]
            return
        path = data.draw(st.sampled_from(_published(folder)))
        raw = bytearray(path.read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]))
        path.write_bytes(bytes(raw))
        with pytest.raises(VerificationError) as info:
            verify(folder)
        assert "\n" not in str(info.value)
