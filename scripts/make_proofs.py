"""Regenerate the shipped certificates in proofs/ and proofs/MANIFEST.json
(replayed by .ci/run with `certify check --manifest proofs/MANIFEST.json`).

usage: python scripts/make_proofs.py [--check]
  --check  compare proofs/ and its manifest with a fresh run instead of writing
           (exit 1 on a difference)
"""

import pathlib
import sys

from certify import certificate
from certify.audit import MANIFEST_NAME, manifest_entry, manifest_text
from certify.engine import decide
from certify.patterns import build_pattern
from certify.support import from_masks

SPECS = ([f"lu:{n}" for n in range(2, 9)] + ["ul:4", "dense:4,6,3,5"]
         + [f"butterfly:{2 ** k}" for k in range(3, 9)] + ["monarch:16:4", "blockdiag:12:3:3"])

# Hand-worked examples of docs/theory.md, as masks (input layer first, rows by ",").
MASKS = {"c7_two_nodes_free_entry": "001,011,011/001,011,110",      # closed: C7
         "c8_rank_one_block": "0011,1111,0010/111,110",             # closed: C8
         "w4_block_step": "001,110,111/011,111,111",                # not closed: W4 with a block step
         "w4_minor_step_twins": "111,111,100,010/1110,1101,1100",   # not closed: W4 with a minor step
         "w3_minor_step_single_node": "011,101,110/011,101,110",    # not closed: J - I, W3 with a one-node minor
         "c7_whole_monomial_split": "11,11,10,01/1000,0110,0101,1100"}   # closed: C7's fifth order

PROOFS = pathlib.Path(__file__).resolve().parent.parent / "proofs"


def file_name(spec: str) -> str:
    return spec.replace(":", "_").replace(",", "-") + ".json"


def render(spec: str) -> str:
    if spec in MASKS:
        d = decide(from_masks([[[c == "1" for c in row] for row in layer.split(",")]
                               for layer in MASKS[spec].split("/")]))
    else:
        d = decide(build_pattern(spec))
    if not d.decided or d.internal_error:
        raise SystemExit(f"{spec}: expected a decided verdict, got {d.verdict}")
    return certificate.dumps(d.certificate)


def main(argv) -> int:
    check = "--check" in argv
    status = 0
    files = {file_name(spec): render(spec) for spec in SPECS + list(MASKS)}
    files[MANIFEST_NAME] = manifest_text([manifest_entry(name, text.encode("utf-8"))
                                          for name, text in files.items()])
    for name, text in files.items():
        path = PROOFS / name
        if check:
            if not path.exists() or path.read_text() != text:
                print(f"{path.name}: differs from a fresh run")
                status = 1
        else:
            certificate.write_atomic(str(path), text)
            print(f"{path.name}: written")
    extra = sorted(p.name for p in PROOFS.glob("*.json") if p.name not in files)
    for name in extra:
        print(f"{name}: in proofs/ but not made by this script (remove it)")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
