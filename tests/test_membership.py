"""Exact membership (certify member) and Nullstellensatz refutations."""

import copy
import json

import numpy as np
import pytest
import sympy
from flint import fmpq

from certify.checker import check_certificate
from certify.errors import InputError
from certify.membership import decide_member, load_matrix
from certify.patterns import build_pattern
from certify.support import from_masks


def Q(rows):
    return [[fmpq(v) for v in r] for r in rows]


def member(support, rows, expect):
    d = decide_member(support, Q(rows) if not isinstance(rows[0][0], fmpq) else rows)
    assert d.internal_error is None, d.internal_error
    assert d.verdict == expect, (d.verdict, d.explanation)
    if d.text:
        v = check_certificate(json.loads(d.text))
        assert v.accepted and v.claim == expect, v.message
    return d


def test_lu3_permutation_is_not_a_member():
    d = member(build_pattern("lu:3"), [[0, 1, 0], [1, 0, 0], [0, 0, 1]], "not_member")
    assert json.loads(d.text)["proof"]["refutation"]["method"] == "propagation"


@pytest.mark.parametrize("seed", range(5))
def test_random_lu_products_are_members_with_exact_factors(seed):
    rng = np.random.default_rng(seed)
    L = np.tril(rng.integers(-3, 4, (3, 3)))
    U = np.triu(rng.integers(-3, 4, (3, 3)))
    M = (L @ U).tolist()
    d = member(build_pattern("lu:3"), M, "member")
    W1, W2 = d.factors
    # Independently: the factors respect the masks and multiply to M.
    A = sympy.zeros(3, 3)
    B = sympy.zeros(3, 3)
    for (i, j), x in W1.items():
        assert j >= i                        # upper triangular
        A[i, j] = sympy.Rational(str(x.coefficient(0)))
    for (i, j), x in W2.items():
        assert i >= j                        # lower triangular
        B[i, j] = sympy.Rational(str(x.coefficient(0)))
    assert B * A == sympy.Matrix(M)


def test_rank_two_target_of_a_rank_one_set_is_refuted_by_its_2x2_minor():
    # dense:2,1,2 is the rank <= 1 set; [[1,1],[1,2]] has no zero entry, but
    # the one node's 2 x 2 minor is its determinant, 1: one step.
    s = from_masks([np.ones((1, 2)), np.ones((2, 1))])
    d = member(s, [[1, 1], [1, 2]], "not_member")
    ref = json.loads(d.text)["proof"]["refutation"]
    assert ref["method"] == "propagation"
    assert [(step["rule"], step["gives"]) for step in ref["steps"]] == [("minor", "contradiction")]
    member(s, [[1, 2], [2, 4]], "member")


# docs/theory.md §4, Nullstellensatz: nodes on inputs {1, 2} and {0, 2}, both
# on outputs {0, 1}; columns 0 and 1 force both onto the line through (1, 1).
TWO_NODES = [np.array([[0, 1, 1], [1, 0, 1]]), np.ones((2, 2))]
OFF_THE_LINE = [[1, 1, 1], [1, 1, -1]]


def test_two_nodes_with_no_zero_entry_need_nullstellensatz():
    s = from_masks(TWO_NODES)
    d = member(s, OFF_THE_LINE, "not_member")
    ref = json.loads(d.text)["proof"]["refutation"]
    assert ref["method"] == "nullstellensatz" and ref["degree"] == 2
    member(s, [[1, 1, 2], [1, 1, 2]], "member")


def test_every_cofactor_coefficient_matters():
    s = from_masks(TWO_NODES)
    base = json.loads(decide_member(s, Q(OFF_THE_LINE)).text)
    spots = [(c, t) for c, item in enumerate(base["proof"]["refutation"]["cofactors"])
             for t in range(len(item["terms"]))]
    assert len(spots) == 7          # the identity of docs/theory.md §4 has seven terms
    for c, t in spots:
        bad = copy.deepcopy(base)
        term = bad["proof"]["refutation"]["cofactors"][c]["terms"][t]
        term[1] = "5" if term[1] != "5" else "3"
        v = check_certificate(bad)
        assert not v.accepted and "does not expand to 1" in v.message
    bad = copy.deepcopy(base)
    del bad["proof"]["refutation"]["cofactors"][0]
    assert not check_certificate(bad).accepted
    bad = copy.deepcopy(base)
    assert bad["proof"]["matrix"]["nonzeros"][5][:2] == [1, 2]
    bad["proof"]["matrix"]["nonzeros"][5][2] = "1"      # [[1,1,1],[1,1,1]], a member
    v = check_certificate(bad)
    assert not v.accepted and "does not expand to 1" in v.message


def test_entries_without_a_path_refute_directly():
    # Block-diagonal support: a non-zero off the blocks is never a product.
    d = member(build_pattern("blockdiag:4:2:2"), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1]],
               "not_member")
    assert json.loads(d.text)["proof"]["component"] is None


def test_free_entries_take_the_matrix_values():
    # dense:3,3,3 is everything (R4 then R5 make every entry free).
    M = [[1, 2, 3], [4, 5, 6], [7, 8, 10]]
    d = member(build_pattern("dense:3,3,3"), M, "member")
    assert len(d.factors) == 2


def test_tampered_member_certificates():
    d = decide_member(build_pattern("lu:3"), Q([[1, 2, 3], [2, 5, 7], [3, 8, 14]]))
    base = json.loads(d.text)
    bad = copy.deepcopy(base)
    bad["proof"]["factors"][0][0][2] = "7"
    assert "entry" in check_certificate(bad).message
    bad = copy.deepcopy(base)
    bad["proof"]["factors"][0].append([2, 0, "1"])           # off the upper-triangular mask
    assert "off the support" in check_certificate(bad).message
    bad = copy.deepcopy(base)
    bad["claim"] = "not_member"
    assert not check_certificate(bad).accepted


def test_matrix_inputs(tmp_path):
    assert load_matrix("[[0, 1], [\"1/2\", 0.5]]") == Q([[0, 1], [fmpq(1, 2), fmpq(1, 2)]])
    np.save(tmp_path / "m.npy", np.array([[0.25, 1.0]]))
    assert load_matrix(str(tmp_path / "m.npy")) == [[fmpq(1, 4), fmpq(1)]]
    for bad, words in (("[[1, 2], [3]]", "ragged"), ("[[true]]", "numbers"), ("[[\"x\"]]", "rationals"),
                       ("[]", "non-empty"), ("missing.json", "no such file")):
        with pytest.raises(InputError, match=words):
            load_matrix(bad)
    with pytest.raises(InputError, match="2x2 but products"):
        decide_member(build_pattern("lu:3"), Q([[1, 0], [0, 1]]))


def test_float_entries_are_taken_exactly_and_still_solved(tmp_path):
    # 0.1 is read at its exact binary value; sympy must not round it to 1/10.
    d = member(build_pattern("lu:3"), load_matrix("[[0.1, 0, 0], [0, 1, 0], [0, 0, 1]]"), "member")
    assert d.factors[0][(0, 0)].coefficient(0) * d.factors[1][(0, 0)].coefficient(0) == fmpq(
        3602879701896397, 36028797018963968)
    rng = np.random.default_rng(3)
    L, U = np.tril(rng.normal(size=(3, 3))), np.triu(rng.normal(size=(3, 3)))
    np.save(tmp_path / "m.npy", np.round(L @ U, 2))
    member(build_pattern("lu:3"), load_matrix(str(tmp_path / "m.npy")), "member")
