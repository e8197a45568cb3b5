"""The see-through repair oldphoto applies after inpainting: a translucent stain gives back the
photo under it, opaque and thin marks keep their fill, nothing outside the mask changes."""
from __future__ import annotations

import cv2
import numpy as np

from restorer.see_through import SeeThrough, inverse_map, see_through

BROWN = np.array([0.7, 0.5, 0.3], np.float32)


def textured(h: int = 160, w: int = 200) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.clip(cv2.GaussianBlur(rng.random((h, w, 3)).astype(np.float32), (0, 0), 1.5) * 2 - 0.5, 0, 1)


def stained(photo: np.ndarray, mask: np.ndarray, opacity: float) -> np.ndarray:
    out = photo.copy()
    out[mask] = photo[mask] * (1 - opacity) + BROWN * opacity
    return out


def telea(scan: np.ndarray, mask: np.ndarray) -> np.ndarray:
    u8 = cv2.inpaint(np.rint(scan * 255).astype(np.uint8), mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return u8.astype(np.float32) / 255


def blob() -> np.ndarray:
    mask = np.zeros((160, 200), bool)
    cv2.ellipse(mask.view(np.uint8), (100, 80), (60, 40), 0, 0, 360, 1, -1)
    return mask


def test_a_translucent_stain_gives_back_the_photo_under_it():
    photo, mask = textured(), blob()
    scan = stained(photo, mask, 0.4)
    fill = telea(scan, mask)
    deep = cv2.erode(mask.astype(np.uint8), np.ones((13, 13), np.uint8)).astype(bool)  # past the blend band
    err_fill = np.abs(fill - photo)[deep].mean()
    err_out = np.abs(see_through(scan, fill, mask) - photo)[deep].mean()
    assert err_out < 0.5 * err_fill, (err_out, err_fill)  # the texture is back, not a smooth guess
    # the fine detail at full gain (the default holds it lower, as it carries the scan's grain): near exact
    exact = see_through(scan, fill, mask, SeeThrough(detail_power=1.0))
    assert np.abs(exact - photo)[deep].mean() < 0.15 * err_fill


def test_outside_the_mask_the_fill_is_kept_bit_for_bit():
    photo, mask = textured(), blob()
    scan = stained(photo, mask, 0.4)
    fill = telea(scan, mask)
    out = see_through(scan, fill, mask)
    assert np.array_equal(out[~mask], fill[~mask])


def test_an_opaque_mark_keeps_its_fill():
    photo, mask = textured(), blob()
    scan = stained(photo, mask, 1.0)  # paint loss: nothing of the photo shows through
    fill = telea(scan, mask)
    assert np.array_equal(see_through(scan, fill, mask), fill)


def test_a_thin_mark_keeps_its_fill_even_when_translucent():
    photo = textured()
    mask = np.zeros(photo.shape[:2], bool)
    mask[40:44, 10:190] = True  # 4 px wide: all edge band, no inside to see through
    scan = stained(photo, mask, 0.4)
    fill = telea(scan, mask)
    assert np.array_equal(see_through(scan, fill, mask, SeeThrough(band=2)), fill)


def test_inverse_map_undoes_an_even_stain_and_never_adds_contrast():
    rng = np.random.default_rng(1)
    under = rng.random((500, 3)).astype(np.float32)
    gain, offset = inverse_map(under * 0.5 + BROWN * 0.5, under, max_gain=3.0)
    np.testing.assert_allclose(gain, 2.0, rtol=1e-3)
    np.testing.assert_allclose(offset, -BROWN, atol=1e-3)
    gain, _ = inverse_map(under, under * 0.5, max_gain=3.0)  # fill flatter than the scan: gain held at 1
    np.testing.assert_allclose(gain, 1.0)
