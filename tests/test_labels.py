"""Labels keep their identity (issue 11 §2): equal exactly when the user's values are equal, or in one quantum."""

from __future__ import annotations

import io
import itertools
import json
import math
import sys
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.answers import Answer, AnswerStatus, SolveOptions
from problems.errors import InvalidInstance
from problems.labels import label_ids
from problems.limits import INT64_MAX, INT64_MIN
from problems.partition import dump_npz, instance_from_dict, load_npz
from problems.verify import verify_partition
from solvers.pipeline import solve

SOLVED = {AnswerStatus.SOLVED, AnswerStatus.UNIQUE}
BIG = sys.float_info.max
TINY = 5e-324


def one_class(labels: list[Any], tolerance: float | None = None) -> dict[str, Any]:
    """One group of one class: feasible exactly when every label equals the first."""
    spec: dict[str, Any] = {
        "kind": "partition",
        "groups": [{"size": len(labels), "classes": 1}],
        "samples": [[t, y] for t, y in enumerate(labels)],
    }
    if tolerance is not None:
        spec["label_tolerance"] = tolerance
    return spec


def wire(data: Any) -> Any:
    """Through JSON and back, as every instance and answer travels."""
    return json.loads(json.dumps(data))


@pytest.mark.parametrize(
    ("labels", "tolerance"),
    [
        (["a", "a\u0000"], None),  # fixed-width numpy strings dropped the trailing NUL: answered `solved`
        (["a\u0000\u0000", "a\u0000"], None),
        ([1e300, -1e300], 0.5),  # both quantised to the same int64 key: answered `solved`
        ([1.0, 2.0], 1e-320),  # OverflowError
        ([INT64_MAX, INT64_MAX - 1], None),
        ([BIG, math.nextafter(BIG, 0)], None),
        ([TINY, -TINY], None),
    ],
)
def test_different_labels_in_one_class_are_infeasible(labels: list[Any], tolerance: float | None) -> None:
    instance = instance_from_dict(wire(one_class(labels, tolerance)))
    assert instance.n_labels == 2
    assert solve(instance).status is AnswerStatus.INFEASIBLE


def test_equal_labels_and_one_quantum_are_one_label() -> None:
    assert instance_from_dict(one_class([-0.0, 0.0])).n_labels == 1  # -0.0 == 0.0, as the user's values are
    answer = solve(instance_from_dict(one_class([1.0, 1.2, 0.9], tolerance=0.5)))
    assert answer.status in SOLVED and answer.table is not None and answer.table[0].label == 1.0


def test_a_table_label_of_another_type_or_another_string_explains_nothing() -> None:
    instance = instance_from_dict(one_class(["a\u0000", "a\u0000"]))
    assert verify_partition(instance, [[0, 0]], [((0,), "a\u0000")]).ok
    assert not verify_partition(instance, [[0, 0]], [((0,), "a")]).ok
    ints = instance_from_dict(one_class([1, 1]))
    assert not verify_partition(ints, [[0, 0]], [((0,), 1.0)]).ok
    assert not verify_partition(ints, [[0, 0]], [((0,), True)]).ok
    assert not verify_partition(ints, [[0, 0]], [((0,), "1")]).ok


@pytest.mark.parametrize(
    ("tolerance", "field"),
    [(0.0, "label_tolerance"), (float("nan"), "label_tolerance"), (float("inf"), "label_tolerance")],
)
def test_a_bad_tolerance_is_refused_in_json_and_npz(tolerance: float, field: str) -> None:
    with pytest.raises(InvalidInstance) as caught:
        instance_from_dict(one_class([1.0, 2.0], tolerance))
    assert caught.value.field == field
    buffer = io.BytesIO()
    np.savez(
        buffer,
        tokens=np.array([[0], [1]]),
        labels=np.array([1.0, 2.0]),
        sizes=np.array([2]),
        classes=np.array([1]),
        label_tolerance=np.array(tolerance),
    )
    with pytest.raises(InvalidInstance) as caught:  # was ZeroDivisionError (0) and ValueError (NaN): exit 1
        load_npz(buffer.getvalue())
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("label", "field"),
    [(2**63, "samples[1][-1]"), (INT64_MIN - 1, "samples[1][-1]"), ("\ud800", "samples[1][-1]")],
)
def test_labels_that_cannot_keep_their_identity_are_refused(label: Any, field: str) -> None:
    first: Any = 0 if isinstance(label, int) else "x"
    with pytest.raises(InvalidInstance) as caught:
        instance_from_dict(one_class([first, label]))
    assert caught.value.field == field


