"""The picture of an LSA answer: the target X beside φ(b, A) (SPEC §2), on one diverging colour scale.

Rows are the unique pairs (i', j') of G in the order of SPEC §2, columns j = 0..d−1; a third panel shows
φ(b, A) − X when both are known. Floats are for the picture only: the answer's exact check is `latentsat check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    from problems.lsa.instance import LsaInstance

MAX_ANNOTATED_ENTRIES = 60


def phi_float(b: list[float], a: list[list[float]]) -> np.ndarray:
    """φ(b, A) in floats, shape (m, d): X_{(u,v), j} = b_u A_{vj} + b_v A_{uj} (u < v), b_u A_{uj} (u = v).

    >>> phi_float([1.0, 2.0], [[3.0], [5.0]])
    array([[ 3.],
           [11.],
           [10.]])
    """
    from problems.lsa.phi import phi

    return np.asarray(phi(b, a), dtype=np.float64)


def lsa_figure(answer: dict[str, Any], instance: LsaInstance | None) -> Figure:
    """X (from the instance) beside φ(b, A) (from the answer's float view), and their difference."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    target = np.asarray([[float(v) for v in row] for row in instance.x]) if instance is not None else None
    image = phi_float(answer["b_float"], answer["a_float"]) if answer.get("b_float") and answer.get("a_float") else None
    panels = [(name, m) for name, m in (("X (target)", target), ("φ(b, A)", image)) if m is not None]
    if target is not None and image is not None and target.shape == image.shape:
        panels.append(("φ(b, A) − X", image - target))
    if not panels:
        panels = [("nothing to draw", np.full((1, 1), np.nan))]
    scale = max(float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 0.0 for _, m in panels) or 1.0
    norm = TwoSlopeNorm(0.0, -scale, scale)
    figure = Figure(figsize=(3.4 * len(panels) + 1.5, 5.2), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, matrix) in zip(axes, panels, strict=True):
        last = _matrix_panel(ax, name, matrix, norm)
    figure.colorbar(last, ax=list(axes), shrink=0.85, label="value")
    figure.suptitle(_title(answer, instance), fontsize=11)
    return figure


def _matrix_panel(ax: Axes, name: str, matrix: np.ndarray, norm: Normalize) -> Any:
    from problems.lsa.markov import unique_pairs

    shown = ax.imshow(matrix, cmap="RdBu_r", norm=norm, aspect="auto", interpolation="nearest")
    ax.set_title(name)
    rows, columns = matrix.shape
    d = columns
    if rows == (d + 1) * (d + 2) // 2 and rows <= 45:
        ax.set_yticks(range(rows), [f"({u},{v})" for u, v in unique_pairs(d)])
        ax.set_ylabel("row (i', j') of G")
    ax.set_xticks(range(columns), [str(j) for j in range(columns)] if columns <= 12 else None)
    ax.set_xlabel("column j")
    if matrix.size <= MAX_ANNOTATED_ENTRIES:
        for (r, c), value in np.ndenumerate(matrix):
            if np.isfinite(value):
                ink = "white" if abs(norm(value) - 0.5) > 0.3 else "black"
                ax.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=8, color=ink)
    return shown


def _title(answer: dict[str, Any], instance: LsaInstance | None) -> str:
    parts = [f"LSA, status: {answer.get('status')}", f"mode: {answer.get('mode')}"]
    if answer.get("residual") is not None:
        parts.append(f"max |φ − X| = {answer['residual']}")
    if answer.get("loss_excess_float") is not None:
        parts.append(f"loss excess {answer['loss_excess_float']:.3g}")
    if not answer.get("b_float"):
        parts.append("no (b, A) in the answer")
    if instance is None:
        parts.append("no instance given: X not shown")
    return "; ".join(parts)
