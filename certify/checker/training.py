"""Checking the training claims (docs/theory.md §5-§6).

* ``optimum_exists``: the named rule's hypotheses, re-read from the support.
* ``no_optimum``: the linear witness on the column restriction ``I|C'``, the
  data count ``M >= d' * prod(1 + d' * N'_l) + 1`` with ``N'_l`` recomputed,
  distinct curve parameters, targets ``A' x(t_i)``, support conformity of
  ``θ(ε)``, and an exact forward pass at every data point: each hidden
  pre-activation has a positive lowest-order coefficient or is identically 0
  (so ReLU acts as the identity for small ε) and each output tends to its
  target.

Imports only the standard library and FLINT (never the engine).
"""

from __future__ import annotations

from flint import fmpq

from .graphs import Chain
from .numbers import (MAX_FORWARD_TERMS, Reject, integer, l_add, l_mul, laurent_terms, need, rational, short)
from .parsing import fields, spend

MAX_POINTS = 200_000


def check_optimum_exists(widths, layers, proof) -> str:
    need(isinstance(proof, dict), "proof must be an object")
    rule = proof.get("rule")
    if rule in ("no-hidden-layer", "one-hidden-layer"):
        fields(proof, rule, ("rule",))
    if rule == "no-hidden-layer":
        need(len(layers) == 1, "no-hidden-layer needs a single mask")
        return "optimum exists: no hidden layer (affine network)"
    if rule == "one-hidden-layer":
        need(len(layers) == 2, "one-hidden-layer needs exactly two masks")
        readers: dict[int, int] = {}
        for i, h in layers[1]:
            readers[h] = readers.get(h, 0) + 1
        need(all(n <= 1 for n in readers.values()),
              "one-hidden-layer needs output units with pairwise disjoint hidden units")
        return "optimum exists: one hidden layer, outputs on disjoint hidden units"
    raise Reject(f"rule {short(rule)} does not prove that an optimum exists")


def check_no_optimum(widths, layers, proof, check_not_closed) -> str:
    need(isinstance(proof, dict) and proof.get("rule") == "training-set",
          "no_optimum needs rule training-set")
    fields(proof, "training-set proof", ("rule", "columns", "linear", "t", "targets", "theta"))
    cols = proof["columns"]
    need(isinstance(cols, list) and cols and all(type(j) is int for j in cols)
          and cols == sorted(set(cols)) and 0 <= cols[0] and cols[-1] < widths[0],
          "columns must be increasing input indices")
    d, L = len(cols), len(layers)
    # The restriction I|C': the first mask keeps the columns C', renumbered.
    pos = {j: k for k, j in enumerate(cols)}
    sub_layers = [[(i, pos[j]) for i, j in layers[0] if j in pos]] + layers[1:]
    sub_widths = [d] + widths[1:]
    limit = check_not_closed(sub_widths, sub_layers, Chain.of_support(sub_widths, sub_layers),
                             proof["linear"])
    # N'_l: hidden units reachable from C'.
    reach, counts = set(cols), []
    for l in range(L - 1):
        reach = {i for i, j in layers[l] if j in reach}
        counts.append(len(reach))
    bound = d
    for n in counts:
        bound *= 1 + d * n
    bound += 1
    need(isinstance(proof["t"], list) and len(proof["t"]) <= MAX_POINTS,
          f"t must be a list of at most {MAX_POINTS} curve parameters")
    ts = [rational(t) for t in proof["t"]]
    need(len(ts) >= bound, f"{len(ts)} data points, but the count bound needs {bound}")
    need(len(set(ts)) == len(ts), "the curve parameters t_i are not distinct")
    targets = proof["targets"]
    need(isinstance(targets, list) and len(targets) == len(ts), "one target per data point")
    inputs, size = [], d * max(map(len, proof["t"]))     # digits of one input entry, at most
    for n, (t, y) in enumerate(zip(ts, targets)):
        spend(sum(widths) + d * size)
        x = [fmpq(0)] * widths[0]
        for k, j in enumerate(cols):
            x[j] = t ** (k + 1)
        need(isinstance(y, list) and len(y) == widths[-1], f"target {n} has the wrong length")
        want = [fmpq(0)] * widths[-1]
        for (i, k), a in limit.items():
            want[i] += a * x[cols[k]]
        need([rational(v) for v in y] == want, f"target {n} is not A' x(t_{n})")
        inputs.append((x, want))
    weights, biases = _theta(widths, layers, proof["theta"])
    size += sum(len(m) + max((len(c) for term in layer for _, c in term[2]), default=1)
                for m, layer in zip(weights, proof["theta"]["weights"]))
    size += sum(max((len(c) for b in layer for _, c in b), default=1) for layer in proof["theta"]["biases"])
    for n, (x, y) in enumerate(inputs):
        spend(sum(widths))
        h = [{0: v} if v != 0 else {} for v in x]
        for l in range(L):
            z = [dict(b) for b in biases[l]]
            for (i, j), w in weights[l].items():
                if h[j]:
                    spend(len(w) * len(h[j]) * size)
                    z[i] = l_add(z[i], l_mul(w, h[j]))
                    need(len(z[i]) <= MAX_FORWARD_TERMS, "forward pass: beyond this checker's bound")
            if l < L - 1:
                # Identically 0 or positive for small ε: either way ReLU(z) = z.
                for i, zi in enumerate(z):
                    need(not zi or zi[min(zi)] > 0,
                          f"data point {n}: unit {i} of layer {l + 1} is not active for small ε")
            h = z
        for i, zi in enumerate(h):
            need(all(e >= 0 for e in zi), f"data point {n}: output {i} diverges as ε -> 0")
            need(zi.get(0, fmpq(0)) == y[i], f"data point {n}: output {i} does not tend to its target")
    return (f"no optimum: I|C' with C' = {cols} is not closed; {len(ts)} data points (bound {bound}); "
            f"along θ(ε) ReLU acts as the identity on every hidden unit and the loss tends to 0")


def _theta(widths, layers, obj):
    fields(obj, "theta", ("weights", "biases"))
    need(isinstance(obj["weights"], list) and isinstance(obj["biases"], list), "theta needs weights and biases")
    L = len(layers)
    need(len(obj["weights"]) == L and len(obj["biases"]) == L, f"theta must have {L} layers")
    weights = []
    for l, entries in enumerate(obj["weights"]):
        allowed, m = set(layers[l]), {}
        need(isinstance(entries, list), "theta weights: a list per layer")
        for item in entries:
            need(isinstance(item, list) and len(item) == 3, f"theta layer {l + 1}: bad entry")
            i, j = integer(item[0], "row"), integer(item[1], "column")
            need((i, j) in allowed and (i, j) not in m,
                  f"theta layer {l + 1}: ({i},{j}) is off the support or repeated")
            m[(i, j)] = laurent_terms(item[2], f"theta layer {l + 1} ({i},{j})")
        weights.append(m)
    biases = []
    for l, b in enumerate(obj["biases"]):
        need(isinstance(b, list) and len(b) == widths[l + 1], f"theta biases of layer {l + 1}: wrong length")
        biases.append([laurent_terms(x, f"theta bias {l + 1}") for x in b])
    return weights, biases
