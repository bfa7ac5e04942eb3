"""The QEPCAD closedness sentence of bench/qe_sentence.py (the QE baseline's
input).  No QEPCAD needed: exact text for lu:2's core, and the sentence's
polynomials evaluated against the matrix product."""

import importlib.util
import pathlib
import re
import sys

import numpy as np
import sympy

from certify.chains import Chain
from certify.patterns import build_pattern
from certify.reductions import State, reduce
from certify.support import from_masks

# Loaded from its file: putting bench/ on sys.path would shadow module names.
_spec = importlib.util.spec_from_file_location(
    "bench_qe_sentence", pathlib.Path(__file__).resolve().parent.parent / "bench" / "qe_sentence.py")
_mod = sys.modules["bench_qe_sentence"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
state_sentence = _mod.state_sentence


def raw(support):
    return State.from_chain(Chain.from_support(support))


def test_lu2_core_sentence_exactly():
    # Core of LU 2x2: one hidden node h=(1,0) reading inputs 0, 1 and feeding
    # outputs 0, 1; entry (1,1) is free (D).  Observed: a1=(0,0), a2=(0,1),
    # a3=(1,0).  Weights v1..v4 = in0->h, in1->h, h->out0, h->out1; the
    # closure copy pins in0->h to 1 (gauge), leaving w1=in1->h, w2, w3.
    s = state_sentence(reduce(raw(build_pattern("lu:2"))).final)
    assert s.variables == ["a1", "a2", "a3", "e", "v1", "v2", "v3", "v4", "w1", "w2", "w3"]
    assert s.text == (
        "(A a1)(A a2)(A a3)(E e)(E v1)(E v2)(E v3)(E v4)(A w1)(A w2)(A w3)"
        "[ [ [ e > 0 ] /\\ [ (w2 - a1)^2 + (w1 w2 - a2)^2 + (w3 - a3)^2 >= e ] ] \\/ "
        "[ [ v1 v3 = a1 ] /\\ [ v2 v3 = a2 ] /\\ [ v1 v4 = a3 ] ] ].")
    assert s.qepcad_input("lu") == ("[ lu ]\n(a1,a2,a3,e,v1,v2,v3,v4,w1,w2,w3)\n0\n" + s.text + "\nfinish\n")


def test_without_gauge_every_weight_is_free_in_both_copies():
    s = state_sentence(reduce(raw(build_pattern("lu:2"))).final, gauge=False)
    assert (s.member_weights, s.closure_weights) == (4, 4)
    assert "(w1 w3 - a1)^2" in s.text and not re.search(r"(?<![\w^])1(?!\w)", s.text)


def test_structurally_zero_entries_and_unused_edges_are_left_out():
    # Output 1 is reached by no path (its only hidden node has no input), and
    # the edge into it carries no observed entry.
    s = state_sentence(raw(from_masks([[[1, 0], [0, 0]], [[1, 0], [0, 1]]])))
    assert s.coordinates == [((2, 0), (0, 0))]
    assert s.variables == ["a1", "e", "v1", "v2", "w1"]


def test_a_core_with_nothing_observed_is_trivial():
    s = state_sentence(reduce(raw(build_pattern("dense:3,3,3"))).final)
    assert s.trivial and s.text == ""


def _atoms(text):
    """(membership equations, closure terms) as sympy polynomials."""
    sym = lambda p: sympy.sympify(re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", p.strip()).replace("^", "**"))  # noqa: E731
    members = {a: sym(p) for p, a in re.findall(r"\[ ([^\[\]=]+) = (a\d+) \]", text)}
    closure = {a: sym(p) for p, a in re.findall(r"\(([^()]+) - (a\d+)\)\^2", text)}
    return members, closure


def test_polynomials_are_the_entries_of_the_product():
    # A 3-layer support with several paths per entry and two structural
    # zeros (output 1 hears only input 0): both copies of each polynomial
    # must give the product's entry at random integer weights (the closure
    # copy with its pinned weights set to 1).
    masks = [np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0]]), np.array([[1, 1, 0], [0, 0, 1]]),
             np.array([[1, 1], [0, 1]])]
    support = from_masks(masks)
    state = raw(support)
    rng = np.random.default_rng(1)
    for gauge in (True, False):
        s = state_sentence(state, gauge=gauge)
        members, closure = _atoms(s.text)
        used = sorted({e for path_edges in _edges_on_paths(state, s.coordinates) for e in path_edges})
        vals = {e: int(rng.integers(-5, 6)) for e in used}
        pinned = set()
        if gauge:
            order = sorted({e[1] for e in used if e[1][0] not in (0, 3)})
            pinned = {min(e for e in used if e[1] == h) for h in order}
        W = [np.zeros(m.shape, dtype=object) for m in masks]
        for (src, dst), x in vals.items():
            W[dst[0] - 1][dst[1], src[1]] = x
        product = W[2].dot(W[1].dot(W[0]))
        v_sub = {sympy.Symbol(f"v{n}"): vals[e] for n, e in enumerate(used, 1)}
        w_edges = [e for e in used if e not in pinned]
        w_sub = {sympy.Symbol(f"w{n}"): vals[e] for n, e in enumerate(w_edges, 1)}
        W1 = [w.copy() for w in W]
        for (src, dst) in pinned:
            W1[dst[0] - 1][dst[1], src[1]] = 1
        product1 = W1[2].dot(W1[1].dot(W1[0]))
        for n, (k, j) in enumerate(s.coordinates, 1):
            a = f"a{n}"
            assert members[a].subs(v_sub) == product[k[1], j[1]]
            assert closure[a].subs(w_sub) == product1[k[1], j[1]]
        # Every entry reached by a path is observed; the structural zeros are not.
        assert sorted((k[1], j[1]) for k, j in s.coordinates) == [(0, 0), (0, 1), (0, 2), (1, 0)]


def _edges_on_paths(state, coords):
    import networkx as nx
    for k, j in coords:
        for p in nx.all_simple_paths(state.graph, j, k):
            yield list(zip(p, p[1:]))
