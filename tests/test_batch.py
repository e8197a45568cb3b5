"""Tests for restorer.batch: input discovery, output planning (never over an original
unless asked), per-file error isolation, dry runs and summaries. Real imageio I/O."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.batch import (
    Failure,
    Job,
    OutputPolicy,
    Summary,
    collect_inputs,
    format_summary,
    one_line,
    plan_jobs,
    run_batch,
)
from restorer.imageio import Photo


def make_image(path: Path, seed: int = 0, size=(24, 16)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def invert(photo: Photo) -> Photo:
    return photo.with_pixels(1.0 - photo.pixels)


def run(paths, out, *, recursive=False, process=invert, echo=None, dry_run=False, **policy):
    """The CLI's pipeline in one call; returns (summary, echoed lines)."""
    lines: list[str] = []
    inputs, failures = collect_inputs(paths, recursive, exclude=out)
    jobs, skipped, plan_failures = plan_jobs(inputs, OutputPolicy(out_dir=out, **policy))
    summary = run_batch(jobs, process, progress=False, dry_run=dry_run, echo=echo or lines.append)
    summary.skipped += skipped
    summary.failed[:0] = failures + plan_failures
    return summary, lines


def rels(pairs) -> list[str]:
    return [rel.as_posix() for _, rel in pairs]


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# ------------------------------------------------------------------------- inputs


def test_folder_and_file_arguments_mixed(tmp_path):
    make_image(tmp_path / "in" / "b.png")
    make_image(tmp_path / "in" / "a.JPG")  # suffix match is case-insensitive
    (tmp_path / "in" / "notes.txt").write_text("not an image")
    single = make_image(tmp_path / "other" / "c.png")
    pairs, failures = collect_inputs([tmp_path / "in", single, tmp_path / "in" / "a.JPG"], recursive=False)
    assert failures == []
    assert rels(pairs) == ["a.JPG", "b.png", "c.png"]  # folder sorted, duplicate a.JPG once
    assert pairs[2][0] == single


def test_recursive_mirrors_subfolders_and_flat_does_not_descend(tmp_path):
    src = tmp_path / "in"
    make_image(src / "top.png")
    make_image(src / "sub" / "deep" / "x.png", 1)
    pairs, _ = collect_inputs([src], recursive=False)
    assert rels(pairs) == ["top.png"]

    summary, _ = run([src], tmp_path / "out", recursive=True)
    assert summary.ok and len(summary.done) == 2
    assert files_under(tmp_path / "out") == ["sub/deep/x.png", "top.png"]


def test_hidden_files_and_folders_skipped(tmp_path):
    src = tmp_path / "in"
    make_image(src / "seen.png")
    make_image(src / ".hidden.png")
    make_image(src / ".cache" / "inside.png")
    pairs, _ = collect_inputs([src], recursive=True)
    assert rels(pairs) == ["seen.png"]


def test_missing_path_and_unknown_suffix_file(tmp_path):
    odd = tmp_path / "photo.dat"
    odd.write_bytes(b"hello")
    pairs, failures = collect_inputs([tmp_path / "nope", odd], recursive=False)
    assert rels(pairs) == ["photo.dat"]  # explicit file is still attempted
    assert [f.path.name for f in failures] == ["nope"]
    assert "no such file or directory" in failures[0].message and "nope" in failures[0].message


def test_images_of_unread_types_in_a_folder_are_named_in_the_summary_not_silently_dropped(tmp_path):
    make_image(tmp_path / "in" / "a.png")
    for name in ("b.CR2", "c.CR2", "d.gif"):  # camera raw beside its JPEG, an animation
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "in" / "a.xmp").write_text("sidecar")  # not an image: passes unmentioned
    left_out: list[Path] = []
    pairs, failures = collect_inputs([tmp_path / "in"], recursive=False, left_out=left_out)
    assert rels(pairs) == ["a.png"] and failures == []
    assert sorted(p.name for p in left_out) == ["b.CR2", "c.CR2", "d.gif"]
    text = format_summary(Summary([Path("a")], left_out=left_out))
    assert "left out 3 image(s)" in text and "2 .cr2, 1 .gif" in text
    assert Summary(left_out=left_out).exit_code == 0  # nothing the user named failed


