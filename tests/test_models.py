"""One shared model tester; each architecture gets a three-line subclass, and a
test fails when a registered architecture has none."""
import torch

from restorer.models import ARCHITECTURES, ModelSpec

TESTED: set[str] = set()


class ModelTester:
    spec: ModelSpec
    identity_at_init = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        TESTED.add(cls.spec.arch)

    def test_shape_and_backward(self):
        model = self.spec.build()
        c_in, c_out = self.spec.args["in_channels"], self.spec.args["out_channels"]
        x = torch.rand(2, c_in, 64, 96, requires_grad=True)
        y = model(x)
        assert y.shape == (2, c_out, 64, 96)
        y.mean().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all()

    def test_config_round_trip(self):
        spec = ModelSpec.from_json(self.spec.to_json())
        assert sum(p.numel() for p in spec.build().parameters()) == sum(p.numel() for p in self.spec.build().parameters())

    def test_identity_at_init(self):
        if self.identity_at_init:
            x = torch.rand(1, self.spec.args["in_channels"], 64, 64)
            assert torch.allclose(self.spec.build().eval()(x), x[:, : self.spec.args["out_channels"]])


class TestRefinedUNet(ModelTester):
    spec = ModelSpec("refined_unet", {"in_channels": 4, "out_channels": 3, "encoder": "resnet18", "encoder_depth": 3, "decoder_channels": (32, 16, 8)})
    identity_at_init = True


class TestConvAutoencoder(ModelTester):
    spec = ModelSpec("conv_autoencoder", {"in_channels": 3, "out_channels": 3, "widths": (8, 16), "code_channels": 4, "regulariser": "variational"})


class TestUnshuffledResNet(ModelTester):
    spec = ModelSpec("unshuffled_resnet", {"in_channels": 5, "out_channels": 3, "channels": 8, "blocks": 2, "unshuffle": 2})
    identity_at_init = True


class TestColourTransformNet(ModelTester):
    spec = ModelSpec("colour_transform", {"in_channels": 6, "out_channels": 3, "width": 8, "knots": 5, "local_channels": 4})
    identity_at_init = True


def test_every_architecture_has_a_tester():
    assert set(ARCHITECTURES) <= TESTED, f"untested: {set(ARCHITECTURES) - TESTED}"
