"""The partition instance model: validation errors that name the field, hashing, and the JSON/.npz loaders."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.errors import InvalidInstance
from problems.partition import PartitionInstance, dump_npz, instance_from_dict, load_json, load_npz

GOOD = {
    "kind": "partition",
    "groups": [{"size": 3, "classes": 2}, {"size": 2, "classes": 2}],
    "samples": [[0, 1, 1], [2, 0, 0], [1, 1, 1]],
}


def with_changes(**changes: object) -> dict:
    return {**json.loads(json.dumps(GOOD)), **changes}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (with_changes(samples=[[0, 1, 1], [3, 0, 0]]), "samples[1][0]", "out of range"),
        (with_changes(samples=[[0, 1, 1], [0, 2, 0]]), "samples[1][1]", "out of range"),
        (with_changes(samples=[[0, 1, 1], [-1, 0, 0]]), "samples[1][0]", "out of range"),
        (with_changes(samples=[[0, 1, 1], [0, 1]]), "samples[1]", "expected 3 entries"),
        (with_changes(samples=[[0, 1, 1, 1]]), "samples[0]", "expected 3 entries"),
        (with_changes(groups=[{"size": 3, "classes": 0}, {"size": 2, "classes": 2}]), "groups[0].classes", ""),
        (with_changes(samples=[]), "samples", "empty"),
        (with_changes(samples=[[0, 1, 1], [1, 1, "a"]]), "samples[1][-1]", "mixed label types"),
        (with_changes(samples=[[0, 1, 1.5], [1, 1, "a"]]), "samples[1][-1]", "mixed label types"),
        (with_changes(samples=[[0, 1, 1], [1, 1, 2.5]]), "samples[1][-1]", "mixed label types"),
        (with_changes(samples=[[0, 1, 1.0], [1, 1, float("nan")]]), "samples[1][-1]", "finite"),
        (with_changes(samples=[[0, 1, 1], [1, 0.5, 1]]), "samples[1][1]", "integer"),
        (with_changes(max_violations=-1), "max_violations", ""),
    ],
)
def test_bad_instances_name_the_field(data: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidInstance) as caught:
        instance_from_dict(data)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_nan_in_json_text_is_rejected() -> None:
    text = json.dumps(with_changes(samples=[[0, 1, 1.0], [1, 1, float("nan")]]))
    assert "NaN" in text
    with pytest.raises(InvalidInstance, match="finite"):
        load_json(text)


def test_labels_are_ids_in_order_of_first_appearance() -> None:
    instance = instance_from_dict(with_changes(samples=[[0, 0, "b"], [1, 1, "a"], [2, 0, "b"]]))
    assert instance.label_values == ("b", "a")
    assert instance.label_ids.tolist() == [0, 1, 0]


def test_float_tolerance_quantises_labels() -> None:
    data = with_changes(samples=[[0, 0, 1.0], [1, 1, 1.0004], [2, 0, 2.0]], label_tolerance=0.01)
    instance = instance_from_dict(data)
    assert instance.label_ids.tolist() == [0, 0, 1]
    exact = instance_from_dict(with_changes(samples=[[0, 0, 1.0], [1, 1, 1.0004], [2, 0, 2.0]]))
    assert exact.label_ids.tolist() == [0, 1, 2]


def test_sha256_ignores_json_spacing_but_not_content() -> None:
    a = load_json(json.dumps(GOOD))
    b = load_json(json.dumps(GOOD, indent=4))
    c = load_json(json.dumps(with_changes(samples=[[0, 1, 1], [2, 0, 0], [1, 1, 0]])))
    assert a.sha256 == b.sha256
    assert a.sha256 != c.sha256
    assert len(a.sha256) == 64


@pytest.mark.parametrize("labels", [[1, 0, 1], ["x", "y", "x"], [0.5, 1.5, 0.5]])
def test_json_and_npz_round_trip(labels: list) -> None:
    samples = [[*row[:-1], label] for row, label in zip(GOOD["samples"], labels, strict=True)]
    instance = instance_from_dict(with_changes(samples=samples))
    again = instance_from_dict(json.loads(json.dumps(instance.to_json_dict())))
    packed = load_npz(dump_npz(instance))
    for other in (again, packed):
        assert other.sha256 == instance.sha256
        assert other.label_values == instance.label_values
        assert np.array_equal(other.tokens, instance.tokens)


def test_npz_errors_name_the_array() -> None:
    with pytest.raises(InvalidInstance) as caught:
        load_npz(b"not a zip")
    assert caught.value.field == "body"
    instance = instance_from_dict(GOOD)
    bad = PartitionInstance.from_arrays
    with pytest.raises(InvalidInstance) as caught:
        bad(instance.sizes, instance.budgets, instance.tokens.astype(float), [1, 0, 1])
    assert caught.value.field == "samples"


def test_validation_is_vectorised_for_large_arrays() -> None:
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 1000, size=(200_000, 3))
    instance = PartitionInstance.from_arrays([1000] * 3, [3] * 3, tokens, rng.integers(0, 2, size=200_000))
    assert instance.n_samples == 200_000
    assert math.isclose(instance.label_ids.mean(), 0.5, abs_tol=0.01)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3).flatmap(
        lambda sizes: st.tuples(
            st.just(sizes),
            st.lists(
                st.lists(
                    st.one_of(st.integers(-2, 5), st.just(1.0), st.just("a"), st.just(2**63), st.just(2**64)),
                    min_size=len(sizes),
                    max_size=len(sizes) + 2,
                ).map(lambda tokens: [*tokens, 0]),
                min_size=1,
                max_size=6,
            ),
        )
    )
)
def test_tokens_read_in_one_numpy_call_match_the_entry_by_entry_check(case: tuple[list[int], list[list]]) -> None:
    from problems.sample_rows import checked_tokens

    sizes, samples = case
    data = {"groups": [{"size": n, "classes": 2} for n in sizes], "samples": samples}

    def outcome(read: object) -> object:
        try:
            return read()
        except InvalidInstance as exc:
            return (str(exc), exc.field)

    fast = outcome(lambda: instance_from_dict(data).tokens.tolist())
    slow = outcome(lambda: checked_tokens(samples, sizes).tolist())  # the loop that named the first bad entry
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-1, 3),
            st.one_of(st.integers(-(2**64), 2**64), st.sampled_from([0, 1, -(2**63), 2**63 - 1, 1.0, "a"])),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_samples_read_as_one_integer_array_match_the_general_path(rows: list[tuple[int, object]]) -> None:
    """Integer samples are read as one numpy array, tokens and labels at once: the same instance, or the same
    error naming the same field, as reading tokens and labels apart (the path float and string labels take)."""
    from problems.sample_rows import checked_tokens

    samples = [list(row) for row in rows]
    data = {"groups": [{"size": 3, "classes": 2}], "samples": samples}

    def outcome(read: object) -> object:
        try:
            instance = read()
        except InvalidInstance as exc:
            return (str(exc), exc.field)
        parts = (instance.tokens, instance.label_ids, instance.raw_labels)
        return [(part.dtype.str, part.tolist()) for part in parts], instance.label_values

    def general() -> PartitionInstance:
        tokens = checked_tokens(samples, [3])
        return PartitionInstance.from_arrays([3], [2], tokens, [row[-1] for row in samples])

    assert outcome(lambda: instance_from_dict(data)) == outcome(general)
