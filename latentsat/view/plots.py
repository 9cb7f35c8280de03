"""`render_png(kind, answer, instance)`: the PNG that `latentsat plot` writes and `GET /v1/jobs/{id}/plot.png`
serves. Rendering uses matplotlib's object API on the Agg canvas (no pyplot state), so threads may render at once.
"""

from __future__ import annotations

import io
from typing import Any

DPI = 100


def render_png(kind: str, answer: dict[str, Any], instance: Any | None = None) -> bytes:
    """PNG bytes for a `partition` or `lsa` answer; `instance` (parsed) adds the data panels.

    Raises `InvalidInstance` when the answer and instance do not fit together.
    """
    if kind == "lsa":
        from latentsat.view.plot_lsa import lsa_figure

        figure = lsa_figure(answer, instance)
    else:
        from latentsat.view.plot_partition import partition_figure

        figure = partition_figure(answer, instance)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
