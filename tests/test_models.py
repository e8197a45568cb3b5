"""One shared model tester; each architecture gets a three-line subclass, and a
test fails when a registered architecture has none."""
import torch

from restorer.models import ARCHITECTURES, ModelSpec
from restorer.models.grow import grow_model, grows_into

from .conftest import TINY_UNET, random_head_model

TESTED: set[str] = set()


class ModelTester:
    spec: ModelSpec
    identity_at_init = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        TESTED.add(cls.spec.arch)

    @property
    def channels(self) -> tuple[int, int]:
        args = self.spec.args.get("member", {}).get("args", self.spec.args)  # an ensemble's are its members'
        return args["in_channels"], args["out_channels"]

    def test_shape_and_backward(self):
        model = self.spec.build()
        c_in, c_out = self.channels
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


class TestRefinedUNetWithRefinement(ModelTester):
    spec = ModelSpec("refined_unet", {**TestRefinedUNet.spec.args, "refine_blocks": 2, "refine_channels": 8})
    identity_at_init = True


class TestConvAutoencoder(ModelTester):
    spec = ModelSpec("conv_autoencoder", {"in_channels": 3, "out_channels": 3, "widths": (8, 16), "code_channels": 4, "regulariser": "variational"})


class TestUnshuffledResNet(ModelTester):
    spec = ModelSpec("unshuffled_resnet", {"in_channels": 5, "out_channels": 3, "channels": 8, "blocks": 2, "unshuffle": 2})
    identity_at_init = True


class TestColourTransformNet(ModelTester):
    spec = ModelSpec("colour_transform", {"in_channels": 6, "out_channels": 3, "width": 8, "knots": 5, "local_channels": 4})
    identity_at_init = True


class TestOutputEnsemble(ModelTester):
    spec = ModelSpec("output_ensemble", {"member": TestRefinedUNet.spec.to_json(), "count": 2})


def test_an_output_ensemble_averages_its_members_distributions_and_folds_for_inference():
    from restorer.models.fold import fold_batchnorm

    torch.manual_seed(0)
    ensemble = TestOutputEnsemble.spec.build().eval()
    for m in ensemble.members:  # untrained U-Nets start at the identity; give each its own answer
        torch.nn.init.normal_(m.head[-1].weight, std=0.5)
    x = torch.rand(1, 4, 64, 64)
    with torch.no_grad():
        p = [torch.softmax(m(x), 1) for m in ensemble.members]
        out = ensemble(x)
        assert torch.allclose(out.exp(), (p[0] + p[1]) / 2, atol=1e-5)
        assert not torch.allclose(p[0], p[1], atol=1e-3)  # the mean is not one member's
        assert fold_batchnorm(ensemble) > 0
        assert torch.allclose(ensemble(x), out, atol=1e-4)


def test_every_architecture_has_a_tester():
    assert set(ARCHITECTURES) <= TESTED, f"untested: {set(ARCHITECTURES) - TESTED}"


def _sparse_case(seed: int = 0):
    """A small read_where U-Net with a non-zero head (the shipped zero start would hide errors), in eval
    mode, and an input whose channel 3 marks holes: blobs at the photo's edges and corner and one inside."""
    torch.manual_seed(seed)
    spec = ModelSpec("refined_unet", {"in_channels": 4, "out_channels": 3, "encoder": "resnet18", "encoder_depth": 3,
                                      "decoder_channels": (32, 16, 8), "residual": True, "read_where": 3})
    model = spec.build().eval()
    torch.nn.init.normal_(model.head[-1].weight, std=0.1)
    for m in model.modules():  # BatchNorm with non-trivial statistics, so folding has something to fold
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5), m.running_var.uniform_(0.5, 2)
    x = torch.rand(1, 4, 88, 120)
    hole = torch.zeros(88, 120, dtype=torch.bool)
    hole[:5, :9] = hole[40:47, 113:] = hole[83:, 50:70] = hole[30:33, 40:90] = True
    x[0, 3] = hole.float()
    return model, x, hole


def test_sparse_full_resolution_matches_dense_in_the_read_pixels():
    model, x, hole = _sparse_case()
    with torch.no_grad():
        sparse = model(x)
        model.read_where = None
        dense = model(x)
    assert torch.allclose(sparse[0][:, hole], dense[0][:, hole], atol=1e-5)
    far = torch.ones_like(hole)  # pixels no 32 px block around a hole reaches: the residual input
    far[:40, :64] = far[32:, 96:] = far[64:, 32:96] = far[:64, 32:96] = False
    assert far.any() and torch.equal(sparse[0][:, far], x[0, :3][:, far])
    assert not torch.allclose(dense[0][:, far], x[0, :3][:, far])  # the dense head does change them


def test_sparse_path_keeps_batchnorm_folding_and_training_dense():
    from restorer.models.fold import fold_batchnorm

    model, x, hole = _sparse_case(1)
    with torch.no_grad():
        before = model(x)
        assert fold_batchnorm(model) > 0  # fx traces the dense graph, not the data-dependent sparse one
        assert torch.allclose(model(x)[0][:, hole], before[0][:, hole], atol=1e-4)
    model.train()
    out = model(x)
    out.mean().backward()  # the dense path: every output pixel has a gradient to give
    assert not torch.equal(out[0][:, ~hole].detach(), x[0, :3][:, ~hole])


def test_needed_runs_merge_neighbouring_blocks_in_a_row():
    from restorer.models.sparse_head import needed_runs

    need = torch.zeros(40, 100, dtype=torch.bool)
    need[3, 5] = need[3, 25] = need[3, 70] = need[35, 99] = True
    assert needed_runs(need, 16) == [(0, 0, 32), (0, 64, 16), (32, 96, 16)]


def test_a_refinement_stage_grows_onto_trained_weights_starting_as_them():
    """denoise --refine-blocks: the grown model is the trained one until its new stage trains."""
    plain = ModelSpec(TINY_UNET.arch, {**TINY_UNET.args})
    refined = ModelSpec(plain.arch, {**plain.args, "refine_blocks": 1, "refine_channels": 8})
    small = random_head_model(plain, head_std=0.5)
    grown, spec = grow_model(small, plain, refined)
    assert spec == refined and grown.refine is not None
    x = torch.rand(2, 4, 32, 48)
    with torch.no_grad():
        assert torch.equal(small(x), grown(x))
    wider = ModelSpec(plain.arch, {**refined.args, "refine_channels": 16})
    assert not grows_into(refined, plain) and not grows_into(refined, wider)  # a trained stage neither goes nor widens
