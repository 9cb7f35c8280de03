"""A malformed answer is a rejection (exit 1, `ok: false`, a one-line reason), never a crash of `check`: numbers
that no numpy array or float can hold, a bundle whose `kind` is not its instance's (issue 11 §4's kind)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from latentsat.cli import app

runner = CliRunner()
TINY_NOISY = {
    "kind": "partition",
    "groups": [{"size": 3, "classes": 2}, {"size": 3, "classes": 2}],
    "samples": [[0, 1, 1], [2, 0, 0], [1, 1, 1]],
    "max_violations": "minimize",
}
PIGEONHOLE = {"kind": "partition", "groups": [{"size": 2, "classes": 1}], "samples": [[0, 1], [1, 2]]}
REAL = {"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real"}
HUGE = 2**70


def bundle_of(instance: dict[str, Any], folder: Path) -> dict[str, Any]:
    source, bundle = folder / "instance.json", folder / "bundle.json"
    source.write_text(json.dumps(instance))
    assert runner.invoke(app, ["solve", str(source), "--bundle", str(bundle), "--quiet"]).exit_code == 0
    return dict(json.loads(bundle.read_text()))


def check(bundle: dict[str, Any], folder: Path) -> tuple[int, dict[str, Any], str]:
    path = folder / "edited.json"
    path.write_text(json.dumps(bundle))
    result = runner.invoke(app, ["check", str(path), "--quiet"])
    assert "internal error" not in result.stderr and "Traceback" not in result.stdout + result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def set_class(bundle: dict[str, Any]) -> None:
    bundle["answer"]["classes"][0][0] = HUGE


def set_sample(bundle: dict[str, Any]) -> None:
    bundle["answer"]["certificate"]["samples"][0] = HUGE


def set_cell(bundle: dict[str, Any]) -> None:
    bundle["answer"]["table"][0]["cell"][0] = HUGE


def set_b(bundle: dict[str, Any]) -> None:
    bundle["answer"]["b"][0] = "1" + "0" * 400  # no float holds it: float() raised OverflowError


def set_b_without_float(bundle: dict[str, Any]) -> None:
    set_b(bundle)
    bundle["answer"]["b_float"] = None


def set_kind(bundle: dict[str, Any]) -> None:
    bundle["kind"] = "lsa"


@pytest.mark.parametrize(
    ("instance", "edit", "reason"),
    [
        (TINY_NOISY, set_class, "outside int64"),  # OverflowError in verify's np.asarray: exit 1, internal error
        (TINY_NOISY, set_cell, "outside int64"),
        (PIGEONHOLE, set_sample, "outside int64"),  # OverflowError in the pigeonhole witness check
        (REAL, set_b, "float"),
        (REAL, set_b_without_float, "float"),
        (TINY_NOISY, set_kind, "kind"),  # the bundle's kind was ignored: `kind: lsa` on a partition bundle passed
    ],
    ids=["class", "cell", "pigeonhole-sample", "lsa-b", "lsa-b-no-float", "bundle-kind"],
)
def test_a_malformed_answer_is_rejected_with_a_reason(
    instance: dict[str, Any], edit: Callable[[dict[str, Any]], None], reason: str, tmp_path: Path
) -> None:
    bundle = bundle_of(instance, tmp_path)
    assert check(bundle, tmp_path)[0] == 0  # the genuine bundle passes
    edit(bundle)
    code, report, stderr = check(bundle, tmp_path)
    assert code == 1 and report["ok"] is False and reason in report["reason"], (report, stderr)


def test_the_guards_also_hold_without_the_edge_check() -> None:
    """Beneath `check_data`'s int64 pass, each numpy conversion of an answer field refuses by itself."""
    import numpy as np

    from problems.neighbours import is_distinct_label_witness
    from problems.partition import PartitionInstance
    from problems.verify import verify_partition

    instance = PartitionInstance.from_arrays([2], [1], np.asarray([[0], [1]]), [1, 2])
    assert not is_distinct_label_witness(instance, [0, HUGE])
    verdict = verify_partition(instance, [[HUGE, 0]], [])
    assert not verdict.ok and "classes must be integers" in verdict.reason


def test_a_best_fit_bundle_with_an_x_added_is_an_invalid_instance(tmp_path: Path) -> None:
    """`check` accepted a best-fit bundle whatever x it was edited to hold (the fit is to X*, x was ignored):
    an instance with both x and markov is invalid (exit 2 naming x), in `check` as in `solve`."""
    bundle = bundle_of({"kind": "lsa", "d": 2, "markov": {"n": 100, "p": "1/2"}, "mode": "best-fit"}, tmp_path)
    bundle["instance"]["x"] = [["0", "0"]] * 6
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(bundle))
    result = runner.invoke(app, ["check", str(path), "--quiet"])
    assert result.exit_code == 2 and result.stderr.startswith("invalid input: x: "), result.stderr
