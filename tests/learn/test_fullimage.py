"""The bring-your-own-network contract, run with a small random network of that shape."""

from __future__ import annotations

import numpy as np
import pytest

from mirror_app.generator.build import build_model
from mirror_app.learn.fullimage import FullImageModelError, FullImageTryOn, TryOnRenderer, garment_inputs
from mirror_app.learn.tiny_tryon import tiny_tryon_onnx
from mirror_app.tracking.body import Body
from tests.generator.synthetic import tee
from tests.learn.synthetic import draw, person


@pytest.fixture(scope="module")
def network() -> bytes:
    return tiny_tryon_onnx(height=128, width=96)


def _scene(brightness: float = 1.0) -> tuple[np.ndarray, Body]:
    b = person(40.0)
    image, mask = draw(b, 40.0)
    image = np.clip(image.astype(np.float32) * brightness, 0, 255).astype(np.uint8)
    return image, Body(b.landmarks_px, b.world, mask, b.frame_size, 0, 0)


def test_result_changes_only_inside_the_person(network: bytes) -> None:
    tryon = FullImageTryOn(network)
    assert tryon.size == (96, 128)
    image, body = _scene()
    out = tryon(image, body, tee())
    assert out.shape == image.shape and out.dtype == np.uint8
    outside = body.mask == 0
    np.testing.assert_array_equal(out[outside], image[outside])
    inside = body.mask > 0.5
    assert np.abs(out[inside].astype(int) - image[inside]).mean() > 1.0


def test_temporal_blending_eases_changes(network: bytes) -> None:
    first, body = _scene(1.0)
    second, _ = _scene(0.6)
    garment = tee()
    fresh_first = FullImageTryOn(network)(first, body, garment)
    fresh_second = FullImageTryOn(network)(second, body, garment)
    tryon = FullImageTryOn(network)
    tryon(first, body, garment)
    blended = tryon(second, body, garment)
    inside = body.mask > 0.5
    lo, mid, hi = (float(x[inside].mean()) for x in (fresh_second, blended, fresh_first))
    assert lo + 5 < mid < hi - 5


def test_nobody_tracked_leaves_the_frame_alone(network: bytes) -> None:
    image, body = _scene()
    hidden = body.landmarks_px.copy()
    hidden[:, 2] = 0.0
    gone = Body(hidden, body.world, body.mask, body.frame_size, 0, 0)
    renderer = TryOnRenderer(FullImageTryOn(network), tee(), mirror=True)
    np.testing.assert_array_equal(renderer.render(image, gone), image[:, ::-1])
    np.testing.assert_array_equal(renderer.render(image, None), image[:, ::-1])


def test_garment_is_letterboxed_on_white() -> None:
    cloth, mask = garment_inputs(tee(), (96, 128))
    assert cloth.shape == (1, 3, 128, 96) and mask.shape == (1, 1, 128, 96)
    assert cloth[0, :, 0, 0].tolist() == [1.0, 1.0, 1.0] and mask[0, 0, 0, 0] == 0.0
    assert mask.max() == 1.0


def test_a_model_of_another_shape_is_refused_with_the_contract() -> None:
    with pytest.raises(FullImageModelError, match="must read person, garment, garment_mask"):
        FullImageTryOn(build_model().SerializeToString())
    with pytest.raises(FullImageModelError, match="cannot be loaded"):
        FullImageTryOn(b"junk")
