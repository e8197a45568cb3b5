import numpy as np
import pytest
import torch

from restorer.metrics import psnr
from restorer.tiling import TiledPredictor, balanced_tile, blend_window, tile_starts

from .conftest import TINY_UNET, smooth_image


@pytest.mark.parametrize("length,tile,overlap", [(100, 100, 10), (1000, 256, 32), (257, 128, 16), (50, 64, 8)])
def test_tiles_cover_everything_and_overlap(length, tile, overlap):
    starts = tile_starts(length, tile, overlap)
    covered = np.zeros(length, bool)
    for s in starts:
        covered[s : s + tile] = True
        assert s >= 0 and (s + min(tile, length)) <= length
    assert covered.all()
    for a, b in zip(starts, starts[1:]):
        assert a + tile - b >= overlap


@pytest.mark.parametrize("length,tile,overlap,multiple", [(768, 512, 48, 32), (6000, 512, 48, 32), (513, 512, 48, 1),
                                                        (1000, 256, 32, 8), (300, 512, 48, 32)])
def test_balanced_tiles_are_no_more_and_no_larger_than_plain_ones(length, tile, overlap, multiple):
    span = balanced_tile(length, tile, overlap, multiple)
    assert span <= max(tile, length) and (span == length or span == tile or span % multiple == 0)
    starts = tile_starts(length, span, overlap)
    assert len(starts) <= len(tile_starts(length, tile, overlap))
    covered = np.zeros(length, bool)
    for s in starts:
        covered[s : s + span] = True
    assert covered.all() and all(a + span - b >= overlap for a, b in zip(starts, starts[1:]))
    assert len(starts) * span <= len(tile_starts(length, tile, overlap)) * min(tile, length)


def test_blend_window_positive_and_flat_inside():
    w = blend_window(64, 64, 16, (True, True, True, True))
    assert (w > 0).all()
    assert w[32, 32] == 1.0 and w[0, 32] < 0.1


def _trained_like_model():
    torch.manual_seed(0)
    model = TINY_UNET.build().eval()
    for p in model.head[-1].parameters():  # make the output depend on context, not only the identity
        torch.nn.init.normal_(p, std=0.05)
    return model


def test_tiled_matches_untiled_within_a_tenth_of_a_db():
    img = smooth_image(300, 420)
    x = np.concatenate([img.transpose(2, 0, 1), np.full((1, 300, 420), 0.1, np.float32)])
    model = _trained_like_model()
    whole = TiledPredictor(model, torch.device("cpu"), tile=0)(x)
    tiled = TiledPredictor(model, torch.device("cpu"), tile=128, overlap=32)(x)
    assert tiled.shape == whole.shape == (3, 300, 420)
    ref = x[:3]
    assert abs(psnr(np.clip(tiled, 0, 1), ref) - psnr(np.clip(whole, 0, 1), ref)) < 0.1
    assert psnr(tiled, whole) > 40  # no visible seams: tiles agree with the whole-image pass


def test_any_size_runs_including_smaller_than_the_model_multiple():
    model = _trained_like_model()
    for h, w in [(5, 7), (33, 65), (130, 31)]:
        x = np.random.default_rng(0).random((4, h, w), dtype=np.float32)
        assert TiledPredictor(model, torch.device("cpu"), tile=64, overlap=8)(x).shape == (3, h, w)


class _SmallOnly(torch.nn.Module):
    """Stands in for a GPU that runs out of memory above 100x100 tiles."""

    multiple = 1

    def __init__(self):
        super().__init__()
        self.seen: list[tuple[int, int]] = []

    def forward(self, x):
        if x.shape[-1] * x.shape[-2] > 100 * 100:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        self.seen.append(tuple(x.shape[-2:]))
        return x[:, :3] * 2


def test_out_of_memory_retries_with_smaller_tiles():
    model = _SmallOnly()
    x = np.random.default_rng(0).random((4, 300, 200), dtype=np.float32)
    out = TiledPredictor(model, torch.device("cpu"), tile=512, overlap=8)(x)
    assert np.allclose(out, x[:3] * 2, atol=1e-5)
    assert max(h * w for h, w in model.seen) <= 100 * 100


def test_device_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    from restorer.devices import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("auto").type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device("auto").type == "cpu"
    with pytest.raises(RuntimeError, match="no CUDA"):
        pick_device("cuda")


def _denoise_model_and_noisy_input():
    from restorer.weights import default_weights, load_model

    model, _ = load_model(default_weights("denoise"), task="denoise")
    x = np.concatenate([smooth_image(96, 130).transpose(2, 0, 1), np.full((1, 96, 130), 0.1, np.float32)])
    x[:3] += np.random.default_rng(0).normal(0, 0.1, x[:3].shape).astype(np.float32)
    return model, x


def test_cpu_predictor_runs_channels_last_with_the_plain_layouts_output(monkeypatch):
    monkeypatch.setenv("RESTORER_PRECISION", "float32")
    model, x = _denoise_model_and_noisy_input()
    plain = TiledPredictor(model, torch.device("cpu"), tile=0)(x)
    fast = TiledPredictor.create(model, torch.device("cpu"), tile=0)
    assert fast.autocast is None
    assert fast.channels_last and next(fast.model.parameters()).is_contiguous(memory_format=torch.channels_last)
    out = fast(x)
    assert out.flags.c_contiguous and np.abs(out - plain).max() < 1e-4
    assert np.abs(out - x[:3]).max() > 0.05  # the model did change the image: the comparison means something


def test_cpu_bfloat16_output_stays_within_a_rounding_of_float32():
    model, x = _denoise_model_and_noisy_input()
    plain = TiledPredictor(model, torch.device("cpu"), tile=0)(x)
    bf16 = TiledPredictor(model, torch.device("cpu"), tile=0, autocast=torch.bfloat16)(x)
    assert bf16.dtype == np.float32
    assert psnr(bf16, plain) > 40 and np.abs(bf16 - plain).max() > 0  # close to float32, and bfloat16 did run


def test_cpu_precision_float32_turns_bfloat16_off(monkeypatch):
    from restorer.devices import cpu_autocast_dtype

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    monkeypatch.delenv("RESTORER_PRECISION", raising=False)
    assert cpu_autocast_dtype() == torch.bfloat16
    monkeypatch.setenv("RESTORER_PRECISION", "float32")
    assert cpu_autocast_dtype() is None


def test_creating_a_predictor_leaves_the_callers_model_as_it_was():
    model = _trained_like_model()
    keys = set(model.state_dict())
    predictor = TiledPredictor.create(model, torch.device("cpu"))
    assert set(model.state_dict()) == keys and any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in predictor.model.modules())  # the copy is folded
