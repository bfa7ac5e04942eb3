"""Reading a certificate strictly and within a budget.

Budgets are checked on the raw text before ``json.loads`` builds anything, so
a hostile file costs one linear scan: no RecursionError, no quadratic integer
parsing, no memory blow-up.  Strictness: duplicate keys, JSON floats, NaN and
Infinity are refused (the format has none), and every object the checker reads
must carry exactly its documented keys (``fields``).

Imports only the standard library (never the engine).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

from .numbers import Reject, short

MAX_FILE_BYTES = 128 * 2 ** 20    # the engine's largest support (4,000,000 non-zeros) fits
MAX_DEPTH = 512                   # JSON nesting (a C3 tree on 256 masks needs about 260)
MAX_INT_DIGITS = 12               # JSON integer literals (indices, exponents, powers)
MAX_WORK = 100_000_000            # replay work units per certificate (see ``spend``), plus
WORK_PER_SIZE = 1                 # this many per (node + non-zero) x layer of the support

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_LONG_NUMBER = re.compile(r"[0-9]{%d,}" % (MAX_INT_DIGITS + 1))
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def over_budget(what: str) -> Reject:
    return Reject(f"beyond this checker's budget: {what}")


def _no_float(text):
    raise Reject(f"{short(text)}: JSON floats, NaN and Infinity are not part of the format "
                 "(rationals are strings like \"-3/4\")")


def _object(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise Reject(f"duplicate key {short(dup)} in one object")
    return obj


def loads(data: bytes):
    """Parse certificate bytes.  Raises Reject (budget, strictness) or
    ValueError (not UTF-8 JSON)."""
    if len(data) > MAX_FILE_BYTES:
        raise over_budget(f"the file has more than {MAX_FILE_BYTES:,} bytes")
    text = data.decode("utf-8")
    skeleton = _STRING.sub('""', text)          # brackets and digits inside strings do not count
    if _LONG_NUMBER.search(skeleton):
        raise over_budget(f"a number literal has more than {MAX_INT_DIGITS} digits")
    brackets = _NOT_BRACKET.sub("", skeleton)
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise over_budget(f"JSON nesting deeper than {MAX_DEPTH} levels")
    return json.loads(text, object_pairs_hook=_object, parse_float=_no_float, parse_constant=_no_float)


def fields(obj, what: str, required, optional=()) -> dict:
    """``obj`` is an object with all ``required`` keys and no key outside
    ``required`` and ``optional``."""
    if not isinstance(obj, dict):
        raise Reject(f"{what} must be an object")
    missing = [k for k in required if k not in obj]
    if missing:
        raise Reject(f"{what}: missing field(s) {', '.join(missing)}")
    unknown = [k for k in obj if k not in required and k not in optional]
    if unknown:
        raise Reject(f"{what}: unknown field(s) {short(', '.join(map(str, unknown)))}")
    return obj


# Replay work (graph elements visited, monomials enumerated, products formed),
# summed over one certificate: caps what no single bound catches, such as
# thousands of steps that each walk a large graph.  The allowance grows with
# the support as much as re-deriving a C3 tree on it may need (a C3 node costs
# one pass over its sub-chain), so a large legitimate certificate passes while
# a small hostile one cannot run for long.  check_certificate resets it.
_work = [0, MAX_WORK]


def reset_work(support_size: int = 0, layers: int = 0) -> None:
    _work[:] = [0, MAX_WORK + WORK_PER_SIZE * support_size * layers]


def spend(units: int) -> None:
    _work[0] += units
    if _work[0] > _work[1]:
        raise over_budget(f"replaying this certificate takes more than {_work[1]:,} work units")
