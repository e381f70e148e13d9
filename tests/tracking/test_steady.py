"""Steadying the silhouette measures: a measure first seen starts where it was seen; one gone unseen holds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirror_app.tracking.steady import FitInputSmoother

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
