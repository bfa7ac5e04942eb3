"""The checker imports only the standard library and FLINT, never the engine."""

import ast
import pathlib
import subprocess
import sys

import certify.checker

CHECKER = pathlib.Path(certify.checker.__file__).parent


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or ""


def test_checker_sources_import_only_stdlib_flint_and_themselves():
    files = sorted(CHECKER.glob("*.py"))
    assert len(files) >= 3
    for f in files:
        for level, name in imported_modules(f):
            top = name.split(".")[0]
            if level == 0:
                assert top in sys.stdlib_module_names or top == "flint", f"{f.name} imports {name}"
            else:
                # Relative imports must stay inside certify/checker.
                assert level == 1, f"{f.name} reaches outside the checker: {'.' * level}{name}"


def test_the_import_test_would_catch_an_engine_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..engine import decide\nimport numpy\n")
    found = list(imported_modules(bad))
    assert (2, "engine") in found and (0, "numpy") in found


def test_running_the_checker_loads_no_engine_module(tmp_path):
    from certify import certificate
    from certify.engine import decide
    from certify.patterns import build_pattern
    path = tmp_path / "c.json"
    path.write_text(certificate.dumps(decide(build_pattern("lu:3")).certificate))
    code = ("import sys, certify.checker as c\n"
            f"v = c.check_file({str(path)!r})\n"
            "assert v.accepted, v.message\n"
            "mods = [m for m in sys.modules if m.split('.')[0] in ('certify', 'numpy', 'networkx', 'sympy')]\n"
            "print(sorted(mods))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert all(m == "certify" or m.startswith("certify.checker") for m in loaded), loaded


def test_trusted_code_stays_small_and_its_documented_size_is_true():
    import re
    counts = {f.name: len(f.read_text().splitlines()) for f in sorted(CHECKER.glob("*.py"))}
    total = sum(counts.values())
    assert total < 1850, total
    doc = (CHECKER.parent.parent / "docs" / "certificate-format.md").read_text()
    m = re.search(r"\*\*Size\.\*\*.*?([0-9,]+) lines in total \(`wc -l certify/checker/\*\.py`:\s*(.*?)\)",
                  doc, re.S)
    assert m, "docs/certificate-format.md states the checker's line count"
    assert int(m.group(1).replace(",", "")) == total
    stated = dict((name, int(n)) for name, n in re.findall(r"`([a-z_]+\.py)` ([0-9]+)", m.group(2)))
    assert stated == counts
