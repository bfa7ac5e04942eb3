"""Verdicts against independently known answers (THEORY.md §7, theorems)."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from certify.engine import decide
from certify.patterns import build_pattern
from certify.support import from_masks

from conftest import decided

UPPER2 = [[1, 1], [0, 1]]
LOWER2 = [[1, 0], [1, 1]]


def dense(limit):
    """The sparse limit of a decision as a list of rows of strings."""
    m, n = limit["shape"]
    rows = [["0"] * n for _ in range(m)]
    for i, j, v in limit["nonzeros"]:
        rows[i][j] = v
    return rows


def symbolic_product(support):
    """(symbols, W_L ... W_1 with one symbol per mask entry), for sympy."""
    syms, mats = [], []
    for l, m in enumerate(support.masks, start=1):
        M = sympy.zeros(*m.shape)
        for i, j in zip(*np.nonzero(m)):
            x = sympy.Symbol(f"w{l}_{i}_{j}")
            syms.append(x)
            M[i, j] = x
        mats.append(M)
    P = mats[0]
    for M in mats[1:]:
        P = M * P
    return syms, P


def factorisation_exists(support, A) -> bool:
    """Independent membership test by sympy: is A = W_L ... W_1 solvable?"""
    syms, P = symbolic_product(support)
    eqs = [sympy.Eq(P[i, j], sympy.Rational(str(A[i][j]))) for i in range(P.rows) for j in range(P.cols)]
    return bool(sympy.solve(eqs, syms, dict=True))


@pytest.mark.parametrize("first, second", [(UPPER2, LOWER2), (LOWER2, UPPER2)])
def test_theory_2x2_masks_in_both_orders_are_not_closed(first, second):
    support = from_masks([first, second])
    d = decided(support, "not_closed")
    assert d.rules[0] == "W1"
    # The limit is a limit of products but not itself a product (sympy agrees).
    assert not factorisation_exists(support, dense(d.limit))


@pytest.mark.parametrize("n", range(2, 9))
def test_lu_is_not_closed_and_its_limit_has_no_lu_factorisation(n):
    d = decided(f"lu:{n}", "not_closed")
    A = dense(d.limit)
    # Independently: entries (0,0), (0,1), (1,0) of L U are the single products
    # L00 U00, L00 U01, L10 U00; the limit [[0,1],[1,*]] makes them inconsistent.
    l00, u00, u01, l10 = sympy.symbols("l00 u00 u01 l10")
    eqs = [sympy.Eq(l00 * u00, sympy.Rational(str(A[0][0]))),
           sympy.Eq(l00 * u01, sympy.Rational(str(A[0][1]))),
           sympy.Eq(l10 * u00, sympy.Rational(str(A[1][0])))]
    assert sympy.solve(eqs, [l00, u00, u01, l10], dict=True) == []
    if n <= 3:
        assert not factorisation_exists(build_pattern(f"lu:{n}"), A)


def test_ul_4_is_not_closed():
    decided("ul:4", "not_closed")


DENSE = [ws for depth in range(1, 5) for ws in itertools.product(range(1, 5), repeat=depth + 1)]


@pytest.mark.parametrize("widths", DENSE, ids=lambda ws: ",".join(map(str, ws)))
def test_every_small_dense_chain_is_closed(widths):
    decided("dense:" + ",".join(map(str, widths)), "closed")


@pytest.mark.parametrize("spec", [f"butterfly:{2 ** k}" for k in range(1, 11)]
                         + ["monarch:16:4", "monarch:64:8", "monarch:12:3", "blockdiag:12:3:3",
                            "blockdiag:8:2:4", "blockdiag:6:6:2", "blockdiag:6:1:3"])
def test_structured_patterns_are_closed(spec):
    d = decided(spec, "closed")
    assert "C3" in d.rules or "layer" in d.rules


def test_single_rank_one_node_with_complete_observed_blocks_is_closed_by_c1():
    # Hidden 0 covers the 2x2 block; hidden 1 and 2 are series nodes that make
    # (0,1) and (1,0) free.  The observed entries (0,0), (1,1) of hidden 0 are
    # two separate 1x1 blocks: closed (indeed L_I is all of R^{2x2}).
    s = from_masks([[[1, 1], [0, 1], [1, 0]], [[1, 1, 0], [1, 0, 1]]])
    d = decided(s, "closed")
    assert "C1" in d.rules
    assert factorisation_exists(s, [[5, -2], [3, 7]])


def test_rank_one_nodes_with_overlapping_rectangles_but_disjoint_patterns_are_closed_by_c2():
    # 5x5 output.  h0 covers rows/cols {0,1,2}, h1 covers {2,3,4}; five series
    # nodes make (2,0), (2,1), (2,2), (3,2), (4,2) free.  Then h0 observes the
    # complete block {0,1} x {0,1,2} and h1 the block {2,3,4} x {3,4}: disjoint
    # patterns in one component, C2.  The rectangles overlap at (2,2), so C3
    # cannot apply.  Independently: L_I = {rank <= 1 on both blocks, the five
    # entries free, zero elsewhere}, a closed set.
    free = [(2, 0), (2, 1), (2, 2), (3, 2), (4, 2)]
    w1 = [[int(j in (0, 1, 2)) for j in range(5)], [int(j in (2, 3, 4)) for j in range(5)]]
    w1 += [[int(j == c) for j in range(5)] for _, c in free]
    w2 = [[int(i in (0, 1, 2)), int(i in (2, 3, 4))] + [int(i == r) for r, _ in free] for i in range(5)]
    d = decided(from_masks([w1, w2]), "closed")
    assert "C2" in d.rules and "C3" not in d.rules


def test_lu_core_with_extra_free_entries_stays_not_closed():
    # LU 2x2 plus a separate dense block: a non-closed component makes the
    # whole set non-closed (R6).
    w1 = [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    w2 = [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    decided(from_masks([w1, w2]), "not_closed")


def test_theory_c4_example_is_closed_by_c4():
    # Rows {0,1} x columns {0,1,2} plus rows {0,1,2} x columns {0,1}: closed by
    # C4 (tests/test_constant_rank.py has the certificate's details).
    s = from_masks([[[1, 1, 1], [1, 1, 0]], [[1, 1], [1, 1], [0, 1]]])
    d = decided(s, "closed")
    assert d.rules[-1] == "C4"


W2_EXAMPLE = [[[1, 1, 0], [0, 1, 1]], [[1, 1], [1, 1]]]


def test_theory_w2_example_is_not_closed_by_w2():
    # Two rank-one nodes on rows {0,1}, columns {0,1} and {1,2} (THEORY §7).
    s = from_masks(W2_EXAMPLE)
    d = decided(s, "not_closed")
    assert d.rules[0] == "W2"
    assert dense(d.limit) == [["1", "0", "1"], ["0", "1", "0"]] or \
        sorted(v for _, _, v in d.limit["nonzeros"]) == ["1", "1", "1"]
    assert not factorisation_exists(s, dense(d.limit))            # sympy agrees
    assert decide(s, rules="core").verdict == "unknown"             # W1 alone does not see it
    t = decided(s.transpose(), "not_closed")                        # and its transpose
    assert t.rules[0] == "W2"


@pytest.mark.parametrize("seed", range(6))
def test_w2_example_embedded_in_a_larger_random_support(seed):
    # The W2 block plus an unrelated random block on other rows/columns (and
    # a random permutation of everything): still not closed.
    rng = np.random.default_rng(seed)
    a = rng.random((3, 4)) < 0.5
    b = rng.random((5, 3)) < 0.5
    w1 = np.zeros((5, 7), dtype=bool)
    w2 = np.zeros((7, 5), dtype=bool)
    w1[:2, :3] = W2_EXAMPLE[0]
    w2[:2, :2] = W2_EXAMPLE[1]
    w1[2:, 3:] = a
    w2[2:, 2:] = b
    p0, p1, p2 = rng.permutation(7), rng.permutation(5), rng.permutation(7)
    decided(from_masks([w1[np.ix_(p1, p0)], w2[np.ix_(p2, p1)]]), "not_closed")


def test_deep_chain_with_a_closed_lu_like_component_uses_components():
    # Component A: a deep dense chain (C3 only); component B: the C1 example
    # padded to three layers with an identity.  No single split works.
    a1, a2, a3 = np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2))
    b1 = np.array([[1, 1], [0, 1], [1, 0]])
    b2 = np.array([[1, 1, 0], [1, 0, 1]])
    b3 = np.eye(2)
    z = np.zeros
    W1 = np.block([[a1, z((2, 2))], [z((3, 2)), b1]])
    W2 = np.block([[a2, z((2, 3))], [z((2, 2)), b2]])
    W3 = np.block([[a3, z((2, 2))], [z((2, 2)), b3]])
    d = decided(from_masks([W1, W2, W3]), "closed")
    assert d.certificate["proof"]["rule"] in ("components", "C3")


two_layer = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).flatmap(
    lambda w: st.tuples(st.lists(st.booleans(), min_size=w[0] * w[1], max_size=w[0] * w[1]),
                        st.lists(st.booleans(), min_size=w[1] * w[2], max_size=w[1] * w[2])).map(
        lambda b: from_masks([np.array(b[0]).reshape(w[1], w[0]), np.array(b[1]).reshape(w[2], w[1])])))


@settings(max_examples=120, deadline=None)
@given(two_layer, st.randoms(use_true_random=False))
def test_verdicts_are_invariant_under_transpose_and_permutation(support, rnd):
    # Closedness is invariant under transposition (R7) and under relabelling
    # inputs, hidden units and outputs: two decided verdicts must agree.
    base = decided(support).verdict
    flipped = decided(support.transpose()).verdict
    p0, p1, p2 = (list(range(n)) for n in support.widths)
    for p in (p0, p1, p2):
        rnd.shuffle(p)
    m1, m2 = support.masks
    permuted = from_masks([m1[np.ix_(p1, p0)], m2[np.ix_(p2, p1)]])
    moved = decided(permuted).verdict
    verdicts = {v for v in (base, flipped, moved) if v != "unknown"}
    assert len(verdicts) <= 1, (base, flipped, moved)


def masks_of(text):
    return from_masks([[[c == "1" for c in row] for row in layer.split(",")] for layer in text.split("/")])


@pytest.mark.parametrize("text", ["001,110,111/011,011,101", "011,011,101/010,101,111"])
def test_w3_first_order_cancellation(text):
    # Found by the exhaustive study: neither W1 nor W2 applies.
    s = masks_of(text)
    assert decide(s, rules="core").verdict == "unknown"
    d = decided(s, "not_closed")
    assert d.rules[0] == "W3"
    assert not factorisation_exists(s, dense(d.limit))             # sympy agrees


def test_c5_nested_pair_is_closed_and_matches_its_description():
    # Two nodes on the same rows {0,1,2}, columns {0,1} and {0,1,2,3}: the set
    # is {rank A <= 2, rank A[:, {2,3}] <= 1} (THEORY, width two (a)).
    from certify.membership import decide_member
    from flint import fmpq
    s = from_masks([[[1, 1, 0, 0], [1, 1, 1, 1]], np.ones((3, 2))])
    d = decided(s, "closed")
    assert "C5" in d.rules
    inside = [[1, 2, 1, 1], [0, 1, 2, 2], [1, 3, 3, 3]]     # rank 2; last two columns equal
    outside = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]    # last two columns of rank 2
    q = lambda rows: [[fmpq(v) for v in r] for r in rows]   # noqa: E731
    assert decide_member(s, q(inside)).verdict == "member"
    assert decide_member(s, q(outside)).verdict == "not_member"


def no_complex_factorisation(support, limit) -> bool:
    """Independent: the Groebner basis of W_L...W_1 - A is {1}."""
    syms, P = symbolic_product(support)
    A = sympy.Matrix(dense(limit)).applyfunc(sympy.Rational)
    return sympy.groebner(list(P - A), *syms, order="grevlex").exprs == [1]


ROUTED = [
    [[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[1, 0, 1], [0, 0, 0], [0, 0, 1]], [[1, 0, 1], [1, 1, 0], [0, 1, 1]]],
    [[[0, 1, 1], [1, 0, 0], [1, 1, 0]], [[1, 0, 0], [0, 0, 1], [1, 0, 1]], [[1, 1, 1], [0, 1, 1], [1, 0, 0]]],
    [[[0, 1, 1], [1, 0, 0], [1, 0, 1]], [[0, 1, 1], [0, 1, 1], [1, 1, 1]], [[0, 1, 0], [0, 0, 1], [1, 1, 1]]],
]


@pytest.mark.parametrize("masks", ROUTED)
def test_routing_decides_deep_cores(masks):
    # Deep reduced cores (hidden-to-hidden edges): no two-factor witness, but
    # fixing one layer to a matching exposes one, refuted on the deep system.
    s = from_masks(masks)
    assert decide(s, rules="core").verdict == "unknown"
    d = decided(s, "not_closed")
    assert d.rules[0] == "routed"
    assert no_complex_factorisation(s, d.limit)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 3).flatmap(lambda L: st.tuples(
    st.lists(st.integers(2, 4), min_size=L + 1, max_size=L + 1), st.integers(0, 2 ** 32 - 1))))
def test_every_non_closed_limit_has_no_complex_factorisation(case):
    # Independent of the checker: sympy's Groebner basis of W_L...W_1 - A is {1}.
    widths, seed = case
    rng = np.random.default_rng(seed)
    s = from_masks([rng.random((b, a)) < 0.6 for a, b in zip(widths, widths[1:])])
    d = decided(s)
    if d.verdict == "not_closed":
        assert no_complex_factorisation(s, d.limit)
