"""`latentsat plot`, `compare` and `solve --pretty` (latentsat/view/), on real solves of planted instances."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from latentsat.cli import app
from latentsat.view.compare import compare, compare_group
from latentsat.view.plot_partition import MAX_BINS, block_means, class_order
from latentsat.view.plots import render_png

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def _invoke(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A planted N=30 instance, its truth, and a bundle of its unique answer."""
    folder = tmp_path_factory.mktemp("planted")
    paths = {name: folder / f"{name}.json" for name in ("inst", "truth", "bundle", "answer")}
    generated = _invoke(
        "generate", "--groups", "3", "--size", "30", "--classes", "3", "--factor", "8", "--seed", "1",
        "--out", paths["inst"], "--truth", paths["truth"],
    )  # fmt: skip
    assert generated.exit_code == 0, generated.output
    solved = _invoke("solve", paths["inst"], "--unique", "--bundle", paths["bundle"])
    assert solved.exit_code == 0 and json.loads(solved.stdout)["status"] == "unique", solved.output
    paths["answer"].write_text(solved.stdout)
    return paths


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_a_bundle_and_a_bare_answer_with_its_instance(planted: dict[str, Path], tmp_path: Path) -> None:
    for args in ([planted["bundle"]], [planted["answer"], "--instance", planted["inst"]]):
        out = tmp_path / "plot.png"
        result = _invoke("plot", *args, "--out", out)
        assert result.exit_code == 0, result.output
        width, height = _png_size(out)
        assert width >= 800 and height >= 700  # 3 pair panels and the table: a 2 × 2 grid


def test_plot_without_instance_draws_table_and_class_sizes(planted: dict[str, Path], tmp_path: Path) -> None:
    result = _invoke("plot", planted["answer"], "--out", tmp_path / "t.png")
    assert result.exit_code == 0, result.output
    assert _png_size(tmp_path / "t.png")[0] >= 800


def test_plot_lsa_answer(tmp_path: Path) -> None:
    bundle = tmp_path / "lsa-bundle.json"
    solved = _invoke("solve", EXAMPLES / "lsa_grid.json", "--bundle", bundle)
    assert solved.exit_code == 0 and json.loads(solved.stdout)["status"] == "solved"
    assert json.loads(bundle.read_text())["instance"]["kind"] == "lsa"
    result = _invoke("plot", bundle, "--out", tmp_path / "lsa.png")
    assert result.exit_code == 0, result.output
    width, _ = _png_size(tmp_path / "lsa.png")
    assert width >= 900  # X, φ(b, A) and their difference side by side


def test_plot_refuses_an_instance_that_does_not_fit(planted: dict[str, Path], tmp_path: Path) -> None:
    result = _invoke("plot", planted["answer"], "--instance", EXAMPLES / "lsa_grid.json", "--out", tmp_path / "x.png")
    assert result.exit_code == 2
    not_an_answer = _invoke("plot", planted["truth"], "--out", tmp_path / "y.png")
    assert not_an_answer.exit_code == 2 and "status" in not_an_answer.output


def test_pair_panels_stay_bounded_for_large_instances() -> None:
    """A million samples over 50,000 tokens per group: one bincount, at most MAX_BINS² pixels."""
    rng = np.random.default_rng(0)
    n, size = 1_000_000, 50_000
    rows, cols = rng.integers(0, size, n), rng.integers(0, size, n)
    means = block_means(rows, cols, rng.integers(0, 2, n).astype(float), size, size)
    assert means.shape == (MAX_BINS, MAX_BINS) and np.isfinite(means).mean() > 0.999  # ~11 samples a pixel
    assert 0.45 < float(np.nanmean(means)) < 0.55


def test_render_a_large_planted_answer_from_its_truth() -> None:
    """The whole figure for N = 20,000 tokens and 400,000 samples (the truth stands in for the answer)."""
    from problems.generate import planted_partition

    instance, truth = planted_partition(3, 20_000, 3, 2, n_samples=400_000, seed=3)
    answer = {"status": "solved", "classes": truth.classes, "table": [
        {"cell": list(cell), "label": label} for cell, label in truth.table.items()
    ]}  # fmt: skip
    png = render_png("partition", answer, instance)
    assert png[:4] == b"\x89PNG" and len(png) < 2_000_000


