"""C7 (onto by cases) and W4 (a cross over a background), docs/theory.md §3
and §4: the worked examples, cross-checks against exact membership, and the
two rules never contradicting each other."""

import copy
import random
from collections import Counter

import numpy as np
import pytest
from flint import fmpq

from certify.chains import Chain
from certify.checker import check_certificate
from certify.membership import decide_member
from certify.onto import prove_onto
from certify.reductions import State, reduce
from certify.rules import component_proof
from certify.support import from_masks

from conftest import decided


def rows(text):
    """"001,011,011/001,011,110" (input layer first, rows of each mask)."""
    return from_masks([[[int(c) for c in r] for r in layer.split(",")] for layer in text.split("/")])


# Two rank-one nodes on rows {1,2} and {0,1} with the same columns {1,2},
# entry (2,2) free (a third unit collapsed): without the free entry it is
# THEORY's W2 pattern transposed; the free entry kills that witness.
C7_EXAMPLE = "001,011,011/001,011,110"
# docs/theory.md §4 W4: nodes a (rows {0,2} x cols {1,2}) and b (rows {0,1} x
# cols {0,2}), entries (1,2) and (2,2) free.
W4_EXAMPLE = "001,011,101/011,101,110"
# A deep core (2-2-2-2) that C7 closes.
DEEP_EXAMPLE = "11,11/01,11/11,11"


def test_the_c7_example_is_closed_and_was_unknown_before_c7(monkeypatch):
    d = decided(rows(C7_EXAMPLE), "closed")
    (part,) = d.certificate["proof"]["components"]
    assert part["rule"] == "C7"
    # Entries of the reduced component: outputs 0, 1 on inputs 1, 2 and (2, 1);
    # (2, 2) is free and input 0 is unused.
    assert part["entries"] == [["2:0", "0:1"], ["2:0", "0:2"], ["2:1", "0:1"], ["2:1", "0:2"], ["2:2", "0:1"]]
    import certify.onto as onto
    monkeypatch.setattr(onto, "prove_onto", lambda state, comp: None)
    assert decided(rows(C7_EXAMPLE)).verdict == "unknown"


# docs/theory.md §3 C7, the split example: u v^T on {0,2} x {0,2} and x y^T on
# {1,2} x {1,2}, (0,0) and (1,1) free; a22 = u2 v2 + x2 y2 is split 2a22 - a22.
SPLIT_EXAMPLE = "101,011,100,010/1010,0101,1100"


def test_a_sum_split_as_2a_minus_a_closes_two_overlapping_nodes(monkeypatch):
    d = decided(rows(SPLIT_EXAMPLE), "closed")
    (part,) = d.certificate["proof"]["components"]
    assert part["rule"] == "C7"
    assert part["entries"] == [["2:0", "0:2"], ["2:1", "0:2"], ["2:2", "0:0"], ["2:2", "0:1"], ["2:2", "0:2"]]
    tree = part["tree"]
    # The first three orders wish a12 and a21 non-zero (their zero branches are
    # single leaves); with both non-zero only the split is left, which needs a22 != 0.
    tests = [tree["test"], tree["nonzero"]["test"], tree["nonzero"]["nonzero"]["test"]]
    assert tests == [["2:1", "0:2"], ["2:2", "0:1"], ["2:2", "0:2"]]
    last = tree["nonzero"]["nonzero"]["nonzero"]
    leaf = {(a, b): w for a, b, w in last["weights"]}
    assert leaf[("1:0", "2:2")] == [[[[4, 1]], "2"]] and leaf[("1:1", "2:2")] == [[[[4, 1]], "-1"]]
    # Tampered: 3 a22 - a22 is not a22.
    bad = copy.deepcopy(d.certificate)
    for e in bad["proof"]["components"][0]["tree"]["nonzero"]["nonzero"]["nonzero"]["weights"]:
        if e[:2] == ["1:0", "2:2"]:
            e[2] = [[[[4, 1]], "3"]]
    assert not check_certificate(bad).accepted
    # Without the 2 a_e values (and the fourth order) the search is stuck.
    import certify.onto as onto
    monkeypatch.setattr(onto, "MAX_MULTIPLES", 0)
    onto._CACHE.clear()
    assert decided(rows(SPLIT_EXAMPLE)).verdict == "unknown"
    onto._CACHE.clear()


def _reached(support):
    prod = np.eye(support.widths[0], dtype=np.int64)
    for m in support.masks:
        prod = m.astype(np.int64) @ prod
    return prod > 0


