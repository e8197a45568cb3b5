"""The view ensemble maps every view back to the photo's frame, and averages."""
import numpy as np
import pytest

from restorer.ensemble import VIEWS, averaged_over_views


@pytest.mark.parametrize("views", range(1, len(VIEWS) + 1))
def test_a_per_pixel_model_gives_the_same_result_over_any_number_of_views(views):
    x = np.random.default_rng(0).random((3, 5, 7)).astype(np.float32)  # not square: a wrong transpose fails
    got = averaged_over_views(lambda a: a[:1] ** 2 + a[1:2], x, views)
    np.testing.assert_allclose(got, x[:1] ** 2 + x[1:2], rtol=1e-6)


def test_a_bias_towards_one_side_cancels_over_mirrored_views():
    x = np.zeros((1, 4, 6), np.float32)

    def lean_left(a):  # an error that depends on the position across the photo
        return a + np.linspace(-1, 1, a.shape[2], dtype=np.float32)

    assert np.abs(averaged_over_views(lean_left, x, 1)).max() == 1
    np.testing.assert_allclose(averaged_over_views(lean_left, x, 2), 0, atol=1e-6)


def test_a_view_count_outside_1_to_8_is_refused():
    with pytest.raises(ValueError, match="1-8"):
        averaged_over_views(lambda a: a, np.zeros((1, 2, 2), np.float32), 9)
