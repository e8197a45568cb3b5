import json

import pytest
import torch

from restorer.weights import WeightsError, chained_training, load_model, read_info, save_weights

from .conftest import SHIPPED, TINY_UNET


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = TINY_UNET.build()
    path = save_weights(model, TINY_UNET, tmp_path / "denoise.safetensors", "denoise", training={"steps": 1})
    return model, path


def test_round_trip_rebuilds_from_json_alone(saved):
    model, path = saved
    loaded, info = load_model(path, task="denoise")
    assert info.spec == TINY_UNET
    x = torch.rand(1, 4, 32, 32)
    assert torch.allclose(loaded(x), model.eval()(x), atol=2e-3)  # fp16 storage
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["dtype"] == "float16" and meta["training"] == {"steps": 1} and len(meta["sha256"]) == 64


def test_corrupted_file_is_refused_by_checksum(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        load_model(path)


def test_missing_json_and_wrong_task_are_clear_errors(saved, tmp_path):
    _, path = saved
    with pytest.raises(WeightsError, match="inpaint"):
        load_model(path, task="inpaint")
    path.with_suffix(".json").unlink()
    with pytest.raises(WeightsError, match="architecture unknown"):
        read_info(path)
    with pytest.raises(WeightsError, match="not found"):
        read_info(tmp_path / "nope.safetensors")


def test_shipped_weights_load_and_are_small():
    files = sorted(SHIPPED.glob("*.safetensors"))
    assert files, "weights/ has no shipped weights"
    for f in files:
        assert f.stat().st_size <= 25_000_000
        model, info = load_model(f)
        assert info.meta["training"] and "validation" in info.meta


def test_a_weights_folder_without_a_variant_runs_the_task_s_own_weights(tmp_path):
    """`restore ui --weights-dir` with one file per task: blind denoising must still find weights."""
    from restorer.weights import variant_or_own

    (tmp_path / "denoise.safetensors").write_bytes(b"")
    assert variant_or_own("denoise_camera", "denoise", tmp_path) == tmp_path / "denoise.safetensors"
    (tmp_path / "denoise_camera.safetensors").write_bytes(b"")
    assert variant_or_own("denoise_camera", "denoise", tmp_path) == tmp_path / "denoise_camera.safetensors"


def test_weights_made_from_two_files_keep_both_runs_and_the_first_split():
    first = {"steps": 100, "minutes": 5.0, "config": {"seed": 0, "data": "a"}}
    then = {"steps": 30, "minutes": 2.5, "config": {"seed": 1, "data": "b"}}
    record = chained_training(first, then)
    assert record["runs"] == [first, then] and record["steps"] == 130 and record["minutes"] == 7.5
    assert record["config"] == first["config"]  # its seed fixes the held-out split the record's scores used


def test_chaining_a_chain_appends_to_its_runs_and_keeps_its_notes():
    first = {"steps": 100, "minutes": 5.0, "config": {"seed": 0}}
    chain = {**chained_training(first, {"steps": 30, "minutes": 2.5, "config": {"seed": 1}}), "history": "two runs"}
    record = chained_training(chain, {"steps": 10, "minutes": 1.0, "config": {"seed": 2}})
    assert [run["config"]["seed"] for run in record["runs"]] == [0, 1, 2]
    assert record["steps"] == 140 and record["minutes"] == 8.5 and record["history"] == "two runs"
    assert record["config"] == first["config"]


def test_a_chain_names_at_its_top_the_calibration_folded_last():
    first = {"steps": 100, "minutes": 5.0, "config": {"seed": 0}, "calibration": {"logit_shift": -1.2}}
    record = chained_training(first, {"steps": 30, "minutes": 2.5, "calibration": {"logit_shift": -2.8}})
    assert record["calibration"] == {"logit_shift": -2.8}  # what --continue and recalibration take out
    recalibrated = {**record, "calibration": {"logit_shift": -2.0}, "recalibrated": {"old_calibration": {}}}
    again = chained_training(recalibrated, {"steps": 10, "minutes": 1.0})  # a run with no cut of its own
    assert "calibration" not in again and "recalibrated" not in again


def test_a_mean_of_two_fine_tunes_of_one_start_lists_the_start_once():
    start = {"steps": 100, "minutes": 5.0, "config": {"seed": 0}}
    a = chained_training(start, {"steps": 30, "minutes": 2.5, "config": {"seed": 1}})
    b = chained_training(start, {"steps": 20, "minutes": 2.0, "config": {"seed": 2}})
    record = chained_training(a, b)
    assert [run["config"]["seed"] for run in record["runs"]] == [0, 1, 2]
    assert record["steps"] == 150 and record["minutes"] == 9.5
    assert chained_training(start, a)["runs"] == a["runs"]  # a fine-tune averaged with its own start


def test_chaining_counts_only_the_numbers_a_hand_edited_record_holds():
    record = chained_training({"steps": "many", "minutes": 3}, {"steps": 10, "minutes": 1.5})
    assert record["steps"] == 10 and record["minutes"] == 4.5
