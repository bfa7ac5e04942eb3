"""Routing for deep cores (docs/theory.md §4): fix every layer but two to a
0/1 matching (a partial injection along disjoint paths), so the chain becomes
an effective two-factor chain; find a witness there; carry its curve back to
the deep chain (the routed layers stay constant); and refute the limit on the
full, deep, reduced system — not on the routed one, since in ``L_I`` every
layer is free.
"""

from __future__ import annotations

import itertools

import numpy as np

from .laurent import ONE
from .reductions import Reduction, original_entry
from .refutations import component_paths, component_system, nullstellensatz, polynomial_parts, propagate
from .support import Support, from_masks
from .witnesses import Local, Witness, limit_of, multiply

MAX_MATCHINGS = 12       # per routed layer
MAX_ROUTES = 64          # effective two-factor chains tried per decide (a deterministic bound)


def maximal_matchings(mask: np.ndarray, limit: int = MAX_MATCHINGS) -> list[dict[int, int]]:
    """Maximal matchings (row -> column) of a 0/1 mask, found by a bounded
    depth-first search, largest first."""
    rows, cols = mask.shape
    found: list[dict[int, int]] = []

    def grow(i: int, used: set, m: dict) -> None:
        if len(found) >= 4 * limit:
            return
        if i == rows:
            maximal = not any(mask[r, c] for r in range(rows) if r not in m for c in range(cols) if c not in used)
            if maximal:
                found.append(dict(m))
            return
        for c in np.flatnonzero(mask[i]):
            if c not in used:
                m[i] = int(c)
                used.add(int(c))
                grow(i + 1, used, m)
                used.discard(int(c))
                del m[i]
        grow(i + 1, used, m)

    grow(0, set(), {})
    unique = {tuple(sorted(m.items())): m for m in found}
    return sorted(unique.values(), key=lambda m: (-len(m), sorted(m.items())))[:limit]


def _injection(m: dict[int, int], shape) -> np.ndarray:
    p = np.zeros(shape, dtype=np.int64)
    for r, c in m.items():
        p[r, c] = 1
    return p


def find_routed(support: Support, reduction: Reduction) -> Witness | None:
    """A witness for a chain whose reduced core has a deep component; tries at
    most MAX_ROUTES routings, so the answer does not depend on machine speed."""
    from .engine import decide
    L = support.depth
    state = reduction.final
    deep = [k for k, comp in enumerate(reduction.components) if not state.two_factor(comp)]
    if L < 3 or not deep:
        return None
    masks = [m.astype(np.int64) for m in support.masks]
    routes = 0
    systems: dict = {}       # deep component -> component_paths (the state does not change here)
    parts: dict = {}         # deep component -> polynomial_parts of its system (target-free)
    for a, b in itertools.combinations(range(L), 2):          # free layers (0-based)
        fixed = [l for l in range(L) if l not in (a, b)]
        choices = [maximal_matchings(support.masks[l]) for l in fixed]
        for picks in itertools.product(*choices):
            routes += 1
            if routes > MAX_ROUTES:
                return None
            S = dict(zip(fixed, (_injection(m, support.masks[l].shape) for l, m in zip(fixed, picks))))
            before = _chain(S, range(0, a), support.widths[0])
            middle = _chain(S, range(a + 1, b), support.widths[a + 1])
            after = _chain(S, range(b + 1, L), support.widths[b + 1])
            # X = middle W_a before, Y = after W_b: entries of W_a, W_b relabelled.
            # Empty chains are identities: skip them (integer matmul has no
            # BLAS, and the input side can be hundreds wide).
            Wa = masks[a] if b == a + 1 else middle @ masks[a]
            X = (Wa if a == 0 else Wa @ before) > 0
            Y = (masks[b] if b == L - 1 else after @ masks[b]) > 0
            if not X.any() or not Y.any():
                continue
            d = decide(from_masks([X, Y]), self_check=False, rules="routed")
            if d.verdict != "not_closed":
                continue
            layers = _carry_back(support, S, a, b, before, middle, after, d.witness.layers)
            A = limit_of(multiply(layers))
            if A is None:
                continue
            for k in deep:
                comp = reduction.components[k]
                if k not in systems:
                    systems[k] = component_paths(state, comp)
                if systems[k] is None:      # too big to write out, whatever the target
                    continue
                eqs = component_system(state, comp, _target(A), systems[k])
                if eqs is None:
                    continue
                steps = propagate(eqs)
                if steps is not None:
                    refutation = {"method": "propagation", "steps": steps}
                else:
                    if k not in parts:
                        parts[k] = polynomial_parts(eqs)
                    nss = nullstellensatz(eqs, max_degree=2, max_unknowns=2000, parts=parts[k])
                    if nss is None:
                        continue
                    refutation = nss.to_json()
                local = Local("routed", {}, refutation,
                              {"free_layers": [a + 1, b + 1],
                               "matchings": [[l + 1, [[r, c] for r, c in sorted(m.items())]]
                                             for l, m in zip(fixed, picks)],
                               "effective_rule": d.witness.rule},
                              f"routing (layer{'s' if len(fixed) > 1 else ''} {', '.join(str(l + 1) for l in fixed)} fixed to 0/1 "
                              f"matchings) exposes a two-factor chain with a {d.witness.rule} witness, "
                              f"and its limit is refuted on the full deep system")
                return Witness(k, local, layers, A)
    return None


def _chain(S: dict, layers, n: int) -> np.ndarray:
    """Product of the fixed matchings of ``layers`` (in order), identity if none."""
    p = None
    for l in layers:
        p = S[l] if p is None else S[l] @ p
    return np.eye(n, dtype=np.int64) if p is None else p


def _target(A: dict):
    from flint import fmpq
    return lambda x, y: A.get(original_entry(x, y), fmpq(0))


def _carry_back(support, S, a, b, before, middle, after, eff_layers):
    """Weights of the deep chain: the routed layers are their matchings; W_a and
    W_b take the effective curve's entries at the relabelled positions."""
    L = support.depth
    layers: list[dict] = [{} for _ in range(L)]
    for l, s in S.items():
        for r, c in zip(*np.nonzero(s)):
            layers[l][(int(r), int(c))] = ONE
    row_of_mid = {int(i): int(r) for i, r in zip(*np.nonzero(middle))}      # X row -> W_a row
    col_of_before = {int(j): int(c) for c, j in zip(*np.nonzero(before))}   # X column -> W_a column
    row_of_after = {int(i): int(r) for i, r in zip(*np.nonzero(after))}     # Y row -> W_b row
    for (i, j), x in eff_layers[0].items():
        layers[a][(row_of_mid[i], col_of_before[j])] = x
    for (i, k), x in eff_layers[1].items():
        layers[b][(row_of_after[i], k)] = x
    return layers
