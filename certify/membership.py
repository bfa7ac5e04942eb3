"""Exact membership: is a given matrix ``M`` a product ``W_L ⋯ W_1`` with the
support's masks?  (The fixed-support matrix factorisation feasibility
question.)

Every reduction step preserves membership exactly (docs/theory.md §2: R1-R4
keep the set, R5 makes an entry free, R6 splits it), so the question is
answered component by component on the reduced state:

* ``not_member``: an observed entry no path reaches holds a non-zero, or a
  component's equations are refuted (propagation, then Nullstellensatz);
* ``member``: every component has a rational solution (found with sympy and
  verified exactly); the solution is lifted to the original weights with the
  free entries set to M's values, and the factors multiply out to M;
* ``unknown`` otherwise.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import fmpq

from . import certificate as cert
from .chains import Chain
from .errors import InputError
from .laurent import Laurent
from .reductions import State, lift, original_entry, reduce
from .refutations import MinorTable, component_system, nullstellensatz, propagate
from .support import Support
from .witnesses import layer_matrices, multiply

SOLVE_SECONDS = 20
MAX_SOLVE_VARIABLES = 60       # sympy's solver is hopeless beyond this


@dataclass
class MemberDecision:
    verdict: str                 # "member" | "not_member" | "unknown"
    explanation: str
    certificate: dict | None = None
    text: str | None = None
    factors: list | None = None  # exact layer matrices for "member"
    internal_error: str | None = None

    @property
    def decided(self) -> bool:
        return self.verdict in ("member", "not_member")


# ---------------------------------------------------------------------------
# Reading a matrix
# ---------------------------------------------------------------------------

# Plain ASCII numbers only ("٣" or "1_000" are not numbers here), with a
# bounded exponent so that "1e999999999" cannot stall the conversion.
_NUMBER = re.compile(r"-?[0-9]{1,400}(\.[0-9]{1,400})?([eE][-+]?[0-9]{1,3})?|-?[0-9]{1,400}/[0-9]{1,400}")


def _rational(v, where: str) -> fmpq:
    if isinstance(v, (bool, np.bool_)):
        raise InputError(f"{where} is {v!r}; entries must be numbers")
    if isinstance(v, (int, np.integer)):
        return fmpq(int(v))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise InputError(f"{where} is {float(v)!r}; entries must be finite")
        num, den = v.as_integer_ratio()          # the exact value of the binary float
        return fmpq(int(num), int(den))
    if isinstance(v, str):
        text = v.strip()
        if not _NUMBER.fullmatch(text):
            raise InputError(f"{where} is {v[:40]!r}; write rationals like \"-3/4\" or 0.5")
        try:
            q = Fraction(text)
        except ZeroDivisionError:
            raise InputError(f"{where} is {v[:40]!r}; the denominator is 0") from None
        return fmpq(q.numerator, q.denominator)
    raise InputError(f"{where} is {str(v)[:40]!r}; entries must be numbers")


def load_matrix(spec: str) -> list[list[fmpq]]:
    """MATRIX: a JSON file of rows (numbers or strings like "-3/4"), a .npy
    file, or the JSON rows themselves on the command line."""
    if spec.lstrip().startswith("["):
        text, where = spec, "the matrix"
    else:
        if not os.path.isfile(spec):
            raise InputError(f"{spec}: no such file (give a .json or .npy file, or rows like [[0,1],[1,0]])")
        with open(spec, "rb") as fh:
            head = fh.read(6)
        if head == b"\x93NUMPY":
            try:
                arr = np.load(spec, allow_pickle=False)
            except (ValueError, OSError) as e:
                raise InputError(f"{spec}: not a readable .npy file ({e})") from None
            if arr.ndim != 2 or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
                raise InputError(f"{spec}: expected a 2-dimensional numeric array, got {arr.dtype} {arr.shape}")
            if arr.size == 0:
                raise InputError(f"{spec}: the array is empty ({arr.shape})")
            return [[_rational(x.item(), f"{spec}: entry ({i}, {j})") for j, x in enumerate(row)]
                    for i, row in enumerate(arr)]
        try:
            with open(spec, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{spec}: cannot read ({e})") from None
        where = spec
    try:
        rows = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise InputError(f"{where}: not valid JSON ({str(e)[:200]})") from None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) and r for r in rows):
        raise InputError(f"{where}: expected a non-empty list of non-empty rows")
    if len({len(r) for r in rows}) != 1:
        raise InputError(f"{where}: ragged rows")
    return [[_rational(v, f"{where}: entry ({i}, {j})") for j, v in enumerate(r)] for i, r in enumerate(rows)]


# ---------------------------------------------------------------------------
# Solving a component exactly
# ---------------------------------------------------------------------------

class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def solve_component(state: State, comp: list, target, seconds: float = SOLVE_SECONDS) -> dict | None:
    """A rational solution (edge -> fmpq) of the component's equations, or None
    (also when the component has more than MAX_SOLVE_VARIABLES edges)."""
    import sympy
    eqs = component_system(state, comp, target)
    if eqs is None:
        return None
    edges = sorted({x for eq in eqs for m in eq.monomials for x in m})
    if len(edges) > MAX_SOLVE_VARIABLES:
        return None
    sym = {e: sympy.Symbol(f"x{k}") for k, e in enumerate(edges)}
    polys = [sum((sympy.Mul(*[sym[x] for x in m]) for m in eq.monomials), sympy.Integer(0))
             - sympy.Rational(int(eq.target.p), int(eq.target.q)) for eq in eqs]
    use_alarm = hasattr(signal, "SIGALRM") and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        sols = sympy.solve(polys, list(sym.values()), dict=True)
    except (_Timeout, NotImplementedError, RecursionError):
        return None
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    for sol in sols:
        free = sorted({s for s in sym.values() if s not in sol} |
                      {s for v in sol.values() for s in v.free_symbols}, key=str)
        for values in itertools.islice(itertools.product((1, 2, -1, 3, 5, 7), repeat=len(free)), 200):
            sub = dict(zip(free, values))
            full = {}
            ok = True
            for e, s in sym.items():
                # Exact substitution (no nsimplify: it would round 3602879701896397/2^55 to 1/10).
                v = sympy.together(sol[s].subs(sub)) if s in sol else sympy.Integer(sub.get(s, 1))
                if not v.is_Rational:
                    ok = False
                    break
                full[e] = fmpq(int(v.p), int(v.q))
            if not ok:
                continue
            if all(sum((_prod(full, m) for m in eq.monomials), fmpq(0)) == eq.target for eq in eqs):
                return full
    return None


def _prod(values: dict, m) -> fmpq:
    out = fmpq(1)
    for x in m:
        out *= values[x]
    return out


# ---------------------------------------------------------------------------
# Deciding
# ---------------------------------------------------------------------------

def _quiet(stage: str) -> None:
    pass


def decide_member(support: Support, M: list[list[fmpq]], *, self_check: bool = True,
                  progress=_quiet) -> MemberDecision:
    shape = (support.widths[-1], support.widths[0])
    if (len(M), len(M[0])) != shape:
        raise InputError(f"the matrix is {len(M)}x{len(M[0])} but products with this support are "
                         f"{shape[0]}x{shape[1]} (outputs x inputs)")
    original = State.from_chain(Chain.from_support(support))
    progress("reducing (R1-R6)")
    red = reduce(original)
    state = red.final
    matrix = cert.sparse_matrix(shape, {(i, j): v for i, row in enumerate(M) for j, v in enumerate(row)})

    def target(a, b) -> fmpq:
        i, j = original_entry(a, b)
        return M[i][j]

    base = {"matrix": matrix, "reduction": {"steps": red.steps, "core": state.core()}}
    # Entries joining different components (or no component) have no path.
    comp_of = {v: k for k, comp in enumerate(red.components) for v in comp}
    for snk in sorted(state.sinks):
        for src in sorted(state.sources):
            if (snk, src) in state.dont_care or target(snk, src) == 0:
                continue
            k = comp_of.get(snk)
            if k is None or comp_of.get(src) != k:
                proof = dict(base, component=None,
                             refutation={"method": "propagation", "steps": [
                                 {"entry": (snk, src), "rule": "contradiction", "uses": []}]})
                i, j = original_entry(snk, src)
                return _finish(support, "not_member", proof,
                               f"not a member: entry ({i},{j}) is {target(snk, src)} but no path "
                               f"joins input {j} to output {i} after exact reductions",
                               self_check, progress)
    solutions: dict = {}
    for k, comp in enumerate(red.components):
        progress(f"component {k}: refuting or solving")
        eqs = component_system(state, comp, target)
        if eqs is None:
            return MemberDecision("unknown", f"unknown: component {k} is too large to write out")
        steps = propagate(eqs, minors=MinorTable(eqs, singles=True))
        if steps is not None:
            proof = dict(base, component=k, refutation={"method": "propagation", "steps": steps})
            return _finish(support, "not_member", proof,
                           f"not a member: on reduced component {k} the equations W_L...W_1 = M "
                           f"lead to a contradiction by propagation ({len(steps)} steps)",
                           self_check, progress)
        nss = nullstellensatz(eqs, deadline=time.monotonic() + SOLVE_SECONDS)   # bounded by size too
        if nss is not None:
            proof = dict(base, component=k, refutation=nss.to_json())
            return _finish(support, "not_member", proof,
                           f"not a member: on reduced component {k} the equations have no common "
                           f"complex zero (Nullstellensatz certificate of degree {nss.degree})",
                           self_check, progress)
        sol = solve_component(state, comp, target)
        if sol is None:
            edges = state.graph.subgraph(comp).number_of_edges()
            why = (f"it has {edges} edge variables, more than the exact solver takes "
                   f"({MAX_SOLVE_VARIABLES})" if edges > MAX_SOLVE_VARIABLES else
                   "it was neither refuted (propagation, Nullstellensatz up to degree 2) nor solved")
            return MemberDecision("unknown", f"unknown: reduced component {k}: {why}")
        solutions.update(sol)
    weights = lift(original, red.steps, {e: Laurent.const(v) for e, v in solutions.items()},
                   free=lambda snk, src: Laurent.const(target(snk, src)))
    factors = layer_matrices(support, weights)
    product = multiply(factors)
    assert all(product.get((i, j), Laurent()) == Laurent.const(M[i][j])
               for i in range(shape[0]) for j in range(shape[1])), "lifted factors miss M"
    proof = {"matrix": matrix,
             "factors": [[[i, j, cert.rational(x.coefficient(0))] for (i, j), x in sorted(m.items())]
                         for m in factors]}
    return _finish(support, "member", proof, "member: exact rational factors with these masks "
                   "multiply to M (in the certificate)", self_check, progress, factors)


def _finish(support: Support, verdict: str, proof: dict, text: str, self_check: bool, progress,
            factors=None) -> MemberDecision:
    c = cert.build(support, verdict, {"rule": "factors" if verdict == "member" else "refutation", **proof})
    d = MemberDecision(verdict, text, c, cert.dumps(c), factors)
    reason = cert.self_check(d.text, self_check, progress)
    if reason is None:
        return d
    return MemberDecision("unknown", "unknown: " + cert.rejection_note(verdict, reason), internal_error=reason)