def test_npz_refuses_what_it_cannot_store_and_round_trips_the_rest() -> None:
    with pytest.raises(InvalidInstance, match="NUL"):
        dump_npz(instance_from_dict(one_class(["a", "b\u0000"])))
    instance = instance_from_dict(one_class(["a", "é", "\U0001f600", ""]))
    again = load_npz(dump_npz(instance))
    assert again.label_values == instance.label_values and again.sha256 == instance.sha256


@given(value=st.floats(allow_nan=False, allow_infinity=False), tolerance=st.floats(min_value=TINY, max_value=BIG))
@settings(max_examples=300)
def test_vectorised_quanta_are_the_exact_quanta(value: float, tolerance: float) -> None:
    neighbours = [value, math.nextafter(value, math.inf), math.nextafter(value, -math.inf), value + tolerance / 2]
    raw = np.array([v for v in neighbours if math.isfinite(v)], dtype=np.float64)
    ids, _ = label_ids(raw, tolerance)
    exact = [round(Fraction(float(v)) / Fraction(tolerance)) for v in raw]
    for a, b in itertools.combinations(range(len(raw)), 2):
        assert (ids[a] == ids[b]) == (exact[a] == exact[b])


def test_quanta_at_the_half_way_points_are_exact() -> None:
    """Where float division could round a quotient across k + 1/2, the exact quotient decides."""
    raw = []
    for tolerance in (0.1, 0.3, 1 / 3, 1e-3, 0.7):
        for k in range(-40, 40):
            middle = (k + 0.5) * tolerance
            raw += [middle, math.nextafter(middle, math.inf), math.nextafter(middle, -math.inf)]
        ids, _ = label_ids(np.array(raw), tolerance)
        exact = [round(Fraction(v) / Fraction(tolerance)) for v in raw]
        first_id: dict[int, int] = {}
        for label_id, key in zip(ids.tolist(), exact, strict=True):
            assert first_id.setdefault(key, label_id) == label_id
        assert len(set(ids.tolist())) == len(set(exact))
        raw.clear()


# ------------------------------------------------------------------ the property: answers give back user labels

NEAR_INT64 = st.integers(INT64_MIN, INT64_MIN + 2) | st.integers(INT64_MAX - 2, INT64_MAX) | st.integers(-1, 1)
NEAR_FLOAT_LIMITS = st.sampled_from([BIG, -BIG, math.nextafter(BIG, 0), TINY, -TINY, 2 * TINY, 0.0, -0.0, 1.0, 1.5])
TRICKY_TEXT = st.text(alphabet=st.sampled_from(["a", "\u0000", "é", "\U0001f600", " "]), max_size=3)
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=3)


@st.composite
def label_instances(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any], float | None]:
    kind = draw(st.sampled_from(["str", "int", "float"]))
    values = {"str": TRICKY_TEXT | ANY_TEXT, "int": NEAR_INT64, "float": NEAR_FLOAT_LIMITS | st.floats(-10, 10)}[kind]
    pool = draw(st.lists(values, min_size=1, max_size=3))
    tolerance = draw(st.sampled_from([None, 0.5, 1e-320, 1e300])) if kind == "float" else None
    size, classes = 3, draw(st.integers(1, 2))
    rows = draw(st.lists(st.tuples(st.integers(0, size - 1), st.sampled_from(pool)), min_size=1, max_size=6))
    spec = {
        "kind": "partition",
        "groups": [{"size": size, "classes": classes}],
        "samples": [[t, y] for t, y in rows],
    }
    if tolerance is not None:
        spec["label_tolerance"] = tolerance
    return spec, [y for _, y in rows], tolerance


