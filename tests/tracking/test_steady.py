"""Steadying the silhouette measures: a measure first seen starts where it was seen; one gone unseen holds; a stray
forearm reading is dropped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirror_app.tracking.silhouette import torso_length
from mirror_app.tracking.steady import ConstantWidth, FitInputSmoother

from ..generator import synthetic


@pytest.mark.parametrize("moving", [None, 1.0, 0.0])
def test_a_measure_first_seen_late_starts_at_its_value_not_from_zero(moving: float | None) -> None:
    """A forearm measured for the first time after a second unseen comes out at its width on that frame (fed zeros
    until then, the filter ramped up from 0: asl_book's one reading came out 26 px of 38, and narrowed the sleeve);
    the measures seen all along are untouched by it, and one unseen again keeps its last value. Moving or still
    picture alike."""
    smooth = FitInputSmoother()
    body = synthetic.body()
    if moving is not None:
        body = dataclasses.replace(body, motion=np.full(33, moving, np.float32))
    seen = np.array([[80.0, 82.0], [0.0, 0.0]])
    out = []
    for i in range(40):
        measured = seen.copy()
        if 30 <= i < 35:
            measured[1] = (38.0, 0.0)
        _, steady = smooth(dataclasses.replace(body, capture_ns=i * 33_333_333), measured)
        out.append(steady)
    assert (out[29][1] == 0).all()
    assert out[30][1, 0] == pytest.approx(38.0, abs=0.01), out[30]
    assert all(abs(o[1, 0] - 38.0) < 0.01 for o in out[30:]), [o[1, 0] for o in out[30:]]  # then held
    assert out[39][1, 1] == 0.0
    np.testing.assert_allclose(out[31][0], out[29][0], atol=0.01)


def test_a_forearm_reading_far_from_the_person_s_others_counts_as_unseen() -> None:
    """A forearm width far wider or narrower than the median of the person's earlier readings (either arm, in torso
    lengths) is dropped, as a ray across a bent elbow read on squats 6 and 31; readings near it pass, and so do the
    first few, which nothing yet judges."""
    gate = ConstantWidth()
    body = synthetic.body()
    length = torso_length(body)
    assert length > 50
    usual = 0.15 * length
    for _ in range(2):
        np.testing.assert_array_equal(gate(body, np.array([usual, usual])), [usual, usual])
    out = gate(body, np.array([0.25 * length, 1.1 * usual]))
    np.testing.assert_allclose(out, [0.0, 1.1 * usual], rtol=1e-6)  # wide one dropped, the other kept
    np.testing.assert_allclose(gate(body, np.array([0.0, 0.07 * length])), [0.0, 0.0])  # narrow one dropped
    near = np.array([0.8 * usual, 1.25 * usual])
    np.testing.assert_allclose(gate(body, near), near, rtol=1e-6)
    # Judged against the person's own readings: a bigger person (twice the torso) reads twice the px and passes.
    big = dataclasses.replace(body, landmarks_px=body.landmarks_px * np.array([2.0, 2.0, 1.0], np.float32))
    np.testing.assert_allclose(gate(big, np.array([2 * usual, 0.0])), [2 * usual, 0.0], rtol=1e-3)
    # A new person starts a new history: their first readings pass whatever they are.
    other = dataclasses.replace(body, person_id=body.person_id + 1)
    np.testing.assert_allclose(gate(other, np.array([0.25 * length, 0.0])), [0.25 * length, 0.0], rtol=1e-6)


def test_a_person_whose_first_forearm_readings_were_wrong_is_judged_by_their_own_after_a_few() -> None:
    """Every reading joins the history, dropped or not: three wide first readings are outvoted by the person's
    true width within a few frames, after which a wide one is the one dropped."""
    gate = ConstantWidth()
    body = synthetic.body()
    length = torso_length(body)
    wide, true = 0.25 * length, 0.15 * length
    for _ in range(3):
        gate(body, np.array([wide, 0.0]))
    passed = [gate(body, np.array([true, 0.0]))[0] > 0 for _ in range(5)]
    assert not passed[0] and passed[-1], passed
    assert gate(body, np.array([0.0, true]))[1] > 0
    for _ in range(4):
        gate(body, np.array([true, true]))
    assert gate(body, np.array([wide, 0.0]))[0] == 0.0