@pytest.mark.parametrize("text, patterns", [(C7_EXAMPLE, range(5)), (DEEP_EXAMPLE, [2]), (SPLIT_EXAMPLE, range(5))])
def test_c7_means_every_matrix_on_the_reached_entries_is_a_product(text, patterns):
    """Independent of C7: exact membership (a solver plus the checker) finds
    factors for matrices with zeros in the patterns the tree splits on."""
    support = rows(text)
    d = decided(support, "closed")
    assert any(c["rule"] == "C7" for c in d.certificate["proof"]["components"])
    reach = _reached(support)
    cells = [tuple(x) for x in np.argwhere(reach)]
    rng = random.Random(7)
    zero_patterns = [(), cells[:1], cells[:2], cells[1:3], cells[::2]]
    for zeros in (zero_patterns[k] for k in patterns):      # the deep core's solver is slow
        M = [[fmpq(0)] * support.widths[0] for _ in range(support.widths[-1])]
        for i, j in cells:
            if (i, j) not in zeros:
                M[i][j] = fmpq(rng.choice([-3, -1, 2, 5]))
        m = decide_member(support, M)
        assert m.verdict == "member", (zeros, m.explanation)
        assert check_certificate(m.certificate).accepted


def test_the_w4_example_is_not_closed_with_the_hand_computed_limit(monkeypatch):
    d = decided(rows(W4_EXAMPLE), "not_closed")
    proof = d.certificate["proof"]
    assert proof["rule"] == "W4"
    assert proof["witness"]["background"] == [["1:1", "2:2", "0:1"]]
    # Cross at the free entry (1,2) of node b: 1 at (1,0) and (0,2); the
    # background of node a: 1 at (2,1).
    assert sorted(map(tuple, proof["limit"]["nonzeros"])) == [(0, 2, "1"), (1, 0, "1"), (2, 1, "1")]
    A = [[fmpq(0)] * 3 for _ in range(3)]
    for i, j, _ in proof["limit"]["nonzeros"]:
        A[i][j] = fmpq(1)
    assert decide_member(rows(W4_EXAMPLE), A).verdict == "not_member"
    import certify.witnesses as wi
    monkeypatch.setitem(wi.SEARCHES, "all", tuple(f for f in wi.SEARCHES["all"] if f is not wi.find_background))
    # The last search (W3/W4 again, block and minor steps allowed) finds it too ...
    assert decided(rows(W4_EXAMPLE), "not_closed").rules[0] == "W4"
    # ... and without it nothing else does: W4 is what decides it.
    monkeypatch.setitem(wi.SEARCHES, "minors", ())
    assert decided(rows(W4_EXAMPLE)).verdict == "unknown"


def test_the_w4_limit_is_a_limit_of_products_by_hand():
    """The curve of docs/theory.md §4 W4 written on the original masks by
    hand, at t = 1/1000: the product is within t of the limit."""
    support = rows(W4_EXAMPLE)
    t = fmpq(1, 1000)
    W1 = np.full((3, 3), fmpq(0), dtype=object)      # hidden x inputs
    W2 = np.full((3, 3), fmpq(0), dtype=object)      # outputs x hidden
    W2[1, 2], W2[0, 2] = fmpq(1), t                  # node b = hidden 2: u = e_1 + t e_0
    W1[2, 2], W1[2, 0] = 1 / t, fmpq(1)              #                    v = e_2 / t + e_0
    W2[2, 1], W1[1, 1] = fmpq(1), fmpq(1)            # node a = hidden 1: background e_2 e_1^T
    W2[1, 0], W1[0, 2] = fmpq(-1), 1 / t             # hidden 0 (the free entries): -1/t at (1, 2)
    for W, mask in ((W1, support.masks[0]), (W2, support.masks[1])):
        assert all(x == 0 or mask[i, j] for (i, j), x in np.ndenumerate(W))
    prod = W2.dot(W1)
    want = {(0, 2): 1, (1, 0): 1, (2, 1): 1}
    assert {(i, j): x - want.get((i, j), 0) for (i, j), x in np.ndenumerate(prod)
            if x != want.get((i, j), 0)} == {(0, 0): t}


W4_SUPPORTS = ["001,011,101/011,101,110", "001,011,110/010,111,111", "001,011,111/011,011,110",
               "011,011,111/010,011,101", "011,101,111/011,011,110", "011,111,111/001,011,110"]


def test_c7_never_claims_a_component_that_carries_a_witness():
    """On W4's supports from the exhaustive study and on 300 random 3-3-3
    supports, a component on which a witness is found is never closed by
    C7 (or any other component rule): the rules cannot contradict."""
    from certify.engine import decide
    rng = np.random.default_rng(8)
    cases = [rows(t) for t in W4_SUPPORTS] + [from_masks([rng.random((3, 3)) < 0.6, rng.random((3, 3)) < 0.6])
                                               for _ in range(300)]
    seen = Counter()
    for support in cases:
        d = decide(support, self_check=False)
        if d.verdict != "not_closed" or d.certificate["proof"]["rule"] == "routed":
            continue
        red = reduce(State.from_chain(Chain.from_support(support)))
        comp = red.components[d.certificate["proof"]["component"]]
        assert prove_onto(red.final, comp) is None, support.masks
        assert component_proof(red.final, comp) is None, support.masks
        seen[d.certificate["proof"]["rule"]] += 1
    assert seen["W4"] >= len(W4_SUPPORTS) and sum(seen.values()) > 100, seen


