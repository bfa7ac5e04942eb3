"""Independent certificate checker.

It re-derives every claim of a certificate from the support it embeds, with
exact rational arithmetic.  It imports only the standard library and FLINT,
never the engine (tests/test_checker_independence.py enforces this), so a bug
in the engine cannot make a wrong certificate pass.
"""

from .numbers import Reject
from .verify import FORMAT, Malformed, Verdict, check_certificate, check_file

__all__ = ["FORMAT", "Malformed", "Reject", "Verdict", "check_certificate", "check_file", "main"]


def main(argv=None) -> int:
    """Check certificate files; exit 0 if all are accepted, 1 if any is
    rejected, 2 if any is unreadable or malformed (2 wins over 1)."""
    import sys
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m certify.checker CERT [CERT ...]\n\n"
              "Replays each certificate exactly. Exit 0: all accepted; 1: some rejected;\n"
              "2: some file unreadable or not a certificate.\n"
              "example: python -m certify.checker proofs/lu_4.json")
        return 0 if args else 2
    status = 0
    for path in args:
        shown = path.encode("unicode_escape").decode("ascii") if not path.isprintable() else path
        try:
            v = check_file(path)
        except Malformed as e:
            print(f"{shown}: unreadable: {e}", file=sys.stderr)
            status = 2
            continue
        except Exception as e:  # a checker failure never accepts, and never stops the batch
            v = Verdict(False, "?", f"the checker failed on this file ({type(e).__name__})")
        if v.accepted:
            print(f"{shown}: accepted ({v.message})")
        else:
            print(f"{shown}: REJECTED: {v.message}")
            status = max(status, 1)
    return status