# ----------------------------------------------------------------------- planning


def test_never_overwrites_originals(tmp_path):
    src = tmp_path / "in"
    originals = {p: p.read_bytes() for p in (make_image(src / f"{i}.png", i) for i in range(3))}
    summary, _ = run([src], src)  # -o is the input folder, no suffix
    assert summary.exit_code == 1 and summary.done == [] and len(summary.failed) == 3
    assert all("would overwrite the original" in f.message for f in summary.failed)
    assert {p: p.read_bytes() for p in originals} == originals
    assert files_under(src) == ["0.png", "1.png", "2.png"]  # no temp files either


def test_in_place_overwrites(tmp_path):
    p = make_image(tmp_path / "a.png")
    before = np.asarray(Image.open(p)).copy()
    summary, _ = run([p], tmp_path, in_place=True)
    assert summary.ok and summary.done == [tmp_path / "a.png"]
    np.testing.assert_array_equal(np.asarray(Image.open(p)), 255 - before)


def test_suffix_in_same_folder(tmp_path):
    p = make_image(tmp_path / "a.png")
    summary, _ = run([p], tmp_path, suffix="_clean")
    assert summary.ok and (tmp_path / "a_clean.png").is_file()


def test_existing_output_policies(tmp_path):
    p = make_image(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    dest = make_image(out / "a.png", seed=99)
    old = dest.read_bytes()

    summary, _ = run([p], out)
    assert summary.exit_code == 1 and "output exists" in summary.failed[0].message
    assert dest.read_bytes() == old

    summary, _ = run([p], out, skip_existing=True)
    assert summary.ok and summary.skipped == [p] and summary.done == []
    assert dest.read_bytes() == old

    summary, _ = run([p], out, overwrite=True)
    assert summary.ok and summary.done == [dest]
    np.testing.assert_array_equal(np.asarray(Image.open(dest)), 255 - np.asarray(Image.open(p)))


def test_format_override_changes_suffix(tmp_path):
    p = make_image(tmp_path / "a.png")
    summary, _ = run([p], tmp_path / "out", format="JPEG")
    dest = tmp_path / "out" / "a.jpg"
    assert summary.done == [dest]
    assert Image.open(dest).format == "JPEG"


def test_duplicate_destinations(tmp_path):
    a = make_image(tmp_path / "one" / "x.png")
    b = make_image(tmp_path / "two" / "x.png", 1)
    c = make_image(tmp_path / "one" / "x.jpg", 2)
    inputs, _ = collect_inputs([a, b, c], recursive=False)
    jobs, _, failures = plan_jobs(inputs, OutputPolicy(tmp_path / "out", format="PNG"))
    assert jobs == [Job(a, tmp_path / "out" / "x.png")]
    assert [f.path for f in failures] == [b, c]
    assert all(str(a) in f.message and str(f.path) in f.message for f in failures)


def test_output_that_is_another_input_refused(tmp_path):
    a = make_image(tmp_path / "a.png")
    b = make_image(tmp_path / "a_x.png", 1)
    jobs, _, failures = plan_jobs([(a, Path("a.png")), (b, Path("a_x.png"))], OutputPolicy(tmp_path, suffix="_x", overwrite=True))
    assert [f.path for f in failures] == [a] and "another input" in failures[0].message
    assert jobs == [Job(b, tmp_path / "a_x_x.png", replace=True)]  # --overwrite: replaced even if it appears later


def test_output_folder_inside_input_excluded_on_rerun(tmp_path):
    src = tmp_path / "in"
    make_image(src / "a.png")
    make_image(src / "sub" / "b.png", 1)
    out = src / "restored"
    first, _ = run([src], out, recursive=True)
    assert first.ok and files_under(out) == ["a.png", "sub/b.png"]
    second, _ = run([src], out, recursive=True, overwrite=True)
    assert second.ok and len(second.done) == 2
    assert files_under(out) == ["a.png", "sub/b.png"]  # no restored/restored/...


# ------------------------------------------------------------------------ running


def test_bad_files_in_the_middle(tmp_path):
    src = tmp_path / "in"
    for i in (0, 4):
        make_image(src / f"{i}_ok.png", i)
    (src / "1_empty.png").write_bytes(b"")
    (src / "2_text.png").write_text("just some text\nsecond line\n")
    good = make_image(tmp_path / "full.png", size=(64, 64)).read_bytes()
    (src / "3_truncated.png").write_bytes(good[: len(good) // 2])

    summary, lines = run([src], tmp_path / "out")
    assert summary.exit_code == 1
    assert [f.path.name for f in summary.failed] == ["1_empty.png", "2_text.png", "3_truncated.png"]
    for f in summary.failed:
        assert "\n" not in f.message and f.message.startswith(str(f.path))
    assert lines == [f.message for f in summary.failed]  # echoed as they happened
    assert files_under(tmp_path / "out") == ["0_ok.png", "4_ok.png"]


def test_process_error_is_caught(tmp_path):
    paths = [make_image(tmp_path / "in" / f"{i}.png", i) for i in range(3)]

    def flaky(photo: Photo) -> Photo:
        if photo.source.name == "1.png":
            raise RuntimeError("CUDA out of memory. Tried to allocate 2 GiB\nsee docs for more")
        return invert(photo)

    summary, lines = run(paths, tmp_path / "out", process=flaky)
    assert summary.exit_code == 1 and len(summary.done) == 2
    assert summary.failed == [Failure(paths[1], f"{paths[1]}: CUDA out of memory. Tried to allocate 2 GiB")]
    assert lines == [summary.failed[0].message]
    assert files_under(tmp_path / "out") == ["0.png", "2.png"]


def test_unwritable_destination_is_caught(tmp_path):
    a = make_image(tmp_path / "in" / "sub" / "a.png")
    b = make_image(tmp_path / "in" / "b.png", 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").write_text("a file where a folder should be")
    summary, _ = run([tmp_path / "in"], out, recursive=True)
    assert [f.path for f in summary.failed] == [a] and summary.done == [out / "b.png"]
    assert b.exists() and (out / "b.png").is_file()


def test_dry_run_writes_nothing(tmp_path):
    paths = [make_image(tmp_path / "in" / f"{i}.png", i) for i in range(2)]
    calls = []
    summary, lines = run(paths, tmp_path / "out", dry_run=True, process=calls.append)
    assert calls == [] and not (tmp_path / "out").exists()
    assert summary.ok and len(summary.done) == 2
    assert lines == [f"{p} -> {tmp_path / 'out' / p.name}" for p in paths]
    assert format_summary(summary).startswith("2 to write (dry run), 0 skipped, 0 failed")


def test_keyboard_interrupt_propagates_after_partial_summary(tmp_path):
    paths = [make_image(tmp_path / "in" / f"{i}.png", i) for i in range(3)]
    jobs = [Job(p, tmp_path / "out" / p.name) for p in paths]

    def stop_on_second(photo: Photo) -> Photo:
        if photo.source == paths[1]:
            raise KeyboardInterrupt
        return invert(photo)

    lines: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        run_batch(jobs, stop_on_second, progress=False, echo=lines.append)
    assert lines and lines[-1].startswith("interrupted: 1 written, 0 skipped, 0 failed")
    assert files_under(tmp_path / "out") == ["0.png"]


def test_progress_bar_does_not_swallow_messages(tmp_path, capsys):
    p = make_image(tmp_path / "a.png")
    lines: list[str] = []
    summary = run_batch([Job(p, tmp_path / "out" / "a.png")], lambda ph: 1 / 0, progress=True, echo=lines.append)
    assert lines == [f"{p}: division by zero"] and summary.exit_code == 1


# ------------------------------------------------------------------------ helpers


def test_one_line():
    assert one_line(ValueError("first\nsecond")) == "first"
    assert one_line(RuntimeError("\n  padded   words \n")) == "padded words"
    assert one_line(KeyError()) == "KeyError"


def test_format_summary():
    s = Summary([Path("a")] * 12, [Path("b")], [Failure(Path("x"), "x: broken"), Failure(Path("y"), "y: bad")], 3.44)
    assert format_summary(s) == "12 written, 1 skipped, 2 failed in 3.4 s\n  x: broken\n  y: bad"
    assert format_summary(Summary(elapsed=125)) == "0 written, 0 skipped, 0 failed in 2 min 05 s"
    assert s.exit_code == 1 and Summary().exit_code == 0
