"""restore scan: per-photo measurements against known values on generated photos, duplicates,
planted outliers, the cache, bad files and the reports. Shipped weights, small photos."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.bench import scan_samples as S
from restorer.bench.common import plain_photo
from restorer.corrupt.damage import dust, scratches
from restorer.oldphoto import tone
from restorer.scan import features as F
from restorer.scan.damage import damage_fraction, damage_input
from restorer.scan.duplicates import duplicate_groups
from restorer.scan.measure import Measurement, Scanner, load_scanner
from restorer.scan.outliers import cue_scores, measured_outlier_scores, outlier_scores

from .conftest import EXAMPLES, bench_rows, invoke, save_rgb, smooth_image


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return load_scanner("cpu")


def landscape(h: int, w: int, seed: int) -> np.ndarray:
    """Sky above (lighter towards the horizon), grass or fields below with a few trees on the horizon:
    a photo that has an up."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    horizon = h * rng.uniform(0.35, 0.6) + 6 * np.sin(xx / w * rng.uniform(2, 6))
    sky = np.stack([0.45 + 0.4 * yy / h, 0.62 + 0.3 * yy / h, np.full_like(yy, 0.95)], 2)
    field = rng.uniform(0.15, 0.45, 3).astype(np.float32) * (1 - 0.4 * (yy - horizon)[..., None] / h)
    field = field * (1 + 0.12 * rng.standard_normal((h, w, 1)))
    img = np.where((yy < horizon)[..., None], sky, field)
    for _ in range(int(rng.integers(2, 6))):  # trees standing on the horizon
        cx, r = rng.uniform(0, w), rng.uniform(0.04, 0.1) * h
        cy = horizon[0, int(cx) % w] - r
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < r**2] = rng.uniform(0.05, 0.25, 3) * [0.6, 1, 0.5]
    return np.clip(img, 0, 1).astype(np.float32)


