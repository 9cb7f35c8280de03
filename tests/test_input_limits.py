"""Every size is bounded before work starts (issue 11 §3): the same limits in the library, the CLI and the service."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from latentsat.cli import app
from problems.answers import AnswerStatus, SolveOptions
from problems.errors import InstanceTooLarge, InvalidInstance
from problems.limits import InputLimits, effective_budgets, limits_in_force
from problems.partition import instance_from_dict, load_npz
from reductions.wire import reduce_json
from solvers.pipeline import solve

runner = CliRunner()


def partition(groups: list[dict[str, int]], samples: list[list[Any]], **extra: Any) -> dict[str, Any]:
    return {"kind": "partition", "groups": groups, "samples": samples, **extra}


def npz(**arrays: Any) -> bytes:
    base = {
        "tokens": np.array([[0], [1]]),
        "labels": np.array([1, 2]),
        "sizes": np.array([2]),
        "classes": np.array([2]),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **{**base, **arrays})
    return buffer.getvalue()


def test_a_huge_table_is_refused_before_any_array_is_built() -> None:
    """8 groups × {size 100, classes 50}: ΠK_i ≈ 3.9·10¹³ cells was accepted, then a MemoryError."""
    with pytest.raises(InstanceTooLarge) as caught:
        instance_from_dict(partition([{"size": 100, "classes": 50}] * 8, [[0] * 8 + [1]]))
    assert caught.value.field == "groups" and "LATENTSAT_MAX_CELLS" in str(caught.value)


def test_class_budgets_beyond_the_tokens_are_clamped_and_change_no_answer() -> None:
    """3 tokens with classes 10^6 sat in the cardinality encoding for minutes; K_i = min(K_i, N_i) = 3."""
    huge = instance_from_dict(partition([{"size": 3, "classes": 1_000_000}], [[0, 1], [1, 2], [2, 1]]))
    assert huge.budgets == (3,) and effective_budgets([3, 5], [10**18, 2]) == (3, 2)
    answer = solve(huge, SolveOptions(time_limit=20))
    small = solve(instance_from_dict(partition([{"size": 3, "classes": 3}], [[0, 1], [1, 2], [2, 1]])))
    assert answer.status is AnswerStatus.SOLVED and answer.classes == small.classes and answer.table == small.table


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (partition([{"size": 2**64, "classes": 1}], [[0, 1]]), "groups[0].size"),
        (partition([{"size": 2, "classes": 2**64}], [[0, 1]]), "groups[0].classes"),
        (partition([{"size": 2, "classes": 1}], [[2**64, 1]]), "samples[0][0]"),
        (partition([{"size": 2, "classes": 1}], [[0, 2**64]]), "samples[0][-1]"),
        (partition([{"size": 2, "classes": 1}], [[0, 1]], max_violations=2**64), "max_violations"),
        (partition([{"size": 2, "classes": 1}], [[0, 1]], max_violations=-1), "max_violations"),
    ],
)
def test_integers_outside_int64_are_refused_naming_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInstance) as caught:  # was OverflowError, exit 1 with a traceback
        instance_from_dict(json.loads(json.dumps(spec)))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("arrays", "field"),
    [
        ({"labels": np.array([1, "a"], dtype=object)}, "labels"),
        ({"sizes": np.array(2)}, "sizes"),
        ({"sizes": np.array([[2]])}, "sizes"),
        ({"labels": np.array([[1], [2]])}, "labels"),
        ({"max_violations": np.array([1, 2])}, "max_violations"),
        ({"max_violations": np.array("most")}, "max_violations"),
        ({"tokens": np.array([[0], [2**64 - 1]], dtype=np.uint64)}, "samples[1][0]"),
        ({"labels": np.array([1, 2**64 - 1], dtype=np.uint64)}, "samples[1][-1]"),
        ({"labels": np.array([b"a", b"b"])}, "labels"),
        ({"extra": np.array([1])}, "body"),
    ],
)
def test_malformed_npz_arrays_are_refused_naming_the_array(arrays: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInstance) as caught:
        load_npz(npz(**arrays))
    assert caught.value.field == field


def npz_claiming_rows(rows: int) -> bytes:
    """An `.npz` whose `tokens` header claims `rows` rows but whose data stops after the header: if the loader
    read any data it would fail as unreadable; refusing from the header alone gives InstanceTooLarge instead."""
    members = {
        "labels": np.zeros(rows, dtype=np.int8),
        "sizes": np.array([3]),
        "classes": np.array([2]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<i8", "fortran_order": False, "shape": (rows, 1)})
        archive.writestr("tokens.npy", header.getvalue())  # magic and header, no data
        for name, array in members.items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array)
    return buffer.getvalue()


def test_an_npz_of_sixty_million_rows_is_refused_from_its_headers() -> None:
    """A 1.9 MB `.npz` of 60M rows took 31 s and 3.5 GB before its 413; the headers say it all."""
    blob = npz_claiming_rows(60_000_000)
    assert len(blob) < 200_000
    with pytest.raises(InstanceTooLarge) as caught:
        load_npz(blob)
    assert caught.value.field == "tokens" and "60000000" in str(caught.value)


def test_decompressed_bytes_are_bounded_too() -> None:
    with limits_in_force(InputLimits(max_array_bytes=1024)), pytest.raises(InstanceTooLarge) as caught:
        load_npz(npz(labels=np.array(["x" * 200, "y"])))  # fixed width: 2 rows × 200 chars × 4 bytes
    assert "LATENTSAT_MAX_ARRAY_BYTES" in str(caught.value)


def test_the_seed_is_in_the_solvers_range() -> None:
    with pytest.raises(ValidationError):
        SolveOptions(seed=2**31)  # CP-SAT's int32: a TypeError traceback in the CLI, a failed job in the service
    assert SolveOptions(seed=2**31 - 1).seed == 2**31 - 1


@pytest.mark.parametrize(
    ("name", "source", "field"),
    [
        ("R2", {"kind": "cnf", "n_vars": 10**6, "clauses": []}, "n_vars"),
        ("R1R2", {"kind": "cnf", "n_vars": 3, "clauses": [[1]] * 60_000}, "clauses"),
        ("R1", {"kind": "colouring", "n": 10**6, "edges": [], "k": 3}, "n"),
        ("R1", {"kind": "colouring", "n": 10**5, "edges": [], "k": 10**6}, "k"),
        ("R3", {"kind": "separability", "dim": 10**6, "positive": [], "negative": []}, "dim"),
    ],
)
def test_reduction_sources_are_bounded_before_the_reduction_runs(name: str, source: dict[str, Any], field: str) -> None:
    """`R2` on a 50-byte body asking for 10^6 variables cost 13 s and a 40 MB answer."""
    with pytest.raises(InstanceTooLarge) as caught:
        reduce_json(name, source)
    assert caught.value.field == field


def test_limits_come_from_latentsat_variables_in_the_cli_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(partition([{"size": 4, "classes": 2}] * 2, [[0, 1, 0], [2, 3, 1]])))
    assert runner.invoke(app, ["solve", str(path)]).exit_code == 0
    monkeypatch.setenv("LATENTSAT_MAX_CELLS", "3")
    refused = runner.invoke(app, ["solve", str(path)])
    assert refused.exit_code == 2 and "LATENTSAT_MAX_CELLS" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["solve", "{inst}", "--backend", "cpsat", "--seed", "2147483648"], "options.seed"),
        (["reduce", "R2", "{cnf}"], "line 1"),
        (["solve", "{cells}"], "groups"),
    ],
)
def test_cli_refuses_out_of_range_input_with_exit_2(tmp_path: Path, args: list[str], field: str) -> None:
    paths = {
        "inst": tmp_path / "inst.json",
        "cnf": tmp_path / "big.cnf",
        "cells": tmp_path / "cells.json",
    }
    paths["inst"].write_text(json.dumps(partition([{"size": 2, "classes": 1}], [[0, 1]])))
    paths["cnf"].write_text("p cnf 1000000 0\n")
    paths["cells"].write_text(json.dumps(partition([{"size": 100, "classes": 50}] * 8, [[0] * 8 + [1]])))
    result = runner.invoke(app, [a.format(**{k: str(v) for k, v in paths.items()}) for a in args])
    assert result.exit_code == 2, result.output
    assert field in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_readme_documents_every_limit_with_its_default() -> None:
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = dict(re.findall(r"^\| `LATENTSAT_(\w+)` \| (\d+)", readme, flags=re.MULTILINE))
    assert rows == {name.upper(): str(field.default) for name, field in InputLimits.model_fields.items()}


def test_the_service_settings_are_the_same_limits() -> None:
    from service.config import Settings

    assert issubclass(Settings, InputLimits)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LATENTSAT_MAX_CELLS", "7")
        assert Settings().max_cells == InputLimits().max_cells == 7


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "lsa", "d": 8, "markov": {"n": 10}}, "d"),  # exact X* at d = 7 already took minutes at parse
        ({"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "grid": list(range(200))}, "grid"),
    ],
)
def test_lsa_instances_are_bounded_before_x_star_or_an_encoding(spec: dict[str, Any], field: str) -> None:
    from problems.lsa.instance import lsa_from_dict

    with pytest.raises(InstanceTooLarge) as caught:
        lsa_from_dict(spec)
    assert caught.value.field == field


@pytest.mark.parametrize("backend", ["pysat", "cpsat", "fast"])
def test_a_huge_max_violations_is_clamped_to_n(backend: str) -> None:
    """An int64 bound reached the cardinality encodings and overflowed there (OverflowError, exit 1)."""
    instance = instance_from_dict(partition([{"size": 2, "classes": 1}], [[0, 1], [1, 2]], max_violations=2**62))
    assert instance.max_violations == 2
    answer = solve(instance, SolveOptions(backend=backend, time_limit=20))
    assert answer.status is AnswerStatus.SOLVED and answer.violations == 1