def same_label(a: Any, b: Any, tolerance: float | None) -> bool:
    """The definition, on the raw values: equal, or (floats, with a tolerance) equal exact quanta."""
    if tolerance is not None:
        return round(Fraction(a) / Fraction(tolerance)) == round(Fraction(b) / Fraction(tolerance))
    return bool(a == b)


def brute_force_feasible(spec: dict[str, Any], tolerance: float | None) -> bool:
    size, classes = spec["groups"][0]["size"], spec["groups"][0]["classes"]
    rows = spec["samples"]
    for classes_of in itertools.product(range(classes), repeat=size):
        cells: dict[int, Any] = {}
        if all(
            same_label(cells.setdefault(classes_of[t], y), y, tolerance) for t, y in rows
        ):  # first label of a cell stands for it
            return True
    return False


@given(case=label_instances())
@settings(max_examples=120)
def test_answers_give_back_exactly_the_users_labels(case: tuple[dict[str, Any], list[Any], float | None]) -> None:
    spec, labels, tolerance = case
    answer = Answer.model_validate(
        wire(solve(instance_from_dict(wire(spec)), SolveOptions(time_limit=30)).model_dump())
    )
    feasible = brute_force_feasible(spec, tolerance)
    assert (answer.status in SOLVED) == feasible
    assert answer.status in SOLVED or answer.status is AnswerStatus.INFEASIBLE
    given_labels = {(type(y), repr(y)) for y in labels}
    for entry in answer.table or []:
        assert (type(entry.label), repr(entry.label)) in given_labels  # the user's own value, not a lookalike
    if answer.status in SOLVED:
        table = {tuple(e.cell): e.label for e in answer.table or []}
        classes = answer.classes or [[]]
        assert all(same_label(table[(classes[0][t],)], y, tolerance) for t, y in spec["samples"])


def test_npz_labels_wider_than_float64_keep_their_identity_or_are_refused() -> None:
    """float128 labels 1 and 1 + 2⁻⁶⁰ merged into one (a tester's variant of issue 11 §2): refused, naming the
    label; float128 values that are float64 values, and narrower floats, are read exactly."""
    one = np.longdouble(1)

    def archive(labels: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, tokens=np.array([[0], [0]]), labels=labels, sizes=np.array([1]), classes=np.array([1]))
        return buffer.getvalue()

    if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps:  # a platform whose long double is wider
        with pytest.raises(InvalidInstance) as refused:
            load_npz(archive(np.array([one, one + np.longdouble(2) ** -60])))
        assert refused.value.field == "samples[1][-1]"
    assert load_npz(archive(np.array([1, 2], dtype=np.longdouble))).n_labels == 2
    assert load_npz(archive(np.array([1.5, 2], dtype=np.float16))).raw_labels.tolist() == [1.5, 2.0]


@pytest.mark.parametrize(("value", "shown"), [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_a_non_finite_label_is_named_as_the_user_wrote_it(value: float, shown: str) -> None:
    """An .npz NaN label was reported as `got np.float64(nan)`: numpy's repr, not the user's value."""
    buffer = io.BytesIO()
    labels = np.array([1.0, value])
    np.savez(buffer, tokens=np.array([[0], [1]]), labels=labels, sizes=np.array([2]), classes=np.array([1]))
    for load in (lambda: load_npz(buffer.getvalue()), lambda: instance_from_dict(one_class([1.0, value]))):
        with pytest.raises(InvalidInstance) as caught:
            load()
        assert caught.value.field == "samples[1][-1]"
        assert str(caught.value).endswith(f"labels must be finite, got {shown}"), str(caught.value)
