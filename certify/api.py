"""The Python API: ``from certify import Support, decide, optimum, check``.

Each call returns a plain dataclass with ``verdict``, ``certificate`` (the
certificate as a dict, ``None`` only after an internal error), ``to_json()``
(the certificate text exactly as ``certify ... -o`` writes it) and a short
``repr``.  As on the command line, every certificate is replayed by the
independent checker before a result is returned.  Bad input raises
:class:`certify.InputError` with the same one-line message the command prints.

>>> from certify import decide
>>> decide("lu:3").verdict
'not_closed'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import InputError
import operator

from .support import (Support, check_threshold, from_json_obj, from_masks, load_file,
                      load_support)

__all__ = ["Support", "decide", "optimum", "check", "support_of",
           "DecideResult", "OptimumResult", "CheckResult", "InputError"]


def support_of(x, *, weights: bool = False, threshold: float = 0.0) -> Support:
    """Whatever names a support, as a :class:`Support`.

    ``x`` may be a :class:`Support`; a pattern string (``"lu:4"``); a path
    (``str`` or ``pathlib.Path``) to a .json, .npz, .npy or PyTorch
    state_dict file; a dict ``{"layers": [...]}``; or a list of masks (numpy
    arrays or nested 0/1 lists, shape (out, in), input side first).  With
    ``weights=True`` the arrays hold weights and the support is where
    ``|w| > threshold`` (default 0: exactly the non-zeros)."""
    threshold = check_threshold(threshold)
    if threshold and not weights:
        raise InputError("threshold applies to weights: pass weights=True as well")
    if isinstance(x, Support):
        # Support(masks) itself checks nothing: validate a hand-made one
        # (wrong dtype, masks that do not chain) before the engine sees it.
        return from_masks(list(x.masks)) if isinstance(x.masks, (tuple, list)) else from_masks(x.masks)
    if isinstance(x, os.PathLike):
        return load_file(x, weights, threshold)
    if isinstance(x, str):
        return load_support(x, weights, threshold)
    if isinstance(x, dict):
        return from_json_obj(x, weights, threshold)
    if isinstance(x, (list, tuple)) or hasattr(x, "ndim"):
        return from_masks(x, weights, threshold)
    raise InputError(f"cannot make a support from {type(x).__name__}: give a pattern such as "
                     "'lu:4', a path, a Support, or a list of masks")


def _fraction(text: str) -> Fraction:
    return Fraction(text)


def _dense(limit: dict | None) -> list[list[Fraction]] | None:
    if limit is None:
        return None
    m, n = limit["shape"]
    rows = [[Fraction(0)] * n for _ in range(m)]
    for i, j, v in limit["nonzeros"]:
        rows[i][j] = _fraction(v)
    return rows


@dataclass(repr=False)
class _Result:
    verdict: str
    explanation: str
    certificate: dict | None
    support: Support
    internal_error: str | None = None
    _text: str | None = field(default=None, compare=False)

    @property
    def decided(self) -> bool:
        """True when the verdict is a claim (not unknown / undetermined)."""
        return self.verdict not in ("unknown", "undetermined")

    def to_json(self) -> str:
        """The certificate as ``certify ... -o`` writes it (byte for byte)."""
        if self._text is None:
            raise ValueError(f"no certificate: {self.internal_error or self.explanation}")
        return self._text

    def save(self, path) -> None:
        """Write the certificate atomically (never half a file); a path that
        cannot be written raises InputError."""
        from .certificate import write_atomic
        try:
            path = os.fspath(path)
        except TypeError:
            raise InputError(f"cannot save to a {type(path).__name__}: give a file path") from None
        if not isinstance(path, str) or not path:
            raise InputError("cannot save: give a non-empty file path (str or pathlib.Path)")
        text = self.to_json()
        if os.path.isdir(path):
            raise InputError(f"cannot write {path}: it is a folder")
        try:
            write_atomic(os.path.realpath(path), text)     # through a symlink, not over it
        except (OSError, ValueError) as e:
            raise InputError(f"cannot write {path}: {getattr(e, 'strerror', None) or e}") from None

    def _cert_text(self) -> str:
        if self.certificate is None:
            return "None"
        return f"<{self.certificate['claim']} certificate, {len(self._text.encode())} bytes>"


@dataclass(repr=False)
class DecideResult(_Result):
    """Is the set of products W_L...W_1 with these supports closed?

    ``verdict``: ``"closed"``, ``"not_closed"`` or ``"unknown"``.  ``rules``:
    the rules used (docs/theory.md).  ``limit``: for ``not_closed``, the
    limit matrix A (outputs x inputs, exact Fractions) that products approach
    but never equal.  ``core``: for ``unknown``, the reduced core left."""

    rules: list[str] = field(default_factory=list)
    limit: list[list[Fraction]] | None = None
    core: dict | None = None

    def __repr__(self) -> str:
        return (f"DecideResult(verdict={self.verdict!r}, rules={self.rules!r}, "
                f"support={self.support!r}, certificate={self._cert_text()})")


@dataclass(repr=False)
class OptimumResult(_Result):
    """Does every least-squares training problem of the sparse ReLU network
    have a minimizer?

    ``verdict``: ``"optimum_exists"``, ``"no_optimum"`` or ``"undetermined"``.
    For ``no_optimum``, ``inputs`` and ``targets`` are the training set with
    no minimizer (exact Fractions, one row per point) and ``columns`` the
    input columns it uses.  For ``undetermined`` the certificate records what is
    known about the linear product set (as ``certify optimum -o`` writes it)."""

    rule: str = ""
    inputs: list[list[Fraction]] | None = None
    targets: list[list[Fraction]] | None = None
    columns: list[int] | None = None

    def __repr__(self) -> str:
        data = f", training_set={len(self.inputs)} points" if self.inputs is not None else ""
        return (f"OptimumResult(verdict={self.verdict!r}, rule={self.rule!r}{data}, "
                f"support={self.support!r}, certificate={self._cert_text()})")


@dataclass
class CheckResult:
    """The independent checker's answer: ``accepted``, the certificate's
    ``claim`` and the ``reason`` (what was verified, or why it was rejected)."""

    accepted: bool
    claim: str | None
    reason: str

    @property
    def verdict(self) -> str:
        return "accepted" if self.accepted else "rejected"

    def to_json(self) -> str:
        return json.dumps({"accepted": self.accepted, "claim": self.claim, "reason": self.reason})

    def __bool__(self) -> bool:
        return self.accepted

    def __repr__(self) -> str:
        return f"CheckResult(accepted={self.accepted}, claim={self.claim!r}, reason={self.reason!r})"


def _decide_result(support: Support, d) -> DecideResult:
    return DecideResult(d.verdict, d.explanation, d.certificate if d.internal_error is None else None,
                        support, d.internal_error, d.text if d.internal_error is None else None,
                        rules=list(d.rules), limit=_dense(d.limit), core=d.core)


def decide(support, *, weights: bool = False, threshold: float = 0.0) -> DecideResult:
    """Decide closedness of the product set of ``support`` (anything
    :func:`support_of` accepts), with a certificate the checker has accepted.

    >>> r = decide("lu:3")
    >>> r.verdict, r.rules[0]
    ('not_closed', 'W1')
    >>> decide([[[1, 1], [1, 1]], [[1, 1]]]).verdict
    'closed'
    """
    from .engine import decide as engine_decide
    s = support_of(support, weights=weights, threshold=threshold)
    return _decide_result(s, engine_decide(s))


def optimum(support, *, weights: bool = False, threshold: float = 0.0,
            max_subsets: int = 500) -> OptimumResult:
    """Does least-squares training of the sparse ReLU network with these masks
    (biases free) have a minimizer on every finite training set?  For
    ``no_optimum`` the result carries a training set on which it has none.

    >>> r = optimum("lu:3")
    >>> r.verdict, len(r.inputs) == len(r.targets)
    ('no_optimum', True)
    """
    from .optimum import decide_optimum
    try:
        max_subsets = operator.index(max_subsets)     # int or numpy integer, not float or bool
    except TypeError:
        max_subsets = -1
    if isinstance(max_subsets, bool) or max_subsets < 0:
        raise InputError("max_subsets must be a whole number >= 0")
    s = support_of(support, weights=weights, threshold=threshold)
    o = decide_optimum(s, max_subsets=max_subsets)
    ok = o.internal_error is None
    return OptimumResult(o.verdict, o.explanation, o.certificate if ok else None, s, o.internal_error,
                         o.text if ok else None, rule=o.rule,
                         inputs=[[Fraction(int(q.p), int(q.q)) for q in x] for x in o.data.inputs]
                         if o.data is not None else None,
                         targets=[[Fraction(int(q.p), int(q.q)) for q in y] for y in o.data.targets]
                         if o.data is not None else None,
                         columns=list(o.data.cols) if o.data is not None else None)


def check(certificate) -> CheckResult:
    """Replay a certificate with the independent checker.

    ``certificate``: a dict, a JSON string, a path (``str`` or
    ``pathlib.Path``), or a result of :func:`decide` / :func:`optimum`.
    Something that is not a certificate at all is not accepted (the reason
    says why); this never raises on bad certificates.

    >>> check(decide("lu:3")).accepted
    True
    """
    from .checker import Malformed, check_certificate, check_file
    try:
        if isinstance(certificate, _Result):
            v = check_certificate(json.loads(certificate.to_json()))
        elif isinstance(certificate, dict):
            v = check_certificate(certificate)
        elif isinstance(certificate, str) and certificate.lstrip().startswith("{"):
            try:
                obj = json.loads(certificate)
            except (ValueError, RecursionError) as e:
                raise Malformed(f"not valid JSON ({str(e)[:200]})") from None
            v = check_certificate(obj)
        elif isinstance(certificate, (str, os.PathLike)):
            v = check_file(os.fspath(certificate))
        else:
            raise Malformed(f"a {type(certificate).__name__} is not a certificate")
    except Malformed as e:
        return CheckResult(False, None, f"not a certificate: {e}")
    except ValueError as e:          # a result without a certificate
        return CheckResult(False, None, str(e))
    except Exception as e:           # a checker failure never accepts (as 'certify check')
        return CheckResult(False, None, f"the checker failed ({type(e).__name__})")
    return CheckResult(v.accepted, v.claim, v.message)
