"""Minor steps of propagation refutations (docs/theory.md §4, ``minor``): the
rank of a twin class's sum is at most the number of twins, so the
determinant of one more row and column of (target − the other monomials)
vanishes.  Engine certificates that need it, hand-made ones, the checker's
rejection of misapplied minors, and soundness of the engine's search on
targets that are products."""

from __future__ import annotations

import copy
import random

from flint import fmpq

import blockcases as B
from certify.checker.verify import check_certificate
from certify.engine import decide
from certify.membership import decide_member
from certify.patterns import build_pattern
from certify.reductions import State, original_entry, reduce
from certify.chains import Chain
from certify.refutations import MinorTable, component_system, minor_groups, propagate
from certify.support import from_masks


def masks(text):
    return from_masks([[[c == "1" for c in row] for row in layer.split(",")] for layer in text.split("/")])


# Two twins on a 3 x 3 rectangle; hidden units 2 and 3 are series nodes, so
# entries (0,0) and (1,1) are free after R2/R5.
TWINS_FREE = "111,111,100,010/1110,1101,1100"
# Twins 0, 1 on outputs {0, 2, 3} x inputs {0, 1, 2}; node 2 on outputs
# {0, 1, 3} x inputs {1, 2}, alone on output 1.
TWINS_AND_ONE = "111,111,011/111,001,110,111"


def certificate(text) -> dict:
    d = decide(masks(text))
    assert d.verdict == "not_closed", d.explanation
    return copy.deepcopy(d.certificate)


def rejected(cert, words):
    v = check_certificate(cert)
    assert not v.accepted and words in v.message, v.message


def limit(cert) -> dict:
    return {(i, j): v for i, j, v in cert["proof"]["limit"]["nonzeros"]}


def test_twins_with_two_free_entries_are_not_closed():
    # docs/theory.md §4 minor, the example: one twin u = e0 + t e2,
    # v = e0/t + e1 (its 1/t on the free entry (0,0), cancelled by the series
    # node), the other e1 e2^T.  Limit P = e01 + e12 + e20, and
    # det [[z00, 1, 0], [0, z11, 1], [1, 0, 0]] = 1 for all z00, z11.
    cert = certificate(TWINS_FREE)
    assert check_certificate(cert).accepted
    proof = cert["proof"]
    assert proof["rule"] == "W4"
    assert proof["reduction"]["core"]["dont_care"] == [["2:0", "0:0"], ["2:1", "0:1"]]
    assert limit(cert) == {(0, 1): "1", (1, 2): "1", (2, 0): "1"}
    assert proof["refutation"]["steps"] == [
        {"rule": "minor", "nodes": ["1:0", "1:1"], "rows": ["2:0", "2:1", "2:2"],
         "cols": ["0:0", "0:1", "0:2"], "gives": "contradiction", "uses": []}]


def test_twins_and_a_third_node_are_not_closed():
    # Limit: 1 at (0,2), (1,1), (2,1), (3,0).  Output 1 sees node 2 only:
    # u1 v1 = 1 makes both non-zero, u1 v2 = 0 then makes v2 = 0.  On
    # outputs {0, 2, 3} x inputs {0, 1, 2} the twins' sum is
    # [[0, -u0 v1, 1], [0, 1, 0], [1, -u3 v1, 0]], whose determinant is -1.
    cert = certificate(TWINS_AND_ONE)
    assert check_certificate(cert).accepted
    assert limit(cert) == {(0, 2): "1", (1, 1): "1", (2, 1): "1", (3, 0): "1"}
    assert cert["proof"]["refutation"]["steps"] == [
        {"entry": ["2:1", "0:1"], "rule": "nonzero", "uses": []},
        {"entry": ["2:1", "0:2"], "rule": "zero", "var": ["0:2", "1:2"], "uses": [0]},
        {"rule": "minor", "nodes": ["1:0", "1:1"], "rows": ["2:0", "2:2", "2:3"],
         "cols": ["0:0", "0:1", "0:2"], "gives": "contradiction", "uses": [1]}]


# J - I on both layers: hidden unit k reads every input but k and feeds every
# output but k (three 2 x 2 rectangles, each diagonal entry covered twice).
J_MINUS_I = "011,101,110/011,101,110"


