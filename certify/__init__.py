"""certify: certificates for closedness of sparse matrix product sets.

This file stays free of engine imports on purpose: the independent checker
lives in ``certify.checker`` and importing it must not load the engine.
"""

__version__ = "0.1.0"
