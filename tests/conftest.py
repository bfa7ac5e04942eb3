"""Shared helpers.  Every certificate the engine emits goes through
``certify.engine.decide``, which replays it with the independent checker
before returning (self-check); ``decided`` below additionally re-checks the
serialised bytes, so a test cannot pass on an unchecked certificate.

Every certificate the engine emits during the tests (through
``certificate.self_check``) is also validated against
docs/certificate.schema.json; a violation fails the test that produced it
and the session."""

import hashlib
import json
import pathlib

import pytest

from certify import certificate
from certify.checker import check_certificate
from certify.engine import decide
from certify.patterns import build_pattern
from certify.support import from_masks


def accepted(cert: dict):
    """Serialise, parse back and check: the verdict object."""
    return check_certificate(json.loads(certificate.dumps(cert)))


def decided(support_or_spec, expect=None):
    support = build_pattern(support_or_spec) if isinstance(support_or_spec, str) else support_or_spec
    d = decide(support)
    assert d.internal_error is None, d.internal_error
    if expect is not None:
        assert d.verdict == expect, (support_or_spec, d.verdict, d.explanation)
    if d.certificate is not None:
        v = accepted(d.certificate)
        assert v.accepted, v.message
        assert v.claim == d.verdict
    return d


@pytest.fixture
def masks():
    return from_masks


# ---------------------------------------------------------------------------
# Schema validation of every certificate the engine emits in this session
# ---------------------------------------------------------------------------

SCHEMA_PATH = pathlib.Path(__file__).resolve().parent.parent / "docs" / "certificate.schema.json"
SCHEMA = {"validated": 0, "failures": []}


def schema_validator():
    import jsonschema       # the `test` extra installs it
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(validator, cert) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
            for e in validator.iter_errors(cert)]


@pytest.fixture(autouse=True, scope="session")
def _validate_emitted_certificates():
    try:
        validator = schema_validator()
    except ImportError:     # tests/test_certificate_schema.py fails loudly instead
        yield
        return
    original = certificate.self_check
    seen: set = set()

    def self_check(text, enabled=True, progress=None):
        key = hashlib.sha256(text.encode("utf-8")).digest()
        if key not in seen:
            seen.add(key)
            errors = schema_errors(validator, json.loads(text))
            SCHEMA["validated"] += 1
            if errors:
                SCHEMA["failures"].append(errors)
                raise AssertionError(f"an emitted certificate violates the schema: {errors[:3]}")
        return original(text, enabled, progress)

    certificate.self_check = self_check
    yield
    certificate.self_check = original


def pytest_sessionfinish(session, exitstatus):
    if SCHEMA["failures"]:        # also when a test swallowed the AssertionError
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if SCHEMA["validated"] or SCHEMA["failures"]:
        terminalreporter.write_line(
            f"schema: {SCHEMA['validated']} distinct certificates emitted by the tests validated "
            f"against docs/certificate.schema.json, {len(SCHEMA['failures'])} violations")