def test_j_minus_i_is_not_closed_by_a_single_node_minor():
    # Off the diagonal (i, j) sees only unit k = 3 - i - j: A_ij = b_ik a_kj.
    # W3 curve: a_10 = 1/t, a_20 = -1/t, a_12 = a_21 = 1, b_01 = b_02 = 1,
    # b_12 = -t, b_21 = t; then A_00 = 1/t - 1/t = 0, A_11 = -t, A_22 = t and
    # the limit has 1 at (0,1), (0,2), (1,0), (2,0).  Not a product: those 1s
    # make a_21, a_12, b_12, b_21 non-zero, and unit 0 alone on outputs
    # {1, 2} x inputs {1, 2} must give [[-b_12 a_21, 0], [0, -b_21 a_12]]
    # (A minus the other units' terms), of rank <= 1: a contradiction.
    cert = certificate(J_MINUS_I)
    assert cert["proof"]["rule"] == "W3"
    assert limit(cert) == {(0, 1): "1", (0, 2): "1", (1, 0): "1", (2, 0): "1"}
    steps = cert["proof"]["refutation"]["steps"]
    assert [s["rule"] for s in steps] == ["nonzero"] * 4 + ["minor"]
    assert steps[-1]["nodes"] == ["1:0"] and steps[-1]["rows"] == ["2:1", "2:2"]
    assert steps[-1]["cols"] == ["0:1", "0:2"]
    A = [[fmpq(int((i, j) in {(0, 1), (0, 2), (1, 0), (2, 0)})) for j in range(3)] for i in range(3)]
    assert decide_member(masks(J_MINUS_I), A).verdict == "not_member"
    # The minor credited to unit 1 instead: its determinant is not the one used.
    steps[-1]["nodes"] = ["1:1"]
    rejected(cert, "refutation step 4")


def test_tampered_minor_steps_are_rejected():
    def edited(text, edit):
        cert = certificate(text)
        edit(cert["proof"]["refutation"]["steps"])
        return cert

    def one_node(steps):          # 3 x 3 over one node: k must be |H| + 1
        steps[-1]["nodes"] = ["1:0"]

    def repeated_node(steps):
        steps[-1]["nodes"] = ["1:0", "1:0"]

    def third_node_in_h(steps):   # H = {1:0, 1:2}: twin 1:1's monomials stay in B
        steps[-1]["nodes"] = ["1:0", "1:2"]

    def no_zero_fact(steps):      # without v2 = 0 the determinant keeps u0 v2, u3 v2 terms
        steps[:] = [dict(steps[-1], uses=[])]

    def gives_nonzero(steps):
        steps[-1]["gives"] = "nonzero"

    def gives_zero(steps):
        steps[-1]["gives"] = "zero"
        steps[-1]["var"] = ["0:1", "1:2"]

    def too_big(steps):
        steps[-1]["nodes"] = ["1:0", "1:1", "1:2", "1:0"]

    def row_as_source(steps):
        steps[-1]["rows"][0] = "0:0"

    cases = ((TWINS_AND_ONE, one_node, "a minor is k x k over k - 1 distinct nodes"),
             (TWINS_AND_ONE, repeated_node, "a minor is k x k over k - 1 distinct nodes"),
             (TWINS_AND_ONE, third_node_in_h, "contradiction needs a non-zero constant"),
             (TWINS_AND_ONE, no_zero_fact, "contradiction needs a non-zero constant"),
             (TWINS_AND_ONE, gives_nonzero, "nonzero needs exactly one live monomial"),
             (TWINS_AND_ONE, gives_zero, "zero needs exactly one live monomial"),
             (TWINS_AND_ONE, too_big, "a minor is k x k over k - 1 distinct nodes"),
             (TWINS_FREE, row_as_source, "is not an output/input pair of the component"))
    for text, edit, words in cases:
        rejected(edited(text, edit), words)


def test_a_changed_limit_is_rejected():
    # (2,0) -> (2,1) in the limit of TWINS_FREE: the curve no longer tends to it.
    cert = certificate(TWINS_FREE)
    cert["proof"]["limit"]["nonzeros"][2] = [2, 1, "1"]
    rejected(cert, "limit entry")


# --- hand-made not_member certificates on dense:3,2,3 (rank <= 2) ----------------

MINOR_3 = [{"rule": "minor", "nodes": ["1:0", "1:1"], "rows": ["2:0", "2:1", "2:2"],
            "cols": ["0:0", "0:1", "0:2"], "gives": "contradiction", "uses": []}]


