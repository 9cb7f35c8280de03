"""The picture of a recovered partition: one panel per pair of groups, and the table g as a heat map.

A pair panel (i, j) has the tokens of group i as rows and those of group j as columns, each ordered by their class
in the answer; a pixel is the mean label of the samples whose tokens fall in it, so a correct partition shows
constant blocks between the class boundaries (drawn as lines). Cost is bounded whatever the instance size: tokens
are binned to at most `MAX_BINS` pixels per axis (one `np.bincount` over the samples, O(n + MAX_BINS²)), at most
`MAX_PAIRS` pairs are drawn, and a table g of more than `MAX_TABLE_CELLS` cells is summarised in words.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

    from problems.partition import PartitionInstance

MAX_BINS = 300
MAX_PAIRS = 6
MAX_TABLE_CELLS = 4096
MAX_ANNOTATED_CELLS = 120
MAX_TICKED_CLASSES = 12


def partition_figure(answer: dict[str, Any], instance: PartitionInstance | None) -> Figure:
    """The figure for a partition answer (`instance` None: only the table g and the class sizes)."""
    from matplotlib.figure import Figure

    classes = [np.asarray(group, dtype=np.int64) for group in answer.get("classes") or []]
    if instance is not None and classes and len(classes) != instance.n_groups:
        from problems.errors import InvalidInstance

        raise InvalidInstance(f"the answer has {len(classes)} groups, the instance {instance.n_groups}", "instance")
    encoding = LabelColours(answer, instance)
    pairs = _pairs(instance.n_groups) if instance is not None else []
    panels = len(pairs) + 1 + (0 if instance is not None else len(classes))
    columns = min(panels, 3 if panels > 4 else 2)
    rows = -(-panels // columns)
    figure = Figure(figsize=(5.2 * columns, 4.6 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_axis_off()
    if instance is not None:
        for ax, (i, j) in zip(axes, pairs, strict=False):
            _pair_panel(ax, instance, classes, i, j, encoding)
    else:
        for ax, (i, group) in zip(axes[1:], enumerate(classes), strict=False):
            _class_sizes(ax, i, group)
    _table_panel(axes[len(pairs)] if instance is not None else axes[0], answer, instance, classes, encoding)
    figure.suptitle(_title(answer, instance, len(pairs)), fontsize=12)
    return figure


def _pairs(n_groups: int) -> list[tuple[int, int]]:
    if n_groups == 1:
        return [(0, 0)]  # one group: its tokens against the label alone (a strip)
    return list(itertools.combinations(range(n_groups), 2))[:MAX_PAIRS]


def _title(answer: dict[str, Any], instance: PartitionInstance | None, n_pairs: int) -> str:
    parts = [f"status: {answer.get('status')}"]
    if answer.get("violations"):
        parts.append(f"{answer['violations']} violated samples")
    if instance is not None:
        parts.append(f"N = {', '.join(map(str, instance.sizes))}, n = {instance.n_samples} samples")
        total = instance.n_groups * (instance.n_groups - 1) // 2
        if total > n_pairs:
            parts.append(f"first {n_pairs} of {total} pairs of groups")
    else:
        parts.append("no instance given: table g and class sizes only")
    return "; ".join(parts)


class LabelColours:
    """One colour scale for labels: numeric labels by value, other labels by their index in the instance."""

    def __init__(self, answer: dict[str, Any], instance: PartitionInstance | None) -> None:
        from matplotlib import colormaps
        from matplotlib.colors import Normalize

        values = list(instance.label_values) if instance is not None else []
        values += [entry["label"] for entry in answer.get("table") or []]
        self.numeric = all(_is_number(v) for v in values)
        self.names: list[Any] = [] if self.numeric else list(dict.fromkeys(values))
        codes = [self.code(v) for v in values] or [0.0, 1.0]
        low, high = min(codes), max(codes)
        self.norm: Normalize = Normalize(low, high if high > low else low + 1)
        self.cmap: Colormap = colormaps["viridis"].with_extremes(bad="#e6e6e6")
        self.axis_label = "mean label" if self.numeric else "mean label index"

    def code(self, label: Any) -> float:
        return float(label) if self.numeric else float(self.names.index(label))

    def sample_codes(self, instance: PartitionInstance) -> np.ndarray:
        if self.numeric:
            return np.asarray(instance.raw_labels, dtype=np.float64)
        lookup = np.asarray([self.names.index(v) for v in instance.label_values], dtype=np.float64)
        return lookup[instance.label_ids]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def class_order(group: np.ndarray | None, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each token when tokens are sorted by class then index, class sizes in that order)."""
    if group is None or len(group) != size:
        return np.arange(size), np.asarray([size])
    order = np.lexsort((np.arange(size), group))
    rank = np.empty(size, dtype=np.int64)
    rank[order] = np.arange(size)
    return rank, np.bincount(group)


