"""The house rules of docs/architecture.md, checked: layers, registries, one home per concept, module sizes."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import reductions
from problems.errors import LatentsatError, field_path
from reductions.registry import get_reduction, registry
from service.errors import HTTP_STATUS, http_status
from solvers.base import Backend
from solvers.registry import check_backend, get_backend
from solvers.registry import registry as backends
from solvers.strategies import choices

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("problems", "reductions", "solvers", "service", "latentsat")


def modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def imported(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every `from X import ...` and `import X` in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("folder", "allowed"), [("problems", {"problems"}), ("reductions", {"problems", "reductions"})]
)
def test_data_flows_one_way(folder: str, allowed: set[str]) -> None:
    for path in modules(folder):
        ours = {module.split(".")[0] for module, _ in imported(path)} & set(LAYERS)
        assert ours <= allowed, f"{path.relative_to(ROOT)} imports {ours - allowed}"


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in modules("problems", "reductions", "solvers", "service")
            if (n := len(p.read_text().splitlines())) > 400}  # fmt: skip
    assert not long


def test_no_private_name_is_imported_across_modules() -> None:
    allowed = {("service/workers.py", "solvers.child", "_die_with_parent")}  # the service engineer's to fix
    crossing = set()
    for path in modules(*LAYERS, "bench"):
        for module, names in imported(path):
            for name in names:
                if name.startswith("_") and module.split(".")[0] in (*LAYERS, "bench"):
                    crossing.add((str(path.relative_to(ROOT)), module, name))
    assert crossing <= allowed


def test_no_isinstance_on_a_backend_class_outside_the_registry() -> None:
    names = {cls.__name__ for cls in backends()} | {"Backend"}
    for path in modules("solvers", "service", "latentsat", "bench"):
        if path.name == "registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("isinstance", "issubclass"):
                checked = ast.unparse(node.args[1])
                assert not any(name in checked for name in names), f"{path.relative_to(ROOT)}: {ast.unparse(node)}"


def test_the_cli_modules_import_no_cycle() -> None:
    graph = {
        path.stem: {module.split(".")[1] for module, _ in imported(path) if module.startswith("latentsat.")}
        for path in modules("latentsat")
    }
    graph["cli"] |= {m for m in graph if m.startswith("cli_")}  # `from latentsat import cli_lsa` names the modules

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        nexts = graph.get(start, set())
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in nexts)

    assert not [m for m in graph if reaches(m, m)]


def test_the_bench_is_a_library_the_cli_calls() -> None:
    for path in modules("bench"):
        assert not any(module.startswith("latentsat") for module, _ in imported(path)), path.name


def test_backend_names_are_unique_and_every_backend_declares_its_capabilities() -> None:
    names = [cls.name for cls in backends()]
    assert len(names) == len(set(names))
    assert not set(names) & {"fast", "portfolio"}  # strategies, not backends
    for cls in backends():
        assert issubclass(cls, Backend)
        assert isinstance(cls.complete, bool) and isinstance(cls.proofs, bool) and cls.accepts
        assert "solve" in vars(cls)


def test_sub_solvers_are_addressed_backend_slash_solver() -> None:
    assert get_backend("gradient/adam").solver == "adam"
    assert get_backend("gradient", targets=frozenset({"phi-fit"})).solver == "adam"
    assert get_backend("gradient", targets=frozenset({"samples"})).solver == "mlp"
    assert get_backend("pysat/glucose4").solver == "glucose4"
    cls, solver = check_backend("gradient", "mlp:steps=10", frozenset({"samples"}))
    assert cls.name == "gradient" and solver == "mlp:steps=10"


def test_an_unknown_backend_lists_every_choice() -> None:
    from problems.answers import SolveOptions
    from problems.errors import UnknownBackend
    from solvers.strategies import check_options

    with pytest.raises(UnknownBackend) as error:
        check_options("partition", SolveOptions(backend="nope"))
    assert all(name in str(error.value) for name in choices())
    assert choices().count("gradient") == 1


def reduction_classes() -> set[str]:
    """Every class in reductions/ with the shape of a reduction (a name, a version, forward and backward)."""
    found = set()
    for info in pkgutil.iter_modules(reductions.__path__):
        module = importlib.import_module(f"reductions.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            shaped = all(hasattr(cls, attr) for attr in ("name", "version", "forward", "backward"))
            if shaped and cls.__module__ == module.__name__ and isinstance(vars(cls).get("name"), str):
                found.add(cls.name)
    return found


def test_the_reduction_registry_lists_every_reduction_and_encoding() -> None:
    assert reduction_classes() <= {entry.name for entry in registry()}


def test_check_regenerates_every_partition_cnf_through_the_registry() -> None:
    from solvers.certificates import cnf_encoding

    cnf_names = [e.name for e in registry() if e.source == "partition" and e.target in ("cnf", "wcnf")]
    assert {"partition->cnf", "partition->wcnf", "partition->cnf+implied∘partition->quotient"} <= set(cnf_names)
    for name in cnf_names:
        assert cnf_encoding(name) is get_reduction(name) or cnf_encoding(name) == get_reduction(name)
    assert cnf_encoding("partition->cpsat") is None and cnf_encoding("colouring->cnf") is None


def test_a_caller_fault_is_a_4xx_and_only_a_caller_fault_is() -> None:
    errors = {cls for cls in HTTP_STATUS if cls.__module__ == "problems.errors"}
    for cls in errors:
        assert cls.caller_fault == (http_status(cls("x")) < 500), cls.__name__
    assert not LatentsatError.caller_fault


@pytest.mark.parametrize(
    ("parse", "data", "field"),
    [
        ("problems.graph:colouring_from_dict", {"kind": "colouring", "n": 2, "edges": [[0, "a"]], "k": 2},
         "edges[0][1]"),
        ("problems.cnf_formula:formula_from_dict", {"kind": "cnf", "n_vars": 1, "clauses": [[1, "x"]]},
         "clauses[0][1]"),
        ("problems.partition:instance_from_dict", {"groups": [{"size": 2, "classes": "x"}], "samples": []},
         "groups[0].classes"),
    ],
)  # fmt: skip
def test_every_parser_names_a_field_in_one_format(parse: str, data: dict, field: str) -> None:
    from problems.errors import InvalidInstance

    module, name = parse.split(":")
    with pytest.raises(InvalidInstance) as error:
        getattr(importlib.import_module(module), name)(data)
    assert error.value.field == field
    assert field_path(("edges", 0, 1)) == "edges[0][1]"
