"""certify: certificates for closedness of sparse matrix product sets.

Python API (docs/api.md)::

    from certify import Support, decide, optimum, check
    r = decide("lu:3")          # r.verdict == "not_closed"
    check(r).accepted           # True

This file stays free of engine imports on purpose: the independent checker
lives in ``certify.checker`` and importing it must not load the engine.  The
API names are therefore resolved lazily, on first use (``certify.api``).
"""

import sys as _sys
import types as _types

__version__ = "0.1.0"

__all__ = ["Support", "decide", "optimum", "check", "support_of", "InputError",
           "DecideResult", "OptimumResult", "CheckResult"]


def __getattr__(name):
    if name in __all__:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'certify' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(_types.ModuleType):
    """``certify.optimum`` is the API function, although a submodule of the
    same name exists: importing the submodule would otherwise replace the
    package attribute with the module.  The module stays importable with
    ``from certify.optimum import ...``."""

    @property
    def optimum(self):
        from .api import optimum
        return optimum

    @optimum.setter
    def optimum(self, value):
        pass    # the import system setting the submodule attribute; keep the function


_sys.modules[__name__].__class__ = _Package
