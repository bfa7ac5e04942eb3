"""``certify check --json`` and ``--manifest``: a machine-readable report per
file and the verification of a proof folder's manifest.

Verdicts come from the independent checker (``certify.checker.check_file``);
this module only adds bookkeeping around it (timing, file hashes, the rules a
proof uses, the manifest), so it is not part of the trusted code.  Formats:
docs/certificate-format.md, "Auditing tools".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import time
from dataclasses import asdict, dataclass, field

from .errors import InputError

REPORT_FORMAT = "certify-check-report/1"
MANIFEST_FORMAT = "certify-manifest/1"
MANIFEST_NAME = "MANIFEST.json"
MAX_MANIFEST_BYTES = 64 << 20     # ~300,000 entries
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.json$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class FileReport:
    file: str
    status: str                       # "accepted" | "rejected" | "unreadable"
    accepted: bool
    claim: str | None
    support_sha256: str | None        # as stated in the file; verified when accepted
    sha256: str | None                # of the file's bytes
    rules: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""


def sha256_of(path: str) -> str | None:
    """None unless ``path`` is a readable regular file (a FIFO or /dev/zero
    would never end)."""
    h = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def rules_used(proof) -> list[str]:
    """Every ``rule`` and ``method`` value in a proof, sorted."""
    found: set[str] = set()
    todo = [proof]
    while todo:
        x = todo.pop()
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("rule", "method") and isinstance(v, str):
                    found.add(v)
                todo.append(v)
        elif isinstance(x, list):
            todo.extend(x)
    return sorted(found)


def check_one(path: str) -> FileReport:
    from .checker import Malformed, check_file
    start = time.perf_counter()
    try:
        v = check_file(path)
    except Malformed as e:
        return FileReport(path, "unreadable", False, None, None, sha256_of(path),
                          seconds=round(time.perf_counter() - start, 4), message=str(e))
    except Exception as e:  # a checker failure never accepts, and never stops the batch
        return FileReport(path, "rejected", False, None, None, sha256_of(path),
                          seconds=round(time.perf_counter() - start, 4),
                          message=f"the checker failed on this file ({type(e).__name__})")
    seconds = round(time.perf_counter() - start, 4)
    report = FileReport(path, "accepted" if v.accepted else "rejected", v.accepted, v.claim, None,
                        sha256_of(path), seconds=seconds, message=v.message)
    if v.accepted:     # within the checker's bounds, so safe to read again
        with open(path, "r", encoding="utf-8") as fh:
            obj = json.load(fh)
        report.support_sha256 = obj["support_sha256"]
        report.rules = rules_used(obj["proof"])
    return report


# ---------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------

def manifest_entry(name: str, data: bytes) -> dict:
    """The manifest line of one certificate file (its bytes)."""
    cert = json.loads(data.decode("utf-8"))
    return {"file": name, "claim": cert["claim"], "support_sha256": cert["support_sha256"],
            "sha256": hashlib.sha256(data).hexdigest()}


def manifest_text(entries: list[dict]) -> str:
    obj = {"format": MANIFEST_FORMAT, "certificates": sorted(entries, key=lambda e: e["file"])}
    return json.dumps(obj, indent=1) + "\n"


def load_manifest(path: str) -> list[dict]:
    """Parse and validate a manifest; InputError (exit 2) if it is not one."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"the manifest {path} is not a regular file")
        if os.path.getsize(path) > MAX_MANIFEST_BYTES:
            raise InputError(f"the manifest {path} is larger than {MAX_MANIFEST_BYTES} bytes")
        with open(path, "r", encoding="utf-8") as fh:
            obj = json.load(fh)
    except OSError as e:
        raise InputError(f"cannot read the manifest {path} ({e.strerror})") from None
    except (ValueError, RecursionError):
        raise InputError(f"the manifest {path} is not valid JSON") from None
    if not isinstance(obj, dict) or set(obj) != {"format", "certificates"} or obj["format"] != MANIFEST_FORMAT \
            or not isinstance(obj["certificates"], list):
        raise InputError(f"{path} is not a manifest ({{\"format\": \"{MANIFEST_FORMAT}\", \"certificates\": [...]}})")
    seen = set()
    for e in obj["certificates"]:
        if not (isinstance(e, dict) and set(e) == {"file", "claim", "support_sha256", "sha256"}
                and all(isinstance(v, str) for v in e.values()) and _FILE_NAME.fullmatch(e["file"])
                and e["file"] != MANIFEST_NAME and _HEX64.fullmatch(e["sha256"])
                and _HEX64.fullmatch(e["support_sha256"]) and e["file"] not in seen):
            raise InputError(f"the manifest {path} has a malformed or repeated entry "
                             f"{json.dumps(e)[:80]}")
        seen.add(e["file"])
    return obj["certificates"]


