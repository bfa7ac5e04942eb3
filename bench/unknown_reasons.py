"""Why no rule decides an undecided reduced component, for
bench/exhaustive.py's list of unknown patterns.  C4: in every orientation
the rank of the fibre map M(κ) is not constant, shown exactly by two
rational points, a generic one and a 0/1 direction point where the rank is
smaller (docs/theory.md §3, C4).  C7: the first branch of the case tree
(entries tested zero) on which the factorisation search fails without
wishing for another entry (docs/theory.md §3, C7)."""

from __future__ import annotations

import itertools

import numpy as np
from flint import fmpq

from certify import onto
from certify.chains import Chain
from certify.constant_rank import Setup, _points
from certify.reductions import State, reduce
from certify.support import from_masks


def _drop(s: Setup) -> tuple[int, int] | None:
    """(generic-point rank, smaller rank at a 0/1 point) or None."""
    top = max(s.at(pt).rank() for pt in _points(len(s.dirs), 3))
    groups = {}
    for k, (h, _) in enumerate(s.dirs):
        groups.setdefault(h, []).append(k)
    choices = [[bits for bits in itertools.product((0, 1), repeat=len(ks)) if any(bits)] for ks in groups.values()]
    for combo in itertools.product(*choices):
        pt = [fmpq(0)] * len(s.dirs)
        for ks, bits in zip(groups.values(), combo):
            for k, b in zip(ks, bits):
                pt[k] = fmpq(b)
        low = s.at(pt).rank()
        if low < top:
            return top, low
    return None


def c7_failure(state, comp) -> str:
    """The C7 branch where the search is stuck, as "entries e1, e2 zero"."""
    prob = onto.Problem(state, comp)
    if prob.too_big:
        return "C7: the component is beyond the search's size bounds"

    def stuck(zero, nonzero):
        val, wishes, _ = onto.section(prob, zero, nonzero)
        if val is not None:
            return None
        wished = [k for k, _ in sorted(wishes.items(), key=lambda kv: (-kv[1], kv[0]))
                  if k not in zero and k not in nonzero]
        if not wished:
            return zero, nonzero
        return stuck(zero | {wished[0]}, nonzero) or stuck(zero, nonzero | {wished[0]})

    found = stuck(frozenset(), frozenset())
    if found is None:
        return "C7: no tree within the work budget"
    zero = ", ".join("({},{})".format(q[1], p[1]) for q, p in (prob.entries[k] for k in sorted(found[0])))
    return f"C7: no factorisation found with {'entries ' + zero + ' zero' if zero else 'no entry zero'}"


def reason(text: str) -> str:
    masks = [np.array([[c == "1" for c in row] for row in layer.split(",")], dtype=bool)
             for layer in text.split("/")]
    red = reduce(State.from_chain(Chain.from_support(from_masks(masks))))
    st = red.final
    from certify.rules import component_proof
    out = []
    for comp in red.components:
        if component_proof(st, comp) is not None:
            continue
        hidden = sorted(v for v in comp if st.is_hidden(v))
        free = sum(1 for q, p in st.dont_care if q in comp and p in comp)
        if not st.two_factor(comp):
            out.append(f"deep core with {len(hidden)} hidden nodes; no split, routing or witness applies; "
                       + c7_failure(st, comp))
            continue
        what = f"{len(hidden)} overlapping rank-one nodes" + (
            f", {free} free entr{'y' if free == 1 else 'ies'}" if free else "")
        drops, none, short = 0, 0, 0
        for sides in itertools.product(("out", "in"), repeat=len(hidden)):
            s = Setup(st, comp, dict(zip(hidden, sides)))
            short += len(s.cols) < len(s.rows)
            if _drop(s) is None:
                none += 1
            else:
                drops += 1
        n = drops + none
        tail = (f"C4: the fibre rank drops at a 0/1 direction in all {n} orientations" if not none else
                f"C4: rank drops in {drops} of {n} orientations, no certificate within budget in {none}")
        tail += ("; C6: every fibre has fewer free coordinates than entries" if short == n else
                 f"; C6: {short} of {n} fibres have fewer free coordinates than entries, the others "
                 "have rank below the entry count at three sample points")
        out.append(f"{what}; no witness rule matches (W3/W4: no cross over at most two background terms "
                   f"that propagation refutes); {tail}; {c7_failure(st, comp)}")
    return "; ".join(out)
