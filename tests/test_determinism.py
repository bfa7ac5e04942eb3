"""Same input, byte-identical certificate; shipped proofs match a fresh run."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("spec", ["lu:5", "random:5,6,4:0.5:3", "blockdiag:12:3:3",
                                  "random:4,3,4,3:0.6:1"])
def test_certificates_are_byte_identical_across_hash_seeds(tmp_path, spec):
    texts = []
    for seed in ("1", "2"):
        out = tmp_path / f"c{seed}.json"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-m", "certify", "decide", spec, "-o", str(out)],
                           env=env, capture_output=True, text=True)
        assert r.returncode in (0, 3), r.stderr
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]


def test_shipped_proofs_match_a_fresh_run():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_proofs.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    shipped = sorted(p.name for p in (ROOT / "proofs").glob("*.json") if p.name != "MANIFEST.json")
    assert (ROOT / "proofs" / "MANIFEST.json").exists()
    assert len(shipped) == 23 and "lu_8.json" in shipped and "butterfly_256.json" in shipped
    assert {"c7_two_nodes_free_entry.json", "c8_rank_one_block.json", "w4_block_step.json",
            "w4_minor_step_twins.json", "w3_minor_step_single_node.json",
            "c7_whole_monomial_split.json"} <= set(shipped)
