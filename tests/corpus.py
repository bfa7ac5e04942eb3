"""A small corpus of engine-produced certificates: at least one of every claim
kind and of every rule the engine emits, plus the shipped ones in proofs/.

``crafted_certificates`` adds the valid forms the engine does not emit by
itself.  Shared by the schema test, the audit tests and the second (pure-Python
``fractions``) replay.  Built once per test session (a few seconds).
"""

from __future__ import annotations

import functools
import json
import pathlib

import numpy as np
from flint import fmpq

from certify.engine import decide
from certify.membership import decide_member
from certify.optimum import decide_optimum
from certify.patterns import build_pattern
from certify.support import from_masks

PROOFS = pathlib.Path(__file__).resolve().parent.parent / "proofs"


def _q(rows):
    return [[fmpq(v) for v in r] for r in rows]


# name -> support (masks or a catalogue spec), for `decide`.
DECIDE = {
    "single-mask": "dense:3,4",                                          # closed: layer (C0)
    "butterfly": "butterfly:8",                                          # closed: C3
    "components": [[[1, 1], [0, 0]], [[0, 0], [1, 1], [1, 0], [0, 1]],   # closed: components
                   [[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 1], [0, 1, 0, 0]]],
    "c1": [[[1, 1], [0, 1], [1, 0]], [[1, 1, 0], [1, 0, 1]]],            # closed: reduce + C1
    # closed: reduce + C2 (nodes 2, 3 become free entries (1,0), (1,1), which
    # makes the patterns of nodes 0, 1 and 4 disjoint)
    "c2": [[[1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]],
           [[1, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1]]],
    "c5": [[[1, 1, 0, 0], [1, 1, 1, 1]], np.ones((3, 2), dtype=int).tolist()],   # closed: C5
    "c4": [[[1, 1, 1], [1, 1, 0]], [[1, 1], [1, 1], [0, 1]]],            # closed: C4 (THEORY §7)
    "c6": [[[0, 1, 1], [0, 1, 1], [1, 1, 1]], [[0, 1, 1], [1, 1, 1]]],   # closed: C6 (a full fibre)
    "r4-r5drop": [[[1, 1], [1, 1], [1, 1]], [[1, 1, 1], [0, 1, 1]]],     # closed: R4, R5-drop
    "r1": [[[0, 0, 0, 0], [1, 0, 1, 1], [0, 1, 0, 0], [0, 1, 1, 0]],     # closed: R1 + C1
           [[1, 0, 0, 0], [1, 0, 1, 1], [1, 1, 0, 1]]],
    "lu3": "lu:3",                                                       # not closed: W1
    "w2": [[[1, 1, 0], [0, 1, 1]], [[1, 1], [1, 1]]],                    # not closed: W2
    "w3": [[[0, 0, 1], [1, 1, 0], [1, 1, 1]], [[0, 1, 1], [0, 1, 1], [1, 0, 1]]],  # W3
    "w4": [[[0, 0, 1], [0, 1, 1], [1, 0, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 0]]],  # W4 (theory.md §4)
    "c7": [[[0, 0, 1], [0, 1, 1], [0, 1, 1]], [[0, 0, 1], [0, 1, 1], [1, 1, 0]]],  # closed: C7
    "c8": [[[0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 1, 0]], [[1, 1, 1], [1, 1, 0]]],  # closed: C8 (det of a block)
    "routed": [[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[1, 0, 1], [0, 0, 0], [0, 0, 1]],
               [[1, 0, 1], [1, 1, 0], [0, 1, 1]]],                       # not closed: routed
    # unknown (several, so that a new closedness rule leaves at least one)
    "unknown-three-nodes": [[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[0, 1, 1], [1, 0, 1], [1, 1, 0]]],
    "unknown-three-nodes-b": [[[0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 1]]],
    "w4-block": [[[0, 0, 1], [1, 1, 0], [1, 1, 1]], [[0, 1, 1], [1, 1, 1], [1, 1, 1]]],   # W4, block step
    # W4 with minor steps on a twin class (theory.md §4 minor): two twins on
    # a 3 x 3 rectangle with two free entries; and twins plus a third node.
    "w4-minor": [[[1, 1, 1], [1, 1, 1], [1, 0, 0], [0, 1, 0]], [[1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 0, 0]]],
    "w4-minor-zero": [[[1, 1, 1], [1, 1, 1], [0, 1, 1]], [[1, 1, 1], [0, 0, 1], [1, 1, 0], [1, 1, 1]]],
    "unknown-deep": [[[0, 1], [1, 1]], [[0, 1], [1, 1]], [[0, 1], [1, 1]]],
}

