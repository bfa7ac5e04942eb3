"""The documented format: docs/certificate.schema.json accepts every
certificate the suite produces (here: one of every claim kind and rule, and
all of proofs/; conftest.py validates every other certificate the engine emits
in the tests), rejects malformed ones, and docs/certificate-format.md lists
every rule identifier the checker knows, each with a pointer to its proof."""

from __future__ import annotations

import ast
import copy
import pathlib
import re

import pytest

import corpus
from conftest import SCHEMA, schema_errors, schema_validator
from certify.checker import check_certificate

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHECKER = ROOT / "certify" / "checker"
FORMAT_DOC = ROOT / "docs" / "certificate-format.md"


@pytest.fixture(scope="module")
def validator():
    return schema_validator()        # fails (ImportError) without jsonschema: pip install -e '.[test]'


# ---------------------------------------------------------------------------
# Rule identifiers, read from the checker's source
# ---------------------------------------------------------------------------

def _is_rule_lookup(node) -> bool:
    """``rule``, ``method``, ``x.get("rule")``, ``x["method"]`` ..."""
    keys = ("rule", "method")
    if isinstance(node, ast.Name):
        return node.id in keys
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value in keys
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in keys
    return False


def _strings(node, constants: dict) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_strings(e, constants) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Dict):      # e.g. WITNESS_RULES: rule -> its witness keys
        return set().union(*(_strings(k, constants) for k in node.keys if k is not None)) if node.keys else set()
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    return set()


def checker_rule_identifiers() -> set[str]:
    """Every string the checker compares a ``rule`` or ``method`` with."""
    found: set[str] = set()
    for path in sorted(CHECKER.glob("*.py")):
        tree = ast.parse(path.read_text())
        constants = {}
        for node in tree.body:          # module-level tuples of names, e.g. WITNESS_RULES
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                constants[node.targets[0].id] = _strings(node.value, {})
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and _is_rule_lookup(node.left):
                for comp in node.comparators:
                    found |= _strings(comp, constants)
    return found


def test_the_rule_parser_finds_the_known_rules():
    # A parser that finds nothing would make the documentation test vacuous.
    ids = checker_rule_identifiers()
    assert {"layer", "C3", "components", "reduce", "C1", "C2", "C5", "W1", "W2", "W3", "routed",
            "R1", "R2", "R4", "R5", "R5-drop", "R6", "R7", "nonzero", "zero", "contradiction",
            "propagation", "nullstellensatz", "factors", "refutation", "no-hidden-layer",
            "one-hidden-layer", "training-set"} <= ids


def _rule_rows() -> dict[str, str]:
    """Rows of the rule-identifier table: identifier -> the row's text."""
    text = FORMAT_DOC.read_text()
    section = text.split("## Rule identifiers", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_the_format_doc_lists_every_rule_the_checker_knows_with_its_proof():
    rows = _rule_rows()
    missing = sorted(checker_rule_identifiers() - set(rows))
    assert not missing, f"docs/certificate-format.md does not document {missing}"
    for rule, line in rows.items():
        assert "theory.md" in line, f"the row of {rule} gives no pointer to its proof in docs/theory.md"


def test_the_schema_lists_exactly_the_documented_claims():
    from certify.checker.verify import CLAIMS
    schema = schema_validator().schema
    assert set(schema["properties"]["claim"]["enum"]) == set(CLAIMS)
    text = FORMAT_DOC.read_text()
    for claim in CLAIMS:
        assert f"### `{claim}`" in text, f"no section for the claim {claim}"


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def test_the_corpus_covers_every_claim_and_every_rule_the_checker_knows():
    from certify.checker.verify import CLAIMS
    certs = corpus.all_certificates()
    assert {c["claim"] for c in certs.values()} == set(CLAIMS)
    used = set().union(*(corpus.rules_in(c) for c in certs.values()))
    assert checker_rule_identifiers() <= used, sorted(checker_rule_identifiers() - used)


@pytest.mark.parametrize("name", sorted(corpus.all_certificates()))
def test_every_certificate_is_accepted_and_matches_the_schema(name, validator):
    cert = corpus.all_certificates()[name]
    assert check_certificate(cert).accepted
    assert schema_errors(validator, cert) == []


def test_emitted_certificates_are_validated_by_the_session_hook():
    from certify.engine import decide
    from certify.patterns import build_pattern
    before = SCHEMA["validated"]
    decide(build_pattern("random:3,4,3:0.7:12345"))
    assert SCHEMA["validated"] == before + 1 and not SCHEMA["failures"]


def _broken(name, edit):
    cert = copy.deepcopy(corpus.all_certificates()[name])
    edit(cert)
    return cert


BROKEN = {
    "missing proof": ("lu3", lambda c: c.pop("proof")),
    "extra top-level field": ("lu3", lambda c: c.update(verdict="closed")),
    "unknown claim": ("lu3", lambda c: c.update(claim="open")),
    "short fingerprint": ("lu3", lambda c: c.update(support_sha256="69e1")),
    "decimal rational": ("lu3", lambda c: c["proof"]["limit"]["nonzeros"][0].__setitem__(2, "0.5")),
    "number not string": ("lu3", lambda c: c["proof"]["limit"]["nonzeros"][0].__setitem__(2, 1)),
    "bad node label": ("lu3", lambda c: c["proof"]["reduction"]["core"]["sources"].__setitem__(0, "0-0")),
    "unknown witness rule": ("lu3", lambda c: c["proof"].update(rule="W9")),
    "unknown reduction step": ("lu3", lambda c: c["proof"]["reduction"]["steps"].insert(0, {"rule": "R8"})),
    "unknown closed rule": ("butterfly", lambda c: c["proof"].update(rule="C9")),
    "C3 without split": ("butterfly", lambda c: c["proof"].pop("split")),
    "unknown component rule": ("c2", lambda c: c["proof"]["components"][0].update(rule="C4x")),
    "zero step without var": ("lu3", lambda c: c["proof"]["refutation"]["steps"][1].pop("var")),
    "negative power": ("not-member-nullstellensatz",
                       lambda c: c["proof"]["refutation"]["cofactors"][0]["terms"][0][0].append([0, -1])),
    "closed proof under not_closed": ("lu3", lambda c: c.update(proof={"rule": "layer"})),
    "member without factors": ("member-lu3", lambda c: c["proof"].pop("factors")),
    "unknown optimum rule": ("optimum-no-hidden-layer", lambda c: c["proof"].update(rule="convex")),
    "training set without theta": ("no-optimum-lu3", lambda c: c["proof"].pop("theta")),
}


@pytest.mark.parametrize("what", sorted(BROKEN))
def test_the_schema_rejects_malformed_certificates(what, validator):
    name, edit = BROKEN[what]
    assert schema_errors(validator, _broken(name, edit)), what