def manifest_problems(manifest: str, entries: list[dict], reports: dict[str, FileReport]) -> list[str]:
    """Every way the folder and the manifest disagree, each naming the file."""
    folder = os.path.dirname(manifest) or "."
    problems = []
    listed = {e["file"] for e in entries}
    for e in entries:
        path = os.path.join(folder, e["file"])
        r = reports[os.path.realpath(path)]
        if r.sha256 is None:
            problems.append(f"{path}: listed in the manifest but missing or unreadable")
            continue
        if r.sha256 != e["sha256"]:
            problems.append(f"{path}: SHA-256 {r.sha256[:12]}... differs from the manifest's "
                            f"{e['sha256'][:12]}... (the file was changed)")
        if not r.accepted:
            problems.append(f"{path}: not accepted by the checker ({r.message[:120]})")
        elif r.claim != e["claim"]:
            problems.append(f"{path}: claims {r.claim}, the manifest says {e['claim']}")
        elif r.support_sha256 != e["support_sha256"]:
            problems.append(f"{path}: support fingerprint differs from the manifest")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json") and name not in listed and \
                os.path.realpath(os.path.join(folder, name)) != os.path.realpath(manifest):
            problems.append(f"{os.path.join(folder, name)}: in the folder but not in the manifest")
    return problems


# ---------------------------------------------------------------------------
# certify check
# ---------------------------------------------------------------------------

def _shown(path: str) -> str:
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def run_check(paths: list[str], as_json: bool, manifest: str | None,
              support_sha256: str | None = None, claims: tuple = ()) -> int:
    """Check the files (and the manifest); print text or one JSON report.
    Exit 0 all accepted (and the manifest matches), 1 some rejected or a
    manifest mismatch, 2 some file unreadable (or the manifest unusable).
    ``support_sha256`` / ``claims``: an accepted certificate must also be
    about that support / make one of those claims (else it counts as rejected)."""
    entries = load_manifest(manifest) if manifest else []
    todo, seen = [], set()
    skip = {os.path.realpath(manifest)} if manifest else set()
    folder = (os.path.dirname(manifest) or ".") if manifest else None
    for p in list(paths) + [os.path.join(folder, e["file"]) for e in entries]:
        key = os.path.realpath(p)
        if key not in seen and key not in skip:
            seen.add(key)
            todo.append(p)
    reports = {}
    status = 0
    for p in todo:
        r = check_one(p)
        if r.status == "accepted" and support_sha256 and r.support_sha256 != support_sha256:
            r.status, r.accepted, r.message = "rejected", False, (
                f"accepted by the checker, but about another support (sha256 {r.support_sha256[:12]}, "
                f"--support has {support_sha256[:12]})")
        elif r.status == "accepted" and claims and r.claim not in claims:
            r.status, r.accepted, r.message = "rejected", False, (
                f"accepted by the checker, but it claims {r.claim}, not {' or '.join(claims)}")
        reports[os.path.realpath(p)] = r
        status = max(status, {"accepted": 0, "rejected": 1, "unreadable": 2}[r.status])
        if not as_json:
            if r.status == "accepted":
                print(f"{_shown(p)}: accepted ({r.message})")
            elif r.status == "rejected":
                print(f"{_shown(p)}: REJECTED: {r.message}")
            else:
                print(f"{_shown(p)}: unreadable: {r.message}", file=sys.stderr)
    problems = manifest_problems(manifest, entries, reports) if manifest else []
    if problems:
        status = max(status, 1)
    if as_json:
        out = {"format": REPORT_FORMAT, "accepted": status == 0,
               "files": [asdict(reports[os.path.realpath(p)]) for p in todo],
               "manifest": None if manifest is None else
               {"file": manifest, "entries": len(entries), "ok": not problems, "problems": problems}}
        print(json.dumps(out, indent=1))
    elif manifest:
        for line in problems:
            print(f"manifest {_shown(manifest)}: FAILED: {_shown(line)}")
        if not problems:
            print(f"manifest {_shown(manifest)}: {len(entries)} certificates; every file listed, "
                  f"unchanged (SHA-256), accepted, with the listed claim and support fingerprint")
    return status
