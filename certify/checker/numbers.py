"""Exact numbers for the checker: rationals and Laurent polynomials in t.

Imports only the standard library and FLINT (never the engine).
"""

from __future__ import annotations

import re
import reprlib

from flint import fmpq, fmpq_poly


class Reject(Exception):
    """The certificate is well-formed JSON but does not prove its claim."""


def need(cond: bool, msg: str) -> None:
    if not cond:
        raise Reject(msg)


class _Short(reprlib.Repr):
    def repr_int(self, x, level):          # never convert a huge integer to decimal
        return repr(x) if abs(x) < 10 ** 30 else f"<an integer of {x.bit_length()} bits>"


_REPR = _Short()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 3, 6, 6
_REPR.maxstring = _REPR.maxlong = _REPR.maxother = 80


def short(x, n: int = 60) -> str:
    """repr(x), cut: a rejection message never echoes (or even renders) a
    whole hostile input."""
    text = _REPR.repr(x)
    return text if len(text) <= n else text[:n] + "..."


_RATIONAL = re.compile(r"^-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?$")


def rational(text) -> fmpq:
    """A rational in lowest terms written as "-3/4" or "5" (nothing else)."""
    if not isinstance(text, str) or len(text) > 2000 or not _RATIONAL.fullmatch(text):
        raise Reject(f"{short(text)} is not a rational written as a string like \"-3/4\"")
    num, _, den = text.partition("/")
    q = fmpq(int(num), int(den) if den else 1)
    if den and (q.q != int(den) or q.q == 1):
        raise Reject(f"{short(text)} is not in lowest terms")
    return q


def integer(x, what: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise Reject(f"{what} must be an integer, got {short(x)}")
    return x


# Bounds that keep a hostile certificate from exhausting memory or time.
MAX_EXPONENT = 10_000
MAX_TERMS = 64           # terms of one Laurent polynomial in a certificate


def laurent_terms(x, what: str) -> dict[int, fmpq]:
    """``[[exponent, "coefficient"], ...]`` -> {exponent: coefficient}."""
    need(isinstance(x, list), f"{what}: a Laurent polynomial is a list of [exponent, \"coefficient\"]")
    need(len(x) <= MAX_TERMS, f"{what}: more than {MAX_TERMS} terms is beyond this checker's bound")
    out: dict[int, fmpq] = {}
    for term in x:
        need(isinstance(term, list) and len(term) == 2, f"{what}: bad term {short(term)}")
        e = integer(term[0], f"{what}: exponent")
        need(abs(e) <= MAX_EXPONENT, f"{what}: exponent {short(e)} is beyond this checker's bound {MAX_EXPONENT}")
        need(not out or e > max(out), f"{what}: exponents must be strictly increasing")
        out[e] = rational(term[1])
        need(out[e] != 0, f"{what}: a term with coefficient 0")
    return out


def shifted_poly(terms: dict[int, fmpq], shift: int) -> fmpq_poly:
    """``t^shift * sum c_e t^e`` as a polynomial (requires e + shift >= 0)."""
    if not terms:
        return fmpq_poly(0)
    coeffs = [fmpq(0)] * (max(terms) + shift + 1)
    for e, c in terms.items():
        coeffs[e + shift] = c
    return fmpq_poly(coeffs)


def coefficient(p: fmpq_poly, k: int) -> fmpq:
    return p[k] if 0 <= k <= p.degree() else fmpq(0)


# Laurent polynomials as {exponent: coefficient} dicts (no zero coefficients),
# for the exact forward pass of a ReLU network along θ(ε).

def l_add(a: dict, b: dict) -> dict:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, fmpq(0)) + c
    return {e: c for e, c in out.items() if c != 0}


MAX_FORWARD_TERMS = 2_000     # terms of a pre-activation in the forward pass


def l_mul(a: dict, b: dict) -> dict:
    if len(a) * len(b) > 64 * MAX_FORWARD_TERMS:
        raise Reject("forward pass: Laurent polynomials beyond this checker's bound")
    out: dict = {}
    for e1, c1 in a.items():
        for e2, c2 in b.items():
            out[e1 + e2] = out.get(e1 + e2, fmpq(0)) + c1 * c2
    return {e: c for e, c in out.items() if c != 0}


def monomials(terms, n: int, max_degree: int, what: str, allowed=None) -> dict:
    """Polynomial terms ``[[[[k, p], ...], "c"], ...]`` (``x_k^p``, each ``k`` once,
    ``p >= 1``, total degree <= max_degree, no repeated monomial, no zero
    coefficient; only variables in ``allowed`` if given) -> {exponents: fmpq}."""
    need(isinstance(terms, list), f"{what}: terms must be a list")
    out: dict = {}
    for term in terms:
        need(isinstance(term, list) and len(term) == 2 and isinstance(term[0], list),
             f"{what}: a term is [[[variable, power], ...], \"coefficient\"]")
        e = [0] * n
        for pair in term[0]:
            need(isinstance(pair, list) and len(pair) == 2, f"{what}: bad power")
            k, p = integer(pair[0], "variable"), integer(pair[1], "power")
            need(0 <= k < n and p >= 1 and e[k] == 0 and (allowed is None or k in allowed),
                 f"{what}: bad power (or a variable that may not occur)")
            e[k] = p
        need(sum(e) <= max_degree and tuple(e) not in out,
             f"{what}: a term's degree is above {max_degree}, or a monomial is repeated")
        out[tuple(e)] = rational(term[1])
        need(out[tuple(e)] != 0, f"{what}: zero coefficient")
    return out
