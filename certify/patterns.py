"""Catalogue of structured sparsity patterns, addressed as ``NAME:ARGS``.

Every pattern returns a :class:`Support` (masks in ``(out, in)`` layout, input
side first).  The masks are documented in ``docs/patterns.md``.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from .errors import InputError
from .support import MAX_LAYERS, MAX_TOTAL_ENTRIES, Support, from_masks

CATALOGUE = {
    "lu": ("lu:n", "W1 upper triangular, W2 lower triangular (n x n): products L U"),
    "ul": ("ul:n", "W1 lower triangular, W2 upper triangular (n x n): products U L"),
    "dense": ("dense:w0,w1,...,wL", "all-ones masks with the given widths, input width first"),
    "butterfly": ("butterfly:n", "n = 2^k: k factors I_(2^(l-1)) (x) [[1,1],[1,1]] (x) I_(n/2^l)"),
    "monarch": ("monarch:n:b", "block-diagonal (b blocks) then the shuffled block-diagonal (n/b blocks)"),
    "blockdiag": ("blockdiag:n:b:L", "L identical n x n block-diagonal masks with b blocks"),
    "random": ("random:w0,...,wL:density:seed", "independent entries equal to 1 with probability density"),
}


def catalogue_help() -> str:
    return "\n".join(f"  {usage:34s} {text}" for usage, text in CATALOGUE.values())


def known_patterns() -> str:
    """The catalogue's patterns as usage strings: 'lu:n, ul:n, dense:w0,w1,...,wL, ...'."""
    return ", ".join(usage for usage, _ in CATALOGUE.values())


