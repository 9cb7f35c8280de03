"""φ, its general bilinear form, and the `lsa` instance model's validation."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from problems.bilinear import fraction_text, residuals, solution_from_lists, verify_bilinear
from problems.errors import InstanceTooLarge, InvalidInstance
from problems.lsa.instance import lsa_from_dict
from problems.lsa.markov import x_star
from problems.lsa.phi import phi, phi_system


@st.composite
def b_and_a(draw: st.DrawFn, max_d: int = 3) -> tuple[int, list[Fraction], list[list[Fraction]]]:
    d = draw(st.integers(1, max_d))
    value = st.fractions(min_value=-3, max_value=3, max_denominator=4)
    b = draw(st.lists(value, min_size=d + 1, max_size=d + 1))
    a = [draw(st.lists(value, min_size=d, max_size=d)) for _ in range(d + 1)]
    return d, b, a


def test_phi_small_example_by_hand() -> None:
    # d = 2: rows (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
    b = [Fraction(1), Fraction(2), Fraction(-1)]
    a = [[Fraction(1), Fraction(0)], [Fraction(3), Fraction(1)], [Fraction(2), Fraction(5)]]
    assert phi(b, a) == [[1, 0], [3 + 2, 1 + 0], [2 - 1, 5 - 0], [6, 2], [4 - 3, 10 - 1], [-2, -5]]


@given(b_and_a())
def test_bilinear_form_agrees_with_phi(case: tuple[int, list[Fraction], list[list[Fraction]]]) -> None:
    d, b, a = case
    x = phi(b, a)
    system = phi_system(x, d)
    solution = solution_from_lists([str(v) for v in b], [[str(v) for v in row] for row in a])
    assert verify_bilinear(system, solution)
    assert len(system.equations) == d * (d + 1) * (d + 2) // 2
    # scale symmetry: (λ b, A / λ) gives the same X
    scaled = solution_from_lists([str(3 * v) for v in b], [[str(v / 3) for v in row] for row in a])
    assert verify_bilinear(system, scaled)
    x[0][0] += 1
    assert not verify_bilinear(phi_system(x, d), solution)
    assert residuals(phi_system(x, d), solution)[0] == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "lsa", "d": 1, "x": [["1"], ["2"]]}, "x"),
        ({"kind": "lsa", "d": 1, "x": [["1"], ["2"], ["a"]]}, "x[2][0]"),
        ({"kind": "lsa", "d": 1, "x": [["1"], ["2"], ["1", "2"]]}, "x[2]"),
        ({"kind": "lsa", "d": 1}, "x"),
        ({"kind": "lsa", "d": 0, "x": []}, "d"),
        ({"kind": "lsa", "d": 1, "markov": {"n": 3, "p": "3/2"}}, "markov.p"),
        # 0 < p < 1: at p = 0 or 1 H is singular and X* not unique (best-fit raised LinAlgError at p = 1)
        ({"kind": "lsa", "d": 2, "markov": {"n": 100, "p": "1"}, "mode": "best-fit"}, "markov.p"),
        ({"kind": "lsa", "d": 2, "markov": {"n": 100, "p": 0}}, "markov.p"),
        # x and markov together: which counted depended on the mode (best-fit fitted X* and recorded x)
        ({"kind": "lsa", "d": 1, "markov": {"n": 3}, "mode": "best-fit", "x": [["0"], ["0"], ["0"]]}, "x"),
        ({"kind": "lsa", "d": 1, "markov": {"n": 3}, "x": [["0"], ["0"], ["0"]]}, "x"),
        # booleans are not rationals (JSON true was read as 1), in every rational field
        ({"kind": "lsa", "d": 1, "x": [[True], ["5"], ["3"]]}, "x[0][0]"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "grid": [False, 1]}, "grid[0]"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "box": [False, 1]}, "box[0]"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "epsilon": True}, "epsilon"),
        ({"kind": "lsa", "d": 1, "markov": {"n": 3, "p": True}}, "markov.p"),
        # digits are bounded before any arithmetic: 1e-400 has 400, 10^(10^9) would never finish
        ({"kind": "lsa", "d": 1, "x": [["1e-400"], [1], [1]]}, "x[0][0]"),
        ({"kind": "lsa", "d": 1, "x": [["1e999999999"], [1], [1]]}, "x[0][0]"),
        ({"kind": "lsa", "d": 1, "x": [[10**41], [1], [1]]}, "x[0][0]"),
        ({"kind": "lsa", "d": 1, "x": [["1/" + "3" * 41], [1], [1]]}, "x[0][0]"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "grid": ["0." + "1" * 60]}, "grid[0]"),
        ({"kind": "lsa", "d": 1, "markov": {"n": 3, "p": "1e-400"}}, "markov.p"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "grid": [1, 1]}, "grid"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "mode": "best-fit"}, "markov"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "box": [2, 1]}, "box"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "epsilon": -1}, "epsilon"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "mode": "exact"}, "mode"),
        ({"kind": "lsa", "d": 1, "x": [[1], [1], [1]], "colour": 1}, "colour"),
    ],
)
def test_invalid_instances_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(InvalidInstance) as info:
        lsa_from_dict(data)
    assert info.value.field == field


def test_a_huge_real_mode_box_is_refused_before_the_milp() -> None:
    """A box of ±10^30 reached MathOpt, whose SCIP refused the bound (AttributeError, exit 1): |lo|, |hi| are
    bounded by `max_lsa_box` (the MILP's big-M) before any work."""
    box = ["-1000000000000000000000000000000", "1000000000000000000000000000000"]
    with pytest.raises(InstanceTooLarge) as info:
        lsa_from_dict({"kind": "lsa", "d": 1, "x": [["2"], ["5"], ["3"]], "mode": "real", "box": box})
    assert info.value.field == "box" and "LATENTSAT_MAX_LSA_BOX" in str(info.value)
    assert lsa_from_dict({"kind": "lsa", "d": 1, "x": [[2], [5], [3]], "box": [-(10**6), 10**6]}).box[1] == 10**6


def test_rationals_within_the_bound_are_exact() -> None:
    instance = lsa_from_dict({"kind": "lsa", "d": 1, "x": [["1e-39"], ["3" * 40], ["-1/" + "7" * 40]]})
    assert instance.x == [[Fraction(1, 10**39)], [Fraction(int("3" * 40))], [Fraction(-1, int("7" * 40))]]


def test_markov_source_fills_x_with_x_star() -> None:
    instance = lsa_from_dict({"kind": "lsa", "d": 1, "markov": {"n": 100, "p": "1/2"}})
    assert instance.x == x_star(1, 100).x
    assert [[fraction_text(v) for v in row] for row in instance.x] == [["-200/16527"], ["29800/16527"], ["80/787"]]
    assert lsa_from_dict(instance.to_json_dict()).x == instance.x  # the wire form reads back (markov, not x beside)