def test_a_rank_three_matrix_is_refuted_by_one_minor():
    identity = {(k, k): "1" for k in range(3)}
    assert check_certificate(B.not_member("dense:3,2,3", identity, MINOR_3)).accepted
    # det [[1,2,3],[4,5,6],[7,8,10]] = -3: rank 3.
    full = {(i, j): str(v) for i, row in enumerate([[1, 2, 3], [4, 5, 6], [7, 8, 10]]) for j, v in enumerate(row)}
    assert check_certificate(B.not_member("dense:3,2,3", full, MINOR_3)).accepted


def test_a_rank_two_matrix_is_not_refuted():
    # det [[1,2,3],[4,5,6],[7,8,9]] = 0: the minor is 0, no contradiction.
    singular = {(i, j): str(3 * i + j + 1) for i in range(3) for j in range(3)}
    rejected(B.not_member("dense:3,2,3", singular, MINOR_3), "contradiction needs a non-zero constant")


def test_member_refutes_the_identity_through_two_hidden_units():
    d = decide_member(build_pattern("dense:3,2,3"), [[fmpq(int(i == j)) for j in range(3)] for i in range(3)])
    assert d.verdict == "not_member"
    assert d.certificate["proof"]["refutation"]["steps"] == MINOR_3
    assert check_certificate(d.certificate).accepted


# --- the engine's search ------------------------------------------------------------

def test_minor_groups_are_the_non_full_twin_classes_then_single_nodes():
    state = reduce(State.from_chain(Chain.from_support(masks(TWINS_AND_ONE)))).final
    comp = sorted(state.graph)
    eqs = component_system(state, comp, lambda a, b: fmpq(0))
    rows, cols = [(2, 0), (2, 2), (2, 3)], [(0, 0), (0, 1), (0, 2)]
    # The twin class on its 3 x 3 rectangle; with singles, then each node
    # alone (hidden unit 2 on inputs {1, 2} x outputs {0, 1, 3}).
    assert minor_groups(eqs) == [([(1, 0), (1, 1)], rows, cols)]
    assert minor_groups(eqs, singles=True) == [
        ([(1, 0), (1, 1)], rows, cols), ([(1, 0)], rows, cols), ([(1, 1)], rows, cols),
        ([(1, 2)], [(2, 0), (2, 1), (2, 3)], [(0, 1), (0, 2)])]
    # One 3 x 3 minor for the twins; C(3,2)^2 = 9 2 x 2 minors for each twin
    # alone, C(3,2) C(2,2) = 3 for unit 2.
    assert len(MinorTable(eqs).minors) == 1
    assert len(MinorTable(eqs, singles=True).minors) == 1 + 9 + 9 + 3
    # dense:4,3,4 reduces to a full block (three twins, min side 4 > 3): one
    # class of three (4 x 4 minors), then the three nodes alone.
    state = reduce(State.from_chain(Chain.from_support(build_pattern("dense:4,3,4")))).final
    eqs = component_system(state, sorted(state.graph), lambda a, b: fmpq(0))
    assert [len(H) for H, _, _ in minor_groups(eqs)] == [3]
    assert [len(H) for H, _, _ in minor_groups(eqs, singles=True)] == [3, 1, 1, 1]