def _did_you_mean(name: str) -> str:
    import difflib
    close = difflib.get_close_matches(name.lower(), list(CATALOGUE), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def is_pattern_spec(spec: str) -> bool:
    """Does ``spec`` name a catalogue pattern (possibly with bad arguments)?"""
    return spec.split(":", 1)[0] in CATALOGUE


def _int(text: str, what: str, spec: str, minimum: int = 1) -> int:
    # Plain ASCII digits only: int() would also take "4_0", " 4" or "+4".
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise InputError(f"{spec}: {what} must be a whole number written with digits, got {text!r}")
    v = int(text)
    if v < minimum:
        raise InputError(f"{spec}: {what} must be at least {minimum}, got {v}")
    return v


def _widths(text: str, spec: str) -> list[int]:
    ws = [_int(t, "every width", spec) for t in text.split(",")]
    if len(ws) < 2:
        raise InputError(f"{spec}: give at least two widths (input width, output width)")
    if len(ws) - 1 > MAX_LAYERS:
        raise InputError(f"{spec}: {len(ws) - 1} layers is more than this tool handles ({MAX_LAYERS})")
    total = sum(a * b for a, b in zip(ws, ws[1:]))
    if total > MAX_TOTAL_ENTRIES:
        raise InputError(f"{spec}: {total} mask entries is more than this tool handles ({MAX_TOTAL_ENTRIES})")
    return ws


def _square_limit(n: int, layers: int, spec: str) -> None:
    if n * n * layers > MAX_TOTAL_ENTRIES:
        raise InputError(f"{spec}: {n * n * layers} mask entries is more than this tool handles ({MAX_TOTAL_ENTRIES})")


def lu(n: int) -> Support:
    upper = np.triu(np.ones((n, n), dtype=bool))
    return from_masks([upper, upper.T.copy()], copy=False)


def ul(n: int) -> Support:
    upper = np.triu(np.ones((n, n), dtype=bool))
    return from_masks([upper.T.copy(), upper], copy=False)


def dense(widths: list[int]) -> Support:
    return from_masks([np.ones((b, a), dtype=bool) for a, b in zip(widths, widths[1:])], copy=False)


def butterfly(n: int) -> Support:
    # I_(2^(l-1)) (x) [[1,1],[1,1]] (x) I_m with m = n/2^l joins i and j
    # exactly when they agree on every bit but the one of weight m; set those
    # 2n entries directly (a Kronecker product would build dense n x n
    # temporaries per factor).
    k = n.bit_length() - 1
    idx = np.arange(n)
    masks = []
    for l in range(1, k + 1):
        m = np.zeros((n, n), dtype=bool)
        m[idx, idx] = True
        m[idx, idx ^ (n >> l)] = True
        masks.append(m)
    return from_masks(masks, copy=False)


def monarch(n: int, b: int) -> Support:
    # M = P^T L P R: R has b diagonal blocks of size m = n/b, L has m blocks of
    # size b, P is the (b, m) -> (m, b) reshape shuffle.  Folding P^T L P into
    # one mask connects hidden i to output k exactly when i = k (mod m).
    m = n // b
    idx = np.arange(n)
    first = (idx[:, None] // m) == (idx[None, :] // m)
    second = (idx[:, None] % m) == (idx[None, :] % m)
    return from_masks([first, second], copy=False)


def blockdiag(n: int, b: int, layers: int) -> Support:
    size = n // b
    idx = np.arange(n)
    mask = (idx[:, None] // size) == (idx[None, :] // size)
    return from_masks([mask.copy() for _ in range(layers)], copy=False)


def random_pattern(widths: list[int], density: Fraction, seed: int) -> Support:
    # Raw 64-bit words of PCG64 are stable across numpy versions (NEP 19), so a
    # (widths, density, seed) triple names the same support everywhere.  An
    # entry is 1 exactly when word < density * 2^64.
    gen = np.random.PCG64(seed)
    threshold = -((-density.numerator * 2 ** 64) // density.denominator)  # ceil
    masks = []
    for a, b in zip(widths, widths[1:]):
        if density == 0:
            masks.append(np.zeros((b, a), dtype=bool))
            gen.random_raw(a * b)
        elif threshold >= 2 ** 64:       # every 64-bit word is below density * 2^64
            masks.append(np.ones((b, a), dtype=bool))
            gen.random_raw(a * b)
        else:
            words = gen.random_raw(a * b).astype(np.uint64)
            masks.append((words < np.uint64(threshold)).reshape(b, a))
    return from_masks(masks, copy=False)


def build_pattern(spec: str) -> Support:
    """Parse ``NAME:ARGS`` and build the support; bad specs raise InputError."""
    name, _, rest = spec.partition(":")
    args = rest.split(":") if rest else []
    if name not in CATALOGUE:
        raise InputError(f"{spec}: unknown pattern {name!r}{_did_you_mean(name)}; known patterns: "
                         f"{known_patterns()} (see 'certify pattern --help')")
    usage = CATALOGUE[name][0]
    arity = usage.count(":")
    if len(args) != arity:
        raise InputError(f"{spec}: expected {usage} ({CATALOGUE[name][1]})")
    if name in ("lu", "ul"):
        n = _int(args[0], "n", spec)
        _square_limit(n, 2, spec)
        return lu(n) if name == "lu" else ul(n)
    if name == "dense":
        return dense(_widths(args[0], spec))
    if name == "butterfly":
        n = _int(args[0], "n", spec, minimum=2)
        if n & (n - 1):
            raise InputError(f"{spec}: n must be a power of two, got {n}")
        _square_limit(n, n.bit_length() - 1, spec)
        return butterfly(n)
    if name == "monarch":
        n, b = _int(args[0], "n", spec), _int(args[1], "b", spec)
        if n % b:
            raise InputError(f"{spec}: the number of blocks b={b} must divide n={n}")
        _square_limit(n, 2, spec)
        return monarch(n, b)
    if name == "blockdiag":
        n, b, layers = _int(args[0], "n", spec), _int(args[1], "b", spec), _int(args[2], "L", spec)
        if layers > MAX_LAYERS:
            raise InputError(f"{spec}: {layers} layers is more than this tool handles ({MAX_LAYERS})")
        if n % b:
            raise InputError(f"{spec}: the number of blocks b={b} must divide n={n}")
        _square_limit(n, layers, spec)
        return blockdiag(n, b, layers)
    # random
    widths = _widths(args[0], spec)
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,30})?|[0-9]{1,9}/[1-9][0-9]{0,8}", args[1]):
        raise InputError(f"{spec}: density must be a number in [0, 1] such as 0.4 or 2/5, got {args[1]!r}")
    density = Fraction(args[1])
    if not 0 <= density <= 1:
        raise InputError(f"{spec}: density must be in [0, 1], got {args[1]}")
    seed = _int(args[2], "seed", spec, minimum=0)
    return random_pattern(widths, density, seed)
