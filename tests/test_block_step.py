"""Block steps of propagation refutations (docs/theory.md §4, ``block``): the
W4 certificate that needs one, the checker's rejection of misapplied blocks,
and the engine's search ``find_block``."""

from __future__ import annotations

import copy

from flint import fmpq

import blockcases as B
from certify.checker.verify import check_certificate
from certify.engine import decide
from certify.refutations import BlockTable, Equation, find_block, propagate
from certify.support import from_masks


def masks(text):
    return from_masks([[[c == "1" for c in row] for row in layer.split(",")] for layer in text.split("/")])


def w4_block() -> dict:
    d = decide(masks("001,110,111/011,111,111"))
    assert d.verdict == "not_closed"
    return copy.deepcopy(d.certificate)


def rejected(cert, words):
    v = check_certificate(cert)
    assert not v.accepted and words in v.message, v.message


def test_w4_with_a_block_step():
    cert = w4_block()
    assert check_certificate(cert).accepted
    proof = cert["proof"]
    assert proof["rule"] == "W4"
    # docs/theory.md §4 W4: the group {b} leaves 1 at (1,1) and (0,2), the
    # background e_2 e_0^T adds 1 at (2,0).
    assert {(i, j): v for i, j, v in proof["limit"]["nonzeros"]} == {(0, 2): "1", (1, 1): "1", (2, 0): "1"}
    # Rows {1, 2} x cols {0, 1} of the limit are [[0, 1], [1, 0]]; row 0 is 0
    # there, so both edges into output 0 vanish and (0, 2) = 1 has no live path.
    assert proof["refutation"]["steps"] == [
        {"entry": ["2:0", "0:0"], "rule": "block", "rows": ["2:1", "2:2"], "cols": ["0:0", "0:1"], "uses": []},
        {"entry": ["2:0", "0:2"], "rule": "contradiction", "uses": [0]}]


def test_tampered_w4_blocks_are_rejected():
    def edited(edit):
        cert = w4_block()
        edit(cert["proof"]["refutation"]["steps"])
        return cert

    def singular(steps):      # rows {0, 2} x cols {0, 1} = [[0, 0], [1, 0]]; entry moved off it
        steps[0]["rows"], steps[0]["entry"] = ["2:0", "2:2"], ["2:1", "0:0"]

    def entry_inside(steps):
        steps[0]["entry"] = ["2:1", "0:0"]

    def rows_as_sources(steps):
        steps[0]["rows"], steps[0]["cols"] = steps[0]["cols"], steps[0]["rows"]

    def k_is_one(steps):
        steps[0]["rows"], steps[0]["cols"] = ["2:1"], ["0:1"]

    def block_last(steps):
        del steps[1]

    def unused(steps):
        steps[1]["uses"] = []

    for edit, words in ((singular, "its target must be non-singular"),
                        (entry_inside, "on a row or a column through the block, outside it"),
                        (rows_as_sources, "the entry must lie on a row or a column"),
                        (k_is_one, "a block is k x k, 2 <= k <= 8"),
                        (block_last, "a refutation must end in a contradiction"),
                        (unused, "no live monomial")):
        rejected(edited(edit), words)


def test_rows_given_as_sources_with_the_entry_still_outside():
    # Swapping rows and columns also swaps the entry's roles, so the rejection
    # must come from the labels: sources are not rows of an observed entry.
    cert = w4_block()
    step = cert["proof"]["refutation"]["steps"][0]
    step["rows"], step["cols"] = ["0:0", "0:1"], ["2:1", "2:2"]
    step["entry"] = ["0:2", "2:0"]
    rejected(cert, "0, 2),(2, 0) is not an observed entry")


def test_hand_made_blocks_on_dense_424():
    # diag(1, 1, 1, 0) has rank 3: a row line and a column line refute it.
    for steps in (B.ROW_LINE, B.COLUMN_LINE):
        assert check_certificate(B.not_member("dense:4,2,4", B.DIAG3, steps)).accepted
    # The identity 3 x 3 block involves only the two nodes (so it cannot be
    # non-singular in fact; the step's hypothesis fails).
    three = [B.block(("2:3", "0:0"), ("2:0", "2:1", "2:2"), ("0:0", "0:1", "0:2")),
             B.contradiction(("2:3", "0:3"), [0])]
    identity = {(k, k): "1" for k in range(4)}
    rejected(B.not_member("dense:4,2,4", identity, three), "must involve exactly 3 nodes")
    # dense:4,3,4: a 2 x 2 block over three nodes.
    rejected(B.not_member("dense:4,3,4", B.DIAG3, B.ROW_LINE), "must involve exactly 2 nodes")


