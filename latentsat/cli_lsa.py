"""`latentsat lsa ...` commands: the exact Markov optimum X* (`solve` reads `lsa` files through the kinds registry)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from latentsat.output import emit, run_guarded
from problems.bilinear import bounded_rational, fraction_text, to_fraction
from problems.errors import InvalidOptions

app = typer.Typer(no_args_is_help=True, add_completion=False, help="LSA parameter recovery (SPEC §2).")


@app.command()
def xstar(
    d: Annotated[int, typer.Option("--d", help="chain length d (X* is m×d, m = (d+1)(d+2)/2)")] = 2,
    n: Annotated[int, typer.Option("--n", help="context length n")] = 100,
    p: Annotated[str, typer.Option("--p", help="initial-state probability, e.g. 0.5 or 1/2")] = "1/2",
) -> None:
    """Print the exact X* = H⁻¹ r (rational strings, m×d, rows (0,0), (0,1), ...), a float view and the min loss."""

    def action() -> None:
        emit(x_star_json(d, n, p))

    run_guarded(action)


def x_star_json(d: int, n: int, p: str) -> dict[str, Any]:
    from problems.lsa.markov import unique_pairs, x_star

    if not 1 <= d <= 8:
        raise InvalidOptions(f"d must be in 1..8 here, got {d}", "d")
    if n < 1:
        raise InvalidOptions(f"n must be ≥ 1, got {n}", "n")
    try:
        prob = to_fraction(bounded_rational(p))  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidOptions(str(exc), "p") from exc
    if not 0 <= prob <= 1:
        raise InvalidOptions(f"p must lie in [0, 1], got {p}", "p")
    result = x_star(d, n, prob)
    return {
        "d": d,
        "n": n,
        "p": fraction_text(prob),
        "rows": [list(pair) for pair in unique_pairs(d)],
        "x": [[fraction_text(v) for v in row] for row in result.x],
        "x_float": result.floats(),
        "min_loss": fraction_text(result.min_loss),
        "min_loss_float": float(result.min_loss),
        "rank_h": result.rank,
    }
