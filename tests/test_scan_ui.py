"""The web UI's Scan tab, in-process without a browser: scanning uploads or a folder, and handing
the ticked photos to a task's tab."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from restorer.bench import scan_samples as S
from restorer.ui import state as H
from restorer.ui import scan as U

from .conftest import SHIPPED, save_rgb, smooth_image


@pytest.fixture
def state(tmp_path: Path) -> H.AppState:
    return H.AppState(H.Settings(out_dir=tmp_path / "out", weights_dir=SHIPPED, data_root=tmp_path / "data", device="cpu"))


@pytest.fixture
def photos(tmp_path: Path) -> list[str]:
    folder = tmp_path / "data" / "uploads"
    folder.mkdir(parents=True)
    colour = smooth_image(120, 160, seed=1)
    grey = np.repeat(smooth_image(120, 160, seed=2).mean(axis=2, keepdims=True), 3, axis=2)
    return [str(save_rgb(folder / "colour.png", colour)), str(save_rgb(folder / "grey.png", grey)),
            str(save_rgb(folder / "colour again.jpg", S.rescan(colour, np.random.default_rng(0)), quality=90))]


def test_scan_shows_the_table_duplicates_and_report(state, photos, tmp_path):
    bad = tmp_path / "data" / "uploads" / "bad.png"
    bad.write_bytes(b"not an image")
    view = U.scan_photos(state, [*photos, str(bad)])
    assert [row[0] for row in view.table] == ["colour.png", "grey.png", "colour again.jpg"]
    assert len(view.table[0]) == len(U.COLUMNS)
    tone, suggested = U.COLUMNS.index("tone"), U.COLUMNS.index("suggested")
    assert view.table[1][tone] == "grey" and view.table[1][suggested] == "colorize"
    assert "colour.png, colour again.jpg" in view.duplicates
    assert "1 failed" in view.message and "bad.png" in view.message and str(tmp_path) not in view.message
    assert view.report.name == "report.html" and state.settings.out_dir in view.report.parents
    assert "colour again.jpg" in view.report.read_text()
    again = U.scan_photos(state, photos)  # the app keeps a cache of its own
    assert "3 from the cache" in again.message


def test_ticked_photos_go_to_a_task_tab_as_copies_the_app_may_serve(state, photos):
    view = U.scan_photos(state, photos)
    assert U.suggested(view.photos, "colorize") == ["grey.png"]
    sent = U.send_to_task(state, ["grey.png", "colour.png"], view.photos, "colorize")
    assert [Path(p).name for p in sent] == ["grey.png", "colour.png"]
    assert all(state.settings.out_dir in Path(p).parents for p in sent)
    assert Path(sent[0]).read_bytes() == Path(photos[1]).read_bytes()
    with pytest.raises(H.UiError, match="tick"):
        U.send_to_task(state, [], view.photos, "colorize")
    with pytest.raises(H.UiError, match="not in the last scan"):
        U.send_to_task(state, ["other.png"], view.photos, "colorize")


def test_a_folder_is_scanned_only_inside_the_data_root(state, photos, tmp_path):
    (tmp_path / "data" / "uploads" / "sub").mkdir()
    save_rgb(tmp_path / "data" / "uploads" / "sub" / "grey.png", smooth_image(64, 64, seed=3))
    view = U.scan_photos(state, None, "uploads")
    assert sorted(row[0] for row in view.table) == ["colour again.jpg", "colour.png", "grey.png", "sub/grey.png"]
    with pytest.raises(H.UiError, match="outside"):
        U.scan_photos(state, None, str(tmp_path))
    with pytest.raises(H.UiError, match="drop some photos"):
        U.scan_photos(state, [])


def test_the_app_has_a_scan_tab_that_reaches_the_task_tabs(state):
    from restorer.ui.app import build_app

    ids = {b.elem_id for b in build_app(state).blocks.values() if getattr(b, "elem_id", None)}
    assert {"tab-scan", "scan-files", "scan-folder", "scan-run", "scan-table", "scan-task", "scan-chosen",
            "scan-send"} <= ids
