"""Laurent polynomials in one variable with rational coefficients.

A value is ``t^shift * p(t)`` with ``p`` an ``fmpq_poly`` whose constant term
is non-zero (or ``p = 0``), so the representation is unique.  Witness curves
``W(t)`` and the ``θ(ε)`` sequences are matrices of these.
"""

from __future__ import annotations

from flint import fmpq, fmpq_poly


class Laurent:
    __slots__ = ("shift", "poly")

    def __init__(self, poly: fmpq_poly | None = None, shift: int = 0):
        poly = fmpq_poly(0) if poly is None else poly
        if poly == 0:
            self.shift, self.poly = 0, poly
            return
        # Move factors of t into the shift so the constant term is non-zero.
        coeffs = poly.coeffs()
        k = next(i for i, c in enumerate(coeffs) if c != 0)
        if k:
            poly = fmpq_poly(coeffs[k:])
        self.shift, self.poly = shift + k, poly

    @classmethod
    def monomial(cls, coeff, exponent: int = 0) -> "Laurent":
        return cls(fmpq_poly([fmpq(coeff)]), exponent)

    @classmethod
    def const(cls, c) -> "Laurent":
        return cls.monomial(c, 0)

    @classmethod
    def from_terms(cls, terms) -> "Laurent":
        """From ``[(exponent, coefficient), ...]`` (exponents may repeat)."""
        terms = list(terms)
        if not terms:
            return cls()
        low = min(e for e, _ in terms)
        coeffs = [fmpq(0)] * (max(e for e, _ in terms) - low + 1)
        for e, c in terms:
            coeffs[e - low] += fmpq(c)
        return cls(fmpq_poly(coeffs), low)

    # -- arithmetic ------------------------------------------------------
    def __add__(self, other: "Laurent") -> "Laurent":
        if self.poly == 0:
            return other
        if other.poly == 0:
            return self
        low = min(self.shift, other.shift)
        a = self.poly * fmpq_poly([0] * (self.shift - low) + [1])
        b = other.poly * fmpq_poly([0] * (other.shift - low) + [1])
        return Laurent(a + b, low)

    def __neg__(self) -> "Laurent":
        return Laurent(-self.poly, self.shift)

    def __sub__(self, other: "Laurent") -> "Laurent":
        return self + (-other)

    def __mul__(self, other: "Laurent") -> "Laurent":
        if self.poly == 0 or other.poly == 0:
            return Laurent()
        return Laurent(self.poly * other.poly, self.shift + other.shift)

    def __eq__(self, other) -> bool:
        return isinstance(other, Laurent) and self.shift == other.shift and self.poly == other.poly

    def __hash__(self) -> int:
        return hash((self.shift, tuple(self.poly.coeffs())))

    # -- inspection ------------------------------------------------------
    def is_zero(self) -> bool:
        return self.poly == 0

    def valuation(self) -> int | None:
        """Lowest exponent with a non-zero coefficient (None for 0)."""
        return None if self.poly == 0 else self.shift

    def coefficient(self, exponent: int) -> fmpq:
        k = exponent - self.shift
        if self.poly == 0 or k < 0 or k > self.poly.degree():
            return fmpq(0)
        return self.poly[k]

    def terms(self) -> list[tuple[int, fmpq]]:
        """Non-zero terms as ``(exponent, coefficient)``, increasing exponent."""
        if self.poly == 0:
            return []
        return [(self.shift + k, c) for k, c in enumerate(self.poly.coeffs()) if c != 0]

    def __repr__(self) -> str:
        if self.poly == 0:
            return "0"
        return " + ".join(f"{c}*t^{e}" for e, c in self.terms())


ZERO = Laurent()
ONE = Laurent.const(1)