def test_skipping_minors_that_cannot_prove_anything_changes_no_step():
    # MinorTable.indices leaves out minors with no dead monomial and either
    # no non-zero target or two top-degree terms; find_minor over all minors
    # must give the same first step on random targets, zeros and non-zeros.
    from certify.refutations import find_minor
    rng = random.Random(11)
    steps = skipped = 0
    for text in (TWINS_AND_ONE, TWINS_FREE, "11011,10111,01101,11110/1101,0111,1011,1110,1101"):
        state = reduce(State.from_chain(Chain.from_support(masks(text)))).final
        eqs = component_system(state, sorted(state.graph), lambda a, b: fmpq(0))
        pruned, full = MinorTable(eqs, singles=True), MinorTable(eqs, singles=True)
        full.indices = lambda known_zero: range(len(full.minors))
        variables = sorted({x for eq in eqs for m in eq.monomials for x in m})
        for trial in range(300):
            for eq in eqs:
                eq.target = fmpq(rng.choice([0, 0, 0, 1, -1, 2]))
            # Few zeros, and many non-zeros in half the trials (a zero step
            # needs all but one variable of a monomial non-zero).
            shuffled = rng.sample(variables, len(variables))
            cut = rng.randint(0, len(variables) // 4)
            zero = {x: k for k, x in enumerate(shuffled[:cut])}
            share = rng.choice([0.3, 0.9])
            nonzero = {x: cut + k for k, x in enumerate(shuffled[cut:]) if rng.random() < share}
            got = find_minor(pruned, zero, nonzero)
            assert got == find_minor(full, zero, nonzero)
            steps += got is not None
            skipped += len(pruned.indices(zero.keys())) < len(pruned.minors)
    assert steps > 50 and skipped > 500


def test_propagation_with_minors_never_refutes_a_product():
    # Soundness on members: random rational factors on the masks, targets
    # their product; propagation with block and minor steps must find no
    # contradiction (every step is a valid deduction).
    rng = random.Random(7)
    for text in (TWINS_FREE, TWINS_AND_ONE, "111,111/11,11,11", "1111,1111,1111/111,111,111,111"):
        support = masks(text)
        state = reduce(State.from_chain(Chain.from_support(support))).final
        for trial in range(20):
            weights = [[[fmpq(rng.randint(-3, 3)) * int(m) for m in row] for row in mask.tolist()]
                       for mask in support.masks]
            # sparse targets too: zero some weights
            if trial % 2:
                weights = [[[w if rng.random() < 0.6 else fmpq(0) for w in row] for row in layer] for layer in weights]
            prod = weights[0]
            for W in weights[1:]:
                prod = [[sum((W[i][h] * prod[h][j] for h in range(len(prod))), fmpq(0))
                         for j in range(len(prod[0]))] for i in range(len(W))]

            def target(a, b):
                i, j = original_entry(a, b)
                return prod[i][j]

            for comp in reduce(State.from_chain(Chain.from_support(support))).components:
                eqs = component_system(state, comp, target)
                assert propagate(eqs, blocks=True, minors=True) is None


def _many_paths_minor(width: int) -> dict:
    """A not_closed certificate whose only step is a 2 x 2 minor over one node
    of a deep component: its entries hold width^5 path monomials each
    (found by an adversarial review: summing them term by term took hours)."""
    from certify.checker.graphs import fingerprint
    depth, w = 5, width
    layers = [{"shape": [w + 1, 3], "nonzeros": [[i, j] for i in range(w) for j in (0, 1)] + [[w, 2]]}]
    layers += [{"shape": [w + 1, w + 1], "nonzeros": [[i, j] for i in range(w) for j in range(w)] + [[w, w]]}
               for _ in range(depth - 1)]
    layers.append({"shape": [2, w + 1], "nonzeros": [[0, j] for j in range(w + 1)] + [[1, w]]})
    L = len(layers)

    def key(s):
        return tuple(map(int, s.split(":")))

    hidden = [f"{l}:{i}" for l in range(1, L) for i in range(w + 1)]
    nodes = sorted([f"0:{i}" for i in range(3)] + hidden + [f"{L}:{i}" for i in range(2)], key=key)
    edges = sorted(([f"{l - 1}:{j}", f"{l}:{i}"] for l, m in enumerate(layers, 1) for i, j in m["nonzeros"]),
                   key=lambda e: (key(e[0]), key(e[1])))
    support = {"layers": layers}
    return {"format": "certify-certificate/1", "claim": "not_closed", "support_sha256": fingerprint(support),
            "support": support,
            "proof": {"rule": "W1", "reduction": {"steps": [{"rule": "R6", "components": [nodes]}],
                                                  "core": {"sources": [f"0:{i}" for i in range(3)],
                                                           "sinks": [f"{L}:0", f"{L}:1"], "hidden": hidden,
                                                           "edges": edges, "dont_care": []}},
                      "component": 0, "curve": [[] for _ in range(L)], "limit": {"shape": [2, 3], "nonzeros": []},
                      "refutation": {"method": "propagation", "steps": [
                          {"rule": "minor", "nodes": ["1:0"], "rows": [f"{L}:0", f"{L}:1"], "cols": ["0:0", "0:1"],
                           "gives": "contradiction", "uses": []}]}}}


def test_a_minor_over_too_many_path_monomials_is_refused_and_a_smaller_one_replayed():
    # width 7: 7^5 = 16,807 monomials in entry (6:0, 0:0), over the 10,000 bound.
    v = check_certificate(_many_paths_minor(7))
    assert not v.accepted and "more than 10,000 monomials" in v.message, v.message
    # width 4: 4^5 = 1,024 monomials, replayed; the determinant is not a constant
    # (the limit is 0 and the paths stay), so the contradiction is refused.
    v = check_certificate(_many_paths_minor(4))
    assert not v.accepted and "contradiction needs a non-zero constant" in v.message, v.message
