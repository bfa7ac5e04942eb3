"""Certificate format (docs/certificate-format.md): JSON with exact rationals as
strings, Laurent polynomials as ``[[exponent, "coefficient"], ...]`` and node
labels ``"layer:index"``.  Output is deterministic: the same support gives
byte-identical certificates.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile

from flint import fmpq

from .laurent import Laurent
from .support import Support

FORMAT = "certify-certificate/1"


def rational(q) -> str:
    q = fmpq(q)
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def laurent(x: Laurent) -> list:
    return [[e, rational(c)] for e, c in x.terms()]


def node(v: tuple[int, int]) -> str:
    return f"{v[0]}:{v[1]}"


_PLAIN = (int, str, bool, float, type(None))


def encode(obj):
    """Engine proof objects -> JSON values.  By convention a tuple of two ints
    is a node label and any other tuple (edges, entries) a list."""
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        if len(obj) == 2 and isinstance(obj[0], int) and isinstance(obj[1], int):
            return node(obj)
        return [encode(x) for x in obj]
    if isinstance(obj, list):
        # Fast path for the long lists of plain values (curves, limits, edges
        # once encoded): nothing to convert.
        if all(type(x) in _PLAIN for x in obj):
            return list(obj)
        return [encode(x) for x in obj]
    if isinstance(obj, Laurent):
        return laurent(obj)
    if isinstance(obj, fmpq):
        return rational(obj)
    return obj


def sparse_matrix(shape: tuple[int, int], entries: dict) -> dict:
    """``{"shape": [m, n], "nonzeros": [[i, j, "value"], ...]}``, row-major."""
    return {"shape": list(shape),
            "nonzeros": [[i, j, rational(x)] for (i, j), x in sorted(entries.items()) if x != 0]}


def curve(layers) -> list:
    """Sparse layer matrices {(i, j): Laurent} -> [[i, j, laurent], ...] per layer."""
    return [[[i, j, laurent(x)] for (i, j), x in sorted(m.items())] for m in layers]


def build(support: Support, claim: str, proof: dict) -> dict:
    return {
        "format": FORMAT,
        "claim": claim,
        "support_sha256": support.fingerprint(),
        "support": support.to_json_obj("sparse"),
        "proof": encode(proof),
    }


# ---------------------------------------------------------------------------
# Deterministic, readable serialisation
# ---------------------------------------------------------------------------

_WIDTH = 100


def _flat(x) -> bool:
    return not isinstance(x, (dict, list)) or (
        isinstance(x, list) and all(not isinstance(y, (dict, list)) or
                                    (isinstance(y, list) and all(not isinstance(z, (dict, list))
                                                                 for z in y)) for y in x))


_SAFE = re.compile(r"[-0-9A-Za-z:/._ ]*")


def _compact_plain(x) -> str | None:
    """What ``_compact`` gives, built directly for lists of ints and strings
    that JSON writes as they are (the bulk of a large certificate); None for
    anything else.  json.dumps per element was the largest cost of writing."""
    if type(x) is int:
        return str(x)
    if type(x) is str:
        return f'"{x}"' if _SAFE.fullmatch(x) else None
    if type(x) is list:
        parts = []
        for y in x:
            p = _compact_plain(y)
            if p is None:
                return None
            parts.append(p)
        return "[" + ", ".join(parts) + "]"
    return None


def _compact(x) -> str:
    fast = _compact_plain(x)
    return fast if fast is not None else json.dumps(x, separators=(", ", ": "), ensure_ascii=False)


def _fmt(x, pad: str) -> str:
    inner = pad + "  "
    if isinstance(x, dict):
        if not x:
            return "{}"
        body = ",\n".join(f"{inner}{json.dumps(str(k))}: {_fmt(v, inner)}" for k, v in x.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(x, list):
        # A list of n values takes at least 3n characters: a long one cannot
        # fit on its line, so do not build its one-line form.
        if 3 * len(x) + len(pad) <= _WIDTH:
            text = _compact(x)
            if len(text) + len(pad) <= _WIDTH or not x:
                return text
        if all(type(y) is list and len(y) == 2 and type(y[0]) is int and type(y[1]) is int for y in x):
            pieces = [f"[{a}, {b}]" for a, b in x]          # fast path: index pairs
        elif _flat(x):
            pieces = [_compact(y) for y in x]
        else:
            pieces = None
        if pieces is not None:
            # Wrap the elements, a fixed number to a line.
            per_line = max(1, (_WIDTH - len(inner)) // (max(map(len, pieces)) + 2))
            lines = [", ".join(pieces[k:k + per_line]) for k in range(0, len(pieces), per_line)]
            return "[\n" + ",\n".join(inner + ln for ln in lines) + "\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _fmt(y, inner) for y in x) + "\n" + pad + "]"
    return _compact(x)


def dumps(cert: dict) -> str:
    return _fmt(cert, "") + "\n"


def self_check(text: str, enabled: bool = True, progress=None) -> str | None:
    """Replay a serialised certificate with the independent checker: None when
    it is accepted (or the replay is disabled), else the checker's reason."""
    if not enabled:
        return None
    if progress:
        progress("replaying the certificate with the independent checker")
    from .checker import check_certificate
    verdict = check_certificate(json.loads(text))
    return None if verdict.accepted else verdict.message


def rejection_note(verdict: str, reason: str) -> str:
    return (f"the engine found a {verdict.replace('_', ' ')} proof but the independent checker "
            f"rejected its certificate ({reason}). This is a bug in certify; please report it "
            "with the input.")


def write_atomic(path: str, text: str) -> None:
    """Write via a temporary file in the same folder: never half a file."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: str, data: bytes) -> None:
    # Renaming over a device or a FIFO (e.g. -o /dev/null run as root) would
    # replace it by a regular file: refuse anything but a regular file.
    if os.path.lexists(path) and os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(errno.EINVAL, "it exists and is not a regular file", path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".certify-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
