"""Hand-made certificates with ``block`` propagation steps (docs/theory.md §4),
shared by tests/test_block_step.py and tests/test_fraction_replay.py.

A ``not_member`` certificate states its targets (the matrix) directly, so a
block step can be tried against any targets on the engine's reduced state of
a support: here dense:4,2,4 (two hidden nodes, no reduction, every entry a sum
over both nodes) and dense:4,3,4 (three nodes, so a 2 x 2 block involves three).
"""

from __future__ import annotations

import json

from certify import certificate
from certify.chains import Chain
from certify.patterns import build_pattern
from certify.reductions import State, reduce


def not_member(spec, matrix: dict, steps: list[dict]) -> dict:
    """A not_member certificate of ``spec`` (a pattern, or a Support) for ``matrix``
    ({(i, j): "value"}) with the engine's reduction and a propagation
    refutation of the given steps on component 0."""
    support = build_pattern(spec) if isinstance(spec, str) else spec
    red = reduce(State.from_chain(Chain.from_support(support)))
    shape = [support.widths[-1], support.widths[0]]
    proof = {"rule": "refutation",
             "matrix": {"shape": shape, "nonzeros": [[i, j, v] for (i, j), v in sorted(matrix.items())]},
             "reduction": {"steps": red.steps, "core": red.final.core()},
             "component": 0,
             "refutation": {"method": "propagation", "steps": steps}}
    return json.loads(certificate.dumps(certificate.build(support, "not_member", proof)))


# diag(1, 1, 1, 0): rank 3, so not a product through two hidden nodes.
DIAG3 = {(0, 0): "1", (1, 1): "1", (2, 2): "1"}


def block(entry, rows, cols) -> dict:
    return {"entry": list(entry), "rule": "block", "rows": list(rows), "cols": list(cols), "uses": []}


def contradiction(entry, uses) -> dict:
    return {"entry": list(entry), "rule": "contradiction", "uses": list(uses)}


# The identity block on outputs {0, 1} x inputs {0, 1}; the row line of
# output 2 across inputs {0, 1} is 0, so both edges into output 2 are zero and
# entry (2, 2) = 1 has no live path.
ROW_LINE = [block(("2:2", "0:0"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])]
# The same block; the column line of input 2 across outputs {0, 1} is 0, so
# both edges out of input 2 are zero.
COLUMN_LINE = [block(("2:0", "0:2"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])]
