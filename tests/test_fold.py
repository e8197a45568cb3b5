import pytest
import torch
from torch import nn

from restorer.models.fold import fold_batchnorm

from .conftest import TINY_UNET


def _with_running_stats(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for m in model.modules():  # statistics a trained model would have, so folding has work to do
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.3)
            m.running_var.uniform_(0.5, 2)
            nn.init.normal_(m.weight, 1, 0.2)
            nn.init.normal_(m.bias, 0, 0.2)
    return model.eval()


def test_folding_keeps_the_unets_outputs_and_removes_every_batchnorm():
    model = _with_running_stats(TINY_UNET.build())
    for p in model.head[-1].parameters():  # the residual head starts at zero: make the output depend on the net
        nn.init.normal_(p, std=0.05)
    x = torch.rand(1, TINY_UNET.args["in_channels"], 64, 64)
    with torch.no_grad():
        before = model(x)
        n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
        assert n_bn > 0 and fold_batchnorm(model) == n_bn
        after = model(x)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert torch.allclose(before, after, atol=1e-5) and not torch.allclose(before, x[:, : before.shape[1]])


class _Shared(nn.Module):
    """A convolution whose output feeds a BatchNorm and also a skip: it must not be folded."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


class _Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(self.conv(x)) if x.mean() > 0 else x  # data-dependent: cannot be traced


@pytest.mark.parametrize("cls", [_Shared, _Branchy])
def test_what_cannot_be_folded_safely_is_left_alone(cls):
    model = _with_running_stats(cls())
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        before = model(x)
        assert fold_batchnorm(model) == 0
        assert torch.equal(model(x), before) and isinstance(model.bn, nn.BatchNorm2d)


def test_folding_a_model_in_training_mode_is_refused():
    with pytest.raises(ValueError, match="eval"):
        fold_batchnorm(TINY_UNET.build().train())