def noisy(img: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.rint((img + rng.normal(0, sigma / 255, img.shape)) * 255) / 255, 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------- per-photo measurements


@pytest.mark.parametrize("sigma", [0, 10, 25])
def test_noise_level_is_read_on_the_0_255_scale(sigma):
    level = F.noise_level(noisy(smooth_image(256, 256, seed=1), sigma))
    assert abs(level - sigma) < 2.5, level


def test_grey_sepia_and_colour_are_told_apart():
    colour = smooth_image(96, 128, seed=2)
    grey = np.repeat(colour.mean(axis=2, keepdims=True), 3, axis=2)
    sepia = np.clip(grey * np.array([1.08, 0.96, 0.76], np.float32), 0, 1)
    assert tone(colour) == "colour"
    assert tone(grey) == "grey" and tone(grey[..., :1]) == "grey"
    assert tone(sepia) == "sepia"
    assert tone(np.clip(grey * np.array([0.8, 0.95, 1.1], np.float32), 0, 1)) == "tinted"


def test_drawn_damage_raises_the_damage_fraction(scanner):
    from restorer.scan.damage import DAMAGED_FRACTION

    # the cat (docs/scan_results.md, Thresholds: 0 % clean, 0.46 % damaged at the shipped cut)
    clean = np.asarray(Image.open(EXAMPLES / "clean" / "chelsea.png").convert("RGB"), np.float32) / 255
    damaged = clean
    for fn in (scratches, dust):
        damaged, _ = fn(damaged, np.random.default_rng(0))
    before = damage_fraction(damage_input(clean), scanner.segment)
    after = damage_fraction(damage_input(damaged), scanner.segment)
    assert before < DAMAGED_FRACTION < after, (before, after)


def test_blur_lowers_sharpness_and_size_is_measured(scanner):
    import cv2

    img = landscape(300, 400, seed=4)
    blurred = cv2.GaussianBlur(img, (0, 0), 3)
    assert F.sharpness(blurred) < F.BLURRED_SHARPNESS < F.sharpness(noisy(img, 5))
    m = scanner.measure([plain_photo(img)])[0]
    assert (m.width, m.height) == (400, 300) and m.megapixels == pytest.approx(0.12)


# ----------------------------------------------------------------------------- duplicates and outliers


def test_a_rescan_is_grouped_with_its_photo_and_different_photos_are_not(scanner):
    chelsea, coffee, camera = (np.asarray(Image.open(EXAMPLES / "clean" / f"{n}.png").convert("RGB"), np.float32) / 255
                               for n in ("chelsea", "coffee", "camera"))
    rescan = S.rescan(chelsea, np.random.default_rng(5))
    ms = scanner.measure([plain_photo(i) for i in (chelsea, coffee, rescan, camera)])
    assert duplicate_groups(np.stack([m.embedding for m in ms])) == [[0, 2]]


def test_duplicate_groups_join_chains():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mid = (a + b) / np.linalg.norm(a + b)  # 0.71 from each end, the ends 0 from each other
    assert duplicate_groups(np.stack([a, mid, b, -a]), threshold=0.7) == [[0, 1, 2]]


def test_planted_outliers_rank_first(scanner):
    """An archive of the example photos, each scanned three times, and landscapes; planted: a blank page,
    a landscape upside down, a screenshot of text and a mis-scan (a strip of a photo beside the lid).
    Enough ordinary photos that the planted ones are under a tenth of the folder, as the cues' scaling
    (by their 90th percentile over the collection) assumes. All four rank in the top five of 52: one
    generated landscape (seed 12) has a smooth, even, grey field over half of it, which the border cue
    reads as a lid would be read, and may rank among them."""
    rng = np.random.default_rng(6)
    clean = [np.asarray(Image.open(p).convert("RGB"), np.float32) / 255 for p in sorted((EXAMPLES / "clean").glob("*.png"))]
    ordinary = clean + [S.rescan(c, rng) for c in clean for _ in range(2)] + [landscape(240, 320, seed=s) for s in range(36)]
    planted = [S.blank_page(240, 320, rng), S.upside_down(landscape(240, 320, seed=99)), S.text_screenshot(240, 320, rng),
               S.mis_scan(landscape(240, 320, seed=98), rng)]
    ms = scanner.measure([plain_photo(i) for i in ordinary + planted])
    scores = measured_outlier_scores(ms)
    ranked = np.argsort(-scores.scores)
    assert set(range(len(ordinary), len(ms))) <= set(ranked[: len(planted) + 1]), scores.scores
    assert scores.reasons[len(ordinary) + 1] == "turned"
    turned_landscape = scores.scores[len(ordinary) + 1]
    upright_landscapes = scores.scores[len(clean) * 3 : len(ordinary)]
    assert (turned_landscape > np.delete(upright_landscapes, 12)).all()  # seed 12: the grey field above


def test_an_upside_down_photo_reads_as_turned_and_its_score_is_antisymmetric(scanner):
    """Generated landscapes (sky above, fields below): their turns score above the upright ones (all but
    one above every upright one: the net is not sure of every landscape), and turning a photo negates
    its score exactly (the net compares the photo with its turn)."""
    from restorer.scan.orientation import SIDE, upside_down_scores

    squares = [F.square(landscape(240, 320, seed=s), SIDE) for s in range(12)]
    up = upside_down_scores(scanner.orientation, squares)
    down = upside_down_scores(scanner.orientation, [S.upside_down(q) for q in squares])
    np.testing.assert_allclose(down, -up, atol=1e-4)
    one = upside_down_scores(scanner.orientation, squares, mirror=False)  # the square alone, as experiments read it
    np.testing.assert_allclose(upside_down_scores(scanner.orientation, [S.upside_down(q) for q in squares], mirror=False),
                               -one, atol=1e-4)
    assert (down > np.median(up)).all() and (down > up.max()).sum() >= len(up) - 1, (up, down)


def test_an_orientation_net_of_another_side_sees_its_own_square(scanner):
    """Photos are squared at the loaded net's side, so a retrained net of another size can ship; a
    photo prepared for the shipped side is resampled for it, not refused."""
    import torch

    from restorer.scan.orientation import SIDE, OrientationNet

    torch.manual_seed(0)
    other = Scanner(scanner.segment, scanner.codes, OrientationNet(side=2 * SIDE).eval())
    photo = plain_photo(landscape(240, 320, seed=1))
    assert Scanner.prepare(photo, other.orientation.side).orient_square.shape == (2 * SIDE, 2 * SIDE, 3)
    as_measured = other.measure([photo])[0].upside_down
    assert np.isfinite(as_measured)
    assert other.finish([Scanner.prepare(photo, SIDE)])[0].upside_down == pytest.approx(as_measured, abs=0.5)


def test_flat_border_finds_a_mis_scan_and_not_a_photo():
    rng = np.random.default_rng(7)
    photo = landscape(240, 320, seed=3)
    assert F.flat_border(photo) < 0.3
    assert F.flat_border(S.mis_scan(photo, rng)) > 0.6
    assert F.flat_border(S.blank_page(240, 320, rng)) > 0.9
    assert F.flat_border(noisy(smooth_image(240, 320, seed=3), 3)) < 0.3


def test_one_strong_cue_is_enough_and_names_the_reason():
    """39 ordinary photos with a spread on every cue; one with a large flat border only, one that looks
    turned only, one mostly of one tone only: all three rank above all the ordinary ones, each with
    its own reason."""
    rng = np.random.default_rng(8)
    n = 42
    recon = np.exp(rng.normal(-5, 0.3, n))
    stats = rng.normal(0, 1, (n, 16))
    turned = rng.normal(-2, 1, n)
    border = np.abs(rng.normal(0, 0.03, n))
    tone = np.abs(rng.normal(0.07, 0.03, n))
    border[40], turned[41], tone[39] = 0.75, 3.0, 0.7
    s = outlier_scores(recon, stats, turned, border, tone)
    assert set(np.argsort(-s.scores)[:3]) == {39, 40, 41}
    assert (s.reasons[39], s.reasons[40], s.reasons[41]) == ("one tone", "border", "turned")


def test_a_collection_of_even_borders_does_not_flag_small_differences():
    """All photos with no border but one at 0.02: the spread floor keeps its z-score small."""
    n = 30
    border = np.zeros(n)
    border[0] = 0.02
    cues = cue_scores(np.full(n, 1e-3), np.zeros((n, 4)), np.zeros(n), border, np.zeros(n))
    assert cues["border"][0] < 1


def test_a_few_photos_get_no_outlier_score():
    s = outlier_scores(np.ones(3), np.zeros((3, 4)), np.zeros(3), np.zeros(3), np.zeros(3))
    assert np.isnan(s.scores).all() and s.reasons == ["", "", ""]


# ----------------------------------------------------------------------------- the command


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    (folder / "sub").mkdir(parents=True)
    save_rgb(folder / "beach.png", landscape(120, 160, seed=7))
    save_rgb(folder / "grey print.png", np.repeat(smooth_image(120, 160, seed=8).mean(axis=2, keepdims=True), 3, axis=2))
    save_rgb(folder / "grainy.png", noisy(smooth_image(200, 200, seed=9), 25))
    save_rgb(folder / "sub" / "beach again.jpg", S.rescan(landscape(120, 160, seed=7), np.random.default_rng(1)), quality=90)
    return folder


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_scan_writes_csv_json_html_and_plan(archive, tmp_path):
    out = tmp_path / "report"
    r = invoke("scan", archive, "-r", "-o", out, "--plan", "-q")
    assert r.exit_code == 0, r.output
    rows = read_csv(out / "report.csv")
    by_name = {Path(row["file"]).name: row for row in rows}
    assert set(by_name) == {"beach.png", "grey print.png", "grainy.png", "beach again.jpg"}
    assert by_name["grey print.png"]["tone"] == "grey" and by_name["beach.png"]["tone"] == "colour"
    assert float(by_name["grainy.png"]["noise_level"]) > 20 > float(by_name["beach.png"]["noise_level"])
    assert by_name["grainy.png"]["command"] == f"restore denoise {archive / 'grainy.png'}"
    assert by_name["grey print.png"]["command"] == f"restore colorize '{archive / 'grey print.png'}'"  # quoted: a space
    assert by_name["beach.png"]["command"] == f"restore upscale {archive / 'beach.png'}"  # small, nothing else
    assert "restore upscale on the result" in by_name["grainy.png"]["notes"]  # small too, but denoised first
    assert by_name["beach.png"]["duplicate_group"] == by_name["beach again.jpg"]["duplicate_group"] != ""
    report = json.loads((out / "report.json").read_text())
    assert [p["file"] for p in report["photos"]] == [row["file"] for row in rows]
    assert report["duplicates"] == [[str(archive / "beach.png"), str(archive / "sub" / "beach again.jpg")]]
    html = (out / "report.html").read_text()
    assert html.count("<tr><td>") == 4 and all(row["file"] in html for row in rows)
    assert (out / "plan" / "denoise.txt").read_text() == f"{archive / 'grainy.png'}\n"
    assert (out / "plan" / "colorize.txt").read_text() == f"{archive / 'grey print.png'}\n"
    assert (out / "plan" / "oldphoto.txt").read_text() == ""
    assert f"{archive / 'beach.png'}\n" in (out / "plan" / "upscale.txt").read_text()


def test_a_bad_file_is_one_line_and_the_report_is_still_written(archive, tmp_path):
    (archive / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = tmp_path / "report"
    r = invoke("scan", archive, "-o", out, "-q")
    assert r.exit_code == 1
    errors = [line for line in r.output.splitlines() if "broken.jpg" in line]
    assert len(errors) == 2 and all(str(archive / "broken.jpg") in e for e in errors)  # at once and in the summary
    assert len(read_csv(out / "report.csv")) == 3
    assert json.loads((out / "report.json").read_text())["errors"][0].startswith(str(archive / "broken.jpg"))


def test_second_scan_comes_from_the_cache(archive, tmp_path, monkeypatch):
    out = tmp_path / "report"
    first = invoke("scan", archive, "-r", "-o", out, "-q")
    assert first.exit_code == 0
    measured = (out / "report.csv").read_text()
    import restorer.scan.measure as measure

    def no_models(*args, **kwargs):
        raise AssertionError("the models were loaded for a cached photo")

    monkeypatch.setattr(measure, "load_scanner", no_models)
    second = invoke("scan", archive, "-r", "-o", out, "-q")
    assert second.exit_code == 0 and "(4 from the cache)" in second.output
    assert (out / "report.csv").read_text() == measured
    save_rgb(archive / "new.png", smooth_image(64, 64, seed=10))  # a new photo needs the models again
    with pytest.raises(AssertionError, match="models were loaded"):
        invoke("scan", archive, "-r", "-o", out, "-q")


def test_cache_of_other_weights_is_not_used(archive, tmp_path):
    from restorer.scan.cache import ScanCache

    out = tmp_path / "report"
    assert invoke("scan", archive, "-o", out, "-q").exit_code == 0
    assert len(ScanCache(out, "other version").load().entries) == 0
    (out / "scan-cache.npz").write_bytes(b"garbage")
    r = invoke("scan", archive, "-o", out, "-q")
    assert r.exit_code == 0 and "cache unreadable" in r.output


# ----------------------------------------------------------------------------- bench


def test_bench_scan_finds_rescans_and_times_a_cached_second_run():
    r = invoke("bench", "scan", "--data", EXAMPLES / "clean", "--part", "duplicates", "--device", "cpu", "--json")
    rows = bench_rows(r.output, "embedding")
    assert set(rows) == {"autoencoder", "dct thumbnail"}
    assert rows["autoencoder"]["rescan pairs"] == 4 and rows["autoencoder"]["recall"] >= 0.75  # 3 of 4 here
    assert rows["autoencoder"]["precision"] == 1.0  # four different photos: none taken for another
    r = invoke("bench", "scan", "--data", EXAMPLES / "clean", "--part", "speed", "--photos", "8", "--device", "cpu", "--json")
    first, second = bench_rows(r.output, "run").values()
    assert (first["measured"], first["from cache"]) == (8, 0) and (second["measured"], second["from cache"]) == (0, 8)
    assert second["seconds"] < first["seconds"]


def _measured(width: int, height: int, noise: float = 1.0, tone: str = "colour") -> Measurement:
    return Measurement(width=width, height=height, noise=noise, damage=0.0, tone=tone, sharpness=1000.0, recon_error=0.0,
                       upside_down=0.0, flat_border=0.0, one_tone=0.0, thumbnail="", embedding=np.zeros(4),
                       code_stats=np.zeros(4))


def test_a_small_photo_is_sent_to_upscale_and_a_large_clean_one_nowhere():
    from restorer.scan.needs import command_for, notes_of, task_for

    assert task_for(_measured(1600, 1200)) is None and command_for(_measured(1600, 1200), Path("a.jpg")) == ""
    assert command_for(_measured(400, 300), Path("a.jpg")) == "restore upscale a.jpg" and notes_of(_measured(400, 300)) == []
    grey_small = _measured(400, 300, tone="grey")
    assert task_for(grey_small) == "colorize" and "restore upscale" in notes_of(grey_small)[0]