def test_class_order_sorts_tokens_by_class_then_index() -> None:
    rank, sizes = class_order(np.array([1, 0, 1, 0]), 4)
    assert rank.tolist() == [2, 0, 3, 1] and sizes.tolist() == [2, 2]


def test_compare_with_the_generated_truth(planted: dict[str, Path]) -> None:
    result = _invoke("compare", planted["bundle"], planted["truth"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["exact"] and report["table_match"] and report["ari"] == [1.0, 1.0, 1.0]
    assert all(group["misplaced"] == [] for group in report["groups"])
    pretty = _invoke("compare", planted["answer"], planted["truth"], "--pretty")
    assert "exact match up to relabelling" in pretty.stdout and "adjusted Rand index" in pretty.stdout


def test_compare_finds_a_moved_token_and_ignores_relabelling(planted: dict[str, Path], tmp_path: Path) -> None:
    from sklearn.metrics import adjusted_rand_score

    truth = json.loads(planted["truth"].read_text())
    answer = json.loads(planted["answer"].read_text())
    relabelled = [[(k + 1) % 3 for k in group] for group in answer["classes"]]
    assert compare({"classes": relabelled}, truth).exact
    moved = [list(group) for group in answer["classes"]]
    moved[1][4] = (moved[1][4] + 1) % 3
    path = tmp_path / "moved.json"
    path.write_text(json.dumps({**answer, "classes": moved}))
    report = json.loads(_invoke("compare", path, planted["truth"]).stdout)
    assert not report["exact"] and report["groups"][1]["misplaced"] == [4]
    assert (
        report["ari"][1] == pytest.approx(adjusted_rand_score(truth["classes"][1], moved[1])) and report["ari"][1] < 1
    )
    assert report["table_match"] is True  # g still agrees on every cell after the matching


def test_compare_refuses_answers_without_classes(tmp_path: Path) -> None:
    path = tmp_path / "infeasible.json"
    path.write_text(json.dumps({"status": "infeasible"}))
    result = _invoke("compare", path, path)
    assert result.exit_code == 2 and "no class maps" in result.output


def _partition_distance(a: list[int], b: list[int]) -> int:
    """Brute force: fewest tokens to move so that `a` equals `b` up to a one-to-one relabelling."""
    ka, kb = max(a) + 1, max(b) + 1
    best = len(a)
    for image in itertools.permutations(range(max(ka, kb)), ka):
        best = min(best, sum(image[x] != y for x, y in zip(a, b, strict=True)))
    return best


@given(st.integers(1, 9).flatmap(lambda n: st.tuples(st.lists(st.integers(0, 3), min_size=n, max_size=n),
                                                     st.lists(st.integers(0, 3), min_size=n, max_size=n))))  # fmt: skip
def test_misplaced_count_is_the_partition_distance(pair: tuple[list[int], list[int]]) -> None:
    answer, truth = pair
    group = compare_group(0, answer, truth, [])
    assert len(group.misplaced) == _partition_distance(answer, truth)
    assert group.exact == (group.ari == 1.0)


def test_pretty_partition_answer_shows_every_part() -> None:
    result = _invoke("solve", EXAMPLES / "planted_small.json", "--unique", "--pretty")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for part in ("status", "classes", "table g", "certificate", "stats", "unique_check"):
        assert part in text, part
    assert "alternative" in text  # planted_small is not unique: its rival is shown as moved tokens
    assert "{'" not in text and '{"' not in text.split("stats")[0]  # tables, not dicts


def test_pretty_lsa_answer() -> None:
    result = _invoke("solve", EXAMPLES / "lsa_grid.json", "--pretty")
    assert result.exit_code == 0, result.output
    for part in ("status", "solved", "b and A", "A[:, 1]", "certificate", "stats"):
        assert part in result.stdout, part