def test_a_line_with_a_non_zero_target_is_rejected():
    for steps, extra in ((B.ROW_LINE, (2, 0)), (B.ROW_LINE, (2, 1)), (B.COLUMN_LINE, (0, 2)), (B.COLUMN_LINE, (1, 2))):
        rejected(B.not_member("dense:4,2,4", {**B.DIAG3, extra: "1"}, steps), "the line must have target 0")


def test_a_line_through_another_node_is_rejected():
    # Hidden nodes 0, 1 read every input and feed outputs 0..3; node 2 reads
    # inputs {0, 2} and feeds outputs {2, 3} (no reduction applies).  The
    # identity block on outputs {0, 1} x inputs {0, 1} involves nodes {0, 1}
    # only, but the row line of output 2 reaches input 0 through node 2 too.
    support = from_masks([[[1, 1, 1], [1, 1, 1], [1, 0, 1]], [[1, 1, 0], [1, 1, 0], [1, 1, 1], [1, 1, 1]]])
    cert = B.not_member(support, B.DIAG3, B.ROW_LINE)
    assert cert["proof"]["reduction"]["core"]["hidden"] == ["1:0", "1:1", "1:2"]
    rejected(cert, "the line must have target 0 and involve only the block's nodes")


def test_a_block_on_a_deep_component_is_rejected():
    # The routed example (tests/mutations.py): its reduced component is deep
    # (1:2 -> 2:0), so entry (3:0, 0:0) has the path 0:0 -> 1:2 -> 2:0 -> 3:0.
    # Its limit is 1 at (0, 0) and (2, 1): rows {3:0, 3:2} x cols {0:0, 0:1}
    # is the identity, and column 0:2 is 0 on those rows.
    d = decide(from_masks([[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[1, 0, 1], [0, 0, 0], [0, 0, 1]],
                           [[1, 0, 1], [1, 1, 0], [0, 1, 1]]]))
    cert = copy.deepcopy(d.certificate)
    assert d.verdict == "not_closed" and ["1:2", "2:0"] in cert["proof"]["reduction"]["core"]["edges"]
    cert["proof"]["refutation"]["steps"] = [B.block(("3:0", "0:2"), ("3:0", "3:2"), ("0:0", "0:1")),
                                            B.contradiction(("3:0", "0:0"), [0])]
    rejected(cert, "has a monomial that is not source -> node -> sink")


# --- the engine's search ------------------------------------------------------

Q = [(2, k) for k in range(3)]          # sinks
P = [(0, k) for k in range(3)]          # sources
HID = [(1, 0), (1, 1)]


def system(targets: dict) -> list[Equation]:
    """Every entry (q, p) a sum over both hidden nodes of x[q, h] y[h, p]."""
    return [Equation((q, p), [frozenset({(p, h), (h, q)}) for h in HID], fmpq(targets.get((q, p), 0)))
            for q in Q for p in P]


# Identity on sinks {0, 1} x sources {0, 1}; 1 at (2, 2); 0 elsewhere.
TARGETS = {(Q[0], P[0]): 1, (Q[1], P[1]): 1, (Q[2], P[2]): 1}


def test_find_block_on_a_hand_made_system():
    eqs = system(TARGETS)
    # First (k = 2, rows then columns in order): rows {0, 1} x cols {0, 1},
    # the row line of sink 2, whose edges from both nodes are zero.
    assert find_block(BlockTable(eqs), set()) == ([Q[0], Q[1]], [P[0], P[1]], (Q[2], P[0]),
                                      {(HID[0], Q[2]), (HID[1], Q[2])})
    # Those known, the column line of source 2 comes next.
    assert find_block(BlockTable(eqs), {(HID[0], Q[2]), (HID[1], Q[2])}) == (
        [Q[0], Q[1]], [P[0], P[1]], (Q[0], P[2]), {(P[2], HID[0]), (P[2], HID[1])})
    # All-zero targets: no non-singular block.
    assert find_block(BlockTable(system({})), set()) is None


def test_propagate_uses_a_block_only_when_allowed():
    eqs = system(TARGETS)
    assert propagate(eqs) is None
    assert propagate(eqs, blocks=True) == [
        {"entry": (Q[2], P[0]), "rule": "block", "rows": [Q[0], Q[1]], "cols": [P[0], P[1]], "uses": []},
        {"entry": (Q[2], P[2]), "rule": "contradiction", "uses": [0]}]