# name -> (support, matrix), for `decide_member`.
MEMBER = {
    "member-lu3": ("lu:3", [[2, 1, 0], [4, 5, 3], [-2, 1, 7]]),
    "not-member-propagation": ("lu:3", [[0, 1, 0], [1, 0, 0], [0, 0, 1]]),
    # docs/theory.md §4: two rank-one nodes on outputs {0, 1}; columns 0 and 1
    # force both onto (1, 1), column 2 is not on that line.
    "not-member-nullstellensatz": ([[[0, 1, 1], [1, 0, 1]], [[1, 1], [1, 1]]], [[1, 1, 1], [1, 1, -1]]),
    "not-member-no-path": ([[[1, 0], [0, 1]], [[1, 0], [0, 1]]], [[1, 1], [0, 1]]),
}

# name -> support, for `decide_optimum`.
OPTIMUM = {
    "optimum-no-hidden-layer": [[[1, 0], [1, 1]]],
    "optimum-one-hidden-layer": "dense:3,5,1",
    "no-optimum-lu3": "lu:3",
}


def _support(x):
    return build_pattern(x) if isinstance(x, str) else from_masks([np.array(m) for m in x])


@functools.lru_cache(maxsize=None)
def engine_certificates() -> dict[str, dict]:
    """name -> certificate (parsed JSON) for every case above that yields one."""
    out = {}
    for name, spec in DECIDE.items():
        d = decide(_support(spec))
        assert d.internal_error is None, (name, d.internal_error)
        if d.text is not None:
            out[name] = json.loads(d.text)
    for name, (spec, rows) in MEMBER.items():
        d = decide_member(_support(spec), _q(rows))
        assert d.internal_error is None, (name, d.internal_error)
        if d.text is not None:
            out[name] = json.loads(d.text)
    for name, spec in OPTIMUM.items():
        d = decide_optimum(_support(spec))
        assert d.internal_error is None, (name, d.internal_error)
        if d.text is not None:
            out[name] = json.loads(d.text)
    return out


def shipped_certificates() -> dict[str, dict]:
    """proofs/NAME.json -> certificate, for every shipped certificate."""
    return {p.name: json.loads(p.read_text()) for p in sorted(PROOFS.glob("*.json"))
            if p.name != "MANIFEST.json"}


@functools.lru_cache(maxsize=None)
def crafted_certificates() -> dict[str, dict]:
    """Valid forms the engine does not emit by itself (checked by the checker
    like any other): a Nullstellensatz refutation of a limit, and R7 steps."""
    import copy
    twice = copy.deepcopy(engine_certificates()["lu3"])
    red = twice["proof"]["reduction"]
    red["steps"] = [{"rule": "R7"}, {"rule": "R7"}] + red["steps"]   # transposing twice changes nothing
    return {"lu3-nullstellensatz": with_nullstellensatz("lu3"), "lu3-r7": twice}


def all_certificates() -> dict[str, dict]:
    return {**engine_certificates(), **crafted_certificates(), **shipped_certificates()}


def rules_in(obj) -> set[str]:
    """Every value of a "rule" or "method" key anywhere in a certificate."""
    found: set[str] = set()

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("rule", "method") and isinstance(v, str):
                    found.add(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(obj)
    return found


def with_nullstellensatz(name: str = "lu3") -> dict:
    """A not_closed certificate whose limit is refuted by a Nullstellensatz
    certificate instead of propagation (the engine prefers propagation, so it
    rarely emits this form itself): the W1 certificate of ``name`` with its
    refutation replaced."""
    import copy

    from certify import certificate
    from certify.chains import Chain
    from certify.reductions import State, original_entry, reduce
    from certify.refutations import component_system, nullstellensatz

    cert = copy.deepcopy(engine_certificates()[name])
    support = _support(DECIDE[name])
    red = reduce(State.from_chain(Chain.from_support(support)))
    limit = {(i, j): fmpq(v) for i, j, v in cert["proof"]["limit"]["nonzeros"]}
    eqs = component_system(red.final, red.components[cert["proof"]["component"]],
                           lambda a, b: limit.get(original_entry(a, b), fmpq(0)))
    cert["proof"]["refutation"] = certificate.encode(nullstellensatz(eqs).to_json())
    return cert