def block_means(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, n_cols: int, bins: int = MAX_BINS
) -> np.ndarray:
    """Mean of `values` per pixel, rows and cols being token ranks binned to at most `bins` pixels; NaN where
    no sample falls. Shape (min(n_rows, bins), min(n_cols, bins)); O(len(values) + bins²) time and memory.

    >>> block_means(np.array([0, 0, 1]), np.array([0, 0, 1]), np.array([1.0, 3.0, 5.0]), 2, 2)
    array([[ 2., nan],
           [nan,  5.]])
    """
    height, width = min(n_rows, bins), min(n_cols, bins)
    flat = (rows * height // n_rows) * width + cols * width // n_cols
    sums = np.bincount(flat, weights=values, minlength=height * width)
    counts = np.bincount(flat, minlength=height * width)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means.reshape(height, width)


def _pair_panel(
    ax: Axes, instance: PartitionInstance, classes: list[np.ndarray], i: int, j: int, colours: LabelColours
) -> None:
    rank_i, sizes_i = class_order(classes[i] if classes else None, instance.sizes[i])
    values = colours.sample_codes(instance)
    rows = rank_i[instance.tokens[:, i]]
    if i == j:
        cols, n_cols, sizes_j = np.zeros_like(rows), 1, np.asarray([1])
    else:
        rank_j, sizes_j = class_order(classes[j] if classes else None, instance.sizes[j])
        cols, n_cols = rank_j[instance.tokens[:, j]], instance.sizes[j]
    means = block_means(rows, cols, values, instance.sizes[i], n_cols)
    image = ax.imshow(
        means, cmap=colours.cmap, norm=colours.norm, aspect="auto", interpolation="nearest",
        extent=(0, n_cols, instance.sizes[i], 0),
    )  # fmt: skip
    _class_lines(ax, sizes_i, horizontal=True)
    _block_labels(ax, rows, cols, values, sizes_i, sizes_j)
    ax.set_ylabel(f"group {i} tokens, by class")
    if i == j:
        ax.set_xticks([])
        ax.set_xlabel("label")
        ax.set_title(f"group {i}: mean label per token")
    else:
        _class_lines(ax, sizes_j, horizontal=False)
        ax.set_xlabel(f"group {j} tokens, by class")
        ax.set_title(f"groups {i} × {j}: mean label of the samples")
    ax.figure.colorbar(image, ax=ax, shrink=0.85, label=colours.axis_label)


def _class_lines(ax: Axes, sizes: np.ndarray, horizontal: bool) -> None:
    """Class boundaries as lines, and class names at block centres when there are few classes."""
    bounds = np.cumsum(sizes)
    for edge in bounds[:-1]:
        (ax.axhline if horizontal else ax.axvline)(edge, color="white", linewidth=2.6)
        (ax.axhline if horizontal else ax.axvline)(edge, color="black", linewidth=1.0)
    if 1 < len(sizes) <= MAX_TICKED_CLASSES:
        centres = bounds - sizes / 2
        names = [f"c{k}" for k in range(len(sizes))]
        (ax.set_yticks if horizontal else ax.set_xticks)(centres, names)


def _block_labels(
    ax: Axes, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, sizes_i: np.ndarray, sizes_j: np.ndarray
) -> None:
    """Write each class block's mean label at its centre (pixels alone are sparse when n ≈ c N ln N)."""
    if len(sizes_i) * len(sizes_j) > MAX_TICKED_CLASSES**2 or len(sizes_i) * len(sizes_j) == 1:
        return
    bounds_i, bounds_j = np.cumsum(sizes_i), np.cumsum(sizes_j)
    block_i = np.searchsorted(bounds_i, rows, side="right")
    block_j = np.searchsorted(bounds_j, cols, side="right")
    means = block_means(block_i, block_j, values, len(sizes_i), len(sizes_j))
    for (a, b), value in np.ndenumerate(means):
        if np.isfinite(value):
            x, y = bounds_j[b] - sizes_j[b] / 2, bounds_i[a] - sizes_i[a] / 2
            box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0}
            ax.text(x, y, f"{value:.2f}", ha="center", va="center", fontsize=10, bbox=box)


