"""The training question (docs/theory.md §5-§6): does every least-squares
training problem of the sparse ReLU network (weights on the masks, biases
free) on a finite training set have a minimizer?

* ``optimum_exists``: no hidden layer, or one hidden layer whose output units
  read pairwise disjoint sets of hidden units (in particular one output).
* ``no_optimum``: some column restriction ``I|C'`` has a non-closed product
  set; the certificate carries the training set and ``θ(ε)``.
* ``undetermined`` otherwise, with what is known about ``L_I``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from . import certificate as cert
from .engine import Decision, decide
from .relu import TrainingSet, data_count, reachable_counts, restrict_columns, theta, training_set
from .support import Support

# Training sets larger than this are not built (M grows like d'^L).
MAX_DATA_POINTS = 100_000

# The search over column sets C' tries at most this many subsets (a count, not
# a time, so the answer does not depend on machine speed); the full column
# set is always tried when the whole product set is not closed.
SEARCH_SUBSETS = 500


@dataclass
class OptimumDecision:
    verdict: str                     # "no_optimum" | "optimum_exists" | "undetermined"
    rule: str
    explanation: str
    certificate: dict | None = None
    text: str | None = None
    data: TrainingSet | None = None
    linear: Decision | None = None
    internal_error: str | None = None

    @property
    def decided(self) -> bool:
        return self.verdict in ("no_optimum", "optimum_exists")


def exists_rule(support: Support) -> tuple[str, str] | None:
    """(rule, reason) when a minimizer always exists, else None."""
    if support.depth == 1:
        return "no-hidden-layer", ("no hidden layer: the network is affine, x -> W x + b, and the "
                                   "set of its values on the data is a linear subspace")
    if support.depth == 2:
        w2 = support.mask(2)
        if (w2.sum(axis=0) <= 1).all():
            what = "a single output" if support.widths[-1] == 1 else \
                "output units that read pairwise disjoint sets of hidden units"
            return "one-hidden-layer", (f"one hidden layer and {what}: for every finite training "
                                        "set the set of network values is a finite union of "
                                        "polyhedral cones (per output), hence closed")
    return None


def _candidates(support: Support, linear: Decision, limit: int):
    """Column sets to try: the witness's own columns first, then pairs,
    triples, ... in lexicographic order, at most ``limit`` of them."""
    n = support.widths[0]
    seen = set()
    if linear.verdict == "not_closed":
        cols = tuple(sorted({j for _, j, _ in linear.limit["nonzeros"]}))
        if len(cols) >= 2:
            seen.add(cols)
            yield cols
    for size in range(2, n):
        for cols in combinations(range(n), size):
            if len(seen) >= limit:
                return
            if cols not in seen:
                seen.add(cols)
                yield cols


def _quiet(stage: str) -> None:
    pass


def decide_optimum(support: Support, *, self_check: bool = True, progress=_quiet,
                   max_subsets: int = SEARCH_SUBSETS) -> OptimumDecision:
    rule = exists_rule(support)
    if rule is not None:
        name, reason = rule
        c = cert.build(support, "optimum_exists", {"rule": name})
        return _finish(OptimumDecision("optimum_exists", name, f"optimum always exists: {reason}.", c),
                       self_check, progress)

    progress("deciding the linear product set")
    linear = decide(support, self_check=self_check)
    progress("searching column restrictions I|C' with a non-closed product set")
    found, tried, too_big = None, 0, None
    for cols in _candidates(support, linear, max_subsets):
        tried += 1
        size = data_count(len(cols), reachable_counts(support, list(cols)))
        if size > MAX_DATA_POINTS:
            too_big = too_big or (list(cols), size)
            continue
        d = decide(restrict_columns(support, list(cols)), self_check=False)
        if d.verdict == "not_closed":
            found = (list(cols), d)
            break
    everything = list(range(support.widths[0]))
    if found is None and linear.verdict == "not_closed":
        size = data_count(len(everything), reachable_counts(support, everything))
        if size <= MAX_DATA_POINTS:
            found = (everything, linear)
        else:
            too_big = too_big or (everything, size)
    if found is None:
        known = {"closed": "the linear product set L_I is closed (certificate available with -o); "
                           "the paper shows this is necessary for every training problem to have a "
                           "minimizer, but it is not known to be sufficient",
                 "unknown": "whether the linear product set L_I is closed is itself unknown to "
                            "this version",
                 "not_closed": "the linear product set L_I is not closed (certificate available "
                               "with -o); by the paper's Theorem 3.1 some training set then has no "
                               "minimizer, but the ones this version constructs and certifies "
                               "would be too large to build"}[linear.verdict]
        n = support.widths[0]
        everything = 2 ** n - n - 2            # subsets of size 2 .. n-1
        searched = "every proper column subset" if tried >= everything else \
            f"{tried} column subsets (of {everything}; --max-subsets raises the bound)"
        note = (f" A training set on columns {too_big[0]} would need {too_big[1]} points, more than "
                f"this tool builds ({MAX_DATA_POINTS}); such column sets were skipped." if too_big else "")
        return OptimumDecision("undetermined", "none",
                               f"undetermined: no rule applies. Searched {searched} for a non-closed "
                               f"restriction; none found. What is known: {known}.{note}",
                               linear.certificate, text=linear.text, linear=linear,
                               internal_error=linear.internal_error)
    cols, d = found
    return _finish(_no_optimum(support, cols, d), self_check, progress)


def _no_optimum(support: Support, cols: list[int], d: Decision) -> OptimumDecision:
    proof_linear = d.certificate["proof"]
    data = training_set(support, cols, d.witness.limit)
    th = theta(support, cols, d.witness.layers)
    proof = {
        "rule": "training-set",
        "columns": cols,
        "linear": proof_linear,
        "t": [str(t) for t in data.t],
        "targets": [[cert.rational(v) for v in y] for y in data.targets],
        "theta": {"weights": cert.curve(th.weights),
                  "biases": [[cert.laurent(b) for b in layer] for layer in th.biases]},
    }
    c = cert.build(support, "no_optimum", proof)
    n, dd = len(data.t), len(cols)
    curve = ", ".join(["t"] + [f"t^{k}" for k in range(2, dd + 1)])
    text = (f"no optimum: restricted to the input columns C' = {cols}, the product set is not closed "
            f"(rule {d.witness.rule}; its limit A' is below). Take the {n} points "
            f"x(t) = ({curve}) on those columns, t = 1..{n}, with targets y = A' x. Along θ(ε) in "
            f"the certificate every hidden unit is active and the loss tends to 0; yet no "
            f"parameters reach loss 0, since along the curve any network is affine on some "
            f"{dd + 1} of the points ({n} = {dd}·Π(1 + {dd}·N'_l) + 1 leaves too few pieces), "
            f"which would make A' a product.")
    return OptimumDecision("no_optimum", "training-set", text, c, data=data, linear=d)


def _finish(d: OptimumDecision, self_check: bool, progress) -> OptimumDecision:
    d.text = cert.dumps(d.certificate)
    reason = cert.self_check(d.text, self_check, progress)
    if reason is None:
        return d
    return OptimumDecision("undetermined", d.rule, "undetermined: " + cert.rejection_note(d.verdict, reason),
                           internal_error=reason)


def data_arrays(data: TrainingSet) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[float(v) for v in x] for x in data.inputs])
    Y = np.array([[float(v) for v in y] for y in data.targets])
    return X, Y
