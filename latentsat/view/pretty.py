"""`--pretty`: an answer as readable rich tables (status, classes, table g, alternative, violations, certificate,
stats) for partition and LSA answers. Long lists are cut with "… N more" so a large answer stays one screen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

MAX_TOKENS_SHOWN = 24
MAX_ROWS = 40


def print_answer(answer: dict[str, Any], console: Console | None = None) -> None:
    """Print a partition or LSA answer (its JSON form) as tables."""
    (console or Console()).print(render_answer(answer))


def render_answer(answer: dict[str, Any]) -> RenderableType:
    parts = list(_lsa_parts(answer) if answer.get("kind") == "lsa" else _partition_parts(answer))
    parts += [_certificate(answer.get("certificate")), _stats(answer.get("stats") or {})]
    return Group(*(p for p in parts if p is not None))


def _headline(answer: dict[str, Any], extra: dict[str, Any]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    status = answer.get("status", "?")
    colour = {"unique": "green", "solved": "green", "optimal": "green", "infeasible": "yellow"}.get(status, "red")
    table.add_row("status", Text(status, style=f"bold {colour}"))
    for key, value in extra.items():
        if value is not None:
            table.add_row(key, str(value))
    if answer.get("message"):
        table.add_row("message", answer["message"])
    return table


def _partition_parts(answer: dict[str, Any]) -> Iterator[RenderableType]:
    violated = answer.get("violated")
    yield _headline(
        answer,
        {
            "violations": answer.get("violations"),
            "violated samples": cut_list(violated) if violated else None,
            "lower bound": answer.get("lower_bound"),
            "gap": answer.get("gap"),
        },
    )
    if answer.get("classes") is not None:
        yield _classes(answer["classes"], answer.get("unconstrained"))
    if answer.get("table"):
        yield _table_g(answer["table"])
    if answer.get("alternative") is not None and answer.get("classes") is not None:
        yield _alternative(answer["classes"], answer["alternative"])


def cut_list(items: list[Any], limit: int = MAX_TOKENS_SHOWN) -> str:
    shown = " ".join(map(str, items[:limit]))
    return shown + (f" … {len(items) - limit} more" if len(items) > limit else "")


def _classes(classes: list[list[int]], unconstrained: list[list[int]] | None) -> Table:
    table = Table(title="classes (tokens of each class)", title_justify="left")
    for column in ("group", "class", "size", "tokens"):
        table.add_column(column, justify="right" if column in ("group", "class", "size") else "left")
    for i, group in enumerate(classes):
        members: dict[int, list[int]] = {}
        for token, k in enumerate(group):
            members.setdefault(k, []).append(token)
        for k in sorted(members):
            table.add_row(str(i), str(k), str(len(members[k])), cut_list(members[k]))
        free = (unconstrained or [])[i] if unconstrained and i < len(unconstrained) else []
        if free:
            table.add_row(str(i), "-", str(len(free)), Text("unconstrained: " + cut_list(free), style="dim"))
    return table


def _table_g(entries: list[dict[str, Any]]) -> Table:
    table = Table(title=f"table g ({len(entries)} cells set)", title_justify="left")
    table.add_column("cell (class per group)")
    table.add_column("label")
    for entry in entries[:MAX_ROWS]:
        table.add_row("(" + ", ".join(map(str, entry["cell"])) + ")", json.dumps(entry["label"]))
    if len(entries) > MAX_ROWS:
        table.add_row(f"… {len(entries) - MAX_ROWS} more", "")
    return table


def _alternative(classes: list[list[int]], alternative: list[list[int]]) -> Table:
    """Where the alternative differs: per group, the tokens whose class differs (both are canonical)."""
    table = Table(title="alternative: a second verified partition (not unique)", title_justify="left")
    table.add_column("group", justify="right")
    table.add_column("tokens whose class differs")
    for i, (mine, theirs) in enumerate(zip(classes, alternative, strict=False)):
        moved = [t for t, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b]
        table.add_row(str(i), cut_list([f"{t}:{mine[t]}→{theirs[t]}" for t in moved]) if moved else "same")
    return table


def _lsa_parts(answer: dict[str, Any]) -> Iterator[RenderableType]:
    yield _headline(
        answer,
        {
            "mode": answer.get("mode"),
            "residual max|φ(b,A) − X|": answer.get("residual"),
            "loss excess": answer.get("loss_excess_float") or answer.get("loss_excess"),
            "lower bound": answer.get("lower_bound"),
            "gap": answer.get("gap"),
        },
    )
    if answer.get("b") is not None:
        table = Table(title="b and A (≈: rounded here, exact in the JSON)", title_justify="left")
        table.add_column("row", justify="right")
        table.add_column("b")
        columns = len((answer.get("a") or [[]])[0])
        for j in range(columns):
            table.add_column(f"A[:, {j}]")
        b_float, a_float = answer.get("b_float") or [], answer.get("a_float") or []
        for r, value in enumerate(answer["b"]):
            row = (answer.get("a") or [])[r] if r < len(answer.get("a") or []) else []
            floats = a_float[r] if r < len(a_float) else []
            cells = [_number(v, f) for v, f in zip(row, floats or [None] * len(row), strict=False)]
            table.add_row(str(r), _number(value, b_float[r] if r < len(b_float) else None), *cells)
        yield table


def _number(exact: str, approx: float | None) -> str:
    """The exact value when it is short, else its float view marked ≈ (the JSON keeps the exact one)."""
    return exact if len(exact) <= 14 or approx is None else f"≈ {approx:.6g}"


def certificate_summary(certificate: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, value) rows that describe a certificate without printing its proof or CNF (only their sizes);
    shared by `--pretty` and the service's job page."""
    rows = [("kind", str(certificate.get("kind"))), ("checked", str(bool(certificate.get("checked"))))]
    for key in ("claim", "checker", "check_s", "encoder", "encoder_version", "cnf_sha256", "proof_sha256"):
        if certificate.get(key) is not None:
            rows.append((key, str(certificate[key])))
    for key in ("cnf", "proof"):
        text = certificate.get(key)
        if text:
            rows.append((key, f"{len(text.encode()):,} bytes, {text.count(chr(10)):,} lines"))
    if certificate.get("extra_clauses"):
        rows.append(("extra clauses", str(len(certificate["extra_clauses"]))))
    if certificate.get("samples"):
        rows.append(("samples", cut_list(certificate["samples"])))
    return rows


def _certificate(certificate: dict[str, Any] | None) -> Table | None:
    if not certificate:
        return None
    table = Table(title="certificate", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in certificate_summary(certificate):
        style = ("green" if value == "True" else "red") if key == "checked" else ""
        table.add_row(key, Text(value, style=style))
    return table


def _stats(stats: dict[str, Any]) -> Table | None:
    if not stats:
        return None
    table = Table(title="stats", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in stats.items():
        table.add_row(key, _stat_text(value))
    return table


def _stat_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(", ", ": "))
        return text if len(text) <= 200 else text[:200] + " …"
    return str(value)
