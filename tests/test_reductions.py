import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from certify.chains import Chain
from certify.laurent import Laurent
from certify.patterns import build_pattern
from certify.reductions import State, apply_step, lift, reduce
from certify.support import from_masks
from certify.witnesses import layer_matrices, multiply


def state_of(support):
    return State.from_chain(Chain.from_support(support))


def test_lu3_reduction_by_hand():
    # Hidden node 2 of LU 3x3 reads input 2 only and feeds output 2 only:
    # series (R2) makes a direct edge, which R5 turns into the free entry (2,2).
    red = reduce(state_of(build_pattern("lu:3")))
    assert red.steps[:2] == [
        {"rule": "R2", "node": (1, 2), "side": "in", "parallel": []},
        {"rule": "R5", "edges": [((0, 2), (2, 2))]},
    ]
    core = red.final.core()
    assert core["hidden"] == [(1, 0), (1, 1)]
    assert core["dont_care"] == [((2, 2), (0, 2))]
    assert len(red.components) == 1


def test_wide_dense_middle_is_a_full_block():
    # 3 twins between 3 inputs and 3 outputs give every 3x3 matrix (R4): all
    # entries become free and every row is dropped.
    red = reduce(state_of(build_pattern("dense:3,3,3")))
    assert [s["rule"] for s in red.steps] == ["R4", "R5", "R5-drop", "R6"]
    assert red.final.core() == {"sources": [], "sinks": [], "hidden": [], "edges": [], "dont_care": []}


def test_narrow_dense_middle_keeps_a_rank_bound():
    # 2 twins between 4 inputs and 4 outputs: rank <= 2, nothing to reduce.
    red = reduce(state_of(build_pattern("dense:4,2,4")))
    assert [s["rule"] for s in red.steps] == ["R6"]
    assert red.final.hidden() == [(1, 0), (1, 1)]


def test_dead_nodes_and_parallel_merge():
    # Hidden node 1 has no input (dead). Node 0 (input 0 -> out 0, 1) and
    # node 2 (input 0 -> out 0) are both series; the second R2 creates an
    # edge that already exists, recorded as parallel (R3).
    s = from_masks([[[1, 0], [0, 0], [1, 0]], [[1, 1, 1], [1, 1, 0]]])
    red = reduce(state_of(s))
    rules = [(st["rule"], st.get("node"), st.get("parallel")) for st in red.steps]
    assert rules[0] == ("R1", None, None) and red.steps[0]["nodes"] == [(1, 1)]
    assert ("R2", (1, 2), [((0, 0), (2, 0))]) in rules


def _paths_sum(state, weights, src, snk):
    """Independent path enumeration (not the engine's dynamic programme)."""
    total = Laurent()
    stack = [(src, Laurent.const(1))]
    while stack:
        v, acc = stack.pop()
        if v == snk:
            total = total + acc
            continue
        for w in state.graph.successors(v):
            x = weights.get((v, w))
            if x is not None and not x.is_zero():
                stack.append((w, acc * x))
    return total


def _check_lift(support, original, steps, final, weights):
    lifted = lift(original, steps, weights)
    for (u, v) in lifted:
        assert support.mask(v[0])[v[1], u[1]], "lifted weight off the support"
    prod = multiply(layer_matrices(support, lifted)) if lifted else {}
    L = support.depth
    for i, j in itertools.product(range(support.widths[-1]), range(support.widths[0])):
        got = prod.get((i, j), Laurent())
        a, b = (L, i), (0, j)
        snk, src = (a, b) if a in final.sinks else (b, a)
        if snk in final.sinks and src in final.sources and (snk, src) not in final.dont_care:
            assert got == _paths_sum(final, weights, src, snk), (i, j)
        else:
            assert got.is_zero(), (i, j)     # free / dropped entries are lifted to exactly 0


supports = st.integers(2, 3).flatmap(
    lambda L: st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1)).flatmap(
    lambda ws: st.tuples(*[st.lists(st.booleans(), min_size=a * b, max_size=a * b)
                           for a, b in zip(ws, ws[1:])]).map(
        lambda bits: from_masks([np.array(bs, dtype=bool).reshape(b, a)
                                 for bs, (a, b) in zip(bits, zip(ws, ws[1:]))])))

laurent_weights = st.tuples(st.integers(-3, 3), st.integers(-2, 2)).map(
    lambda ce: Laurent.monomial(ce[0], ce[1]))


@settings(max_examples=150, deadline=None)
@given(supports, st.data())
def test_lift_reproduces_reduced_path_sums(support, data):
    original = state_of(support)
    red = reduce(original)
    edges = sorted(red.final.graph.edges)
    weights = {e: data.draw(laurent_weights) for e in edges}
    _check_lift(support, original, red.steps, red.final, weights)


@settings(max_examples=60, deadline=None)
@given(supports, st.data())
def test_lift_through_a_transpose(support, data):
    original = state_of(support)
    flipped = original.copy()
    apply_step(flipped, {"rule": "R7"})
    red = reduce(flipped)
    steps = [{"rule": "R7"}] + red.steps
    weights = {e: data.draw(laurent_weights) for e in sorted(red.final.graph.edges)}
    _check_lift(support, original, steps, red.final, weights)


def test_laurent_arithmetic():
    t = Laurent.monomial(1, 1)
    inv = Laurent.monomial(1, -1)
    x = (t + inv) * (t - inv)                      # t^2 - t^-2
    assert x.terms() == [(-2, -1), (2, 1)]
    assert (t * inv) == Laurent.const(1)
    assert Laurent.from_terms([(0, 2), (0, -2)]).is_zero()
    assert x.coefficient(2) == 1 and x.coefficient(0) == 0 and x.valuation() == -2


@pytest.mark.parametrize("spec", ["dense:4,6,3,5", "dense:5,6,3,4", "dense:2,3,4,2", "lu:4",
                                  "ul:3", "random:4,5,4,3:0.6:2"])
def test_lift_on_block_reductions(spec):
    # R4 blocks that survive into the reduced state, with |P| <= |Q| and
    # |P| > |Q| (both ways of splitting a block into rank-one terms).
    support = build_pattern(spec)
    original = state_of(support)
    red = reduce(original)
    rng = np.random.default_rng(0)
    weights = {e: Laurent.monomial(int(rng.integers(-3, 4)), int(rng.integers(-2, 3)))
               for e in sorted(red.final.graph.edges)}
    _check_lift(support, original, red.steps, red.final, weights)