def _class_sizes(ax: Axes, i: int, group: np.ndarray) -> None:
    counts = np.bincount(group) if len(group) else np.zeros(0, dtype=np.int64)
    ax.bar(range(len(counts)), counts, color="#4c72b0")
    ax.set_xticks(range(len(counts)), [f"c{k}" for k in range(len(counts))] if len(counts) <= 20 else None)
    ax.set_title(f"group {i}: tokens per class")
    ax.set_ylabel("tokens")


def table_grid(answer: dict[str, Any], budgets: list[int], colours: LabelColours) -> np.ndarray:
    """The table g as a K_0 × (K_1 ⋯ K_{I-1}) array of colour codes (NaN for unset cells)."""
    grid = np.full((budgets[0], int(np.prod(budgets[1:], dtype=np.int64))), np.nan)
    for entry in answer.get("table") or []:
        cell = entry["cell"]
        column = int(np.ravel_multi_index(tuple(cell[1:]), budgets[1:])) if len(cell) > 1 else 0
        grid[cell[0], column] = colours.code(entry["label"])
    return grid


def _table_panel(
    ax: Axes,
    answer: dict[str, Any],
    instance: PartitionInstance | None,
    classes: list[np.ndarray],
    colours: LabelColours,
) -> None:
    budgets = _budgets(answer, instance, classes)
    cells = int(np.prod(budgets, dtype=np.int64)) if budgets else 0
    ax.set_title("table g (grey: unset)")
    if not budgets or not answer.get("table") or cells > MAX_TABLE_CELLS:
        set_cells = len(answer.get("table") or [])
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"table g: {set_cells} of {cells} cells set", ha="center", va="center")
        return
    grid = table_grid(answer, budgets, colours)
    ax.imshow(grid, cmap=colours.cmap, norm=colours.norm, aspect="auto", interpolation="nearest")
    ax.set_ylabel("class of group 0")
    columns = list(itertools.product(*(range(k) for k in budgets[1:])))
    ax.set_xlabel("classes of groups " + ", ".join(map(str, range(1, len(budgets)))) if len(budgets) > 1 else "")
    if len(columns) <= 30:
        names = [",".join(map(str, c)) for c in columns]
        ax.set_xticks(range(len(columns)), names, rotation=90 if len(budgets) > 2 else 0)
    if budgets[0] <= 30:
        ax.set_yticks(range(budgets[0]), [f"c{k}" for k in range(budgets[0])])
    if grid.size <= MAX_ANNOTATED_CELLS:
        labels = {(e["cell"][0], tuple(e["cell"][1:])): e["label"] for e in answer.get("table") or []}
        for (row, column), label in labels.items():
            text = f"{label:g}" if isinstance(label, float) else str(label)
            ink = "black" if colours.norm(colours.code(label)) > 0.6 else "white"  # readable on viridis
            ax.text(columns.index(column), row, text, ha="center", va="center", color=ink, fontsize=9)


def _budgets(answer: dict[str, Any], instance: PartitionInstance | None, classes: list[np.ndarray]) -> list[int]:
    if instance is not None:
        return list(instance.budgets)
    widths = [int(group.max()) + 1 if len(group) else 1 for group in classes]
    for entry in answer.get("table") or []:
        widths = [max(w, c + 1) for w, c in zip(widths, entry["cell"], strict=False)] or [c + 1 for c in entry["cell"]]
    return widths
