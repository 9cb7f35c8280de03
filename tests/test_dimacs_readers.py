"""The readers follow the published formats (issue 11 §6): ccformat graphs, DIMACS CNF as SATLIB writes it, and
content sniffing instead of suffixes."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.cnf_formula import is_dimacs_cnf, parse_dimacs_cnf
from problems.errors import InputWarning, InvalidInstance
from problems.graph import Colouring, brute_force_colouring, is_dimacs_graph, parse_dimacs_col, read_dimacs_graph

runner = CliRunner()
TRIANGLE = "p edge 3 3\ne 1 2\ne 2 3\ne 3 1\n"


@pytest.mark.parametrize(
    "text",
    [
        "c FILE: t.col\np edge 3 3\ne 1 2\ne 2 3\ne 3 1\n",
        "cFILE: t.col\nc\np edge 3 3\ne 1 2\ne 2 3\ne 3 1\n",  # a comment written without a blank
        "\ufeffp edge 3 3\ne 1 2\ne 2 3\ne 3 1\n",  # a UTF-8 byte-order mark
        "p edge 3 3 3\ne 1 2\ne 2 3\ne 3 1\n",  # the 5-field header real files carry (χ last)
        "p col 3 3\ne 1 2\ne 2 3\ne 3 1\n",
        "p edge 3 3\nn 1 5\nn 3 -2\ne 1 2\ne 2 3\ne 3 1\n",  # vertex weights
        "p edge 3 3\nd 2 L2\nv 0 0\nv 1 0\nv 0 1\nx MAXLENGTH 2\ne 1 2\ne 2 3\ne 3 1\n",  # geometric descriptors
        "p edge 3 3\r\ne 1 2\r\ne 2 3\r\n\r\ne 3 1\r\n",
        "  c indented comment\np  edge\t3 3\n e 1 2\ne 2 3\ne 3 1",
    ],
)
def test_ccformat_lines_are_read(text: str) -> None:
    assert read_dimacs_graph(text) == (3, [(0, 1), (1, 2), (2, 0)])
    assert is_dimacs_graph(text) and not is_dimacs_cnf(text)


def test_latin1_bytes_in_a_comment_are_read_and_elsewhere_refused_by_line() -> None:
    """A latin-1 byte in a comment exited 1 with a UnicodeDecodeError."""
    assert read_dimacs_graph(b"c caf\xe9 graph\n" + TRIANGLE.encode())[0] == 3
    with pytest.raises(InvalidInstance) as caught:
        read_dimacs_graph(b"p edge 3 3\ne 1 2\ne 2 3\ne 3 1\xe9\n")
    assert caught.value.field == "line 4"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("p edge 3 4\ne 1 2\ne 2 3\ne 3 1\n", "line 1", "declares 4 edges, the file lists 3"),
        ("p edge 3 2\ne 1 2\ne 2 3\ne 3 1\n", "line 1", "declares 2 edges, the file lists 3"),
        ("e 1 2\np edge 3 1\n", "line 1", "before"),
        ("p edge 3 1\ne 1 4\n", "line 2", "outside 1..3"),
        ("p edge 3 1\ne 1\n", "line 2", "expected 'e u w'"),
        ("p edge 3 1\ns col 3\n", "line 2", "unknown line type"),
        ("p edge 3 0\np edge 3 0\n", "line 2", "second problem line"),
        ("p edge 3 1\nn 9 1\ne 1 2\n", "line 2", "outside 1..3"),
        ("c only comments\n", "header", "no 'p edge"),
    ],
)
def test_malformed_graphs_are_refused_naming_the_line(text: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInstance, match=message) as caught:
        read_dimacs_graph(text)
    assert caught.value.field == field


def test_a_wrong_clause_count_gets_the_same_policy_as_a_wrong_edge_count() -> None:
    for text, what in (("p edge 2 2\ne 1 2\n", "edges"), ("p cnf 2 2\n1 2 0\n", "clauses")):
        reader = read_dimacs_graph if what == "edges" else parse_dimacs_cnf
        with pytest.raises(InvalidInstance, match=f"the problem line declares 2 {what}") as caught:
            reader(text)  # type: ignore[operator]
        assert caught.value.field == "line 1"


def test_a_self_loop_is_dropped_with_a_warning_naming_its_line() -> None:
    """homer.col lists `e 95 95`; kept, it made every K infeasible where the published χ is 13."""
    with pytest.warns(InputWarning, match=r"line 3: self-loop 'e 2 2' dropped"):
        graph = parse_dimacs_col("p edge 3 3\ne 1 2\ne 2 2\ne 2 3\n", k=2)
    assert graph.edges == [(0, 1), (1, 2)] and brute_force_colouring(graph) is not None
    json_loop = Colouring(n=3, edges=[(0, 1), (1, 1)], k=3)  # the JSON form keeps it: uncolourable, by definition
    assert brute_force_colouring(json_loop) is None


def test_satlib_cnf_with_the_percent_end_marker() -> None:
    text = "c SATLIB style\np cnf 3 2\n 1 -2 0\n2 3 0\n%\n0\n\n"
    assert parse_dimacs_cnf(text).clauses == [[1, -2], [2, 3]]
    assert parse_dimacs_cnf(text.replace("%\n", "%%\n")).clauses == [[1, -2], [2, 3]]
    assert parse_dimacs_cnf(b"\xef\xbb\xbfc caf\xe9\np cnf 1 1\n1 0\n").clauses == [[1]]
    with pytest.raises(InvalidInstance, match="after the '%'") as caught:
        parse_dimacs_cnf("p cnf 3 1\n1 0\n%\n2 0\n")
    assert caught.value.field == "line 4"


def test_huge_numbers_in_a_dimacs_file_are_refused_not_parsed() -> None:
    with pytest.raises(InvalidInstance):
        read_dimacs_graph("p edge " + "9" * 5000 + " 1\n")
    with pytest.raises(InvalidInstance):
        parse_dimacs_cnf("p cnf 2 1\n" + "1" * 5000 + " 0\n")


@pytest.mark.parametrize("name", ["graph.clq", "graph.COL", "graph.col.txt", "graph.dimacs", "graph.json"])
def test_reduce_sniffs_graphs_whatever_the_suffix(name: str, tmp_path: Path) -> None:
    """`.clq`, `.COL` and `.col.txt` graphs were read as JSON, a `.dimacs` graph as a CNF."""
    path = tmp_path / name
    path.write_text("c a triangle\n" + TRIANGLE)
    result = runner.invoke(app, ["reduce", "R1", str(path), "--k", "3"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["groups"][0] == {"size": 3, "classes": 3}


@pytest.mark.parametrize("name", ["formula.dimacs", "formula.col", "formula.txt"])
def test_reduce_sniffs_cnfs_and_json_whatever_the_suffix(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text("p cnf 2 2\n1 2 0\n-1 0\n")
    assert runner.invoke(app, ["reduce", "R1R2", str(path)]).exit_code == 0
    path.write_text(json.dumps({"kind": "cnf", "n_vars": 2, "clauses": [[1, 2], [-1]]}))
    assert runner.invoke(app, ["reduce", "R1R2", str(path)]).exit_code == 0


def test_reduce_prints_the_self_loop_warning_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "loop.col"
    path.write_text("p edge 2 2\ne 1 2\ne 2 2\n")
    result = runner.invoke(app, ["reduce", "R1", str(path), "--k", "2"])
    assert result.exit_code == 0
    assert result.stderr.strip() == "warning: line 3: self-loop 'e 2 2' dropped (as colouring tools do)"


def test_solve_sniffs_npz_and_json_whatever_the_suffix(tmp_path: Path) -> None:
    from problems.partition import dump_npz, instance_from_dict

    spec = {"groups": [{"size": 2, "classes": 2}], "samples": [[0, 1], [1, 2]]}
    (tmp_path / "instance.bin").write_bytes(dump_npz(instance_from_dict(spec)))
    (tmp_path / "instance.txt").write_text(json.dumps(spec))
    for name in ("instance.bin", "instance.txt"):
        result = runner.invoke(app, ["solve", str(tmp_path / name)])
        assert result.exit_code == 0 and json.loads(result.stdout)["status"] in ("solved", "unique")


def test_warnings_do_not_leak_out_of_the_reader() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_dimacs_col(TRIANGLE, k=3).n_edges == 3