# ---------------------------------------------------------------------------
# C8: a rank-one locus by cases
# ---------------------------------------------------------------------------

# Reduced: node a on rows {0,1} x columns {2,3}, node b on rows {0,1} x
# columns {0,1,2,3}, entry (0,2) free. Columns 0 and 1 come from b alone, so
# the set is {A : a00 a11 = a01 a10} (worked by hand: given such A, take b's
# row factor spanning A[:, {0,1}] (e_0 if that block is 0) and a to fill
# columns 2, 3: any 2 x 2 block is a sum of two rank-one terms, one of them
# with the given row factor, when that factor is non-zero).
C8_EXAMPLE = "0011,1111,0010/111,110"


def _matrix(rows_):
    return [[fmpq(x) for x in r] for r in rows_]


def test_the_c8_example_is_closed_and_is_the_determinantal_set():
    support = rows(C8_EXAMPLE)
    d = decided(support, "closed")
    (part,) = d.certificate["proof"]["components"]
    assert part["rule"] == "C8"
    assert part["minors"] == [[["2:0", "0:0"], ["2:0", "0:1"], ["2:1", "0:0"], ["2:1", "0:1"]]]
    # Independent of C8: exact membership agrees with the determinant, on
    # matrices with zeros where the tree splits. (Entry (0,2) is free.)
    for M, inside in (([[2, 3, 5, 7], [4, 6, 1, -1]], True),       # det [[2,3],[4,6]] = 0
                      ([[0, 0, 5, 7], [4, 6, 1, -1]], True),
                      ([[0, 3, 5, 7], [0, 6, 1, -1]], True),
                      ([[0, 0, 5, 7], [0, 0, 1, 2]], True),
                      ([[1, 0, 5, 7], [0, 1, 1, -1]], False),      # det = 1
                      ([[2, 3, 0, 0], [4, 7, 0, 0]], False)):     # det = 2
        m = decide_member(support, _matrix(M))
        assert m.verdict == ("member" if inside else "not_member"), (M, m.explanation)
        assert check_certificate(m.certificate).accepted


def _c8_cert():
    import json
    return json.loads(json.dumps(decided(rows(C8_EXAMPLE), "closed").certificate))


def _solve_nodes(node, out):
    if "solve" in node:
        out.append(node)
        _solve_nodes(node["then"], out)
    elif "test" in node:
        _solve_nodes(node["zero"], out)
        _solve_nodes(node["nonzero"], out)
    return out


def test_tampered_c8_certificates_are_rejected():
    import json
    base = _c8_cert()
    part = base["proof"]["components"][0]
    assert _solve_nodes(part["tree"], []), "the example's tree solves an entry"

    def edit(fn):
        cert = json.loads(json.dumps(base))
        fn(cert["proof"]["components"][0])
        return check_certificate(cert)

    # A minor across both nodes (entries (0,2), (0,3) are covered by a and b).
    v = edit(lambda p: p["minors"].__setitem__(0, [["2:0", "0:1"], ["2:0", "0:3"], ["2:1", "0:1"], ["2:1", "0:3"]]))
    assert not v.accepted and "C8" in v.message, v.message
    # Solving an entry whose partner is not known non-zero: move the first
    # solve node to the root.
    def to_root(p):
        s = _solve_nodes(p["tree"], [])[0]
        p["tree"] = {"solve": s["solve"], "minor": 0, "then": s["then"]}
    v = edit(to_root)
    assert not v.accepted and "tested non-zero" in v.message, v.message
    # The rule named C7: minors are not allowed (an unknown field) and the
    # solve node is not a C7 node.
    v = edit(lambda p: p.__setitem__("rule", "C7"))
    assert not v.accepted, v.message
    # A leaf weight that uses a solved entry.
    def use_solved(p):
        s = _solve_nodes(p["tree"], [])[0]
        leaf = s["then"]
        while "weights" not in leaf:
            leaf = leaf.get("then") or leaf["nonzero"]
        solved = s["solve"]
        k = part["entries"].index(solved)
        leaf["weights"][0][2] = leaf["weights"][0][2] + [[[[k, 1]], "1"]]
    v = edit(use_solved)
    assert not v.accepted and "may not occur" in v.message, v.message
    # Dropping a solve node keeps the solved entry's target a_k: its identity fails.
    def drop_solve(p):
        def walk(node):
            for key in ("zero", "nonzero", "then"):
                child = node.get(key)
                if isinstance(child, dict) and "solve" in child:
                    node[key] = child["then"]
                    return True
                if isinstance(child, dict) and walk(child):
                    return True
            return False
        assert walk(p["tree"])
    v = edit(drop_solve)
    assert not v.accepted and "path sum" in v.message, v.message
